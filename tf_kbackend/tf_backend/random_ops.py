"""Random tensors: normal, uniform, binomial, truncated normal.

Seeds follow legacy Keras on TF1, where the same seed gave the same draw:

- eagerly (concrete shape, outside the symbolic scope), a `seed` selects a
  stateless random op seeded `[seed, 0]`: the same seed gives the same
  values at every call;
- symbolically (a symbolic shape or parameter, or inside the symbolic
  scope), the op is a seeded graph random op: each `K.function` call draws
  new values, as each `Session.run` did.

Without a seed, one is drawn from numpy's global generator, as legacy
Keras did (`np.random.randint(10e6)`): calls give fresh values, and
`np.random.seed(...)` makes a whole program reproducible.

A value drawn eagerly is concrete, but remembers it is a draw: evaluated
the TF1 way (`K.eval`, `K.get_session().run`, a `K.function` output, or
used in symbolic code) it draws again, as a TF1 random tensor did at every
evaluation. `r.numpy()` is the value drawn.
"""

import numpy as np
import tensorflow as tf

from tf_kbackend import config
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import tensor_utils

__all__ = ['random_normal', 'random_uniform', 'random_binomial',
           'truncated_normal']


class _SeedSource:
  generator = None  # None: numpy's global generator, as legacy Keras.


def seed_from(generator):
  """Draws the seeds of unseeded random ops from `generator` from now on.

  `generator` is a `np.random.RandomState`, or None for numpy's global
  generator (the default). TF1's `tf.set_random_seed` (tf_kbackend/tf1)
  uses it so that one seed makes a whole program's draws reproducible.
  """
  _SeedSource.generator = generator


def _seed(seed):
  if seed is None:
    return int((_SeedSource.generator or np.random).randint(10e6))
  if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
    raise TypeError(f'seed must be an integer or None. Received: seed={seed!r}.')
  return int(seed)


def _dtype(dtype):
  return tf.as_dtype(config.floatx() if dtype is None else dtype)


def _float_dtype(dtype, fn):
  dtype = _dtype(dtype)
  if not dtype.is_floating:
    raise ValueError(
        f'{fn} draws floating point values; dtype must be a float type. '
        f'Received: dtype={dtype.name!r}.')
  return dtype


def _shape(shape):
  """`shape` as something the random ops accept, checking concrete ones."""
  if tensor_utils.is_tensor_like(shape):
    return tf.cast(shape, tf.int32) if shape.dtype != tf.int32 else shape
  if isinstance(shape, tf.TensorShape):
    shape = shape.as_list()
  if isinstance(shape, (int, np.integer)):
    shape = [shape]
  shape = list(shape)
  if any(dim is None for dim in shape):
    raise ValueError(
        f'A random tensor needs a fully defined shape; use K.shape(x) for '
        f'a shape known only at run time. Received: shape={tuple(shape)}.')
  if any(tensor_utils.is_tensor_like(dim) for dim in shape):
    return tf.stack([tf.cast(dim, tf.int32) for dim in shape])
  return [int(dim) for dim in shape]


def _param(value, dtype):
  """A distribution parameter as a tensor of `dtype` (numpy float64 too)."""
  return tf.cast(tensor_utils.convert(value, dtype), dtype)


def _stateless_seed(seed):
  return tf.constant([seed, 0], dtype=tf.int64)


@graph_lib.graph_op(stateful=True)
def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
  """A tensor of values drawn from a normal distribution.

  Args:
    shape: the shape: a tuple of ints, or a 1-D int tensor (e.g.
      `K.shape(x)`) for a shape known only at run time.
    mean: the mean of the distribution.
    stddev: its standard deviation.
    dtype: a float dtype; `floatx()` by default.
    seed: an integer; see the module docstring for its semantics.

  Returns:
    A tensor of shape `shape`.

  Raises:
    ValueError: if `dtype` is not a float type or `shape` has None entries.

  >>> a = random_normal((2, 3), seed=7)
  >>> b = random_normal((2, 3), seed=7)
  >>> a.shape, bool(np.all(a.numpy() == b.numpy()))
  (TensorShape([2, 3]), True)
  """
  dtype = _float_dtype(dtype, 'random_normal')
  shape, seed = _shape(shape), _seed(seed)
  mean, stddev = _param(mean, dtype), _param(stddev, dtype)
  if tf.executing_eagerly():
    return tf.random.stateless_normal(shape, _stateless_seed(seed), mean=mean,
                                      stddev=stddev, dtype=dtype)
  return tf.random.normal(shape, mean=mean, stddev=stddev, dtype=dtype,
                          seed=seed)


def _uniform_bound(value, dtype):
  if dtype.is_integer and not tensor_utils.is_tensor_like(value):
    if float(value) != int(value):
      raise ValueError(
          f'random_uniform: integer dtype {dtype.name!r} needs integer '
          f'bounds. Received: {value!r}.')
    return int(value)
  return value


@graph_lib.graph_op(stateful=True)
def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
  """A tensor of values drawn uniformly from `[minval, maxval)`.

  Args:
    shape: the shape: a tuple of ints, or a 1-D int tensor.
    minval: the lower bound (included).
    maxval: the upper bound (excluded).
    dtype: `floatx()` by default; int32 and int64 draw integers (the
      bounds must then be integers).
    seed: an integer; see the module docstring for its semantics.

  Returns:
    A tensor of shape `shape`.

  Raises:
    ValueError: if `shape` has None entries, or integer bounds are needed.

  >>> x = random_uniform((1000,), -1.0, 1.0, seed=3).numpy()
  >>> bool(x.min() >= -1.0 and x.max() < 1.0)
  True
  """
  dtype = _dtype(dtype)
  minval = _param(_uniform_bound(minval, dtype), dtype)
  maxval = _param(_uniform_bound(maxval, dtype), dtype)
  shape, seed = _shape(shape), _seed(seed)
  if tf.executing_eagerly():
    return tf.random.stateless_uniform(shape, _stateless_seed(seed),
                                       minval=minval, maxval=maxval,
                                       dtype=dtype)
  return tf.random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype,
                           seed=seed)


@graph_lib.graph_op(stateful=True)
def random_binomial(shape, p=0.0, dtype=None, seed=None):
  """A tensor of 1s (with probability `p`) and 0s (Bernoulli draws).

  Args:
    shape: the shape: a tuple of ints, or a 1-D int tensor.
    p: the probability of a 1, in [0, 1].
    dtype: `floatx()` by default; any numeric or bool dtype.
    seed: an integer; see the module docstring for its semantics.

  Returns:
    A tensor of shape `shape`.

  >>> random_binomial((2, 2), p=1.0).numpy()
  array([[1., 1.],
         [1., 1.]], dtype=float32)
  """
  dtype = _dtype(dtype)
  draw_dtype = tf.float64 if dtype == tf.float64 else tf.float32
  uniform = random_uniform(shape, dtype=draw_dtype, seed=seed)
  # `uniform < p` (legacy: `<=`) so that p=0 never gives a 1; the same
  # distribution otherwise, since uniform values are in [0, 1).
  return tf.cast(tf.less(uniform, tf.cast(p, draw_dtype)), dtype)


@graph_lib.graph_op(stateful=True)
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
  """A tensor from a normal distribution truncated at 2 standard deviations.

  Values further than `2 * stddev` from `mean` are dropped and re-drawn.

  Args:
    shape: the shape: a tuple of ints, or a 1-D int tensor.
    mean: the mean of the (untruncated) distribution.
    stddev: its standard deviation.
    dtype: a float dtype; `floatx()` by default.
    seed: an integer; see the module docstring for its semantics.

  Returns:
    A tensor of shape `shape`.

  Raises:
    ValueError: if `dtype` is not a float type or `shape` has None entries.

  >>> x = truncated_normal((1000,), mean=1.0, stddev=0.5, seed=2).numpy()
  >>> bool(x.min() >= 0.0 and x.max() <= 2.0)
  True
  """
  dtype = _float_dtype(dtype, 'truncated_normal')
  shape, seed = _shape(shape), _seed(seed)
  mean, stddev = _param(mean, dtype), _param(stddev, dtype)
  if tf.executing_eagerly():
    return tf.random.stateless_truncated_normal(
        shape, _stateless_seed(seed), mean=mean, stddev=stddev, dtype=dtype)
  return tf.random.truncated_normal(shape, mean=mean, stddev=stddev,
                                    dtype=dtype, seed=seed)
