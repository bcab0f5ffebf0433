"""Numpy reference: random_ops (numpy and scipy only, never TensorFlow).

Draws come from `numpy.random.RandomState(seed)`, so values differ from
TensorFlow's; only the distributions agree. The seed semantics mirror the
TensorFlow backend: eagerly, the same seed gives the same values; on a
symbolic shape, the generator is created once, when the expression is
built, and each evaluation draws new values from it.
"""

import numpy as np

from tf_kbackend import config
from tf_kbackend.numpy_backend.graph import is_symbolic, lazy_op

__all__ = ['random_normal', 'random_uniform', 'random_binomial',
           'truncated_normal']


def _rng(seed):
  if seed is None:
    seed = np.random.randint(10e6)
  elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
    raise TypeError(f'seed must be an integer or None. Received: seed={seed!r}.')
  # RandomState takes seeds in [0, 2**32).
  return np.random.RandomState(int(seed) % (2**32))


def _dtype(dtype):
  return np.dtype(config.floatx() if dtype is None else dtype)


def _float_dtype(dtype, fn):
  dtype = _dtype(dtype)
  if dtype.kind != 'f':
    raise ValueError(
        f'{fn} draws floating point values; dtype must be a float type. '
        f'Received: dtype={dtype.name!r}.')
  return dtype


def _shape(shape):
  if isinstance(shape, (int, np.integer)):
    return (int(shape),)
  shape = tuple(np.asarray(shape).ravel().tolist()) if isinstance(
      shape, np.ndarray) else tuple(shape)
  if any(dim is None for dim in shape):
    raise ValueError(
        f'A random tensor needs a fully defined shape; use K.shape(x) for '
        f'a shape known only at run time. Received: shape={shape}.')
  return tuple(int(dim) for dim in shape)


@lazy_op
def _normal(shape, mean, stddev, dtype, rng):
  return rng.normal(mean, stddev, _shape(shape)).astype(dtype)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
  """A tensor of values drawn from a normal distribution.

  >>> random_normal((2, 3), seed=1).shape
  (2, 3)
  """
  dtype = _float_dtype(dtype, 'random_normal')
  return _normal(shape, mean, stddev, dtype, _rng(seed))


@lazy_op
def _uniform(shape, minval, maxval, dtype, rng):
  shape = _shape(shape)
  if dtype.kind in 'iu':
    return rng.randint(int(minval), int(maxval), shape).astype(dtype)
  return rng.uniform(minval, maxval, shape).astype(dtype)


def _uniform_bound(value, dtype):
  if dtype.kind in 'iu' and not is_symbolic(value):
    if float(value) != int(value):
      raise ValueError(
          f'random_uniform: integer dtype {dtype.name!r} needs integer '
          f'bounds. Received: {value!r}.')
    return int(value)
  return value


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
  """A tensor of values drawn uniformly from `[minval, maxval)`.

  >>> x = random_uniform((100,), -1.0, 1.0, seed=1)
  >>> bool(x.min() >= -1.0 and x.max() < 1.0)
  True
  """
  dtype = _dtype(dtype)
  minval = _uniform_bound(minval, dtype)
  maxval = _uniform_bound(maxval, dtype)
  return _uniform(shape, minval, maxval, dtype, _rng(seed))


@lazy_op
def _binomial(shape, p, dtype, rng):
  return (rng.uniform(0.0, 1.0, _shape(shape)) < p).astype(dtype)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
  """A tensor of 1s (with probability `p`) and 0s.

  >>> random_binomial((2,), p=1.0)
  array([1., 1.], dtype=float32)
  """
  return _binomial(shape, p, _dtype(dtype), _rng(seed))


@lazy_op
def _truncated(shape, mean, stddev, dtype, rng):
  shape = _shape(shape)
  values = rng.standard_normal(shape)
  # Re-draw the values beyond 2 standard deviations, as TensorFlow does.
  outside = np.abs(values) > 2.0
  while np.any(outside):
    values[outside] = rng.standard_normal(int(np.sum(outside)))
    outside = np.abs(values) > 2.0
  return (mean + stddev * values).astype(dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
  """A tensor from a normal distribution truncated at 2 standard deviations.

  >>> x = truncated_normal((100,), seed=1)
  >>> bool(np.abs(x).max() <= 2.0)
  True
  """
  dtype = _float_dtype(dtype, 'truncated_normal')
  return _truncated(shape, mean, stddev, dtype, _rng(seed))
