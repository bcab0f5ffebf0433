"""Numpy reference: math_ops (numpy and scipy only, never TensorFlow).

The reference reproduces what the legacy TensorFlow backend computed
(integer means truncate, `clip` lets the lower bound win, `in_top_k` counts
ties as in), not what legacy Keras' own numpy backend did where the two
differ.
"""

import builtins

import numpy as np
import scipy.sparse

from tf_kbackend import config
from tf_kbackend.numpy_backend.graph import lazy_op

__all__ = [
    'dot', 'batch_dot', 'transpose', 'gather', 'max', 'min', 'sum', 'prod',
    'cumsum', 'cumprod', 'var', 'std', 'mean', 'any', 'all', 'argmax',
    'argmin', 'square', 'abs', 'sqrt', 'exp', 'log', 'logsumexp', 'round',
    'sign', 'pow', 'clip', 'equal', 'not_equal', 'greater', 'greater_equal',
    'less', 'less_equal', 'maximum', 'minimum', 'sin', 'cos', 'l2_normalize',
    'in_top_k',
]


def _axis(axis):
  """numpy takes several axes as a tuple only."""
  return tuple(axis) if isinstance(axis, list) else axis


def _is_typed(x):
  return isinstance(x, (np.ndarray, np.generic))


def _float_array(x, op_name, bool_as_float=False):
  """`x` as a float array: Python values become floatx; typed ints refused."""
  array = np.asarray(x)
  if not _is_typed(x) or (bool_as_float and array.dtype == bool):
    if array.dtype.kind in 'biuf':
      array = array.astype(config.floatx())
  if array.dtype.kind != 'f':
    raise TypeError(
        f'{op_name} needs a floating-point array. Received: an array of '
        f'dtype {array.dtype.name}.')
  return array


def _same_kind(value, like, op_name):
  """`value` in the dtype of `like` when `value` is an untyped Python value.

  As the TensorFlow backend, refuses to truncate a fractional value to an
  integer dtype.
  """
  if _is_typed(value) or not _is_typed(like):
    return value
  dtype = np.asarray(like).dtype
  array = np.asarray(value)
  if (dtype.kind in 'biu' and array.dtype.kind == 'f' and
      not np.all(np.trunc(array) == array)):
    raise TypeError(
        f'{op_name}: the value {value!r} cannot be converted to the '
        f'{dtype.name} dtype of the other operand without losing its '
        f'fractional part. Received: {value!r} and a {dtype.name} array.')
  return array.astype(dtype)


# Products.


@lazy_op
def dot(x, y):
  """Dot product: numpy's (and Theano's) `dot`; scipy sparse operands allowed.

  Args:
    x: an array or scipy sparse matrix.
    y: an array or scipy sparse matrix.

  Returns:
    The dot product, as a dense array.

  Raises:
    ValueError: for a scalar operand.

  >>> dot(np.ones((2, 3)), np.ones((4, 3, 5))).shape
  (2, 4, 5)
  """
  if scipy.sparse.issparse(x) or scipy.sparse.issparse(y):
    result = x @ y
    return result.toarray() if scipy.sparse.issparse(result) else np.asarray(
        result)
  x, y = np.asarray(x), np.asarray(y)
  if x.ndim == 0 or y.ndim == 0:
    raise ValueError(
        f'dot needs operands of rank 1 or more. Received: x.shape={x.shape}, '
        f'y.shape={y.shape}.')
  return np.dot(x, y)


@lazy_op
def batch_dot(x, y, axes=None):
  """Batchwise dot product: `np.tensordot` of `x[i]` and `y[i]` for each i.

  See the TensorFlow backend's `batch_dot` for the full contract.

  Args:
    x: an array of rank 2 or more.
    y: an array of rank 2 or more.
    axes: an int, a pair of ints, or None.

  Returns:
    An array of rank `ndim(x) + ndim(y) - 3`, at least 2.

  Raises:
    ValueError: as the TensorFlow backend.

  >>> batch_dot(np.array([[1, 2], [3, 4]]), np.array([[5, 6], [7, 8]]), 1)
  array([[17], [53]])
  """
  x, y = np.asarray(x), np.asarray(y)
  shapes = f'x.shape={x.shape}, y.shape={y.shape}'
  if x.ndim < 2 or y.ndim < 2:
    raise ValueError(
        f'batch_dot needs inputs of known rank, 2 or more. Received: '
        f'{shapes}.')
  if axes is None:
    axes = [x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2]
  elif isinstance(axes, (int, np.integer)):
    axes = [axes, axes]
  if (not isinstance(axes, (list, tuple)) or len(axes) != 2 or
      not builtins.all(isinstance(a, (int, np.integer)) for a in axes)):
    raise ValueError(
        f'batch_dot: multiple target dimensions are not supported. '
        f'Expected: None, an int or a pair of ints. Received: axes={axes!r} '
        f'with {shapes}.')
  for a, ndim in zip(axes, (x.ndim, y.ndim)):
    if not -ndim <= a < ndim:
      raise ValueError(
          f'batch_dot: axis {a} is out of range for an input of rank '
          f'{ndim}. Received: axes={tuple(axes)} with {shapes}.')
  x_axis, y_axis = int(axes[0]) % x.ndim, int(axes[1]) % y.ndim
  if x.ndim == 2 and y.ndim == 2:
    # Keras 2.2.4: for matrices, axis 0 may be contracted; the other axis
    # is then paired sample by sample. Bring that axis to the front.
    if x_axis == 0:
      x, x_axis = x.T, 1
    if y_axis == 0:
      y, y_axis = y.T, 1
  elif 0 in (x_axis, y_axis):
    raise ValueError(
        f'batch_dot cannot reduce over the batch axis 0 of inputs of rank '
        f'3 or more. Received: axes={tuple(axes)} with {shapes}.')
  if x.shape[0] != y.shape[0] or x.shape[x_axis] != y.shape[y_axis]:
    raise ValueError(
        f'batch_dot: the batch or contracted dimensions differ. Received: '
        f'{shapes}, axes={tuple(axes)}.')
  samples = [np.tensordot(xi, yi, (x_axis - 1, y_axis - 1))
             for xi, yi in zip(x, y)]
  result = np.stack(samples) if samples else np.zeros(
      (0,) + x.shape[1:x_axis] + x.shape[x_axis + 1:] + y.shape[1:y_axis] +
      y.shape[y_axis + 1:], np.result_type(x, y))
  return result[:, np.newaxis] if result.ndim == 1 else result


@lazy_op
def transpose(x):
  """Reverses the order of the axes (scipy sparse matrices too).

  >>> transpose(np.array([[1, 2, 3], [4, 5, 6]]))
  array([[1, 4], [2, 5], [3, 6]])
  """
  if scipy.sparse.issparse(x):
    return x.T
  return np.transpose(x)


@lazy_op
def gather(reference, indices):
  """`reference[indices]`: slices of axis 0, for indices of any rank.

  Raises:
    IndexError: for an index outside [0, len(reference)): TensorFlow (on
      CPU) refuses negative indices too, where numpy would wrap them.

  >>> gather(np.array([[1, 2], [3, 4], [5, 6]]), [2, 0])
  array([[5, 6], [1, 2]])
  """
  reference, indices = np.asarray(reference), np.asarray(indices)
  if np.any(indices < 0):
    raise IndexError(
        f'gather: indices must be in [0, {len(reference)}). Received: '
        f'indices={indices.tolist()!r}.')
  return reference[indices]


# Reductions.


@lazy_op
def max(x, axis=None, keepdims=False):  # pylint: disable=redefined-builtin
  """Maximum along `axis` (an int, list or tuple; None for all axes).

  >>> max(np.array([[1, 5], [7, 2]]), axis=-1)
  array([5, 7])
  """
  return np.max(x, axis=_axis(axis), keepdims=keepdims)


@lazy_op
def min(x, axis=None, keepdims=False):  # pylint: disable=redefined-builtin
  """Minimum along `axis` (an int, list or tuple; None for all axes).

  >>> min(np.array([[1, 5], [7, 2]]), axis=0, keepdims=True)
  array([[1, 2]])
  """
  return np.min(x, axis=_axis(axis), keepdims=keepdims)


def _integer_dtype(x):
  # numpy widens int32 sums to int64; TensorFlow keeps the input dtype.
  x = np.asarray(x)
  return x.dtype if x.dtype.kind in 'iu' else None


@lazy_op
def sum(x, axis=None, keepdims=False):  # pylint: disable=redefined-builtin
  """Sum along `axis`, in `x`'s dtype.

  >>> float(sum(np.array([1.0, 2.0])))
  3.0
  """
  return np.sum(x, axis=_axis(axis), keepdims=keepdims,
                dtype=_integer_dtype(x))


@lazy_op
def prod(x, axis=None, keepdims=False):
  """Product along `axis`, in `x`'s dtype.

  >>> int(prod(np.array([[1, 2], [3, 4]]), axis=[0, 1]))
  24
  """
  return np.prod(x, axis=_axis(axis), keepdims=keepdims,
                 dtype=_integer_dtype(x))


@lazy_op
def cumsum(x, axis=0):
  """Cumulative sum along `axis` (default 0), in `x`'s dtype.

  >>> cumsum(np.array([[1, 2], [3, 4]]))
  array([[1, 2], [4, 6]])
  """
  return np.cumsum(x, axis=axis, dtype=_integer_dtype(x))


@lazy_op
def cumprod(x, axis=0):
  """Cumulative product along `axis` (default 0), in `x`'s dtype.

  >>> cumprod(np.array([[1, 2], [3, 4]]), axis=-1)
  array([[ 1, 2], [ 3, 12]])
  """
  return np.cumprod(x, axis=axis, dtype=_integer_dtype(x))


def _mean(x, axis, keepdims):
  """The legacy TensorFlow mean: bool as floatx, int truncated toward 0."""
  x = np.asarray(x)
  if x.dtype == bool:
    x = x.astype(config.floatx())
  result = np.mean(x, axis=_axis(axis), keepdims=keepdims)
  if x.dtype.kind in 'iu':
    result = np.trunc(result).astype(x.dtype)
  return result


@lazy_op
def mean(x, axis=None, keepdims=False):
  """Mean along `axis`; bools as floatx, integers truncated toward zero.

  >>> float(mean(np.array([1.0, 2.0])))
  1.5
  >>> int(mean(np.array([-7, 0])))
  -3
  """
  return _mean(x, axis, keepdims)


@lazy_op
def var(x, axis=None, keepdims=False):
  """Biased variance along `axis`, with `mean`'s dtype rules.

  >>> var(np.array([[1.0, 3.0], [2.0, 2.0]]), axis=-1)
  array([1., 0.])
  """
  x = np.asarray(x)
  if x.dtype == bool:
    x = x.astype(config.floatx())
  deviations = x - _mean(x, axis, keepdims=True)
  return _mean(np.square(deviations), axis, keepdims)


@lazy_op
def std(x, axis=None, keepdims=False):
  """Biased standard deviation along `axis`.

  Raises:
    TypeError: for an integer array.

  >>> std(np.array([[1.0, 3.0], [2.0, 2.0]]), axis=1, keepdims=True)
  array([[1.], [0.]])
  """
  x = _float_array(x, 'std', bool_as_float=True)
  return np.sqrt(var(x, axis, keepdims))


@lazy_op
def any(x, axis=None, keepdims=False):  # pylint: disable=redefined-builtin
  """Logical OR along `axis` (nonzero is True).

  >>> any(np.array([[0.0, 2.0], [0.0, 0.0]]), axis=1)
  array([ True, False])
  """
  return np.any(np.asarray(x).astype(bool), axis=_axis(axis),
                keepdims=keepdims)


@lazy_op
def all(x, axis=None, keepdims=False):  # pylint: disable=redefined-builtin
  """Logical AND along `axis` (nonzero is True).

  >>> all(np.array([[1.0, 2.0], [0.0, 3.0]]), axis=-1)
  array([ True, False])
  """
  return np.all(np.asarray(x).astype(bool), axis=_axis(axis),
                keepdims=keepdims)


@lazy_op
def argmax(x, axis=-1):
  """Index (int64) of the maximum along `axis`; first on ties.

  >>> argmax(np.array([[1, 9, 3], [7, 2, 7]]))
  array([1, 0])
  """
  return np.argmax(x, axis=axis).astype(np.int64)


@lazy_op
def argmin(x, axis=-1):
  """Index (int64) of the minimum along `axis`; first on ties.

  >>> argmin(np.array([[1, 9, 3], [7, 2, 2]]), axis=0)
  array([0, 1, 1])
  """
  return np.argmin(x, axis=axis).astype(np.int64)


@lazy_op
def logsumexp(x, axis=None, keepdims=False):
  """log(sum(exp(x))) along `axis`, shifted by the maximum for stability.

  >>> float(logsumexp(np.array([1e4, 1e-4])))
  10000.0
  """
  x = _float_array(x, 'logsumexp')
  axis = _axis(axis)
  shift = np.max(x, axis=axis, keepdims=True)
  # An all -inf (or inf) slice must not produce inf - inf = nan.
  shift = np.where(np.isfinite(shift), shift, 0).astype(x.dtype)
  with np.errstate(divide='ignore'):
    result = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True))
  result = result + shift
  if not keepdims:
    result = np.squeeze(result, axis=axis)
  return result.astype(x.dtype)


# Element-wise math.


@lazy_op
def square(x):
  """Element-wise square.

  >>> square(np.array([2.0, -3.0]))
  array([4., 9.])
  """
  return np.square(x)


@lazy_op
def abs(x):  # pylint: disable=redefined-builtin
  """Element-wise absolute value.

  >>> abs(np.array([-2, 3]))
  array([2, 3])
  """
  return np.abs(x)


@lazy_op
def sqrt(x):
  """Element-wise square root; negative inputs give 0.

  >>> sqrt(np.array([4.0, -1.0]))
  array([2., 0.])
  """
  x = _float_array(x, 'sqrt')
  return np.sqrt(np.maximum(x, 0))


@lazy_op
def exp(x):
  """Element-wise exponential.

  >>> exp(np.array([0.0]))
  array([1.])
  """
  return np.exp(_float_array(x, 'exp'))


@lazy_op
def log(x):
  """Element-wise natural logarithm.

  >>> log(np.array([1.0]))
  array([0.])
  """
  return np.log(_float_array(x, 'log'))


@lazy_op
def round(x):  # pylint: disable=redefined-builtin
  """Element-wise rounding to the nearest integer; ties go to even.

  >>> round(np.array([0.5, 1.5, 2.5, -0.5, 2.7]))
  array([ 0.,  2.,  2., -0.,  3.])
  """
  return np.round(x)


@lazy_op
def sign(x):
  """Element-wise sign: -1, 0 or 1.

  >>> sign(np.array([-2.0, 0.0, 3.0]))
  array([-1.,  0.,  1.])
  """
  return np.sign(x)


@lazy_op
def pow(x, a):  # pylint: disable=redefined-builtin
  """Element-wise `x ** a`.

  >>> pow(np.array([2.0, 3.0]), 2)
  array([4., 9.])
  """
  return np.power(x, _same_kind(a, x, 'pow'))


@lazy_op
def clip(x, min_value, max_value):
  """Clips `x` to [min_value, max_value]; None leaves a side open.

  Where `max_value < min_value` the result is `min_value`, as in the
  legacy TensorFlow backend (not numpy's `np.clip`, which gives max_value).

  >>> clip(np.array([-2.0, 0.5, 3.0]), 1.0, 0.0)
  array([1., 1., 1.])
  """
  result = np.asarray(x)
  if max_value is not None:
    result = np.minimum(result, _same_kind(max_value, x, 'clip'))
  if min_value is not None:
    result = np.maximum(result, _same_kind(min_value, x, 'clip'))
  return result


@lazy_op
def sin(x):
  """Element-wise sine.

  >>> sin(np.array([0.0]))
  array([0.])
  """
  return np.sin(_float_array(x, 'sin'))


@lazy_op
def cos(x):
  """Element-wise cosine.

  >>> cos(np.array([0.0]))
  array([1.])
  """
  return np.cos(_float_array(x, 'cos'))


# Comparisons and element-wise extrema of two operands.


@lazy_op
def equal(x, y):
  """Element-wise `x == y`.

  >>> equal(np.array([1.0, 2.0]), 2.0)
  array([False,  True])
  """
  return np.equal(x, y)


@lazy_op
def not_equal(x, y):
  """Element-wise `x != y`.

  >>> not_equal(np.array([1.0, 2.0]), 2.0)
  array([ True, False])
  """
  return np.not_equal(x, y)


@lazy_op
def greater(x, y):
  """Element-wise `x > y`.

  >>> greater(np.array([1.0, 2.0]), 1.0)
  array([False,  True])
  """
  return np.greater(x, y)


@lazy_op
def greater_equal(x, y):
  """Element-wise `x >= y`.

  >>> greater_equal(np.array([1.0, 2.0]), 2.0)
  array([False,  True])
  """
  return np.greater_equal(x, y)


@lazy_op
def less(x, y):
  """Element-wise `x < y`.

  >>> less(np.array([1.0, 2.0]), 2.0)
  array([ True, False])
  """
  return np.less(x, y)


@lazy_op
def less_equal(x, y):
  """Element-wise `x <= y`.

  >>> less_equal(np.array([1.0, 2.0]), 1.0)
  array([ True, False])
  """
  return np.less_equal(x, y)


@lazy_op
def maximum(x, y):
  """Element-wise maximum.

  >>> maximum(np.array([1.0, 4.0]), np.array([3.0, 2.0]))
  array([3., 4.])
  """
  return np.maximum(x, y)


@lazy_op
def minimum(x, y):
  """Element-wise minimum.

  >>> minimum(np.array([1.0, 4.0]), np.array([3.0, 2.0]))
  array([1., 2.])
  """
  return np.minimum(x, y)


# Normalization and top-k.


@lazy_op
def l2_normalize(x, axis=None):
  """`x / sqrt(max(sum(x ** 2, axis), 1e-12))`; all axes if `axis` is None.

  >>> l2_normalize(np.array([[3.0, 4.0], [0.0, 2.0]]), axis=-1)
  array([[0.6, 0.8], [0. , 1. ]])
  """
  x = _float_array(x, 'l2_normalize')
  square_sum = np.sum(np.square(x), axis=_axis(axis), keepdims=True)
  return x / np.sqrt(np.maximum(square_sum, np.asarray(1e-12, x.dtype)))


@lazy_op
def in_top_k(predictions, targets, k):
  """Whether fewer than `k` predictions of each row beat the target's.

  Ties at the k-th place count as in the top k; a row with a non-finite
  prediction, or an out-of-range target, gives False (TensorFlow's rule).

  Raises:
    TypeError: if `targets` is not integer.

  >>> p = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
  >>> in_top_k(p, np.array([2, 0]), 1)
  array([False,  True])
  """
  predictions = _float_array(predictions, 'in_top_k').astype(np.float32)
  targets = np.asarray(targets)
  if targets.dtype.kind not in 'iu':
    raise TypeError(
        f'in_top_k needs integer (int32 or int64) targets. Received: targets '
        f'of dtype {targets.dtype.name}.')
  num_classes = predictions.shape[-1]
  valid = (targets >= 0) & (targets < num_classes)
  rows = np.arange(len(targets))
  target_values = predictions[rows, np.where(valid, targets, 0)]
  better = np.sum(predictions > target_values[:, np.newaxis], axis=-1)
  finite = np.all(np.isfinite(predictions), axis=-1)
  return valid & finite & (better < k)
