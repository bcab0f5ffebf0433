"""Conformance of math_ops: products, reductions, element-wise math.

A table of `Case`s run by the generic checker (eager and symbolic vs the
numpy reference, static shapes, gradients), then focused tests for legacy
quirks, dtype rules and errors.
"""

import inspect

import numpy as np
import pytest
import scipy.sparse
import tensorflow as tf

import tf_kbackend.numpy_backend as KNP
from tf_kbackend.numpy_backend import math_ops as np_math_ops
import tf_kbackend.tf_backend as K
from tf_kbackend.tf_backend import math_ops as tf_math_ops
from tests.conformance import checker
from tests.conformance.checker import Case

FLOATS = ('float16', 'float32', 'float64')
FLOATS_AND_INT = FLOATS + ('int32',)


def _indices(high):
  """Input kind: random int indices in [0, high)."""
  return lambda shape, dtype, rng: rng.randint(0, high, shape).astype(dtype)


def _away_from(bounds, low=-1.0, high=1.0):
  """Input kind: uniform values at least 0.05 away from each bound."""

  def make(shape, dtype, rng):
    values = rng.uniform(low, high, shape)
    for bound in bounds:
      near = np.abs(values - bound) < 0.05
      values[near] += 0.1
    return values.astype(dtype)

  return make


def _integers(shape, dtype, rng):
  """Input kind: small integers (as floats for float dtypes): many ties."""
  return rng.randint(-2, 3, shape).astype(dtype)


PRODUCT_CASES = [
    Case('dot', [(2, 3), (3, 4)], dtypes=FLOATS_AND_INT),
    Case('dot', [(2, 3), (4, 3, 5)], name='theano_nd', dtypes=FLOATS),
    Case('dot', [(4, 2), (5, 2, 3)]),
    Case('dot', [(2, 4, 3), (3, 2)], name='nd_2d', dtypes=FLOATS_AND_INT),
    Case('dot', [(2, 3, 4), (2, 4, 3)], name='nd_nd'),
    Case('dot', [(2, 3, 4), (3, 2, 4, 2)], name='3d_4d'),
    Case('dot', [(3,), (3, 2)], name='vector_matrix',
         symbolic_shapes=[(3,), (None, 2)]),
    Case('dot', [(2, 3), (3,)], name='matrix_vector'),
    # Keras 2.3.1's backend tests.
    Case('batch_dot', [(4, 2, 3), (4, 5, 3)], kwargs={'axes': (2, 2)}),
    Case('batch_dot', [(4, 2, 3), (4, 3)], kwargs={'axes': (2, 1)},
         dtypes=FLOATS_AND_INT),
    Case('batch_dot', [(4, 2), (4, 2, 3)], kwargs={'axes': (1, 1)}),
    Case('batch_dot', [(5, 3), (5, 3)], kwargs={'axes': 1},
         dtypes=FLOATS_AND_INT),
    Case('batch_dot', [(5, 3), (5, 3)], kwargs={'axes': (1, 1)}),
    Case('batch_dot', [(2, 3, 4, 2), (2, 2, 3, 4)], kwargs={'axes': (2, 3)}),
    Case('batch_dot', [(2, 3, 4, 2), (2, 2, 4)], kwargs={'axes': 2}),
    Case('batch_dot', [(2, 3, 4), (2, 2, 3, 4)], kwargs={'axes': (2, 3)}),
    Case('batch_dot', [(2, 4, 3), (2, 3, 5)], kwargs={'axes': (2, 1)}),
    Case('batch_dot', [(2, 4), (2, 3, 4)], kwargs={'axes': (1, 2)}),
    Case('batch_dot', [(3, 4), (3, 4)], name='default_2d'),
    Case('batch_dot', [(2, 4, 3), (2, 3, 5)], name='default_3d'),
    Case('batch_dot', [(2, 3, 4), (2, 5, 4)], kwargs={'axes': (-1, -1)}),
    Case('batch_dot', [(2, 3, 4), (2, 4)], name='default_3d_2d'),
    # Keras 2.2.4: matrices may be contracted over axis 0.
    Case('batch_dot', [(3, 4), (3, 4)], kwargs={'axes': 0},
         symbolic_shapes=[(3, None), (None, None)]),
    Case('batch_dot', [(3, 4), (4, 3)], kwargs={'axes': (0, 1)}),
    Case('batch_dot', [(3, 4), (4, 3)], kwargs={'axes': (1, 0)}),
    Case('transpose', [(4, 2)], dtypes=FLOATS_AND_INT),
    Case('transpose', [(2, 3, 4)]),
    Case('gather', [(5, 2, 3), (4,)], input_dtypes=[None, 'int32'],
         values=['normal', _indices(5)], grad_args=[0], dtypes=FLOATS_AND_INT),
    Case('gather', [(5, 3), (2, 3)], input_dtypes=[None, 'int64'],
         values=['normal', _indices(5)], grad_args=[0], name='2d_indices'),
    Case('gather', [(5, 3), (6,)], input_dtypes=[None, 'int32'],
         values=['normal', _indices(3)], grad_args=[0], name='repeated'),
]

_AXES = [
    {},
    {'axis': 1},
    {'axis': -1, 'keepdims': True},
    {'axis': [0, -1]},
    {'axis': (0, 2), 'keepdims': True},
]

REDUCTION_CASES = [
    Case(op, [(2, 3, 4)], kwargs=kwargs, dtypes=dtypes, values=values)
    for op, dtypes, values in [
        ('max', FLOATS_AND_INT, 'normal'),
        ('min', FLOATS_AND_INT, 'normal'),
        ('sum', FLOATS_AND_INT, 'normal'),
        ('prod', FLOATS_AND_INT, 'normal'),
        ('mean', FLOATS_AND_INT, 'normal'),
        ('var', FLOATS_AND_INT, 'normal'),
        ('std', FLOATS, 'normal'),
        ('logsumexp', FLOATS, 'normal'),
    ]
    for kwargs in _AXES
] + [
    Case('mean', [(3, 4)], kwargs={'axis': -1}, values=_integers,
         dtypes=('int32', 'int64'), name='truncating'),
    Case('mean', [(3, 4)], kwargs={'axis': 0}, values='bool', dtypes=('bool',),
         grad=False),
    Case('var', [(3, 4)], kwargs={'axis': 1}, values='bool', dtypes=('bool',),
         grad=False),
    Case('std', [(3, 4)], values='bool', dtypes=('bool',), grad=False),
    Case('cumsum', [(3, 4)], dtypes=FLOATS_AND_INT),
    Case('cumsum', [(2, 3, 4)], kwargs={'axis': -1}),
    Case('cumprod', [(3, 4)], dtypes=FLOATS_AND_INT),
    Case('cumprod', [(2, 3, 4)], kwargs={'axis': 1}),
    Case('any', [(3, 4)], values='bool', dtypes=('bool',), grad=False),
    Case('any', [(3, 4)], kwargs={'axis': -1}, values=_integers,
         dtypes=FLOATS_AND_INT, grad=False),
    Case('all', [(2, 3, 4)], kwargs={'axis': [0, 2], 'keepdims': True},
         values=_integers, dtypes=FLOATS_AND_INT, grad=False),
    Case('all', [(3, 4)], kwargs={'axis': 0}, values='bool', dtypes=('bool',),
         grad=False),
    Case('argmax', [(2, 3, 4)], dtypes=FLOATS_AND_INT, grad=False),
    Case('argmax', [(3, 4)], kwargs={'axis': 0}, grad=False),
    Case('argmin', [(2, 3, 4)], dtypes=FLOATS_AND_INT, grad=False),
    Case('argmin', [(3, 4)], kwargs={'axis': -2}, grad=False),
]

ELEMENTWISE_CASES = [
    Case('square', [(3, 4)], dtypes=FLOATS_AND_INT),
    Case('abs', [(3, 4)], values='away_from_zero', dtypes=FLOATS_AND_INT),
    Case('sqrt', [(3, 4)], values='positive', dtypes=FLOATS),
    Case('sqrt', [(3, 4)], name='negatives_give_zero', grad=False),
    Case('exp', [(3, 4)], dtypes=FLOATS),
    Case('log', [(3, 4)], values='positive', dtypes=FLOATS),
    Case('round', [(3, 4)], values=_away_from([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5],
                                              low=-3.0, high=3.0),
         dtypes=FLOATS, grad=False),
    Case('sign', [(3, 4)], values=_integers, dtypes=FLOATS_AND_INT,
         grad=False),
    Case('pow', [(3, 4)], args=(2,), dtypes=FLOATS_AND_INT),
    Case('pow', [(3, 4)], args=(3.0,), name='cube'),
    Case('pow', [(3, 4)], args=(0.5,), values='positive', dtypes=FLOATS,
         name='root'),
    Case('pow', [(3, 4), (3, 4)], values=['positive', 'normal'],
         name='tensor_exponent'),
    Case('clip', [(3, 4)], args=(-0.5, 0.5), values=_away_from([-0.5, 0.5]),
         dtypes=FLOATS),
    Case('clip', [(3, 4)], args=(None, 0.2), values=_away_from([0.2]),
         name='no_min'),
    Case('clip', [(3, 4)], args=(-0.2, None), values=_away_from([-0.2]),
         name='no_max'),
    Case('clip', [(3, 4)], args=(0.5, -0.5), name='crossed_bounds'),
    Case('clip', [(3, 4)], args=(-1, 2), values=_integers, dtypes=('int32',),
         name='int'),
    Case('clip', [(3, 4), (3, 4), (3, 4)],
         values=[_away_from([-0.3, 0.4]), lambda s, d, r: np.full(s, -0.3, d),
                 lambda s, d, r: np.full(s, 0.4, d)],
         grad_args=[0], name='tensor_bounds'),
    Case('sin', [(3, 4)], dtypes=FLOATS),
    Case('cos', [(3, 4)], dtypes=FLOATS),
    Case('maximum', [(3, 4), (3, 4)], dtypes=FLOATS_AND_INT),
    Case('minimum', [(3, 4), (3, 4)], dtypes=FLOATS_AND_INT),
    Case('maximum', [(3, 4), (4,)], name='broadcast'),
    Case('minimum', [(2, 3, 4), (3, 1)], name='broadcast'),
    Case('l2_normalize', [(3, 4)], dtypes=FLOATS),
    Case('l2_normalize', [(3, 4)], kwargs={'axis': -1}, dtypes=FLOATS),
    Case('l2_normalize', [(2, 3, 4)], kwargs={'axis': 1}),
    Case('l2_normalize', [(2, 3, 4)], kwargs={'axis': [0, 2]}),
] + [
    Case(op, [(3, 4), (3, 4)], values=_integers, dtypes=FLOATS_AND_INT,
         grad=False)
    for op in ('equal', 'not_equal', 'greater', 'greater_equal', 'less',
               'less_equal')
] + [
    Case('in_top_k', [(6, 4), (6,)], args=(k,), input_dtypes=[None, itype],
         values=['normal', _indices(4)], dtypes=dtypes, grad=False,
         name=f'k{k}_{itype}')
    for k, itype, dtypes in [(1, 'int32', FLOATS), (2, 'int64', ('float32',)),
                             (4, 'int32', ('float32',))]
] + [
    Case('in_top_k', [(6, 4), (6,)], args=(2,), input_dtypes=[None, 'int32'],
         values=[_integers, _indices(4)], grad=False, name='ties'),
]

CASES = PRODUCT_CASES + REDUCTION_CASES + ELEMENTWISE_CASES


@pytest.mark.parametrize('case', CASES, ids=str)
def test_matches_reference(case):
  checker.check_case(case)


@pytest.mark.parametrize('case', checker.gradient_cases(CASES), ids=str)
def test_gradient(case):
  checker.check_gradient(case)


class TestModuleSurface:
  """Both backends expose the same names with the same signatures."""

  def test_all_names_match(self):
    assert sorted(tf_math_ops.__all__) == sorted(np_math_ops.__all__)
    assert len(set(tf_math_ops.__all__)) == len(tf_math_ops.__all__) == 39

  @pytest.mark.parametrize('name', tf_math_ops.__all__)
  def test_signatures_match(self, name):
    assert (inspect.signature(getattr(K, name)) ==
            inspect.signature(getattr(KNP, name)))

  def test_numpy_ops_are_lazy_on_symbols(self):
    x = KNP.placeholder(shape=(None, 2))
    expression = KNP.batch_dot(KNP.square(x), x, axes=1)
    assert KNP.is_symbolic(expression)
    value = np.array([[1.0, 2.0], [3.0, 4.0]], 'float32')
    np.testing.assert_allclose(KNP.function([x], [expression])([value])[0],
                               [[9.0], [91.0]])


class TestDot:

  def test_theano_rule_static_shapes(self):
    x = K.placeholder(shape=(None, 4, 3))
    assert K.int_shape(K.dot(x, K.placeholder(shape=(3, 5)))) == (None, 4, 5)
    assert K.int_shape(K.dot(x, K.placeholder(shape=(2, 3, 5)))) == (
        None, 4, 2, 5)
    assert K.int_shape(K.dot(K.placeholder(shape=(2, 3)),
                             K.placeholder(shape=(None, 3, 5)))) == (2, None, 5)

  def test_legacy_doc_examples(self):
    xy = K.dot(K.placeholder(shape=(32, 28, 3)), K.placeholder(shape=(3, 4)))
    assert K.int_shape(xy) == (32, 28, 4)
    x = K.random_uniform_variable(shape=(2, 3), low=0, high=1)
    xy = K.dot(x, K.ones((4, 3, 5)))
    assert K.int_shape(xy) == (2, 4, 5)
    np.testing.assert_allclose(
        K.eval(xy), np.dot(K.eval(x), np.ones((4, 3, 5))), rtol=1e-6)

  def test_sparse_eager(self):
    dense = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 0.0]], 'float32')
    sparse = tf.sparse.from_dense(dense)
    y = np.arange(12.0).reshape(3, 4)
    out = K.dot(sparse, y)
    assert K.dtype(out) == 'float32'
    np.testing.assert_allclose(K.eval(out), dense @ y)
    np.testing.assert_allclose(K.eval(K.dot(y.T, K.transpose(sparse))),
                               y.T @ dense.T)

  def test_sparse_placeholder(self):
    x = K.placeholder(shape=(None, 3), sparse=True)
    w = K.variable(np.arange(6.0).reshape(3, 2))
    out = K.dot(x, w)
    assert K.is_symbolic(out)
    assert K.int_shape(out) == (None, 2)
    feed = scipy.sparse.csr_matrix([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]])
    result = K.function([x], [out])([feed])[0]
    np.testing.assert_allclose(result, feed.toarray() @ K.get_value(w))
    np.testing.assert_allclose(KNP.dot(feed, K.get_value(w)), result)

  def test_sparse_needs_matrices(self):
    sparse = tf.sparse.from_dense(np.eye(3, dtype='float32'))
    with pytest.raises(ValueError, match=r'rank-2.*\(3, 3, 2\)'):
      K.dot(sparse, np.ones((3, 3, 2), 'float32'))

  @pytest.mark.parametrize('backend', [K, KNP], ids=['tf', 'numpy'])
  def test_scalar_operand_is_an_error(self, backend):
    with pytest.raises(ValueError, match=r'rank 1 or more.*x.shape=\(\)'):
      backend.dot(np.float32(2.0), np.ones((2, 2), 'float32'))

  def test_untyped_operand_follows_tensor(self):
    x = K.placeholder(shape=(None, 3), dtype='float16')
    out = K.dot(x, np.ones((3, 2)))  # float64 numpy operand
    assert K.dtype(out) == 'float16'
    result = K.function([x], [out])([np.ones((2, 3), 'float16')])[0]
    np.testing.assert_array_equal(result, np.full((2, 2), 3.0))


class TestBatchDot:

  def test_documented_shape_example(self):
    out = K.batch_dot(K.ones(shape=(32, 20, 1)), K.ones(shape=(32, 30, 20)),
                      axes=(1, 2))
    assert K.int_shape(out) == (32, 1, 30)
    np.testing.assert_array_equal(K.eval(out), np.full((32, 1, 30), 20.0))
    out = K.batch_dot(K.ones(shape=(32, 20, 1)), K.ones(shape=(32, 30, 20)),
                      axes=[1, 2])
    assert K.int_shape(out) == (32, 1, 30)

  def test_documented_value_example(self):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[5.0, 6.0], [7.0, 8.0]])
    eager, symbolic = checker.run_both_worlds(
        lambda a, b: K.batch_dot(a, b, axes=1), [x, y], [(None, 2), (None, 2)])
    np.testing.assert_array_equal(eager[0], [[17.0], [53.0]])
    np.testing.assert_array_equal(symbolic[0], [[17.0], [53.0]])
    np.testing.assert_array_equal(KNP.batch_dot(x, y, axes=1), [[17.0], [53.0]])

  def test_documented_shape_inference(self):
    # The docs' walk-through: (100, 20) . (100, 30, 20), axes (1, 2).
    out = K.batch_dot(K.placeholder(shape=(None, 20)),
                      K.placeholder(shape=(None, 30, 20)), axes=(1, 2))
    assert K.int_shape(out) == (None, 30)

  def test_matrices_with_axis_0_as_keras_224(self):
    # Keras 2.2.4's test_batch_dot_shape.
    x, y = K.ones(shape=(32, 20)), K.ones(shape=(32, 20))
    np.testing.assert_allclose(K.eval(K.batch_dot(x, y, axes=1)),
                               np.ones((32, 1)) * 20)
    np.testing.assert_allclose(K.eval(K.batch_dot(x, y, axes=0)),
                               np.ones((20, 1)) * 32)
    y = K.ones(shape=(20, 32))
    np.testing.assert_allclose(K.eval(K.batch_dot(x, y, axes=(0, 1))),
                               np.ones((20, 1)) * 32)
    np.testing.assert_allclose(K.eval(K.batch_dot(x, y, axes=(1, 0))),
                               np.ones((32, 1)) * 20)

  def test_matrices_with_axis_0_values(self):
    rng = np.random.RandomState(0)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((4, 3))
    # axes (0, 1): out[k] = sum_j x[j, k] * y[k, j].
    expected = np.einsum('jk,kj->k', x, y)[:, None]
    np.testing.assert_allclose(K.eval(K.batch_dot(x, y, axes=(0, 1))),
                               expected)
    np.testing.assert_allclose(KNP.batch_dot(x, y, axes=(0, 1)), expected)

  def test_rank_4_follows_documented_rule(self):
    # Keras 2.2.4 gave (2, 3, 4, 6) here (a batched matmul over axes 0, 1);
    # the documented rule (and Keras 2.3.1) contracts per sample only.
    rng = np.random.RandomState(0)
    x, y = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 5, 6))
    expected = np.einsum('bijk,blkm->bijlm', x, y)
    out = K.batch_dot(K.placeholder(shape=(None, 3, 4, 5), dtype='float64'),
                      K.placeholder(shape=(None, 3, 5, 6), dtype='float64'))
    assert K.int_shape(out) == (None, 3, 4, 3, 6)
    np.testing.assert_allclose(K.eval(K.batch_dot(x, y)), expected)
    np.testing.assert_allclose(KNP.batch_dot(x, y), expected)

  @pytest.mark.parametrize('x_shape, y_shape, axes', [
      ((None, 3, 4, 5), (None, 2, 3, 4), (2, 3)),
      ((None, 3, 4, 5), (None, 2, 4), 2),
      ((None, 3, 4), (None, 2, 3, 4), (2, 3)),
      ((None, 4, 3), (None, 3, 5), (2, 1)),
      ((None, 4), (None, 3, 4), (1, 2)),
      ((None, 4), (None, 4), None),
  ])
  def test_keras_231_shape_cases(self, x_shape, y_shape, axes):
    # Keras 2.3.1's test_batch_dot_shape: placeholders with and without
    # static shapes, and variables.
    rng = np.random.RandomState(0)
    x_np = rng.standard_normal((7,) + x_shape[1:])
    y_np = rng.standard_normal((7,) + y_shape[1:])
    expected = KNP.batch_dot(x_np, y_np, axes)
    x, y = K.placeholder(shape=x_shape), K.placeholder(shape=y_shape)
    z = K.batch_dot(x, y, axes)
    assert K.int_shape(z)[1:] == expected.shape[1:]
    np.testing.assert_allclose(K.function([x, y], [z])([x_np, y_np])[0],
                               expected, atol=1e-5)
    x, y = K.placeholder(ndim=len(x_shape)), K.placeholder(ndim=len(y_shape))
    z = K.batch_dot(x, y, axes)
    assert len(K.int_shape(z)) == expected.ndim
    assert set(K.int_shape(z)) <= {None, 1}
    np.testing.assert_allclose(K.function([x, y], [z])([x_np, y_np])[0],
                               expected, atol=1e-5)
    z = K.batch_dot(K.variable(x_np), K.variable(y_np), axes)
    assert K.int_shape(z) == expected.shape
    np.testing.assert_allclose(K.eval(z), expected, atol=1e-5)

  @pytest.mark.parametrize('backend', [K, KNP], ids=['tf', 'numpy'])
  @pytest.mark.parametrize('x_shape, y_shape, axes, message', [
      ((3,), (3, 4), None, r'rank.*2 or more.*x\.shape=\(3,\)'),
      ((2, 3, 4), (2, 4), [[1, 2], [1]], r'multiple target dimensions.*'
       r'x\.shape=\(2, 3, 4\), y\.shape=\(2, 4\)'),
      ((2, 3, 4), (2, 4), (1, 2, 3), r'pair of ints'),
      ((2, 3, 4), (2, 4, 3), (0, 1), r'batch axis 0.*x\.shape=\(2, 3, 4\)'),
      ((2, 3, 4), (2, 4, 3), (1, 3), r'axis 3 is out of range.*y\.shape='),
      ((2, 3, 4), (2, 5, 3), (2, 1), r'contracted|differ.*\(2, 5, 3\)'),
      ((2, 3, 4), (5, 4, 3), (2, 1), r'batch|differ.*\(5, 4, 3\)'),
  ])
  def test_errors_name_shapes(self, backend, x_shape, y_shape, axes, message):
    x, y = np.ones(x_shape, 'float32'), np.ones(y_shape, 'float32')
    with pytest.raises(ValueError, match=message):
      backend.batch_dot(x, y, axes)

  def test_incompatible_symbolic_dims(self):
    x = K.placeholder(shape=(None, 3, 4))
    with pytest.raises(ValueError, match=r'x\.shape\[2\] != y\.shape\[1\]'):
      K.batch_dot(x, K.placeholder(shape=(None, 5, 2)), axes=(2, 1))
    with pytest.raises(ValueError, match='known rank'):
      K.batch_dot(x, K.placeholder(shape=None))


class TestReductions:

  @pytest.mark.parametrize('op', ['any', 'all'])
  def test_any_all_cast_to_bool(self, op):
    x = np.array([[0.0, 0.5, -2.0], [0.0, 0.0, 0.0]], 'float32')
    eager, symbolic = checker.run_both_worlds(
        lambda t: getattr(K, op)(t, axis=1), [x], [(None, 3)])
    expected = getattr(np, op)(x != 0, axis=1)
    for result in (eager[0], symbolic[0]):
      assert result.dtype == np.bool_
      np.testing.assert_array_equal(result, expected)

  def test_mean_of_bool_is_floatx(self):
    x = np.array([[True, False, False, True]])
    assert K.dtype(K.mean(x)) == 'float32'
    np.testing.assert_allclose(K.eval(K.mean(x, axis=-1)), [0.5])
    K.set_floatx('float64')
    assert K.dtype(K.mean(K.placeholder(shape=(2,), dtype='bool'))) == 'float64'
    assert KNP.mean(x).dtype == np.float64

  def test_integer_mean_truncates_like_legacy_tensorflow(self):
    x = np.array([[-7, 0], [7, 0], [5, 0]], 'int32')
    result = K.eval(K.mean(x, axis=1))
    assert result.dtype == np.int32
    np.testing.assert_array_equal(result, [-3, 3, 2])
    np.testing.assert_array_equal(KNP.mean(x, axis=1), [-3, 3, 2])

  def test_integer_dtypes_are_kept(self):
    x = np.arange(1, 7, dtype='int32').reshape(2, 3)
    for op in ('sum', 'prod', 'cumsum', 'cumprod', 'max', 'mean', 'var'):
      assert K.dtype(getattr(K, op)(x)) == 'int32', op
      assert getattr(KNP, op)(x).dtype == np.int32, op

  def test_default_axes(self):
    x = np.random.RandomState(0).standard_normal((2, 3, 4)).astype('float32')
    np.testing.assert_allclose(K.eval(K.cumsum(x)), np.cumsum(x, axis=0),
                               rtol=1e-6)
    np.testing.assert_allclose(K.eval(K.cumprod(x)), np.cumprod(x, axis=0),
                               rtol=1e-6)
    np.testing.assert_array_equal(K.eval(K.argmax(x)), np.argmax(x, axis=-1))
    np.testing.assert_array_equal(K.eval(K.argmin(x)), np.argmin(x, axis=-1))
    assert K.dtype(K.argmax(x)) == 'int64'

  def test_var_std_by_hand(self):
    x = np.array([[1.0, 3.0], [2.0, 2.0], [0.0, 4.0]])
    np.testing.assert_allclose(K.eval(K.var(x, axis=1)), [1.0, 0.0, 4.0])
    np.testing.assert_allclose(K.eval(K.std(x, axis=0)),
                               [np.sqrt(2.0 / 3.0), np.sqrt(2.0 / 3.0)])

  def test_logsumexp_is_stable(self):
    # Keras 2.3.1's test_logsumexp_optim, and overflow/underflow cases.
    result = K.eval(K.logsumexp(K.variable(np.array([1e4, 1e-4])), axis=0))
    np.testing.assert_allclose(result, 1e4, rtol=1e-5)
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0],
                  [-np.inf, -np.inf]], 'float32')
    expected = [1000.0 + np.log(2.0), -1000.0 + np.log(2.0), -np.inf]
    eager, symbolic = checker.run_both_worlds(
        lambda t: K.logsumexp(t, axis=-1), [x], [(None, 2)])
    np.testing.assert_allclose(eager[0], expected, rtol=1e-6)
    np.testing.assert_allclose(symbolic[0], expected, rtol=1e-6)
    np.testing.assert_allclose(KNP.logsumexp(x, axis=-1), expected, rtol=1e-6)


class TestElementwise:

  def test_sqrt_clips_negatives_with_zero_gradient(self):
    x = K.placeholder(shape=(None,))
    y = K.sqrt(x)
    grad = K.gradients(K.sum(y), [x])[0]
    value, gradient = K.function([x], [y, grad])([np.array([-4.0, 4.0])])
    np.testing.assert_array_equal(value, [0.0, 2.0])
    np.testing.assert_array_equal(gradient, [0.0, 0.25])

  def test_round_half_to_even(self):
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49])
    expected = [0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 0.0]
    np.testing.assert_array_equal(K.eval(K.round(x)), expected)
    np.testing.assert_array_equal(KNP.round(x), expected)

  @pytest.mark.parametrize('backend', [K, KNP], ids=['tf', 'numpy'])
  def test_clip_crossed_bounds_give_min(self, backend):
    # Legacy: max_value = max(min_value, max_value).
    x = np.array([-2.0, 0.0, 0.7, 3.0], 'float32')
    np.testing.assert_array_equal(K.eval(backend.clip(x, 1.0, 0.5)),
                                  [1.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(K.eval(backend.clip(x, None, None)), x)

  def test_clip_tensor_bounds(self):
    # Keras 2.3.1's test_clip_supports_tensor_arguments.
    rng = np.random.RandomState(0)
    x, low = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    out = K.clip(K.variable(x), K.variable(low), K.variable(low + 1.0))
    np.testing.assert_allclose(K.eval(out), np.clip(x, low, low + 1.0),
                               rtol=1e-6)

  def test_clip_keeps_dtype(self):
    x = K.placeholder(shape=(None, 2), dtype='float16')
    assert K.dtype(K.clip(x, 0.0, np.float64(1.0))) == 'float16'
    assert K.dtype(K.clip(K.variable([1, 5], dtype='int32'), 2, 4)) == 'int32'
    np.testing.assert_array_equal(
        K.eval(K.clip(K.variable([1, 5], dtype='int32'), 2, 4)), [2, 4])

  def test_pow_with_tensor_exponent_keeps_dtype(self):
    x = K.variable([2.0, 3.0])
    out = K.pow(x, np.array([3.0, 0.5]))
    assert K.dtype(out) == 'float32'
    np.testing.assert_allclose(K.eval(out), [8.0, np.sqrt(3.0)], rtol=1e-6)
    np.testing.assert_array_equal(
        K.eval(K.pow(K.variable([2, 3], dtype='int32'), 2)), [4, 9])

  def test_l2_normalize_default_axis_is_whole_tensor(self):
    x = np.array([[1.0, 2.0], [3.0, 4.0]], 'float32')
    expected = x / np.sqrt(30.0)
    np.testing.assert_allclose(K.eval(K.l2_normalize(x)), expected,
                               rtol=1e-6)
    np.testing.assert_allclose(KNP.l2_normalize(x), expected, rtol=1e-6)
    # A zero vector stays zero (the norm is floored at 1e-12).
    np.testing.assert_array_equal(
        K.eval(K.l2_normalize(np.zeros((2, 2), 'float32'), axis=1)),
        np.zeros((2, 2)))

  @pytest.mark.parametrize('op', ['sqrt', 'exp', 'log', 'sin', 'cos',
                                  'logsumexp', 'l2_normalize', 'std'])
  def test_float_only_ops(self, op):
    # Python numbers become floatx; typed integers are refused in both
    # worlds and both backends.
    assert K.dtype(getattr(K, op)([1, 2])) == 'float32'
    assert getattr(KNP, op)([1, 2]).dtype == np.float32
    with pytest.raises(TypeError, match=r'floating-point.*int32'):
      getattr(K, op)(K.variable([1, 2], dtype='int32'))
    with pytest.raises(TypeError, match=r'floating-point.*int32'):
      getattr(K, op)(K.placeholder(shape=(2,), dtype='int32'))
    with pytest.raises(TypeError, match=r'floating-point.*int32'):
      getattr(KNP, op)(np.array([1, 2], 'int32'))


class TestComparisons:

  @pytest.mark.parametrize('op, expected', [
      ('equal', [False, True, False]),
      ('not_equal', [True, False, True]),
      ('greater', [False, False, True]),
      ('greater_equal', [False, True, True]),
      ('less', [True, False, False]),
      ('less_equal', [True, True, False]),
  ])
  def test_bool_results_by_hand(self, op, expected):
    x = np.array([1.0, 2.0, 3.0], 'float32')
    eager, symbolic = checker.run_both_worlds(
        lambda t: getattr(K, op)(t, 2.0), [x], [(None,)])
    for result in (eager[0], symbolic[0]):
      assert result.dtype == np.bool_
      np.testing.assert_array_equal(result, expected)
    np.testing.assert_array_equal(getattr(KNP, op)(x, 2.0), expected)

  @pytest.mark.parametrize('op', ['greater', 'equal', 'maximum', 'minimum'])
  def test_untyped_operand_follows_tensor(self, op):
    for dtype in ('float16', 'float32', 'float64'):
      x = K.placeholder(shape=(None, 2), dtype=dtype)
      for other in (np.array([0.5, 1.0]), [0.5, 1.0], 0.5,
                    np.float64(0.5)):
        out = getattr(K, op)(x, other)
        assert K.dtype(getattr(K, op)(other, x)) == K.dtype(out)
        expected_dtype = 'bool' if op in ('greater', 'equal') else dtype
        assert K.dtype(out) == expected_dtype
      variable = K.variable([0.5, 2.0], dtype=dtype)
      assert K.dtype(getattr(K, op)(np.array([1.0, 1.0]), variable)) in (
          'bool', dtype)

  def test_two_numpy_operands_keep_their_dtype(self):
    x = np.array([1.0, 2.0])
    assert K.dtype(K.maximum(x, np.array([1.5, 1.5]))) == 'float64'
    assert K.dtype(K.maximum(x.astype('float16'), 1.5)) == 'float16'
    assert K.dtype(K.maximum(1.0, 2.0)) == 'float32'

  def test_int_tensor_with_integral_float(self):
    x = K.variable([1, 2, 3], dtype='int32')
    np.testing.assert_array_equal(K.eval(K.greater(x, 2.0)),
                                  [False, False, True])

  @pytest.mark.parametrize('op', ['greater', 'less_equal', 'maximum', 'pow',
                                  'clip'])
  def test_int_tensor_refuses_fractional_operand(self, op):
    # Truncating 0.5 to 0 would silently change the result; TF1 refused.
    x = K.placeholder(shape=(None,), dtype='int32')
    args = (0.5, 1) if op == 'clip' else (0.5,)
    with pytest.raises(TypeError, match=r'fractional part.*0\.5'):
      getattr(K, op)(x, *args)
    if op in ('pow', 'clip'):
      with pytest.raises(TypeError, match=r'fractional part.*0\.5'):
        getattr(KNP, op)(np.array([1, 2], 'int32'), *args)


class TestGatherAndTopK:

  def test_gather_legacy_case(self):
    # Keras 2.3.1's test_gather, with a variable index tensor.
    reference = np.arange(60).reshape((10, 2, 3))
    indices = [1, 3, 7, 9]
    out = K.gather(K.variable(reference), K.variable(indices, dtype='int32'))
    assert K.int_shape(out) == (4, 2, 3)
    np.testing.assert_array_equal(K.eval(out), reference[indices])
    np.testing.assert_array_equal(KNP.gather(reference, indices),
                                  reference[indices])

  def test_gather_symbolic_indices_static_shape(self):
    x = K.placeholder(shape=(None, 3, 4))
    indices = K.placeholder(shape=(5, 6), dtype='int32')
    assert K.int_shape(K.gather(x, indices)) == (5, 6, 3, 4)

  def test_gather_gradient_into_variable_is_indexed_slices(self):
    reference = K.variable(np.ones((4, 2)))
    indices = K.placeholder(shape=(None,), dtype='int32')
    grad = K.gradients(K.sum(K.gather(reference, indices)), [reference])[0]
    assert isinstance(grad, tf.IndexedSlices)
    result = K.function([indices], [grad])([np.array([0, 2, 2])])[0]
    np.testing.assert_array_equal(result, [[1, 1], [0, 0], [2, 2], [0, 0]])

  def test_gather_out_of_range_is_an_error(self):
    if tf.config.list_physical_devices('GPU'):
      pytest.skip('TensorFlow gathers zeros for bad indices on GPU.')
    reference = np.arange(6.0).reshape(3, 2)
    for indices in ([3], [-1]):
      with pytest.raises(tf.errors.InvalidArgumentError, match='not in'):
        K.eval(K.gather(reference, indices))
      with pytest.raises(IndexError):
        KNP.gather(reference, indices)

  def test_in_top_k_legacy_ties(self):
    # Keras 2.3.1's test_in_top_k: half the classes tie with class 0.
    rng = np.random.RandomState(0)
    predictions = rng.random_sample((20, 10)).astype('float32')
    for i in range(20):
      tied = rng.choice(10, size=5, replace=False)
      predictions[i, tied] = predictions[i, 0]
    targets = np.zeros(20, dtype='int32')
    for k in range(1, 11):
      result = K.eval(K.in_top_k(K.variable(predictions),
                                 K.variable(targets, dtype='int32'), k))
      # Class 0 is in if fewer than k classes are strictly larger.
      better = (predictions > predictions[:, :1]).sum(axis=1)
      np.testing.assert_array_equal(result, better < k)
      np.testing.assert_array_equal(KNP.in_top_k(predictions, targets, k),
                                    better < k)

  def test_in_top_k_non_finite_and_out_of_range(self):
    predictions = np.array([[0.1, 0.9], [np.nan, 0.9], [0.3, 0.2],
                            [0.5, 0.4]], 'float32')
    targets = np.array([1, 1, 0, 2], 'int64')
    expected = [True, False, True, False]
    eager, symbolic = checker.run_both_worlds(
        lambda p, t: K.in_top_k(p, t, 1), [predictions, targets],
        [(None, 2), (None,)])
    np.testing.assert_array_equal(eager[0], expected)
    np.testing.assert_array_equal(symbolic[0], expected)
    np.testing.assert_array_equal(KNP.in_top_k(predictions, targets, 1),
                                  expected)

  @pytest.mark.parametrize('backend', [K, KNP], ids=['tf', 'numpy'])
  def test_in_top_k_float_targets_are_an_error(self, backend):
    with pytest.raises(TypeError, match=r'integer.*float32'):
      backend.in_top_k(np.ones((2, 3), 'float32'), np.zeros(2, 'float32'), 1)
