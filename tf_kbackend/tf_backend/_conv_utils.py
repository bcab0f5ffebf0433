"""Argument checks, layouts and operand conversion for conv_ops (private).

Every check raises ValueError (TypeError for a wrong type) with the
evidence; `op` is the public op's name, for the message.
"""

import operator

import numpy as np
import tensorflow as tf

from tf_kbackend import config
from tf_kbackend.tf_backend import tensor_utils

PADDINGS = ('valid', 'same')
POOL_MODES = ('max', 'avg')


# Argument checks.


def int_tuple(value, rank, name, op):
  """`value`, an int or a sequence of `rank` positive ints, as a tuple."""
  try:
    if isinstance(value, (list, tuple, np.ndarray)):
      result = tuple(operator.index(v) for v in value)
    else:
      result = (operator.index(value),) * rank
  except TypeError:
    raise TypeError(
        f'{op}: `{name}` must be an int or a tuple of {rank} ints. '
        f'Received: {name}={value!r}') from None
  if len(result) != rank or any(v < 1 for v in result):
    raise ValueError(
        f'{op}: `{name}` must be a positive int or a tuple of {rank} '
        f'positive ints. Received: {name}={value!r}')
  return result


def check_padding(padding, op, allowed=PADDINGS):
  if not isinstance(padding, str) or padding not in allowed:
    raise ValueError(
        f'Invalid padding for {op}: expected one of '
        f'{", ".join(map(repr, allowed))}. Received: padding={padding!r}')


def check_pool_mode(pool_mode, op):
  if not isinstance(pool_mode, str) or pool_mode not in POOL_MODES:
    raise ValueError(
        f"Invalid pool_mode for {op}: expected 'max' or 'avg'. "
        f'Received: pool_mode={pool_mode!r}')


def check_rank(tensor, rank, name, op):
  actual = tensor.shape.rank
  if actual is not None and actual != rank:
    raise ValueError(
        f'{op} expects `{name}` of rank {rank}. '
        f'Received: {name}.shape={tuple(tensor.shape.as_list())}')


def check_dim(op, what, actual, expected_what, expected, evidence):
  """Raises unless two static sizes (None: unknown) agree."""
  if actual is not None and expected is not None and actual != expected:
    raise ValueError(
        f'{op}: {what} ({actual}) does not match {expected_what} '
        f'({expected}). '
        f'Received: {evidence}')


def check_dilation(strides, dilation, op):
  # TF (and so legacy Keras) refuses this combination in tf.nn.convolution,
  # depthwise and separable convolutions; refuse it everywhere, clearly.
  if any(s > 1 for s in strides) and any(d > 1 for d in dilation):
    raise ValueError(
        f'{op}: `strides` > 1 is not supported together with '
        f'`dilation_rate` > 1. Received: strides={strides}, '
        f'dilation_rate={dilation}')


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
  check_rank(x, rank + 2, 'x', op)
  check_rank(kernel, rank + 2, 'kernel', op)
  return to_channels_last(x, data_format, rank), kernel
