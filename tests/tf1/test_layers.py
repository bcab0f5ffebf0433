"""The functional tf.layers of TF1 scripts, against numpy."""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend as K


def test_dense_names_reuse_and_values():
  x = tf.placeholder(tf.float32, [None, 3])
  y = tf.layers.dense(x, 2, activation=tf.nn.relu)
  z = tf.layers.dense(y, 1, name='head')
  same = tf.layers.dense(y, 1, name='head', reuse=True)
  names = [v.name for v in tf.global_variables()]
  assert names == ['dense/kernel:0', 'dense/bias:0', 'head/kernel:0',
                   'head/bias:0']
  kernel, bias = tf.global_variables()[:2]
  values = np.float32([[1.0, -2.0, 0.5]])
  expected = np.maximum(values @ K.get_value(kernel) + K.get_value(bias), 0)
  out = tf.Session().run([y, z, same], {x: values})
  np.testing.assert_allclose(out[0], expected, rtol=1e-6)
  np.testing.assert_allclose(out[1], out[2])


def test_conv_pool_flatten_shapes_and_values():
  images = tf.placeholder(tf.float32, [None, 6, 6, 2])
  conv = tf.layers.conv2d(images, 4, 3, padding='same',
                          kernel_initializer=tf.ones_initializer())
  pooled = tf.layers.max_pooling2d(conv, 2, 2)
  averaged = tf.layers.average_pooling2d(conv, 3, 3)
  flat = tf.layers.flatten(pooled)
  assert K.int_shape(flat) == (None, 36)
  data = np.ones((1, 6, 6, 2), 'float32')
  out_conv, out_pool, out_avg = tf.Session().run(
      [conv, pooled, averaged], {images: data})
  assert out_conv[0, 2, 2, 0] == 18.0 and out_conv[0, 0, 0, 0] == 8.0
  assert out_pool.shape == (1, 3, 3, 4) and out_pool.max() == 18.0
  assert out_avg.shape == (1, 2, 2, 4)


def test_dropout_and_batch_normalization_follow_training():
  x = tf.placeholder(tf.float32, [None, 4])
  training = tf.placeholder(tf.bool, [])
  dropped = tf.layers.dropout(x, rate=0.5, training=training)
  normalized = tf.layers.batch_normalization(x, momentum=0.5,
                                             training=training)
  updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
  assert len(updates) == 2
  data = np.float32([[1, 2, 3, 4], [3, 4, 5, 6]])
  sess = tf.Session()
  out = sess.run([dropped, normalized] + updates, {x: data, training: True})
  assert set(np.unique(out[0])) <= {0.0} | set(np.unique(data * 2.0))
  batch = (data - data.mean(0)) / np.sqrt(data.var(0) + 1e-3)
  np.testing.assert_allclose(out[1], batch, rtol=1e-4)
  moving_mean = [v for v in tf.global_variables()
                 if v.name.endswith('moving_mean:0')][0]
  np.testing.assert_allclose(K.get_value(moving_mean), data.mean(0) * 0.5)
  test_time = sess.run([dropped, normalized], {x: data, training: False})
  np.testing.assert_array_equal(test_time[0], data)
  moving_variance = 1.0 * 0.5 + data.var(0) * 0.5
  np.testing.assert_allclose(
      test_time[1], (data - data.mean(0) * 0.5) /
      np.sqrt(moving_variance + 1e-3), rtol=1e-4)


def test_class_forms_raise_naming_keras_layers():
  with pytest.raises(AttributeError, match='keras.layers'):
    tf.layers.Dense  # noqa: B018
