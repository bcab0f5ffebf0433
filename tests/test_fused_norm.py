"""Batch normalization by the fused kernel (tf_backend/fused_norm.py).

Built in the Keras graph for float32 channels-last images; it must give the
general path's values (biased variance included) and complete gradients,
including through the returned statistics, which TensorFlow's own gradient
of the fused op ignores.
"""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend as K

EPSILON = 1e-3


def _reference_training(x, gamma, beta):
  """The general path's formula, float64, under a tape."""
  mean, var = tf.nn.moments(x, [0, 1, 2])
  y = tf.nn.batch_normalization(x, mean, var, beta, gamma, EPSILON)
  return y, mean, var


def _values(shape, seed=0):
  rng = np.random.RandomState(seed)
  x = rng.uniform(-2.0, 3.0, shape).astype('float32')
  gamma = rng.uniform(0.5, 1.5, shape[-1:]).astype('float32')
  beta = rng.uniform(-0.5, 0.5, shape[-1:]).astype('float32')
  return x, gamma, beta


@pytest.mark.parametrize('shape', [(4, 3, 3, 5), (1, 1, 1, 3), (2, 5, 1, 4)])
def test_training_values_and_all_gradients(shape):
  x_value, gamma_value, beta_value = _values(shape)
  x = K.placeholder(shape=(None,) + shape[1:])
  gamma, beta = K.variable(gamma_value), K.variable(beta_value)
  y, mean, var = K.normalize_batch_in_training(x, gamma, beta, [0, 1, 2],
                                               epsilon=EPSILON)
  assert 'FusedBatchNormV3' in {op.type for op in K.get_graph().get_operations()}
  weights = [np.random.RandomState(i).randn(*s).astype('float32')
             for i, s in enumerate([shape, shape[-1:], shape[-1:]])]
  loss = (K.sum(y * weights[0]) + K.sum(mean * weights[1]) +
          K.sum(var * weights[2]))
  grads = K.gradients(loss, [x, gamma, beta])
  got = K.function([x], [y, mean, var] + grads)([x_value])

  x64, gamma64, beta64 = (tf.constant(v.astype('float64'))
                          for v in (x_value, gamma_value, beta_value))
  with tf.GradientTape() as tape:
    tape.watch([x64, gamma64, beta64])
    outputs = _reference_training(x64, gamma64, beta64)
    ref_loss = sum(tf.reduce_sum(o * w) for o, w in zip(outputs, weights))
  expected = [o.numpy() for o in outputs] + [
      g.numpy() for g in tape.gradient(ref_loss, [x64, gamma64, beta64])]
  for name, a, b in zip(['y', 'mean', 'var', 'dx', 'dgamma', 'dbeta'], got,
                        expected):
    np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5, err_msg=name)


def test_unused_statistics_add_nothing_to_the_gradient():
  x = K.placeholder(shape=(None, 2, 2, 3))
  y, _, _ = K.normalize_batch_in_training(x, None, None, [0, 1, 2])
  dx = K.gradients(K.sum(y * y), [x])[0]
  # Straight from the fused gradient kernel: no mean/variance terms.
  assert dx.op.type == 'FusedBatchNormGradV3'


def test_inference_values_and_gradients():
  x_value, gamma_value, beta_value = _values((3, 2, 2, 4), seed=1)
  rng = np.random.RandomState(2)
  mean_value = rng.uniform(-1, 1, 4).astype('float32')
  var_value = rng.uniform(0.5, 2, 4).astype('float32')
  x = K.placeholder(shape=(None, 2, 2, 4))
  params = [K.variable(v) for v in (mean_value, var_value, beta_value,
                                    gamma_value)]
  y = K.batch_normalization(x, *params, axis=-1, epsilon=EPSILON)
  assert y.op.type == 'FusedBatchNormV3'
  w = rng.randn(3, 2, 2, 4).astype('float32')
  grads = K.gradients(K.sum(y * w), [x] + params)
  got = K.function([x], [y] + grads)([x_value])

  tensors = [tf.constant(v.astype('float64')) for v in (
      x_value, mean_value, var_value, beta_value, gamma_value)]
  with tf.GradientTape() as tape:
    tape.watch(tensors)
    ref = tf.nn.batch_normalization(*tensors, EPSILON)
    ref_loss = tf.reduce_sum(ref * w)
  expected = [ref.numpy()] + [g.numpy() for g in tape.gradient(ref_loss,
                                                                tensors)]
  for a, b in zip(got, expected):
    np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize('case', [
    dict(dtype='float64'),              # the kernel is float32 (here)
    dict(axes=[0, 2, 3]),               # channels first
    dict(epsilon=1e-6),                 # below cuDNN's minimum
    dict(shape=(None, 3, 4)),           # not an image
])
def test_other_cases_keep_the_general_path(case):
  shape = case.get('shape', (None, 2, 2, 3))
  x = K.placeholder(shape=shape, dtype=case.get('dtype', 'float32'))
  axes = case.get('axes', list(range(len(shape) - 1)))
  K.normalize_batch_in_training(x, None, None, axes,
                                epsilon=case.get('epsilon', EPSILON))
  types = {op.type for op in K.get_graph().get_operations()}
  assert 'FusedBatchNormV3' not in types


def test_eager_values_keep_the_general_path():
  x_value, _, _ = _values((2, 2, 2, 3))
  y, mean, var = K.normalize_batch_in_training(x_value, None, None,
                                               [0, 1, 2], epsilon=EPSILON)
  np.testing.assert_allclose(var.numpy(), x_value.var((0, 1, 2)), rtol=1e-5)
  np.testing.assert_allclose(mean.numpy(), x_value.mean((0, 1, 2)),
                             rtol=1e-5, atol=1e-7)
  assert y.shape == (2, 2, 2, 3)
