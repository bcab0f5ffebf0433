"""tf.train.*Optimizer: minimize gives an op sess.run and K.function apply."""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend as K


def _regression():
  x = tf.placeholder(tf.float32, [None, 2])
  y = tf.placeholder(tf.float32, [None, 1])
  w = tf.Variable(np.zeros((2, 1), 'float32'), name='w')
  loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
  return x, y, w, loss


def test_gradient_descent_step_matches_numpy():
  x, y, w, loss = _regression()
  train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
  assert isinstance(train, tf.Operation)
  xs = np.float32([[1, 2], [3, 4]])
  ys = np.float32([[1], [2]])
  expected = np.zeros((2, 1), 'float32')
  sess = tf.Session()
  for _ in range(3):
    grad = 2 * xs.T @ (xs @ expected - ys) / len(xs)
    expected = expected - 0.1 * grad
    sess.run(train, {x: xs, y: ys})
  np.testing.assert_allclose(K.get_value(w), expected, rtol=1e-5)


@pytest.mark.parametrize('optimizer', [
    lambda: tf.train.AdamOptimizer(0.1),
    lambda: tf.train.MomentumOptimizer(0.05, 0.9),
    lambda: tf.train.RMSPropOptimizer(0.05),
    lambda: tf.train.AdagradOptimizer(0.5),
    lambda: tf.train.AdadeltaOptimizer(1.0, rho=0.5, epsilon=0.01),
    lambda: tf.train.FtrlOptimizer(0.5),
])
def test_every_optimizer_trains_through_k_function(optimizer):
  x, y, w, loss = _regression()
  opt = optimizer()
  assert isinstance(opt, tf.train.Optimizer)
  assert isinstance(opt, tf.compat.v1.train.Optimizer)
  # As in TF1, tf.train.Optimizer is the base of every TF1 optimizer.
  assert isinstance(tf.compat.v1.train.AdamOptimizer(), tf.train.Optimizer)
  train = opt.minimize(loss)
  step = K.function([x, y], [loss], updates=[train])
  rng = np.random.RandomState(0)
  xs = rng.rand(32, 2).astype('float32')
  ys = xs @ np.float32([[1.0], [-2.0]])
  losses = [step([xs, ys])[0] for _ in range(40)]
  assert losses[-1] < 0.3 * losses[0]
  # Slots (Adam's m and v...) are variables of the graph, as in TF1.
  assert w in tf.trainable_variables()


def test_minimize_trains_keras_layer_variables_by_default():
  kernel = K.variable(np.zeros((3, 1)), name='dense/kernel')
  x = tf.placeholder(tf.float32, [None, 3])
  frozen = K.variable(np.ones((1,)), name='frozen')
  loss = tf.reduce_sum(tf.square(K.dot(x, kernel) - 1.0)) + 0 * frozen
  global_step = tf.train.get_or_create_global_step()
  train = tf.train.GradientDescentOptimizer(0.1).minimize(
      loss, global_step=global_step)
  sess = tf.Session()
  sess.run(train, {x: np.ones((1, 3))})
  np.testing.assert_allclose(K.get_value(kernel), [[0.2]] * 3, rtol=1e-5)
  assert sess.run(global_step) == 1


def test_compute_and_apply_gradients_with_var_list():
  x, y, w, loss = _regression()
  other = tf.Variable(5.0)
  opt = tf.train.GradientDescentOptimizer(1.0)
  grads_and_vars = opt.compute_gradients(loss + other, var_list=[w])
  assert [v for _, v in grads_and_vars] == [w]
  clipped = [(tf.clip_by_value(g, -0.01, 0.01), v) for g, v in grads_and_vars]
  train = opt.apply_gradients(clipped)
  tf.Session().run(train, {x: [[1.0, 1.0]], y: [[100.0]]})
  np.testing.assert_allclose(K.get_value(w), [[0.01], [0.01]])
  assert K.get_value(other) == 5.0


def test_loss_computed_eagerly_from_variables_is_minimized():
  w = tf.Variable([3.0, -2.0])
  loss = tf.reduce_sum(tf.square(w))  # concrete, derived from w
  train = tf.train.GradientDescentOptimizer(0.25).minimize(loss)
  sess = tf.Session()
  for _ in range(5):
    sess.run(train)
  np.testing.assert_allclose(K.get_value(w), np.float32([3, -2]) * 0.5**5,
                             rtol=1e-5)


def test_minimize_refuses_a_concrete_constant():
  with pytest.raises(ValueError, match='Keras graph'):
    tf.train.AdamOptimizer().minimize(tf.constant(1.0))


def test_user_subclass_of_tf_train_optimizer():

  class HalfStep(tf.train.Optimizer):

    def __init__(self):
      super().__init__(use_locking=False, name='HalfStep')

    def _resource_apply_dense(self, grad, var):
      return var.assign_sub(0.5 * grad)

  w = tf.Variable([4.0])
  train = HalfStep().minimize(tf.reduce_sum(w * w))
  tf.Session().run(train)
  np.testing.assert_allclose(K.get_value(w), [0.0])
