"""Concrete values computed from variables follow the variables (TF1 reads).

See tf_kbackend/tf_backend/provenance.py and docs/design.md.
"""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend.tf_backend as K

EagerTensor = type(tf.constant(0.0))


class TestConcreteValuesStayConcrete:

  def test_ops_and_operators_on_variables_are_eager(self):
    v = K.variable([1.0, 2.0])
    for value in (K.sum(v), v * 2.0, 2.0 * v, v + v, -v, v[0],
                  0.5 * K.square(v)):
      assert isinstance(value, EagerTensor)
    assert float(K.sum(v) * 2.0) == 6.0

  def test_a_snapshot_keeps_its_value(self):
    v = K.variable(1.0)
    s = v * 10.0
    K.set_value(v, 2.0)
    assert float(s) == 10.0

  def test_eval_and_session_run_evaluate_it_the_tf1_way(self):
    v = K.variable(1.0)
    s = v * 10.0
    K.set_value(v, 2.0)
    assert K.eval(s) == 20.0
    assert K.get_session().run([s])[0] == 20.0


class TestTheyAreReadAtCallTime:
  """Each pattern is TF1 code that silently misbehaves with snapshots."""

  def test_function_output(self):
    w = K.variable([[1.0, 2.0]])
    total = 0.01 * K.sum(K.square(w))  # a legacy regularizer, built eagerly
    f = K.function([], [total])
    K.set_value(w, [[10.0, 0.0]])
    assert f([])[0] == pytest.approx(1.0)

  def test_symbolic_op_argument_and_gradient(self):
    x = K.placeholder(shape=(None, 1))
    w = K.variable([[2.0]])
    b = K.variable([1.0])
    y = K.dot(x, w) + b  # `b` is converted inside Tensor.__add__
    gw, gb = K.gradients(K.sum(y), [w, b])
    assert gw is not None and gb is not None
    f = K.function([x], [y, gb])
    K.set_value(b, [5.0])
    out, grad_b = f([[[1.0]]])
    assert out[0, 0] == 7.0 and grad_b[0] == 1.0

  def test_momentum_update_written_by_hand(self):
    p, velocity = K.variable(0.0), K.variable(0.0)
    g = K.placeholder(shape=())
    new_velocity = 0.5 * velocity - g  # `0.5 * velocity` is computed eagerly
    f = K.function([g], [], updates=[K.update(velocity, new_velocity),
                                     K.update(p, p + new_velocity)])
    for _ in range(3):
      f([1.0])
    # velocity: -1, -1.5, -1.75; p: -1, -2.5, -4.25
    assert K.get_value(velocity) == pytest.approx(-1.75)
    assert K.get_value(p) == pytest.approx(-4.25)

  def test_keras_rl_soft_target_update_tuples(self):
    target, source = K.variable([0.0]), K.variable([8.0])
    tau = 0.5
    update = K.function([], [], updates=[
        (target, tau * source + (1.0 - tau) * target)])
    for _ in range(3):
      update([])
    np.testing.assert_allclose(K.get_value(target), [7.0])

  def test_style_transfer_loss_accumulation(self):
    # `loss = K.variable(0.); loss += ...` (the classic Keras example):
    # TF2 variables refuse `+=`; TF1 rebound the name to a tensor.
    x = K.placeholder(shape=(2,))
    loss = K.variable(0.0)
    loss += K.sum(K.square(x))
    loss += 1.0
    grads = K.gradients(loss, [x])[0]
    out = K.function([x], [loss, grads])([[1.0, 2.0]])
    assert out[0] == 6.0
    np.testing.assert_array_equal(out[1], [2.0, 4.0])

  def test_ops_passing_a_derived_value_through(self):
    # Eager tf.cond returns the chosen branch itself; keras 2.2.4's
    # backend_test.test_switch.
    x = K.variable(0.7)
    x = K.switch(K.greater_equal(x, 0.5), x * 0.1, x * 0.2)
    assert K.eval(x) == pytest.approx(0.07)

  @pytest.mark.parametrize('backend', ['tf', 'numpy'])
  def test_gradients_of_a_loss_built_eagerly_from_variables(self, backend):
    # TF1 code (keras 2.2.4's backend_test.test_gradient) differentiates
    # K.sum(x * K.exp(x)) for a variable x, w.r.t. x or an intermediate.
    import tf_kbackend.numpy_backend as KNP  # pylint: disable=g-import-not-at-top
    k = K if backend == 'tf' else KNP
    value = np.array([[0.5, -1.0], [2.0, 0.1]])
    x = k.variable(value)
    exp = x * k.exp(x)
    loss = k.sum(exp)
    grad_x, grad_exp = k.gradients(loss, [x, exp])
    np.testing.assert_allclose(k.eval(grad_x), (1 + value) * np.exp(value),
                               rtol=1e-4)
    np.testing.assert_allclose(k.eval(grad_exp), np.ones((2, 2)), rtol=1e-4)
    zero = k.gradients(loss + k.stop_gradient(loss), [exp])[0]
    np.testing.assert_allclose(k.eval(zero), np.ones((2, 2)), rtol=1e-4)

  def test_chains_through_eager_operators(self):
    v = K.variable(2.0)
    chained = ((K.square(v) * 3.0)[None] + 1.0)[0]
    f = K.function([], [chained])
    K.set_value(v, 3.0)
    assert f([])[0] == 28.0

  def test_session_run_of_derived_value_inside_symbolic_expression(self):
    v = K.variable(1.0)
    x = K.placeholder(shape=())
    y = x + v * 2.0
    K.set_value(v, 4.0)
    assert K.get_session().run(y, feed_dict={x: 1.0}) == 9.0


class TestIdentitySemantics:

  def test_variables_hash_and_compare_by_identity(self):
    a, b = K.variable(1.0), K.variable(1.0)
    assert {a: 1, b: 2}[a] == 1
    assert a in [b, a] and (a == b) is False


class TestDocumentedGaps:

  def test_raw_tf_functions_on_variables_are_snapshots(self):
    # docs/deviations.md: only backend ops and Python operators record
    # derivations; a raw tf.* function called eagerly is TF2 code.
    v = K.variable(1.0)
    raw = tf.square(v)
    f = K.function([], [raw])
    K.set_value(v, 3.0)
    assert f([])[0] == 1.0
    with K.name_scope('symbolic'):
      inside = tf.square(v)
    assert K.function([], [inside])([])[0] == 9.0

  def test_plain_tf_variables_in_python_operators_are_snapshots(self):
    plain = tf.Variable(1.0)
    x = K.placeholder(shape=())
    f = K.function([x], [x * plain.read_value()])
    plain.assign(5.0)
    assert f([1.0])[0] == 1.0
    # Through a backend op, even a plain tf.Variable is followed.
    g = K.function([x], [x * K.identity(plain)])
    plain.assign(7.0)
    assert g([1.0])[0] == 7.0
