"""Conformance of conv_ops: convolutions, pooling, local convolutions, bias.

A table of `Case`s run by the generic checker (eager and symbolic with a
None batch size vs the numpy reference, static shapes), gradient checks on
tiny shapes, then focused tests: hand-computed values pinning TensorFlow's
'same' padding, layouts and legacy quirks, None-batch output shapes of the
transposed convolutions, and errors.
"""

import numpy as np
import pytest

import tf_kbackend.numpy_backend as KNP
import tf_kbackend.tf_backend as K
from tests.conformance import checker
from tests.conformance.checker import Case

FORMATS = ('channels_last', 'channels_first')
PADDINGS = ('valid', 'same')
FLOATS = ('float32', 'float64')
BACKENDS = (K, KNP)


def _x(batch, spatial, channels, data_format):
  if data_format == 'channels_first':
    return (batch, channels) + tuple(spatial)
  return (batch,) + tuple(spatial) + (channels,)


def _case(op, shapes, kwargs, args=(), half=False, **extra):
  """A case whose only dynamic dimension is the batch size of `x`."""
  return Case(op, shapes, args=args, kwargs=kwargs,
              dtypes=FLOATS + (('float16',) if half else ()),
              symbolic_shapes=[(None,) + tuple(shapes[0][1:])] +
              [tuple(s) for s in shapes[1:]], grad=False, **extra)


def _is_plain(data_format, strides, dilation):
  """float16 is checked on the unstrided, undilated channels_last cases."""
  return (data_format == 'channels_last' and max(np.atleast_1d(strides)) == 1
          and max(np.atleast_1d(dilation)) == 1)


# (strides, dilation_rate) per spatial rank: strided, dilated, mixed axes.
CONV_STEPS = {
    1: [(1, 1), (2, 1), (1, 2)],
    2: [((1, 1), (1, 1)), ((2, 2), (1, 1)), ((1, 2), (1, 1)),
        ((1, 1), (2, 2)), ((1, 1), (2, 1))],
    3: [((1, 1, 1), (1, 1, 1)), ((2, 1, 2), (1, 1, 1)),
        ((1, 1, 1), (1, 2, 2))],
}
# Odd and even sizes, so 'same' padding is sometimes asymmetric.
CONV_SPATIAL = {1: ((7,), (3,)), 2: ((6, 5), (3, 2)),
                3: ((5, 6, 5), (2, 3, 2))}


def _conv_cases():
  cases = []
  for rank, op in ((1, 'conv1d'), (2, 'conv2d'), (3, 'conv3d')):
    spatial, kernel = CONV_SPATIAL[rank]
    for data_format in FORMATS:
      paddings = PADDINGS + (
          ('causal',) if rank == 1 and data_format == 'channels_last' else ())
      for padding in paddings:
        for strides, dilation in CONV_STEPS[rank]:
          cases.append(_case(
              op, [_x(2, spatial, 3, data_format), kernel + (3, 2)],
              {'strides': strides, 'padding': padding,
               'data_format': data_format, 'dilation_rate': dilation},
              half=_is_plain(data_format, strides, dilation)))
  return cases


def _depthwise_cases():
  cases = []
  for data_format in FORMATS:
    for padding in PADDINGS:
      # (1, 2): unequal strides, which TF's depthwise kernels lack.
      for strides, dilation in [((1, 1), (1, 1)), ((2, 2), (1, 1)),
                                ((1, 2), (1, 1)), ((1, 1), (2, 2))]:
        kwargs = {'strides': strides, 'padding': padding,
                  'data_format': data_format, 'dilation_rate': dilation}
        half = _is_plain(data_format, strides, dilation)
        # A 2-row kernel: 'same' pads the rows unevenly.
        x = _x(2, (5, 7), 3, data_format)
        cases.append(_case('depthwise_conv2d', [x, (2, 3, 3, 2)], kwargs,
                           half=half))
        cases.append(_case('separable_conv2d', [x, (2, 3, 3, 2), (1, 1, 6, 4)],
                           kwargs, half=half))
      for strides, dilation in [(1, 1), (2, 1), (1, 2)]:
        cases.append(_case(
            'separable_conv1d',
            [_x(2, (7,), 3, data_format), (3, 3, 2), (1, 6, 4)],
            {'strides': strides, 'padding': padding,
             'data_format': data_format, 'dilation_rate': dilation},
            half=_is_plain(data_format, strides, dilation)))
  return cases


def _input_size(out, kernel, stride, dilation, padding):
  """The input size a forward convolution of `out` elements gives."""
  if padding == 'same':
    return -(-out // stride)
  return (out - ((kernel - 1) * dilation + 1)) // stride + 1


def _transpose_case(op, out_spatial, kernel, strides, dilation, padding,
                    data_format, batch=2, output_batch=None, half=False):
  rank = len(out_spatial)
  strides_t = (strides,) * rank if isinstance(strides, int) else strides
  dilation_t = (dilation,) * rank if isinstance(dilation, int) else dilation
  in_spatial = [_input_size(o, k, s, d, padding) for o, k, s, d in
                zip(out_spatial, kernel, strides_t, dilation_t)]
  kwargs = {'output_shape': _x(output_batch, out_spatial, 2, data_format),
            'strides': strides, 'padding': padding,
            'data_format': data_format}
  if op == 'conv2d_transpose':
    kwargs['dilation_rate'] = dilation
  return _case(op, [_x(batch, in_spatial, 3, data_format), kernel + (2, 3)],
               kwargs, half=half,
               name='batch_' + ('none' if output_batch is None else 'fixed'))


def _transpose_cases():
  cases = []
  for data_format in FORMATS:
    for padding in PADDINGS:
      for i, (strides, dilation) in enumerate(
          [((1, 1), 1), ((2, 2), 1), ((2, 1), 1), ((1, 1), (2, 2)),
           ((1, 1), (1, 2))]):
        # (8, 6) with strides 2 and 'valid': the output outgrows the
        # input's reach by one row, which gets no contribution.
        cases.append(_transpose_case(
            'conv2d_transpose', (8, 6), (3, 2), strides, dilation, padding,
            data_format, output_batch=None if i % 2 else 2,
            half=_is_plain(data_format, strides, dilation)))
      for strides in (1, (2, 1, 2)):
        cases.append(_transpose_case(
            'conv3d_transpose', (5, 4, 6), (2, 3, 2), strides, 1, padding,
            data_format, output_batch=None if strides == 1 else 2,
            half=_is_plain(data_format, strides, 1)))
  return cases


def _pool_cases():
  cases = []
  for data_format in FORMATS:
    for padding in PADDINGS:
      for mode in ('max', 'avg'):
        for pool_size, strides in [((2, 2), (1, 1)), ((3, 2), (2, 2)),
                                   ((2, 3), (2, 1))]:
          cases.append(_case(
              'pool2d', [_x(2, (7, 6), 3, data_format)],
              {'pool_size': pool_size, 'strides': strides, 'padding': padding,
               'data_format': data_format, 'pool_mode': mode},
              half=_is_plain(data_format, strides, 1)))
        # float32 runs TF's 3D pooling kernels, float16/float64 two 2D ones.
        for pool_size, strides in [((2, 2, 2), (1, 1, 1)),
                                   ((3, 2, 2), (2, 1, 2))]:
          cases.append(_case(
              'pool3d', [_x(2, (5, 4, 6), 2, data_format)],
              {'pool_size': pool_size, 'strides': strides, 'padding': padding,
               'data_format': data_format, 'pool_mode': mode},
              half=_is_plain(data_format, strides, 1)))
  return cases


def _local_cases():
  cases = []
  for data_format in FORMATS:
    for strides in (1, 2):
      length = (7 - 3) // strides + 1
      cases.append(_case(
          'local_conv1d', [_x(2, (7,), 3, data_format), (length, 9, 4)],
          {'kernel_size': (3,), 'strides': (strides,),
           'data_format': data_format},
          half=_is_plain(data_format, strides, 1)))
    for strides in ((1, 1), (2, 2), (1, 2)):
      rows, cols = (5 - 2) // strides[0] + 1, (6 - 3) // strides[1] + 1
      cases.append(_case(
          'local_conv2d', [_x(2, (5, 6), 3, data_format),
                           (rows * cols, 18, 4)],
          {'kernel_size': (2, 3), 'strides': strides,
           'output_shape': (rows, cols), 'data_format': data_format},
          half=_is_plain(data_format, strides, 1)))
  return cases


def _bias_cases():
  cases = [_case('bias_add', [(3, 4), (4,)], {}, half=True),
           _case('bias_add', [(2, 2, 3, 2, 2, 3), (3,)],
                 {'data_format': 'channels_first'}, name='6d_last_axis')]
  for data_format in FORMATS:
    for spatial in [(3,), (2, 3), (3, 2, 2)]:
      x = _x(2, spatial, 4, data_format)
      cases.append(_case('bias_add', [x, (4,)], {'data_format': data_format},
                         half=data_format == 'channels_last'))
      # Legacy: a bias of ndim(x) - 1 dimensions, (*spatial, channels).
      cases.append(_case('bias_add', [x, tuple(spatial) + (4,)],
                         {'data_format': data_format}, name='full'))
    cases.append(_case('bias_add', [_x(2, (3, 2), 4, data_format), (1, 2, 4)],
                       {'data_format': data_format}, name='broadcast'))
  return cases


CASES = (_conv_cases() + _depthwise_cases() + _transpose_cases() +
         _pool_cases() + _local_cases() + _bias_cases())


@pytest.mark.parametrize('case', CASES, ids=str)
def test_matches_reference(case):
  checker.check_case(case)


def _grad(op, shapes, **kwargs):
  return Case(op, shapes, kwargs=kwargs, dtypes=('float64',),
              symbolic_shapes=[(None,) + tuple(shapes[0][1:])] +
              [tuple(s) for s in shapes[1:]])


GRAD_CASES = [
    _grad('conv1d', [(1, 5, 2), (2, 2, 2)], padding='same', strides=2),
    _grad('conv1d', [(1, 5, 2), (2, 2, 2)], padding='causal',
          dilation_rate=2),
    _grad('conv1d', [(1, 2, 5), (3, 2, 2)], data_format='channels_first'),
    _grad('conv2d', [(1, 2, 4, 3), (2, 2, 2, 2)], padding='same',
          strides=(2, 1), data_format='channels_first'),
    _grad('conv2d', [(1, 5, 4, 2), (2, 2, 2, 2)], dilation_rate=(2, 1)),
    _grad('conv3d', [(1, 3, 3, 2, 2), (2, 2, 2, 2, 2)], padding='same',
          strides=(2, 1, 1)),
    _grad('conv3d', [(1, 2, 3, 2, 4), (1, 2, 2, 2, 1)],
          data_format='channels_first', dilation_rate=(1, 1, 2)),
    _grad('depthwise_conv2d', [(1, 4, 5, 2), (2, 2, 2, 2)], padding='same',
          strides=(1, 2)),
    _grad('depthwise_conv2d', [(1, 2, 5, 4), (2, 2, 2, 2)],
          data_format='channels_first', dilation_rate=2),
    _grad('separable_conv1d', [(1, 5, 2), (2, 2, 2), (1, 4, 2)],
          padding='same', strides=2),
    _grad('separable_conv2d', [(1, 2, 5, 4), (2, 2, 2, 1), (1, 1, 2, 2)],
          data_format='channels_first', dilation_rate=(2, 1)),
    _grad('conv2d_transpose', [(1, 2, 3, 2), (2, 2, 2, 2)],
          output_shape=(None, 4, 5, 2), padding='same', strides=(2, 2)),
    _grad('conv2d_transpose', [(1, 2, 3, 3), (2, 2, 2, 2)],
          output_shape=(1, 2, 5, 4), data_format='channels_first',
          dilation_rate=(2, 1)),
    _grad('conv3d_transpose', [(1, 2, 3, 1, 3), (2, 1, 2, 2, 2)],
          output_shape=(None, 2, 3, 2, 3), data_format='channels_first',
          padding='same', strides=(1, 2, 1)),
    _grad('pool2d', [(1, 4, 5, 2)], pool_size=(2, 3), strides=(2, 2),
          padding='same', pool_mode='avg'),
    _grad('pool2d', [(1, 2, 4, 4)], pool_size=(2, 2), strides=(1, 1),
          data_format='channels_first', pool_mode='max'),
    _grad('pool3d', [(1, 3, 3, 4, 1)], pool_size=(2, 2, 3), strides=(2, 1, 2),
          padding='same', pool_mode='avg'),
    _grad('pool3d', [(1, 1, 3, 3, 3)], pool_size=(2, 2, 2),
          data_format='channels_first', pool_mode='max'),
    _grad('local_conv1d', [(1, 5, 2), (2, 4, 2)], kernel_size=(2,),
          strides=(2,)),
    _grad('local_conv2d', [(1, 2, 3, 4), (4, 8, 1)], kernel_size=(2, 2),
          strides=(1, 2), output_shape=(2, 2), data_format='channels_first'),
    _grad('bias_add', [(2, 3, 4), (3,)], data_format='channels_first'),
    _grad('bias_add', [(1, 2, 2, 3), (2, 3, 2)],
          data_format='channels_first'),
    _grad('bias_add', [(1, 2, 1, 2, 3), (3,)]),
]


@pytest.mark.parametrize('case', GRAD_CASES, ids=str)
def test_gradient(case):
  checker.check_gradient(case)


# Hand-computed values: TensorFlow's 'same' padding, layouts, legacy quirks.


@pytest.mark.parametrize('backend', BACKENDS, ids=lambda b: b.backend())
def test_same_padding_puts_the_odd_element_at_the_end(backend):
  x = np.arange(1., 5.).reshape((1, 4, 1))  # [1, 2, 3, 4]
  kernel = np.array([1., 10.]).reshape((2, 1, 1))
  y = K.eval(backend.conv1d(x, kernel, padding='same')) if backend is K \
      else backend.conv1d(x, kernel, padding='same')
  # Output t is x[t] + 10 x[t + 1]; the one padding zero comes after x.
  np.testing.assert_allclose(y[0, :, 0], [21., 32., 43., 4.], rtol=1e-6)


def _value(backend, y):
  return K.eval(y) if backend is K else np.asarray(y)


@pytest.mark.parametrize('backend', BACKENDS, ids=lambda b: b.backend())
def test_causal_padding_is_dilated_left_padding(backend):
  x = np.arange(1., 6.).reshape((1, 5, 1))
  kernel = np.array([1., 10.]).reshape((2, 1, 1))
  y = _value(backend, backend.conv1d(x, kernel, padding='causal',
                                     dilation_rate=2))
  # Output t is x[t - 2] + 10 x[t], with zeros before the start.
  np.testing.assert_allclose(y[0, :, 0], [10., 20., 31., 42., 53.],
                             rtol=1e-6)


@pytest.mark.parametrize('backend', BACKENDS, ids=lambda b: b.backend())
def test_avg_pool_same_excludes_padding(backend):
  x = np.arange(1., 10.).reshape((1, 1, 3, 3))
  y = _value(backend, backend.pool2d(x, (2, 2), strides=(2, 2),
                                     padding='same',
                                     data_format='channels_first',
                                     pool_mode='avg'))
  np.testing.assert_allclose(y[0, 0], [[3., 4.5], [7.5, 9.]], rtol=1e-6)


@pytest.mark.parametrize('backend', BACKENDS, ids=lambda b: b.backend())
def test_transpose_is_the_adjoint_of_the_convolution(backend):
  # <conv(u), v> == <u, conv_transpose(v)> with the same kernel array: pins
  # the (kh, kw, out, in) layout, strides and 'same' offsets together.
  rng = np.random.RandomState(0)
  u = rng.standard_normal((2, 7, 6, 2))
  v = rng.standard_normal((2, 4, 3, 3))
  kernel = rng.standard_normal((3, 2, 2, 3))
  forward = _value(backend, backend.conv2d(u, kernel, strides=(2, 2),
                                           padding='same'))
  backward = _value(backend, backend.conv2d_transpose(
      v, kernel, (2, 7, 6, 2), strides=(2, 2), padding='same'))
  np.testing.assert_allclose(np.sum(forward * v), np.sum(u * backward),
                             rtol=1e-5)


@pytest.mark.parametrize('backend', BACKENDS, ids=lambda b: b.backend())
def test_depthwise_channel_order(backend):
  # Output channel c * multiplier + m is input channel c with filter m.
  x = np.ones((1, 1, 1, 2), 'float32') * np.array([1., 10.], 'float32')
  kernel = np.array([[[[1., 2., 3.], [4., 5., 6.]]]], 'float32')
  y = _value(backend, backend.depthwise_conv2d(x, kernel))
  np.testing.assert_allclose(y[0, 0, 0], [1., 2., 3., 40., 50., 60.])


@pytest.mark.parametrize('backend', BACKENDS, ids=lambda b: b.backend())
def test_local_conv2d_window_feature_order(backend):
  # Features of a window: (row, col, channel) channels_last but
  # (channel, row, col) channels_first, as legacy Keras sliced them.
  rng = np.random.RandomState(0)
  x = rng.standard_normal((2, 3, 4, 2))  # channels_last
  kernel = rng.standard_normal((2 * 3, 2 * 2 * 2, 3))
  last = _value(backend, backend.local_conv2d(x, kernel, (2, 2), (1, 1),
                                              (2, 3), 'channels_last'))
  cf_kernel = kernel.reshape((6, 2, 2, 2, 3)).transpose((0, 3, 1, 2, 4))
  first = _value(backend, backend.local_conv2d(
      x.transpose((0, 3, 1, 2)), cf_kernel.reshape((6, 8, 3)), (2, 2),
      (1, 1), (2, 3), 'channels_first'))
  np.testing.assert_allclose(first, last.transpose((0, 3, 1, 2)), rtol=1e-6)
  # Position (1, 2) is output 5; its window starts at row 1, col 2.
  expected = x[:, 1:3, 2:4, :].reshape((2, 8)) @ kernel[5]
  np.testing.assert_allclose(last[:, 1, 2, :], expected, rtol=1e-6)


@pytest.mark.parametrize('backend', BACKENDS, ids=lambda b: b.backend())
def test_local_conv1d_channels_first_layout(backend):
  # Legacy Keras ignored data_format here; channels_first windows are
  # ordered (channel, step), as local_conv2d's are.
  rng = np.random.RandomState(0)
  x = rng.standard_normal((2, 6, 3))  # channels_last
  kernel = rng.standard_normal((2, 3 * 3, 4))
  last = _value(backend, backend.local_conv1d(x, kernel, (3,), (3,),
                                              'channels_last'))
  np.testing.assert_allclose(last[:, 1, :],
                             x[:, 3:6, :].reshape((2, 9)) @ kernel[1],
                             rtol=1e-6)
  cf_kernel = kernel.reshape((2, 3, 3, 4)).transpose((0, 2, 1, 3))
  first = _value(backend, backend.local_conv1d(
      x.transpose((0, 2, 1)), cf_kernel.reshape((2, 9, 4)), (3,), (3,),
      'channels_first'))
  np.testing.assert_allclose(first, last.transpose((0, 2, 1)), rtol=1e-6)


@pytest.mark.parametrize('backend', BACKENDS, ids=lambda b: b.backend())
def test_bias_of_size_one_broadcasts(backend):
  x = np.arange(12.).reshape((1, 2, 2, 3))
  for data_format in FORMATS:
    y = _value(backend, backend.bias_add(x, np.array([5.]), data_format))
    np.testing.assert_allclose(y, x + 5.)


@pytest.mark.parametrize('backend', BACKENDS, ids=lambda b: b.backend())
def test_int_and_list_sizes_equal_tuples(backend):
  x = np.random.RandomState(0).standard_normal((1, 5, 5, 2))
  as_tuples = _value(backend, backend.pool2d(x, (2, 2), strides=(2, 2)))
  np.testing.assert_allclose(
      _value(backend, backend.pool2d(x, 2, strides=[2, 2])), as_tuples)
  kernel = np.ones((2, 2, 2))
  np.testing.assert_allclose(
      _value(backend, backend.conv1d(x[:, 0], kernel, strides=(2,))),
      _value(backend, backend.conv1d(x[:, 0], kernel, strides=2)))


@pytest.mark.parametrize('backend', BACKENDS, ids=lambda b: b.backend())
def test_full_bias_is_reshaped_not_transposed_channels_first(backend):
  # Keras 2.3.1's own test: x (20, 6, 10) channels_first, bias (10, 6).
  rng = np.random.RandomState(0)
  x, bias = rng.standard_normal((20, 6, 10)), rng.standard_normal((10, 6))
  y = _value(backend, backend.bias_add(x, bias, 'channels_first'))
  np.testing.assert_allclose(y, x + bias.reshape((1, 6, 10)), rtol=1e-6)


def test_channels_first_equals_transposed_channels_last():
  rng = np.random.RandomState(0)
  x = rng.standard_normal((2, 5, 6, 3)).astype('float32')
  kernel = rng.standard_normal((3, 2, 3, 4)).astype('float32')
  last = K.eval(K.conv2d(x, kernel, strides=(2, 1), padding='same'))
  first = K.eval(K.conv2d(x.transpose((0, 3, 1, 2)), kernel, strides=(2, 1),
                          padding='same', data_format='channels_first'))
  np.testing.assert_allclose(first, last.transpose((0, 3, 1, 2)),
                             rtol=1e-5, atol=1e-5)


def test_default_data_format_follows_config():
  x = np.random.RandomState(0).standard_normal((1, 2, 4, 4))
  expected = KNP.pool2d(x, (2, 2), data_format='channels_first')
  K.set_image_data_format('channels_first')
  np.testing.assert_allclose(K.eval(K.pool2d(x, (2, 2))), expected,
                             rtol=1e-6)
  np.testing.assert_allclose(KNP.pool2d(x, (2, 2)), expected)


def test_untyped_operands_follow_the_tensor_dtype():
  x = K.variable(np.ones((1, 3, 3, 1)), dtype='float32')
  kernel = np.ones((2, 2, 1, 1))  # float64 numpy
  y = K.conv2d(x, kernel)
  assert K.dtype(y) == 'float32'
  np.testing.assert_allclose(K.eval(y), np.full((1, 2, 2, 1), 4.))
  assert K.dtype(K.bias_add(x, np.ones(1))) == 'float32'


# None batch sizes and static shapes.


@pytest.mark.parametrize('data_format', FORMATS)
def test_conv2d_transpose_none_batch_output_shape(data_format):
  rng = np.random.RandomState(0)
  x_shape = _x(None, (3, 3), 2, data_format)
  output_shape = _x(None, (6, 6), 4, data_format)
  x = K.placeholder(shape=x_shape)
  kernel = rng.standard_normal((3, 3, 4, 2)).astype('float32')
  y = K.conv2d_transpose(x, kernel, output_shape, strides=(2, 2),
                         padding='same', data_format=data_format)
  assert K.int_shape(y) == output_shape
  fn = K.function([x], [y])
  for batch in (1, 3):
    value = rng.standard_normal(_x(batch, (3, 3), 2, data_format)).astype(
        'float32')
    expected = KNP.conv2d_transpose(value, kernel, output_shape,
                                    strides=(2, 2), padding='same',
                                    data_format=data_format)
    assert expected.shape == _x(batch, (6, 6), 4, data_format)
    np.testing.assert_allclose(fn([value])[0], expected, rtol=1e-5,
                               atol=1e-5)


def test_conv3d_transpose_none_batch_output_shape():
  x = K.placeholder(shape=(None, 2, 2, 2, 3))
  kernel = np.ones((2, 2, 2, 1, 3), 'float32')
  y = K.conv3d_transpose(x, kernel, (None, 4, 4, 4, 1), strides=(2, 2, 2))
  assert K.int_shape(y) == (None, 4, 4, 4, 1)
  value = np.ones((2, 2, 2, 2, 3), 'float32')
  np.testing.assert_allclose(K.function([x], [y])([value])[0],
                             np.full((2, 4, 4, 4, 1), 3.))


def test_conv2d_transpose_output_shape_as_tensor():
  # Legacy layers computed the output shape from K.shape(x) at run time.
  x = K.placeholder(shape=(None, 3, 3, 2))
  kernel = np.ones((2, 2, 1, 2), 'float32')
  output_shape = K.stack([K.shape(x)[0], 6, 6, 1])
  y = K.conv2d_transpose(x, kernel, output_shape, strides=(2, 2))
  value = np.ones((4, 3, 3, 2), 'float32')
  np.testing.assert_allclose(K.function([x], [y])([value])[0],
                             np.full((4, 6, 6, 1), 2.))


def test_conv2d_transpose_output_shape_with_symbolic_batch():
  # Keras 2.2.4's Conv2DTranspose passed (K.shape(inputs)[0], h, w, filters).
  x = K.placeholder(shape=(None, 2, 2, 1))
  kernel = np.ones((3, 3, 2, 1), 'float32')
  y = K.conv2d_transpose(x, kernel, (K.shape(x)[0], 3, 3, 2), strides=(2, 2),
                         padding='same')
  assert K.int_shape(y) == (None, 3, 3, 2)
  value = np.arange(12, dtype='float32').reshape((3, 2, 2, 1))
  np.testing.assert_allclose(
      K.function([x], [y])([value])[0],
      KNP.conv2d_transpose(value, kernel, (3, 3, 3, 2), strides=(2, 2),
                           padding='same'), rtol=1e-6)


def test_unknown_spatial_sizes():
  x = K.placeholder(shape=(None, None, None, 3))
  y = K.conv2d(x, np.ones((3, 3, 3, 5), 'float32'), padding='same')
  assert K.int_shape(y) == (None, None, None, 5)
  # pool3d in float64 pools by planes, reshaping with dynamic sizes.
  x = K.placeholder(shape=(None, None, 4, None, 2), dtype='float64')
  y = K.pool3d(x, (2, 2, 2), strides=(2, 1, 2), padding='same',
               pool_mode='avg')
  assert K.int_shape(y) == (None, None, 4, None, 2)
  value = np.random.RandomState(0).standard_normal((2, 5, 4, 3, 2))
  np.testing.assert_allclose(
      K.function([x], [y])([value])[0],
      KNP.pool3d(value, (2, 2, 2), strides=(2, 1, 2), padding='same',
                 pool_mode='avg'), rtol=1e-10)


# Errors: both backends refuse the same calls with a ValueError.


def _errors(call, *matches):
  for backend in BACKENDS:
    with pytest.raises(ValueError) as info:
      call(backend)
    for match in matches:
      assert match in str(info.value), (backend.backend(), str(info.value))


X1, X2, X3 = np.ones((2, 8, 3)), np.ones((2, 5, 6, 3)), np.ones((2, 4, 5, 6, 3))
K1, K2, K3 = np.ones((3, 3, 2)), np.ones((2, 2, 3, 2)), np.ones((2, 2, 2, 3, 2))
CONV_CALLS = {
    'conv1d': lambda b, **kw: b.conv1d(X1, K1, **kw),
    'conv2d': lambda b, **kw: b.conv2d(X2, K2, **kw),
    'conv3d': lambda b, **kw: b.conv3d(X3, K3, **kw),
    'depthwise_conv2d': lambda b, **kw: b.depthwise_conv2d(X2, K2, **kw),
    'separable_conv1d': lambda b, **kw: b.separable_conv1d(
        X1, K1, np.ones((1, 6, 2)), **kw),
    'separable_conv2d': lambda b, **kw: b.separable_conv2d(
        X2, K2, np.ones((1, 1, 6, 2)), **kw),
    'conv2d_transpose': lambda b, **kw: b.conv2d_transpose(
        np.ones((2, 5, 6, 2)), K2, (2, 10, 12, 3), **kw),
    'conv3d_transpose': lambda b, **kw: b.conv3d_transpose(
        np.ones((2, 4, 5, 6, 2)), K3, (2, 8, 10, 12, 3), **kw),
    'pool2d': lambda b, **kw: b.pool2d(X2, (2, 2), **kw),
    'pool3d': lambda b, **kw: b.pool3d(X3, (2, 2, 2), **kw),
    'local_conv1d': lambda b, **kw: b.local_conv1d(
        X1, np.ones((6, 9, 2)), (3,), (1,), **kw),
    'local_conv2d': lambda b, **kw: b.local_conv2d(
        X2, np.ones((20, 12, 2)), (2, 2), (1, 1), (4, 5), **kw),
    'bias_add': lambda b, **kw: b.bias_add(X2, np.ones(3), **kw),
}
PADDED = [op for op in CONV_CALLS if not op.startswith(('local', 'bias'))]
DILATED = ['conv1d', 'conv2d', 'conv3d', 'depthwise_conv2d',
           'separable_conv1d', 'separable_conv2d', 'conv2d_transpose']


@pytest.mark.parametrize('op', sorted(CONV_CALLS))
def test_invalid_data_format(op):
  _errors(lambda b: CONV_CALLS[op](b, data_format='channels_middle'),
          "'channels_middle'")


@pytest.mark.parametrize('op', PADDED)
def test_invalid_padding(op):
  _errors(lambda b: CONV_CALLS[op](b, padding='twice'), "padding='twice'")


@pytest.mark.parametrize('op', ['conv2d', 'separable_conv1d', 'pool2d',
                                'conv2d_transpose'])
def test_causal_padding_only_for_conv1d(op):
  _errors(lambda b: CONV_CALLS[op](b, padding='causal'), "padding='causal'")


def test_causal_padding_needs_channels_last():
  _errors(lambda b: b.conv1d(X1, K1, padding='causal',
                             data_format='channels_first'),
          'causal', "data_format='channels_first'")


@pytest.mark.parametrize('op', ['pool2d', 'pool3d'])
def test_invalid_pool_mode(op):
  _errors(lambda b: CONV_CALLS[op](b, pool_mode='median'),
          "pool_mode='median'")


@pytest.mark.parametrize('op', DILATED)
def test_strides_with_dilation_refused(op):
  _errors(lambda b: CONV_CALLS[op](b, strides=2, dilation_rate=2),
          'strides', 'dilation_rate')


def test_bad_strides_length():
  _errors(lambda b: b.conv2d(X2, K2, strides=(1, 1, 1)), 'strides=(1, 1, 1)')
  for backend in BACKENDS:
    with pytest.raises(TypeError):
      backend.pool2d(X2, 'big')


@pytest.mark.parametrize('bias_shape', [(3, 1), (2, 5, 6, 3)])
def test_bias_of_wrong_rank(bias_shape):
  _errors(lambda b: b.bias_add(X2, np.ones(bias_shape)),
          'Unexpected bias dimensions', f'bias.shape={bias_shape}')


@pytest.mark.parametrize('data_format,bias_shape', [
    ('channels_last', (4,)), ('channels_first', (3,)),
    ('channels_last', (5, 7, 3)), ('channels_first', (5, 6, 2)),
])
def test_bias_of_wrong_size(data_format, bias_shape):
  _errors(lambda b: b.bias_add(X2, np.ones(bias_shape), data_format),
          'Unexpected bias dimensions', f'bias.shape={bias_shape}')


def test_bias_rank_rules_beyond_5d():
  x = np.ones((1, 2, 1, 2, 1, 3))
  _errors(lambda b: b.bias_add(x, np.ones((2, 1, 2, 1, 3))),
          'Unexpected bias dimensions 5')
  _errors(lambda b: b.bias_add(np.ones(3), np.ones(3)), 'rank >= 2')


@pytest.mark.parametrize('output_shape,match', [
    ((2, 9, 12, 3), 'spatial axis 0'),  # 'valid' of 9 rows gives 8, not 5
    ((2, 10, 12, 4), 'channels'),
    ((3, 10, 12, 3), 'batch'),
    ((2, None, 12, 3), 'only the batch size'),
    ((2, 10, 12), 'must have 4 elements'),
])
def test_conv2d_transpose_bad_output_shape(output_shape, match):
  _errors(lambda b: b.conv2d_transpose(
      np.ones((2, 5, 6, 2)), K2, output_shape, strides=(2, 2)), match)


@pytest.mark.parametrize('op,call', [
    ('conv2d', lambda b: b.conv2d(X2, np.ones((2, 2, 4, 2)))),
    ('conv1d', lambda b: b.conv1d(X2, K2)),
    ('depthwise_conv2d', lambda b: b.depthwise_conv2d(X2, np.ones((2, 2, 2,
                                                                   1)))),
    ('separable_conv2d', lambda b: b.separable_conv2d(
        X2, K2, np.ones((1, 1, 5, 2)))),
    ('local_conv1d', lambda b: b.local_conv1d(X1, np.ones((6, 8, 2)), (3,),
                                              (1,))),
    ('local_conv2d', lambda b: b.local_conv2d(
        X2, np.ones((20, 12, 2)), (2, 2), (2, 2), (4, 5))),
])
def test_mismatched_shapes(op, call):
  _errors(call, op)
