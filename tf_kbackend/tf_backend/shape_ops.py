"""Shape manipulation: concatenate, reshape, padding, resizing, stacking."""

import builtins
import re

import numpy as np
import tensorflow as tf

from tf_kbackend import config
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import tensor_utils

__all__ = [
    'concatenate', 'reshape', 'permute_dimensions', 'resize_images',
    'resize_volumes', 'repeat_elements', 'repeat', 'arange', 'tile',
    'flatten', 'batch_flatten', 'expand_dims', 'squeeze', 'temporal_padding',
    'spatial_2d_padding', 'spatial_3d_padding', 'stack', 'one_hot', 'reverse',
    'slice',
]

_INTERPOLATIONS = ('nearest', 'bilinear')


# Helpers (not public API).


def _as_tensor(x):
  """`x` as a tensor; numpy arrays keep their dtype (single-operand ops)."""
  if tensor_utils.is_tensor_like(x):
    return x
  return tf.convert_to_tensor(x)


def _as_tensors(values):
  """Dense operands of one dtype: untyped ones follow the first tensor."""
  hint = next((v.dtype for v in values if tensor_utils.is_tensor_like(v)),
              None)
  converted = []
  for value in values:
    if isinstance(value, tf.SparseTensor):
      converted.append(tf.sparse.to_dense(value))
    elif tensor_utils.is_tensor_like(value):
      converted.append(value)
    elif hint is not None:
      converted.append(tensor_utils.convert(value, hint))
    else:
      converted.append(tf.convert_to_tensor(value))
  return converted


def _is_int(value):
  return isinstance(value, (int, np.integer)) and not isinstance(
      value, (bool, np.bool_))


def _require_rank(x, expected, op):
  """Raises ValueError if the static rank of `x` is known and not expected."""
  rank = x.shape.rank
  if rank is not None and rank != expected:
    raise ValueError(
        f'{op} expects a {expected}D tensor. Received: a tensor of shape '
        f'{tensor_utils.static_shape(x)}.')


def _known_rank(x, op):
  rank = x.shape.rank
  if rank is None:
    raise ValueError(
        f'{op} needs a tensor of known rank. Received: {x!r}.')
  return rank


def _check_axis(axis, rank, op):
  if not _is_int(axis) or not -rank <= axis < rank:
    raise ValueError(
        f'{op}: axis must be an integer in [{-rank}, {rank}) for a tensor of '
        f'rank {rank}. Received: axis={axis!r}.')
  return int(axis) % rank


def _check_factor(value, name, minimum=1):
  if not _is_int(value) or value < minimum:
    raise ValueError(
        f'{name} must be an integer >= {minimum}. Received: {name}={value!r}.')
  return int(value)


def _dims(x):
  """The dimensions of `x`: static ints where known, scalar tensors else."""
  static = x.shape.as_list()
  if all(d is not None for d in static):
    return static
  dynamic = tf.shape(x)
  return [d if d is not None else dynamic[i] for i, d in enumerate(static)]


def _merge_with_next(x, axis):
  """Merges dimensions `axis` and `axis + 1` of `x` into one."""
  dims = _dims(x)
  new_dims = dims[:axis] + [dims[axis] * dims[axis + 1]] + dims[axis + 2:]
  static = x.shape.as_list()
  merged = (None if static[axis] is None or static[axis + 1] is None
            else static[axis] * static[axis + 1])
  result = tf.reshape(x, new_dims)
  result.set_shape(static[:axis] + [merged] + static[axis + 2:])
  return result


def _repeat_axis(x, rep, axis):
  """np.repeat(x, rep, axis) for a Python int `rep` and axis >= 0."""
  multiples = [1] * (x.shape.rank + 1)
  multiples[axis + 1] = rep
  # Each element gets `rep` copies on a new axis right after it; merging the
  # two axes puts the copies next to each other.
  return _merge_with_next(tf.tile(tf.expand_dims(x, axis + 1), multiples),
                          axis)


def _bilinear_axis(x, factor, axis):
  """Legacy (TF1 `resize_bilinear`) upsampling of one axis by an int factor.

  Output index `i` reads input position `i / factor` (no half-pixel
  offset): x[k] + (x[k + 1] - x[k]) * j / factor for i = k * factor + j,
  with x[k + 1] clamped to the last element.
  """
  rank = x.shape.rank
  head = (builtins.slice(None),) * axis
  following = tf.concat([x[head + (builtins.slice(1, None),)],
                         x[head + (builtins.slice(-1, None),)]], axis)
  weights = tf.cast(tf.range(factor), x.dtype) / tf.cast(factor, x.dtype)
  weights = tf.reshape(weights, [factor] + [1] * (rank - axis - 1))
  current = tf.expand_dims(x, axis + 1)
  upsampled = current + (tf.expand_dims(following, axis + 1) - current) * (
      weights)
  return _merge_with_next(upsampled, axis)


def _mark_keras_shape(x):
  """Sets legacy Keras' `_keras_shape` on symbolic results, as legacy did."""
  if graph_lib.is_symbolic(x):
    x._keras_shape = tensor_utils.static_shape(x)  # pylint: disable=protected-access
  return x


# Public ops.


@graph_lib.graph_op
def concatenate(tensors, axis=-1):
  """Concatenates a list of tensors along an axis.

  If every input is sparse the result is a sparse tensor; if only some
  are, they are densified first.

  Args:
    tensors: a list of tensors (dense or all `tf.SparseTensor`).
    axis: the axis to concatenate along; negative counts from the end.

  Returns:
    A tensor (a `tf.SparseTensor` if all inputs are sparse).

  Raises:
    ValueError: if `tensors` is empty.

  >>> concatenate([np.ones((2, 1)), np.zeros((2, 2))]).numpy()
  array([[1., 0., 0.],
         [1., 0., 0.]])
  """
  tensors = list(tensors)
  if not tensors:
    raise ValueError(
        f'concatenate expects a non-empty list of tensors. Received: '
        f'tensors={tensors!r}.')
  if _is_int(axis) and axis < 0:
    rank = tensors[0].shape.rank if tensor_utils.is_tensor_like(
        tensors[0]) else np.ndim(tensors[0])
    if rank is not None:
      # Legacy Keras turned a negative axis into 0 for scalars.
      axis = axis % rank if rank else 0
  if all(isinstance(t, tf.SparseTensor) for t in tensors):
    return tf.sparse.concat(axis, tensors)
  return tf.concat(_as_tensors(tensors), axis)


@graph_lib.graph_op
def reshape(x, shape):
  """Reshapes a tensor to `shape`.

  Args:
    x: a tensor or array.
    shape: the target shape: a tuple of ints (one may be -1, inferred from
      the size), possibly holding scalar tensors, or a 1D int tensor.

  Returns:
    A tensor.

  Raises:
    ValueError: if the sizes do not match, naming both shapes.

  >>> reshape(np.arange(6), (-1, 3)).numpy()
  array([[0, 1, 2],
         [3, 4, 5]])
  """
  if not tf.executing_eagerly():
    return tf.reshape(x, shape)  # A mismatch is a ValueError at build time.
  try:
    return tf.reshape(x, shape)
  except tf.errors.InvalidArgumentError as e:
    try:
      target = tuple(int(d) for d in np.asarray(shape).ravel())
    except (TypeError, ValueError):
      target = shape
    reason = re.sub(r'\{\{function_node [^}]*\}\}\s*|\s*\[Op:\w+\]', '',
                    e.message)
    raise ValueError(
        f'reshape: cannot reshape a value of shape '
        f'{tuple(tf.TensorShape(np.shape(x)).as_list())} to shape {target}: '
        f'{reason}') from None


@graph_lib.graph_op
def permute_dimensions(x, pattern):
  """Permutes the axes of a tensor.

  Args:
    x: a tensor or array.
    pattern: a tuple of axis indices, e.g. `(0, 2, 1)`.

  Returns:
    A tensor whose axis `i` is axis `pattern[i]` of `x`.

  >>> permute_dimensions(np.zeros((2, 3, 4)), (2, 0, 1)).shape
  TensorShape([4, 2, 3])
  """
  return tf.transpose(x, perm=pattern)


@graph_lib.graph_op
def resize_images(x, height_factor, width_factor, data_format,
                  interpolation='nearest'):
  """Upsamples the images of a 4D tensor by integer factors.

  `'nearest'` repeats each pixel `height_factor` x `width_factor` times.
  `'bilinear'` interpolates as legacy Keras did (TF1's `resize_bilinear`
  without half-pixel centers): output row `i` samples input row
  `i / height_factor`, the last row repeating at the border. This differs
  from TF2's `tf.image.resize`, which uses half-pixel centers.

  Args:
    x: a 4D tensor: (batch, rows, cols, channels) or, channels first,
      (batch, channels, rows, cols).
    height_factor: a positive integer.
    width_factor: a positive integer.
    data_format: `'channels_last'`, `'channels_first'` or None (the
      default `image_data_format()`).
    interpolation: `'nearest'` or `'bilinear'`.

  Returns:
    A tensor; `'bilinear'` keeps float dtypes and gives float32 for others.

  Raises:
    ValueError: for an unknown `data_format` or `interpolation`, a factor
      that is not a positive integer, or an input that is not 4D.

  >>> x = np.array([[[[1.], [2.]]]])  # 1 image of 1 x 2 pixels
  >>> resize_images(x, 1, 2, 'channels_last')[0, :, :, 0].numpy()
  array([[1., 1., 2., 2.]])
  >>> resize_images(x, 1, 2, 'channels_last', 'bilinear')[0, :, :, 0].numpy()
  array([[1. , 1.5, 2. , 2. ]])
  """
  data_format = config.normalize_data_format(data_format)
  if interpolation not in _INTERPOLATIONS:
    raise ValueError(
        f'interpolation must be one of {", ".join(_INTERPOLATIONS)}. '
        f'Received: interpolation={interpolation!r}.')
  factors = (_check_factor(height_factor, 'height_factor'),
             _check_factor(width_factor, 'width_factor'))
  x = _as_tensor(x)
  _require_rank(x, 4, 'resize_images')
  _known_rank(x, 'resize_images')
  axes = (2, 3) if data_format == 'channels_first' else (1, 2)
  if interpolation == 'nearest':
    resize_axis = _repeat_axis
  else:
    resize_axis = _bilinear_axis
    if not x.dtype.is_floating:
      x = tf.cast(x, 'float32')  # As TF1's resize_bilinear did.
  for factor, axis in zip(factors, axes):
    x = resize_axis(x, factor, axis)
  return x


@graph_lib.graph_op
def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
  """Upsamples the volumes of a 5D tensor by repeating elements.

  Args:
    x: a 5D tensor: (batch, depth, rows, cols, channels) or, channels
      first, (batch, channels, depth, rows, cols).
    depth_factor: a positive integer.
    height_factor: a positive integer.
    width_factor: a positive integer.
    data_format: `'channels_last'`, `'channels_first'` or None (the
      default `image_data_format()`).

  Returns:
    A tensor.

  Raises:
    ValueError: for an unknown `data_format`, a factor that is not a
      positive integer, or an input that is not 5D.

  >>> resize_volumes(np.zeros((1, 2, 3, 4, 5)), 2, 1, 3, 'channels_last').shape
  TensorShape([1, 4, 3, 12, 5])
  """
  data_format = config.normalize_data_format(data_format)
  factors = (_check_factor(depth_factor, 'depth_factor'),
             _check_factor(height_factor, 'height_factor'),
             _check_factor(width_factor, 'width_factor'))
  x = _as_tensor(x)
  _require_rank(x, 5, 'resize_volumes')
  _known_rank(x, 'resize_volumes')
  first_axis = 2 if data_format == 'channels_first' else 1
  for i, factor in enumerate(factors):
    x = _repeat_axis(x, factor, first_axis + i)
  return x


@graph_lib.graph_op
def repeat_elements(x, rep, axis):
  """Repeats each element of a tensor `rep` times along an axis (np.repeat).

  If `x` has shape (s1, s2, s3) and `axis` is 1, the result has shape
  (s1, s2 * rep, s3). The axis may have an unknown (None) size.

  Args:
    x: a tensor of known rank.
    rep: a non-negative Python integer.
    axis: the axis to repeat along; negative counts from the end.

  Returns:
    A tensor.

  Raises:
    ValueError: if `rep` is not a non-negative integer or `axis` is out of
      range.

  >>> repeat_elements(np.array([[1, 2], [3, 4]]), 2, axis=1).numpy()
  array([[1, 1, 2, 2],
         [3, 3, 4, 4]])
  """
  x = _as_tensor(x)
  rank = _known_rank(x, 'repeat_elements')
  axis = _check_axis(axis, rank, 'repeat_elements')
  rep = _check_factor(rep, 'rep', minimum=0)
  return _mark_keras_shape(_repeat_axis(x, rep, axis))


@graph_lib.graph_op
def repeat(x, n):
  """Repeats a 2D tensor: (samples, dim) becomes (samples, n, dim).

  Args:
    x: a 2D tensor.
    n: the number of repetitions: an integer or a scalar int tensor.

  Returns:
    A 3D tensor.

  Raises:
    ValueError: if `x` is not 2D.

  >>> repeat(np.array([[1, 2]]), 3).numpy()
  array([[[1, 2],
          [1, 2],
          [1, 2]]])
  """
  x = _as_tensor(x)
  _require_rank(x, 2, 'repeat')
  multiples = [1, n, 1] if _is_int(n) else tf.stack([1, n, 1])
  return tf.tile(tf.expand_dims(x, 1), multiples)


@graph_lib.graph_op
def arange(start, stop=None, step=1, dtype='int32'):
  """A 1D tensor holding a sequence of numbers, like `np.arange`.

  With one argument it is the stop value and the sequence starts at 0; a
  negative stop gives an empty sequence, as in numpy and Theano.

  As in legacy Keras, an integer sequence is cast to `dtype`, while a
  sequence of floats (from float arguments) is returned as float when
  `dtype` is the default `'int32'`.

  Args:
    start: the first value (or the stop value if `stop` is None); a
      number or a scalar tensor.
    stop: the end of the sequence, excluded.
    step: the difference between two successive values.
    dtype: the dtype of the result.

  Returns:
    A 1D tensor.

  >>> arange(4).numpy()
  array([0, 1, 2, 3], dtype=int32)
  >>> arange(1, 2, 0.25, dtype='float32').numpy()
  array([1.  , 1.25, 1.5 , 1.75], dtype=float32)
  """
  if stop is None:
    if tensor_utils.is_tensor_like(start):
      start = tf.maximum(start, tf.zeros_like(start))
    elif start < 0:
      start = 0
  result = tf.range(start, limit=stop, delta=step)
  if result.dtype.is_integer or tf.as_dtype(dtype) != tf.int32:
    result = tf.cast(result, dtype)
  return result


@graph_lib.graph_op
def tile(x, n):
  """Tiles `x`: repeats it `n[i]` times along axis `i`.

  Args:
    x: a tensor.
    n: an integer, or a list of integers with at most `ndim(x)` entries
      (missing leading entries count as 1), or a 1D int tensor.

  Returns:
    A tensor.

  Raises:
    ValueError: if `n` has more entries than `x` has axes.

  >>> tile(np.array([[1, 2]]), (2, 2)).numpy()
  array([[1, 2, 1, 2],
         [1, 2, 1, 2]])
  """
  x = _as_tensor(x)
  if _is_int(n):
    n = (n,)
  if isinstance(n, (list, tuple, np.ndarray)):
    n = tuple(n)
    rank = x.shape.rank
    if rank is not None:
      if len(n) > rank:
        raise ValueError(
            f'tile: n must have at most one entry per axis of x (rank '
            f'{rank}). Received: n={n!r}.')
      n = (1,) * (rank - len(n)) + n
  return tf.tile(x, n)


@graph_lib.graph_op
def flatten(x):
  """Reshapes a tensor into 1D.

  >>> flatten(np.array([[1, 2], [3, 4]])).numpy()
  array([1, 2, 3, 4])
  """
  return tf.reshape(x, [-1])


@graph_lib.graph_op
def batch_flatten(x):
  """Turns an nD tensor into a 2D tensor with the same first dimension.

  Each sample of the batch is flattened; the batch may have a None size.

  Args:
    x: a tensor of rank >= 1.

  Returns:
    A 2D tensor.

  >>> batch_flatten(np.zeros((2, 3, 4))).shape
  TensorShape([2, 12])
  """
  x = _as_tensor(x)
  static = x.shape.as_list() if x.shape.rank is not None else None
  if static is not None and all(d is not None for d in static):
    return tf.reshape(x, [static[0], int(np.prod(static[1:]))])
  # No -1 in the target shape: it cannot be inferred for empty tensors.
  dynamic = tf.shape(x)
  result = tf.reshape(x, tf.stack([dynamic[0],
                                   tf.reduce_prod(dynamic[1:])]))
  if static is not None:
    rest = static[1:]
    result.set_shape([static[0], None if None in rest else
                      int(np.prod(rest))])
  return result


@graph_lib.graph_op
def expand_dims(x, axis=-1):
  """Adds a dimension of size 1 at index `axis`.

  >>> expand_dims(np.zeros((2, 3)), 1).shape
  TensorShape([2, 1, 3])
  """
  return tf.expand_dims(x, axis)


@graph_lib.graph_op
def squeeze(x, axis):
  """Removes a dimension of size 1 at index `axis`.

  Args:
    x: a tensor.
    axis: the axis to drop (an integer; a list of them is also accepted).

  Returns:
    A tensor with the same data and one (or `len(axis)`) fewer axes.

  Raises:
    ValueError: if the axis is statically known not to have size 1.

  >>> squeeze(np.zeros((2, 1, 3)), 1).shape
  TensorShape([2, 3])
  """
  x = _as_tensor(x)
  axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
  static = tensor_utils.static_shape(x)
  if static is not None:
    for a in axes:
      if _is_int(a) and -len(static) <= a < len(static) and static[a] not in (
          None, 1):
        raise ValueError(
            f'squeeze: axis {a} must have size 1. Received: a tensor of '
            f'shape {static}, axis={axis!r}.')
  return tf.squeeze(x, axes)


def _check_pairs(padding, count, op):
  """`padding` as `count` (before, after) pairs, or a ValueError."""
  try:
    pairs = [list(pair) for pair in padding]
  except TypeError:
    pairs = None
  if (pairs is None or len(pairs) != count or
      any(len(pair) != 2 for pair in pairs)):
    raise ValueError(
        f'{op}: padding must be {count} pairs of integers (before, after). '
        f'Received: padding={padding!r}.')
  return pairs


@graph_lib.graph_op
def temporal_padding(x, padding=(1, 1)):
  """Pads the middle dimension of a 3D tensor with zeros.

  Args:
    x: a 3D tensor.
    padding: 2 integers: how many zeros to add at the start and end of
      axis 1.

  Returns:
    A 3D tensor.

  Raises:
    ValueError: if `padding` is not 2 integers or `x` is not 3D.

  >>> temporal_padding(np.ones((1, 2, 1)), (1, 2))[0, :, 0].numpy()
  array([0., 1., 1., 0., 0.])
  """
  if not isinstance(padding, (list, tuple)) or len(padding) != 2:
    raise ValueError(
        f'temporal_padding: padding must be 2 integers (before, after). '
        f'Received: padding={padding!r}.')
  x = _as_tensor(x)
  _require_rank(x, 3, 'temporal_padding')
  return tf.pad(x, [[0, 0], list(padding), [0, 0]])


def _spatial_padding(x, padding, data_format, spatial_rank, op):
  pairs = _check_pairs(padding, spatial_rank, op)
  data_format = config.normalize_data_format(data_format)
  x = _as_tensor(x)
  _require_rank(x, spatial_rank + 2, op)
  if data_format == 'channels_first':
    pattern = [[0, 0], [0, 0]] + pairs
  else:
    pattern = [[0, 0]] + pairs + [[0, 0]]
  return tf.pad(x, pattern)


@graph_lib.graph_op
def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
  """Pads the rows and columns of a 4D tensor with zeros.

  Args:
    x: a 4D tensor.
    padding: 2 pairs: ((top, bottom), (left, right)).
    data_format: `'channels_last'`, `'channels_first'` or None (the
      default `image_data_format()`).

  Returns:
    A 4D tensor.

  Raises:
    ValueError: for an unknown `data_format`, a `padding` that is not 2
      pairs, or an input that is not 4D.

  >>> spatial_2d_padding(np.ones((1, 1, 1, 1)), ((0, 1), (1, 0)))[0, ..., 0].numpy()
  array([[0., 1.],
         [0., 0.]])
  """
  return _spatial_padding(x, padding, data_format, 2, 'spatial_2d_padding')


@graph_lib.graph_op
def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
  """Pads the depth, rows and columns of a 5D tensor with zeros.

  Args:
    x: a 5D tensor.
    padding: 3 pairs: ((before, after) for depth, rows, columns).
    data_format: `'channels_last'`, `'channels_first'` or None (the
      default `image_data_format()`).

  Returns:
    A 5D tensor.

  Raises:
    ValueError: for an unknown `data_format`, a `padding` that is not 3
      pairs, or an input that is not 5D.

  >>> spatial_3d_padding(np.ones((1, 1, 1, 1, 1)), data_format='channels_first').shape
  TensorShape([1, 1, 3, 3, 3])
  """
  return _spatial_padding(x, padding, data_format, 3, 'spatial_3d_padding')


@graph_lib.graph_op
def stack(x, axis=0):
  """Stacks a list of rank R tensors into one rank R + 1 tensor.

  >>> stack([np.array([1, 2]), np.array([3, 4])], axis=1).numpy()
  array([[1, 3],
         [2, 4]])
  """
  return tf.stack(_as_tensors(list(x)), axis=axis)


@graph_lib.graph_op
def one_hot(indices, num_classes):
  """The one-hot encoding of an integer tensor, on a new last axis.

  Indices outside [0, num_classes) give a row of zeros.

  Args:
    indices: an integer tensor of any shape.
    num_classes: the number of classes.

  Returns:
    A float32 tensor of shape `indices.shape + (num_classes,)`.

  >>> one_hot(np.array([0, 2]), 3).numpy()
  array([[1., 0., 0.],
         [0., 0., 1.]], dtype=float32)
  """
  indices = _as_tensor(indices)
  if indices.dtype in (tf.int16, tf.uint16, tf.uint32, tf.uint64):
    indices = tf.cast(indices, tf.int64)  # tf.one_hot refuses these.
  return tf.one_hot(indices, depth=num_classes, axis=-1)


@graph_lib.graph_op
def reverse(x, axes):
  """Reverses a tensor along the given axes.

  Args:
    x: a tensor.
    axes: an integer or a list of integers.

  Returns:
    A tensor.

  >>> reverse(np.array([[1, 2], [3, 4]]), 1).numpy()
  array([[2, 1],
         [4, 3]])
  """
  if _is_int(axes):
    axes = [axes]
  return tf.reverse(x, list(axes))


@graph_lib.graph_op
def slice(x, start, size):  # pylint: disable=redefined-builtin
  """Extracts a slice: `x[start[0]:start[0] + size[0], ...]`.

  Args:
    x: a tensor.
    start: the start index along each axis: a list of ints or an int tensor.
    size: the size along each axis (-1: up to the end), same forms.

  Returns:
    A tensor.

  Raises:
    ValueError: if `start` or `size` does not have one entry per axis.

  >>> slice(np.arange(10).reshape(2, 5), (0, 1), (2, 3)).numpy()
  array([[1, 2, 3],
         [6, 7, 8]])
  """
  x = _as_tensor(x)
  rank = x.shape.rank

  def length(value):
    if tensor_utils.is_tensor_like(value):
      return value.shape[0] if value.shape.rank == 1 else None
    return len(value)

  if rank is not None:
    for name, value in (('start', start), ('size', size)):
      if length(value) not in (None, rank):
        raise ValueError(
            f'slice: {name} must have one entry per axis of x (rank {rank}).'
            f' Received: {name}={value!r}.')
  return tf.slice(x, start, size)
