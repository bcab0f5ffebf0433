"""Turning fed values into eager tensors, with TF1's feeding rules.

One converter per fed tensor is built when a `K.function` is created; each
call then costs a type check, a shape check and one tensor construction.
As TF1's `Session.run` did, numeric values are cast to the placeholder's
dtype (a float64 array feeds a float32 placeholder; 0/1 feed the boolean
learning phase); what cannot be cast, or has the wrong shape, raises a
`FeedError` (a public `ValueError`, `K.FeedError`) naming the placeholder,
what it expects and what it received. The learning phase takes 0, 1 or a
bool only (TF1 cast 2 to True).
"""

import numpy as np
import tensorflow as tf

from tf_kbackend import api_contract
from tf_kbackend import _tf_private

_EagerTensor = _tf_private.EagerTensor


def _shape_str(shape):
  return 'unknown' if shape is None else str(tuple(shape))


FeedError = api_contract.FeedError


def _string_converter(label):
  """Strings (bytes or str, any nesting) for a `tf.string` placeholder."""

  def convert(value):
    try:
      with tf.init_scope():
        return (tf.convert_to_tensor(value, tf.string),)
    except (TypeError, ValueError) as e:
      raise FeedError(
          f'Cannot feed {api_contract.describe_value(value)} for {label}, which has dtype '
          f'string: {e}') from e

  return convert


def learning_phase_converter(label):
  """Returns `convert(value) -> (EagerTensor,)` for the learning phase."""
  bool_enum = tf.bool.as_datatype_enum
  phases = {False: np.bool_(False), True: np.bool_(True)}

  def convert(value):
    if type(value) in (int, bool, float) and (value == 0 or value == 1):  # pylint: disable=unidiomatic-typecheck
      phase = bool(value)  # What Keras feeds at every call: fast.
    else:
      if isinstance(value, (tf.Tensor, tf.Variable)):
        value = value.numpy()
      phase = api_contract.check_fed_learning_phase(value, label)
    return (_tf_private.eager_tensor(phases[phase], bool_enum),)

  return convert


def dense_converter(tensor, label):
  """Returns `convert(value) -> (EagerTensor,)` for a dense fed tensor."""
  if tensor.dtype == tf.string:
    return _string_converter(label)
  tf_dtype = tensor.dtype
  np_dtype = tf_dtype.as_numpy_dtype
  dtype_enum = tf_dtype.as_datatype_enum
  static = tensor.shape
  rank = static.rank
  known_dims = tuple((i, d) for i, d in enumerate(static.as_list())
                     if d is not None) if rank is not None else ()
  expected = _shape_str(None if rank is None else static.as_list())

  def shape_error(received_shape):
    return FeedError(
        f'Cannot feed a value of shape {tuple(received_shape)} for '
        f'{label}, which has shape {expected}.')

  def convert(value):
    if isinstance(value, _EagerTensor):
      if value.dtype != tf_dtype:
        value = tf.cast(value, tf_dtype)
      shape = value.shape
    else:
      if type(value) is not np.ndarray or value.dtype != np_dtype:  # pylint: disable=unidiomatic-typecheck
        value = as_array(value, np_dtype, label)
      shape = value.shape
    if rank is not None:
      if len(shape) != rank:
        raise shape_error(shape)
      for i, d in known_dims:
        if shape[i] != d:
          raise shape_error(shape)
    if isinstance(value, _EagerTensor):
      return (value,)
    return (_tf_private.eager_tensor(value, dtype_enum),)

  return convert


def as_array(value, np_dtype, label):
  """`value` as a numpy array of `np_dtype`, or a ValueError naming `label`."""
  if isinstance(value, (tf.Tensor, tf.Variable)):
    value = value.numpy()
  try:
    array = np.asarray(value)
  except (TypeError, ValueError) as e:
    raise FeedError(f'Cannot feed {api_contract.describe_value(value)} for {label}: {e}') from e
  kind = array.dtype.kind
  target = np.dtype(np_dtype)
  if kind in 'OSUVc' and not (kind == 'c' and target.kind == 'c'):
    raise FeedError(
        f'Cannot feed {api_contract.describe_value(array)} for {label}, which has dtype '
        f'{target.name}.')
  return array.astype(np_dtype, copy=False)


def _sparse_components(value, label):
  """(indices, values, dense_shape) from any form of sparse feed."""
  if hasattr(value, 'tocoo'):
    coo = value.tocoo()
    indices = np.stack([coo.row, coo.col], axis=1)
    return indices, coo.data, coo.shape
  if isinstance(value, tf.SparseTensor):
    return value.indices.numpy(), value.values.numpy(), value.dense_shape.numpy()
  if isinstance(value, tf.compat.v1.SparseTensorValue) or (
      isinstance(value, tuple) and len(value) == 3):
    return value[0], value[1], value[2]
  raise FeedError(
      f'Cannot feed {api_contract.describe_value(value)} for sparse {label}: expected a '
      f'scipy.sparse matrix, a tf.SparseTensor, a SparseTensorValue or an '
      f'(indices, values, dense_shape) tuple.')


def sparse_converter(sparse, label):
  """Returns `convert(value) -> (indices, values, dense_shape)` tensors."""
  values_dtype = sparse.values.dtype
  static = sparse.shape
  rank = static.rank
  expected = _shape_str(None if rank is None else static.as_list())

  def convert(value):
    indices, values, dense_shape = _sparse_components(value, label)
    indices = as_array(indices, np.int64, label)
    values = as_array(values, values_dtype.as_numpy_dtype, label)
    dense_shape = as_array(dense_shape, np.int64, label)
    if rank is not None and (
        len(dense_shape) != rank or not static.is_compatible_with(
            tf.TensorShape([int(d) for d in dense_shape]))):
      raise FeedError(
          f'Cannot feed a sparse value of dense shape '
          f'{tuple(int(d) for d in dense_shape)} '
          f'for sparse {label}, which has shape {expected}.')
    indices = indices.reshape((-1, len(dense_shape)))
    eager = _tf_private.eager_tensor
    return (eager(indices, tf.int64.as_datatype_enum),
            eager(values, values_dtype.as_datatype_enum),
            eager(dense_shape, tf.int64.as_datatype_enum))

  return convert


def feed_tensors_and_specs(fed):
  """The component tensors and `tf.TensorSpec`s of a fed tensor."""
  if isinstance(fed, tf.SparseTensor):
    parts = (fed.indices, fed.values, fed.dense_shape)
  else:
    parts = (fed,)
  return parts, [tf.TensorSpec(t.shape, t.dtype) for t in parts]


def converter(fed, label):
  """The converter for a fed tensor (dense or sparse)."""
  if isinstance(fed, tf.SparseTensor):
    return sparse_converter(fed, label)
  if getattr(fed, '_tf_kbackend_learning_phase', False):
    return learning_phase_converter(label)
  return dense_converter(fed, label)
