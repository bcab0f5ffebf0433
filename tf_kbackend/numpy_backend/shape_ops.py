"""Numpy reference: shape_ops (numpy and scipy only, never TensorFlow)."""

import builtins

import numpy as np
from scipy import sparse as sp

from tf_kbackend import config
from tf_kbackend.numpy_backend.graph import lazy_op

__all__ = [
    'concatenate', 'reshape', 'permute_dimensions', 'resize_images',
    'resize_volumes', 'repeat_elements', 'repeat', 'arange', 'tile',
    'flatten', 'batch_flatten', 'expand_dims', 'squeeze', 'temporal_padding',
    'spatial_2d_padding', 'spatial_3d_padding', 'stack', 'one_hot', 'reverse',
    'slice',
]

_INTERPOLATIONS = ('nearest', 'bilinear')


def _is_int(value):
  return isinstance(value, (int, np.integer)) and not isinstance(
      value, (bool, np.bool_))


def _check_factor(value, name, minimum=1):
  if not _is_int(value) or value < minimum:
    raise ValueError(
        f'{name} must be an integer >= {minimum}. Received: {name}={value!r}.')
  return int(value)


def _require_rank(x, expected, op):
  if x.ndim != expected:
    raise ValueError(
        f'{op} expects a {expected}D tensor. Received: a tensor of shape '
        f'{x.shape}.')


def _common_dtype_arrays(values):
  """Arrays of one dtype: untyped values follow the first numpy array."""
  hint = next((v.dtype for v in values if isinstance(v, np.ndarray)), None)
  arrays = []
  for value in values:
    if isinstance(value, np.ndarray) or hint is None:
      arrays.append(np.asarray(value))
    else:
      array = np.asarray(value)
      arrays.append(array.astype(hint) if array.dtype.kind in 'biuf' else
                    array)
  return arrays


@lazy_op
def concatenate(tensors, axis=-1):
  """Concatenates arrays along an axis; scipy.sparse matrices stay sparse.

  >>> concatenate([np.ones((2, 1)), np.zeros((2, 2))])
  array([[1., 0., 0.],
         [1., 0., 0.]])
  """
  tensors = list(tensors)
  if not tensors:
    raise ValueError(
        f'concatenate expects a non-empty list of tensors. Received: '
        f'tensors={tensors!r}.')
  if _is_int(axis) and axis < 0:
    rank = np.ndim(tensors[0]) if not sp.issparse(tensors[0]) else 2
    axis = axis % rank if rank else 0
  if all(sp.issparse(t) for t in tensors):
    stacker = sp.vstack if axis == 0 else sp.hstack
    return stacker(tensors, format='csr')
  dense = [t.toarray() if sp.issparse(t) else t for t in tensors]
  return np.concatenate(_common_dtype_arrays(dense), axis)


@lazy_op
def reshape(x, shape):
  """np.reshape.

  >>> reshape(np.arange(6), (-1, 3))
  array([[0, 1, 2],
         [3, 4, 5]])
  """
  try:
    return np.reshape(x, shape)
  except ValueError as e:
    target = tuple(int(d) for d in np.asarray(shape).ravel())
    raise ValueError(
        f'reshape: cannot reshape a value of shape {np.shape(x)} to shape '
        f'{target}: {e}') from None


@lazy_op
def permute_dimensions(x, pattern):
  """np.transpose with axes `pattern`.

  >>> permute_dimensions(np.zeros((2, 3, 4)), (2, 0, 1)).shape
  (4, 2, 3)
  """
  return np.transpose(x, pattern)


def _bilinear_axis(x, factor, axis):
  """TF1 `resize_bilinear` (align_corners=False, no half-pixel centers).

  Output index i samples input position src = i * in / out, i.e. i / factor:
  lerp between floor(src) and ceil(src) clamped to the last index.
  """
  size = x.shape[axis]
  src = np.arange(size * factor) / factor
  low = np.floor(src).astype(np.int64)
  high = np.minimum(np.ceil(src).astype(np.int64), max(size - 1, 0))
  weight = (src - low).reshape((-1,) + (1,) * (x.ndim - axis - 1))
  lower = np.take(x, low, axis=axis).astype(np.float64)
  upper = np.take(x, high, axis=axis).astype(np.float64)
  return (lower * (1 - weight) + upper * weight).astype(x.dtype)


@lazy_op
def resize_images(x, height_factor, width_factor, data_format,
                  interpolation='nearest'):
  """Upsamples the images of a 4D array (nearest: np.repeat; legacy bilinear).

  >>> x = np.array([[[[1.], [2.]]]])
  >>> resize_images(x, 1, 2, 'channels_last', 'bilinear')[0, :, :, 0]
  array([[1. , 1.5, 2. , 2. ]])
  """
  data_format = config.normalize_data_format(data_format)
  if interpolation not in _INTERPOLATIONS:
    raise ValueError(
        f'interpolation must be one of {", ".join(_INTERPOLATIONS)}. '
        f'Received: interpolation={interpolation!r}.')
  factors = (_check_factor(height_factor, 'height_factor'),
             _check_factor(width_factor, 'width_factor'))
  x = np.asarray(x)
  _require_rank(x, 4, 'resize_images')
  axes = (2, 3) if data_format == 'channels_first' else (1, 2)
  if interpolation == 'bilinear' and x.dtype.kind != 'f':
    x = x.astype(np.float32)
  for factor, axis in zip(factors, axes):
    if interpolation == 'nearest':
      x = np.repeat(x, factor, axis=axis)
    else:
      x = _bilinear_axis(x, factor, axis)
  return x


@lazy_op
def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
  """Upsamples the volumes of a 5D array with np.repeat.

  >>> resize_volumes(np.zeros((1, 2, 3, 4, 5)), 2, 1, 3, 'channels_last').shape
  (1, 4, 3, 12, 5)
  """
  data_format = config.normalize_data_format(data_format)
  factors = (_check_factor(depth_factor, 'depth_factor'),
             _check_factor(height_factor, 'height_factor'),
             _check_factor(width_factor, 'width_factor'))
  x = np.asarray(x)
  _require_rank(x, 5, 'resize_volumes')
  first_axis = 2 if data_format == 'channels_first' else 1
  for i, factor in enumerate(factors):
    x = np.repeat(x, factor, axis=first_axis + i)
  return x


@lazy_op
def repeat_elements(x, rep, axis):
  """np.repeat(x, rep, axis).

  >>> repeat_elements(np.array([[1, 2], [3, 4]]), 2, axis=1)
  array([[1, 1, 2, 2],
         [3, 3, 4, 4]])
  """
  x = np.asarray(x)
  if not _is_int(axis) or not -x.ndim <= axis < x.ndim:
    raise ValueError(
        f'repeat_elements: axis must be an integer in [{-x.ndim}, {x.ndim}) '
        f'for a tensor of rank {x.ndim}. Received: axis={axis!r}.')
  rep = _check_factor(rep, 'rep', minimum=0)
  return np.repeat(x, rep, axis=axis)


@lazy_op
def repeat(x, n):
  """(samples, dim) -> (samples, n, dim).

  >>> repeat(np.array([[1, 2]]), 2)
  array([[[1, 2],
          [1, 2]]])
  """
  x = np.asarray(x)
  _require_rank(x, 2, 'repeat')
  return np.repeat(x[:, np.newaxis, :], n, axis=1)


def _float_dtype_of(values):
  """The float dtype TensorFlow's range infers: numpy's own, else float32."""
  dtypes = [np.asarray(v).dtype for v in values
            if isinstance(v, (np.ndarray, np.generic)) and
            np.asarray(v).dtype.kind == 'f']
  return max(dtypes, key=lambda d: d.itemsize) if dtypes else np.dtype(
      'float32')


@lazy_op
def arange(start, stop=None, step=1, dtype='int32'):
  """np.arange, with the legacy TensorFlow backend's dtype rule.

  An integer sequence gets `dtype`; a float one (from float arguments)
  stays float when `dtype` is the default 'int32'.

  >>> arange(-3)
  array([], dtype=int32)
  >>> arange(0.5)
  array([0.], dtype=float32)
  """
  if stop is None:
    start, stop = 0, builtins.max(start, 0)
  values = (start, stop, step)
  is_float = any(np.asarray(v).dtype.kind == 'f' for v in values)
  if is_float:
    result = np.arange(start, stop, step, dtype=_float_dtype_of(values))
    return result if dtype == 'int32' else result.astype(dtype)
  return np.arange(start, stop, step).astype(dtype)


@lazy_op
def tile(x, n):
  """np.tile; `n` may not have more entries than `x` has axes.

  >>> tile(np.array([[1, 2]]), 2)
  array([[1, 2, 1, 2]])
  """
  x = np.asarray(x)
  if _is_int(n):
    n = (n,)
  n = tuple(n)
  if len(n) > x.ndim:
    raise ValueError(
        f'tile: n must have at most one entry per axis of x (rank '
        f'{x.ndim}). Received: n={n!r}.')
  return np.tile(x, n)


@lazy_op
def flatten(x):
  """Reshapes into 1D.

  >>> flatten(np.array([[1, 2], [3, 4]]))
  array([1, 2, 3, 4])
  """
  return np.reshape(x, (-1,))


@lazy_op
def batch_flatten(x):
  """(batch, ...) -> (batch, prod(...)).

  >>> batch_flatten(np.zeros((2, 3, 4))).shape
  (2, 12)
  """
  x = np.asarray(x)
  return np.reshape(x, (x.shape[0], int(np.prod(x.shape[1:]))))


@lazy_op
def expand_dims(x, axis=-1):
  """np.expand_dims.

  >>> expand_dims(np.zeros((2, 3)), 1).shape
  (2, 1, 3)
  """
  return np.expand_dims(x, axis)


@lazy_op
def squeeze(x, axis):
  """np.squeeze of one axis (or a list of them) of size 1.

  >>> squeeze(np.zeros((2, 1, 3)), 1).shape
  (2, 3)
  """
  x = np.asarray(x)
  axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
  for a in axes:
    if _is_int(a) and -x.ndim <= a < x.ndim and x.shape[a] != 1:
      raise ValueError(
          f'squeeze: axis {a} must have size 1. Received: a tensor of '
          f'shape {x.shape}, axis={axis!r}.')
  return np.squeeze(x, axes)


def _check_pairs(padding, count, op):
  try:
    pairs = [tuple(pair) for pair in padding]
  except TypeError:
    pairs = None
  if (pairs is None or len(pairs) != count or
      any(len(pair) != 2 for pair in pairs)):
    raise ValueError(
        f'{op}: padding must be {count} pairs of integers (before, after). '
        f'Received: padding={padding!r}.')
  return pairs


@lazy_op
def temporal_padding(x, padding=(1, 1)):
  """Zero-pads axis 1 of a 3D array.

  >>> temporal_padding(np.ones((1, 2, 1)), (1, 2))[0, :, 0]
  array([0., 1., 1., 0., 0.])
  """
  if not isinstance(padding, (list, tuple)) or len(padding) != 2:
    raise ValueError(
        f'temporal_padding: padding must be 2 integers (before, after). '
        f'Received: padding={padding!r}.')
  x = np.asarray(x)
  _require_rank(x, 3, 'temporal_padding')
  return np.pad(x, [(0, 0), tuple(padding), (0, 0)], mode='constant')


def _spatial_padding(x, padding, data_format, spatial_rank, op):
  pairs = _check_pairs(padding, spatial_rank, op)
  data_format = config.normalize_data_format(data_format)
  x = np.asarray(x)
  _require_rank(x, spatial_rank + 2, op)
  if data_format == 'channels_first':
    pattern = [(0, 0), (0, 0)] + pairs
  else:
    pattern = [(0, 0)] + pairs + [(0, 0)]
  return np.pad(x, pattern, mode='constant')


@lazy_op
def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
  """Zero-pads the rows and columns of a 4D array.

  >>> spatial_2d_padding(np.ones((1, 1, 1, 1)), ((0, 1), (1, 0)))[0, ..., 0]
  array([[0., 1.],
         [0., 0.]])
  """
  return _spatial_padding(x, padding, data_format, 2, 'spatial_2d_padding')


@lazy_op
def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
  """Zero-pads the depth, rows and columns of a 5D array.

  >>> spatial_3d_padding(np.ones((1, 1, 1, 1, 1)), data_format='channels_first').shape
  (1, 1, 3, 3, 3)
  """
  return _spatial_padding(x, padding, data_format, 3, 'spatial_3d_padding')


@lazy_op
def stack(x, axis=0):
  """np.stack.

  >>> stack([np.array([1, 2]), np.array([3, 4])], axis=1)
  array([[1, 3],
         [2, 4]])
  """
  return np.stack(_common_dtype_arrays(list(x)), axis=axis)


@lazy_op
def one_hot(indices, num_classes):
  """float32 one-hot encoding on a new last axis; out-of-range rows are 0.

  >>> one_hot(np.array([0, 2]), 3)
  array([[1., 0., 0.],
         [0., 0., 1.]], dtype=float32)
  """
  indices = np.asarray(indices)
  return (indices[..., np.newaxis] == np.arange(num_classes)).astype(
      np.float32)


@lazy_op
def reverse(x, axes):
  """np.flip along an axis or a list of axes.

  >>> reverse(np.array([[1, 2], [3, 4]]), 1)
  array([[2, 1],
         [4, 3]])
  """
  if _is_int(axes):
    axes = (axes,)
  return np.flip(x, tuple(axes))


@lazy_op
def slice(x, start, size):  # pylint: disable=redefined-builtin
  """x[start[0]:start[0] + size[0], ...]; a size of -1 means up to the end.

  >>> slice(np.arange(10).reshape(2, 5), (0, 1), (2, 3))
  array([[1, 2, 3],
         [6, 7, 8]])
  """
  x = np.asarray(x)
  for name, value in (('start', start), ('size', size)):
    if len(value) != x.ndim:
      raise ValueError(
          f'slice: {name} must have one entry per axis of x (rank {x.ndim}).'
          f' Received: {name}={value!r}.')
  index = tuple(builtins.slice(b, None if n == -1 else b + n)
                for b, n in zip(start, size))
  return x[index]
