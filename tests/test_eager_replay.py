"""Initializers evaluated op by op (tf_backend/eager_replay.py).

The replay must give exactly what compiling the subgraph (the TF1 way: a
fresh graph, a first run) gives, and decline what it cannot replay.
"""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend as K
from tf_kbackend.tf_backend import compiler
from tf_kbackend.tf_backend import eager_replay


def _replay(tensor):
  return eager_replay.evaluate(tensor, compiler.capture_map(K.get_graph()))


def _compiled(tensor):
  """The value from a freshly compiled function (what K.eval does)."""
  return K.eval(tensor)


@pytest.mark.parametrize('draw', [
    lambda: K.random_uniform((3, 4), -2.0, 3.0, seed=11),
    lambda: K.random_normal((5,), 1.0, 0.5, seed=12),
    lambda: K.truncated_normal((2, 7), 0.0, 2.0, seed=13),
    lambda: K.random_uniform((4, 4), 0, 10, dtype='int32', seed=14),
    lambda: K.random_uniform((6,), dtype='float64', seed=15) * 2.0 + 1.0,
    lambda: K.random_normal((3,), dtype='float16', seed=16),
    lambda: tf.random.uniform((40,), seed=17),  # a negative-free tf seed
])
def test_random_draws_equal_a_fresh_compiled_graph(draw):
  with K.name_scope('init'):
    tensor = draw()
  assert K.is_symbolic(tensor)
  replayed = _replay(tensor)
  assert replayed is not None
  np.testing.assert_array_equal(replayed.numpy(), _compiled(tensor))
  # A second evaluation repeats the draw, as a second fresh graph did.
  np.testing.assert_array_equal(_replay(tensor).numpy(), replayed.numpy())


def test_same_seed_same_weights_as_tf1():
  with K.name_scope('dense_1'):
    a = K.variable(K.random_uniform((3, 3), seed=5))
  with K.name_scope('dense_2'):
    b = K.variable(K.random_uniform((3, 3), seed=5))
    c = K.variable(K.random_uniform((3, 3), seed=6))
  np.testing.assert_array_equal(K.eval(a), K.eval(b))
  assert not np.array_equal(K.eval(a), K.eval(c))


def test_unseeded_graph_draws_differ():
  with K.name_scope('init'):
    tensor = tf.random.uniform((50,))  # seed=0, seed2=0: random per run
  assert tensor.op.get_attr('seed') == 0 and tensor.op.get_attr('seed2') == 0
  first, second = _replay(tensor).numpy(), _replay(tensor).numpy()
  assert not np.array_equal(first, second)
  assert first.min() >= 0.0 and first.max() < 1.0


def test_constants_and_shape_ops():
  with K.name_scope('init'):
    tensor = K.concatenate([K.ones((2, 1)) * 3.0, K.zeros((2, 2))], axis=1)
    tensor = K.transpose(K.reshape(tensor, (3, 2)))
  np.testing.assert_array_equal(_replay(tensor).numpy(), _compiled(tensor))


def test_variable_reads_see_the_current_value():
  v = K.variable([1.0, 2.0])
  with K.name_scope('init'):
    tensor = K.identity(v) * 2.0
  K.set_value(v, [5.0, 6.0])
  np.testing.assert_array_equal(_replay(tensor).numpy(), [10.0, 12.0])


def test_declines_what_needs_compiling():
  x = K.placeholder(shape=(2,))
  assert _replay(x * 2.0) is None  # needs a feed
  v = K.variable(0.0)
  with K.name_scope('init'):
    with K.control_dependencies([K.update_add(v, 1.0)]):
      after_update = K.identity(v)
    branch = K.switch(K.learning_phase(), lambda: K.ones(()),
                      lambda: K.zeros(()))  # a function-valued attribute
  assert _replay(after_update) is None
  assert _replay(branch) is None
  assert float(K.eval(v)) == 0.0  # nothing ran


def test_k_variable_from_a_symbolic_initializer_compiles_nothing(monkeypatch):
  compiled = []
  original = compiler.compile_subgraph
  monkeypatch.setattr(compiler, 'compile_subgraph',
                      lambda *a, **k: compiled.append(1) or original(*a, **k))
  with K.name_scope('dense'):
    kernel = K.variable(K.random_uniform((4, 3), -0.1, 0.1, seed=3))
    bias = K.variable(K.zeros((3,)) + 0.5)
  assert not compiled
  with K.name_scope('check'):
    expected = K.random_uniform((4, 3), -0.1, 0.1, seed=3)
  np.testing.assert_array_equal(K.eval(kernel), K.eval(expected))
  np.testing.assert_array_equal(K.eval(bias), [0.5, 0.5, 0.5])


def test_k_variable_falls_back_to_compiling():
  with K.name_scope('init'):
    value = K.switch(K.learning_phase(), lambda: K.ones((2,)),
                     lambda: K.zeros((2,)) + 4.0)
  np.testing.assert_array_equal(K.eval(K.variable(value)), [4.0, 4.0])
  x = K.placeholder(shape=(2,), name='needs_feed')
  with pytest.raises(ValueError, match='needs_feed'):
    K.variable(x * 2.0)
