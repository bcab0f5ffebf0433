"""The bridge: concrete values run eagerly, symbolic tensors build graph."""

import threading

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend.tf_backend as K

EagerTensor = type(tf.constant(0.0))


class TestConcreteWorld:

  @pytest.mark.parametrize('make', [
      lambda: np.array([[1.0, 2.0]], 'float32'),
      lambda: [[1.0, 2.0]],
      lambda: tf.constant([[1.0, 2.0]]),
      lambda: K.variable([[1.0, 2.0]]),
  ], ids=['numpy', 'list', 'eager', 'variable'])
  def test_ops_on_concrete_values_run_eagerly(self, make):
    w = np.array([[1.0], [3.0]], 'float32')
    out = K.dot(make(), w)
    assert isinstance(out, EagerTensor)
    assert not K.is_symbolic(out)
    np.testing.assert_allclose(out.numpy(), [[7.0]])

  def test_python_numbers(self):
    assert float(K.square(3.0)) == 9.0
    assert float(K.sum([1, 2, 3])) == 6

  def test_eval_of_concrete(self):
    np.testing.assert_array_equal(K.eval(K.square(np.array([2.0]))), [4.0])
    np.testing.assert_array_equal(K.eval(np.array([1, 2])), [1, 2])


class TestSymbolicWorld:

  def test_ops_on_placeholders_build_graph_with_static_shapes(self):
    x = K.placeholder(shape=(None, 3), dtype='float32')
    w = K.variable(np.ones((3, 4)))
    y = K.relu(K.dot(x, w))
    assert K.is_symbolic(y)
    assert y.graph is K.get_graph()
    assert K.int_shape(y) == (None, 4)
    assert K.ndim(y) == 2
    assert K.dtype(y) == 'float32'
    out = K.function([x], [y])([np.full((2, 3), -1.0)])[0]
    np.testing.assert_array_equal(out, np.zeros((2, 4)))

  def test_placeholder_legacy_keras_shape(self):
    x = K.placeholder(shape=(None, 5))
    assert x._keras_shape == (None, 5)
    assert x._uses_learning_phase is False

  @pytest.mark.parametrize('raw_op, reference', [
      (lambda x: tf.nn.relu(x), lambda v: np.maximum(v, 0)),
      (lambda x: tf.where(x > 0, x, tf.zeros_like(x)),
       lambda v: np.where(v > 0, v, 0)),
      (lambda x: tf.reduce_sum(x, axis=1), lambda v: v.sum(1)),
      (lambda x: x * 2 + 1, lambda v: v * 2 + 1),
      (lambda x: x[:, 0], lambda v: v[:, 0]),
      (lambda x: tf.shape(x)[0] + tf.zeros((), tf.int32),
       lambda v: np.int32(v.shape[0])),
      # These refuse graph tensors in eager mode; the fallback dispatcher
      # re-runs them in the Keras graph.
      (lambda x: tf.cond(tf.reduce_sum(x) > 0, lambda: x, lambda: -x),
       lambda v: v if v.sum() > 0 else -v),
      (K.symbolic(lambda x: tf.map_fn(lambda row: row * 3.0, x)),
       lambda v: v * 3.0),
  ])
  def test_raw_tf_ops_on_symbolic_tensors(self, raw_op, reference):
    x = K.placeholder(shape=(None, 3))
    y = raw_op(x)
    assert K.is_symbolic(y) and y.graph is K.get_graph()
    value = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]], 'float32')
    np.testing.assert_allclose(K.function([x], [y])([value])[0],
                               reference(value))

  def test_deviation_raw_ops_without_dispatch_need_the_symbolic_scope(self):
    # docs/deviations.md: tf.map_fn is not dispatch-enabled, so called from
    # eager code on a Keras tensor it fails; K.map_fn or K.symbolic work.
    x = K.placeholder(shape=(None, 3))
    with pytest.raises(TypeError):
      tf.map_fn(lambda row: row * 3.0, x)
    assert K.is_symbolic(K.symbolic(tf.map_fn)(lambda row: row * 3.0, x))

  def test_mixing_concrete_and_symbolic(self):
    x = K.placeholder(shape=(2,))
    y = K.maximum(x, tf.constant([0.0, 10.0])) + np.array([1.0, 1.0])
    np.testing.assert_allclose(K.function([x], [y])([[5.0, 5.0]])[0],
                               [6.0, 11.0])

  def test_graph_tensors_compare_by_identity_as_in_tf1(self):
    x = K.placeholder(shape=(2,))
    y = x * 2.0
    feeds = {x: 1, y: 2}  # hashable, as TF1 feed_dict keys
    assert feeds[x] == 1 and x in [y, x] and y not in [x]
    assert (x == y) is False and (x != y) is True

  def test_plain_tf_variable_against_keras_tensors_compares_by_identity(self):
    # TF1 code passes raw tf.Variables where Keras expects tensors
    # (Input(tensor=tf.Variable(...))), and Keras then tests `x in inputs`.
    v = tf.Variable([1.0, 2.0])
    x = K.placeholder(shape=(2,))
    assert (v == x) is False and (v != x) is True
    assert x in [v, x] and v not in [x]
    assert len({v, x, v}) == 2  # hashable by identity, as TF1 variables
    np.testing.assert_array_equal(v == tf.constant([1.0, 5.0]), [True, False])

  def test_tensor_semantics_of_other_graphs_unchanged(self):

    @tf.function
    def unhashable(a):
      with pytest.raises(TypeError):
        hash(a)
      return a == a

    np.testing.assert_array_equal(unhashable(tf.constant([1.0])), [True])
    np.testing.assert_array_equal(tf.constant([1, 2]) == tf.constant([1, 3]),
                                  [True, False])


class TestScopes:

  def test_symbolic_decorator_builds_graph_from_concrete_values(self):

    @K.symbolic
    def noise():
      return K.random_normal((1000,), seed=1)

    n = noise()
    assert K.is_symbolic(n)
    f = K.function([], [n])
    a, b = f([])[0], f([])[0]
    assert not np.allclose(a, b)  # A fresh draw per call, as in TF1.

  def test_eager_decorator_leaves_the_graph(self):

    @K.eager
    def total(values):
      return K.sum(values)

    with K.name_scope('outer'):
      inside = total(np.array([1.0, 2.0]))
    assert isinstance(inside, EagerTensor) and float(inside) == 3.0

  def test_name_scope_prefixes_ops_and_variables(self):
    with K.name_scope('block'):
      x = K.placeholder(shape=(2,), name='x')
      y = x * 2.0
      w = K.variable(1.0, name='w')
    assert x.name == 'block/x:0'
    assert y.name.startswith('block/')
    assert w.name == 'block/w:0'

  def test_name_scope_is_symbolic_like_tf1(self):
    v = K.variable(2.0)
    with K.name_scope('graph_building'):
      y = K.cast(v, 'int32')
    assert K.is_symbolic(y)

  def test_control_dependencies_orders_symbolic_ops(self):
    v = K.variable(0.0)
    with K.control_dependencies([K.update_add(v, 1.0)]):
      read = K.identity(v)
    f = K.function([], [read])
    assert float(f([])[0]) == 1.0
    assert float(f([])[0]) == 2.0

  def test_control_dependencies_with_concrete_inputs_is_a_noop(self):
    with K.control_dependencies([tf.constant(1.0)]):
      y = K.square(3.0)
    assert float(y) == 9.0

  def test_get_graph_is_one_graph_across_threads(self):
    graphs = []
    thread = threading.Thread(target=lambda: graphs.append(K.get_graph()))
    thread.start()
    thread.join()
    assert graphs == [K.get_graph()]

  def test_ops_from_another_thread(self):
    x = K.placeholder(shape=(2,))
    results = []

    def work():
      y = K.square(x)
      results.append(K.function([x], [y])([[2.0, 3.0]])[0])

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    np.testing.assert_array_equal(results[0], [4.0, 9.0])


class TestUids:

  def test_get_uid_counts_per_prefix(self):
    assert [K.get_uid('dense'), K.get_uid('dense'), K.get_uid('conv'),
            K.get_uid()] == [1, 2, 1, 1]

  def test_reset_uids(self):
    K.get_uid('dense')
    K.reset_uids()
    assert K.get_uid('dense') == 1


class TestOperandConversion:

  def test_untyped_operands_follow_the_tensor(self):
    x = K.placeholder(shape=(2,), dtype='float16')
    assert K.dtype(K.dot(K.reshape(x, (1, 2)), np.ones((2, 1)))) == 'float16'

  def test_fractional_values_are_not_truncated_into_ints(self):
    from tf_kbackend.tf_backend import tensor_utils  # pylint: disable=g-import-not-at-top
    ints = tf.constant([1, 2])
    assert tensor_utils.convert_pair(ints, 2.0)[1].dtype == tf.int32
    with pytest.raises(TypeError, match='fractional'):
      tensor_utils.convert_pair(ints, 0.5)
