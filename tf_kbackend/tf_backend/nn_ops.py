"""Neural network ops: activations, dropout, losses, batch normalization.

Each op follows legacy Keras 2.x (2.3.1 semantics where 2.3.1 extended
2.2.4, e.g. `relu`'s `threshold` and the losses' `axis`); see
docs/deviations/nn.md for the few places where it differs.
"""

import numbers

import numpy as np
import tensorflow as tf

from tf_kbackend import config
from tf_kbackend.tf_backend import fused_norm
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import random_ops
from tf_kbackend.tf_backend import tensor_utils

__all__ = [
    'relu', 'elu', 'softmax', 'softplus', 'softsign', 'sigmoid',
    'hard_sigmoid', 'tanh', 'dropout', 'categorical_crossentropy',
    'sparse_categorical_crossentropy', 'binary_crossentropy',
    'normalize_batch_in_training', 'batch_normalization',
]


def _float_tensor(x):
  """`x` as a tensor; keeps float dtypes (numpy float64 stays float64)."""
  x = tf.convert_to_tensor(x)
  if not x.dtype.is_floating:
    x = tf.cast(x, config.floatx())
  return x


def _scalar(value, dtype):
  return tf.constant(value, dtype=dtype)


# Activations.


@graph_lib.graph_op
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
  """Rectified linear unit, with optional leak, saturation and threshold.

  With the defaults, `max(x, 0)`. Otherwise (legacy TensorFlow backend):
  `x` where `x > threshold` (then clipped to `[0, max_value]` if
  `max_value` is given), minus `alpha * (threshold - x)` where
  `x < threshold`, and 0 at `x == threshold`.

  Args:
    x: a tensor or variable.
    alpha: slope of the part below `threshold`.
    max_value: saturation value (a number, or a scalar tensor or variable,
      as legacy Keras' TensorFlow backend took), or None for none.
    threshold: where the activation starts.

  Returns:
    A tensor of the dtype of `x`.

  >>> relu(np.array([-2.0, 0.5, 3.0]), alpha=0.1, max_value=2.0).numpy()
  array([-0.2,  0.5,  2. ])
  """
  x = tf.convert_to_tensor(x)
  # A tensor max_value (a learned threshold), as the legacy backend took.
  max_is_tensor = isinstance(max_value, (tf.Tensor, tf.Variable))
  # The dedicated kernels, as the legacy backend used (legacy Keras' own
  # tests check the op types): faster, and the same values.
  if threshold == 0.0 and not graph_lib.is_symbolic(alpha):
    if alpha == 0.0 and max_value is None:
      return tf.nn.relu(x)
    if alpha == 0.0 and not max_is_tensor and max_value == 6:
      return tf.nn.relu6(x)
    if max_value is None and x.dtype != tf.float64:
      # (LeakyRelu's alpha is a float32 attribute: float64 x takes the
      # general path below, with alpha in x's dtype, as TF1-era Keras.)
      return tf.nn.leaky_relu(x, alpha=alpha)
  if threshold != 0.0:
    below = tf.nn.relu(_scalar(threshold, x.dtype) - x)
    # Keeps x strictly above the threshold, as the legacy backend did.
    above = x * tf.cast(tf.greater(x, _scalar(threshold, x.dtype)), x.dtype)
  else:
    below = tf.nn.relu(-x)
    above = tf.nn.relu(x)
  if max_value is not None:
    top = (tf.cast(max_value, x.dtype) if max_is_tensor else
           _scalar(max_value, x.dtype))
    above = tf.clip_by_value(above, _scalar(0, x.dtype), top)
  if alpha != 0.0:
    above -= _scalar(alpha, x.dtype) * below
  return above


@graph_lib.graph_op
def elu(x, alpha=1.0):
  """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`.

  Args:
    x: a tensor or variable.
    alpha: the scale of the negative section.

  Returns:
    A tensor.

  >>> elu(np.array([-1.0, 2.0]), alpha=0.5).numpy().round(4)
  array([-0.3161,  2.    ])
  """
  x = tf.convert_to_tensor(x)
  res = tf.nn.elu(x)
  if alpha == 1:
    return res
  return tf.where(x > 0, res, _scalar(alpha, x.dtype) * res)


@graph_lib.graph_op
def softmax(x, axis=-1):
  """Softmax of a tensor along `axis`.

  Unlike the legacy `keras.activations.softmax`, the backend op accepts
  1-D tensors, as the legacy backend did.

  Args:
    x: a tensor or variable of rank >= 1.
    axis: the axis to normalize along; negative counts from the end.

  Returns:
    A tensor of the shape of `x`.

  Raises:
    ValueError: if `x` is a scalar or `axis` is not one of its axes.

  >>> softmax(np.array([[0.0, np.log(3.0)]]), axis=1).numpy()
  array([[0.25, 0.75]])
  """
  x = tf.convert_to_tensor(x)
  rank = x.shape.rank
  if rank is not None:
    if rank == 0:
      raise ValueError(
          f'softmax needs a tensor of rank 1 or more. Received: a scalar '
          f'x={x!r}.')
    _check_axis(axis, rank, 'softmax', 'x')
  return tf.nn.softmax(x, axis=axis)


@graph_lib.graph_op
def softplus(x):
  """Softplus: `log(1 + exp(x))`, computed stably.

  >>> softplus(np.array([0.0])).numpy().round(4)
  array([0.6931])
  """
  return tf.nn.softplus(x)


@graph_lib.graph_op
def softsign(x):
  """Softsign: `x / (1 + |x|)`.

  >>> softsign(np.array([-3.0, 1.0])).numpy()
  array([-0.75,  0.5 ])
  """
  return tf.nn.softsign(x)


@graph_lib.graph_op
def sigmoid(x):
  """Element-wise sigmoid: `1 / (1 + exp(-x))`.

  >>> sigmoid(np.array([0.0])).numpy()
  array([0.5])
  """
  return tf.sigmoid(x)


@graph_lib.graph_op
def hard_sigmoid(x):
  """Piecewise-linear sigmoid: `clip(0.2 * x + 0.5, 0, 1)`.

  0 below -2.5, 1 above 2.5, linear in between.

  >>> hard_sigmoid(np.array([-3.0, 0.0, 1.0, 3.0])).numpy()
  array([0. , 0.5, 0.7, 1. ])
  """
  x = tf.convert_to_tensor(x)
  y = x * _scalar(0.2, x.dtype) + _scalar(0.5, x.dtype)
  return tf.clip_by_value(y, _scalar(0, x.dtype), _scalar(1, x.dtype))


@graph_lib.graph_op
def tanh(x):
  """Element-wise hyperbolic tangent.

  >>> tanh(np.array([0.0])).numpy()
  array([0.])
  """
  return tf.tanh(x)


# Dropout.


def _check_dropout_level(level):
  if tensor_utils.is_tensor_like(level) and graph_lib.is_symbolic(level):
    return  # A run-time value: nothing to check now.
  value = float(level)
  if not 0.0 <= value < 1.0:
    raise ValueError(
        f'dropout: level (the fraction of entries to drop) must be in the '
        f'interval [0, 1). Received: level={level!r}.')


def _noise_shape(x, noise_shape):
  """The mask's shape: `noise_shape` with None entries taken from `x`."""
  if noise_shape is None:
    return tf.shape(x)
  if isinstance(noise_shape, (list, tuple)):
    dims = []
    for i, dim in enumerate(noise_shape):
      if dim is None:
        static = x.shape[i] if x.shape.rank is not None else None
        dim = static if static is not None else tf.shape(x)[i]
      dims.append(tf.cast(dim, tf.int32) if tensor_utils.is_tensor_like(dim)
                  else dim)
    if any(tensor_utils.is_tensor_like(d) for d in dims):
      return tf.stack([tf.convert_to_tensor(d, tf.int32) for d in dims])
    return dims
  return noise_shape


@graph_lib.graph_op(stateful=True)
def dropout(x, level, noise_shape=None, seed=None):
  """Sets entries of `x` to zero at random, scaling the rest by 1/(1-level).

  Always drops, as in legacy Keras: combine it with `in_train_phase` to
  drop only in training, as the Dropout layer does. The mask follows the
  seed semantics of `random_uniform`: with a `seed`, eager calls give the
  same mask each time; built symbolically, each `K.function` call draws a
  new mask.

  Args:
    x: a float tensor.
    level: the fraction of entries to drop, in [0, 1).
    noise_shape: the shape of the keep/drop mask, broadcastable to the
      shape of `x` (e.g. `(batch, 1, features)` drops whole features);
      None entries take the size of `x` there.
    seed: an integer seed.

  Returns:
    A tensor of the shape and dtype of `x`.

  Raises:
    ValueError: if `level` is not in [0, 1).

  >>> y = dropout(np.ones(1000, 'float32'), 0.5, seed=1).numpy()
  >>> sorted(set(y.tolist())), bool(abs((y == 0).mean() - 0.5) < 0.05)
  ([0.0, 2.0], True)
  """
  _check_dropout_level(level)
  x = _float_tensor(x)
  if isinstance(level, numbers.Real) and float(level) == 0.0:
    return tf.identity(x)
  mask_dtype = tf.float64 if x.dtype == tf.float64 else tf.float32
  uniform = random_ops.random_uniform(_noise_shape(x, noise_shape),
                                      dtype=mask_dtype, seed=seed)
  if isinstance(level, numbers.Real):
    # The scale rounded once, from the exact value, in the dtype of x.
    scale = _scalar(1.0 / (1.0 - float(level)), x.dtype)
  else:
    scale = tf.cast(1.0 / (1.0 - tf.cast(level, tf.float64)), x.dtype)
  keep = tf.greater_equal(uniform, tf.cast(level, mask_dtype))
  kept = x * scale
  return tf.where(keep, kept, tf.zeros_like(kept))


# Losses.


def _check_axis(axis, rank, fn, what='output'):
  """`axis` as a non-negative index into a tensor of rank `rank`."""
  if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
    raise TypeError(f'{fn}: axis must be an integer. Received: axis={axis!r}.')
  if not -rank <= axis < rank:
    raise ValueError(
        f'{fn}: axis must be -1 or one of the axes of `{what}`, which has '
        f'{rank} dimensions. Received: axis={axis}.')
  return int(axis) % rank


def _loss_output(output):
  """`output` as a float tensor to compute a loss in, and the result dtype.

  float16 losses are computed in float32: in float16, `1 - epsilon()`
  rounds to 1, so a probability of 1 would give an infinite loss.
  """
  output = _float_tensor(output)
  if output.dtype == tf.float16:
    return tf.cast(output, tf.float32), output.dtype
  return output, output.dtype


def _output_and_target(target, output):
  output, result_dtype = _loss_output(output)
  target = tf.cast(target, output.dtype)
  return target, output, result_dtype


def _epsilon(dtype):
  return _scalar(config.epsilon(), dtype)


@graph_lib.graph_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
  """Categorical crossentropy between an output tensor and a target tensor.

  Without `from_logits`, `output` is rescaled to sum to 1 along `axis`,
  clipped to `[epsilon(), 1 - epsilon()]`, and the result is
  `-sum(target * log(output), axis)`. With `from_logits`, the numerically
  stable softmax cross-entropy of the logits.

  Args:
    target: a tensor of the shape of `output` (one-hot or soft labels).
    output: probabilities (e.g. a softmax output), or logits.
    from_logits: whether `output` holds logits.
    axis: the class axis: -1 for channels last, 1 for channels first.

  Returns:
    A tensor with the shape of `output` without `axis`.

  Raises:
    ValueError: if `axis` is not one of the axes of `output`.

  >>> categorical_crossentropy(np.array([[0.0, 1.0]]),
  ...                          np.array([[0.5, 0.5]])).numpy().round(4)
  array([0.6931])
  """
  target, output, result_dtype = _output_and_target(target, output)
  rank = output.shape.rank
  if rank is not None:
    axis = _check_axis(axis, rank, 'categorical_crossentropy')
  if from_logits:
    # log_softmax is as stable as the fused softmax_cross_entropy op, whose
    # gradient is only right for targets summing to 1.
    log_p = tf.nn.log_softmax(output, axis=axis)
  else:
    output = output / tf.reduce_sum(output, axis, keepdims=True)
    eps = _epsilon(output.dtype)
    log_p = tf.math.log(tf.clip_by_value(output, eps, 1.0 - eps))
  return tf.cast(-tf.reduce_sum(target * log_p, axis), result_dtype)


@graph_lib.graph_op
def sparse_categorical_crossentropy(target, output, from_logits=False,
                                    axis=-1):
  """Categorical crossentropy with integer targets.

  Without `from_logits`, `output` is clipped to `[epsilon(), 1 - epsilon()]`
  and its log taken as the logits (so the probabilities are, in effect,
  renormalized). A class axis other than the last is moved last first.

  Args:
    target: integer class indices (any integer dtype, or floats holding
      integers) with the shape of `output` without `axis`; a trailing axis
      of size 1 (as Keras models feed sparse targets) is accepted.
    output: probabilities, or logits.
    from_logits: whether `output` holds logits.
    axis: the class axis of `output`: -1 (channels last) or 1 (channels
      first), or any other axis.

  Returns:
    A tensor with the shape of `output` without `axis`.

  Raises:
    ValueError: if `axis` is not one of the axes of `output`, or is not -1
      when the rank of `output` is unknown.

  >>> sparse_categorical_crossentropy(np.array([1]),
  ...                                 np.array([[0.5, 0.5]])).numpy().round(4)
  array([0.6931])
  """
  output, result_dtype = _loss_output(output)
  rank = output.shape.rank
  if rank is None:
    if axis != -1:
      raise ValueError(
          f'sparse_categorical_crossentropy: axis must be -1 when the rank '
          f'of `output` is unknown. Received: axis={axis}.')
  else:
    axis = _check_axis(axis, rank, 'sparse_categorical_crossentropy')
    if axis != rank - 1:
      perm = [i for i in range(rank) if i != axis] + [axis]
      output = tf.transpose(output, perm)
  if not from_logits:
    eps = _epsilon(output.dtype)
    output = tf.math.log(tf.clip_by_value(output, eps, 1.0 - eps))
  target = tf.convert_to_tensor(target)
  if target.dtype != tf.int64:
    target = tf.cast(target, tf.int64)
  if (target.shape.rank is not None and rank is not None and
      target.shape.rank == rank - 1):
    return tf.cast(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=target, logits=output), result_dtype)
  # Other target shapes (e.g. a trailing axis of size 1): flatten both.
  output_shape = tf.shape(output)
  flat = tf.nn.sparse_softmax_cross_entropy_with_logits(
      labels=tf.reshape(target, [-1]),
      logits=tf.reshape(output, tf.stack([-1, output_shape[-1]])))
  result = tf.reshape(flat, output_shape[:-1])
  if rank is not None:
    result = tf.ensure_shape(result, output.shape[:-1])
  return tf.cast(result, result_dtype)


@graph_lib.graph_op
def binary_crossentropy(target, output, from_logits=False):
  """Binary crossentropy between an output tensor and a target tensor.

  Without `from_logits`, `output` is clipped to `[epsilon(), 1 - epsilon()]`
  and turned into logits `log(p / (1 - p))`; then the numerically stable
  sigmoid cross-entropy of the logits, element-wise.

  Args:
    target: a tensor of the shape of `output`, values in [0, 1].
    output: probabilities, or logits.
    from_logits: whether `output` holds logits.

  Returns:
    A tensor of the shape of `output`.

  >>> binary_crossentropy(np.array([1.0, 0.0]),
  ...                     np.array([0.5, 0.5])).numpy().round(4)
  array([0.6931, 0.6931])
  """
  target, output, result_dtype = _output_and_target(target, output)
  if not from_logits:
    eps = _epsilon(output.dtype)
    output = tf.clip_by_value(output, eps, 1.0 - eps)
    output = tf.math.log(output / (1.0 - output))
  return tf.cast(
      tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output),
      result_dtype)


# Batch normalization.


def _dims(x):
  """Each dimension of `x`: its static size, or a scalar tensor if None."""
  dynamic = None
  dims = []
  for i, dim in enumerate(x.shape.as_list()):
    if dim is None:
      dynamic = tf.shape(x) if dynamic is None else dynamic
      dim = dynamic[i]
    dims.append(dim)
  return dims


def _as_param(p, x):
  return None if p is None else tf.cast(p, x.dtype)


def _reshape_param(p, x, shape):
  """Reshapes 1-D (or per-kept-axes) `p` to broadcast against `x`."""
  if p is None or p.shape.rank in (0, x.shape.rank):
    return p
  if any(tensor_utils.is_tensor_like(d) for d in shape):
    shape = tf.stack([tf.convert_to_tensor(d, tf.int32) for d in shape])
  return tf.reshape(p, shape)


@graph_lib.graph_op
def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
  """Normalizes `x` with its own mean and variance over `reduction_axes`.

  Returns `(gamma * (x - mean) / sqrt(var + epsilon) + beta, mean, var)`
  where `mean` and `var` are the batch statistics (the biased variance)
  over `reduction_axes`, with those axes removed: `[0]` for dense inputs,
  `[0, 1, 2]` for channels-last images, `[0, 2, 3]` for channels-first.

  Args:
    x: the input tensor (its rank must be known).
    gamma: the scale, with the shape of the kept axes (e.g. `(channels,)`)
      or broadcastable to `x`; None for 1.
    beta: the offset, same shapes as `gamma`; None for 0.
    reduction_axes: the axes to compute the statistics over.
    epsilon: added to the variance.

  Returns:
    A tuple `(normalized, mean, variance)`.

  Raises:
    ValueError: if `reduction_axes` are not axes of `x`, or the rank of `x`
      is unknown.

  >>> y, m, v = normalize_batch_in_training(
  ...     np.array([[1.0], [3.0]]), None, None, [0], epsilon=0.0)
  >>> y.numpy().ravel(), m.numpy(), v.numpy()
  (array([-1.,  1.]), array([2.]), array([1.]))
  """
  x = _float_tensor(x)
  rank = x.shape.rank
  if rank is None:
    raise ValueError(
        f'normalize_batch_in_training needs an input of known rank. '
        f'Received: x={x!r}.')
  if isinstance(reduction_axes, (str, bytes)) or not all(
      isinstance(a, (int, np.integer)) for a in reduction_axes):
    raise ValueError(
        f'normalize_batch_in_training: reduction_axes must be a list of '
        f'integer axes. Received: reduction_axes={reduction_axes!r}.')
  axes = sorted({_check_axis(a, rank, 'normalize_batch_in_training', 'x')
                 for a in reduction_axes})
  gamma, beta = _as_param(gamma, x), _as_param(beta, x)
  if fused_norm.applies(x, (gamma, beta), epsilon, axes):
    return fused_norm.normalize_batch_in_training(x, gamma, beta, epsilon)
  mean, var = tf.nn.moments(x, axes, keepdims=True)
  dims = _dims(x)
  shape = [1 if i in axes else dims[i] for i in range(rank)]
  gamma = _reshape_param(gamma, x, shape)
  beta = _reshape_param(beta, x, shape)
  normed = tf.nn.batch_normalization(x, mean, var, beta, gamma, epsilon)
  return normed, tf.squeeze(mean, axes), tf.squeeze(var, axes)


@graph_lib.graph_op
def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
  """Applies batch normalization given the statistics and parameters.

  Returns `(x - mean) / sqrt(var + epsilon) * gamma + beta`. The
  parameters broadcast against `x`; a 1-D parameter applies along `axis`
  (the features axis), e.g. `(channels,)` with `axis=1` for channels
  first.

  Args:
    x: the input tensor.
    mean: the mean to subtract.
    var: the variance to divide by (after adding `epsilon`).
    beta: the offset, or None for 0.
    gamma: the scale, or None for 1.
    axis: the features axis, used to place 1-D parameters.
    epsilon: added to the variance.

  Returns:
    A tensor of the shape of `x`.

  Raises:
    ValueError: if `axis` is not one of the axes of `x`.

  >>> batch_normalization(np.array([[1.0, 2.0]]), np.array([1.0, 0.0]),
  ...                     np.array([4.0, 1.0]), None, None,
  ...                     epsilon=0.0).numpy()
  array([[0., 2.]])
  """
  x = _float_tensor(x)
  params = [_as_param(p, x) for p in (mean, var, beta, gamma)]
  rank = x.shape.rank
  if rank is not None and rank > 0:
    axis = _check_axis(axis, rank, 'batch_normalization', 'x')
    if axis != rank - 1:
      shape = [1] * rank
      shape[axis] = -1
      params = [p if p is None or p.shape.rank != 1 else tf.reshape(p, shape)
                for p in params]
  mean, var, beta, gamma = params
  if axis == 3 and fused_norm.applies(x, params, epsilon) and all(
      p is not None for p in (mean, var)):
    return fused_norm.batch_normalization(x, mean, var, beta, gamma, epsilon)
  return tf.nn.batch_normalization(x, mean, var, beta, gamma, epsilon)
