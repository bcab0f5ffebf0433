"""Element-wise math, comparisons, `l2_normalize` and `in_top_k`.

Re-exported by `math_ops`. Operands are converted by the rule of
`math_operands`.
"""

import tensorflow as tf

from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import math_operands as operands

__all__ = [
    'square', 'abs', 'sqrt', 'exp', 'log', 'round', 'sign', 'pow', 'clip',
    'sin', 'cos', 'equal', 'not_equal', 'greater', 'greater_equal', 'less',
    'less_equal', 'maximum', 'minimum', 'l2_normalize', 'in_top_k',
]


# Element-wise math.


@graph_lib.graph_op
def square(x):
  """Element-wise square.

  Args:
    x: a tensor or variable.

  Returns:
    A tensor of `x`'s dtype.

  >>> square(np.array([2.0, -3.0])).numpy()
  array([4., 9.])
  """
  return tf.square(operands.tensor(x))


@graph_lib.graph_op
def abs(x):  # pylint: disable=redefined-builtin
  """Element-wise absolute value.

  Args:
    x: a tensor or variable.

  Returns:
    A tensor of `x`'s dtype.

  >>> abs(np.array([-2, 3])).numpy()
  array([2, 3])
  """
  return tf.abs(operands.tensor(x))


@graph_lib.graph_op
def sqrt(x):
  """Element-wise square root; negative inputs give 0, as in legacy Keras.

  Args:
    x: a floating-point tensor or variable.

  Returns:
    A tensor of `x`'s dtype.

  Raises:
    TypeError: for an integer tensor, variable or array.

  >>> sqrt(np.array([4.0, -1.0])).numpy()
  array([2., 0.])
  """
  x = operands.float_tensor(x, 'sqrt')
  return tf.sqrt(tf.maximum(x, tf.zeros((), x.dtype)))


@graph_lib.graph_op
def exp(x):
  """Element-wise exponential.

  Args:
    x: a floating-point tensor or variable.

  Returns:
    A tensor of `x`'s dtype.

  Raises:
    TypeError: for an integer tensor, variable or array.

  >>> exp(np.array([0.0])).numpy()
  array([1.])
  """
  return tf.exp(operands.float_tensor(x, 'exp'))


@graph_lib.graph_op
def log(x):
  """Element-wise natural logarithm.

  Args:
    x: a floating-point tensor or variable.

  Returns:
    A tensor of `x`'s dtype.

  Raises:
    TypeError: for an integer tensor, variable or array.

  >>> log(np.array([1.0])).numpy()
  array([0.])
  """
  return tf.math.log(operands.float_tensor(x, 'log'))


@graph_lib.graph_op
def round(x):  # pylint: disable=redefined-builtin
  """Element-wise rounding to the nearest integer; ties go to even.

  Args:
    x: a tensor or variable.

  Returns:
    A tensor of `x`'s dtype.

  >>> round(np.array([0.5, 1.5, 2.5, -0.5, 2.7])).numpy()
  array([ 0.,  2.,  2., -0.,  3.])
  """
  return tf.round(operands.tensor(x))


@graph_lib.graph_op
def sign(x):
  """Element-wise sign: -1, 0 or 1.

  Args:
    x: a tensor or variable.

  Returns:
    A tensor of `x`'s dtype.

  >>> sign(np.array([-2.0, 0.0, 3.0])).numpy()
  array([-1.,  0.,  1.])
  """
  return tf.sign(operands.tensor(x))


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
  x, a = operands.binary_operands(x, a, 'pow')
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
  x = operands.tensor(x)
  # minimum first, maximum last: the lower bound wins when bounds cross.
  if max_value is not None:
    x, max_value = operands.binary_operands(x, max_value, 'clip')
    x = tf.minimum(x, max_value)
  if min_value is not None:
    x, min_value = operands.binary_operands(x, min_value, 'clip')
    x = tf.maximum(x, min_value)
  return x


@graph_lib.graph_op
def sin(x):
  """Element-wise sine.

  Args:
    x: a floating-point tensor or variable.

  Returns:
    A tensor of `x`'s dtype.

  Raises:
    TypeError: for an integer tensor, variable or array.

  >>> sin(np.array([0.0])).numpy()
  array([0.])
  """
  return tf.sin(operands.float_tensor(x, 'sin'))


@graph_lib.graph_op
def cos(x):
  """Element-wise cosine.

  Args:
    x: a floating-point tensor or variable.

  Returns:
    A tensor of `x`'s dtype.

  Raises:
    TypeError: for an integer tensor, variable or array.

  >>> cos(np.array([0.0])).numpy()
  array([1.])
  """
  return tf.cos(operands.float_tensor(x, 'cos'))


# Comparisons and element-wise extrema of two operands.


@graph_lib.graph_op
def equal(x, y):
  """Element-wise `x == y`, as a bool tensor.

  Args:
    x: a tensor, variable, array or number.
    y: a tensor, variable, array or number; an untyped operand takes the
      dtype of the other.

  Returns:
    A bool tensor.

  Raises:
    TypeError: if a fractional value would be truncated to an integer
      tensor's dtype.

  >>> equal(np.array([1.0, 2.0]), 2.0).numpy()
  array([False,  True])
  """
  return tf.equal(*operands.binary_operands(x, y, 'equal'))


@graph_lib.graph_op
def not_equal(x, y):
  """Element-wise `x != y`, as a bool tensor.

  Args:
    x: a tensor, variable, array or number.
    y: a tensor, variable, array or number; an untyped operand takes the
      dtype of the other.

  Returns:
    A bool tensor.

  Raises:
    TypeError: if a fractional value would be truncated to an integer
      tensor's dtype.

  >>> not_equal(np.array([1.0, 2.0]), 2.0).numpy()
  array([ True, False])
  """
  return tf.not_equal(*operands.binary_operands(x, y, 'not_equal'))


@graph_lib.graph_op
def greater(x, y):
  """Element-wise `x > y`, as a bool tensor.

  Args:
    x: a tensor, variable, array or number.
    y: a tensor, variable, array or number; an untyped operand takes the
      dtype of the other.

  Returns:
    A bool tensor.

  Raises:
    TypeError: if a fractional value would be truncated to an integer
      tensor's dtype.

  >>> greater(np.array([1.0, 2.0]), 1.0).numpy()
  array([False,  True])
  """
  return tf.greater(*operands.binary_operands(x, y, 'greater'))


@graph_lib.graph_op
def greater_equal(x, y):
  """Element-wise `x >= y`, as a bool tensor.

  Args:
    x: a tensor, variable, array or number.
    y: a tensor, variable, array or number; an untyped operand takes the
      dtype of the other.

  Returns:
    A bool tensor.

  Raises:
    TypeError: if a fractional value would be truncated to an integer
      tensor's dtype.

  >>> greater_equal(np.array([1.0, 2.0]), 2.0).numpy()
  array([False,  True])
  """
  return tf.greater_equal(*operands.binary_operands(x, y, 'greater_equal'))


@graph_lib.graph_op
def less(x, y):
  """Element-wise `x < y`, as a bool tensor.

  Args:
    x: a tensor, variable, array or number.
    y: a tensor, variable, array or number; an untyped operand takes the
      dtype of the other.

  Returns:
    A bool tensor.

  Raises:
    TypeError: if a fractional value would be truncated to an integer
      tensor's dtype.

  >>> less(np.array([1.0, 2.0]), 2.0).numpy()
  array([ True, False])
  """
  return tf.less(*operands.binary_operands(x, y, 'less'))


@graph_lib.graph_op
def less_equal(x, y):
  """Element-wise `x <= y`, as a bool tensor.

  Args:
    x: a tensor, variable, array or number.
    y: a tensor, variable, array or number; an untyped operand takes the
      dtype of the other.

  Returns:
    A bool tensor.

  Raises:
    TypeError: if a fractional value would be truncated to an integer
      tensor's dtype.

  >>> less_equal(np.array([1.0, 2.0]), 1.0).numpy()
  array([ True, False])
  """
  return tf.less_equal(*operands.binary_operands(x, y, 'less_equal'))


@graph_lib.graph_op
def maximum(x, y):
  """Element-wise maximum of two tensors.

  Args:
    x: a tensor, variable, array or number.
    y: a tensor, variable, array or number; an untyped operand takes the
      dtype of the other.

  Returns:
    A tensor of the operands' dtype.

  Raises:
    TypeError: if a fractional value would be truncated to an integer
      tensor's dtype.

  >>> maximum(np.array([1.0, 4.0]), np.array([3.0, 2.0])).numpy()
  array([3., 4.])
  """
  return tf.maximum(*operands.binary_operands(x, y, 'maximum'))


@graph_lib.graph_op
def minimum(x, y):
  """Element-wise minimum of two tensors.

  Args:
    x: a tensor, variable, array or number.
    y: a tensor, variable, array or number; an untyped operand takes the
      dtype of the other.

  Returns:
    A tensor of the operands' dtype.

  Raises:
    TypeError: if a fractional value would be truncated to an integer
      tensor's dtype.

  >>> minimum(np.array([1.0, 4.0]), np.array([3.0, 2.0])).numpy()
  array([1., 2.])
  """
  return tf.minimum(*operands.binary_operands(x, y, 'minimum'))


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
  return tf.nn.l2_normalize(operands.float_tensor(x, 'l2_normalize'), axis=axis)


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
  predictions = operands.float_tensor(predictions, 'in_top_k')
  if predictions.dtype != tf.float32:
    predictions = tf.cast(predictions, tf.float32)
  targets = operands.tensor(targets)
  if not targets.dtype.is_integer:
    raise TypeError(
        f'in_top_k needs integer (int32 or int64) targets. Received: targets '
        f'of dtype {targets.dtype.name}.')
  if targets.dtype not in (tf.int32, tf.int64):
    targets = tf.cast(targets, tf.int64)
  return tf.math.in_top_k(targets=targets, predictions=predictions, k=k)
