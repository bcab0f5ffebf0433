"""The numpy reference backend's core: graph, tensors, variables, K.function.

Both of its worlds: eager (numpy values, variables) and symbolic (Symbols
evaluated by K.function, K.eval, Session.run). The semantics mirror the
TensorFlow implementation; expected values are computed by hand.
"""

import collections
import io
import contextlib

import numpy as np
import pytest
import scipy.sparse

import tf_kbackend.numpy_backend as K
from tf_kbackend.numpy_backend import evaluation
# Names, not the module: the package attribute `symbolic` is K.symbolic.
from tf_kbackend.numpy_backend.graph import evaluate
from tf_kbackend.numpy_backend.graph import is_derived
from tf_kbackend.numpy_backend.graph import lazy_op
from tf_kbackend.numpy_backend.graph import symbolic_scope


@pytest.fixture(autouse=True)
def _fresh_numpy_session():
  K.clear_session()
  yield
  K.clear_session()


def _run(outputs, feeds=None):
  """Evaluates `outputs` with K.function, feeding {placeholder: value}."""
  feeds = feeds or {}
  return K.function(list(feeds), outputs)(list(feeds.values()))


class TestGraphAndScopes:

  def test_graph_is_replaced_by_clear_session(self):
    graph = K.get_graph()
    x = K.placeholder(shape=(2,))
    assert x.graph is graph is K.get_graph()
    K.clear_session()
    assert K.get_graph() is not graph
    assert graph.retired

  def test_symbols_of_a_cleared_session_raise_a_clear_error(self):
    x = K.placeholder(shape=(2,))
    y = x * 2.0
    K.clear_session()
    with pytest.raises(ValueError, match='clear_session'):
      _ = x + 1.0
    with pytest.raises(ValueError, match='clear_session'):
      K.function([x], [y])
    with pytest.raises(ValueError, match='clear_session'):
      K.eval(y)

  def test_uids(self):
    assert [K.get_uid('dense'), K.get_uid('dense'), K.get_uid()] == [1, 2, 1]
    K.reset_uids()
    assert K.get_uid('dense') == 1
    K.clear_session()
    assert K.get_uid('dense') == 1

  def test_name_scope_prefixes_and_uniquifies(self):
    with K.name_scope('block') as scope:
      x = K.placeholder(shape=(2,), name='x')
      v = K.variable(1.0, name='kernel')
      y = x * 2.0
      with K.name_scope('inner') as inner:
        pass
    with K.name_scope('block') as again:
      z = K.placeholder(shape=(2,), name='x')
    assert (scope, inner, again) == ('block/', 'block/inner/', 'block_1/')
    assert (x.name, v.name, y.name, z.name) == (
        'block/x:0', 'block/kernel:0', 'block/multiply', 'block_1/x:0')
    assert K.variable(1.0, name='kernel').name == 'kernel:0'

  def test_name_scope_is_symbolic(self):
    v = K.variable(2.0)
    with K.name_scope('s'):
      y = v * 3.0
    assert K.is_symbolic(y)
    K.set_value(v, 5.0)
    assert float(K.eval(y)) == 15.0

  def test_placeholder_names_are_unique(self):
    names = [K.placeholder(shape=()).name for _ in range(3)]
    assert names == ['Placeholder:0', 'Placeholder_1:0', 'Placeholder_2:0']
    assert K.placeholder(shape=(), name='a').name == 'a:0'
    assert K.placeholder(shape=(), name='a').name == 'a_1:0'

  def test_symbolic_decorator_reads_variables_at_each_call(self):
    v = K.variable(1.0)

    @K.symbolic
    def double(x):
      return x * 2.0

    y = double(v)
    assert K.is_symbolic(y)
    f = K.function([], [y])
    assert float(f([])[0]) == 2.0
    K.set_value(v, 4.0)
    assert float(f([])[0]) == 8.0

  def test_eager_decorator_leaves_the_symbolic_scope(self):
    @K.eager
    def total(x):
      return K.sum(x)

    with symbolic_scope():
      inside = K.sum(np.ones(2))
      outside = total(np.ones(2))
    assert K.is_symbolic(inside)
    assert float(outside) == 2.0

  def test_graph_as_default_is_the_symbolic_scope(self):
    with K.get_graph().as_default():
      y = K.constant(1.0)
    assert K.is_symbolic(y)
    assert not K.is_symbolic(K.constant(1.0))

  def test_control_dependencies_run_updates_first(self):
    v = K.variable(0.0)
    with K.control_dependencies([K.update_add(v, 1.0)]):
      y = K.identity(v)
    assert float(K.eval(v)) == 0.0  # Building changed nothing.
    assert float(K.eval(y)) == 1.0
    f = K.function([], [y])
    assert float(f([])[0]) == 2.0
    assert float(K.eval(v)) == 2.0

  def test_control_dependencies_none_clears_and_concrete_is_noop(self):
    v = K.variable(0.0)
    with K.control_dependencies([K.update_add(v, 1.0)]):
      with K.control_dependencies(None):
        y = K.identity(v)
    assert y.control_inputs == ()
    with K.control_dependencies([np.ones(2)]):
      z = K.identity(v)
    assert not K.is_symbolic(z)

  def test_is_symbolic(self):
    assert K.is_symbolic(K.placeholder(shape=()))
    assert K.is_symbolic(K.update(K.variable(0.0), 1.0))
    assert not K.is_symbolic(K.variable(0.0))
    assert not K.is_symbolic(np.ones(2))


class TestSymbols:

  def test_operators_build_symbols(self):
    x = K.placeholder(shape=(3,))
    a = np.array([1.0, 2.0, 4.0], 'float32')
    exprs = [x + 1, 1 + x, x - 1, 1 - x, x * 2, 2 * x, x / 2, 2 / x, x ** 2,
             2 ** x, -x, abs(-x), x[1:], x // 2, x % 3, x < 2, x >= 2,
             np.float32(2.0) * x, np.ones(3) + x]
    assert all(K.is_symbolic(e) for e in exprs)
    got = _run(exprs, {x: a})
    expected = [a + 1, 1 + a, a - 1, 1 - a, a * 2, 2 * a, a / 2, 2 / a,
                a ** 2, 2 ** a, -a, a, a[1:], a // 2, a % 3, a < 2, a >= 2,
                2 * a, 1 + a]
    for g, e in zip(got, expected):
      np.testing.assert_allclose(g, e, rtol=1e-6)

  def test_symbols_refuse_bool_and_array_conversion(self):
    x = K.placeholder(shape=(2,))
    with pytest.raises(TypeError, match='Python bool'):
      bool(x)
    with pytest.raises(TypeError, match='symbolic'):
      np.asarray(x)
    with pytest.raises(TypeError, match='cannot be iterated'):
      iter(K.placeholder(ndim=None))

  def test_tuple_valued_symbol_unpacks(self):
    x = K.placeholder(shape=(None, 3, 1))

    def step(x_t, states):
      return x_t + states[0], [x_t + states[0]]

    last, outputs, states = K.rnn(step, x, [K.zeros_like(x[:, 0, :])])
    assert K.int_shape(outputs) == (None, 3, 1)
    got = _run([last, outputs], {x: np.ones((2, 3, 1))})
    np.testing.assert_allclose(got[0], np.full((2, 1), 3.0))
    np.testing.assert_allclose(got[1][0, :, 0], [1.0, 2.0, 3.0])

  def test_deep_expressions_evaluate_without_recursion(self):
    x = K.placeholder(shape=())
    y = x
    for _ in range(5000):
      y = y + 1.0
    assert float(_run([y], {x: 0.0})[0]) == 5000.0

  def test_evaluate_with_id_feeds(self):
    x = K.placeholder(shape=(2,))
    memo = {}
    value = evaluate(x * 3.0, {id(x): np.array([1.0, 2.0])}, memo)
    np.testing.assert_allclose(value, [3.0, 6.0])
    assert id(x) in memo
    with pytest.raises(ValueError, match="placeholder"):
      evaluate(x * 3.0, {})


class TestPlaceholdersShapesDtypes:

  def test_placeholder_declaration(self):
    x = K.placeholder(shape=(None, 3), dtype='int64', name='ids')
    assert K.is_placeholder(x) and K.is_tensor(x) and not K.is_variable(x)
    assert (K.int_shape(x), K.ndim(x), K.dtype(x)) == ((None, 3), 2, 'int64')
    assert x._keras_shape == (None, 3) and x._uses_learning_phase is False
    assert K.int_shape(K.placeholder(ndim=3)) == (None, None, None)
    unknown = K.placeholder()
    assert (K.int_shape(unknown), K.ndim(unknown)) == (None, None)
    assert K.dtype(K.placeholder(shape=())) == 'float32'
    assert K.int_shape(K.placeholder(shape=5)) == (5,)

  @pytest.mark.parametrize('kwargs,error,match', [
      ({'shape': (2, 'a')}, ValueError, 'tuple of ints'),
      ({'shape': (-1,)}, ValueError, 'non-negative'),
      ({'shape': (2,), 'dtype': 'no_such_dtype'}, TypeError, 'unknown dtype'),
  ])
  def test_placeholder_errors(self, kwargs, error, match):
    with pytest.raises(error, match=match):
      K.placeholder(**kwargs)

  def test_static_shapes_of_derived_symbols(self):
    x = K.placeholder(shape=(None, 4))
    assert K.int_shape(x[:, 1:] * 2.0) == (None, 3)
    assert K.int_shape(K.sum(x, axis=0)) == (4,)
    assert K.int_shape(K.sum(x, axis=1)) == (None,)
    assert K.int_shape(K.reshape(x, (-1, 2))) == (None, 2)
    assert K.int_shape(K.shape(x)) == (2,)
    assert K.ndim(K.expand_dims(x)) == 3
    assert K.dtype(K.cast(x, 'int32')) == 'int32'
    assert K.dtype(x > 0) == 'bool'
    assert K.int_shape(K.placeholder(ndim=None) * 2.0) is None

  def test_shape_inference_failure_gives_none(self):

    @lazy_op
    def needs_positive(x):
      if np.any(np.asarray(x) > 0):
        raise ValueError('only for real data')
      return x

    y = needs_positive(K.placeholder(shape=(2,)))
    assert K.int_shape(y) is None and K.dtype(y) is None
    np.testing.assert_array_equal(_run([y], {y.args[0]: [-1.0, 0.0]})[0],
                                  [-1.0, 0.0])

  def test_shape_inference_has_no_side_effects(self):
    x = K.placeholder(shape=(None, 2))
    v = K.variable(0.0)
    with K.control_dependencies([K.update_add(v, 1.0)]):
      y = K.print_tensor(x * 1.0, 'printed:')
    noisy = K.random_normal(K.shape(x), seed=1) + y
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
      assert K.int_shape(noisy) == (None, 2)
    assert out.getvalue() == ''
    assert float(K.eval(v)) == 0.0
    # The random generator was restored: values as if never probed.
    K.clear_session()
    x2 = K.placeholder(shape=(None, 2))
    fresh = K.random_normal(K.shape(x2), seed=1)
    first = _run([fresh], {x2: np.zeros((3, 2))})[0]
    K.clear_session()
    x3 = K.placeholder(shape=(None, 2))
    probed = K.random_normal(K.shape(x3), seed=1)
    assert K.int_shape(probed) == (None, 2)
    np.testing.assert_array_equal(_run([probed], {x3: np.zeros((3, 2))})[0],
                                  first)

  def test_shapes_and_dtypes_of_values(self):
    assert K.int_shape(np.zeros((2, 3))) == (2, 3)
    assert K.ndim(np.zeros((2, 3))) == 2
    assert K.dtype(np.zeros(2, 'int16')) == 'int16'
    assert K.dtype(1.0) == 'float64'
    v = K.variable(np.zeros((2, 3)))
    assert (K.int_shape(v), K.ndim(v), K.dtype(v)) == ((2, 3), 2, 'float32')
    np.testing.assert_array_equal(K.shape(np.zeros((2, 3))), [2, 3])
    assert K.shape(np.zeros((2, 3))).dtype == np.int32
    assert int(K.size(np.zeros((2, 3)))) == 6
    x = K.placeholder(shape=(None, 3))
    got = _run([K.shape(x), K.size(x)], {x: np.zeros((4, 3))})
    np.testing.assert_array_equal(got[0], [4, 3])
    assert int(got[1]) == 12

  @pytest.mark.parametrize('value,dtype,expected', [
      (np.array([1.7, -2.2]), 'int32', np.array([1, -2], 'int32')),
      (np.array([0.0, 2.5]), 'bool', np.array([False, True])),
      (np.array([1, 2], 'int64'), 'float16', np.array([1, 2], 'float16')),
      (1.5, 'float64', np.array(1.5)),
  ])
  def test_cast_in_both_worlds(self, value, dtype, expected):
    eager = K.cast(value, dtype)
    assert eager.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(eager, expected)
    x = K.placeholder(shape=np.shape(value), dtype=np.asarray(value).dtype)
    symbolic_value = _run([K.cast(x, dtype)], {x: value})[0]
    assert np.asarray(symbolic_value).dtype == np.dtype(dtype)
    np.testing.assert_array_equal(symbolic_value, expected)

  def test_cast_unknown_dtype(self):
    with pytest.raises(TypeError, match='cast: unknown dtype'):
      K.cast(np.ones(2), 'float99')

  def test_cast_to_floatx(self):
    assert K.cast_to_floatx([1, 2]).dtype == np.float32
    K.set_floatx('float64')
    try:
      assert K.cast_to_floatx([1, 2]).dtype == np.float64
      y = K.cast_to_floatx(K.placeholder(shape=(2,), dtype='int32'))
      assert K.is_symbolic(y) and K.dtype(y) == 'float64'
    finally:
      K.set_floatx('float32')

  def test_predicates(self):
    x = K.placeholder(shape=(2,))
    v = K.variable(1.0)
    assert [K.is_tensor(t) for t in (x, v, x * 2, np.ones(2), 1.0)] == [
        True, True, True, False, False]
    assert not K.is_tensor(K.update(v, 2.0))
    assert [K.is_placeholder(t) for t in (x, x * 2, v, K.learning_phase())
           ] == [True, False, False, False]
    assert not K.is_keras_tensor(x)
    x._keras_history = ('layer', 0, 0)
    assert K.is_keras_tensor(x)
    with pytest.raises(ValueError, match='Expected a symbolic tensor'):
      K.is_keras_tensor(np.ones(2))


class TestSparse:

  def test_sparse_placeholder_fed_scipy_and_tuples(self):
    x = K.placeholder(shape=(2, 3), sparse=True)
    assert K.is_sparse(x) and not K.is_sparse(K.placeholder(shape=(2, 3)))
    assert (K.int_shape(x), K.ndim(x), K.dtype(x)) == ((2, 3), 2, 'float32')
    f = K.function([x], [K.to_dense(x)])
    dense = np.array([[0.0, 5.0, 0.0], [1.0, 0.0, 0.0]])
    expected = dense.astype('float32')
    np.testing.assert_array_equal(f([scipy.sparse.csr_matrix(dense)])[0],
                                  expected)
    triple = (np.array([[0, 1], [1, 0]]), np.array([5.0, 1.0]), (2, 3))
    result = f([triple])[0]
    np.testing.assert_array_equal(result, expected)
    assert result.dtype == np.float32

  def test_sparse_feed_errors(self):
    x = K.placeholder(shape=(None, 3), sparse=True, name='sp')
    f = K.function([x], [K.to_dense(x)])
    with pytest.raises(ValueError, match=r"dense shape \(2, 4\).*'sp:0'"):
      f([scipy.sparse.csr_matrix(np.zeros((2, 4)))])
    with pytest.raises(ValueError, match='for sparse placeholder'):
      f([np.zeros((2, 3))])

  def test_sparse_values(self):
    matrix = scipy.sparse.csr_matrix(np.eye(2))
    v = K.variable(matrix)
    assert K.is_sparse(v) and K.is_tensor(v) and v.dtype == np.float32
    assert K.int_shape(v) == (2, 2)
    np.testing.assert_array_equal(K.to_dense(v), np.eye(2))
    np.testing.assert_array_equal(K.eval(v), np.eye(2))
    assert K.to_dense(np.ones(2)) is not None


class TestVariables:

  def test_creation(self):
    v = K.variable([[1, 2], [3, 4]], name='w', constraint=abs)
    assert (v.name, v.dtype, v.shape, v.constraint) == (
        'w:0', np.float32, (2, 2), abs)
    assert v._keras_shape == (2, 2) and v._uses_learning_phase is False
    assert K.dtype(K.variable(1, dtype='int64')) == 'int64'
    assert K.variable(1.0).name == 'Variable:0'
    np.testing.assert_array_equal(K.eval(K.variable(v)), [[1, 2], [3, 4]])

  def test_creation_errors(self):
    with pytest.raises(ValueError, match='cannot use'):
      K.variable('abc')
    with pytest.raises(TypeError, match='unknown dtype'):
      K.variable(1.0, dtype='float99')

  def test_symbolic_initial_value_is_evaluated(self):
    with symbolic_scope():
      initial = K.ones((2,)) * 3.0
      v = K.variable(initial)
    assert K.is_symbolic(initial) and not K.is_symbolic(v)
    np.testing.assert_array_equal(K.eval(v), [3.0, 3.0])
    with pytest.raises(ValueError, match='placeholder'):
      K.variable(K.placeholder(shape=(2,)) * 2.0)

  def test_values_read_are_copies(self):
    v = K.variable([1.0, 2.0])
    value = K.eval(v)
    value[0] = 100.0
    np.testing.assert_array_equal(K.eval(v), [1.0, 2.0])
    array = np.asarray(v)
    array[0] = 100.0
    np.testing.assert_array_equal(K.get_value(v), [1.0, 2.0])
    out = K.function([], [v])([])[0]
    out[0] = 100.0
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])

  def test_operators_compute_now_and_remember(self):
    v = K.variable([1.0, 2.0])
    doubled = v * 2.0
    assert not K.is_symbolic(doubled)
    np.testing.assert_array_equal(doubled, [2.0, 4.0])
    assert is_derived(doubled)
    np.testing.assert_allclose(np.exp(v), np.exp([1.0, 2.0]), rtol=1e-6)
    assert is_derived(np.exp(v))
    np.testing.assert_array_equal(v[1], 2.0)
    assert float(K.variable(3.0)) == 3.0 and len(v) == 2
    assert [float(e) for e in v] == [1.0, 2.0]

  def test_derived_values_follow_variables_into_symbols(self):
    # TF1 semantics: `momentum * velocity` reads the variable at call time.
    v = K.variable([1.0, 2.0])
    regularizer = 0.5 * K.sum(K.square(v))
    assert float(regularizer) == 2.5  # A concrete value now...
    x = K.placeholder(shape=())
    f = K.function([x], [x + regularizer, regularizer])
    np.testing.assert_allclose(f([1.0]), [3.5, 2.5])
    K.set_value(v, [0.0, 1.0])
    np.testing.assert_allclose(f([1.0]), [1.5, 0.5])  # ...read at each call.
    np.testing.assert_allclose(K.eval(regularizer), 2.5)  # eval: snapshot.

  def test_inplace_operator_rebinds(self):
    v = K.variable([1.0])
    original = v
    v += 1.0
    assert v is not original
    np.testing.assert_array_equal(K.eval(original), [1.0])

  def test_identity_hashing(self):
    a, b = K.variable(1.0), K.variable(1.0)
    assert a != b and a == a  # pylint: disable=comparison-with-itself
    assert len({a, b}) == 2 and a in [a]

  def test_set_value_checks_before_changing(self):
    v = K.variable([1.0, 2.0], name='v')
    K.set_value(v, [3, 4])
    np.testing.assert_array_equal(K.get_value(v), [3.0, 4.0])
    with pytest.raises(ValueError, match=r"shape \(3,\) to variable 'v:0'"):
      K.set_value(v, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match='Cannot assign'):
      K.set_value(v, 'ab')
    with pytest.raises(ValueError, match='expects a variable'):
      K.set_value(np.ones(2), [1.0, 2.0])
    w = K.variable(0.0)
    with pytest.raises(ValueError):
      K.batch_set_value([(w, 5.0), (v, [1.0])])
    assert float(K.eval(w)) == 0.0  # Nothing changed.
    np.testing.assert_array_equal(K.get_value(v), [3.0, 4.0])
    K.batch_set_value([(w, 5.0), (v, [1.0, 1.0])])
    assert K.batch_get_value([w, v])[0] == 5.0

  def test_shape_and_count(self):
    v = K.variable(np.zeros((2, 3)))
    assert K.get_variable_shape(v) == (2, 3) and K.count_params(v) == 6
    with pytest.raises(ValueError, match='fully known'):
      K.count_params(K.placeholder(shape=(None, 2)))

  def test_constants_and_fills(self):
    np.testing.assert_array_equal(K.constant(2, shape=(2, 2)), np.full(
        (2, 2), 2.0, 'float32'))
    np.testing.assert_array_equal(K.constant([1, 2, 3, 4], shape=(2, 2)),
                                  [[1.0, 2.0], [3.0, 4.0]])
    assert K.constant([1, 2]).dtype == np.float32
    assert K.constant([1, 2], dtype='int32').dtype == np.int32
    with pytest.raises(TypeError, match='cannot fill'):
      K.constant([1, 2, 3], shape=(2, 2))
    z, o = K.zeros((2, 3), dtype='int32'), K.ones(2)
    assert K.is_variable(z) and z.dtype == np.int32 and z.shape == (2, 3)
    np.testing.assert_array_equal(K.eval(o), [1.0, 1.0])
    np.testing.assert_array_equal(K.eval(K.eye(2)), np.eye(2))
    np.testing.assert_array_equal(K.eval(K.eye((2, 3))), np.eye(2, 3))
    with pytest.raises(ValueError, match='fully defined'):
      K.zeros((None, 2))

  def test_zeros_of_a_symbolic_shape(self):
    x = K.placeholder(shape=(None, 2))
    z = K.zeros(K.shape(x))
    assert K.is_symbolic(z) and K.int_shape(z) == (None, 2)
    np.testing.assert_array_equal(_run([z], {x: np.ones((3, 2))})[0],
                                  np.zeros((3, 2)))

  def test_like_and_identity(self):
    assert K.zeros_like(np.ones(2, 'int32')).dtype == np.int32
    assert K.ones_like([1.0, 2.0]).dtype == np.float32  # As TensorFlow.
    assert K.zeros_like(np.ones(2), dtype='int8').dtype == np.int8
    v = K.variable([1.0, 2.0])
    copy = K.identity(v)
    K.set_value(v, [5.0, 5.0])
    np.testing.assert_array_equal(copy, [1.0, 2.0])
    x = K.placeholder(shape=(2,))
    got = _run([K.zeros_like(x), K.ones_like(x), K.identity(x)],
               {x: [3.0, 4.0]})
    np.testing.assert_array_equal(np.stack(got),
                                  [[0.0, 0.0], [1.0, 1.0], [3.0, 4.0]])

  def test_random_variables(self):
    a = K.random_uniform_variable((200,), -1.0, 3.0, seed=3)
    b = K.random_uniform_variable((200,), -1.0, 3.0, seed=3)
    np.testing.assert_array_equal(K.eval(a), K.eval(b))
    assert K.eval(a).min() >= -1.0 and K.eval(a).max() < 3.0
    n = K.random_normal_variable((2000,), 2.0, 0.5, dtype='float64', seed=1)
    assert n.dtype == np.float64
    assert abs(float(np.mean(K.eval(n))) - 2.0) < 0.05
    assert abs(float(np.std(K.eval(n))) - 0.5) < 0.05
    unseeded = K.random_normal_variable((3,), 0.0, 1.0)
    assert unseeded.shape == (3,)

  def test_initialization_flags_are_accepted(self):
    K.manual_variable_initialization(True)
    K.manual_variable_initialization(False)
    assert K.v1_variable_initialization() is None


class TestUpdates:

  def test_building_changes_nothing_running_applies(self):
    v = K.variable([1.0, 2.0])
    ops = [K.update(v, [5.0, 5.0]), K.update_add(v, [1.0, 1.0]),
           K.update_sub(v, [1.0, 1.0]), K.moving_average_update(v, 0.0, 0.5)]
    np.testing.assert_array_equal(K.eval(v), [1.0, 2.0])
    np.testing.assert_array_equal(K.eval(ops[0]), [5.0, 5.0])
    np.testing.assert_array_equal(K.eval(ops[1]), [6.0, 6.0])
    np.testing.assert_array_equal(K.eval(ops[2]), [5.0, 5.0])
    np.testing.assert_array_equal(K.eval(ops[3]), [2.5, 2.5])
    np.testing.assert_array_equal(K.eval(ops[1]), [3.5, 3.5])  # Each run.

  def test_moving_average(self):
    v = K.variable(2.0)
    K.eval(K.moving_average_update(v, 10.0, 0.9))
    assert float(K.eval(v)) == pytest.approx(2.0 * 0.9 + 10.0 * 0.1)

  def test_outputs_see_values_before_the_updates(self):
    v = K.variable([1.0, 2.0])
    f = K.function([], [v, K.identity(v), v * 1.0],
                   updates=[K.update_add(v, [1.0, 1.0]),
                            K.update_add(v, [10.0, 10.0])])
    for output in f([]):
      np.testing.assert_array_equal(output, [1.0, 2.0])
    np.testing.assert_array_equal(K.eval(v), [12.0, 13.0])  # Accumulated.

  def test_update_values_use_old_values_and_last_assignment_wins(self):
    v = K.variable([1.0, 2.0])
    w = K.variable(0.0)
    f = K.function([], [], updates=[(v, v * 2), K.update(v, v + 1),
                                    K.update(w, K.sum(v))])
    assert f([]) == []
    np.testing.assert_array_equal(K.eval(v), [2.0, 3.0])
    assert float(K.eval(w)) == 3.0

  def test_update_with_placeholders_and_nested_lists(self):
    x = K.placeholder(shape=(None,))
    total = K.variable(0.0)
    count = K.variable(0, dtype='int32')
    f = K.function([x], [K.sum(x)],
                   updates=[[K.update_add(total, K.sum(x))],
                            (count, count + 1)])
    f([np.array([1.0, 2.0])])
    f([np.array([3.0])])
    assert float(K.eval(total)) == 6.0 and int(K.eval(count)) == 2
    assert K.eval(count).dtype == np.int32

  def test_shape_errors(self):
    v = K.variable([1.0, 2.0], name='v')
    with pytest.raises(ValueError, match=r"new value has shape \(\)"):
      K.update_add(v, 1.0)
    with pytest.raises(ValueError, match=r'new value has shape \(None, 3\)'):
      K.update(v, K.placeholder(shape=(None, 3)))
    with pytest.raises(ValueError, match='expects a variable'):
      K.update(np.ones(2), np.ones(2))
    # Known only at run time: checked before any variable changes.
    x = K.placeholder(shape=(None,))
    w = K.variable(0.0)
    f = K.function([x], [], updates=[K.update(w, 1.0), K.update(v, x)])
    with pytest.raises(ValueError, match=r"shape \(3,\), but variable 'v:0'"):
      f([np.ones(3)])
    assert float(K.eval(w)) == 0.0

  def test_update_op_is_not_a_value(self):
    op = K.update(K.variable(0.0), 1.0)
    with pytest.raises(ValueError, match='is an op'):
      K.function([], [op])
    with pytest.raises(TypeError, match='update op'):
      _ = op + 1.0

  def test_invalid_updates(self):
    v = K.variable(0.0)
    with pytest.raises(ValueError, match='Update 0'):
      K.function([], [], updates=[(v,)])
    with pytest.raises(ValueError, match='Update 1'):
      K.function([], [], updates=[K.update(v, 1.0), 'not an op'])
    with pytest.raises(ValueError, match='Update 0'):
      K.function([], [], updates=[(np.ones(2), 1.0)])


class TestFunction:

  def test_inputs_outputs(self):
    x = K.placeholder(shape=(None, 2), name='x')
    w = K.variable([[1.0], [2.0]])
    f = K.function([x], [K.dot(x, w), w, np.array([7.0])])
    y, w_value, constant = f([np.array([[1.0, 1.0]])])
    np.testing.assert_array_equal(y, [[3.0]])
    assert y.dtype == np.float32
    np.testing.assert_array_equal(w_value, [[1.0], [2.0]])
    np.testing.assert_array_equal(constant, [7.0])
    single = K.function((x,), K.sum(x))([np.ones((2, 2))])
    assert isinstance(single, np.float32) and single == 4.0

  def test_argument_errors(self):
    x = K.placeholder(shape=(None, 2), name='x')
    with pytest.raises(TypeError, match='list or tuple'):
      K.function(x, [x])
    with pytest.raises(ValueError, match='Invalid argument.*foo'):
      K.function([x], [x], foo=1)
    with pytest.raises(ValueError, match='must be a placeholder'):
      K.function([np.ones(2)], [x])
    f = K.function([x], [x * 2.0], name='double')
    with pytest.raises(ValueError,
                       match=r"'double' expects 1 input.*received 2"):
      f([np.ones((1, 2)), np.ones((1, 2))])
    with pytest.raises(TypeError, match='list or tuple of input values'):
      f(np.ones((1, 2)))

  def test_feed_shape_and_dtype_errors(self):
    x = K.placeholder(shape=(None, 2), name='x')
    f = K.function([x], [x * 2.0])
    with pytest.raises(ValueError) as info:
      f([np.ones((2, 3))])
    assert str(info.value) == (
        "Cannot feed a value of shape (2, 3) for placeholder 'x:0' (input 0 "
        "of K.function 'keras_function'), which has shape (None, 2).")
    with pytest.raises(ValueError, match='shape \\(2,\\)'):
      f([np.ones(2)])
    with pytest.raises(ValueError, match='which has dtype float32'):
      f([np.array([['a', 'b']])])

  def test_feeds_are_cast_to_the_placeholder_dtype(self):
    x = K.placeholder(shape=(2,))
    i = K.placeholder(shape=(2,), dtype='int32')
    out_x, out_i = K.function([x, i], [x, i])([[1, 2], np.array([1.9, 2.0])])
    assert out_x.dtype == np.float32 and out_i.dtype == np.int32
    np.testing.assert_array_equal(out_i, [1, 2])

  def test_outputs_are_not_aliases_of_inputs(self):
    x = K.placeholder(shape=(2,))
    value = np.array([1.0, 2.0], 'float32')
    out = K.function([x], [x])([value])[0]
    out[0] = 100.0
    assert value[0] == 1.0

  def test_unfed_placeholders_are_all_named(self):
    x = K.placeholder(shape=(2,), name='x')
    y = K.placeholder(shape=(2,), name='y')
    z = K.placeholder(shape=(None, 2), dtype='int32', name='z')
    with pytest.raises(ValueError) as info:
      K.function([x], [x + y + K.cast(z, 'float32')])
    message = str(info.value)
    assert message.startswith(
        "K.function 'keras_function': the requested outputs depend on "
        "placeholder(s) ")
    assert "'y:0' (shape (2,), dtype float32)" in message
    assert "'z:0' (shape (None, 2), dtype int32)" in message
    assert message.endswith("Fed: ['x:0'].")

  def test_feeding_an_intermediate_symbol(self):
    x = K.placeholder(shape=(2,))
    hidden = x * 2.0
    y = hidden + 1.0
    np.testing.assert_array_equal(K.function([hidden], [y])([[1.0, 1.0]])[0],
                                  [2.0, 2.0])

  def test_feed_dict_and_fetches(self):
    x = K.placeholder(shape=())
    scale = K.placeholder(shape=())
    v = K.variable(0.0)
    feeds = {scale: 10.0}
    f = K.function([x], [x * scale], feed_dict=feeds,
                   fetches=[K.update_add(v, 1.0)], options=None,
                   run_metadata=None)
    assert float(f([2.0])[0]) == 20.0
    feeds[scale] = 3.0  # Read at each call.
    assert float(f([2.0])[0]) == 6.0
    assert float(K.eval(v)) == 2.0

  def test_print_tensor_prints_at_each_call(self, capsys):
    x = K.placeholder(shape=(2,))
    f = K.function([x], [K.print_tensor(x * 2.0, message='y =')])
    capsys.readouterr()
    f([np.array([1.0, 2.0])])
    f([np.array([3.0, 4.0])])
    assert capsys.readouterr().out == 'y = [2. 4.]\ny = [6. 8.]\n'
    value = K.print_tensor(np.array([1, 2]), message='now')
    assert capsys.readouterr().out == 'now [1 2]\n'
    np.testing.assert_array_equal(value, [1, 2])


class TestLearningPhase:

  def test_placeholder_with_default(self):
    phase = K.learning_phase()
    assert K.is_symbolic(phase) and phase is K.learning_phase()
    assert (K.dtype(phase), K.int_shape(phase)) == ('bool', ())
    x = K.placeholder(shape=(2,))
    y = K.in_train_phase(x * 2.0, x)
    assert y._uses_learning_phase is True
    with_phase = K.function([x, K.learning_phase()], [y])
    np.testing.assert_array_equal(with_phase([[1.0, 2.0], 1])[0], [2.0, 4.0])
    np.testing.assert_array_equal(with_phase([[1.0, 2.0], 0])[0], [1.0, 2.0])
    np.testing.assert_array_equal(with_phase([[1.0, 2.0], True])[0],
                                  [2.0, 4.0])
    # Not fed: test phase.
    np.testing.assert_array_equal(K.function([x], [y])([[1.0, 2.0]])[0],
                                  [1.0, 2.0])

  def test_set_learning_phase(self):
    K.set_learning_phase(1)
    assert K.learning_phase() == 1
    assert float(K.in_train_phase(1.0, 2.0)) == 1.0
    assert K.in_test_phase(lambda: 'test', lambda: 'train') == 'train'
    for bad in (2, True, 'train', -1):
      with pytest.raises(ValueError, match='0 or 1'):
        K.set_learning_phase(bad)
    assert K.learning_phase() == 1
    K.clear_session()
    assert K.is_symbolic(K.learning_phase())

  def test_learning_phase_scope(self):
    with K.learning_phase_scope(0) as value:
      assert value == 0 and K.learning_phase() == 0
      with K.learning_phase_scope(1):
        assert K.learning_phase() == 1
      assert K.learning_phase() == 0
    assert K.is_symbolic(K.learning_phase())
    with pytest.raises(ValueError):
      with K.learning_phase_scope(5):
        pass

  def test_static_training_calls_only_the_chosen_callable(self):
    calls = []

    def branch(name):
      calls.append(name)
      return name

    assert K.in_train_phase(lambda: branch('x'), lambda: branch('alt'),
                            training=1) == 'x'
    assert K.in_test_phase(lambda: branch('x'), lambda: branch('alt'),
                           training=np.int64(0)) == 'x'
    assert calls == ['x', 'x']

  def test_symbolic_training_argument(self):
    training = K.placeholder(shape=(), dtype='bool')
    y = K.in_train_phase(1.0, 2.0, training=training)
    assert not hasattr(y, '_uses_learning_phase')
    f = K.function([training], [y])
    assert (float(f([True])[0]), float(f([False])[0])) == (1.0, 2.0)


class TestSwitch:

  def test_scalar_condition_computes_one_branch(self):
    c = K.placeholder(shape=(), dtype='bool')
    x = K.placeholder(shape=(2,))
    computed = []

    @lazy_op
    def tracked(value, tag):
      computed.append(tag)
      return value

    y = K.switch(c, tracked(x * 2.0, 'then'), tracked(x * 3.0, 'else'))
    assert K.int_shape(y) == (2,)
    f = K.function([c, x], [y])
    computed.clear()
    np.testing.assert_array_equal(f([True, [1.0, 1.0]])[0], [2.0, 2.0])
    assert computed == ['then']
    np.testing.assert_array_equal(f([False, [1.0, 1.0]])[0], [3.0, 3.0])
    assert computed == ['then', 'else']

  def test_elementwise_condition_broadcasts_over_trailing_axes(self):
    condition = np.array([True, False])
    then, other = np.ones((2, 3)), np.zeros((2, 3))
    expected = np.array([[1.0] * 3, [0.0] * 3])
    np.testing.assert_array_equal(K.switch(condition, then, other), expected)
    c = K.placeholder(shape=(None,), dtype='bool')
    a = K.placeholder(shape=(None, 3))
    y = K.switch(c, a, a * 0.0)
    assert K.int_shape(y) == (None, 3)
    np.testing.assert_array_equal(_run([y], {c: condition, a: then})[0],
                                  expected)
    np.testing.assert_array_equal(
        K.switch(np.array([1.0, 0.0]), lambda: then, lambda: other),
        expected)

  def test_rank_error(self):
    with pytest.raises(ValueError, match='Rank of `condition`'):
      K.switch(np.array([True, False]), 1.0, 2.0)
    with pytest.raises(ValueError, match=r'ndim\(condition\)=2'):
      K.switch(K.placeholder(shape=(2, 2), dtype='bool'),
               K.placeholder(shape=(2,)), K.placeholder(shape=(2,)))

  def test_concrete_scalar_condition_calls_one_callable(self):
    calls = []

    def make(value):
      calls.append(value)
      return value

    result = K.switch(True, lambda: make(1.0), lambda: make(2.0))
    assert float(result) == 1.0 and calls == [1.0]
    assert K.switch(np.bool_(False), 1, 2).dtype == np.int32  # As TF.

  def test_variable_branches_are_read_when_evaluated(self):
    c = K.placeholder(shape=(), dtype='bool')
    v = K.variable([1.0])
    f = K.function([c], [K.switch(c, v, v * 0.0)])
    K.set_value(v, [4.0])
    np.testing.assert_array_equal(f([True])[0], [4.0])


class TestSessions:

  def test_run_nested_structures(self):
    x = K.placeholder(shape=(2,), name='x')
    v = K.variable([1.0, 1.0])
    pair = collections.namedtuple('pair', ['a', 'b'])
    session = K.get_session()
    assert session is K.get_session()
    result = session.run(
        {'sum': x + v, 'both': pair(v, [x * 2.0, None]),
         'op': (K.update_add(v, [1.0, 1.0]),)},
        feed_dict={x: [1.0, 2.0]})
    np.testing.assert_array_equal(result['sum'], [2.0, 3.0])
    assert isinstance(result['both'], pair)
    np.testing.assert_array_equal(result['both'].a, [1.0, 1.0])  # Before.
    np.testing.assert_array_equal(result['both'].b[0], [2.0, 4.0])
    assert result['both'].b[1] is None and result['op'] == (None,)
    np.testing.assert_array_equal(session.run(v), [2.0, 2.0])
    np.testing.assert_array_equal(
        session.run(x * 3.0, feed_dict={'x:0': [1.0, 1.0]}), [3.0, 3.0])
    # TF1's TypeError for a feed key it cannot interpret.
    with pytest.raises(TypeError, match='feed_dict key.*refers to no placeholder'):
      session.run(x, feed_dict={'nope:0': [1.0, 1.0]})

  def test_make_callable_and_session_api(self):
    x = K.placeholder(shape=())
    session = K.get_session()
    assert float(session.make_callable(x * 2.0, [x])(4.0)) == 8.0
    assert session.list_devices()[0].device_type == 'CPU'
    assert session.graph is K.get_graph()
    with session.as_default():
      assert K.is_symbolic(K.constant(1.0))
    with session as entered:
      assert entered is session
    assert session.sess_str == ''

  def test_set_session_and_clear_session(self):
    mine = K.get_session().__class__()
    K.set_session(mine)
    assert K.get_session() is mine
    foreign = object()
    K.set_session(foreign)
    assert K.get_session().wrapped_session is foreign
    K.clear_session()
    assert K.get_session() is not mine

  def test_eval_and_values(self):
    assert float(K.eval(K.variable(2.0))) == 2.0
    np.testing.assert_array_equal(K.eval(np.array([1, 2])), [1, 2])
    assert K.eval(1.5) == 1.5
    np.testing.assert_array_equal(K.get_value(K.variable([[1.0]])), [[1.0]])
    assert K.batch_get_value([]) == []
    values = K.batch_get_value([K.variable(1.0), K.constant([2.0])])
    assert float(values[0]) == 1.0
    np.testing.assert_array_equal(values[1], [2.0])
    x = K.placeholder(shape=(2,), name='needed')
    with pytest.raises(ValueError, match="K.eval: .*'needed:0'"):
      K.eval(x * 2.0)
    sparse = K.placeholder(shape=(2, 2), sparse=True)
    with pytest.raises(ValueError, match='must be fed'):
      K.eval(sparse)


class TestGradients:
  """K.gradients: finite differences against hand-computed derivatives."""

  def _gradients(self, loss, wrt, feeds):
    grads = K.gradients(loss, wrt)
    return K.function(list(feeds), grads)(list(feeds.values()))

  def test_square(self):
    x = K.placeholder(shape=(3,))
    value = np.array([1.0, -2.0, 3.5])
    (g,) = self._gradients(K.sum(K.square(x)), [x], {x: value})
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * value, rtol=1e-4)

  def test_matrix_product_wrt_variable_and_input(self):
    x = K.placeholder(shape=(None, 2))
    w = K.variable([[1.0, -1.0, 0.5], [2.0, 0.0, 1.0]])
    loss = K.sum(K.dot(x, w) * np.array([1.0, 2.0, 3.0]))
    xs = np.array([[1.0, 2.0], [3.0, -1.0]])
    gx, gw = self._gradients(loss, [x, w], {x: xs})
    # d/dW sum(x W c) = x^T 1 c^T; d/dx = 1 (W c)^T.
    c = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(gw, np.outer(xs.sum(axis=0), c), rtol=1e-4)
    np.testing.assert_allclose(
        gx, np.tile(K.eval(w) @ c, (2, 1)), rtol=1e-4)
    np.testing.assert_array_equal(K.eval(w), [[1.0, -1.0, 0.5],
                                              [2.0, 0.0, 1.0]])

  def test_non_scalar_loss_is_summed_and_float64_precision(self):
    x = K.placeholder(shape=(2,), dtype='float64')
    (g,) = self._gradients(K.exp(x) * 3.0, [x], {x: np.array([0.0, 1.0])})
    np.testing.assert_allclose(g, 3.0 * np.exp([0.0, 1.0]), rtol=1e-8)

  def test_intermediate_symbol(self):
    x = K.placeholder(shape=(2,))
    hidden = x * 3.0
    loss = K.sum(K.square(hidden))
    gh, gx = self._gradients(loss, [hidden, x], {x: np.array([1.0, 2.0])})
    np.testing.assert_allclose(gh, [6.0, 12.0], rtol=1e-4)  # 2 * hidden
    np.testing.assert_allclose(gx, [18.0, 36.0], rtol=1e-4)  # 18 * x

  def test_none_for_unrelated_or_integer_targets(self):
    x = K.placeholder(shape=(2,))
    i = K.placeholder(shape=(2,), dtype='int32')
    loss = K.sum(x * K.cast(i, 'float32'))
    assert K.gradients(loss, [K.variable(1.0), i]) == [None, None]
    assert K.gradients(loss, x)[0] is not None

  def test_stop_gradient(self):
    x = K.placeholder(shape=(2,))
    assert K.gradients(K.sum(K.stop_gradient(x) * 2.0), [x]) == [None]
    (g,) = self._gradients(K.sum(x * K.stop_gradient(x)), [x],
                           {x: np.array([1.0, 3.0])})
    np.testing.assert_allclose(g, [1.0, 3.0], rtol=1e-4)  # Not 2x.
    stopped = K.stop_gradient([x, x * 2.0])
    assert len(stopped) == 2 and all(K.is_symbolic(s) for s in stopped)
    np.testing.assert_array_equal(K.stop_gradient(np.ones(2)), np.ones(2))

  def test_float32_cast_inside_the_loss(self):
    x = K.placeholder(shape=(2,), dtype='float64')
    loss = K.sum(K.square(K.cast(x, 'float32')))
    (g,) = self._gradients(loss, [x], {x: np.array([0.5, -1.5])})
    np.testing.assert_allclose(g, [1.0, -3.0], rtol=1e-3)

  def test_through_the_learning_phase_switch(self):
    x = K.placeholder(shape=(2,))
    loss = K.sum(K.in_train_phase(x * x, x * 5.0))
    grads = K.gradients(loss, [x])
    f = K.function([x, K.learning_phase()], grads)
    np.testing.assert_allclose(f([[1.0, 2.0], 1])[0], [2.0, 4.0], rtol=1e-4)
    np.testing.assert_allclose(f([[1.0, 2.0], 0])[0], [5.0, 5.0], rtol=1e-4)

  def test_second_order(self):
    x = K.placeholder(shape=(), dtype='float64')
    (g,) = K.gradients(x ** 3, [x])
    (gg,) = K.gradients(g, [x])
    g_value, gg_value = K.function([x], [g, gg])([2.0])
    assert float(g_value) == pytest.approx(12.0, rel=1e-6)
    assert float(gg_value) == pytest.approx(12.0, rel=1e-3)

  def test_variable_read_inside_a_step_function(self):
    kernel = K.variable([[0.5]])
    x = K.placeholder(shape=(None, 3, 1))

    def step(x_t, states):
      h = K.dot(x_t, kernel) + states[0]
      return h, [h]

    _, outputs, _ = K.rnn(step, x, [K.zeros_like(x[:, 0, :])])
    (g,) = self._gradients(K.sum(outputs), [kernel],
                           {x: np.ones((2, 3, 1))})
    # outputs_t = t * kernel (t = 1, 2, 3) for both samples: 2 * 6.
    np.testing.assert_allclose(g, [[12.0]], rtol=1e-4)
    np.testing.assert_array_equal(K.eval(kernel), [[0.5]])

  def test_random_draws_are_shared_by_the_differences(self):
    x = K.placeholder(shape=(8,))
    y = K.dropout(x * 3.0, 0.5, seed=5)
    (g,) = K.gradients(K.sum(y), [x])
    y_value, g_value = K.function([x], [y, g])([np.ones(8)])
    # dropout(3x) = 3x * mask / 0.5, so the gradient is the output at x=1.
    np.testing.assert_allclose(g_value, y_value, rtol=1e-4)

  def test_side_effects_run_once_per_call(self, capsys):
    x = K.placeholder(shape=())
    v = K.variable(0.0)
    with K.control_dependencies([K.update_add(v, 1.0)]):
      loss = K.print_tensor(x * x, 'loss')
    (g,) = K.gradients(loss, [x])
    capsys.readouterr()
    assert float(K.function([x], [g])([3.0])[0]) == pytest.approx(6.0,
                                                                  rel=1e-4)
    assert float(K.eval(v)) == 1.0
    assert capsys.readouterr().out == 'loss 9.0\n'

  def test_errors(self):
    with pytest.raises(ValueError, match='symbolic loss'):
      K.gradients(np.float32(1.0), [K.variable(1.0)])
    x = K.placeholder(shape=())
    with pytest.raises(ValueError, match='differentiates with respect'):
      K.gradients(x * 2.0, [np.ones(2)])
    K.clear_session()
    with pytest.raises(ValueError, match='clear_session'):
      K.gradients(x * 2.0, [x])

  def test_probing_a_gradient_is_cheap(self):
    x = K.placeholder(shape=(None, 3))
    (g,) = K.gradients(K.sum(K.exp(x)), [x])
    assert K.int_shape(g) == (None, 3) and K.dtype(g) == 'float32'


class TestStaticSignature:

  def test_placeholders_are_declared(self):
    x = K.placeholder(shape=(None, 2), dtype='int8')
    assert evaluation.static_signature(x) == ((None, 2), np.int8, None)

  def test_probe_sizes_make_dependent_dims_none(self):
    x = K.placeholder(shape=(None, 2))
    y = K.placeholder(shape=(2, None))
    assert K.int_shape(K.dot(x, y)) == (None, None)
    assert K.int_shape(K.concatenate([x, x], axis=0)) == (None, 2)
    assert K.int_shape(K.sum(K.dot(x, y), axis=1, keepdims=True)) == (
        None, 1)


class TestAgreesWithTensorFlow:
  """The same TF1-style training script on both backends."""

  @staticmethod
  def _train(backend, steps=3):
    """Adam, written as Keras 2.2.4 wrote it, on a one-layer model."""
    k = backend
    rng = np.random.RandomState(0)
    xs = rng.normal(size=(4, 3)).astype('float32')
    ys = rng.normal(size=(4, 2)).astype('float32')
    x, y = k.placeholder(shape=(None, 3)), k.placeholder(shape=(None, 2))
    w, b = k.variable(rng.normal(size=(3, 2)) * 0.5), k.zeros((2,))
    iterations = k.variable(0, dtype='int64')
    hidden = k.tanh(k.dot(x, w) + b)
    output = k.in_train_phase(hidden * 1.0, hidden * 0.5)
    loss = k.mean(k.square(output - y)) + 0.01 * k.sum(k.square(w))
    params = [w, b]
    grads = k.gradients(loss, params)
    # Computed from variables outside the symbolic scope: they must follow
    # the variables (read at each call), as in TF1.
    t = k.cast(iterations, 'float32') + 1
    lr_t = 0.1 * (k.sqrt(1. - k.pow(0.999, t)) / (1. - k.pow(0.9, t)))
    updates = [k.update_add(iterations, 1)]
    for p, g in zip(params, grads):
      m, v = k.zeros(k.int_shape(p)), k.zeros(k.int_shape(p))
      m_t = (0.9 * m) + (1. - 0.9) * g
      v_t = (0.999 * v) + (1. - 0.999) * k.square(g)
      updates += [k.update(m, m_t), k.update(v, v_t),
                  k.update(p, p - lr_t * m_t / (k.sqrt(v_t) + 1e-7))]
    train = k.function([x, y, k.learning_phase()], [loss], updates=updates)
    losses = [float(train([xs, ys, 1])[0]) for _ in range(steps)]
    return losses, k.eval(w), k.eval(b), int(k.eval(iterations))

  def test_adam_steps_match(self):
    import tf_kbackend.tf_backend as KTF  # pylint: disable=g-import-not-at-top
    np_losses, np_w, np_b, np_iterations = self._train(K)
    tf_losses, tf_w, tf_b, tf_iterations = self._train(KTF)
    assert np_iterations == tf_iterations == 3
    assert np_losses[2] < np_losses[0]
    np.testing.assert_allclose(np_losses, tf_losses, rtol=1e-5)
    np.testing.assert_allclose(np_w, tf_w, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np_b, tf_b, rtol=1e-4, atol=1e-5)


class TestScopesDuringEvaluation:

  def test_code_run_by_an_op_stays_eager_in_name_scopes(self):
    kernel = K.variable([[2.0]])
    x = K.placeholder(shape=(None, 2, 1))

    def step(x_t, states):
      with K.name_scope('cell'):  # As Keras cells did.
        h = K.dot(x_t, kernel) + states[0]
      return h, [h]

    last, _, _ = K.rnn(step, x, [K.zeros_like(x[:, 0, :])])
    np.testing.assert_array_equal(_run([last], {x: np.ones((1, 2, 1))})[0],
                                  [[4.0]])

  def test_clear_session_inside_a_scope(self):
    with K.name_scope('outer'):
      K.clear_session()
      assert K.is_symbolic(K.constant(1.0))
    assert not K.is_symbolic(K.constant(1.0))
