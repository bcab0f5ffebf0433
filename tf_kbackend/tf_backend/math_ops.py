"""Math and reduction ops: products, reductions, element-wise math, comparisons.

Every op runs eagerly on concrete values and builds in the Keras graph on
symbolic ones (`graph_lib.graph_op`). Operand conversion follows one rule:
tensors and variables keep their dtype; numpy values keep theirs; Python
numbers and lists become tensors of `floatx()` (floats) or int32; and in a
two-operand op an untyped operand takes the dtype of the typed one.
"""

import builtins
import string

import numpy as np
import tensorflow as tf

from tf_kbackend import config
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import tensor_utils

__all__ = [
    'dot', 'batch_dot', 'transpose', 'gather', 'max', 'min', 'sum', 'prod',
    'cumsum', 'cumprod', 'var', 'std', 'mean', 'any', 'all', 'argmax',
    'argmin', 'square', 'abs', 'sqrt', 'exp', 'log', 'logsumexp', 'round',
    'sign', 'pow', 'clip', 'equal', 'not_equal', 'greater', 'greater_equal',
    'less', 'less_equal', 'maximum', 'minimum', 'sin', 'cos', 'l2_normalize',
    'in_top_k',
]


# Operand conversion.


def _is_numpy(x):
  return isinstance(x, (np.ndarray, np.generic))


def _tensor(x):
  """`x` as a tensor: tensors/variables as they are, numpy keeps its dtype."""
  if tensor_utils.is_tensor_like(x):
    return x
  if _is_numpy(x):
    return tf.convert_to_tensor(x)
  return tensor_utils.convert(x)


def _float_tensor(x, op_name, bool_as_float=False):
  """`x` as a floating tensor, for ops TensorFlow defines on floats only.

  Python numbers and lists become `floatx()`; typed integer values (tensors,
  variables, numpy arrays) are refused, as TensorFlow did for legacy Keras,
  but with the same error in eager and symbolic use.
  """
  if not (tensor_utils.is_tensor_like(x) or _is_numpy(x)):
    x = tensor_utils.convert(x, config.floatx())
  x = _tensor(x)
  if bool_as_float and x.dtype == tf.bool:
    x = tf.cast(x, config.floatx())
  if not x.dtype.is_floating:
    raise TypeError(
        f'{op_name} needs a floating-point tensor. Received: a tensor of '
        f'dtype {x.dtype.name}.')
  return x


def _check_representable(value, dtype, op_name):
  """Refuses to truncate a non-integer Python/numpy value to an int dtype.

  TF1 (and so legacy Keras) raised a TypeError there; silently truncating
  would turn `K.greater(int_tensor, 0.5)` into `int_tensor > 0`.
  """
  if tensor_utils.is_tensor_like(value) or not (dtype.is_integer or
                                                dtype == tf.bool):
    return
  array = np.asarray(value)
  if array.dtype.kind in 'fc' and not np.all(np.trunc(array) == array):
    raise TypeError(
        f'{op_name}: the value {value!r} cannot be converted to the '
        f'{dtype.name} dtype of the other operand without losing its '
        f'fractional part. Cast one of them explicitly. Received: '
        f'{value!r} and a {dtype.name} tensor.')


def _binary_operands(x, y, op_name):
  """Both operands as tensors of one dtype.

  A tensor (or variable) operand fixes the dtype; failing that a numpy
  operand does; two numpy operands are promoted as numpy would; two Python
  values follow `floatx()`. Two tensors of different dtypes are left for
  TensorFlow to refuse, as in legacy Keras.
  """
  x_tensor = tensor_utils.is_tensor_like(x)
  y_tensor = tensor_utils.is_tensor_like(y)
  if not (x_tensor or y_tensor):
    if _is_numpy(x) and _is_numpy(y):
      dtype = np.result_type(x, y)
      return (tf.convert_to_tensor(np.asarray(x, dtype)),
              tf.convert_to_tensor(np.asarray(y, dtype)))
    if _is_numpy(x):
      x, x_tensor = tf.convert_to_tensor(x), True
    elif _is_numpy(y):
      y, y_tensor = tf.convert_to_tensor(y), True
    else:
      return tensor_utils.convert_pair(x, y)
  if x_tensor:
    _check_representable(y, x.dtype, op_name)
    return x, tensor_utils.convert(y, x.dtype)
  _check_representable(x, y.dtype, op_name)
  return tensor_utils.convert(x, y.dtype), y


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
  x, y = _binary_operands(x, y, 'dot')
  x_rank, y_rank = _rank(x), _rank(y)
  if x_rank is None or y_rank is None:
    # Without a known rank only a (batched) matrix product can be built,
    # which is what legacy Keras did.
    return tf.matmul(x, y)
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
  x, y = _binary_operands(x, y, 'batch_dot')
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
  return tf.transpose(_tensor(x))


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
  return tf.gather(_tensor(reference), indices)


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
  return tf.reduce_max(_tensor(x), axis, keepdims)


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
  return tf.reduce_min(_tensor(x), axis, keepdims)


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
  return tf.reduce_sum(_tensor(x), axis, keepdims)


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
  return tf.reduce_prod(_tensor(x), axis, keepdims)


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
  return tf.math.cumsum(_tensor(x), axis=axis)


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
  return tf.math.cumprod(_tensor(x), axis=axis)


def _mean_input(x):
  # Legacy Keras averages booleans as floatx (the fraction of True).
  x = _tensor(x)
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
  x = _float_tensor(x, 'std', bool_as_float=True)
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
  return tf.reduce_any(tf.cast(_tensor(x), tf.bool), axis, keepdims)


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
  return tf.reduce_all(tf.cast(_tensor(x), tf.bool), axis, keepdims)


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
  return tf.argmax(_tensor(x), axis)


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
  return tf.argmin(_tensor(x), axis)


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
  return tf.reduce_logsumexp(_float_tensor(x, 'logsumexp'), axis, keepdims)


# Element-wise math.


@graph_lib.graph_op
def square(x):
  """Element-wise square.

  >>> square(np.array([2.0, -3.0])).numpy()
  array([4., 9.])
  """
  return tf.square(_tensor(x))


@graph_lib.graph_op
def abs(x):  # pylint: disable=redefined-builtin
  """Element-wise absolute value.

  >>> abs(np.array([-2, 3])).numpy()
  array([2, 3])
  """
  return tf.abs(_tensor(x))


@graph_lib.graph_op
def sqrt(x):
  """Element-wise square root; negative inputs give 0, as in legacy Keras.

  Raises:
    TypeError: for an integer tensor.

  >>> sqrt(np.array([4.0, -1.0])).numpy()
  array([2., 0.])
  """
  x = _float_tensor(x, 'sqrt')
  return tf.sqrt(tf.maximum(x, tf.zeros((), x.dtype)))


@graph_lib.graph_op
def exp(x):
  """Element-wise exponential.

  >>> exp(np.array([0.0])).numpy()
  array([1.])
  """
  return tf.exp(_float_tensor(x, 'exp'))


@graph_lib.graph_op
def log(x):
  """Element-wise natural logarithm.

  >>> log(np.array([1.0])).numpy()
  array([0.])
  """
  return tf.math.log(_float_tensor(x, 'log'))


@graph_lib.graph_op
def round(x):  # pylint: disable=redefined-builtin
  """Element-wise rounding to the nearest integer; ties go to even.

  >>> round(np.array([0.5, 1.5, 2.5, -0.5, 2.7])).numpy()
  array([ 0.,  2.,  2., -0.,  3.])
  """
  return tf.round(_tensor(x))


@graph_lib.graph_op
def sign(x):
  """Element-wise sign: -1, 0 or 1.

  >>> sign(np.array([-2.0, 0.0, 3.0])).numpy()
  array([-1.,  0.,  1.])
  """
  return tf.sign(_tensor(x))


@graph_lib.graph_op
def pow(x, a):  # pylint: disable=redefined-builtin
  """Element-wise exponentiation `x ** a`.

  Args:
    x: a tensor or variable.
    a: the exponent: a Python number or a tensor broadcastable with `x`.

  Returns:
    A tensor of `x`'s dtype.

  >>> pow(np.array([2.0, 3.0]), 2).numpy()
  array([4., 9.])
  """
  x, a = _binary_operands(x, a, 'pow')
  return tf.pow(x, a)


@graph_lib.graph_op
def clip(x, min_value, max_value):
  """Element-wise clipping of `x` to [min_value, max_value].

  A bound of None does not clip that side. Where `max_value < min_value`,
  the result is `min_value` (legacy Keras: `max_value = min_value`).

  Args:
    x: a tensor or variable.
    min_value: a Python number, a tensor, or None.
    max_value: a Python number, a tensor, or None.

  Returns:
    A tensor of `x`'s dtype.

  >>> clip(np.array([-2.0, 0.5, 3.0]), 0.0, 1.0).numpy()
  array([0. , 0.5, 1. ])
  >>> clip(np.array([-2.0, 0.5, 3.0]), 1.0, 0.0).numpy()
  array([1., 1., 1.])
  """
  x = _tensor(x)
  # minimum first, maximum last: the lower bound wins when bounds cross.
  if max_value is not None:
    x, max_value = _binary_operands(x, max_value, 'clip')
    x = tf.minimum(x, max_value)
  if min_value is not None:
    x, min_value = _binary_operands(x, min_value, 'clip')
    x = tf.maximum(x, min_value)
  return x


@graph_lib.graph_op
def sin(x):
  """Element-wise sine.

  >>> sin(np.array([0.0])).numpy()
  array([0.])
  """
  return tf.sin(_float_tensor(x, 'sin'))


@graph_lib.graph_op
def cos(x):
  """Element-wise cosine.

  >>> cos(np.array([0.0])).numpy()
  array([1.])
  """
  return tf.cos(_float_tensor(x, 'cos'))


# Comparisons and element-wise extrema of two operands.


@graph_lib.graph_op
def equal(x, y):
  """Element-wise `x == y`, as a bool tensor.

  >>> equal(np.array([1.0, 2.0]), 2.0).numpy()
  array([False,  True])
  """
  return tf.equal(*_binary_operands(x, y, 'equal'))


@graph_lib.graph_op
def not_equal(x, y):
  """Element-wise `x != y`, as a bool tensor.

  >>> not_equal(np.array([1.0, 2.0]), 2.0).numpy()
  array([ True, False])
  """
  return tf.not_equal(*_binary_operands(x, y, 'not_equal'))


@graph_lib.graph_op
def greater(x, y):
  """Element-wise `x > y`, as a bool tensor.

  >>> greater(np.array([1.0, 2.0]), 1.0).numpy()
  array([False,  True])
  """
  return tf.greater(*_binary_operands(x, y, 'greater'))


@graph_lib.graph_op
def greater_equal(x, y):
  """Element-wise `x >= y`, as a bool tensor.

  >>> greater_equal(np.array([1.0, 2.0]), 2.0).numpy()
  array([False,  True])
  """
  return tf.greater_equal(*_binary_operands(x, y, 'greater_equal'))


@graph_lib.graph_op
def less(x, y):
  """Element-wise `x < y`, as a bool tensor.

  >>> less(np.array([1.0, 2.0]), 2.0).numpy()
  array([ True, False])
  """
  return tf.less(*_binary_operands(x, y, 'less'))


@graph_lib.graph_op
def less_equal(x, y):
  """Element-wise `x <= y`, as a bool tensor.

  >>> less_equal(np.array([1.0, 2.0]), 1.0).numpy()
  array([ True, False])
  """
  return tf.less_equal(*_binary_operands(x, y, 'less_equal'))


@graph_lib.graph_op
def maximum(x, y):
  """Element-wise maximum of two tensors.

  >>> maximum(np.array([1.0, 4.0]), np.array([3.0, 2.0])).numpy()
  array([3., 4.])
  """
  return tf.maximum(*_binary_operands(x, y, 'maximum'))


@graph_lib.graph_op
def minimum(x, y):
  """Element-wise minimum of two tensors.

  >>> minimum(np.array([1.0, 4.0]), np.array([3.0, 2.0])).numpy()
  array([1., 2.])
  """
  return tf.minimum(*_binary_operands(x, y, 'minimum'))


# Normalization and top-k.


@graph_lib.graph_op
def l2_normalize(x, axis=None):
  """Divides `x` by its L2 norm along `axis` (all axes if None).

  Computes `x / sqrt(max(sum(x ** 2, axis), 1e-12))`.

  Args:
    x: a floating-point tensor or variable.
    axis: an int or list of ints; None normalizes over the whole tensor.

  Returns:
    A tensor of `x`'s shape.

  >>> l2_normalize(np.array([[3.0, 4.0], [0.0, 2.0]]), axis=-1).numpy()
  array([[0.6, 0.8], [0. , 1. ]])
  """
  return tf.nn.l2_normalize(_float_tensor(x, 'l2_normalize'), axis=axis)


@graph_lib.graph_op
def in_top_k(predictions, targets, k):
  """Whether each target is among the `k` largest predictions of its row.

  `output[i]` is True if fewer than `k` classes of `predictions[i]` are
  strictly greater than `predictions[i, targets[i]]`: ties at the k-th
  place are all in the top k. A row with a non-finite prediction, or an
  out-of-range target, gives False.

  Args:
    predictions: a float tensor of shape `(batch_size, classes)` (computed
      in float32, which TensorFlow's kernel requires).
    targets: an int32 or int64 tensor of shape `(batch_size,)`.
    k: an int, the number of top elements to consider.

  Returns:
    A bool tensor of shape `(batch_size,)`.

  Raises:
    TypeError: if `targets` is not integer.

  >>> p = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]], 'float32')
  >>> in_top_k(p, np.array([2, 0]), 1).numpy()
  array([False,  True])
  """
  predictions = _float_tensor(predictions, 'in_top_k')
  if predictions.dtype != tf.float32:
    predictions = tf.cast(predictions, tf.float32)
  targets = _tensor(targets)
  if not targets.dtype.is_integer:
    raise TypeError(
        f'in_top_k needs integer (int32 or int64) targets. Received: targets '
        f'of dtype {targets.dtype.name}.')
  if targets.dtype not in (tf.int32, tf.int64):
    targets = tf.cast(targets, tf.int64)
  return tf.math.in_top_k(targets=targets, predictions=predictions, k=k)
