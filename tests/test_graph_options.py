"""Grappler settings of K.function's compiled functions (graph_options.py)."""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend as K
from tf_kbackend import _tf_private
from tf_kbackend.tf_backend import graph_options


def _rewrite_options(attrs):
  pairs = dict(zip(attrs[::2], attrs[1::2]))
  proto = tf.compat.v1.ConfigProto.FromString(pairs['config_proto'])
  return proto.graph_options.rewrite_options


def test_fast_settings_by_default():
  rewrite = _rewrite_options(graph_options.function_call_attrs())
  assert rewrite.meta_optimizer_iterations == rewrite.ONE
  assert rewrite.memory_optimization == rewrite.NO_MEM_OPT
  assert rewrite.disable_tfg_optimizer
  if not tf.config.list_logical_devices('GPU'):
    assert rewrite.layout_optimizer == rewrite.OFF
  # Everything else as TensorFlow's own call attributes.
  ours = dict(zip(*[iter(graph_options.function_call_attrs())] * 2))
  theirs = dict(zip(*[iter(_tf_private.function_call_attrs())] * 2))
  assert ours.keys() == theirs.keys()
  assert ours['executor_type'] == theirs['executor_type']


def test_tensorflow_settings_on_request(monkeypatch):
  monkeypatch.setenv(graph_options.GRAPPLER_ENV, 'tensorflow')
  assert graph_options.function_call_attrs() == (
      _tf_private.function_call_attrs())


def test_bad_setting_is_named(monkeypatch):
  monkeypatch.setenv(graph_options.GRAPPLER_ENV, 'quick')
  with pytest.raises(ValueError, match="TF_KBACKEND_GRAPPLER.*'quick'"):
    graph_options.function_call_attrs()


def test_user_choices_are_kept(monkeypatch):
  proto = tf.compat.v1.ConfigProto()
  rewrite = proto.graph_options.rewrite_options
  rewrite.meta_optimizer_iterations = rewrite.TWO
  rewrite.memory_optimization = rewrite.MANUAL
  rewrite.layout_optimizer = rewrite.ON
  monkeypatch.setattr(
      _tf_private, 'function_call_attrs',
      lambda: ('executor_type', '', 'config_proto',
               proto.SerializeToString()))
  kept = _rewrite_options(graph_options.function_call_attrs())
  assert kept.meta_optimizer_iterations == kept.TWO
  assert kept.memory_optimization == kept.MANUAL
  assert kept.layout_optimizer == kept.ON


def _train_steps():
  """Three SGD steps of a small MLP through K.function; the losses."""
  K.clear_session()
  rng = np.random.RandomState(0)
  x_value = rng.rand(16, 8).astype('float32')
  y_value = np.eye(3, dtype='float32')[rng.randint(0, 3, 16)]
  w1 = K.variable(rng.randn(8, 16) * 0.3)
  b1 = K.variable(np.zeros(16))
  w2 = K.variable(rng.randn(16, 3) * 0.3)
  x, y = K.placeholder(shape=(None, 8)), K.placeholder(shape=(None, 3))
  probs = K.softmax(K.dot(K.relu(K.bias_add(K.dot(x, w1), b1)), w2))
  loss = K.mean(K.categorical_crossentropy(y, probs))
  params = [w1, b1, w2]
  updates = [K.update_sub(p, 0.5 * g)
             for p, g in zip(params, K.gradients(loss, params))]
  f = K.function([x, y], [loss], updates=updates)
  return [f([x_value, y_value])[0] for _ in range(3)], f


def test_k_function_uses_them_and_computes_the_same(monkeypatch):
  fast, f = _train_steps()
  rewrite = _rewrite_options(f._attrs)  # pylint: disable=protected-access
  assert rewrite.meta_optimizer_iterations == rewrite.ONE
  monkeypatch.setenv(graph_options.GRAPPLER_ENV, 'tensorflow')
  default, _ = _train_steps()
  np.testing.assert_array_equal(fast, default)
  assert fast[2] < fast[0]


@pytest.mark.parametrize('shape', [(None, 5), (None, 4, 4, 5), (None, 3, 5)])
def test_bias_add_is_the_fusable_kernel(shape):
  # Legacy Keras' op for a channels-last bias: Grappler's remapper fuses
  # MatMul / Conv2D + BiasAdd (+ activation) into one kernel.
  x = K.placeholder(shape=shape)
  y = K.bias_add(x, K.variable(np.arange(5.0)))
  assert y.op.type == 'BiasAdd'
  value = np.ones((2,) + shape[1:], 'float32')
  np.testing.assert_array_equal(K.function([x], [y])([value])[0],
                                value + np.arange(5.0))
