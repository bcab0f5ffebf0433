"""Placeholders, tensor predicates, shapes and dtypes."""

import sys

import numpy as np
import tensorflow as tf

from tf_kbackend import api_contract
from tf_kbackend import config
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import tensor_utils


def _as_tf_dtype(dtype, what):
  try:
    return tf.as_dtype(dtype)
  except TypeError as e:
    # A TypeError, as TensorFlow (and so legacy Keras) raised.
    raise TypeError(f'{what}: unknown dtype {dtype!r}.') from e


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
  """Instantiates a placeholder: a symbolic input to feed at call time.

  Args:
    shape: a tuple of ints and None (any size), or None for any shape.
    ndim: the rank, if `shape` is not given: all dimensions None.
    dtype: the dtype; `floatx()` by default.
    sparse: whether the placeholder is a `tf.SparseTensor`, fed with a
      scipy.sparse matrix, a `tf.SparseTensor` or a `SparseTensorValue`.
    name: the placeholder's name in the Keras graph.

  Returns:
    A symbolic tensor of the Keras graph (a `tf.SparseTensor` if sparse).

  >>> x = placeholder(shape=(None, 3))
  >>> int_shape(x), x._keras_shape
  ((None, 3), (None, 3))
  >>> ndim(placeholder(ndim=4))
  4
  """
  if dtype is None:
    dtype = config.floatx()
  tf_dtype = _as_tf_dtype(dtype, 'placeholder')
  shape = api_contract.placeholder_shape(shape, ndim, 'placeholder')
  # Always in the Keras graph itself (not in a tf.cond branch being built).
  with graph_lib.graph_lock(), graph_lib.get_graph().as_default():
    if sparse:
      x = tf.compat.v1.sparse_placeholder(tf_dtype, shape=shape, name=name)
    else:
      x = tf.compat.v1.placeholder(tf_dtype, shape=shape, name=name)
  x._keras_shape = shape  # pylint: disable=protected-access
  x._uses_learning_phase = False  # pylint: disable=protected-access
  x._is_backend_placeholder = True  # pylint: disable=protected-access
  return x


def is_placeholder(x):
  """Returns whether `x` is a placeholder.

  >>> is_placeholder(placeholder(shape=(2,))), is_placeholder(variable(1.0))
  (True, False)
  """
  if getattr(x, '_is_backend_placeholder', False):
    return True
  if isinstance(x, tf.SparseTensor):
    x = x.values
  if not graph_lib.is_symbolic(x) or not hasattr(x, 'op'):
    return False
  if x.op.type != 'Placeholder':
    return False
  # The Keras graph holds captured eager values as placeholders too.
  with graph_lib.graph_lock():  # Not while another thread captures.
    return not any(x is internal for _, internal in x.graph.captures)


def is_tensor(x):
  """Returns whether `x` is a tensor or variable (dense or sparse).

  >>> is_tensor(variable(1.0)), is_tensor(np.ones(2))
  (True, False)
  """
  return tf.is_tensor(x) or isinstance(x, tf.Variable)


def is_keras_tensor(x):
  """Returns whether `x` is a Keras tensor: a tensor with a layer history.

  Raises:
    ValueError: if `x` is not a tensor at all.

  >>> is_keras_tensor(placeholder(shape=(2,)))
  False
  """
  if not is_tensor(x):
    raise ValueError(
        f'Unexpectedly found an instance of type `{type(x)}`. Expected a '
        f'symbolic tensor instance.')
  return hasattr(x, '_keras_history')


def is_variable(x):
  """Returns whether `x` is a variable.

  >>> is_variable(variable(1.0)), is_variable(constant(1.0))
  (True, False)
  """
  return isinstance(x, tf.Variable)


def is_sparse(tensor):
  """Returns whether `tensor` is a sparse tensor.

  >>> is_sparse(placeholder(shape=(2, 3), sparse=True))
  True
  """
  return isinstance(tensor, tf.SparseTensor)


@graph_lib.graph_op
def to_dense(tensor):
  """Converts a sparse tensor to a dense one; returns others unchanged.

  >>> sp = tf.SparseTensor([[0, 1]], [5.0], [2, 2])
  >>> to_dense(sp).numpy()
  array([[0., 5.],
         [0., 0.]], dtype=float32)
  """
  if is_sparse(tensor):
    return tf.sparse.to_dense(tensor)
  return tensor


@graph_lib.graph_op
def shape(x):
  """Returns the (dynamic) shape of a tensor as an int32 tensor.

  >>> shape(np.zeros((2, 3))).numpy()
  array([2, 3], dtype=int32)
  """
  return tf.shape(x)


def int_shape(x):
  """Returns the static shape of a tensor or array as a tuple of ints/None.

  Legacy Keras' `_keras_shape` attribute takes precedence where set (with
  numpy ints, which legacy layers such as Flatten compute, made Python
  ints).

  Returns:
    A tuple, or None if the rank is unknown.

  >>> int_shape(placeholder(shape=(None, 4)))
  (None, 4)
  >>> int_shape(np.zeros((2, 3)))
  (2, 3)
  """
  if hasattr(x, '_keras_shape'):
    return api_contract.plain_shape(x._keras_shape)  # pylint: disable=protected-access
  if isinstance(x, (tf.Tensor, tf.Variable, tf.SparseTensor)):
    return tensor_utils.static_shape(x)
  return tuple(np.shape(x))


def ndim(x):
  """Returns the rank of a tensor or array, or None if unknown.

  >>> ndim(placeholder(shape=(2, 4, 5)))
  3
  """
  if isinstance(x, (tf.Tensor, tf.Variable, tf.SparseTensor)):
    return x.shape.rank
  return np.ndim(x)


@graph_lib.graph_op
def size(x, name=None):
  """Returns the number of elements of a tensor, as an int32 tensor.

  >>> int(size(np.zeros((2, 3))))
  6
  """
  return tf.size(x, name=name)


def dtype(x):
  """Returns the dtype of a tensor or array, as a string.

  >>> dtype(variable(1.0))
  'float32'
  >>> dtype(placeholder(shape=(2,), dtype='int64'))
  'int64'
  """
  if isinstance(x, (tf.Tensor, tf.Variable, tf.SparseTensor)):
    return x.dtype.base_dtype.name
  return np.asarray(x).dtype.name


@graph_lib.graph_op
def cast(x, dtype):
  """Casts a tensor to `dtype`.

  >>> cast(np.array([1.7, -2.2]), 'int32').numpy()
  array([ 1, -2], dtype=int32)
  """
  return tf.cast(x, _as_tf_dtype(dtype, 'cast'))


def cast_to_floatx(x):
  """Casts to the default float type: numpy in, numpy out; tensors to tensors.

  >>> cast_to_floatx([1, 2]).dtype
  dtype('float32')
  """
  if is_tensor(x):
    return cast(x, config.floatx())
  return config.cast_to_floatx(x)


@graph_lib.graph_op
def print_tensor(x, message=''):
  """Prints `message` and the value of `x` when it is evaluated.

  Concrete `x` is printed at once. Symbolic `x` returns a tensor equal to
  `x` that prints each time it is computed, so use the returned value.

  >>> _ = print_tensor(np.array([1, 2]), message='x = ')
  x =  [1 2]
  """
  if tf.executing_eagerly():
    x = tf.convert_to_tensor(x)
    print(message, x.numpy())
    return x
  with tf.control_dependencies(
      [tf.print(message, x, output_stream=sys.stdout)]):
    return tf.identity(x)
