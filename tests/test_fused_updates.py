"""K.function's fused update arithmetic (tf_backend/fused_updates.py).

From its second call, a `K.function` with updates computes the elementwise
arithmetic of the new variable values in an inner XLA function. These tests
compare every result with the same function unfused
(`config.set_fuse_updates(False)`), show that the fusion really happens
(the function library holds a must-compile function, and the copied graph
no longer holds the update arithmetic), and that it is skipped where it
must be.
"""

import json
import threading

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend.tf_backend as K
from tf_kbackend import config
from tf_kbackend.tf_backend import fused_updates


@pytest.fixture(autouse=True)
def fresh_graph():
  K.clear_session()
  yield
  K.clear_session()
  config.set_fuse_updates(True)


def _xla_functions(function):
  """Names of the must-compile functions in `function`'s library."""
  library = function._concrete.graph.as_graph_def().library  # pylint: disable=protected-access
  return [f.signature.name for f in library.function
          if '_XlaMustCompile' in f.attr and f.attr['_XlaMustCompile'].b]


def _op_types(function):
  return [op.type for op in function._concrete.graph.get_operations()]  # pylint: disable=protected-access


def _mlp(optimizer, fuse, steps=4):
  """A small MLP trained by `optimizer` ('adam' or 'momentum'), as legacy
  Keras builds those updates; returns the function, outputs, weights."""
  config.set_fuse_updates(fuse)
  rng = np.random.RandomState(0)
  x = K.placeholder(shape=(None, 16))
  y = K.placeholder(shape=(None, 3))
  params = [K.variable(rng.randn(16, 32) * 0.3), K.zeros((32,)),
            K.variable(rng.randn(32, 3) * 0.3), K.zeros((3,))]
  w1, b1, w2, b2 = params
  out = K.softmax(K.dot(K.relu(K.dot(x, w1) + b1), w2) + b2)
  loss = K.mean(K.categorical_crossentropy(y, out))
  grads = K.gradients(loss, params)
  iterations = K.variable(0, dtype='int64')
  updates = [K.update_add(iterations, 1)]
  if optimizer == 'adam':
    t = K.cast(iterations, 'float32') + 1
    lr_t = 0.01 * K.sqrt(1. - K.pow(0.999, t)) / (1. - K.pow(0.9, t))
    for p, g in zip(params, grads):
      m, v = K.zeros(K.int_shape(p)), K.zeros(K.int_shape(p))
      m_t = 0.9 * m + 0.1 * g
      v_t = 0.999 * v + 0.001 * K.square(g)
      updates += [K.update(m, m_t), K.update(v, v_t),
                  K.update(p, p - lr_t * m_t / (K.sqrt(v_t) + 1e-7))]
  else:
    for p, g in zip(params, grads):
      m = K.zeros(K.int_shape(p))
      v = 0.9 * m - 0.1 * g
      updates += [K.update(m, v), K.update(p, p + 0.9 * v - 0.1 * g)]
  train = K.function([x, y], [loss, out], updates=updates)
  data = np.random.RandomState(1).rand(steps, 40, 16).astype('float32')
  labels = np.eye(3, dtype='float32')[np.arange(40) % 3]
  outputs = [train([batch, labels]) for batch in data]
  outputs.append(train([data[0][:7], labels[:7]]))  # Another batch size.
  return train, outputs, [K.get_value(p) for p in params + [iterations]]


class TestNumerics:

  @pytest.mark.parametrize('optimizer', ['adam', 'momentum'])
  def test_training_equals_the_unfused_one(self, optimizer):
    fused, fused_out, fused_weights = _mlp(optimizer, True)
    assert _xla_functions(fused)
    K.clear_session()
    plain, plain_out, plain_weights = _mlp(optimizer, False)
    assert not _xla_functions(plain)
    for (loss_a, out_a), (loss_b, out_b) in zip(fused_out, plain_out):
      np.testing.assert_allclose(loss_a, loss_b, rtol=2e-6)
      np.testing.assert_allclose(out_a, out_b, rtol=2e-6, atol=1e-7)
    for a, b in zip(fused_weights, plain_weights):
      np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-7)
    assert fused_weights[-1] == 5  # The step counter, not fused.

  def test_fused_from_the_second_call_without_the_arithmetic(self):
    w = K.variable(np.arange(6.).reshape(2, 3))
    m = K.zeros((2, 3))
    m_t = 0.5 * m + K.square(w) * 0.25
    f = K.function([], [K.sum(w)], updates=[
        K.update(m, m_t), K.update(w, w - 0.1 * m_t / (K.sqrt(m_t) + 1.))])
    first = _op_types(f)
    assert not _xla_functions(f) and 'Sqrt' in first
    f([])
    assert not _xla_functions(f)  # One call: never compiled by XLA.
    w1, m1 = K.get_value(w), K.get_value(m)
    f([])
    assert len(_xla_functions(f)) == 1
    types = _op_types(f)
    assert 'Sqrt' not in types and 'Square' not in types
    # The second call computed from the first call's values.
    m2 = 0.5 * m1 + w1 ** 2 * 0.25
    np.testing.assert_allclose(K.get_value(m), m2, rtol=1e-6)
    np.testing.assert_allclose(K.get_value(w),
                               w1 - 0.1 * m2 / (np.sqrt(m2) + 1.), rtol=1e-6)


class TestSemantics:

  def test_outputs_see_the_values_before_the_updates(self):
    w = K.variable([1., 2.])
    counter = K.variable(0, dtype='int64')
    f = K.function([], [w * 1.0, K.cast(counter, 'float32')], updates=[
        K.update_add(counter, 1), K.update(w, K.sqrt(w * w * 4. + 0.) + 0.)])
    seen = [[v.tolist() for v in f([])] for _ in range(4)]
    assert _xla_functions(f)
    assert seen == [[[1., 2.], 0.], [[2., 4.], 1.], [[4., 8.], 2.],
                    [[8., 16.], 3.]]
    np.testing.assert_allclose(K.get_value(w), [16., 32.])

  def test_writes_wait_for_reads_inside_a_conditional(self):
    # The fused call writes `v`, which a learning-phase conditional reads
    # after heavy work: lowered, a control edge from the conditional only
    # waits for its branch to start, so the write used to overtake the
    # read (15 of 60 calls here, before the gate on its outputs).
    big = K.constant(np.random.RandomState(0).rand(200, 200), dtype='float32')
    for _ in range(8):
      v = K.variable(np.ones(50))

      def train(v=v):
        return K.sum(K.dot(big, K.dot(big, big))) * 0.0 + v * 2.0

      out = K.in_train_phase(train, lambda v=v: v * 3.0)
      f = K.function([K.learning_phase()], [out],
                     updates=[(v, K.sqrt(v * v + 1.0) * 1.0 + 10.0)])
      for _ in range(4):
        before = K.get_value(v)
        np.testing.assert_array_equal(f([1])[0], before * 2.0)
      assert _xla_functions(f)

  def test_a_fetched_intermediate_stays_outside_and_is_returned(self):
    w = K.variable([1., 4.])
    m = K.zeros((2,))
    m_t = 0.5 * m + 0.5 * K.sqrt(w)
    f = K.function([], [m_t], updates=[
        K.update(m, m_t), K.update(w, w + 2. * m_t * m_t - 1.)])
    results = [f([])[0] for _ in range(3)]
    config.set_fuse_updates(False)
    K.clear_session()
    w2 = K.variable([1., 4.])
    m2 = K.zeros((2,))
    m2_t = 0.5 * m2 + 0.5 * K.sqrt(w2)
    g = K.function([], [m2_t], updates=[
        K.update(m2, m2_t), K.update(w2, w2 + 2. * m2_t * m2_t - 1.)])
    expected = [g([])[0] for _ in range(3)]
    np.testing.assert_allclose(results, expected, rtol=1e-6)

  def test_fed_values_reach_the_fused_arithmetic(self):
    lr = K.placeholder(shape=())
    w = K.variable(np.ones((3, 2)))
    f = K.function([lr], [], updates=[
        K.update(w, w - lr * K.square(w) / (K.sqrt(w) + 1.))])
    for rate in [0.1, 0.2, 0.3]:
      before = K.get_value(w)
      f([rate])
      np.testing.assert_allclose(
          K.get_value(w), before - rate * before ** 2 / (np.sqrt(before) + 1),
          rtol=1e-6)
    assert _xla_functions(f)

  def test_a_bad_update_shape_changes_no_variable(self):
    w = K.variable(np.ones((2, 2)))
    v = K.variable(np.zeros((3,)))
    x = K.placeholder(shape=(None,))
    f = K.function([x], [], updates=[
        K.update(w, K.sqrt(w * 4.) * 2. - 1.), K.update(v, x * 1.)])
    f([np.ones(3)])
    f([np.ones(3)])
    assert _xla_functions(f)
    before = K.get_value(w)
    with pytest.raises(ValueError, match='cannot assign a value of shape'):
      f([np.ones(4)])
    np.testing.assert_array_equal(K.get_value(w), before)
    np.testing.assert_array_equal(K.get_value(v), np.ones(3))

  def test_threads_calling_across_the_switch(self):
    counter = K.variable(0.)
    w = K.variable(np.ones((4,)))
    f = K.function([], [], updates=[
        K.update_add(counter, 1.), K.update(w, K.sqrt(w * w) * 1. + 0.)])
    barrier = threading.Barrier(4)

    def run():
      barrier.wait()
      for _ in range(5):
        f([])

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
      thread.start()
    for thread in threads:
      thread.join()
    assert K.get_value(counter) == 20.
    np.testing.assert_array_equal(K.get_value(w), np.ones(4))
    assert _xla_functions(f)


class TestNotFused:

  def test_too_little_arithmetic(self):
    w = K.variable([1., 2.])
    f = K.function([], [], updates=[K.update(w, w * 2.)])
    for _ in range(3):
      f([])
    assert not _xla_functions(f)
    np.testing.assert_array_equal(K.get_value(w), [8., 16.])

  def test_plain_sgd_has_nothing_to_fuse(self):
    # One multiplication per update: each op is one pass already.
    x = K.placeholder(shape=(None, 4))
    weights = [K.variable(np.ones((4, 4)) * (i + 1)) for i in range(5)]
    h = x
    for w in weights:
      h = K.dot(h, w)
    grads = K.gradients(K.sum(h), weights)
    f = K.function([x], [], updates=[
        K.update_sub(w, 0.01 * g) for w, g in zip(weights, grads)])
    f([np.ones((2, 4))])
    f([np.ones((2, 4))])
    assert not _xla_functions(f)

  def test_random_ops_keep_their_sequence(self):
    # Recompiling would restart a seeded random op's draws (TF1 continued).
    w = K.variable(np.zeros(4))
    noise = K.random_uniform((4,), seed=3)
    f = K.function([], [noise], updates=[
        K.update(w, K.sqrt(w * w + 1.) * 2. - noise)])
    draws = [f([])[0] for _ in range(3)]
    assert not _xla_functions(f)
    assert not np.array_equal(draws[0], draws[1])
    assert not np.array_equal(draws[1], draws[2])

  def test_random_ops_inside_control_flow_count(self):
    flag = K.placeholder(shape=(), dtype='bool')
    w = K.variable(np.zeros(4))
    noise = K.switch(flag, lambda: K.random_uniform((4,), seed=3),
                     lambda: K.zeros((4,)))
    f = K.function([flag], [noise], updates=[
        K.update(w, K.sqrt(w * w + 1.) * 2. - noise)])
    draws = [f([True])[0] for _ in range(3)]
    assert not _xla_functions(f)
    assert not np.array_equal(draws[0], draws[1])

  def test_control_flow_without_random_ops_is_fused(self):
    flag = K.placeholder(shape=(), dtype='bool')
    w = K.variable(np.ones(4))
    scale = K.switch(flag, lambda: w * 2., lambda: w * 3.)
    f = K.function([flag], [], updates=[
        K.update(w, K.sqrt(w * w + 1.) * 2. - scale)])
    expected = np.ones(4)
    for value in [True, False, True]:
      f([value])
      expected = (np.sqrt(expected ** 2 + 1.) * 2. -
                  expected * (2. if value else 3.))
    assert _xla_functions(f)
    np.testing.assert_allclose(K.get_value(w), expected, rtol=1e-6)

  def test_ops_xla_does_not_take_stay_outside(self):
    # String and integer-to-string ops: not elementwise arithmetic.
    x = K.placeholder(shape=(2,))
    w = K.variable([1.5, 10.])
    n = K.variable([0, 0], dtype='int32')
    length = tf.strings.length(tf.strings.as_string(x))
    f = K.function([x], [], updates=[
        K.update(n, length), K.update(w, K.sqrt(w * w) * 2. + 0. - 0.)])
    f([np.array([1.5, 10.])])
    f([np.array([1.5, 10.])])
    assert _xla_functions(f)
    assert 'StringLength' in _op_types(f)
    np.testing.assert_array_equal(K.get_value(n), [8, 9])
    np.testing.assert_allclose(K.get_value(w), [6., 40.])

  def test_values_of_unknown_shape(self):
    x = K.placeholder(shape=(None,))
    v = K.variable(np.zeros(3))
    f = K.function([x], [], updates=[
        K.update(v, K.sqrt(x * x) * 2. + 1. - 1.)])
    f([np.ones(3)])
    f([np.ones(3)])
    assert not _xla_functions(f)
    np.testing.assert_allclose(K.get_value(v), [2., 2., 2.])

  def test_whole_function_jit_compile(self):
    w = K.variable([4.])
    f = K.function([], [], updates=[K.update(w, K.sqrt(w) * 2. + 0. - 0.)],
                   jit_compile=True)
    f([])
    f([])
    attr = f._concrete.function_def.attr  # pylint: disable=protected-access
    assert attr['_XlaMustCompile'].b and not _xla_functions(f)
    np.testing.assert_allclose(K.get_value(w), [4.])

  def test_function_of_a_cleared_graph(self):
    w = K.variable([4.])
    f = K.function([], [], updates=[K.update(w, K.sqrt(w) * 2. + 0. - 0.)])
    f([])
    K.clear_session()
    f([])
    assert not _xla_functions(f)
    np.testing.assert_allclose(K.get_value(w), [4.])

  def test_a_failed_fused_compilation_keeps_the_first(self, monkeypatch):
    def refuse(*args, **kwargs):
      raise ValueError('injected failure')
    monkeypatch.setattr(fused_updates, 'plan', refuse)
    w = K.variable([4.])
    f = K.function([], [], updates=[K.update(w, K.sqrt(w) * 2. + 0. - 0.)])
    for _ in range(3):
      f([])
    assert not _xla_functions(f)
    np.testing.assert_allclose(K.get_value(w), [4.])

  def test_xla_probe(self):
    assert fused_updates.xla_available() is True


class TestSwitch:

  def test_default_is_on(self, settings):
    del settings
    config.load_config()
    assert config.fuse_updates() is True

  def test_setter_applies_to_functions_built_later(self):
    w = K.variable([4.])
    config.set_fuse_updates(False)
    f = K.function([], [], updates=[K.update(w, K.sqrt(w) * 2. + 0. - 0.)])
    config.set_fuse_updates(True)
    f([])
    f([])
    assert not _xla_functions(f)
    with pytest.raises(ValueError, match='True or False'):
      config.set_fuse_updates('off')
    assert config.fuse_updates() is True

  @pytest.mark.parametrize('text,expected', [('0', False), ('off', False),
                                             ('1', True)])
  def test_environment_wins_over_keras_json(self, settings, monkeypatch,
                                            text, expected):
    path = settings / 'keras.json'
    content = json.dumps({'tf_kbackend_fuse_updates': not expected})
    path.write_text(content)
    monkeypatch.setenv('TF_KBACKEND_FUSE_UPDATES', text)
    config.load_config()
    assert config.fuse_updates() is expected
    assert path.read_text() == content  # Never rewritten.

  def test_keras_json_key_and_bad_values(self, settings, monkeypatch):
    path = settings / 'keras.json'
    path.write_text(json.dumps({'tf_kbackend_fuse_updates': False}))
    config.load_config()
    assert config.fuse_updates() is False
    monkeypatch.setenv('TF_KBACKEND_FUSE_UPDATES', 'sometimes')
    with pytest.warns(config.ConfigWarning,
                      match='environment variable TF_KBACKEND_FUSE_UPDATES'):
      config.load_config()
    assert config.fuse_updates() is False  # keras.json's value.
