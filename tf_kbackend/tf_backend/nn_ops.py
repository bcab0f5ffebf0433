"""Neural network ops: activations, dropout, losses."""

import numpy as np
import tensorflow as tf

from tf_kbackend import config
from tf_kbackend.tf_backend import graph as graph_lib

__all__ = ['relu', 'sigmoid', 'tanh', 'softmax', 'dropout',
           'categorical_crossentropy']


@graph_lib.graph_op
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
  """Rectified linear unit (see the API reference for alpha/max_value)."""
  x = tf.convert_to_tensor(x)
  if alpha == 0.0 and max_value is None and threshold == 0.0:
    return tf.nn.relu(x)
  negative = tf.nn.relu(-x + threshold) if alpha != 0.0 else None
  if threshold != 0.0:
    x = x * tf.cast(tf.greater(x, threshold), x.dtype)
  else:
    x = tf.nn.relu(x)
  if max_value is not None:
    x = tf.minimum(x, tf.cast(max_value, x.dtype))
  if negative is not None:
    x -= tf.cast(alpha, x.dtype) * negative
  return x


@graph_lib.graph_op
def sigmoid(x):
  """Element-wise sigmoid."""
  return tf.sigmoid(x)


@graph_lib.graph_op
def tanh(x):
  """Element-wise tanh."""
  return tf.tanh(x)


@graph_lib.graph_op
def softmax(x, axis=-1):
  """Softmax of a tensor along `axis`."""
  return tf.nn.softmax(x, axis=axis)


@graph_lib.graph_op
def dropout(x, level, noise_shape=None, seed=None):
  """Sets entries of `x` to zero at random, scaling the rest by 1/(1-level).

  Always drops, as in legacy Keras: combine with `in_train_phase` to drop
  only in training, as the Dropout layer does.

  Raises:
    ValueError: if `level` is not in [0, 1).
  """
  if not 0.0 <= float(level) < 1.0:
    raise ValueError(
        f'dropout: level must be in the interval [0, 1). Received: '
        f'level={level!r}.')
  if seed is None:
    seed = np.random.randint(10e6)
  return tf.nn.dropout(tf.convert_to_tensor(x) * 1.0, rate=level,
                       noise_shape=noise_shape, seed=seed)


@graph_lib.graph_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
  """Categorical crossentropy between an output tensor and a target tensor."""
  output = tf.convert_to_tensor(output)
  target = tf.cast(target, output.dtype)
  if from_logits:
    return tf.nn.softmax_cross_entropy_with_logits(labels=target,
                                                   logits=output, axis=axis)
  output = output / tf.reduce_sum(output, axis, keepdims=True)
  eps = tf.cast(config.epsilon(), output.dtype)
  output = tf.clip_by_value(output, eps, 1.0 - eps)
  return -tf.reduce_sum(target * tf.math.log(output), axis)
