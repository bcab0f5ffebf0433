"""Conformance tests of the random ops, in both backends.

TensorFlow and numpy draw different values from the same seed, so the
backends are compared by distribution: statistics of large samples within
tolerances (as the legacy backend tests did), shapes and dtypes. Seed
semantics are checked on the TensorFlow side: eagerly the same seed gives
the same values; symbolically each K.function call draws anew.
"""

import numpy as np
import pytest

import tf_kbackend.numpy_backend as KNP
import tf_kbackend.tf_backend as KTF

BACKENDS = pytest.mark.parametrize('K', [KTF, KNP], ids=['tf', 'numpy'])
OPS = ['random_normal', 'random_uniform', 'random_binomial',
       'truncated_normal']
SHAPE = (200, 200)


def _value(K, x):
  return KTF.eval(x) if K is KTF else np.asarray(x)


class TestDistributions:
  """Large-sample statistics; seeded, so deterministic."""

  @BACKENDS
  @pytest.mark.parametrize('mean,std', [(0.0, 1.0), (-10.0, 5.0)])
  def test_random_normal(self, K, mean, std):
    x = _value(K, K.random_normal(SHAPE, mean=mean, stddev=std, seed=1))
    assert x.shape == SHAPE
    assert abs(x.mean() - mean) < std * 0.015
    assert abs(x.std() - std) < std * 0.015

  @BACKENDS
  def test_random_uniform(self, K):
    x = _value(K, K.random_uniform(SHAPE, -1.0, 1.0, seed=2))
    assert x.shape == SHAPE
    assert abs(x.mean()) < 0.015
    assert abs(x.std() - 2 / np.sqrt(12)) < 0.01
    assert 1.0 - 0.015 < x.max() < 1.0
    assert -1.0 + 0.015 > x.min() >= -1.0

  @BACKENDS
  @pytest.mark.parametrize('p', [0.5, 0.1])
  def test_random_binomial(self, K, p):
    x = _value(K, K.random_binomial(SHAPE, p, seed=3))
    assert x.shape == SHAPE
    assert abs(x.mean() - p) < 0.015
    assert set(np.unique(x).tolist()) == {0.0, 1.0}

  @BACKENDS
  @pytest.mark.parametrize('p,expected', [(0.0, 0.0), (1.0, 1.0)])
  def test_random_binomial_certain(self, K, p, expected):
    x = _value(K, K.random_binomial((50, 50), p))
    np.testing.assert_array_equal(x, np.full((50, 50), expected, 'float32'))

  @BACKENDS
  @pytest.mark.parametrize('mean,std', [(0.0, 1.0), (-10.0, 5.0)])
  def test_truncated_normal(self, K, mean, std):
    x = _value(K, K.truncated_normal(SHAPE, mean=mean, stddev=std, seed=4))
    assert x.shape == SHAPE
    assert abs(x.mean() - mean) < std * 0.016
    # The standard deviation of N(0, 1) truncated to [-2, 2] is ~0.8796.
    assert abs(x.std() - 0.8796 * std) < std * 0.015
    assert x.max() <= mean + 2 * std
    assert x.min() >= mean - 2 * std
    assert x.max() > mean + 1.9 * std and x.min() < mean - 1.9 * std

  def test_backends_agree_in_distribution(self):
    # Two-sample comparison of the quantiles of each op.
    quantiles = [0.05, 0.25, 0.5, 0.75, 0.95]
    for op, kwargs in [('random_normal', {'mean': 1.0, 'stddev': 2.0}),
                       ('random_uniform', {'minval': -2.0, 'maxval': 3.0}),
                       ('truncated_normal', {'mean': 1.0, 'stddev': 2.0})]:
      tf_x = KTF.eval(getattr(KTF, op)(SHAPE, seed=5, **kwargs))
      np_x = getattr(KNP, op)(SHAPE, seed=5, **kwargs)
      np.testing.assert_allclose(np.quantile(tf_x, quantiles),
                                 np.quantile(np_x, quantiles), atol=0.06,
                                 err_msg=op)


class TestDtypesAndShapes:

  @BACKENDS
  @pytest.mark.parametrize('op', OPS)
  def test_default_dtype_is_floatx(self, K, op):
    assert _value(K, getattr(K, op)((2, 3), seed=1)).dtype == np.float32
    K.set_floatx('float64')
    assert _value(K, getattr(K, op)((2, 3), seed=1)).dtype == np.float64

  @BACKENDS
  @pytest.mark.parametrize('op', OPS)
  @pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64'])
  def test_float_dtypes(self, K, op, dtype):
    x = _value(K, getattr(K, op)((3, 4), dtype=dtype, seed=1))
    assert x.dtype == dtype and x.shape == (3, 4)

  @BACKENDS
  @pytest.mark.parametrize('dtype', ['int32', 'int64'])
  def test_random_uniform_integers(self, K, dtype):
    x = _value(K, K.random_uniform((100, 100), 0, 10, dtype=dtype, seed=1))
    assert x.dtype == dtype
    assert set(np.unique(x).tolist()) == set(range(10))

  @BACKENDS
  def test_random_uniform_integer_dtype_needs_integer_bounds(self, K):
    with pytest.raises(ValueError, match='integer bounds'):
      K.random_uniform((2,), 0.0, 2.5, dtype='int32')

  @BACKENDS
  @pytest.mark.parametrize('dtype', ['int32', 'bool'])
  def test_random_binomial_other_dtypes(self, K, dtype):
    x = _value(K, K.random_binomial((100, 100), 0.5, dtype=dtype, seed=1))
    assert x.dtype == dtype
    assert abs(x.astype('float64').mean() - 0.5) < 0.05

  @BACKENDS
  @pytest.mark.parametrize('op', ['random_normal', 'truncated_normal'])
  def test_normal_needs_float_dtype(self, K, op):
    with pytest.raises(ValueError, match="dtype='int32'"):
      getattr(K, op)((2,), dtype='int32')

  @BACKENDS
  @pytest.mark.parametrize('op', OPS)
  def test_shape_spellings(self, K, op):
    fn = getattr(K, op)
    assert _value(K, fn([2, 3], seed=1)).shape == (2, 3)
    assert _value(K, fn(np.array([4, 1]), seed=1)).shape == (4, 1)
    assert _value(K, fn((), seed=1)).shape == ()
    assert _value(K, fn((0, 3), seed=1)).shape == (0, 3)

  @BACKENDS
  @pytest.mark.parametrize('op', OPS)
  def test_shape_with_none_raises(self, K, op):
    with pytest.raises(ValueError, match=r'Received: shape=\(None, 3\)'):
      getattr(K, op)((None, 3))

  @BACKENDS
  def test_bad_seed(self, K):
    with pytest.raises(TypeError, match='seed'):
      K.random_normal((2,), seed=1.5)

  @pytest.mark.parametrize('op', OPS)
  def test_symbolic_shape_from_placeholder(self, op):
    x = KTF.placeholder(shape=(None, 3))
    r = getattr(KTF, op)(KTF.shape(x), seed=1)
    assert KTF.is_symbolic(r)
    assert KTF.int_shape(r) == (None, 3)
    assert KTF.dtype(r) == 'float32'
    value = KTF.function([x], [r])([np.zeros((5, 3))])[0]
    assert value.shape == (5, 3)

  def test_symbolic_shape_mixing_tensors_and_ints(self):
    x = KTF.placeholder(shape=(None, 3))
    r = KTF.random_uniform((KTF.shape(x)[0], 7), seed=1)
    assert KTF.int_shape(r) == (None, 7)
    assert KTF.function([x], [r])([np.zeros((2, 3))])[0].shape == (2, 7)

  def test_symbolic_parameters(self):
    mean = KTF.placeholder(shape=(), dtype='float32')
    r = KTF.random_normal((100, 100), mean=mean, stddev=0.1, seed=1)
    assert KTF.is_symbolic(r)
    value = KTF.function([mean], [r])([5.0])[0]
    assert abs(value.mean() - 5.0) < 0.01

  def test_numpy_parameters_follow_dtype(self):
    r = KTF.random_normal((3,), mean=np.float64(1.0), stddev=np.array(2.0),
                          seed=1)
    assert KTF.dtype(r) == 'float32'


class TestSeeds:

  @pytest.mark.parametrize('op', OPS)
  def test_eager_same_seed_same_values(self, op):
    fn = getattr(KTF, op)
    kwargs = {'p': 0.5} if op == 'random_binomial' else {}
    a = KTF.eval(fn((20, 20), seed=42, **kwargs))
    b = KTF.eval(fn((20, 20), seed=42, **kwargs))
    c = KTF.eval(fn((20, 20), seed=43, **kwargs))
    np.testing.assert_array_equal(a, b)
    assert np.mean(a != c) > 0.3

  @pytest.mark.parametrize('op', OPS)
  def test_eager_without_seed_fresh_values(self, op):
    fn = getattr(KTF, op)
    kwargs = {'p': 0.5} if op == 'random_binomial' else {}
    a = KTF.eval(fn((20, 20), **kwargs))
    b = KTF.eval(fn((20, 20), **kwargs))
    assert np.mean(a != b) > 0.3

  def test_numpy_global_seed_makes_draws_reproducible(self):
    # Legacy Keras drew missing seeds from numpy's global generator.
    np.random.seed(0)
    a = KTF.eval(KTF.random_normal((10,)))
    np.random.seed(0)
    b = KTF.eval(KTF.random_normal((10,)))
    np.testing.assert_array_equal(a, b)

  @pytest.mark.parametrize('op', OPS)
  @pytest.mark.parametrize('seed', [None, 7])
  def test_symbolic_fresh_values_per_call(self, op, seed):
    x = KTF.placeholder(shape=(None, 20))
    kwargs = {'p': 0.5} if op == 'random_binomial' else {}
    f = KTF.function([x], [getattr(KTF, op)(KTF.shape(x), seed=seed,
                                            **kwargs)])
    a, b = f([np.zeros((20, 20))])[0], f([np.zeros((20, 20))])[0]
    assert np.mean(a != b) > 0.3

  def test_symbolic_same_seed_same_stream(self):
    # As in TF1: two ops of one graph with the same seed draw alike.
    x = KTF.placeholder(shape=(None, 4))
    r1 = KTF.random_normal(KTF.shape(x), seed=9)
    r2 = KTF.random_normal(KTF.shape(x), seed=9)
    r3 = KTF.random_normal(KTF.shape(x), seed=10)
    a1, a2, a3 = KTF.function([x], [r1, r2, r3])([np.zeros((3, 4))])
    np.testing.assert_array_equal(a1, a2)
    assert np.mean(a1 != a3) > 0.9

  def test_symbolic_scope_makes_graph_random_ops(self):
    @KTF.symbolic
    def noise():
      return KTF.random_uniform((20, 20), seed=1)

    r = noise()
    assert KTF.is_symbolic(r)
    assert np.mean(KTF.eval(r) != KTF.eval(r)) > 0.3
    with KTF.name_scope('block'):
      r = KTF.truncated_normal((20, 20))
    assert KTF.is_symbolic(r)

  def test_numpy_backend_eager_seeds(self):
    a = KNP.random_normal((20,), seed=3)
    np.testing.assert_array_equal(a, KNP.random_normal((20,), seed=3))
    assert np.mean(a != KNP.random_normal((20,), seed=4)) > 0.9
    assert np.mean(a != KNP.random_normal((20,))) > 0.9

  @pytest.mark.parametrize('op', OPS)
  @pytest.mark.parametrize('seed', [None, 7])
  def test_numpy_backend_symbolic_fresh_values_per_call(self, op, seed):
    # One generator per op, made when the op is built: a new draw per call.
    x = KNP.placeholder(shape=(None, 20))
    kwargs = {'p': 0.5} if op == 'random_binomial' else {}
    r = getattr(KNP, op)(KNP.shape(x), seed=seed, **kwargs)
    assert KNP.is_symbolic(r)
    f = KNP.function([x], [r])
    a, b = f([np.zeros((20, 20))])[0], f([np.zeros((20, 20))])[0]
    assert a.shape == (20, 20)
    assert np.mean(a != b) > 0.3

  def test_numpy_backend_symbolic_scope(self):
    @KNP.symbolic
    def noise():
      return KNP.random_uniform((20, 20), seed=1)

    r = noise()
    assert KNP.is_symbolic(r)
    assert np.mean(KNP.eval(r) != KNP.eval(r)) > 0.3


class TestTF1Evaluation:
  """A random tensor draws anew each time it is evaluated, as in TF1."""

  @pytest.mark.parametrize('make', [
      lambda: KTF.random_normal((50,), seed=1337),
      lambda: KTF.random_uniform((50,)),
      lambda: KTF.random_binomial((50,), p=0.5, seed=3),
      lambda: KTF.truncated_normal((50,)),
      lambda: KTF.dropout(np.ones(50, 'float32'), 0.5, seed=2),
  ], ids=['normal', 'uniform', 'binomial', 'truncated_normal', 'dropout'])
  def test_repeated_eval_draws_anew(self, make):
    r = make()
    drawn = r.numpy()
    first, second = KTF.eval(r), KTF.eval(r)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(r.numpy(), drawn)  # the concrete value
    f = KTF.function([], [r])
    assert not np.array_equal(f([])[0], f([])[0])

  def test_legacy_sampling_loop_statistics(self):
    # Keras 2.2.4's backend_test: evaluate one (1,)-shaped random tensor
    # many times; the samples follow the distribution.
    r = KTF.random_normal((1,), mean=-10.0, stddev=5.0, seed=1337)
    samples = np.array([KTF.eval(r) for _ in range(3000)])
    assert abs(samples.mean() + 10.0) < 5.0 * 0.06
    assert abs(samples.std() - 5.0) < 5.0 * 0.06
