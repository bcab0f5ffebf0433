"""Conformance tests of the shape ops: TensorFlow vs the numpy reference.

The table runs each op eagerly and symbolically (None batch) through the
generic checker, plus gradients; the classes below pin legacy quirks,
sparse inputs, static shapes and errors.
"""

import numpy as np
import pytest
import tensorflow as tf
from scipy import sparse

import tf_kbackend.numpy_backend as KNP
import tf_kbackend.tf_backend as KTF
from tests.conformance import checker
from tests.conformance.checker import Case

FLOATS = ('float16', 'float32', 'float64')
ALL = FLOATS + ('int32',)
CF, CL = 'channels_first', 'channels_last'

CASES = [
    # reshape / permute / flatten.
    Case('reshape', [(2, 3, 4)], args=((-1, 4),), dtypes=ALL),
    # Static target shapes: gradient in TestReshapeAndShapes (see there).
    Case('reshape', [(4, 2)], kwargs={'shape': (8, 1)}, grad=False),
    Case('reshape', [(2, 6)], args=((2, 3, 2),), grad=False),
    Case('permute_dimensions', [(4, 2, 3)], args=((0, 2, 1),), dtypes=ALL),
    Case('permute_dimensions', [(2, 3, 1, 2)],
         kwargs={'pattern': (3, 1, 0, 2)}),
    Case('flatten', [(4, 1)], dtypes=ALL),
    Case('flatten', [(2, 3, 2)]),
    Case('batch_flatten', [(3, 2, 5)], dtypes=ALL),
    Case('batch_flatten', [(3, 4)]),
    Case('batch_flatten', [(3,)], name='rank1'),
    Case('batch_flatten', [(2, 3, 2)], symbolic_shapes=[(None, None, 2)],
         name='none_inner'),
    # expand_dims / squeeze.
    Case('expand_dims', [(4, 3)], kwargs={'axis': -1}, dtypes=ALL),
    Case('expand_dims', [(4, 3, 2)], kwargs={'axis': 1}),
    Case('expand_dims', [(4, 3)], args=(0,)),
    Case('squeeze', [(4, 3, 1)], kwargs={'axis': 2}, dtypes=ALL),
    Case('squeeze', [(4, 1, 1)], kwargs={'axis': 1}),
    Case('squeeze', [(4, 1, 3)], kwargs={'axis': -2}),
    # repeat_elements: static axis, and None on the repeated axis.
    Case('repeat_elements', [(2, 3, 4)], kwargs={'rep': 3, 'axis': 0},
         dtypes=ALL),
    Case('repeat_elements', [(2, 3, 4)], kwargs={'rep': 2, 'axis': 1}),
    Case('repeat_elements', [(2, 3, 4)], kwargs={'rep': 2, 'axis': -1}),
    Case('repeat_elements', [(2, 3, 4)], kwargs={'rep': 2, 'axis': 1},
         symbolic_shapes=[(2, None, 4)], name='none_axis'),
    Case('repeat_elements', [(2, 3)], kwargs={'rep': 3, 'axis': -1},
         symbolic_shapes=[(None, None)], name='none_all'),
    Case('repeat_elements', [(2, 3)], kwargs={'rep': 0, 'axis': 1},
         grad=False, name='rep0'),
    Case('repeat', [(4, 3)], kwargs={'n': 3}, dtypes=ALL),
    Case('repeat', [(2, 1)], args=(2,)),
    # tile: int n, short n (leading ones), full n.
    Case('tile', [(3, 4)], kwargs={'n': 2}, dtypes=ALL),
    Case('tile', [(3, 4)], kwargs={'n': (2, 1)}),
    Case('tile', [(3, 4, 5)], kwargs={'n': 2}),
    Case('tile', [(3, 4, 5)], kwargs={'n': [1, 2]}),
    Case('tile', [(2, 3, 2)], kwargs={'n': (3, 1, 2)}),
    # Padding.
    Case('temporal_padding', [(4, 3, 3)], dtypes=ALL),
    Case('temporal_padding', [(2, 3, 4)], kwargs={'padding': (1, 2)}),
    Case('temporal_padding', [(2, 3, 2)], kwargs={'padding': [0, 3]},
         symbolic_shapes=[(None, None, 2)], name='none_time'),
    Case('spatial_2d_padding', [(1, 3, 4, 5)],
         kwargs={'padding': ((1, 2), (2, 1)), 'data_format': CF}, dtypes=ALL),
    Case('spatial_2d_padding', [(1, 4, 5, 3)],
         kwargs={'padding': ((1, 2), (2, 1)), 'data_format': CL}, dtypes=ALL),
    Case('spatial_2d_padding', [(2, 2, 3, 1)], symbolic_shapes=[
        (None, None, None, 1)], name='default_none_spatial'),
    Case('spatial_3d_padding', [(1, 2, 3, 2, 2)],
         kwargs={'padding': ((1, 2), (2, 1), (0, 1)), 'data_format': CF},
         dtypes=ALL),
    Case('spatial_3d_padding', [(1, 3, 2, 2, 2)],
         kwargs={'padding': ((1, 2), (2, 1), (1, 0)), 'data_format': CL},
         dtypes=ALL),
    Case('spatial_3d_padding', [(1, 2, 2, 2, 1)], name='default'),
    # reverse / slice / one_hot.
    Case('reverse', [(4, 3, 2)], kwargs={'axes': 1}, dtypes=ALL),
    Case('reverse', [(4, 3, 2)], kwargs={'axes': (1, 2)}),
    Case('reverse', [(4, 3, 2)], kwargs={'axes': [0, -1]}),
    Case('slice', [(2, 5)], kwargs={'start': (0, 1), 'size': (2, 3)},
         dtypes=ALL),
    Case('slice', [(2, 5)], kwargs={'start': (1, 0), 'size': (1, 4)}),
    Case('slice', [(3, 2, 3)], kwargs={'start': (1, 1, 0), 'size': (1, 1, 3)}),
    Case('slice', [(3, 2, 3)], kwargs={'start': [1, 0, 0], 'size': [2, 1, 3]}),
    Case('slice', [(3, 4)], kwargs={'start': (1, 1), 'size': (-1, 2)},
         name='size_minus_1'),
    Case('one_hot', [(3, 4)], kwargs={'num_classes': 5}, dtypes=('int32',),
         values='int', grad=False),
    Case('one_hot', [(6,)], args=(3,), dtypes=('int64',), values='int',
         grad=False, name='out_of_range'),
    Case('one_hot', [(2, 2, 3)], kwargs={'num_classes': 5}, dtypes=('uint8',),
         values='int', grad=False),
    # Resizing, both data formats.
    Case('resize_images', [(2, 3, 2, 3)],
         kwargs={'height_factor': 2, 'width_factor': 3, 'data_format': CF},
         dtypes=ALL),
    Case('resize_images', [(2, 2, 3, 3)],
         kwargs={'height_factor': 3, 'width_factor': 2, 'data_format': CL},
         dtypes=ALL),
    Case('resize_images', [(1, 3, 2, 2)],
         args=(2, 2, CL), symbolic_shapes=[(None, None, None, 2)],
         name='none_spatial'),
    Case('resize_images', [(2, 2, 3, 2)],
         kwargs={'height_factor': 2, 'width_factor': 3, 'data_format': CF,
                 'interpolation': 'bilinear'}, dtypes=FLOATS),
    Case('resize_images', [(2, 3, 2, 2)],
         kwargs={'height_factor': 3, 'width_factor': 2, 'data_format': CL,
                 'interpolation': 'bilinear'}, dtypes=FLOATS),
    Case('resize_images', [(1, 3, 2, 1)],
         args=(2, 3, CL, 'bilinear'), symbolic_shapes=[(None, None, None, 1)],
         name='bilinear_none_spatial'),
    Case('resize_images', [(1, 2, 3, 1)],
         args=(2, 2, CL, 'bilinear'), dtypes=('int32',), grad=False,
         tolerance=(1e-6, 1e-6), name='bilinear_int'),
    Case('resize_volumes', [(1, 2, 2, 1, 2)],
         kwargs={'depth_factor': 2, 'height_factor': 1, 'width_factor': 3,
                 'data_format': CF}, dtypes=ALL),
    Case('resize_volumes', [(1, 2, 1, 2, 2)],
         kwargs={'depth_factor': 2, 'height_factor': 3, 'width_factor': 1,
                 'data_format': CL}, dtypes=ALL),
    Case('resize_volumes', [(1, 1, 2, 2, 1)], args=(2, 2, 2, CL),
         symbolic_shapes=[(None, None, 2, None, 1)], name='none_spatial'),
]

# Ops taking a list of tensors: the checker passes tensors positionally, so
# these run through `_listed_<op>` wrappers installed by a fixture.
LIST_CASES = [
    Case('_listed_concatenate', [(5, 2), (7, 2)], kwargs={'axis': 0},
         symbolic_shapes=[(None, 2), (None, 2)], dtypes=ALL),
    Case('_listed_concatenate', [(2, 4, 3), (2, 3, 3)], kwargs={'axis': 1},
         dtypes=ALL),
    Case('_listed_concatenate', [(2, 3, 2, 1), (2, 3, 2, 2), (2, 3, 2, 3)],
         kwargs={'axis': -1}),
    Case('_listed_concatenate', [(2, 3, 2)], kwargs={'axis': -2},
         name='single'),
    Case('_listed_stack', [(5, 2), (5, 2)], kwargs={'axis': 0}, dtypes=ALL),
    Case('_listed_stack', [(2, 3), (2, 3), (2, 3)], kwargs={'axis': -1}),
    Case('_listed_stack', [(2, 3), (2, 3)], kwargs={'axis': 1}),
]


@pytest.fixture
def list_ops(monkeypatch):
  for module in (KTF, KNP):
    for name in ('concatenate', 'stack'):
      op = getattr(module, name)
      monkeypatch.setattr(
          module, f'_listed_{name}',
          lambda *tensors, _op=op, **kwargs: _op(list(tensors), **kwargs),
          raising=False)


@pytest.mark.parametrize('case', CASES, ids=str)
def test_matches_reference(case):
  checker.check_case(case)


@pytest.mark.parametrize('case', checker.gradient_cases(CASES), ids=str)
def test_gradient(case):
  checker.check_gradient(case)


@pytest.mark.parametrize('case', LIST_CASES, ids=str)
def test_list_op_matches_reference(case, list_ops):
  del list_ops
  checker.check_case(case)


@pytest.mark.parametrize('case', checker.gradient_cases(LIST_CASES), ids=str)
def test_list_op_gradient(case, list_ops):
  del list_ops
  checker.check_gradient(case)


@pytest.mark.parametrize('case', CASES + LIST_CASES, ids=str)
def test_result_dtype_matches_reference(case, list_ops):
  del list_ops
  for dtype in case.dtypes:
    inputs = checker.make_inputs(case, dtype)
    result = getattr(KTF, case.op)(*inputs, *case.args, **case.kwargs)
    expected = checker.reference(case, inputs)
    assert KTF.dtype(result) == np.asarray(expected).dtype.name, (
        f'{case} [{dtype}]')


def _sparse_matrix(seed, shape=(4, 5)):
  return sparse.random(*shape, density=0.3, format='csr', dtype=np.float32,
                       random_state=seed)


def _sparse_value_to_dense(value):
  dense = np.zeros(value.dense_shape, dtype=value.values.dtype)
  dense[tuple(np.asarray(value.indices).T)] = value.values
  return dense


class TestConcatenate:

  def test_mixed_numpy_and_tensor_follow_the_tensor_dtype(self):
    result = KTF.concatenate([np.ones((2, 1)), KTF.variable(np.zeros((2, 2)))])
    assert KTF.dtype(result) == 'float32'
    np.testing.assert_array_equal(KTF.eval(result), [[1, 0, 0], [1, 0, 0]])

  def test_negative_axis_with_unknown_rank(self):
    x = KTF.placeholder(ndim=None)
    y = KTF.concatenate([x, x], axis=-1)
    out = KTF.function([x], [y])([np.arange(6.).reshape(2, 3)])[0]
    np.testing.assert_array_equal(out, np.tile(np.arange(6.).reshape(2, 3),
                                               (1, 2)))

  @pytest.mark.parametrize('axis', [0, 1, -1])
  def test_sparse_eager(self, axis):
    a, b = _sparse_matrix(0), _sparse_matrix(1)
    result = KTF.concatenate([KTF.variable(a), KTF.variable(b)], axis=axis)
    assert KTF.is_sparse(result)
    expected = KNP.concatenate([a, b], axis=axis)
    assert sparse.issparse(expected)
    np.testing.assert_allclose(KTF.eval(KTF.to_dense(result)),
                               expected.toarray())
    np.testing.assert_allclose(
        expected.toarray(),
        np.concatenate([a.toarray(), b.toarray()], axis=axis))

  def test_sparse_placeholders_through_function(self):
    x = KTF.placeholder(shape=(None, 5), sparse=True)
    y = KTF.placeholder(shape=(None, 5), sparse=True)
    z = KTF.concatenate([x, y])
    assert KTF.is_sparse(z)
    assert KTF.int_shape(z) == (None, 10)
    a, b = _sparse_matrix(2), _sparse_matrix(3)
    out = KTF.function([x, y], [z])([a, b])[0]
    assert isinstance(out, tf.compat.v1.SparseTensorValue)
    np.testing.assert_allclose(_sparse_value_to_dense(out),
                               sparse.hstack([a, b]).toarray())

  def test_sparse_and_dense_mix_densifies(self):
    a, b = _sparse_matrix(4), _sparse_matrix(5).toarray()
    expected = np.concatenate([a.toarray(), b], axis=0)
    result = KTF.concatenate([KTF.variable(a), KTF.variable(b)], axis=0)
    assert not KTF.is_sparse(result)
    np.testing.assert_allclose(KTF.eval(result), expected)
    reference = KNP.concatenate([a, b], axis=0)
    assert not sparse.issparse(reference)
    np.testing.assert_allclose(reference, expected)
    # Symbolic: a sparse placeholder next to a dense one.
    x = KTF.placeholder(shape=(None, 5), sparse=True)
    y = KTF.placeholder(shape=(None, 5))
    z = KTF.concatenate([x, y], axis=0)
    assert not KTF.is_sparse(z)
    np.testing.assert_allclose(KTF.function([x, y], [z])([a, b])[0], expected)

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  def test_empty_list_raises(self, backend):
    with pytest.raises(ValueError, match='non-empty'):
      backend.concatenate([])


class TestReshapeAndShapes:

  def test_reshape_with_symbolic_dims(self):
    x = KTF.placeholder(shape=(None, 2, 3))
    y = KTF.reshape(x, (KTF.shape(x)[0], 3, 2))
    assert KTF.int_shape(y) == (None, 3, 2)
    value = np.arange(12.).reshape(2, 2, 3)
    np.testing.assert_array_equal(KTF.function([x], [y])([value])[0],
                                  value.reshape(2, 3, 2))

  def test_reshape_gradient_to_static_shape(self):
    # Not in the table: the gradient does not depend on the input here, and
    # K.function then refuses the unused input (a bridge issue, reported).
    x = KTF.placeholder(shape=(None, 2), dtype='float64')
    weights = np.arange(8.).reshape(8, 1)
    loss = tf.reduce_sum(KTF.reshape(x, (8, 1)) * weights)
    grad = KTF.gradients(loss, [x])[0]
    out = KTF.function([x], [grad, x])([np.ones((4, 2))])[0]
    np.testing.assert_array_equal(out, weights.reshape(4, 2))

  @pytest.mark.parametrize('shape,expected', [
      ((None, 2, 5), (None, 10)),
      ((3, None, 4), (3, None)),
      ((None, None), (None, None)),
  ])
  def test_batch_flatten_static_shape(self, shape, expected):
    y = KTF.batch_flatten(KTF.placeholder(shape=shape))
    assert KTF.int_shape(y) == expected

  def test_batch_flatten_empty_batch(self):
    value = np.zeros((0, 2, 3))
    assert KTF.eval(KTF.batch_flatten(value)).shape == (0, 6)
    assert KNP.batch_flatten(value).shape == (0, 6)
    x = KTF.placeholder(shape=(None, 2, 3))
    assert KTF.function([x], [KTF.batch_flatten(x)])([value])[0].shape == (
        0, 6)

  def test_flatten_static_shape(self):
    assert KTF.int_shape(KTF.flatten(KTF.placeholder((3, None, 4)))) == (
        None,)
    assert KTF.int_shape(KTF.flatten(KTF.placeholder((3, 2, 4)))) == (24,)

  def test_permute_dimensions_static_shape(self):
    y = KTF.permute_dimensions(KTF.placeholder((None, 3, 4)), (2, 0, 1))
    assert KTF.int_shape(y) == (4, None, 3)

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  def test_squeeze_of_a_non_unit_axis_raises(self, backend):
    with pytest.raises(ValueError, match=r'axis 1 must have size 1'):
      backend.squeeze(np.zeros((2, 3, 1)), 1)

  def test_squeeze_symbolic_unknown_dim(self):
    x = KTF.placeholder((None, None, 2))
    y = KTF.squeeze(x, 1)
    assert KTF.int_shape(y) == (None, 2)
    np.testing.assert_array_equal(
        KTF.function([x], [y])([np.ones((3, 1, 2))])[0], np.ones((3, 2)))

  def test_expand_dims_default_axis(self):
    assert KTF.int_shape(KTF.expand_dims(KTF.placeholder((None, 3)))) == (
        None, 3, 1)
    assert KNP.expand_dims(np.zeros((2, 3))).shape == (2, 3, 1)


class TestRepeat:

  @pytest.mark.parametrize('axis', [0, 1, 2, -1])
  def test_repeat_elements_none_axis_shape(self, axis):
    shape = [2, 3, 4]
    shape[axis] = None
    y = KTF.repeat_elements(KTF.placeholder(shape=tuple(shape)), 3, axis)
    # As in legacy Keras: the unknown axis stays unknown, `_keras_shape` too.
    assert KTF.int_shape(y) == tuple(shape)
    assert y._keras_shape == tuple(shape)  # pylint: disable=protected-access

  def test_repeat_elements_static_shape(self):
    y = KTF.repeat_elements(KTF.placeholder(shape=(None, 3)), 2, axis=1)
    assert KTF.int_shape(y) == (None, 6)

  def test_repeat_elements_legacy_values(self):
    arr = np.arange(24).reshape(2, 3, 4)
    for axis in range(3):
      np.testing.assert_array_equal(
          KTF.eval(KTF.repeat_elements(KTF.constant(arr, 'int32'), 3, axis)),
          np.repeat(arr, 3, axis))

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  @pytest.mark.parametrize('rep,axis,match', [
      (-1, 0, 'rep must be an integer >= 0'),
      (1.5, 0, 'rep must be an integer'),
      (2, 3, 'axis must be an integer in'),
  ])
  def test_repeat_elements_errors(self, backend, rep, axis, match):
    with pytest.raises(ValueError, match=match):
      backend.repeat_elements(np.zeros((2, 3)), rep, axis)

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  def test_repeat_needs_2d(self, backend):
    with pytest.raises(ValueError, match='expects a 2D tensor'):
      backend.repeat(np.zeros((2, 3, 4)), 2)

  def test_repeat_static_shape_and_tensor_n(self):
    x = KTF.placeholder((None, 3))
    assert KTF.int_shape(KTF.repeat(x, 4)) == (None, 4, 3)
    n = KTF.placeholder(shape=(), dtype='int32')
    y = KTF.repeat(x, n)
    out = KTF.function([x, n], [y])([np.ones((2, 3)), 5])[0]
    assert out.shape == (2, 5, 3)


class TestTile:

  def test_short_n_gets_leading_ones(self):
    x = np.arange(6.).reshape(1, 2, 3)
    np.testing.assert_array_equal(KTF.eval(KTF.tile(x, 2)), np.tile(x, 2))
    assert KTF.eval(KTF.tile(x, [2, 2])).shape == (1, 4, 6)

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  def test_n_longer_than_rank_raises(self, backend):
    with pytest.raises(ValueError, match=r'at most one entry per axis'):
      backend.tile(np.zeros((2, 3)), (1, 2, 3))

  def test_symbolic_static_shape_and_tensor_n(self):
    x = KTF.placeholder((None, 4))
    assert KTF.int_shape(KTF.tile(x, 2)) == (None, 8)
    assert KTF.int_shape(KTF.tile(x, (3, 1))) == (None, 4)
    n = KTF.constant([2, 1], dtype='int32')
    np.testing.assert_array_equal(KTF.eval(KTF.tile(np.eye(2), n)),
                                  np.tile(np.eye(2), (2, 1)))

  def test_legacy_doc_example(self):
    np.testing.assert_array_equal(
        KTF.eval(KTF.tile(KTF.eye(2), (2, 3))),
        [[1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]] * 2)


class TestArange:

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  @pytest.mark.parametrize('stop', [-20, 0, 1, 10])
  def test_single_argument(self, backend, stop):
    result = np.asarray(backend.arange(stop))
    np.testing.assert_array_equal(result, np.arange(stop))
    assert result.dtype == np.int32

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  @pytest.mark.parametrize('start,stop,step', [
      (0, 5, 1), (-5, 5, 2), (0, 1, 2), (5, 0, -2)])
  def test_start_stop_step(self, backend, start, stop, step):
    np.testing.assert_array_equal(
        np.asarray(backend.arange(start, stop, step)),
        np.arange(start, stop, step))

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  @pytest.mark.parametrize('dtype', ['int32', 'int64', 'float16', 'float32',
                                     'float64'])
  def test_dtypes(self, backend, dtype):
    result = np.asarray(backend.arange(2, 8, 2, dtype=dtype))
    assert result.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(result, [2, 4, 6])

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  def test_float_arguments_stay_float(self, backend):
    # Legacy TensorFlow backend: no cast when dtype is the default 'int32'.
    result = np.asarray(backend.arange(0, 1, 0.25))
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, [0, 0.25, 0.5, 0.75])
    result = np.asarray(backend.arange(np.float64(1.5)))
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, [0, 1])
    result = np.asarray(backend.arange(0.5, 2.0, 0.5, dtype='float64'))
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, [0.5, 1.0, 1.5])

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  def test_numpy_int64_arguments_give_dtype(self, backend):
    # Legacy returned int64 here (no cast for dtype='int32'); see deviations.
    result = np.asarray(backend.arange(np.int64(3)))
    assert result.dtype == np.int32
    np.testing.assert_array_equal(result, [0, 1, 2])

  def test_tensor_start(self):
    assert len(KTF.eval(KTF.arange(KTF.constant(1, dtype='int32')))) == 1
    assert len(KTF.eval(KTF.arange(KTF.constant(-1, dtype='int32')))) == 0
    n = KTF.placeholder(shape=(), dtype='int32')
    f = KTF.function([n], [KTF.arange(n, dtype='float32')])
    np.testing.assert_array_equal(f([3])[0], [0., 1., 2.])
    assert f([-4])[0].shape == (0,)


class TestPadding:

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  @pytest.mark.parametrize('op,shape,padding', [
      ('temporal_padding', (1, 2, 1), (1,)),
      ('temporal_padding', (1, 2, 1), (1, 2, 3)),
      ('spatial_2d_padding', (1, 2, 2, 1), ((1, 1),)),
      ('spatial_2d_padding', (1, 2, 2, 1), ((1, 1), (1,))),
      ('spatial_2d_padding', (1, 2, 2, 1), (1, 1)),
      ('spatial_3d_padding', (1, 2, 2, 2, 1), ((1, 1), (1, 1))),
      ('spatial_3d_padding', (1, 2, 2, 2, 1), ((1, 1), (1, 1), (1, 2, 3))),
  ])
  def test_bad_padding_raises(self, backend, op, shape, padding):
    with pytest.raises(ValueError, match='padding must be'):
      getattr(backend, op)(np.zeros(shape), padding=padding)

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  @pytest.mark.parametrize('op,shape', [
      ('spatial_2d_padding', (1, 2, 2, 1)),
      ('spatial_3d_padding', (1, 2, 2, 2, 1)),
  ])
  def test_bad_data_format_raises(self, backend, op, shape):
    with pytest.raises(ValueError, match="data_format='channels_middle'"):
      getattr(backend, op)(np.zeros(shape), data_format='channels_middle')

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  def test_wrong_rank_raises(self, backend):
    with pytest.raises(ValueError, match='expects a 4D tensor'):
      backend.spatial_2d_padding(np.zeros((2, 2, 2)))

  def test_dynamic_shapes(self):
    padding = ((1, 2), (2, 1))
    y = KTF.spatial_2d_padding(KTF.placeholder((1, None, None, 1)), padding,
                               'channels_last')
    assert KTF.int_shape(y) == (1, None, None, 1)
    y = KTF.spatial_3d_padding(KTF.placeholder((1, None, None, None, 1)),
                               padding + ((1, 2),), 'channels_last')
    assert KTF.int_shape(y) == (1, None, None, None, 1)
    y = KTF.spatial_2d_padding(KTF.placeholder((None, 2, 3, 4)), padding,
                               'channels_first')
    assert KTF.int_shape(y) == (None, 2, 6, 7)

  def test_default_data_format_follows_config(self):
    KTF.set_image_data_format('channels_first')
    x = np.ones((1, 2, 3, 3))
    assert KTF.eval(KTF.spatial_2d_padding(x)).shape == (1, 2, 5, 5)
    assert KNP.spatial_2d_padding(x).shape == (1, 2, 5, 5)


def _legacy_bilinear(x, height, width):
  """TF1's resize_bilinear (legacy Keras' op), NHWC."""
  return tf.raw_ops.ResizeBilinear(images=x, size=[height, width],
                                   align_corners=False,
                                   half_pixel_centers=False).numpy()


class TestResizeImages:

  @pytest.mark.parametrize('data_format', [CF, CL])
  def test_nearest_matches_legacy_op(self, data_format):
    x = np.random.RandomState(0).standard_normal((2, 3, 4, 2)).astype(
        'float32')
    legacy = tf.raw_ops.ResizeNearestNeighbor(
        images=x, size=[6, 12], align_corners=False,
        half_pixel_centers=False).numpy()
    if data_format == CF:
      x, legacy = x.transpose(0, 3, 1, 2), legacy.transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(
        KTF.eval(KTF.resize_images(x, 2, 3, data_format)), legacy)

  @pytest.mark.parametrize('data_format', [CF, CL])
  @pytest.mark.parametrize('factors', [(2, 2), (3, 2), (1, 4)])
  def test_bilinear_matches_legacy_op(self, data_format, factors):
    x = np.random.RandomState(1).standard_normal((2, 3, 4, 2)).astype(
        'float32')
    legacy = _legacy_bilinear(x, 3 * factors[0], 4 * factors[1])
    if data_format == CF:
      x, legacy = x.transpose(0, 3, 1, 2), legacy.transpose(0, 3, 1, 2)
    result = KTF.eval(KTF.resize_images(x, *factors, data_format, 'bilinear'))
    np.testing.assert_allclose(result, legacy, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        KNP.resize_images(x, *factors, data_format, 'bilinear'), legacy,
        rtol=1e-6, atol=1e-6)

  def test_bilinear_is_not_tf2_half_pixel_resize(self):
    """Pins the choice of docs/deviations/shape.md: legacy, not TF2."""
    x = np.arange(6, dtype='float32').reshape(1, 2, 3, 1)
    result = KTF.eval(KTF.resize_images(x, 2, 2, CL, 'bilinear'))[0, :, :, 0]
    np.testing.assert_allclose(result, [
        [0, 0.5, 1, 1.5, 2, 2],
        [1.5, 2, 2.5, 3, 3.5, 3.5],
        [3, 3.5, 4, 4.5, 5, 5],
        [3, 3.5, 4, 4.5, 5, 5],
    ])
    tf2 = tf.image.resize(x, [4, 6], 'bilinear').numpy()[0, :, :, 0]
    assert not np.allclose(result, tf2)

  @pytest.mark.parametrize('dtype', ['float16', 'float64'])
  def test_bilinear_keeps_float_dtype(self, dtype):
    """Legacy returned float32 for every input; see docs/deviations."""
    x = np.arange(4).reshape(1, 2, 2, 1).astype(dtype)
    result = KTF.resize_images(x, 2, 2, CL, 'bilinear')
    assert KTF.dtype(result) == dtype
    assert KNP.resize_images(x, 2, 2, CL, 'bilinear').dtype == dtype

  def test_bilinear_of_ints_is_float32(self):
    x = np.arange(4).reshape(1, 2, 2, 1)
    assert KTF.dtype(KTF.resize_images(x, 2, 2, CL, 'bilinear')) == 'float32'

  @pytest.mark.parametrize('data_format,shape,expected', [
      (CL, (None, 3, None, 2), (None, 6, None, 2)),
      (CF, (None, 2, 3, None), (None, 2, 6, None)),
      (CF, (None, None, 3, 4), (None, None, 6, 12)),
  ])
  @pytest.mark.parametrize('interpolation', ['nearest', 'bilinear'])
  def test_static_shape(self, data_format, shape, expected, interpolation):
    y = KTF.resize_images(KTF.placeholder(shape), 2, 3, data_format,
                          interpolation)
    assert KTF.int_shape(y) == expected

  def test_default_data_format_is_config(self):
    KTF.set_image_data_format('channels_first')
    x = np.zeros((1, 2, 3, 4))
    assert KTF.int_shape(KTF.resize_images(x, 2, 2, None)) == (1, 2, 6, 8)
    assert KNP.resize_images(x, 2, 2, None).shape == (1, 2, 6, 8)

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  @pytest.mark.parametrize('args,match', [
      ((2, 2, 'channels_middle'), "data_format='channels_middle'"),
      ((2, 2, CL, 'bicubic'), "interpolation='bicubic'"),
      ((0, 2, CL), 'height_factor must be an integer >= 1'),
      ((2, 1.5, CL), 'width_factor must be an integer'),
  ])
  def test_errors(self, backend, args, match):
    with pytest.raises(ValueError, match=match):
      backend.resize_images(np.zeros((1, 2, 2, 1)), *args)

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  def test_wrong_rank_raises(self, backend):
    with pytest.raises(ValueError, match='expects a 4D tensor'):
      backend.resize_images(np.zeros((2, 2, 1)), 2, 2, CL)


class TestResizeVolumes:

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  def test_bad_data_format_raises(self, backend):
    with pytest.raises(ValueError, match="data_format='channels_middle'"):
      backend.resize_volumes(np.zeros((1, 2, 2, 2, 1)), 2, 2, 2,
                             'channels_middle')

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  def test_bad_factor_raises(self, backend):
    with pytest.raises(ValueError, match='depth_factor must be'):
      backend.resize_volumes(np.zeros((1, 2, 2, 2, 1)), -1, 2, 2, CL)

  def test_static_shape(self):
    y = KTF.resize_volumes(KTF.placeholder((None, 2, None, 3, 4)), 2, 3, 4,
                           CF)
    assert KTF.int_shape(y) == (None, 2, None, 9, 16)


class TestOneHotReverseSliceStack:

  @pytest.mark.parametrize('dtype', ['int16', 'int32', 'int64', 'uint8'])
  def test_one_hot_index_dtypes(self, dtype):
    indices = np.array([[0, 3], [1, 7]], dtype=dtype)
    result = KTF.one_hot(indices, 4)
    assert KTF.dtype(result) == 'float32'
    expected = np.zeros((2, 2, 4), dtype='float32')
    expected[0, 0, 0] = expected[0, 1, 3] = expected[1, 0, 1] = 1
    np.testing.assert_array_equal(KTF.eval(result), expected)
    np.testing.assert_array_equal(KNP.one_hot(indices, 4), expected)

  def test_one_hot_static_shape(self):
    indices = KTF.placeholder((None, 3), dtype='int32')
    assert KTF.int_shape(KTF.one_hot(indices, 7)) == (None, 3, 7)

  def test_reverse_accepts_int_list_tuple(self):
    x = np.arange(6).reshape(2, 3)
    for axes in (1, [1], (0, 1)):
      np.testing.assert_array_equal(KTF.eval(KTF.reverse(x, axes)),
                                    KNP.reverse(x, axes))
    np.testing.assert_array_equal(KNP.reverse(x, (0, 1)), x[::-1, ::-1])

  @pytest.mark.parametrize('backend', [KTF, KNP], ids=['tf', 'np'])
  @pytest.mark.parametrize('start,size', [
      ([1, 0, 0, 0], (1, 2, 3)), ((1, 0, 0), [1, 2])])
  def test_slice_length_mismatch_raises(self, backend, start, size):
    with pytest.raises(ValueError, match='one entry per axis'):
      backend.slice(np.zeros((3, 2, 3)), start, size)

  def test_slice_symbolic_checks_and_tensor_bounds(self):
    x = KTF.placeholder((None, 5))
    with pytest.raises(ValueError, match='one entry per axis'):
      KTF.slice(x, (0, 0, 0), (1, 1, 1))
    start = KTF.placeholder(shape=(2,), dtype='int32')
    y = KTF.slice(x, start, (1, 2))
    value = np.arange(10.).reshape(2, 5)
    np.testing.assert_array_equal(
        KTF.function([x, start], [y])([value, np.array([1, 2])])[0],
        [[7., 8.]])

  def test_stack_mixed_inputs_follow_tensor_dtype(self):
    result = KTF.stack([np.zeros(2), KTF.variable([1, 2])], axis=-1)
    assert KTF.dtype(result) == 'float32'
    np.testing.assert_array_equal(KTF.eval(result), [[0, 1], [0, 2]])


def test_numpy_backend_is_lazy_on_symbols():
  a = KNP.placeholder(shape=(2, 2), name='a')
  b = KNP.placeholder(shape=(2, 1), name='b')
  out = KNP.concatenate([KNP.reverse(a, 0), b], axis=-1)
  assert KNP.is_symbolic(out)
  value = KNP.function([a, b], [out])([np.eye(2), np.ones((2, 1))])[0]
  np.testing.assert_array_equal(value, [[0, 1, 1], [1, 0, 1]])
