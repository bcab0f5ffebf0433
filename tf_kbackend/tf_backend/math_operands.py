"""Operand conversion for the math ops (not public API).

One rule for every op: tensors and variables keep their dtype; numpy values
keep theirs; Python numbers and lists become tensors of `floatx()` (floats)
or int32; in a two-operand op an untyped operand takes the dtype of the
typed one.
"""

import numpy as np
import tensorflow as tf

from tf_kbackend import config
from tf_kbackend.tf_backend import tensor_utils


def is_numpy(x):
  return isinstance(x, (np.ndarray, np.generic))


def tensor(x):
  """`x` as a tensor: tensors/variables as they are, numpy keeps its dtype."""
  if tensor_utils.is_tensor_like(x):
    return x
  if is_numpy(x):
    return tensor_utils.numpy_to_tensor(np.asarray(x))
  return tensor_utils.convert(x)


def float_tensor(x, op_name, bool_as_float=False):
  """`x` as a floating tensor, for ops TensorFlow defines on floats only.

  Python numbers and lists become `floatx()`; typed integer values (tensors,
  variables, numpy arrays) are refused, as TensorFlow did for legacy Keras,
  but with the same error in eager and symbolic use.
  """
  if not (tensor_utils.is_tensor_like(x) or is_numpy(x)):
    x = tensor_utils.convert(x, config.floatx())
  x = tensor(x)
  if bool_as_float and x.dtype == tf.bool:
    x = tf.cast(x, config.floatx())
  if not x.dtype.is_floating:
    raise TypeError(
        f'{op_name} needs a floating-point tensor. Received: a tensor of '
        f'dtype {x.dtype.name}.')
  return x


def check_representable(value, dtype, op_name):
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


def binary_operands(x, y, op_name):
  """Both operands as tensors of one dtype.

  A tensor (or variable) operand fixes the dtype; failing that a numpy
  operand does; two numpy operands are promoted as numpy would; two Python
  values follow `floatx()`. Two tensors of different dtypes are left for
  TensorFlow to refuse, as in legacy Keras.
  """
  x_tensor = tensor_utils.is_tensor_like(x)
  y_tensor = tensor_utils.is_tensor_like(y)
  if not (x_tensor or y_tensor):
    if is_numpy(x) and is_numpy(y):
      dtype = np.result_type(x, y)
      return (tensor_utils.numpy_to_tensor(np.asarray(x, dtype)),
              tensor_utils.numpy_to_tensor(np.asarray(y, dtype)))
    if is_numpy(x):
      x, x_tensor = tensor_utils.numpy_to_tensor(np.asarray(x)), True
    elif is_numpy(y):
      y, y_tensor = tensor_utils.numpy_to_tensor(np.asarray(y)), True
    else:
      return tensor_utils.convert_pair(x, y)
  if x_tensor:
    check_representable(y, x.dtype, op_name)
    return x, tensor_utils.convert(y, x.dtype)
  check_representable(x, y.dtype, op_name)
  return tensor_utils.convert(x, y.dtype), y
