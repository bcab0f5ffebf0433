"""Placeholders, variables, values, update ops."""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend.tf_backend as K


class TestPlaceholder:

  @pytest.mark.parametrize('kwargs, shape', [
      ({'shape': (None, 3)}, (None, 3)),
      ({'shape': (2, 3)}, (2, 3)),
      ({'ndim': 3}, (None, None, None)),
      ({'shape': [None, 4]}, (None, 4)),
  ])
  def test_shapes(self, kwargs, shape):
    x = K.placeholder(**kwargs)
    assert K.int_shape(x) == shape
    assert K.ndim(x) == len(shape)
    assert x._keras_shape == shape

  def test_unknown_rank(self):
    x = K.placeholder()
    assert K.ndim(x) is None

  def test_dtype_default_follows_floatx(self):
    K.set_floatx('float64')
    assert K.dtype(K.placeholder(shape=(2,))) == 'float64'
    assert K.dtype(K.placeholder(shape=(2,), dtype='int32')) == 'int32'

  def test_name(self):
    assert K.placeholder(shape=(2,), name='input_a').name == 'input_a:0'

  @pytest.mark.parametrize('kwargs, error, match', [
      ({'shape': (2, -1)}, ValueError, 'non-negative'),
      ({'shape': ('a',)}, ValueError, 'tuple of ints'),
      ({'shape': (2,), 'dtype': 'flot32'}, TypeError, 'flot32'),
  ])
  def test_invalid(self, kwargs, error, match):
    with pytest.raises(error, match=match):
      K.placeholder(**kwargs)

  def test_string_placeholder_takes_bytes(self):
    x = K.placeholder(shape=(), dtype='string')
    assert K.function([x], [K.identity(x)])([b'test']) == [b'test']

  def test_predicates(self):
    x = K.placeholder(shape=(2,))
    v = K.variable(1.0)
    sp = K.placeholder(shape=(2, 2), sparse=True)
    assert K.is_placeholder(x) and K.is_placeholder(sp)
    assert not K.is_placeholder(x * 2) and not K.is_placeholder(v)
    assert not K.is_placeholder(K.learning_phase())
    assert K.is_tensor(x) and K.is_tensor(v) and K.is_tensor(sp)
    assert not K.is_tensor(np.ones(2))
    assert K.is_variable(v) and not K.is_variable(x)
    assert K.is_sparse(sp) and not K.is_sparse(x)
    assert not K.is_keras_tensor(x)
    x._keras_history = ('layer', 0, 0)
    assert K.is_keras_tensor(x)
    with pytest.raises(ValueError, match='Expected a symbolic tensor'):
      K.is_keras_tensor(np.ones(2))

  def test_raw_tf_placeholder_in_keras_graph_counts(self):
    with K.get_graph().as_default():
      raw = tf.compat.v1.placeholder(tf.float32, (2,))
    assert K.is_placeholder(raw)


class TestVariable:

  def test_is_a_tf_variable_with_legacy_attributes(self):
    v = K.variable(np.arange(6).reshape(2, 3), name='w')
    assert isinstance(v, tf.Variable)
    assert v.name == 'w:0'
    assert K.dtype(v) == 'float32'  # not 'float32_ref'
    assert v._keras_shape == (2, 3)
    assert K.int_shape(v) == (2, 3) == K.get_variable_shape(v)
    assert K.count_params(v) == 6
    np.testing.assert_array_equal(K.eval(v), np.arange(6).reshape(2, 3))

  @pytest.mark.parametrize('dtype', ['float16', 'float64', 'int32', 'int64',
                                     'bool'])
  def test_dtypes(self, dtype):
    v = K.variable(np.ones(2), dtype=dtype)
    assert K.dtype(v) == dtype and K.eval(v).dtype == np.dtype(dtype)

  def test_from_tensor_of_other_dtype(self):
    v = K.variable(tf.constant([1, 2], tf.int64))
    assert K.dtype(v) == 'float32'

  def test_from_symbolic_initial_value_needing_no_feed(self):
    with K.name_scope('init'):
      value = K.ones_like(np.zeros((2,), 'float32')) * 3.0
    assert K.is_symbolic(value)
    np.testing.assert_array_equal(K.eval(K.variable(value)), [3.0, 3.0])

  def test_constraint_is_kept_for_optimizers(self):
    v = K.variable([2.0, -2.0], constraint=lambda w: K.clip(w, -1.0, 1.0))
    g = K.placeholder(shape=(2,))
    # Legacy optimizers apply the constraint to the new value themselves.
    new_v = v - 0.5 * g
    if getattr(v, 'constraint', None) is not None:
      new_v = v.constraint(new_v)
    f = K.function([g], [], updates=[K.update(v, new_v)])
    f([[1.0, 1.0]])
    np.testing.assert_allclose(K.eval(v), [1.0, -1.0])

  def test_scipy_sparse_value_gives_a_sparse_constant(self):
    import scipy.sparse  # pylint: disable=g-import-not-at-top
    m = scipy.sparse.random(3, 4, density=0.5, format='csr', random_state=0)
    s = K.variable(m)
    assert K.is_sparse(s) and s._keras_shape == (3, 4)
    np.testing.assert_allclose(K.eval(s), m.toarray(), rtol=1e-6)

  def test_invalid_value(self):
    with pytest.raises(ValueError, match='cannot use'):
      K.variable('abc')

  def test_unknown_dtype_is_a_type_error_as_in_legacy_keras(self):
    with pytest.raises(TypeError, match='unsupported'):
      K.variable('', dtype='unsupported')


class TestConstantsAndFills:

  def test_constant(self):
    c = K.constant([[1, 2]], dtype='float64')
    assert K.dtype(c) == 'float64' and K.int_shape(c) == (1, 2)
    np.testing.assert_array_equal(K.eval(K.constant(2.0, shape=(2,))),
                                  [2.0, 2.0])

  def test_zeros_ones_eye_are_variables(self):
    for v in (K.zeros((2, 3)), K.ones((2,), dtype='int32'), K.eye(3)):
      assert K.is_variable(v)
    np.testing.assert_array_equal(K.eval(K.ones((2,), dtype='int32')), [1, 1])
    np.testing.assert_array_equal(K.eval(K.eye(2)), np.eye(2))
    np.testing.assert_array_equal(K.eval(K.eye((2, 3))), np.eye(2, 3))

  def test_zeros_with_symbolic_shape_is_a_tensor(self):
    x = K.placeholder(shape=(None, 3))
    z = K.zeros(K.shape(x))
    assert K.is_symbolic(z)
    assert K.function([x], [z])([np.ones((2, 3))])[0].shape == (2, 3)

  def test_zeros_with_none_in_the_shape_says_what_to_do(self):
    with pytest.raises(ValueError, match=r'K.zeros\(K.shape\(x\)\)'):
      K.zeros((None, 3))

  def test_like_and_identity(self):
    x = K.placeholder(shape=(None, 2))
    f = K.function([x], [K.zeros_like(x), K.ones_like(x, dtype='int32'),
                         K.identity(x)])
    zeros, ones, same = f([[[1.0, 2.0]]])
    np.testing.assert_array_equal(zeros, [[0, 0]])
    assert ones.dtype == np.int32 and ones.tolist() == [[1, 1]]
    np.testing.assert_array_equal(same, [[1.0, 2.0]])

  def test_random_variables_are_reproducible_with_seed(self):
    a = K.random_uniform_variable((50,), -1, 2, seed=3)
    b = K.random_uniform_variable((50,), -1, 2, seed=3)
    c = K.random_uniform_variable((50,), -1, 2, seed=4)
    np.testing.assert_array_equal(K.eval(a), K.eval(b))
    assert not np.array_equal(K.eval(a), K.eval(c))
    assert K.eval(a).min() >= -1 and K.eval(a).max() < 2
    n = K.eval(K.random_normal_variable((4000,), 1.0, 2.0, seed=0))
    assert abs(n.mean() - 1.0) < 0.1 and abs(n.std() - 2.0) < 0.1

  def test_cast(self):
    out = K.cast(np.array([1.7, -1.7]), 'int32')
    assert K.dtype(out) == 'int32'
    np.testing.assert_array_equal(K.eval(out), [1, -1])
    x = K.placeholder(shape=(2,))
    assert K.dtype(K.cast(x, 'float16')) == 'float16'

  def test_cast_to_floatx(self):
    assert K.cast_to_floatx([1, 2]).dtype == np.float32
    assert K.dtype(K.cast_to_floatx(K.variable([1], dtype='int32'))) == (
        'float32')


class TestValues:

  def test_set_and_get_value(self):
    v = K.variable(np.zeros((2, 2)))
    K.set_value(v, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(K.get_value(v), [[1, 2], [3, 4]])

  @pytest.mark.parametrize('bad, match', [
      (np.zeros((3,)), r'shape \(3,\).*shape \(2, 2\)'),
      ('text', 'Cannot assign'),
  ])
  def test_failed_set_value_leaves_the_variable_unchanged(self, bad, match):
    v = K.variable([[1.0, 2.0], [3.0, 4.0]], name='kept')
    with pytest.raises(ValueError, match=match):
      K.set_value(v, bad)
    np.testing.assert_array_equal(K.get_value(v), [[1, 2], [3, 4]])

  def test_batch_set_value_is_all_or_nothing(self):
    a, b = K.variable(0.0), K.variable([0.0, 0.0])
    with pytest.raises(ValueError):
      K.batch_set_value([(a, 1.0), (b, [1.0, 2.0, 3.0])])
    assert K.get_value(a) == 0.0
    K.batch_set_value([(a, 1.0), (b, [1.0, 2.0])])
    assert K.batch_get_value([a, b])[0] == 1.0

  def test_set_value_inside_symbolic_scope_still_assigns(self):
    v = K.variable(0.0)
    with K.name_scope('scope'):
      K.set_value(v, 5.0)
      assert K.get_value(v) == 5.0

  def test_set_value_rejects_non_variables(self):
    with pytest.raises(ValueError, match='variable'):
      K.set_value(K.placeholder(shape=()), 1.0)

  def test_batch_get_value_mixes_symbolic_and_concrete(self):
    v = K.variable([1.0, 2.0])
    values = K.batch_get_value([v, K.sum(v), K.symbolic(K.square)(v)])
    np.testing.assert_array_equal(values[0], [1.0, 2.0])
    assert values[1] == 3.0
    np.testing.assert_array_equal(values[2], [1.0, 4.0])

  def test_eval_of_symbolic_needing_a_feed_names_the_placeholder(self):
    x = K.placeholder(shape=(None, 3), name='needs_feed')
    with pytest.raises(ValueError, match="'needs_feed:0'.*shape \\(None, 3\\)"):
      K.eval(K.sum(x))

  def test_print_tensor(self, capfd):
    x = K.placeholder(shape=(2,))
    y = K.print_tensor(x, message='value: ')
    out = K.function([x], [y])([[1.0, 2.0]])[0]
    np.testing.assert_array_equal(out, [1.0, 2.0])
    assert 'value: ' in capfd.readouterr().out


class TestUpdates:

  def test_building_an_update_changes_nothing(self):
    v = K.variable(1.0)
    K.update(v, 5.0)
    K.update_add(v, 5.0)
    K.moving_average_update(v, 100.0, 0.5)
    assert K.get_value(v) == 1.0

  @pytest.mark.parametrize('make, expected', [
      (lambda v, x: K.update(v, x * 2.0), [6.0, 6.0]),
      (lambda v, x: K.update_add(v, x), [4.0, 7.0]),
      (lambda v, x: K.update_sub(v, x), [-2.0, -5.0]),
      (lambda v, x: K.moving_average_update(v, x, 0.75), [1.5, 1.875]),
  ])
  def test_each_call_applies_the_update(self, make, expected):
    v = K.variable(1.0)
    x = K.placeholder(shape=())
    f = K.function([x], [v], updates=[make(v, x)])
    seen = [f([3.0])[0] for _ in range(2)]
    np.testing.assert_allclose(seen, [1.0, expected[0]])  # pre-update reads
    np.testing.assert_allclose(K.get_value(v), expected[1])

  def test_eval_of_an_update_applies_it_and_returns_the_new_value(self):
    v = K.variable([1.0, 1.0])
    np.testing.assert_array_equal(K.eval(K.update_add(v, [1.0, 2.0])),
                                  [2.0, 3.0])
    np.testing.assert_array_equal(K.get_value(v), [2.0, 3.0])

  def test_update_requires_a_variable_and_a_fitting_shape(self):
    with pytest.raises(ValueError, match='variable'):
      K.update(K.placeholder(shape=()), 1.0)
    with pytest.raises(ValueError, match='shape'):
      K.update(K.variable([1.0, 2.0], name='pair'), [1.0, 2.0, 3.0])

  def test_deviation_moving_average_has_no_zero_debias(self):
    # docs/deviations.md: Keras 2.2.4 on TF1 debiased with hidden variables
    # (first step: exactly `value`); 2.3.1 on TF2 and tf_kbackend do not.
    v = K.variable(0.0)
    K.eval(K.moving_average_update(v, 10.0, 0.9))
    np.testing.assert_allclose(K.get_value(v), 1.0)

  def test_manual_variable_initialization_is_accepted(self):
    K.manual_variable_initialization(True)
    v = K.variable(3.0)
    assert K.get_value(v) == 3.0
    K.manual_variable_initialization(False)
    assert K.v1_variable_initialization() is None
