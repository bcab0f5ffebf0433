"""Argument checks, layouts and operand conversion for conv_ops (private).

Every check raises ValueError (TypeError for a wrong type) with the
evidence; `op` is the public op's name, for the message.
"""


import numpy as np
import tensorflow as tf

from tf_kbackend import api_contract
from tf_kbackend import config
from tf_kbackend.tf_backend import tensor_utils



# Argument checks.


def check_window_fits(op, x, window, dilation, padding, name):
  """With 'valid' padding, a (dilated) window must fit in channels-last `x`."""
  if padding != 'valid':
    return
  for i, (k, d) in enumerate(zip(window, dilation)):
    size = x.shape[i + 1]
    if size is not None and k is not None and (k - 1) * d + 1 > size:
      raise ValueError(
          f"{op}: with 'valid' padding the {name} (size {k}, dilation {d}) "
          f'must fit in the input, of size {size} along spatial axis {i}. '
          f'Received: x.shape={x.shape} (channels last), {name} sizes '
          f'{tuple(window)}')


# Shape and layout helpers.


def dims(x):
  """The shape of `x` as a list: static ints where known, else scalars."""
  static = x.shape.as_list()
  if None not in static:
    return static
  dynamic = tf.shape(x)
  return [s if s is not None else dynamic[i] for i, s in enumerate(static)]


def to_channels_last(x, data_format, rank):
  if data_format == 'channels_first':
    return tf.transpose(x, [0] + list(range(2, rank + 2)) + [1])
  return x


def from_channels_last(x, data_format, rank):
  if data_format == 'channels_first':
    return tf.transpose(x, [0, rank + 1] + list(range(1, rank + 1)))
  return x


def same_padding(size, kernel, stride):
  """(before, after) padding of TensorFlow's 'same' along one axis."""
  out = -(-size // stride)
  total = (out - 1) * stride + kernel - size
  total = max(total, 0) if isinstance(total, int) else tf.maximum(total, 0)
  return [total // 2, total - total // 2]


def conv_output_size(size, kernel, stride, dilation, padding):
  """Output length of a forward convolution along one axis."""
  extent = (kernel - 1) * dilation + 1
  if padding == 'same':
    return -(-size // stride)
  return max(-(-(size - extent + 1) // stride), 0)


def operands(*values):
  """The operands as tensors of one dtype.

  A tensor (or variable) operand fixes the dtype; failing that, numpy
  operands are promoted as numpy would; Python values alone follow
  `floatx()`. Two tensors of different dtypes are left for TensorFlow to
  refuse, as in legacy Keras.
  """
  tensors = [v for v in values if tensor_utils.is_tensor_like(v)]
  if tensors:
    dtype = tensors[0].dtype
  else:
    typed = [v for v in values if isinstance(v, (np.ndarray, np.generic))]
    dtype = np.result_type(*typed) if typed else config.floatx()
  return [v if tensor_utils.is_tensor_like(v) else
          tensor_utils.convert(v, dtype) for v in values]


def prepare(x, kernel, rank, data_format, op):
  """Converts and checks `x` and `kernel`; returns both, `x` channels-last."""
  x, kernel = operands(x, kernel)
  api_contract.check_rank(x, rank + 2, 'x', op)
  api_contract.check_rank(kernel, rank + 2, 'kernel', op)
  return to_channels_last(x, data_format, rank), kernel
