"""The functional `tf.layers` of TF1 scripts: dense, conv2d, pooling, ...

TensorFlow 2 serves `tf.compat.v1.layers` from the `tf_keras` package,
which it no longer ships. These are the functional forms TF1 scripts used
most, built the TF1 way: variables from `tf.get_variable` in a variable
scope named after the layer (`dense/kernel`, `dense_1/kernel`..., `reuse`
honoured), ops in the Keras graph. `batch_normalization` puts its moving
average updates in the `UPDATE_OPS` collection, as TF1 did. The class forms
(`tf.layers.Dense`...) raise, naming Keras layers.
"""

import tensorflow as tf

from tf_kbackend.tf1 import _world
from tf_kbackend.tf1 import variables as tf1_variables

_UPDATE_OPS = tf.compat.v1.GraphKeys.UPDATE_OPS
_ZEROS = tf.compat.v1.zeros_initializer()
_ONES = tf.compat.v1.ones_initializer()


def _pair(value, rank=2):
  if isinstance(value, int):
    return (value,) * rank
  return tuple(int(v) for v in value)


def _padding(padding):
  padding = padding.upper()
  if padding not in ('SAME', 'VALID'):
    raise ValueError(f'padding must be "same" or "valid". Received: '
                     f'{padding.lower()!r}.')
  return padding


def _data_format(data_format):
  if data_format not in ('channels_last', 'channels_first'):
    raise ValueError(f'data_format must be "channels_last" or '
                     f'"channels_first". Received: {data_format!r}.')
  return 'NHWC' if data_format == 'channels_last' else 'NCHW'


def _activate(outputs, activation):
  return outputs if activation is None else activation(outputs)


def _scope(name, default_name, reuse):
  return tf1_variables.variable_scope(name, default_name=default_name,
                                      reuse=reuse)


def _get(name, shape, initializer, regularizer=None, trainable=True,
         constraint=None):
  return tf.compat.v1.get_variable(
      name, shape, initializer=initializer, regularizer=regularizer,
      trainable=trainable, constraint=constraint)


def dense(inputs, units, activation=None, use_bias=True,
          kernel_initializer=None, bias_initializer=_ZEROS,
          kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
  """TF1's `tf.layers.dense`: `activation(inputs @ kernel + bias)`."""
  del activity_regularizer
  with _scope(name, 'dense', reuse):
    inputs = tf.convert_to_tensor(inputs)
    kernel = _get('kernel', [int(inputs.shape[-1]), units],
                  kernel_initializer, kernel_regularizer, trainable,
                  kernel_constraint)
    if inputs.shape.rank == 2:
      outputs = tf.matmul(inputs, kernel)
    else:
      outputs = tf.tensordot(inputs, kernel, [[inputs.shape.rank - 1], [0]])
    if use_bias:
      outputs = outputs + _get('bias', [units], bias_initializer,
                               bias_regularizer, trainable, bias_constraint)
    return _activate(outputs, activation)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding='valid',
           data_format='channels_last', dilation_rate=(1, 1),
           activation=None, use_bias=True, kernel_initializer=None,
           bias_initializer=_ZEROS, kernel_regularizer=None,
           bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True,
           name=None, reuse=None):
  """TF1's `tf.layers.conv2d`."""
  del activity_regularizer
  fmt = _data_format(data_format)
  with _scope(name, 'conv2d', reuse):
    inputs = tf.convert_to_tensor(inputs)
    channels = int(inputs.shape[-1 if fmt == 'NHWC' else 1])
    kernel = _get('kernel', list(_pair(kernel_size)) + [channels, filters],
                  kernel_initializer, kernel_regularizer, trainable,
                  kernel_constraint)
    outputs = tf.nn.convolution(inputs, kernel, strides=_pair(strides),
                                padding=_padding(padding),
                                dilations=_pair(dilation_rate),
                                data_format=fmt)
    if use_bias:
      bias = _get('bias', [filters], bias_initializer, bias_regularizer,
                  trainable, bias_constraint)
      outputs = tf.nn.bias_add(outputs, bias, data_format=fmt)
    return _activate(outputs, activation)


def _pool(kind, inputs, pool_size, strides, padding, data_format, name,
          default_name):
  fmt = _data_format(data_format)
  with _world.keras_graph(), tf.name_scope(name or default_name):
    pool = tf.nn.max_pool2d if kind == 'max' else tf.nn.avg_pool2d
    return pool(inputs, _pair(pool_size), _pair(strides), _padding(padding),
                data_format=fmt)


def max_pooling2d(inputs, pool_size, strides, padding='valid',
                  data_format='channels_last', name=None):
  """TF1's `tf.layers.max_pooling2d`."""
  return _pool('max', inputs, pool_size, strides, padding, data_format, name,
               'max_pooling2d')


def average_pooling2d(inputs, pool_size, strides, padding='valid',
                      data_format='channels_last', name=None):
  """TF1's `tf.layers.average_pooling2d`."""
  return _pool('avg', inputs, pool_size, strides, padding, data_format, name,
               'average_pooling2d')


def flatten(inputs, name=None, data_format='channels_last'):
  """TF1's `tf.layers.flatten`: keeps the batch axis, flattens the rest."""
  with _world.keras_graph(), tf.name_scope(name or 'flatten'):
    inputs = tf.convert_to_tensor(inputs)
    if data_format == 'channels_first' and inputs.shape.rank > 2:
      inputs = tf.transpose(inputs, [0] + list(range(2, inputs.shape.rank)) +
                            [1])
    known = inputs.shape[1:].num_elements()
    size = known if known is not None else -1
    return tf.reshape(inputs, [tf.shape(inputs)[0], size])


def _training(training, train, test):
  if isinstance(training, bool):
    return train() if training else test()
  return tf.cond(tf.cast(training, tf.bool), train, test)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False,
            name=None):
  """TF1's `tf.layers.dropout`: drops `rate` of the units when `training`
  (a Python bool or a boolean tensor, such as a placeholder)."""
  with _world.keras_graph(), tf.name_scope(name or 'dropout'):
    inputs = tf.convert_to_tensor(inputs)
    return _training(
        training,
        lambda: tf.nn.dropout(inputs, rate=rate, noise_shape=noise_shape,
                              seed=seed),
        lambda: tf.identity(inputs))


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3,
                        center=True, scale=True,
                        beta_initializer=_ZEROS,
                        gamma_initializer=_ONES,
                        moving_mean_initializer=_ZEROS,
                        moving_variance_initializer=_ONES,
                        beta_regularizer=None, gamma_regularizer=None,
                        beta_constraint=None, gamma_constraint=None,
                        training=False, trainable=True, name=None,
                        reuse=None, **kwargs):
  """TF1's `tf.layers.batch_normalization`.

  With `training` (a bool or a boolean tensor) the batch statistics are
  used and the moving averages' update ops are added to `UPDATE_OPS` (run
  them with the training op, as in TF1); otherwise the moving statistics.
  """
  del kwargs  # renorm, fused, virtual_batch_size...: not supported.
  with _scope(name, 'batch_normalization', reuse):
    inputs = tf.convert_to_tensor(inputs)
    rank = inputs.shape.rank
    axis = axis % rank
    size = [int(inputs.shape[axis])]
    gamma = _get('gamma', size, gamma_initializer, gamma_regularizer,
                 trainable, gamma_constraint) if scale else None
    beta = _get('beta', size, beta_initializer, beta_regularizer, trainable,
                beta_constraint) if center else None
    moving_mean = _get('moving_mean', size, moving_mean_initializer,
                       trainable=False)
    moving_variance = _get('moving_variance', size,
                           moving_variance_initializer, trainable=False)
    shape = [1] * rank
    shape[axis] = size[0]

    def normalize(mean, variance):
      return tf.nn.batch_normalization(
          inputs, tf.reshape(mean, shape), tf.reshape(variance, shape),
          None if beta is None else tf.reshape(beta, shape),
          None if gamma is None else tf.reshape(gamma, shape), epsilon)

    mean, variance = tf.nn.moments(inputs, [i for i in range(rank)
                                            if i != axis])
    if training is not False:
      for moving, value in ((moving_mean, mean),
                            (moving_variance, variance)):
        new = moving * momentum + value * (1.0 - momentum)
        if not isinstance(training, bool):
          new = tf.where(tf.cast(training, tf.bool), new, moving)
        update = moving.assign(new, read_value=False)
        tf.compat.v1.add_to_collection(_UPDATE_OPS, update)
    return _training(training, lambda: normalize(mean, variance),
                     lambda: normalize(moving_mean, moving_variance))


NAMES = {
    'tf.layers.dense': _world.graph_function(dense),
    'tf.layers.conv2d': _world.graph_function(conv2d),
    'tf.layers.max_pooling2d': max_pooling2d,
    'tf.layers.average_pooling2d': average_pooling2d,
    'tf.layers.flatten': flatten,
    'tf.layers.dropout': dropout,
    'tf.layers.batch_normalization': _world.graph_function(
        batch_normalization),
}
