"""TF1 variables: tf.Variable, get_variable and scopes, collections, initializers."""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend as K
from tf_kbackend.tf_backend import variables as tf_variables


def test_tf_variable_is_a_keras_variable_listed_in_the_graph():
  w = tf.Variable(tf.zeros([2, 3]), name='w')
  b = tf.Variable(0, name='step', trainable=False)
  assert isinstance(w, tf_variables.KerasVariable)
  assert b.dtype == tf.int32  # inferred from the value, as TF1
  assert tf.global_variables() == [w, b]
  assert tf.trainable_variables() == [w]
  assert tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES) == [w, b]
  # Variables of Keras layers (K.variable) are listed too, as in TF1.
  k = K.variable(np.ones(2), name='kernel')
  assert k in tf.trainable_variables()
  # Variables of TF2 code (Keras 3...) are TensorFlow's own.
  namespace = {'__name__': 'keras.src.layers.fake', 'tf': tf}
  exec('def make():\n  return tf.Variable(1.0)\n', namespace)  # pylint: disable=exec-used
  plain = namespace['make']()
  assert not isinstance(plain, tf_variables.KerasVariable)
  assert plain not in tf.global_variables()


def test_get_variable_and_variable_scope_reuse():
  with tf.variable_scope('layer'):
    w = tf.get_variable('w', [2, 2], initializer=tf.ones_initializer())
    b = tf.get_variable('b', [2], initializer=tf.zeros_initializer())
  assert w.name == 'layer/w:0' and b.name == 'layer/b:0'
  np.testing.assert_array_equal(K.get_value(w), np.ones((2, 2)))
  with tf.variable_scope('layer', reuse=True):
    assert tf.get_variable('w') is w
  with tf.variable_scope('layer', reuse=tf.AUTO_REUSE):
    assert tf.get_variable('b', [2]) is b
  with pytest.raises(ValueError, match='already exists'):
    with tf.variable_scope('layer'):
      tf.get_variable('w', [2, 2])
  with tf.variable_scope('other') as scope:
    v = tf.get_variable('v', [1])
    scope.reuse_variables()
    assert tf.get_variable('v', [1]) is v
  assert set(tf.global_variables()) == {w, b, v}
  # Ops built in a variable scope are graph ops, as in TF1.
  x = tf.placeholder(tf.float32, [None, 2])
  with tf.variable_scope('layer', reuse=True):
    y = tf.matmul(x, tf.get_variable('w')) + tf.get_variable('b')
  assert y.name.startswith('layer')
  np.testing.assert_allclose(K.function([x], [y])([np.ones((1, 2))])[0],
                             [[2.0, 2.0]])


def test_get_variable_regularizer_goes_to_the_collection():
  w = tf.get_variable('w', [3], initializer=tf.constant_initializer(2.0),
                      regularizer=lambda v: tf.reduce_sum(v * v))
  losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
  assert len(losses) == 1
  assert K.eval(tf.losses.get_regularization_loss()) == 12.0
  K.set_value(w, [1.0, 1.0, 1.0])
  assert K.eval(losses[0]) == 3.0  # read when run, as in TF1


def test_initializer_sets_initial_values_again():
  w = tf.Variable(tf.random_normal([1000], seed=1))
  c = tf.Variable([1.0, 2.0])
  g = tf.get_variable('g', [1000], initializer=tf.random_uniform_initializer())
  first_w, first_g = K.get_value(w), K.get_value(g)
  K.set_value(c, [5.0, 5.0])
  sess = tf.Session()
  init = tf.global_variables_initializer()
  sess.run(init)
  np.testing.assert_array_equal(K.get_value(c), [1.0, 2.0])
  # Random initial values are drawn again, as TF1's initializers did: a
  # seeded one gives its seeded first draw, then new ones.
  np.testing.assert_array_equal(K.get_value(w), first_w)
  assert not np.array_equal(K.get_value(g), first_g)
  sess.run(init)
  assert not np.array_equal(K.get_value(w), first_w)
  assert abs(K.get_value(w).std() - 1.0) < 0.1
  assert 0.0 <= K.get_value(g).min() and K.get_value(g).max() <= 1.0
  K.set_value(c, [7.0, 7.0])
  sess.run(tf.variables_initializer([c]))
  np.testing.assert_array_equal(K.get_value(c), [1.0, 2.0])


def test_keras_layer_weights_are_drawn_again_by_the_initializer():
  k = K.variable(K.random_uniform((200,), -1.0, 1.0), name='kernel')
  first = K.get_value(k)
  K.get_session().run(tf.global_variables_initializer())
  second = K.get_value(k)
  assert not np.array_equal(first, second)
  assert second.min() >= -1.0 and second.max() <= 1.0


def test_local_variables_and_streaming_metrics():
  labels = tf.placeholder(tf.int64, [None])
  predictions = tf.placeholder(tf.int64, [None])
  accuracy, update = tf.metrics.accuracy(labels, predictions)
  sess = tf.Session()
  sess.run(tf.local_variables_initializer())
  sess.run(update, {labels: [1, 1], predictions: [1, 0]})
  sess.run(update, {labels: [1, 1], predictions: [1, 1]})
  assert sess.run(accuracy) == 0.75
  assert len(tf.local_variables()) == 2
  sess.run(tf.local_variables_initializer())
  sess.run(update, {labels: [0], predictions: [1]})
  assert sess.run(accuracy) == 0.0


def test_global_step_and_decayed_learning_rate():
  step = tf.train.get_or_create_global_step()
  assert tf.train.get_global_step() is step
  lr = tf.train.exponential_decay(1.0, step, 10, 0.5, staircase=True)
  assert float(K.eval(lr)) == 1.0
  K.set_value(step, 10)
  assert float(K.eval(lr)) == 0.5  # read from the step, as in TF1


def test_variables_tf2_code_creates_for_tf1_code_stay_tensorflows():
  # tf_kbackend's own TF2 code (export...) called from a TF1 script: its
  # variables are TensorFlow's, not TF1 variables of the Keras graph.
  namespace = {'__name__': 'tf_kbackend.fake_export', 'tf': tf}
  exec('def make():\n  return tf.Variable([1.0, 2.0])\n', namespace)  # pylint: disable=exec-used
  made = namespace['make']()
  assert not isinstance(made, tf_variables.KerasVariable)
  assert made not in tf.global_variables()
  # The TF1 layer acting for TF1 code (get_variable, slots) is TF1's.
  assert isinstance(tf.get_variable('v', [1]), tf_variables.KerasVariable)
