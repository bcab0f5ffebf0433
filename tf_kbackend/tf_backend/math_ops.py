"""Math and reduction ops: products, reductions, and (re-exported from
`elementwise_ops`) element-wise math and comparisons.

Every op runs eagerly on concrete values and builds in the Keras graph on
symbolic ones (`graph_lib.graph_op`). Operands are converted by one rule,
in `math_operands`.
"""

import builtins
import string

import numpy as np
import tensorflow as tf

from tf_kbackend import config
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import math_operands as operands
from tf_kbackend.tf_backend import tensor_utils
from tf_kbackend.tf_backend.elementwise_ops import (  # noqa: F401
    abs, clip, cos, equal, exp, greater, greater_equal, in_top_k,
    l2_normalize, less, less_equal, log, maximum, minimum, not_equal, pow,
    round, sign, sin, sqrt, square)
from tf_kbackend.tf_backend import elementwise_ops as _elementwise_ops

__all__ = [
    'dot', 'batch_dot', 'transpose', 'gather', 'max', 'min', 'sum', 'prod',
    'cumsum', 'cumprod', 'var', 'std', 'mean', 'any', 'all', 'argmax',
    'argmin', 'logsumexp',
] + _elementwise_ops.__all__


def _rank(x):
  return x.shape.rank


# Products.


def _sparse_dot(x, y):
  """`dot` where at least one operand is a `tf.SparseTensor`."""
  if isinstance(x, tf.SparseTensor) and isinstance(y, tf.SparseTensor):
    y = tf.sparse.to_dense(y)
  if isinstance(x, tf.SparseTensor):
    y = tensor_utils.convert(y, x.dtype)
  else:
    x = tensor_utils.convert(x, y.dtype)
  if _rank(x) != 2 or _rank(y) != 2:
    raise ValueError(
        f'dot with a sparse operand needs two rank-2 operands. Received: '
        f'x.shape={tuple(x.shape)}, y.shape={tuple(y.shape)}.')
  return tf.sparse.sparse_dense_matmul(x, y)


@graph_lib.graph_op
def dot(x, y):
  """Multiplies two tensors (and/or variables) and returns a tensor.

  For nD tensors it behaves like Theano's (and numpy's) `dot`: the last axis
  of `x` is contracted with the second-to-last axis of `y` (the last one if
  `y` is 1D): (2, 3) . (4, 3, 5) -> (2, 4, 5). If either operand is a
  `tf.SparseTensor` (both rank 2), a sparse-dense product is used.

  Args:
    x: a tensor, variable, sparse tensor or array.
    y: a tensor, variable, sparse tensor or array.

  Returns:
    The dot product of `x` and `y`.

  Raises:
    ValueError: for a scalar operand, or a sparse operand of rank other
      than 2.

  >>> dot(np.ones((2, 3)), np.ones((4, 3, 5))).shape
  TensorShape([2, 4, 5])
  >>> int_shape(dot(placeholder(shape=(None, 28, 3)), ones((3, 4))))
  (None, 28, 4)
  """
  if isinstance(x, tf.SparseTensor) or isinstance(y, tf.SparseTensor):
    return _sparse_dot(x, y)
  x, y = operands.binary_operands(x, y, 'dot')
  x_rank, y_rank = _rank(x), _rank(y)
  if x_rank is None or y_rank is None:
    # Without a known rank only a (batched) matrix product can be built,
    # which is what legacy Keras did, with TF1's BatchMatMul: its batch
    # dimensions do not broadcast, so with a matrix `y` the result is known
    # to be a matrix ((None, 64) from an unknown-rank x), as in TF1.
    return tf.raw_ops.BatchMatMul(x=x, y=y)
  if x_rank == 0 or y_rank == 0:
    raise ValueError(
        f'dot needs operands of rank 1 or more. Received: '
        f'x.shape={tuple(x.shape)}, y.shape={tuple(y.shape)}.')
  if x_rank == 2 and y_rank == 2:
    return tf.matmul(x, y)
  # tensordot keeps the free dimensions static, None batch dims included.
  return tf.tensordot(x, y, axes=[[x_rank - 1], [builtins.max(y_rank - 2, 0)]])


def _batch_dot_axes(axes, x_shape, y_shape):
  """Validates `axes` of batch_dot; returns non-negative (x_axis, y_axis)."""
  x_ndim, y_ndim = len(x_shape), len(y_shape)
  shapes = f'x.shape={x_shape}, y.shape={y_shape}'
  if axes is None:
    # A 2D `y` has no second-to-last non-batch axis: contract its last.
    axes = (x_ndim - 1, y_ndim - 1 if y_ndim == 2 else y_ndim - 2)
  elif isinstance(axes, (int, np.integer)):
    axes = (axes, axes)
  if (not isinstance(axes, (list, tuple)) or len(axes) != 2 or
      not builtins.all(isinstance(a, (int, np.integer)) for a in axes)):
    raise ValueError(
        f'batch_dot: multiple target dimensions are not supported. '
        f'Expected: None, an int or a pair of ints. Received: axes={axes!r} '
        f'with {shapes}.')
  normalized = []
  for a, ndim in zip(axes, (x_ndim, y_ndim)):
    if not -ndim <= a < ndim:
      raise ValueError(
          f'batch_dot: axis {a} is out of range for an input of rank '
          f'{ndim}. Received: axes={tuple(axes)} with {shapes}.')
    normalized.append(int(a) % ndim)
  if 0 in normalized and not (x_ndim == 2 and y_ndim == 2):
    raise ValueError(
        f'batch_dot cannot reduce over the batch axis 0 of inputs of rank '
        f'3 or more (add a batch axis with expand_dims(x, 0) if your inputs '
        f'are not batched). Received: axes={tuple(axes)} with {shapes}.')
  return tuple(normalized)


@graph_lib.graph_op
def batch_dot(x, y, axes=None):
  """Batchwise dot product.

  For each sample `i` of the batch, contracts axis `axes[0]` of `x[i]` with
  axis `axes[1]` of `y[i]` (the axes count the batch axis 0). The result's
  shape is `x`'s shape less the contracted axis, followed by `y`'s shape
  less its batch and contracted axes; a result of rank 1 is reshaped to
  `(batch_size, 1)`. `axes=None` contracts the last axis of `x` with the
  second-to-last of `y` (the last, if `y` is 2D).

  For two 2D inputs an axis may be 0, as in Keras 2.2.4: the non-contracted
  axes then play the role of the batch axis.

  Args:
    x: a tensor or variable of rank 2 or more.
    y: a tensor or variable of rank 2 or more.
    axes: an int, a pair of ints, or None.

  Returns:
    A tensor of rank `ndim(x) + ndim(y) - 3`, at least 2.

  Raises:
    ValueError: for inputs of rank < 2 (or unknown), axes that are not an
      int or a pair of ints, out of range or (for rank > 2) 0, or static
      batch or contracted dimensions that differ.

  >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
  >>> y = np.array([[5.0, 6.0], [7.0, 8.0]])
  >>> batch_dot(x, y, axes=1).numpy()
  array([[17.], [53.]])
  >>> int_shape(batch_dot(ones((32, 20, 1)), ones((32, 30, 20)), axes=(1, 2)))
  (32, 1, 30)
  """
  x, y = operands.binary_operands(x, y, 'batch_dot')
  x_shape, y_shape = tensor_utils.static_shape(x), tensor_utils.static_shape(y)
  if x_shape is None or y_shape is None or len(x_shape) < 2 or len(y_shape) < 2:
    raise ValueError(
        f'batch_dot needs inputs of known rank, 2 or more. Received: '
        f'x.shape={x_shape}, y.shape={y_shape}.')
  x_axis, y_axis = _batch_dot_axes(axes, x_shape, y_shape)
  # The axis paired sample by sample: 0, or the other axis of a 2D input.
  x_batch = 1 - x_axis if len(x_shape) == 2 == len(y_shape) else 0
  y_batch = 1 - y_axis if len(x_shape) == 2 == len(y_shape) else 0
  for what, i, j in (('batch', x_batch, y_batch),
                     ('contracted', x_axis, y_axis)):
    if None not in (x_shape[i], y_shape[j]) and x_shape[i] != y_shape[j]:
      raise ValueError(
          f'batch_dot: the {what} dimensions differ: x.shape[{i}] != '
          f'y.shape[{j}] ({x_shape[i]} != {y_shape[j]}). Received: '
          f'x.shape={x_shape}, y.shape={y_shape}, axes={(x_axis, y_axis)}.')
  # One einsum expresses every case, keeps None dims static, and
  # differentiates without the transposes and reshapes of legacy Keras.
  letters = iter(string.ascii_letters)
  x_subs = [next(letters) for _ in x_shape]
  y_subs = [next(letters) for _ in y_shape]
  y_subs[y_batch] = x_subs[x_batch]
  y_subs[y_axis] = x_subs[x_axis]
  out_subs = ([s for i, s in enumerate(x_subs) if i != x_axis] +
              [s for j, s in enumerate(y_subs) if j not in (y_batch, y_axis)])
  equation = f"{''.join(x_subs)},{''.join(y_subs)}->{''.join(out_subs)}"
  result = tf.einsum(equation, x, y)
  if len(out_subs) == 1:
    result = tf.expand_dims(result, -1)
  return result


@graph_lib.graph_op
def transpose(x):
  """Transposes a tensor: reverses the order of its axes.

  Args:
    x: a tensor, variable or sparse tensor.

  Returns:
    The transposed tensor.

  >>> transpose(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).numpy()
  array([[1., 4.], [2., 5.], [3., 6.]])
  """
  if isinstance(x, tf.SparseTensor):
    return tf.sparse.transpose(x)
  return tf.transpose(operands.tensor(x))


@graph_lib.graph_op
def gather(reference, indices):
  """Retrieves the slices `reference[i]` for each index in `indices`.

  The gradient with respect to `reference` is a `tf.IndexedSlices`, as in
  legacy Keras (`K.function` returns it dense).

  Args:
    reference: a tensor or variable.
    indices: an integer tensor (of any rank) of indices into axis 0.

  Returns:
    A tensor of `reference`'s dtype and shape
    `indices.shape + reference.shape[1:]`.

  >>> gather(np.array([[1, 2], [3, 4], [5, 6]]), [2, 0]).numpy()
  array([[5, 6], [1, 2]])
  """
  return tf.gather(operands.tensor(reference), indices)


# Reductions.


@graph_lib.graph_op
def max(x, axis=None, keepdims=False):  # pylint: disable=redefined-builtin
  """Maximum value in a tensor, along `axis`.

  Args:
    x: a tensor or variable.
    axis: an int or list/tuple of ints in [-rank(x), rank(x)); None (the
      default) reduces over all axes.
    keepdims: whether to keep the reduced axes with length 1.

  Returns:
    A tensor with the maximum values of `x`.

  >>> max(np.array([[1, 5], [7, 2]]), axis=-1).numpy()
  array([5, 7])
  """
  return tf.reduce_max(operands.tensor(x), axis, keepdims)


@graph_lib.graph_op
def min(x, axis=None, keepdims=False):  # pylint: disable=redefined-builtin
  """Minimum value in a tensor, along `axis`.

  Args:
    x: a tensor or variable.
    axis: an int or list/tuple of ints in [-rank(x), rank(x)); None (the
      default) reduces over all axes.
    keepdims: whether to keep the reduced axes with length 1.

  Returns:
    A tensor with the minimum values of `x`.

  >>> min(np.array([[1, 5], [7, 2]]), axis=0, keepdims=True).numpy()
  array([[1, 2]])
  """
  return tf.reduce_min(operands.tensor(x), axis, keepdims)


@graph_lib.graph_op
def sum(x, axis=None, keepdims=False):  # pylint: disable=redefined-builtin
  """Sum of the values in a tensor, along `axis`.

  Args:
    x: a tensor or variable.
    axis: an int or list/tuple of ints in [-rank(x), rank(x)); None (the
      default) reduces over all axes.
    keepdims: whether to keep the reduced axes with length 1.

  Returns:
    A tensor with the sum of `x`, of `x`'s dtype.

  >>> float(sum(np.array([1.0, 2.0])))
  3.0
  """
  return tf.reduce_sum(operands.tensor(x), axis, keepdims)


@graph_lib.graph_op
def prod(x, axis=None, keepdims=False):
  """Product of the values in a tensor, along `axis`.

  Args:
    x: a tensor or variable.
    axis: an int or list/tuple of ints in [-rank(x), rank(x)); None (the
      default) reduces over all axes.
    keepdims: whether to keep the reduced axes with length 1.

  Returns:
    A tensor with the product of `x`.

  >>> int(prod(np.array([[1, 2], [3, 4]]), axis=[0, 1]))
  24
  """
  return tf.reduce_prod(operands.tensor(x), axis, keepdims)


@graph_lib.graph_op
def cumsum(x, axis=0):
  """Cumulative sum of the values in a tensor along `axis` (default 0).

  Args:
    x: a tensor or variable.
    axis: the axis to sum along.

  Returns:
    A tensor of `x`'s shape.

  >>> cumsum(np.array([[1, 2], [3, 4]])).numpy()
  array([[1, 2], [4, 6]])
  """
  return tf.math.cumsum(operands.tensor(x), axis=axis)


@graph_lib.graph_op
def cumprod(x, axis=0):
  """Cumulative product of the values in a tensor along `axis` (default 0).

  Args:
    x: a tensor or variable.
    axis: the axis to multiply along.

  Returns:
    A tensor of `x`'s shape.

  >>> cumprod(np.array([[1, 2], [3, 4]]), axis=-1).numpy()
  array([[ 1, 2], [ 3, 12]])
  """
  return tf.math.cumprod(operands.tensor(x), axis=axis)


def _mean_input(x):
  # Legacy Keras averages booleans as floatx (the fraction of True).
  x = operands.tensor(x)
  return tf.cast(x, config.floatx()) if x.dtype == tf.bool else x


@graph_lib.graph_op
def mean(x, axis=None, keepdims=False):
  """Mean of a tensor, along `axis`.

  Booleans are averaged as `floatx()`. Integers keep their dtype, as in
  legacy Keras: the mean is truncated toward zero.

  Args:
    x: a tensor or variable.
    axis: an int or list/tuple of ints in [-rank(x), rank(x)); None (the
      default) reduces over all axes.
    keepdims: whether to keep the reduced axes with length 1.

  Returns:
    A tensor with the mean of `x`.

  >>> float(mean(np.array([1.0, 2.0])))
  1.5
  >>> mean(np.array([[True, False], [True, True]]), axis=1).numpy()
  array([0.5, 1. ], dtype=float32)
  """
  return tf.reduce_mean(_mean_input(x), axis, keepdims)


@graph_lib.graph_op
def var(x, axis=None, keepdims=False):
  """Variance (biased: divided by N) of a tensor, along `axis`.

  Booleans are treated as `floatx()`; integers keep their dtype (and
  integer means), as in legacy Keras.

  Args:
    x: a tensor or variable.
    axis: an int or list/tuple of ints in [-rank(x), rank(x)); None (the
      default) reduces over all axes.
    keepdims: whether to keep the reduced axes with length 1.

  Returns:
    A tensor with the variance of `x`.

  >>> var(np.array([[1.0, 3.0], [2.0, 2.0]]), axis=-1).numpy()
  array([1., 0.])
  """
  x = _mean_input(x)
  deviations = x - tf.reduce_mean(x, axis, keepdims=True)
  return tf.reduce_mean(tf.square(deviations), axis, keepdims)


@graph_lib.graph_op
def std(x, axis=None, keepdims=False):
  """Standard deviation (biased) of a tensor, along `axis`.

  Args:
    x: a floating-point (or boolean) tensor or variable.
    axis: an int or list/tuple of ints in [-rank(x), rank(x)); None (the
      default) reduces over all axes.
    keepdims: whether to keep the reduced axes with length 1.

  Returns:
    A tensor with the standard deviation of `x`.

  Raises:
    TypeError: for an integer tensor.

  >>> std(np.array([[1.0, 3.0], [2.0, 2.0]]), axis=1, keepdims=True).numpy()
  array([[1.], [0.]])
  """
  x = operands.float_tensor(x, 'std', bool_as_float=True)
  return tf.sqrt(var(x, axis, keepdims))


@graph_lib.graph_op
def any(x, axis=None, keepdims=False):  # pylint: disable=redefined-builtin
  """Logical OR along `axis`; `x` is cast to bool first (nonzero is True).

  Args:
    x: a tensor or variable.
    axis: an int or list/tuple of ints in [-rank(x), rank(x)); None (the
      default) reduces over all axes.
    keepdims: whether to keep the reduced axes with length 1.

  Returns:
    A bool tensor.

  >>> any(np.array([[0.0, 2.0], [0.0, 0.0]]), axis=1).numpy()
  array([ True, False])
  """
  return tf.reduce_any(tf.cast(operands.tensor(x), tf.bool), axis, keepdims)


@graph_lib.graph_op
def all(x, axis=None, keepdims=False):  # pylint: disable=redefined-builtin
  """Logical AND along `axis`; `x` is cast to bool first (nonzero is True).

  Args:
    x: a tensor or variable.
    axis: an int or list/tuple of ints in [-rank(x), rank(x)); None (the
      default) reduces over all axes.
    keepdims: whether to keep the reduced axes with length 1.

  Returns:
    A bool tensor.

  >>> all(np.array([[1.0, 2.0], [0.0, 3.0]]), axis=-1).numpy()
  array([ True, False])
  """
  return tf.reduce_all(tf.cast(operands.tensor(x), tf.bool), axis, keepdims)


@graph_lib.graph_op
def argmax(x, axis=-1):
  """Index of the maximum value along `axis` (default -1); first on ties.

  Args:
    x: a tensor or variable.
    axis: the axis to reduce.

  Returns:
    An int64 tensor.

  >>> argmax(np.array([[1, 9, 3], [7, 2, 7]])).numpy()
  array([1, 0])
  """
  return tf.argmax(operands.tensor(x), axis)


@graph_lib.graph_op
def argmin(x, axis=-1):
  """Index of the minimum value along `axis` (default -1); first on ties.

  Args:
    x: a tensor or variable.
    axis: the axis to reduce.

  Returns:
    An int64 tensor.

  >>> argmin(np.array([[1, 9, 3], [7, 2, 2]]), axis=0).numpy()
  array([0, 1, 1])
  """
  return tf.argmin(operands.tensor(x), axis)


@graph_lib.graph_op
def logsumexp(x, axis=None, keepdims=False):
  """log(sum(exp(x))) along `axis`, computed without overflow or underflow.

  Args:
    x: a floating-point tensor or variable.
    axis: an int or list/tuple of ints in [-rank(x), rank(x)); None (the
      default) reduces over all axes.
    keepdims: whether to keep the reduced axes with length 1.

  Returns:
    The reduced tensor.

  >>> float(logsumexp(np.array([1e4, 1e-4])))
  10000.0
  """
  x = operands.float_tensor(x, 'logsumexp')
  return tf.reduce_logsumexp(x, axis, keepdims)
