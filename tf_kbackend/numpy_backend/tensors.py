"""Placeholders, tensor predicates, shapes and dtypes (numpy reference).

Mirrors `tf_backend/tensors.py`. Concrete values are numpy arrays (and
scipy.sparse matrices); symbolic ones are `Symbol`s. Static shapes of
placeholders are declared; those of derived symbols are inferred by
evaluating them on probe values (`evaluation.static_signature`).
"""

import numpy as np
import scipy.sparse

from tf_kbackend import api_contract
from tf_kbackend import config
from tf_kbackend.numpy_backend import evaluation
from tf_kbackend.numpy_backend.graph import (
    get_graph, lazy_op, side_effects_enabled, Symbol, VariableBase)

__all__ = [
    'placeholder', 'is_placeholder', 'is_tensor', 'is_keras_tensor',
    'is_variable', 'is_sparse', 'to_dense', 'shape', 'int_shape', 'ndim',
    'size', 'dtype', 'cast', 'cast_to_floatx', 'print_tensor'
]


def as_dtype(dtype, what):
  """`dtype` as a `numpy.dtype`, or a TypeError naming `what`."""
  try:
    return np.dtype(dtype)
  except TypeError:
    pass
  name = getattr(dtype, 'name', None)  # e.g. a TensorFlow DType.
  try:
    if isinstance(name, str):
      return np.dtype(name)
  except TypeError:
    pass
  # A TypeError, as TensorFlow (and so legacy Keras) raised.
  raise TypeError(f'{what}: unknown dtype {dtype!r}.')


def as_value(x):
  """`x` as an array, with TensorFlow's dtypes for Python values.

  TensorFlow converts Python floats to float32 and ints to int32 (numpy:
  float64, int64); values computed here follow TensorFlow's choice so that
  both backends agree on result dtypes.
  """
  if isinstance(x, np.ndarray) or scipy.sparse.issparse(x):
    return x
  array = np.asarray(x)
  if isinstance(x, (float, int, list, tuple)) and not isinstance(x, bool):
    if array.dtype == np.float64:
      return array.astype(np.float32)
    if array.dtype == np.int64:
      return array.astype(np.int32)
  return array


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
  """Instantiates a placeholder: a symbolic input to feed at call time.

  Args:
    shape: a tuple of ints and None (any size), or None for any shape.
    ndim: the rank, if `shape` is not given: all dimensions None.
    dtype: the dtype; `floatx()` by default.
    sparse: whether the placeholder is fed scipy.sparse matrices.
    name: its name (unique in the graph: 'x:0', then 'x_1:0').

  Returns:
    A `Symbol` with `fn=None`.

  >>> x = placeholder(shape=(None, 3), name='x')
  >>> int_shape(x), x._keras_shape, x.name
  ((None, 3), (None, 3), 'x:0')
  >>> ndim(placeholder(ndim=4))
  4
  """
  if dtype is None:
    dtype = config.floatx()
  np_dtype = as_dtype(dtype, 'placeholder')
  shape = api_contract.placeholder_shape(shape, ndim, 'placeholder')
  graph = get_graph()
  x = Symbol(None, name='Placeholder')
  x.name = graph.unique_name(
      graph._scopes[-1] + (name or 'Placeholder')) + ':0'  # pylint: disable=protected-access
  graph.placeholders[x.name] = x
  x.sparse = bool(sparse)
  x._placeholder_shape = shape  # pylint: disable=protected-access
  x._placeholder_dtype = np_dtype  # pylint: disable=protected-access
  x._keras_shape = shape  # pylint: disable=protected-access
  x._uses_learning_phase = False  # pylint: disable=protected-access
  x._is_backend_placeholder = True  # pylint: disable=protected-access
  return x


def is_placeholder(x):
  """Returns whether `x` is a placeholder.

  >>> is_placeholder(placeholder(shape=(2,))), is_placeholder(variable(1.0))
  (True, False)
  """
  return bool(getattr(x, '_is_backend_placeholder', False))


def is_tensor(x):
  """Returns whether `x` is a backend tensor: a symbol or a variable.

  numpy arrays are values, not tensors, as in the TensorFlow backend (where
  `is_tensor(np.ones(2))` is False); so are the results of eager ops here.

  >>> is_tensor(variable(1.0)), is_tensor(placeholder(shape=())), is_tensor(np.ones(2))
  (True, True, False)
  """
  if isinstance(x, Symbol):
    return not x._is_op  # pylint: disable=protected-access
  return isinstance(x, VariableBase) or bool(
      getattr(x, '_is_backend_tensor', False))


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
  return isinstance(x, VariableBase)


def is_sparse(tensor):
  """Returns whether `tensor` is sparse: a sparse placeholder or matrix.

  >>> is_sparse(placeholder(shape=(2, 3), sparse=True))
  True
  """
  if isinstance(tensor, Symbol):
    return bool(tensor.sparse)
  return scipy.sparse.issparse(tensor)


@lazy_op
def to_dense(tensor):
  """Converts a sparse matrix to a dense array; returns others unchanged.

  >>> import scipy.sparse
  >>> to_dense(scipy.sparse.csr_matrix([[0.0, 5.0]]))
  array([[0., 5.]])
  """
  if scipy.sparse.issparse(tensor):
    return tensor.toarray()
  return tensor


@lazy_op
def shape(x):
  """Returns the (dynamic) shape of a tensor as an int32 array.

  >>> shape(np.zeros((2, 3)))
  array([2, 3], dtype=int32)
  """
  return np.asarray(x.shape if scipy.sparse.issparse(x) else np.shape(x),
                    dtype=np.int32)


def int_shape(x):
  """Returns the static shape of a tensor or array as a tuple of ints/None.

  Legacy Keras' `_keras_shape` attribute takes precedence where set. For a
  derived symbol the shape is inferred (see `static_signature`); dims that
  depend on a None dimension of a placeholder are None.

  Returns:
    A tuple, or None if the rank is unknown.

  >>> x = placeholder(shape=(None, 4))
  >>> int_shape(x), int_shape(x[:, 1:] * 2.0)
  ((None, 4), (None, 3))
  >>> int_shape(np.zeros((2, 3)))
  (2, 3)
  """
  if hasattr(x, '_keras_shape'):
    return api_contract.plain_shape(x._keras_shape)  # pylint: disable=protected-access
  if isinstance(x, Symbol):
    return evaluation.static_signature(x)[0]
  if isinstance(x, VariableBase):
    return x._value.shape  # pylint: disable=protected-access
  if scipy.sparse.issparse(x):
    return tuple(x.shape)
  return tuple(np.shape(x))


def ndim(x):
  """Returns the rank of a tensor or array, or None if unknown.

  >>> ndim(placeholder(shape=(2, 4, 5)))
  3
  """
  if isinstance(x, Symbol):
    static = int_shape(x)
    return None if static is None else len(static)
  if isinstance(x, VariableBase):
    return x._value.ndim  # pylint: disable=protected-access
  if scipy.sparse.issparse(x):
    return len(x.shape)
  return np.ndim(x)


@lazy_op
def size(x, name=None):
  """Returns the number of elements of a tensor, as an int32 scalar.

  >>> int(size(np.zeros((2, 3))))
  6
  """
  del name
  count = np.prod(x.shape) if scipy.sparse.issparse(x) else np.size(x)
  return np.asarray(count, dtype=np.int32)


def dtype(x):
  """Returns the dtype of a tensor or array, as a string.

  For a derived symbol whose dtype cannot be inferred, None.

  >>> dtype(variable(1.0))
  'float32'
  >>> dtype(placeholder(shape=(2,), dtype='int64'))
  'int64'
  """
  if isinstance(x, Symbol):
    np_dtype = evaluation.static_signature(x)[1]
    return None if np_dtype is None else np_dtype.name
  if isinstance(x, VariableBase):
    return x._value.dtype.name  # pylint: disable=protected-access
  if scipy.sparse.issparse(x):
    return x.dtype.name
  return np.asarray(x).dtype.name


@lazy_op
def _cast(x, dtype):
  if scipy.sparse.issparse(x):
    return x.astype(dtype)
  return np.asarray(x).astype(dtype)


_cast.__name__ = 'cast'


def cast(x, dtype):
  """Casts a tensor to `dtype` (floats to ints truncate toward zero).

  Raises:
    TypeError: for an unknown dtype.

  >>> cast(np.array([1.7, -2.2]), 'int32')
  array([ 1, -2], dtype=int32)
  """
  return _cast(x, as_dtype(dtype, 'cast'))


def cast_to_floatx(x):
  """Casts to the default float type: numpy in, numpy out; tensors to tensors.

  >>> cast_to_floatx([1, 2]).dtype
  dtype('float32')
  """
  if is_tensor(x):
    return cast(x, config.floatx())
  return config.cast_to_floatx(x)


def _print_value(x, message):
  value = x if scipy.sparse.issparse(x) else np.asarray(x)
  if side_effects_enabled():
    print(message, value)
  return value


_print_value.__name__ = 'print_tensor'
_print = lazy_op(_print_value)


def print_tensor(x, message=''):
  """Prints `message` and the value of `x` when it is evaluated.

  Concrete `x` is printed at once. Symbolic `x` returns a symbol equal to
  `x` that prints each time it is computed, so use the returned value.
  (Static shape inference evaluates it silently.)

  >>> _ = print_tensor(np.array([1, 2]), message='x = ')
  x =  [1 2]
  >>> x = placeholder(shape=(2,))
  >>> f = function([x], [print_tensor(x, 'x:')])
  >>> _ = f([np.array([3.0, 4.0])])
  x: [3. 4.]
  """
  return _print(x, message)
