"""Convolutions, pooling and bias: conv1d/2d/3d, transposed, separable, local.

Layouts are those of legacy Keras: a conv kernel is
`(*kernel_size, in_channels, out_channels)`, a transposed-conv kernel
`(*kernel_size, out_channels, in_channels)`, a depthwise kernel
`(*kernel_size, in_channels, depth_multiplier)`. The kernel layout does not
depend on `data_format`.

TensorFlow's CPU kernels only run channels-last, so 'channels_first' inputs
are transposed to channels-last, computed, and transposed back, as legacy
Keras did on machines without NCHW support. 'same' padding is TensorFlow's:
the odd padding element goes at the end.
"""

import operator

import numpy as np
import tensorflow as tf

from tf_kbackend import api_contract
from tf_kbackend import config
from tf_kbackend.tf_backend import _conv_utils as utils
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import tensor_utils

__all__ = [
    'bias_add', 'conv1d', 'conv2d', 'conv2d_transpose', 'separable_conv1d',
    'separable_conv2d', 'depthwise_conv2d', 'conv3d', 'conv3d_transpose',
    'pool2d', 'pool3d', 'local_conv1d', 'local_conv2d',
]

# Dtypes TensorFlow's 3D pooling kernels accept on CPU; others pool by planes.
_NATIVE_POOL3D_DTYPES = (tf.float32, tf.bfloat16)


# Convolutions.


def _conv(x, kernel, strides, padding, data_format, dilation_rate, rank, op):
  data_format = config.normalize_data_format(data_format)
  allowed = api_contract.PADDINGS + (('causal',) if rank == 1 else ())
  api_contract.check_padding(padding, op, allowed)
  strides = api_contract.int_tuple(strides, rank, 'strides', op)
  dilation = api_contract.int_tuple(dilation_rate, rank, 'dilation_rate', op)
  api_contract.check_dilation(strides, dilation, op)
  if padding == 'causal' and data_format != 'channels_last':
    raise ValueError(
        f"{op}: causal padding needs data_format='channels_last' (temporal "
        f'data). Received: data_format={data_format!r}')
  x, kernel = utils.prepare(x, kernel, rank, data_format, op)
  api_contract.check_sizes_match(op, 'the input channels', x.shape[-1],
                  'the kernel input channels (its axis -2)', kernel.shape[-2],
                  f'x.shape={x.shape} (channels last), kernel.shape='
                  f'{kernel.shape}')
  if padding == 'causal':
    # Left padding only: output t sees inputs up to t.
    left = dilation[0] * (utils.dims(kernel)[0] - 1)
    x = tf.pad(x, [[0, 0], [left, 0], [0, 0]])
    padding = 'valid'
  utils.check_window_fits(op, x, kernel.shape[:-2], dilation, padding,
                          'kernel')
  y = tf.nn.convolution(x, kernel, strides=strides, padding=padding.upper(),
                        dilations=dilation)
  return utils.from_channels_last(y, data_format, rank)


@graph_lib.graph_op
def conv1d(x, kernel, strides=1, padding='valid', data_format=None,
           dilation_rate=1):
  """1D convolution.

  Args:
    x: input, `(batch, steps, channels)` or, channels first,
      `(batch, channels, steps)`.
    kernel: `(kernel_size, in_channels, filters)`.
    strides: an int (or a tuple of one int).
    padding: 'valid', 'same' or 'causal' (left padding by
      `dilation_rate * (kernel_size - 1)`; channels_last only).
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.
    dilation_rate: an int (or a tuple of one int).

  Returns:
    The convolution, in `data_format`.

  Raises:
    ValueError: for an invalid `data_format` or `padding`, causal padding
      with channels_first, strides and dilation both > 1, or mismatched
      shapes.

  >>> x = np.arange(5, dtype='float32').reshape((1, 5, 1))
  >>> eval(conv1d(x, np.ones((2, 1, 1), 'float32'), padding='causal'))[0, :, 0]
  array([0., 1., 3., 5., 7.], dtype=float32)
  """
  return _conv(x, kernel, strides, padding, data_format, dilation_rate, 1,
               'conv1d')


@graph_lib.graph_op
def conv2d(x, kernel, strides=(1, 1), padding='valid', data_format=None,
           dilation_rate=(1, 1)):
  """2D convolution.

  Args:
    x: input, `(batch, rows, cols, channels)` or, channels first,
      `(batch, channels, rows, cols)`.
    kernel: `(kernel_rows, kernel_cols, in_channels, filters)`.
    strides: an int or a tuple of 2 ints.
    padding: 'valid' or 'same'.
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.
    dilation_rate: an int or a tuple of 2 ints.

  Returns:
    The convolution, in `data_format`.

  Raises:
    ValueError: for an invalid `data_format` or `padding`, strides and
      dilation both > 1, or mismatched shapes.

  >>> x = np.ones((1, 3, 3, 1), 'float32')
  >>> eval(conv2d(x, np.ones((2, 2, 1, 1), 'float32')))[0, :, :, 0]
  array([[4., 4.],
         [4., 4.]], dtype=float32)
  """
  return _conv(x, kernel, strides, padding, data_format, dilation_rate, 2,
               'conv2d')


@graph_lib.graph_op
def conv3d(x, kernel, strides=(1, 1, 1), padding='valid', data_format=None,
           dilation_rate=(1, 1, 1)):
  """3D convolution.

  Args:
    x: input, `(batch, dim1, dim2, dim3, channels)` or, channels first,
      `(batch, channels, dim1, dim2, dim3)`.
    kernel: `(k1, k2, k3, in_channels, filters)`.
    strides: an int or a tuple of 3 ints.
    padding: 'valid' or 'same'.
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.
    dilation_rate: an int or a tuple of 3 ints.

  Returns:
    The convolution, in `data_format`.

  Raises:
    ValueError: for an invalid `data_format` or `padding`, strides and
      dilation both > 1, or mismatched shapes.

  >>> x = np.ones((1, 1, 3, 3, 3), 'float32')
  >>> y = conv3d(x, np.ones((2, 2, 2, 1, 1), 'float32'), padding='same',
  ...            data_format='channels_first')
  >>> eval(y)[0, 0, :, :, 2]
  array([[4., 4., 2.],
         [4., 4., 2.],
         [2., 2., 1.]], dtype=float32)
  """
  return _conv(x, kernel, strides, padding, data_format, dilation_rate, 3,
               'conv3d')


# Depthwise and separable convolutions.


def _depthwise(x, kernel, strides, padding, dilation):
  """Depthwise convolution of channels-last 4D `x`."""
  if strides[0] == strides[1]:
    return tf.nn.depthwise_conv2d(
        x, kernel, strides=(1,) + strides + (1,), padding=padding.upper(),
        dilations=dilation)
  # TF's depthwise kernels need equal row and column strides: pad as 'same'
  # would, convolve at every position, keep every stride-th output. (With
  # strides > 1 the dilation is 1.)
  if padding == 'same':
    dims, kernel_dims = utils.dims(x), utils.dims(kernel)
    x = tf.pad(x, [[0, 0]] + [
        utils.same_padding(dims[i + 1], kernel_dims[i], strides[i])
        for i in range(2)] + [[0, 0]])
  y = tf.nn.depthwise_conv2d(x, kernel, strides=(1, 1, 1, 1),
                             padding='VALID')
  return y[:, ::strides[0], ::strides[1], :]


def _separable(x, depthwise_kernel, pointwise_kernel, strides, padding,
               data_format, dilation_rate, rank, op):
  """Depthwise (+ pointwise 1x1 if `pointwise_kernel` is not None) conv."""
  data_format = config.normalize_data_format(data_format)
  api_contract.check_padding(padding, op)
  strides = api_contract.int_tuple(strides, rank, 'strides', op)
  dilation = api_contract.int_tuple(dilation_rate, rank, 'dilation_rate', op)
  api_contract.check_dilation(strides, dilation, op)
  if pointwise_kernel is not None:
    x, depthwise_kernel, pointwise_kernel = utils.operands(
        x, depthwise_kernel, pointwise_kernel)
  x, depthwise_kernel = utils.prepare(x, depthwise_kernel, rank, data_format,
                                      op)
  evidence = f'x.shape={x.shape}, depthwise_kernel.shape=' \
             f'{depthwise_kernel.shape}, data_format={data_format!r}'
  api_contract.check_sizes_match(op, 'the input channels', x.shape[-1],
                  'the depthwise kernel input channels (its axis -2)',
                  depthwise_kernel.shape[-2], evidence)
  utils.check_window_fits(op, x, depthwise_kernel.shape[:-2], dilation,
                          padding, 'kernel')
  if pointwise_kernel is not None:
    api_contract.check_rank(pointwise_kernel, rank + 2, 'pointwise_kernel', op)
    expected = (1,) * rank + (depthwise_kernel.shape[-2] *
                              depthwise_kernel.shape[-1]
                              if None not in depthwise_kernel.shape[-2:]
                              else None,)
    for i, size in enumerate(expected):
      api_contract.check_sizes_match(op, f'pointwise_kernel.shape[{i}]',
                      pointwise_kernel.shape[i], 'the expected size', size,
                      f'pointwise_kernel.shape={pointwise_kernel.shape}, '
                      f'depthwise_kernel.shape={depthwise_kernel.shape}')
  if rank == 1:
    # As a 2D convolution over rows of height 1; equal strides keep TF's
    # depthwise kernel on its fast path (the row axis has one output).
    x = tf.expand_dims(x, 1)
    depthwise_kernel = tf.expand_dims(depthwise_kernel, 0)
    if pointwise_kernel is not None:
      pointwise_kernel = tf.expand_dims(pointwise_kernel, 0)
    strides = strides * 2
    dilation = (1,) + dilation
  y = _depthwise(x, depthwise_kernel, strides, padding, dilation)
  if pointwise_kernel is not None:
    y = tf.nn.conv2d(y, pointwise_kernel, strides=1, padding='VALID')
  if rank == 1:
    y = tf.squeeze(y, [1])
  return utils.from_channels_last(y, data_format, rank)


@graph_lib.graph_op
def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding='valid',
                     data_format=None, dilation_rate=(1, 1)):
  """2D depthwise convolution: each input channel has its own filters.

  Output channel `c * depth_multiplier + m` is input channel `c` convolved
  with `depthwise_kernel[:, :, c, m]`.

  Args:
    x: 4D input, in `data_format`.
    depthwise_kernel: `(kernel_rows, kernel_cols, in_channels,
      depth_multiplier)`.
    strides: an int or a tuple of 2 ints.
    padding: 'valid' or 'same'.
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.
    dilation_rate: an int or a tuple of 2 ints.

  Returns:
    The convolution, with `in_channels * depth_multiplier` channels.

  Raises:
    ValueError: for an invalid `data_format` or `padding`, strides and
      dilation both > 1, or mismatched shapes.

  >>> x = np.array([[[[1., 10.]] * 2] * 2], 'float32')
  >>> eval(depthwise_conv2d(x, np.ones((2, 2, 2, 1), 'float32')))
  array([[[[ 4., 40.]]]], dtype=float32)
  """
  return _separable(x, depthwise_kernel, None, strides, padding, data_format,
                    dilation_rate, 2, 'depthwise_conv2d')


@graph_lib.graph_op
def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1,
                     padding='valid', data_format=None, dilation_rate=1):
  """1D separable convolution: depthwise, then a pointwise (1x1) one.

  Args:
    x: 3D input, in `data_format`.
    depthwise_kernel: `(kernel_size, in_channels, depth_multiplier)`.
    pointwise_kernel: `(1, in_channels * depth_multiplier, filters)`.
    strides: an int (or a tuple of one int).
    padding: 'valid' or 'same'.
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.
    dilation_rate: an int (or a tuple of one int).

  Returns:
    The convolution, in `data_format`.

  Raises:
    ValueError: for an invalid `data_format` or `padding`, strides and
      dilation both > 1, or mismatched shapes.

  >>> x = np.ones((1, 3, 2), 'float32')
  >>> y = separable_conv1d(x, np.ones((2, 2, 1), 'float32'),
  ...                      np.ones((1, 2, 1), 'float32'))
  >>> eval(y)[0, :, 0]
  array([4., 4.], dtype=float32)
  """
  return _separable(x, depthwise_kernel, pointwise_kernel, strides, padding,
                    data_format, dilation_rate, 1, 'separable_conv1d')


@graph_lib.graph_op
def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1),
                     padding='valid', data_format=None, dilation_rate=(1, 1)):
  """2D separable convolution: depthwise, then a pointwise (1x1) one.

  Args:
    x: 4D input, in `data_format`.
    depthwise_kernel: `(kernel_rows, kernel_cols, in_channels,
      depth_multiplier)`.
    pointwise_kernel: `(1, 1, in_channels * depth_multiplier, filters)`.
    strides: an int or a tuple of 2 ints.
    padding: 'valid' or 'same'.
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.
    dilation_rate: an int or a tuple of 2 ints.

  Returns:
    The convolution, in `data_format`.

  Raises:
    ValueError: for an invalid `data_format` or `padding`, strides and
      dilation both > 1, or mismatched shapes.

  >>> x = np.ones((1, 2, 2, 1), 'float32')
  >>> y = separable_conv2d(x, np.ones((2, 2, 1, 2), 'float32'),
  ...                      np.ones((1, 1, 2, 1), 'float32'))
  >>> eval(y)
  array([[[[8.]]]], dtype=float32)
  """
  return _separable(x, depthwise_kernel, pointwise_kernel, strides, padding,
                    data_format, dilation_rate, 2, 'separable_conv2d')


# Transposed convolutions.


def _output_dims(output_shape, x, data_format, rank, op):
  """`output_shape` as channels-last dims: an int32 vector and static dims.

  A None batch size (legacy code builds output shapes from `int_shape`)
  becomes the dynamic batch size of `x`.
  """
  perm = ([0] + list(range(2, rank + 2)) + [1]
          if data_format == 'channels_first' else list(range(rank + 2)))
  if isinstance(output_shape, (tf.Tensor, tf.Variable)):
    vector = tf.cast(output_shape, tf.int32)
    api_contract.check_rank(vector, 1, 'output_shape', op)
    if vector.shape[0] is not None and vector.shape[0] != rank + 2:
      raise ValueError(
          f'{op}: `output_shape` must have {rank + 2} elements. '
          f'Received: output_shape={output_shape!r}')
    vector = tf.gather(vector, perm)
    static = tf.get_static_value(vector)
    return vector, ([int(d) for d in static] if static is not None
                    else [None] * (rank + 2))
  dims = list(output_shape)
  if len(dims) != rank + 2:
    raise ValueError(
        f'{op}: `output_shape` must have {rank + 2} elements (batch, '
        f'channels and {rank} spatial sizes). '
        f'Received: output_shape={output_shape!r}')
  dims = [dims[i] for i in perm]
  values, static = [], []
  for i, d in enumerate(dims):
    if d is None:
      if i != 0:
        raise ValueError(
            f'{op}: only the batch size of `output_shape` may be None. '
            f'Received: output_shape={output_shape!r}')
      values.append(tf.shape(x)[0])
      static.append(None)
    elif tensor_utils.is_tensor_like(d):
      values.append(tf.cast(d, tf.int32))
      value = tf.get_static_value(d)
      static.append(None if value is None else int(value))
    else:
      values.append(operator.index(d))
      static.append(values[-1])
  return tf.stack(values), static


def _dilate_kernel(kernel, dilation):
  """Spreads the taps of `kernel` apart: `rate - 1` zeros between taps."""
  for axis, rate in enumerate(dilation):
    if rate == 1:
      continue
    dims = utils.dims(kernel)
    spread = tf.stack([kernel] + [tf.zeros_like(kernel)] * (rate - 1),
                      axis=axis + 1)
    spread = tf.reshape(spread, dims[:axis] + [dims[axis] * rate] +
                        dims[axis + 1:])
    size = [-1] * len(dims)
    size[axis] = (dims[axis] - 1) * rate + 1
    kernel = tf.slice(spread, [0] * len(dims), size)
  return kernel


def _conv_transpose(x, kernel, output_shape, strides, padding, data_format,
                    dilation_rate, rank, op):
  data_format = config.normalize_data_format(data_format)
  api_contract.check_padding(padding, op)
  strides = api_contract.int_tuple(strides, rank, 'strides', op)
  dilation = api_contract.int_tuple(dilation_rate, rank, 'dilation_rate', op)
  api_contract.check_dilation(strides, dilation, op)
  x, kernel = utils.prepare(x, kernel, rank, data_format, op)
  evidence = (f'x.shape={x.shape} (channels last), kernel.shape='
              f'{kernel.shape}, output_shape={output_shape!r}')
  api_contract.check_sizes_match(op, 'the input channels', x.shape[-1],
                  'the kernel input channels (its last axis)',
                  kernel.shape[-1], evidence)
  vector, static = _output_dims(output_shape, x, data_format, rank, op)
  api_contract.check_sizes_match(op, 'the output_shape channels', static[-1],
                  'the kernel output channels (its axis -2)',
                  kernel.shape[-2], evidence)
  api_contract.check_sizes_match(op, 'the output_shape batch size', static[0],
                  'the input batch size', x.shape[0], evidence)
  for i in range(rank):
    if static[i + 1] is not None and kernel.shape[i] is not None:
      api_contract.check_sizes_match(
          op, f'the input size along spatial axis {i}', x.shape[i + 1],
          f'the size a {padding!r} convolution of the output shape gives',
          utils.conv_output_size(static[i + 1], kernel.shape[i], strides[i],
                                 dilation[i], padding), evidence)
  kernel = _dilate_kernel(kernel, dilation)
  y = tf.nn.conv_transpose(x, kernel, vector, strides=strides,
                           padding=padding.upper())
  y.set_shape([x.shape[0] if static[0] is None else static[0]] + static[1:])
  return utils.from_channels_last(y, data_format, rank)


@graph_lib.graph_op
def conv2d_transpose(x, kernel, output_shape, strides=(1, 1),
                     padding='valid', data_format=None, dilation_rate=(1, 1)):
  """2D transposed convolution (the gradient of `conv2d` w.r.t. its input).

  Args:
    x: 4D input, in `data_format`.
    kernel: `(kernel_rows, kernel_cols, out_channels, in_channels)`.
    output_shape: the output's shape in `data_format` (4 ints, a None batch
      size meaning the batch size of `x`), or a 1D int tensor.
    strides: an int or a tuple of 2 ints.
    padding: 'valid' or 'same'.
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.
    dilation_rate: an int or a tuple of 2 ints.

  Returns:
    The transposed convolution, of shape `output_shape`.

  Raises:
    ValueError: for an invalid `data_format` or `padding`, strides and
      dilation both > 1, or an `output_shape` that does not fit `x` and
      `kernel`.

  >>> x = np.ones((1, 2, 2, 1), 'float32')
  >>> y = conv2d_transpose(x, np.ones((2, 2, 1, 1), 'float32'),
  ...                      (None, 3, 3, 1))
  >>> eval(y)[0, :, :, 0]
  array([[1., 2., 1.],
         [2., 4., 2.],
         [1., 2., 1.]], dtype=float32)
  """
  return _conv_transpose(x, kernel, output_shape, strides, padding,
                         data_format, dilation_rate, 2, 'conv2d_transpose')


@graph_lib.graph_op
def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1),
                     padding='valid', data_format=None):
  """3D transposed convolution (the gradient of `conv3d` w.r.t. its input).

  Args:
    x: 5D input, in `data_format`.
    kernel: `(k1, k2, k3, out_channels, in_channels)`.
    output_shape: the output's shape in `data_format` (5 ints, a None batch
      size meaning the batch size of `x`), or a 1D int tensor.
    strides: an int or a tuple of 3 ints.
    padding: 'valid' or 'same'.
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.

  Returns:
    The transposed convolution, of shape `output_shape`.

  Raises:
    ValueError: for an invalid `data_format` or `padding`, or an
      `output_shape` that does not fit `x` and `kernel`.

  >>> x = np.ones((1, 1, 1, 1, 1), 'float32')
  >>> y = conv3d_transpose(x, np.ones((1, 1, 1, 1, 1), 'float32'),
  ...                      (1, 2, 2, 2, 1), strides=2)
  >>> eval(y)[0, :, :, :, 0]
  array([[[1., 0.],
          [0., 0.]],
  <BLANKLINE>
         [[0., 0.],
          [0., 0.]]], dtype=float32)
  """
  return _conv_transpose(x, kernel, output_shape, strides, padding,
                         data_format, 1, 3, 'conv3d_transpose')


# Pooling.


def _pool3d_by_planes(x, pool_size, strides, padding, pool_mode):
  """3D pooling of channels-last `x` as two 2D poolings.

  A box window separates: max/mean over (rows, cols) of each depth plane,
  then over depth. With 'same' padding the mean of means is still the mean
  over the window's valid elements, since every plane's window holds as
  many of them. Used for the dtypes TF's 3D pooling kernels lack on CPU.
  """
  pool = tf.nn.max_pool2d if pool_mode == 'max' else tf.nn.avg_pool2d
  batch, depth, _, _, channels = utils.dims(x)
  planes = tf.reshape(x, [-1] + utils.dims(x)[2:])
  planes = pool(planes, pool_size[1:], strides[1:], padding.upper())
  rows, cols = utils.dims(planes)[1:3]
  columns = tf.reshape(planes, [batch, depth, -1, 1])
  columns = pool(columns, (pool_size[0], 1), (strides[0], 1),
                 padding.upper())
  return tf.reshape(columns, [batch, utils.dims(columns)[1], rows, cols,
                              channels])


def _pool(x, pool_size, strides, padding, data_format, pool_mode, rank, op):
  data_format = config.normalize_data_format(data_format)
  api_contract.check_padding(padding, op)
  api_contract.check_pool_mode(pool_mode, op)
  pool_size = api_contract.int_tuple(pool_size, rank, 'pool_size', op)
  strides = api_contract.int_tuple(strides, rank, 'strides', op)
  x, = utils.operands(x)
  api_contract.check_rank(x, rank + 2, 'x', op)
  x = utils.to_channels_last(x, data_format, rank)
  utils.check_window_fits(op, x, pool_size, (1,) * rank, padding, 'pool')
  if rank == 3 and x.dtype not in _NATIVE_POOL3D_DTYPES:
    y = _pool3d_by_planes(x, pool_size, strides, padding, pool_mode)
  else:
    pool = tf.nn.max_pool if pool_mode == 'max' else tf.nn.avg_pool
    y = pool(x, pool_size, strides, padding.upper())
  return utils.from_channels_last(y, data_format, rank)


@graph_lib.graph_op
def pool2d(x, pool_size, strides=(1, 1), padding='valid', data_format=None,
           pool_mode='max'):
  """2D pooling.

  Args:
    x: 4D input, in `data_format`.
    pool_size: an int or a tuple of 2 ints.
    strides: an int or a tuple of 2 ints.
    padding: 'valid' or 'same' ('avg' averages over the window's elements
      inside the input only).
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.
    pool_mode: 'max' or 'avg'.

  Returns:
    The pooled tensor, in `data_format`.

  Raises:
    ValueError: for an invalid `data_format`, `padding` or `pool_mode`.

  >>> x = np.arange(9, dtype='float32').reshape((1, 3, 3, 1))
  >>> eval(pool2d(x, (2, 2), strides=(2, 2), padding='same',
  ...             pool_mode='avg'))[0, :, :, 0]
  array([[2. , 3.5],
         [6.5, 8. ]], dtype=float32)
  """
  return _pool(x, pool_size, strides, padding, data_format, pool_mode, 2,
               'pool2d')


@graph_lib.graph_op
def pool3d(x, pool_size, strides=(1, 1, 1), padding='valid', data_format=None,
           pool_mode='max'):
  """3D pooling.

  Args:
    x: 5D input, in `data_format`.
    pool_size: an int or a tuple of 3 ints.
    strides: an int or a tuple of 3 ints.
    padding: 'valid' or 'same' ('avg' averages over the window's elements
      inside the input only).
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.
    pool_mode: 'max' or 'avg'.

  Returns:
    The pooled tensor, in `data_format`.

  Raises:
    ValueError: for an invalid `data_format`, `padding` or `pool_mode`.

  >>> x = np.arange(8, dtype='float32').reshape((1, 1, 2, 2, 2))
  >>> eval(pool3d(x, (2, 2, 2), data_format='channels_first'))
  array([[[[[7.]]]]], dtype=float32)
  """
  return _pool(x, pool_size, strides, padding, data_format, pool_mode, 3,
               'pool3d')


# Locally connected (unshared) convolutions.


def _window_indices(count, kernel_size, stride):
  """(count, kernel_size) input positions of each output's window."""
  return (np.arange(count)[:, None] * stride +
          np.arange(kernel_size)[None, :]).astype(np.int32)


def _local_kernel_dims(kernel, op):
  api_contract.check_rank(kernel, 3, 'kernel', op)
  if None in kernel.shape.as_list():
    raise ValueError(
        f'{op} needs a kernel of static shape (output positions, window '
        f'elements * channels, filters). Received: kernel.shape={kernel.shape}')
  return kernel, kernel.shape.as_list()


def _check_local(x, sizes, kernel_size, strides, channels, feature_dim, op):
  """Checks the windows fit in `x` and the kernel's feature size."""
  evidence = (f'x.shape={x.shape} (channels last), kernel_size='
              f'{kernel_size}, strides={strides}, kernel feature size '
              f'{feature_dim}')
  for i, (count, k, s) in enumerate(zip(sizes, kernel_size, strides)):
    needed = (count - 1) * s + k
    size = x.shape[i + 1]
    if size is not None and size < needed:
      raise ValueError(
          f'{op}: {count} windows of size {k} with stride {s} need an input '
          f'of at least {needed} along spatial axis {i}, not {size}. '
          f'Received: {evidence}')
  window_features = (None if channels is None else
                     int(np.prod(kernel_size)) * channels)
  api_contract.check_sizes_match(op, 'the kernel axis 1', feature_dim,
                  'the window size times the input channels',
                  window_features, evidence)


@graph_lib.graph_op
def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
  """1D convolution with unshared weights (one kernel per output step).

  Args:
    inputs: `(batch, steps, channels)` or, channels first,
      `(batch, channels, steps)`.
    kernel: `(output_length, kernel_size * channels, filters)`; a window's
      features are ordered (step, channel) for channels_last and
      (channel, step) for channels_first.
    kernel_size: an int or a tuple of one int.
    strides: an int or a tuple of one int.
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.

  Returns:
    `(batch, output_length, filters)` or, channels first,
    `(batch, filters, output_length)`.

  Raises:
    ValueError: for an invalid `data_format` or mismatched shapes.

  >>> x = np.arange(4, dtype='float32').reshape((1, 4, 1))
  >>> k = np.array([[[1.], [1.]], [[1.], [-1.]]], 'float32')
  >>> eval(local_conv1d(x, k, (2,), (2,)))[0, :, 0]
  array([ 1., -1.], dtype=float32)
  """
  op = 'local_conv1d'
  data_format = config.normalize_data_format(data_format)
  kernel_size = api_contract.int_tuple(kernel_size, 1, 'kernel_size', op)
  strides = api_contract.int_tuple(strides, 1, 'strides', op)
  inputs, kernel = utils.operands(inputs, kernel)
  kernel, (length, feature_dim, _) = _local_kernel_dims(kernel, op)
  api_contract.check_rank(inputs, 3, 'inputs', op)
  x = utils.to_channels_last(inputs, data_format, 1)
  _check_local(x, (length,), kernel_size, strides, x.shape[-1], feature_dim,
               op)
  windows = tf.gather(x, _window_indices(length, kernel_size[0], strides[0]),
                      axis=1)  # (batch, length, k, channels)
  if data_format == 'channels_first':
    windows = tf.transpose(windows, [0, 1, 3, 2])
  windows = tf.reshape(windows, [-1, length, feature_dim])
  y = tf.einsum('blf,lfo->blo', windows, kernel)
  return utils.from_channels_last(y, data_format, 1)


@graph_lib.graph_op
def local_conv2d(inputs, kernel, kernel_size, strides, output_shape,
                 data_format=None):
  """2D convolution with unshared weights (one kernel per output position).

  Args:
    inputs: `(batch, rows, cols, channels)` or, channels first,
      `(batch, channels, rows, cols)`.
    kernel: `(output_rows * output_cols, kernel_rows * kernel_cols *
      channels, filters)`; output positions row-major; a window's features
      ordered (row, col, channel) for channels_last and (channel, row, col)
      for channels_first.
    kernel_size: an int or a tuple of 2 ints.
    strides: an int or a tuple of 2 ints.
    output_shape: `(output_rows, output_cols)`.
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.

  Returns:
    `(batch, output_rows, output_cols, filters)` or, channels first,
    `(batch, filters, output_rows, output_cols)`.

  Raises:
    ValueError: for an invalid `data_format` or mismatched shapes.

  >>> x = np.ones((1, 2, 2, 1), 'float32')
  >>> k = np.arange(4, dtype='float32').reshape((4, 1, 1))
  >>> eval(local_conv2d(x, k, (1, 1), (1, 1), (2, 2)))[0, :, :, 0]
  array([[0., 1.],
         [2., 3.]], dtype=float32)
  """
  op = 'local_conv2d'
  data_format = config.normalize_data_format(data_format)
  kernel_size = api_contract.int_tuple(kernel_size, 2, 'kernel_size', op)
  strides = api_contract.int_tuple(strides, 2, 'strides', op)
  rows, cols = api_contract.int_tuple(output_shape, 2, 'output_shape', op)
  inputs, kernel = utils.operands(inputs, kernel)
  kernel, (positions, feature_dim, filters) = _local_kernel_dims(kernel, op)
  api_contract.check_rank(inputs, 4, 'inputs', op)
  x = utils.to_channels_last(inputs, data_format, 2)
  api_contract.check_sizes_match(op, 'the kernel axis 0 (output positions)', positions,
                  'output_rows * output_cols', rows * cols,
                  f'kernel.shape={kernel.shape}, '
                  f'output_shape={output_shape!r}')
  _check_local(x, (rows, cols), kernel_size, strides, x.shape[-1],
               feature_dim, op)
  windows = tf.gather(x, _window_indices(rows, kernel_size[0], strides[0]),
                      axis=1)  # (batch, rows, kr, in_cols, channels)
  windows = tf.gather(windows, _window_indices(cols, kernel_size[1],
                                               strides[1]), axis=3)
  # windows: (batch, rows, kr, cols, kc, channels).
  channels = feature_dim // (kernel_size[0] * kernel_size[1])
  if data_format == 'channels_first':
    kernel = tf.reshape(kernel, [rows, cols, channels, kernel_size[0],
                                 kernel_size[1], filters])
    y = tf.einsum('bihjwc,ijchwo->bijo', windows, kernel)
  else:
    kernel = tf.reshape(kernel, [rows, cols, kernel_size[0], kernel_size[1],
                                 channels, filters])
    y = tf.einsum('bihjwc,ijhwco->bijo', windows, kernel)
  return utils.from_channels_last(y, data_format, 2)


# Bias.


@graph_lib.graph_op
def bias_add(x, bias, data_format=None):
  """Adds a bias to `x`, along its channel axis.

  A bias is either a vector of one value per channel, or (as legacy Keras
  allowed) of `ndim(x) - 1` dimensions, shaped `(*spatial, channels)`; for
  channels_first inputs of 3 to 5 dimensions legacy Keras *reshaped* (not
  transposed) such a bias to `(channels, *spatial)`, which is kept. Inputs
  of other ranks take the bias along their last axis, whatever
  `data_format`.

  Args:
    x: a tensor of at least 2 dimensions.
    bias: the bias, `(channels,)` or of `ndim(x) - 1` dimensions.
    data_format: 'channels_last' or 'channels_first'; None means
      `image_data_format()`.

  Returns:
    `x + bias`, broadcast as described.

  Raises:
    ValueError: for an invalid `data_format` or a bias whose shape does not
      fit `x`.

  >>> x = np.zeros((1, 2, 3), 'float32')
  >>> eval(bias_add(x, np.array([1., 2.], 'float32'),
  ...               data_format='channels_first'))
  array([[[1., 1., 1.],
          [2., 2., 2.]]], dtype=float32)
  """
  data_format = config.normalize_data_format(data_format)
  x, bias = utils.operands(x, bias)
  x_rank, bias_rank = x.shape.rank, bias.shape.rank
  evidence = (f'bias.shape={tuple(bias.shape.as_list())}, '
              f'x.shape={tuple(x.shape.as_list())}')
  if x_rank is None or bias_rank is None or x_rank < 2:
    raise ValueError(
        f'bias_add needs an input of known rank >= 2 and a bias of known '
        f'rank. Received: {evidence}')
  if bias_rank not in (1, x_rank - 1) or (bias_rank > 1 and x_rank > 5):
    expected = '1' if x_rank > 5 else f'1 or {x_rank - 1}'
    raise ValueError(
        f'Unexpected bias dimensions {bias_rank}: expected {expected} '
        f'dimensions for an input of {x_rank} dimensions. Received: '
        f'{evidence}')
  channels_first = data_format == 'channels_first' and 3 <= x_rank <= 5
  bias_dims = utils.dims(bias)
  if bias_rank == 1:
    shape = ([1, bias_dims[0]] + [1] * (x_rank - 2) if channels_first
             else [1] * (x_rank - 1) + bias_dims)
  elif channels_first:
    shape = [1, bias_dims[-1]] + bias_dims[:-1]
  else:
    shape = [1] + bias_dims
  static = [s if isinstance(s, int) else None for s in shape]
  for axis, (size, want) in enumerate(zip(x.shape.as_list(), static)):
    if size is not None and want not in (None, 1, size):
      raise ValueError(
          f'Unexpected bias dimensions: the bias, laid out as {static} '
          f'({data_format}), does not broadcast to the input along axis '
          f'{axis}. Received: {evidence}')
  if (bias_rank == 1 and not channels_first and x.dtype == bias.dtype and
      bias_dims[0] == x.shape[-1]):
    # BiasAdd, as legacy Keras used: Grappler's remapper fuses it with the
    # MatMul / Conv2D before it (and a Relu / Elu... after) into one kernel
    # (_FusedMatMul, _FusedConv2D), which `x + bias` does not get.
    return tf.nn.bias_add(x, bias)
  return x + tf.reshape(bias, shape)
