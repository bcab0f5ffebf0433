"""Numpy reference: nn_ops (numpy and scipy only, never TensorFlow).

Activations, dropout, losses and batch normalization with the semantics of
the TensorFlow backend (legacy Keras 2.x), written independently in numpy.
Results keep the floating dtype of the main input.
"""

import numbers

import numpy as np
from scipy import special

from tf_kbackend import config
from tf_kbackend.numpy_backend import random_ops
from tf_kbackend.numpy_backend.graph import lazy_op

__all__ = [
    'relu', 'elu', 'softmax', 'softplus', 'softsign', 'sigmoid',
    'hard_sigmoid', 'tanh', 'dropout', 'categorical_crossentropy',
    'sparse_categorical_crossentropy', 'binary_crossentropy',
    'normalize_batch_in_training', 'batch_normalization',
]


def _float_array(x):
  x = np.asarray(x)
  if x.dtype.kind != 'f':
    x = x.astype(config.floatx())
  return x


def _check_axis(axis, rank, fn, what='output'):
  if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
    raise TypeError(f'{fn}: axis must be an integer. Received: axis={axis!r}.')
  if not -rank <= axis < rank:
    raise ValueError(
        f'{fn}: axis must be -1 or one of the axes of `{what}`, which has '
        f'{rank} dimensions. Received: axis={axis}.')
  return int(axis) % rank


# Activations.


@lazy_op
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
  """Rectified linear unit (see the TensorFlow backend for the details).

  >>> relu(np.array([-2.0, 0.5, 3.0]), alpha=0.1, max_value=2.0)
  array([-0.2,  0.5,  2. ])
  """
  x = np.asarray(x)
  dtype = x.dtype
  if dtype.kind == 'f':  # The parameters in x's dtype, as TF1-era Keras.
    alpha, threshold = dtype.type(alpha), dtype.type(threshold)
    max_value = None if max_value is None else dtype.type(max_value)
  above = np.where(x > threshold, x, np.zeros_like(x))
  if max_value is not None:
    above = np.clip(above, 0, max_value)
  below = np.maximum(threshold - x, 0)
  return (above - alpha * below).astype(dtype)


@lazy_op
def elu(x, alpha=1.0):
  """Exponential linear unit.

  >>> elu(np.array([-1.0, 2.0]), alpha=0.5).round(4)
  array([-0.3161,  2.    ])
  """
  x = np.asarray(x)
  return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype)


@lazy_op
def softmax(x, axis=-1):
  """Softmax of a tensor along `axis`.

  >>> softmax(np.array([[0.0, np.log(3.0)]]), axis=1)
  array([[0.25, 0.75]])
  """
  x = np.asarray(x)
  if x.ndim == 0:
    raise ValueError(
        f'softmax needs a tensor of rank 1 or more. Received: a scalar '
        f'x={x!r}.')
  axis = _check_axis(axis, x.ndim, 'softmax', 'x')
  y = np.exp(x - np.max(x, axis, keepdims=True))
  return (y / np.sum(y, axis, keepdims=True)).astype(x.dtype)


@lazy_op
def softplus(x):
  """Softplus: `log(1 + exp(x))`.

  >>> softplus(np.array([0.0])).round(4)
  array([0.6931])
  """
  x = np.asarray(x)
  return np.logaddexp(0, x).astype(x.dtype)


@lazy_op
def softsign(x):
  """Softsign: `x / (1 + |x|)`.

  >>> softsign(np.array([-3.0, 1.0]))
  array([-0.75,  0.5 ])
  """
  x = np.asarray(x)
  return x / (1 + np.abs(x))


@lazy_op
def sigmoid(x):
  """Element-wise sigmoid.

  >>> sigmoid(np.array([0.0]))
  array([0.5])
  """
  x = np.asarray(x)
  return special.expit(x).astype(x.dtype)


@lazy_op
def hard_sigmoid(x):
  """`clip(0.2 * x + 0.5, 0, 1)`.

  >>> hard_sigmoid(np.array([-3.0, 0.0, 1.0, 3.0]))
  array([0. , 0.5, 0.7, 1. ])
  """
  x = np.asarray(x)
  return np.clip(0.2 * x + 0.5, 0, 1).astype(x.dtype)


@lazy_op
def tanh(x):
  """Element-wise hyperbolic tangent.

  >>> tanh(np.array([0.0]))
  array([0.])
  """
  return np.tanh(x)


# Dropout.


@lazy_op
def _dropout(x, level, noise_shape, rng):
  x = _float_array(x)
  if level == 0:
    return x.copy()
  if noise_shape is None:
    noise_shape = x.shape
  noise_shape = tuple(x.shape[i] if dim is None else int(dim)
                      for i, dim in enumerate(noise_shape))
  keep = rng.uniform(0.0, 1.0, noise_shape) >= level
  kept = x * x.dtype.type(1.0 / (1.0 - level))
  return np.where(keep, kept, np.zeros_like(kept))


def dropout(x, level, noise_shape=None, seed=None):
  """Zeroes a fraction `level` of `x` at random, scaling the rest.

  >>> y = dropout(np.ones(1000), 0.5, seed=1)
  >>> sorted(set(y.tolist())), bool(abs((y == 0).mean() - 0.5) < 0.05)
  ([0.0, 2.0], True)
  """
  if (isinstance(level, (numbers.Real, np.ndarray, np.generic)) and
      not 0.0 <= float(level) < 1.0):
    raise ValueError(
        f'dropout: level (the fraction of entries to drop) must be in the '
        f'interval [0, 1). Received: level={level!r}.')
  return _dropout(x, level, noise_shape, random_ops._rng(seed))  # pylint: disable=protected-access


# Losses.


def _epsilon(dtype):
  return dtype.type(config.epsilon())


def _loss_output(output):
  """`output` to compute a loss in (float16 in float32), and the result dtype."""
  output = _float_array(output)
  if output.dtype == np.float16:
    return output.astype(np.float32), output.dtype
  return output, output.dtype


def _log_softmax(x, axis):
  return x - special.logsumexp(x, axis=axis, keepdims=True)


@lazy_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
  """Categorical crossentropy between an output tensor and a target tensor.

  >>> categorical_crossentropy(np.array([[0.0, 1.0]]),
  ...                          np.array([[0.5, 0.5]])).round(4)
  array([0.6931])
  """
  output, result_dtype = _loss_output(output)
  target = np.asarray(target).astype(output.dtype)
  axis = _check_axis(axis, output.ndim, 'categorical_crossentropy')
  if from_logits:
    log_p = _log_softmax(output.astype(np.float64), axis)
  else:
    p = output / np.sum(output, axis, keepdims=True)
    eps = _epsilon(output.dtype)
    log_p = np.log(np.clip(p, eps, 1 - eps).astype(np.float64))
  return (-np.sum(target * log_p, axis)).astype(result_dtype)


@lazy_op
def sparse_categorical_crossentropy(target, output, from_logits=False,
                                    axis=-1):
  """Categorical crossentropy with integer targets.

  >>> sparse_categorical_crossentropy(np.array([1]),
  ...                                 np.array([[0.5, 0.5]])).round(4)
  array([0.6931])
  """
  output, result_dtype = _loss_output(output)
  axis = _check_axis(axis, output.ndim, 'sparse_categorical_crossentropy')
  logits = np.moveaxis(output, axis, -1)
  if not from_logits:
    eps = _epsilon(output.dtype)
    logits = np.log(np.clip(logits, eps, 1 - eps))
  log_p = _log_softmax(logits.astype(np.float64), -1)
  target = np.asarray(target).astype(np.int64).reshape(log_p.shape[:-1])
  picked = np.take_along_axis(log_p, target[..., np.newaxis], -1)[..., 0]
  return (-picked).astype(result_dtype)


@lazy_op
def binary_crossentropy(target, output, from_logits=False):
  """Binary crossentropy between an output tensor and a target tensor.

  >>> binary_crossentropy(np.array([1.0, 0.0]), np.array([0.5, 0.5])).round(4)
  array([0.6931, 0.6931])
  """
  output, result_dtype = _loss_output(output)
  target = np.asarray(target).astype(np.float64)
  logits = output
  if not from_logits:
    eps = _epsilon(output.dtype)
    p = np.clip(output, eps, 1 - eps)
    logits = np.log(p / (1 - p))
  z = logits.astype(np.float64)
  # max(z, 0) - z * t + log(1 + exp(-|z|)): stable for any z.
  loss = np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))
  return loss.astype(result_dtype)


# Batch normalization.


def _reshape_param(p, x, shape):
  if p is None:
    return None
  p = np.asarray(p).astype(x.dtype)
  if p.ndim in (0, x.ndim):
    return p
  return p.reshape(shape)


@lazy_op
def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
  """Normalizes `x` with its own statistics over `reduction_axes`.

  >>> y, m, v = normalize_batch_in_training(
  ...     np.array([[1.0], [3.0]]), None, None, [0], epsilon=0.0)
  >>> y.ravel(), m, v
  (array([-1.,  1.]), array([2.]), array([1.]))
  """
  x = _float_array(x)
  if isinstance(reduction_axes, (str, bytes)) or not all(
      isinstance(a, (int, np.integer)) for a in reduction_axes):
    raise ValueError(
        f'normalize_batch_in_training: reduction_axes must be a list of '
        f'integer axes. Received: reduction_axes={reduction_axes!r}.')
  axes = tuple(sorted({_check_axis(a, x.ndim, 'normalize_batch_in_training',
                                   'x') for a in reduction_axes}))
  x64 = x.astype(np.float64)
  mean = x64.mean(axes, keepdims=True)
  var = np.square(x64 - mean).mean(axes, keepdims=True)
  shape = [1 if i in axes else x.shape[i] for i in range(x.ndim)]
  gamma = _reshape_param(gamma, x64, shape)
  beta = _reshape_param(beta, x64, shape)
  normed = (x64 - mean) / np.sqrt(var + epsilon)
  if gamma is not None:
    normed = normed * gamma
  if beta is not None:
    normed = normed + beta
  return (normed.astype(x.dtype), np.squeeze(mean, axes).astype(x.dtype),
          np.squeeze(var, axes).astype(x.dtype))


@lazy_op
def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
  """`(x - mean) / sqrt(var + epsilon) * gamma + beta`, 1-D params on `axis`.

  >>> batch_normalization(np.array([[1.0, 2.0]]), np.array([1.0, 0.0]),
  ...                     np.array([4.0, 1.0]), None, None, epsilon=0.0)
  array([[0., 2.]])
  """
  x = _float_array(x)
  x64 = x.astype(np.float64)
  params = [None if p is None else np.asarray(p, np.float64)
            for p in (mean, var, beta, gamma)]
  if x.ndim > 0:
    axis = _check_axis(axis, x.ndim, 'batch_normalization', 'x')
    if axis != x.ndim - 1:
      shape = [1] * x.ndim
      shape[axis] = -1
      params = [p if p is None or p.ndim != 1 else p.reshape(shape)
                for p in params]
  mean, var, beta, gamma = params
  y = (x64 - mean) / np.sqrt(var + epsilon)
  if gamma is not None:
    y = y * gamma
  if beta is not None:
    y = y + beta
  return y.astype(x.dtype)
