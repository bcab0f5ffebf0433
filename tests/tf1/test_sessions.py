"""TF1 sessions, the default graph, placeholders, seeds, in both worlds."""

import warnings

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend as K
from tf_kbackend.tf_backend import session as session_lib


def test_placeholder_is_a_keras_placeholder():
  x = tf.placeholder(tf.float32, shape=[None, 3], name='x')
  assert K.is_placeholder(x) and K.int_shape(x) == (None, 3)
  assert x.graph is K.get_graph() is tf.get_default_graph()
  y = tf.reduce_sum(tf.log(x + 1.0), axis=1)
  f = K.function([x], [y])
  np.testing.assert_allclose(f([np.ones((2, 3))])[0], [3 * np.log(2)] * 2,
                             rtol=1e-6)
  with tf.Session() as sess:
    np.testing.assert_allclose(sess.run(y, feed_dict={x: np.zeros((1, 3))}),
                               [0.0])
  unknown = tf.placeholder(tf.int32)
  assert unknown.shape.rank is None and unknown.dtype == tf.int32


def test_placeholder_with_default_can_be_fed_or_not():
  x = tf.placeholder_with_default(np.float32([1.0, 2.0]), shape=[2])
  y = x * 3.0
  sess = tf.Session()
  np.testing.assert_allclose(sess.run(y), [3.0, 6.0])
  np.testing.assert_allclose(sess.run(y, {x: [0.0, 1.0]}), [0.0, 3.0])


def test_session_runs_tensors_ops_variables_and_initializers():
  w = tf.Variable(np.float32([1.0, 2.0]), name='w')
  x = tf.placeholder(tf.float32, [2])
  update = tf.assign_add(w, x)
  sess = tf.Session()
  sess.run(tf.global_variables_initializer())
  # As in TF1, an update evaluates to the variable's new value.
  np.testing.assert_allclose(sess.run(update, {x: [1.0, 1.0]}), [2.0, 3.0])
  np.testing.assert_allclose(sess.run(w), [2.0, 3.0])
  assert sess.run(update.op, {x: [1.0, 1.0]}) is None
  values = sess.run({'w': w, 'sum': tf.reduce_sum(w)})
  assert float(values['sum']) == 7.0  # [3, 4] after the second update
  sess.close()
  with pytest.raises(RuntimeError, match='closed Session'):
    sess.run(w)


def test_default_session_eval_and_run():
  x = tf.placeholder(tf.float32, [2])
  y = x * 2.0
  w = tf.Variable(0.0)
  step = tf.assign_add(w, 1.0)
  assert tf.get_default_session() is None
  with pytest.raises(ValueError, match='default session'):
    y.eval(feed_dict={x: [1.0, 1.0]})
  with tf.Session() as sess:
    assert tf.get_default_session() is sess
    np.testing.assert_allclose(y.eval(feed_dict={x: [1.0, 2.0]}), [2.0, 4.0])
    step.op.run()
    assert step.eval() == 2.0
  assert tf.get_default_session() is None
  assert K.get_value(w) == 2.0
  assert K.get_value(w) == 2.0  # building and reading never assigned
  sess = tf.Session()
  with sess.as_default():
    assert tf.get_default_session() is sess
  interactive = tf.InteractiveSession()
  assert tf.get_default_session() is interactive
  np.testing.assert_allclose(y.eval({x: [3.0, 3.0]}), [6.0, 6.0])
  interactive.close()
  assert tf.get_default_session() is None


def test_session_config_is_applied_as_set_session_applies_it():
  config = tf.ConfigProto()
  config.gpu_options.allow_growth = True
  config.allow_soft_placement = True
  assert tf.GPUOptions is type(config.gpu_options)
  with warnings.catch_warnings():
    warnings.simplefilter('error')
    sess = tf.Session(config=config)
    K.set_session(sess)
  assert K.get_session() is sess
  assert tf.config.get_soft_device_placement()
  x = tf.placeholder(tf.float32, [1])
  np.testing.assert_allclose(K.get_session().run(x + 1.0, {x: [1.0]}), [2.0])


def test_session_of_another_graph_is_tensorflows_own():
  graph = tf.Graph()
  with graph.as_default():
    a = tf.placeholder(tf.float32, [])
    b = a * 2.0
    assert tf.get_default_graph() is graph
    assert not isinstance(tf.Session(), session_lib.Session)
  with tf.Session(graph=graph) as sess:
    assert sess.run(b, {a: 4.0}) == 8.0
  assert tf.get_default_graph() is K.get_graph()


def test_reset_default_graph_is_clear_session():
  x = tf.placeholder(tf.float32, [1])
  tf.Variable(1.0)
  assert tf.global_variables()
  tf.reset_default_graph()
  assert tf.get_default_graph() is not x.graph
  assert tf.global_variables() == []
  with pytest.raises(ValueError, match='clear_session'):
    K.function([x], [x * 2.0])


def test_set_random_seed_makes_draws_reproducible():

  def draws():
    eager = tf.random_normal((3,)).numpy()
    keras = K.random_uniform((3,)).numpy()
    x = tf.placeholder(tf.float32, [3])
    graph = K.get_session().run(x + tf.random_uniform((3,)), {x: np.zeros(3)})
    return eager, keras, graph

  tf.set_random_seed(7)
  first = draws()
  tf.reset_default_graph()
  tf.set_random_seed(7)
  second = draws()
  for a, b in zip(first, second):
    np.testing.assert_array_equal(a, b)
  tf.set_random_seed(8)
  assert not np.array_equal(draws()[1], first[1])


def test_random_value_drawn_eagerly_draws_anew_when_run():
  r = tf.random_uniform((4,))
  sess = tf.Session()
  assert not np.array_equal(sess.run(r), sess.run(r))
  assert np.array_equal(r.numpy(), r.numpy())  # the eager value is one draw


def test_gradients_is_k_gradients_with_tf1_arguments():
  x = tf.placeholder(tf.float32, [3])
  w = tf.Variable(np.float32([1.0, 2.0, 3.0]))
  loss = tf.reduce_sum(w * x * x)
  gx, gw = tf.gradients(loss, [x, w])
  f = K.function([x], [gx, gw])
  np.testing.assert_allclose(f([np.float32([1, 1, 2])])[0], [2, 4, 12])
  np.testing.assert_allclose(f([np.float32([1, 1, 2])])[1], [1, 1, 4])
  # grad_ys and stop_gradients, TF1's further arguments.
  y = x * 3.0
  g, = tf.gradients(y, x, grad_ys=tf.constant([1.0, 2.0, 3.0]))
  np.testing.assert_allclose(K.function([x], [g])([np.zeros(3)])[0],
                             [3, 6, 9])
  z = x * x
  g, = tf.gradients(z + x, x, stop_gradients=[z])
  np.testing.assert_allclose(K.function([x], [g])([np.ones(3)])[0], [1] * 3)
  # A loss computed eagerly from a variable: differentiated as TF1 did.
  eager_loss = tf.reduce_sum(tf.square(w))
  g, = tf.gradients(eager_loss, [w])
  np.testing.assert_allclose(K.eval(g), [2, 4, 6])


def test_control_dependencies_on_keras_ops_build_in_the_graph():
  w = tf.Variable(0.0)
  step = tf.assign_add(w, 1.0)
  with tf.control_dependencies([step]):
    read = tf.identity(w)
  sess = tf.Session()
  assert sess.run(read) == 1.0
  assert sess.run(read) == 2.0
  with tf.control_dependencies(None):
    assert tf.constant(1.0).numpy() == 1.0  # concrete values: eager


def test_name_scope_builds_named_graph_ops():
  x = tf.placeholder(tf.float32, [2], name='input')
  with tf.name_scope('loss'):
    y = tf.reduce_sum(x * 2.0)
  assert y.name.startswith('loss/')
  with tf.name_scope(None, 'default_name', [x]):
    z = x + 1.0
  assert z.name.startswith('default_name/')
