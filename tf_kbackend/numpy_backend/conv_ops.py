"""Numpy reference: convolutions, pooling and bias (numpy only, never TF).

Written independently of the TensorFlow implementation, as explicit loops
over kernel taps: each tap's strided view of the padded, channels-last input
is contracted with that tap's kernel slice (`np.einsum`); transposed
convolutions scatter-add each tap's contribution into the output. 'same'
padding is TensorFlow's: `total = max((ceil(n / s) - 1) * s + extent - n, 0)`
with `total // 2` before and the rest (one more, if odd) after.

Arithmetic runs in float64 and results are cast back to the input dtype.
"""

import operator

import numpy as np

from tf_kbackend import api_contract
from tf_kbackend import config
from tf_kbackend.numpy_backend.graph import lazy_op

__all__ = [
    'bias_add', 'conv1d', 'conv2d', 'conv2d_transpose', 'separable_conv1d',
    'separable_conv2d', 'depthwise_conv2d', 'conv3d', 'conv3d_transpose',
    'pool2d', 'pool3d', 'local_conv1d', 'local_conv2d',
]


# Argument checks (the same rules and messages as the TensorFlow backend).


def _check_window_fits(op, x, window, dilation, padding, name):
  """With 'valid' padding, a (dilated) window must fit in channels-last `x`."""
  if padding != 'valid':
    return
  for i, (k, d) in enumerate(zip(window, dilation)):
    size = x.shape[i + 1]
    if (k - 1) * d + 1 > size:
      raise ValueError(
          f"{op}: with 'valid' padding the {name} (size {k}, dilation {d}) "
          f'must fit in the input, of size {size} along spatial axis {i}. '
          f'Received: x.shape={x.shape} (channels last), {name} sizes '
          f'{tuple(window)}')


def _result_dtype(*values):
  """numpy operands promote as numpy does; Python values follow floatx."""
  typed = [v for v in values if isinstance(v, (np.ndarray, np.generic))]
  return np.result_type(*typed) if typed else np.dtype(config.floatx())


def _float_arrays(*values):
  """The result dtype, and the operands as float64 arrays to compute with."""
  return _result_dtype(*values), [np.asarray(v, np.float64) for v in values]


# Windows over padded inputs.


def _channels_last(x, data_format):
  return np.moveaxis(x, 1, -1) if data_format == 'channels_first' else x


def _channels_back(y, data_format):
  return np.moveaxis(y, -1, 1) if data_format == 'channels_first' else y


def _axis_padding(size, extent, stride, padding):
  """((before, after), output size) along one axis, TensorFlow's rules."""
  if padding == 'same':
    out = -(-size // stride)
    total = max((out - 1) * stride + extent - size, 0)
    return (total // 2, total - total // 2), out
  return (0, 0), max((size - extent) // stride + 1, 0)


def _tap_slice(tap, dilation, count, stride):
  """Positions tap * dilation + i * stride, i < count, as a slice."""
  start = tap * dilation
  return slice(start, start + (count - 1) * stride + 1 if count else start,
               stride)


def _taps(x, kernel_size, strides, dilation, padding, pad_value=0.0):
  """Yields (tap, view) for every kernel tap over channels-last `x`.

  `view[:, o1, ..., c]` is the (padded) input element the tap sees at
  output position (o1, ...), so the views' spatial shape is the output's.
  """
  pads, outs = [], []
  for size, k, s, d in zip(x.shape[1:-1], kernel_size, strides, dilation):
    pad, out = _axis_padding(size, (k - 1) * d + 1, s, padding)
    pads.append(pad)
    outs.append(out)
  padded = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=pad_value)
  for tap in np.ndindex(*kernel_size):
    index = tuple(_tap_slice(t, d, o, s)
                  for t, d, o, s in zip(tap, dilation, outs, strides))
    yield tap, padded[(slice(None),) + index + (slice(None),)]


def _conv_channels_last(x, kernel, strides, dilation, padding):
  result = None
  for tap, view in _taps(x, kernel.shape[:-2], strides, dilation, padding):
    term = np.einsum('...c,cf->...f', view, kernel[tap])
    result = term if result is None else result + term
  return result


def _depthwise_channels_last(x, kernel, strides, dilation, padding):
  result = None
  for tap, view in _taps(x, kernel.shape[:-2], strides, dilation, padding):
    term = np.einsum('...c,cm->...cm', view, kernel[tap])
    result = term if result is None else result + term
  return result.reshape(result.shape[:-2] + (-1,))


# Convolutions.


def _conv(x, kernel, strides, padding, data_format, dilation_rate, rank, op):
  data_format = config.normalize_data_format(data_format)
  allowed = ('valid', 'same', 'causal') if rank == 1 else ('valid', 'same')
  api_contract.check_padding(padding, op, allowed)
  strides = api_contract.int_tuple(strides, rank, 'strides', op)
  dilation = api_contract.int_tuple(dilation_rate, rank, 'dilation_rate', op)
  api_contract.check_dilation(strides, dilation, op)
  if padding == 'causal' and data_format != 'channels_last':
    raise ValueError(
        f"{op}: causal padding needs data_format='channels_last' (temporal "
        f'data). Received: data_format={data_format!r}')
  dtype, (x, kernel) = _float_arrays(x, kernel)
  api_contract.check_rank(x, rank + 2, 'x', op)
  api_contract.check_rank(kernel, rank + 2, 'kernel', op)
  x = _channels_last(x, data_format)
  api_contract.check_sizes_match(op, 'the input channels', x.shape[-1],
               'the kernel input channels (its axis -2)', kernel.shape[-2],
               f'x.shape={x.shape} (channels last), kernel.shape='
               f'{kernel.shape}')
  if padding == 'causal':
    x = np.pad(x, [(0, 0), (dilation[0] * (kernel.shape[0] - 1), 0), (0, 0)])
    padding = 'valid'
  _check_window_fits(op, x, kernel.shape[:-2], dilation, padding, 'kernel')
  y = _conv_channels_last(x, kernel, strides, dilation, padding)
  return _channels_back(y, data_format).astype(dtype)


@lazy_op
def conv1d(x, kernel, strides=1, padding='valid', data_format=None,
           dilation_rate=1):
  """1D convolution; see the TensorFlow backend's `conv1d`.

  >>> x = np.arange(5, dtype='float32').reshape((1, 5, 1))
  >>> conv1d(x, np.ones((2, 1, 1), 'float32'), padding='causal')[0, :, 0]
  array([0., 1., 3., 5., 7.], dtype=float32)
  """
  return _conv(x, kernel, strides, padding, data_format, dilation_rate, 1,
               'conv1d')


@lazy_op
def conv2d(x, kernel, strides=(1, 1), padding='valid', data_format=None,
           dilation_rate=(1, 1)):
  """2D convolution; see the TensorFlow backend's `conv2d`.

  >>> x = np.ones((1, 3, 3, 1), 'float32')
  >>> conv2d(x, np.ones((2, 2, 1, 1), 'float32'), padding='same')[0, :, :, 0]
  array([[4., 4., 2.],
         [4., 4., 2.],
         [2., 2., 1.]], dtype=float32)
  """
  return _conv(x, kernel, strides, padding, data_format, dilation_rate, 2,
               'conv2d')


@lazy_op
def conv3d(x, kernel, strides=(1, 1, 1), padding='valid', data_format=None,
           dilation_rate=(1, 1, 1)):
  """3D convolution; see the TensorFlow backend's `conv3d`.

  >>> x = np.ones((1, 1, 3, 3, 3), 'float32')
  >>> conv3d(x, np.ones((2, 2, 2, 1, 1), 'float32'),
  ...        data_format='channels_first').shape
  (1, 1, 2, 2, 2)
  """
  return _conv(x, kernel, strides, padding, data_format, dilation_rate, 3,
               'conv3d')


def _separable(x, depthwise_kernel, pointwise_kernel, strides, padding,
               data_format, dilation_rate, rank, op):
  data_format = config.normalize_data_format(data_format)
  api_contract.check_padding(padding, op)
  strides = api_contract.int_tuple(strides, rank, 'strides', op)
  dilation = api_contract.int_tuple(dilation_rate, rank, 'dilation_rate', op)
  api_contract.check_dilation(strides, dilation, op)
  others = [depthwise_kernel] + (
      [pointwise_kernel] if pointwise_kernel is not None else [])
  dtype, arrays = _float_arrays(x, *others)
  x, depthwise_kernel = arrays[0], arrays[1]
  api_contract.check_rank(x, rank + 2, 'x', op)
  api_contract.check_rank(depthwise_kernel, rank + 2, 'kernel', op)
  x = _channels_last(x, data_format)
  api_contract.check_sizes_match(op, 'the input channels', x.shape[-1],
               'the depthwise kernel input channels (its axis -2)',
               depthwise_kernel.shape[-2],
               f'x.shape={x.shape} (channels last), depthwise_kernel.shape='
               f'{depthwise_kernel.shape}')
  _check_window_fits(op, x, depthwise_kernel.shape[:-2], dilation, padding,
                     'kernel')
  y = _depthwise_channels_last(x, depthwise_kernel, strides, dilation,
                               padding)
  if pointwise_kernel is not None:
    pointwise_kernel = arrays[2]
    api_contract.check_rank(pointwise_kernel, rank + 2, 'pointwise_kernel', op)
    api_contract.check_sizes_match(op, 'pointwise_kernel.shape[:-1]',
                 pointwise_kernel.shape[:-1], 'the expected shape',
                 (1,) * rank + y.shape[-1:],
                 f'pointwise_kernel.shape={pointwise_kernel.shape}, '
                 f'depthwise_kernel.shape={depthwise_kernel.shape}')
    y = np.einsum('...c,cf->...f', y, pointwise_kernel.reshape(
        pointwise_kernel.shape[-2:]))
  return _channels_back(y, data_format).astype(dtype)


@lazy_op
def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding='valid',
                     data_format=None, dilation_rate=(1, 1)):
  """2D depthwise convolution; see the TensorFlow backend's.

  >>> x = np.array([[[[1., 10.]] * 2] * 2], 'float32')
  >>> depthwise_conv2d(x, np.ones((2, 2, 2, 1), 'float32'))
  array([[[[ 4., 40.]]]], dtype=float32)
  """
  return _separable(x, depthwise_kernel, None, strides, padding, data_format,
                    dilation_rate, 2, 'depthwise_conv2d')


@lazy_op
def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1,
                     padding='valid', data_format=None, dilation_rate=1):
  """1D separable convolution; see the TensorFlow backend's.

  >>> x = np.ones((1, 3, 2), 'float32')
  >>> separable_conv1d(x, np.ones((2, 2, 1), 'float32'),
  ...                  np.ones((1, 2, 1), 'float32'))[0, :, 0]
  array([4., 4.], dtype=float32)
  """
  return _separable(x, depthwise_kernel, pointwise_kernel, strides, padding,
                    data_format, dilation_rate, 1, 'separable_conv1d')


@lazy_op
def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1),
                     padding='valid', data_format=None, dilation_rate=(1, 1)):
  """2D separable convolution; see the TensorFlow backend's.

  >>> x = np.ones((1, 2, 2, 1), 'float32')
  >>> separable_conv2d(x, np.ones((2, 2, 1, 2), 'float32'),
  ...                  np.ones((1, 1, 2, 1), 'float32'))
  array([[[[8.]]]], dtype=float32)
  """
  return _separable(x, depthwise_kernel, pointwise_kernel, strides, padding,
                    data_format, dilation_rate, 2, 'separable_conv2d')


# Transposed convolutions: scatter-add.


def _conv_transpose(x, kernel, output_shape, strides, padding, data_format,
                    dilation_rate, rank, op):
  data_format = config.normalize_data_format(data_format)
  api_contract.check_padding(padding, op)
  strides = api_contract.int_tuple(strides, rank, 'strides', op)
  dilation = api_contract.int_tuple(dilation_rate, rank, 'dilation_rate', op)
  api_contract.check_dilation(strides, dilation, op)
  dtype, (x, kernel) = _float_arrays(x, kernel)
  api_contract.check_rank(x, rank + 2, 'x', op)
  api_contract.check_rank(kernel, rank + 2, 'kernel', op)
  x = _channels_last(x, data_format)
  evidence = (f'x.shape={x.shape} (channels last), kernel.shape='
              f'{kernel.shape}, output_shape={output_shape!r}')
  shape = [None if d is None else operator.index(d)
           for d in np.asarray(output_shape, dtype=object).tolist()]
  if len(shape) != rank + 2:
    raise ValueError(
        f'{op}: `output_shape` must have {rank + 2} elements (batch, '
        f'channels and {rank} spatial sizes). '
        f'Received: output_shape={output_shape!r}')
  if data_format == 'channels_first':
    shape = shape[:1] + shape[2:] + shape[1:2]
  if None in shape[1:]:
    raise ValueError(
        f'{op}: only the batch size of `output_shape` may be None. '
        f'Received: output_shape={output_shape!r}')
  batch = x.shape[0] if shape[0] is None else shape[0]
  api_contract.check_sizes_match(op, 'the input channels', x.shape[-1],
               'the kernel input channels (its last axis)', kernel.shape[-1],
               evidence)
  api_contract.check_sizes_match(op, 'the output_shape channels', shape[-1],
               'the kernel output channels (its axis -2)', kernel.shape[-2],
               evidence)
  api_contract.check_sizes_match(op, 'the output_shape batch size', batch,
               'the input batch size', x.shape[0], evidence)
  befores, sizes = [], []
  for i, (out, k, s, d) in enumerate(zip(shape[1:-1], kernel.shape, strides,
                                         dilation)):
    extent = (k - 1) * d + 1
    (before, _), forward = _axis_padding(out, extent, s, padding)
    api_contract.check_sizes_match(op, f'the input size along spatial axis {i}',
                 x.shape[i + 1],
                 f'the size a {padding!r} convolution of the output shape '
                 'gives', forward, evidence)
    befores.append(before)
    sizes.append(max(out + before, (x.shape[i + 1] - 1) * s + extent))
  result = np.zeros((batch,) + tuple(sizes) + (shape[-1],))
  for tap in np.ndindex(*kernel.shape[:-2]):
    index = tuple(_tap_slice(t, d, n, s) for t, d, n, s in
                  zip(tap, dilation, x.shape[1:-1], strides))
    result[(slice(None),) + index] += np.einsum('...i,oi->...o', x,
                                                kernel[tap])
  crop = tuple(slice(b, b + out) for b, out in zip(befores, shape[1:-1]))
  y = result[(slice(None),) + crop]
  return _channels_back(y, data_format).astype(dtype)


@lazy_op
def conv2d_transpose(x, kernel, output_shape, strides=(1, 1),
                     padding='valid', data_format=None, dilation_rate=(1, 1)):
  """2D transposed convolution; see the TensorFlow backend's.

  >>> x = np.ones((1, 2, 2, 1), 'float32')
  >>> conv2d_transpose(x, np.ones((2, 2, 1, 1), 'float32'),
  ...                  (None, 3, 3, 1))[0, :, :, 0]
  array([[1., 2., 1.],
         [2., 4., 2.],
         [1., 2., 1.]], dtype=float32)
  """
  return _conv_transpose(x, kernel, output_shape, strides, padding,
                         data_format, dilation_rate, 2, 'conv2d_transpose')


@lazy_op
def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1),
                     padding='valid', data_format=None):
  """3D transposed convolution; see the TensorFlow backend's.

  >>> x = np.ones((1, 1, 1, 1, 1), 'float32')
  >>> conv3d_transpose(x, np.ones((1, 1, 1, 1, 1), 'float32'),
  ...                  (1, 2, 2, 2, 1), strides=2)[0, :, :, :, 0]
  array([[[1., 0.],
          [0., 0.]],
  <BLANKLINE>
         [[0., 0.],
          [0., 0.]]], dtype=float32)
  """
  return _conv_transpose(x, kernel, output_shape, strides, padding,
                         data_format, 1, 3, 'conv3d_transpose')


# Pooling.


def _pool(x, pool_size, strides, padding, data_format, pool_mode, rank, op):
  data_format = config.normalize_data_format(data_format)
  api_contract.check_padding(padding, op)
  api_contract.check_pool_mode(pool_mode, op)
  pool_size = api_contract.int_tuple(pool_size, rank, 'pool_size', op)
  strides = api_contract.int_tuple(strides, rank, 'strides', op)
  dtype, (x,) = _float_arrays(x)
  api_contract.check_rank(x, rank + 2, 'x', op)
  x = _channels_last(x, data_format)
  ones = (1,) * rank
  _check_window_fits(op, x, pool_size, ones, padding, 'pool')
  if pool_mode == 'max':
    y = None
    for _, view in _taps(x, pool_size, strides, ones, padding, -np.inf):
      y = view if y is None else np.maximum(y, view)
  else:
    # Padding is left out of the mean: count the real elements per window.
    total = count = 0
    counted = np.ones((1,) + x.shape[1:-1] + (1,))
    for (_, view), (_, valid) in zip(
        _taps(x, pool_size, strides, ones, padding),
        _taps(counted, pool_size, strides, ones, padding)):
      total = total + view
      count = count + valid
    y = total / count
  return _channels_back(y, data_format).astype(dtype)


@lazy_op
def pool2d(x, pool_size, strides=(1, 1), padding='valid', data_format=None,
           pool_mode='max'):
  """2D pooling; see the TensorFlow backend's `pool2d`.

  >>> x = np.arange(9, dtype='float32').reshape((1, 3, 3, 1))
  >>> pool2d(x, (2, 2), strides=(2, 2), padding='same')[0, :, :, 0]
  array([[4., 5.],
         [7., 8.]], dtype=float32)
  """
  return _pool(x, pool_size, strides, padding, data_format, pool_mode, 2,
               'pool2d')


@lazy_op
def pool3d(x, pool_size, strides=(1, 1, 1), padding='valid', data_format=None,
           pool_mode='max'):
  """3D pooling; see the TensorFlow backend's `pool3d`.

  >>> x = np.arange(8, dtype='float32').reshape((1, 2, 2, 2, 1))
  >>> pool3d(x, (2, 2, 2), pool_mode='avg')
  array([[[[[3.5]]]]], dtype=float32)
  """
  return _pool(x, pool_size, strides, padding, data_format, pool_mode, 3,
               'pool3d')


# Locally connected convolutions: one kernel per output position.


def _local(inputs, kernel, kernel_size, strides, counts, data_format, op):
  """Unshared convolution over the output grid `counts`."""
  rank = len(counts)
  dtype, (x, kernel) = _float_arrays(inputs, kernel)
  api_contract.check_rank(x, rank + 2, 'inputs', op)
  api_contract.check_rank(kernel, 3, 'kernel', op)
  channels = x.shape[1] if data_format == 'channels_first' else x.shape[-1]
  spatial = x.shape[2:] if data_format == 'channels_first' else x.shape[1:-1]
  evidence = (f'inputs.shape={x.shape}, kernel.shape={kernel.shape}, '
              f'kernel_size={kernel_size}, strides={strides}')
  api_contract.check_sizes_match(op, 'the kernel axis 0 (output positions)', kernel.shape[0],
               'the number of output positions', int(np.prod(counts)),
               evidence)
  api_contract.check_sizes_match(op, 'the kernel axis 1', kernel.shape[1],
               'the window size times the input channels',
               int(np.prod(kernel_size)) * channels, evidence)
  for i, (count, k, s, size) in enumerate(zip(counts, kernel_size, strides,
                                              spatial)):
    if size < (count - 1) * s + k:
      raise ValueError(
          f'{op}: {count} windows of size {k} with stride {s} need an input '
          f'of at least {(count - 1) * s + k} along spatial axis {i}, not '
          f'{size}. Received: {evidence}')
  y = np.zeros((x.shape[0],) + tuple(counts) + (kernel.shape[2],))
  for position, start in enumerate(np.ndindex(*counts)):
    window = tuple(slice(p * s, p * s + k)
                   for p, s, k in zip(start, strides, kernel_size))
    if data_format == 'channels_first':
      patch = x[(slice(None), slice(None)) + window]  # (batch, C, *k)
    else:
      patch = x[(slice(None),) + window]  # (batch, *k, C)
    y[(slice(None),) + start] = (
        patch.reshape(x.shape[0], -1) @ kernel[position])
  return _channels_back(y, data_format).astype(dtype)


@lazy_op
def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
  """1D unshared convolution; see the TensorFlow backend's `local_conv1d`.

  >>> x = np.arange(4, dtype='float32').reshape((1, 4, 1))
  >>> k = np.array([[[1.], [1.]], [[1.], [-1.]]], 'float32')
  >>> local_conv1d(x, k, (2,), (2,))[0, :, 0]
  array([ 1., -1.], dtype=float32)
  """
  op = 'local_conv1d'
  data_format = config.normalize_data_format(data_format)
  kernel_size = api_contract.int_tuple(kernel_size, 1, 'kernel_size', op)
  strides = api_contract.int_tuple(strides, 1, 'strides', op)
  counts = (np.shape(kernel)[0],)
  return _local(inputs, kernel, kernel_size, strides, counts, data_format, op)


@lazy_op
def local_conv2d(inputs, kernel, kernel_size, strides, output_shape,
                 data_format=None):
  """2D unshared convolution; see the TensorFlow backend's `local_conv2d`.

  >>> x = np.ones((1, 2, 2, 1), 'float32')
  >>> k = np.arange(4, dtype='float32').reshape((4, 1, 1))
  >>> local_conv2d(x, k, (1, 1), (1, 1), (2, 2))[0, :, :, 0]
  array([[0., 1.],
         [2., 3.]], dtype=float32)
  """
  op = 'local_conv2d'
  data_format = config.normalize_data_format(data_format)
  kernel_size = api_contract.int_tuple(kernel_size, 2, 'kernel_size', op)
  strides = api_contract.int_tuple(strides, 2, 'strides', op)
  counts = api_contract.int_tuple(output_shape, 2, 'output_shape', op)
  return _local(inputs, kernel, kernel_size, strides, counts, data_format, op)


# Bias.


@lazy_op
def bias_add(x, bias, data_format=None):
  """Adds a bias along the channel axis; see the TensorFlow backend's.

  >>> x = np.zeros((1, 2, 3), 'float32')
  >>> bias_add(x, np.array([1., 2.], 'float32'), data_format='channels_first')
  array([[[1., 1., 1.],
          [2., 2., 2.]]], dtype=float32)
  """
  data_format = config.normalize_data_format(data_format)
  dtype = _result_dtype(x, bias)
  x, bias = np.asarray(x), np.asarray(bias)
  evidence = f'bias.shape={bias.shape}, x.shape={x.shape}'
  if x.ndim < 2:
    raise ValueError(
        f'bias_add needs an input of known rank >= 2 and a bias of known '
        f'rank. Received: {evidence}')
  if bias.ndim not in (1, x.ndim - 1) or (bias.ndim > 1 and x.ndim > 5):
    expected = '1' if x.ndim > 5 else f'1 or {x.ndim - 1}'
    raise ValueError(
        f'Unexpected bias dimensions {bias.ndim}: expected {expected} '
        f'dimensions for an input of {x.ndim} dimensions. Received: '
        f'{evidence}')
  channels_first = data_format == 'channels_first' and 3 <= x.ndim <= 5
  if bias.ndim == 1 and channels_first:
    shape = bias.shape + (1,) * (x.ndim - 2)
  elif channels_first:
    # Legacy Keras reshaped (did not transpose) a (*spatial, C) bias.
    shape = bias.shape[-1:] + bias.shape[:-1]
  else:
    shape = bias.shape
  shape = (1,) * (x.ndim - len(shape)) + shape
  for axis, (size, want) in enumerate(zip(x.shape, shape)):
    if want not in (1, size):
      raise ValueError(
          f'Unexpected bias dimensions: the bias, laid out as {list(shape)} '
          f'({data_format}), does not broadcast to the input along axis '
          f'{axis}. Received: {evidence}')
  return (x + bias.reshape(shape)).astype(dtype)
