"""Small helpers shared by the TensorFlow ops (not public API)."""

import numpy as np
import tensorflow as tf

from tf_kbackend import _tf_private
from tf_kbackend import config


def is_tensor_like(x):
  """True for TensorFlow tensors and variables (dense or sparse)."""
  return isinstance(x, (tf.Tensor, tf.Variable, tf.SparseTensor))


def numpy_to_tensor(array):
  """A numpy array or scalar as a tensor of its own dtype.

  Eagerly, numeric arrays are built straight into an eager tensor, ~3x
  cheaper than `tf.convert_to_tensor`'s conversion registry (which ops on
  numpy values would otherwise pay on every call); in a graph they become
  constants as usual.
  """
  if array.dtype.kind in 'biufc' and tf.executing_eagerly():
    return _tf_private.eager_tensor(array)
  return tf.convert_to_tensor(array)


def convert(x, dtype_hint=None):
  """`x` as a tensor; numpy/Python floats become `dtype_hint` or floatx.

  Legacy code mixes numpy arrays (float64 by default) and Python numbers
  with float32 tensors; TF2 refuses mixed dtypes, so untyped operands
  follow the tensor operand (or `floatx()`).
  """
  if is_tensor_like(x):
    return x
  if isinstance(x, tf.IndexedSlices) or _holds_tensors(x):
    # As TF1 did: a gather's gradient densifies (Keras's clipnorm squares
    # it), a list of tensors packs (`K.prod([K.shape(x)[i] for i in ...])`
    # in Keras 2.2.4's BatchNormalization).
    return tf.convert_to_tensor(x)
  array = np.asarray(x)
  if dtype_hint is None and array.dtype.kind == 'f':
    dtype_hint = config.floatx()
  if dtype_hint is not None and array.dtype.kind in 'biuf':
    target = np.dtype(tf.as_dtype(dtype_hint).as_numpy_dtype)
    if (target.kind in 'iu' and array.dtype.kind == 'f' and
        not np.all(np.mod(array, 1) == 0)):
      raise TypeError(
          f'Cannot use the fractional value(s) {x!r} with a {target.name} '
          f'tensor: TensorFlow would truncate them. Cast the tensor to a '
          f'float dtype first.')
    return numpy_to_tensor(array.astype(target, copy=False))
  return numpy_to_tensor(array)


def _holds_tensors(x):
  return isinstance(x, (list, tuple)) and any(
      is_tensor_like(item) or _holds_tensors(item) for item in x)


def convert_pair(x, y):
  """Both operands as tensors of one dtype when one of them is untyped."""
  if is_tensor_like(x):
    return x, convert(y, x.dtype)
  if is_tensor_like(y):
    return convert(x, y.dtype), y
  return convert(x), convert(y)


def static_shape(x):
  """The static shape of a tensor as a tuple with None, or None if unknown."""
  shape = x.shape
  if shape.rank is None:
    return None
  return tuple(shape.as_list())


def append_unit_axes(x, count):
  """Appends `count` axes of size 1 to `x`, keeping its static shape."""
  return x[(Ellipsis,) + (tf.newaxis,) * count] if count > 0 else x


def normalize_axis(axis, ndim):
  """Turns a possibly negative axis (or list of axes) into non-negative ones."""
  if axis is None or ndim is None:
    return axis
  if isinstance(axis, (list, tuple)):
    return [a % ndim if a < 0 else a for a in axis]
  return axis % ndim if axis < 0 else axis
