"""Math and reduction ops: dot products, element-wise math, reductions."""

import tensorflow as tf

from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import tensor_utils

__all__ = ['dot', 'sum', 'mean', 'square', 'sqrt', 'exp', 'log', 'abs']


@graph_lib.graph_op
def dot(x, y):
  """Multiplies two tensors (and/or variables) and returns a tensor.

  For nD tensors, behaves like Theano's `dot`: the last axis of `x` is
  contracted with the second-to-last axis of `y`: (2, 3) . (4, 3, 5) ->
  (2, 4, 5). A sparse `x` uses a sparse-dense product.

  >>> dot(np.ones((2, 3), 'float32'), np.ones((3, 4), 'float32')).shape
  TensorShape([2, 4])
  """
  if isinstance(x, tf.SparseTensor):
    return tf.sparse.sparse_dense_matmul(x, y)
  x, y = tensor_utils.convert_pair(x, y)
  if x.shape.rank == 2 and y.shape.rank == 2:
    return tf.matmul(x, y)
  return tf.tensordot(x, y, axes=[[x.shape.rank - 1], [max(y.shape.rank - 2, 0)]])


@graph_lib.graph_op
def sum(x, axis=None, keepdims=False):  # pylint: disable=redefined-builtin
  """Sum of the values in a tensor, alongside the specified axis.

  >>> float(sum(np.array([1.0, 2.0])))
  3.0
  """
  return tf.reduce_sum(x, axis=axis, keepdims=keepdims)


@graph_lib.graph_op
def mean(x, axis=None, keepdims=False):
  """Mean of a tensor, alongside the specified axis.

  >>> float(mean(np.array([1.0, 2.0])))
  1.5
  """
  x = tf.convert_to_tensor(x)
  if x.dtype == tf.bool:
    x = tf.cast(x, 'float32')
  return tf.reduce_mean(x, axis=axis, keepdims=keepdims)


@graph_lib.graph_op
def square(x):
  """Element-wise square.

  >>> square(np.array([2.0])).numpy()
  array([4.])
  """
  return tf.square(x)


@graph_lib.graph_op
def sqrt(x):
  """Element-wise square root (negative inputs give 0, as in legacy Keras).

  >>> sqrt(np.array([4.0, -1.0])).numpy()
  array([2., 0.])
  """
  x = tf.convert_to_tensor(x)
  return tf.sqrt(tf.maximum(x, tf.zeros((), x.dtype)))


@graph_lib.graph_op
def exp(x):
  """Element-wise exponential."""
  return tf.exp(x)


@graph_lib.graph_op
def log(x):
  """Element-wise natural log."""
  return tf.math.log(x)


@graph_lib.graph_op
def abs(x):  # pylint: disable=redefined-builtin
  """Element-wise absolute value."""
  return tf.abs(x)
