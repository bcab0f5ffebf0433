"""K.function: compilation, calling, updates, errors; K.gradients."""

import gc

import numpy as np
import pytest
import tensorflow as tf

from tf_kbackend import _tf_private
import tf_kbackend.tf_backend as K
from tf_kbackend.tf_backend import graph_function


class TestCalling:

  @pytest.mark.parametrize('value', [
      np.array([[1.0, 2.0]], 'float32'),
      np.array([[1.0, 2.0]], 'float64'),  # cast, as TF1 feeds were
      [[1, 2]],
      tf.constant([[1.0, 2.0]]),
  ], ids=['float32', 'float64', 'list', 'eager_tensor'])
  def test_accepts_arrays_lists_and_tensors_and_returns_numpy(self, value):
    x = K.placeholder(shape=(None, 2))
    out = K.function([x], [x * 2.0])([value])
    assert isinstance(out, list) and isinstance(out[0], np.ndarray)
    np.testing.assert_array_equal(out[0], [[2.0, 4.0]])

  def test_scalars(self):
    x = K.placeholder(shape=())
    out = K.function([x], [x + 1.0])([2])[0]
    assert float(out) == 3.0 and np.ndim(out) == 0

  def test_single_output_returns_a_single_array(self):
    x = K.placeholder(shape=(2,))
    assert K.function([x], K.sum(x))([[1.0, 2.0]]) == 3.0

  def test_none_dimensions_never_retrace(self):
    x = K.placeholder(shape=(None, None, 3))
    f = K.function([x], [K.sum(x, axis=-1)])
    concrete = f._concrete  # pylint: disable=protected-access
    # Made once, with the placeholder's None dimensions in the signature.
    shape = concrete.function_def.arg_attr[0].attr['_output_shapes']
    assert tf.TensorShape(shape.list.shape[0]).as_list() == [None, None, 3]
    for batch, time in [(1, 1), (7, 3), (128, 50), (2, 9)]:
      out = f([np.ones((batch, time, 3))])[0]
      assert out.shape == (batch, time) and out[0, 0] == 3.0
    assert f._concrete is concrete  # pylint: disable=protected-access

  def test_variables_as_outputs_are_read_each_call(self):
    v = K.variable(1.0)
    f = K.function([], [v])
    K.set_value(v, 7.0)
    assert f([])[0] == 7.0

  def test_feeding_an_intermediate_tensor(self):
    # TF1 could feed any tensor; a well-known legacy trick to run the top of
    # a model from given activations.
    x = K.placeholder(shape=(None, 2))
    hidden = K.relu(x)
    out = hidden * 10.0
    f = K.function([hidden], [out])
    np.testing.assert_array_equal(f([[[-1.0, 2.0]]])[0], [[-10.0, 20.0]])

  def test_same_tensor_as_input_and_output(self):
    x = K.placeholder(shape=(2,))
    np.testing.assert_array_equal(K.function([x], [x])([[1.0, 2.0]])[0],
                                  [1.0, 2.0])

  def test_keras_231_feed_dict_and_fetches(self):
    x = K.placeholder(shape=(2,))
    scale = K.placeholder(shape=(), name='scale')
    counter = K.variable(0.0)
    feeds = {scale: 3.0}
    f = K.function([x], [x * scale], feed_dict=feeds,
                   fetches=[K.update_add(counter, 1.0)])
    np.testing.assert_array_equal(f([[1.0, 2.0]])[0], [3.0, 6.0])
    feeds[scale] = 10.0  # The dict is read at each call, as in Keras 2.3.1.
    np.testing.assert_array_equal(f([[1.0, 2.0]])[0], [10.0, 20.0])
    assert K.get_value(counter) == 2.0

  def test_single_fetch(self):
    v = K.variable(0.0)
    f = K.function([], [v], fetches=K.update_add(v, 1.0))
    f([])
    assert K.get_value(v) == 1.0

  def test_session_run_kwargs_are_accepted(self):
    x = K.placeholder(shape=())
    f = K.function([x], [x], options=None, run_metadata=None)
    assert f([1.0])[0] == 1.0

  def test_name(self):
    f = K.function([], [K.constant(1.0)], name='train_function')
    assert f.name == 'train_function'
    assert K.Function([], [K.constant(1.0)]).name == 'keras_function'

  def test_gradient_tape_sees_through_fallback_path(self):
    x = K.placeholder(shape=(2,))
    f = K.function([x], [x * 3.0])
    value = tf.constant([1.0, 2.0])
    with tf.GradientTape():
      out = f([value])[0]
    np.testing.assert_array_equal(out, [3.0, 6.0])


class TestUpdates:

  def test_outputs_see_values_before_this_calls_updates(self):
    v = K.variable(0.0)
    f = K.function([], [v, v * 1.0], updates=[K.update_add(v, 1.0)])
    assert [list(map(float, f([]))) for _ in range(3)] == [
        [0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]

  def test_all_updates_see_the_same_old_values(self):
    a, b = K.variable(1.0), K.variable(10.0)
    # A swap works only if both new values are computed before assigning.
    f = K.function([], [], updates=[(a, b), (b, a)])
    f([])
    assert (K.get_value(a), K.get_value(b)) == (10.0, 1.0)

  def test_update_forms(self):
    v = K.variable(0.0)
    x = K.placeholder(shape=())
    f = K.function([x], [], updates=[
        K.update_add(v, x),                 # an op
        (v, v + x),                         # a (variable, value) tuple
        [K.update_add(v, 100.0)],           # nested list, as Keras builds
        K.symbolic(tf.group)(K.update_sub(v, 1.0)),  # a group of ops
    ])
    f([1.0])
    # All see v == 0: add 1, assign 0 + 1, add 100, sub 1, in order.
    assert K.get_value(v) == 100.0

  def test_legacy_sgd_with_momentum_converges(self):
    x = K.placeholder(shape=(None, 1))
    y = K.placeholder(shape=(None, 1))
    w, b = K.variable([[0.0]]), K.variable([0.0])
    loss = K.mean(K.square(K.dot(x, w) + b - y))
    updates = []
    for p, g in zip([w, b], K.gradients(loss, [w, b])):
      m = K.zeros(K.int_shape(p))
      v = 0.9 * m - 0.05 * g
      updates += [K.update(m, v), K.update(p, p + v)]
    train = K.function([x, y], [loss], updates=updates)
    xs = np.linspace(-1, 1, 32).reshape(-1, 1)
    losses = [train([xs, 3 * xs - 1])[0] for _ in range(150)]
    assert losses[-1] < 1e-3 < losses[0]
    np.testing.assert_allclose(K.get_value(w), [[3.0]], atol=0.02)
    np.testing.assert_allclose(K.get_value(b), [-1.0], atol=0.02)


class TestErrors:

  def test_wrong_number_of_inputs(self):
    x = K.placeholder(shape=(2,), name='a')
    f = K.function([x], [x])
    with pytest.raises(ValueError, match=r"expects 1 input.*'a:0'.*received 2"):
      f([[1.0, 2.0], [1.0, 2.0]])

  def test_inputs_must_be_a_list(self):
    x = K.placeholder(shape=(2,))
    with pytest.raises(TypeError):
      K.function(x, [x])
    with pytest.raises(TypeError):
      K.function([x], [x])(np.ones(2))

  @pytest.mark.parametrize('value, match', [
      (np.ones((2, 4)), r"shape \(2, 4\).*'img:0'.*\(None, 3\)"),
      (np.ones((3,)), r"shape \(3,\).*'img:0'"),
      (np.array([['a', 'b', 'c']]), r"'img:0'.*float32"),
  ])
  def test_wrong_shape_or_dtype_names_the_placeholder(self, value, match):
    x = K.placeholder(shape=(None, 3), name='img')
    f = K.function([x], [x])
    with pytest.raises(ValueError, match=match):
      f([value])

  def test_unfed_placeholder_is_named(self):
    x = K.placeholder(shape=(2,), name='given')
    y = K.placeholder(shape=(2,), name='forgotten')
    with pytest.raises(ValueError, match="'forgotten:0'"):
      K.function([x], [x + y])

  def test_tensor_from_a_cleared_session(self):
    x = K.placeholder(shape=(2,), name='old')
    K.clear_session()
    with pytest.raises(ValueError, match='clear_session'):
      K.function([x], [x])
    y = K.placeholder(shape=(2,))
    with pytest.raises(ValueError, match='clear_session'):
      K.function([y], [x])

  def test_non_tensor_input(self):
    with pytest.raises(ValueError, match='placeholder'):
      K.function([np.ones(2)], [])

  def test_op_as_output(self):
    v = K.variable(0.0)
    with pytest.raises(ValueError, match='updates'):
      K.function([], [K.update_add(v, 1.0)])

  def test_unknown_keyword(self):
    with pytest.raises(ValueError, match='not_an_argument'):
      K.function([], [], not_an_argument=1)

  def test_bad_update(self):
    with pytest.raises(ValueError, match='Update 0'):
      K.function([], [], updates=[(np.ones(2), 1.0)])

  def test_runtime_errors_are_tf_errors(self):
    x = K.placeholder(shape=(None,), dtype='int32')
    f = K.function([x], [K.gather(K.constant([1.0, 2.0]), x)]
                   ) if hasattr(K, 'gather') else None
    if f is None:
      pytest.skip('gather not available yet')
    with pytest.raises(tf.errors.InvalidArgumentError):
      f([[5]])


class TestGradients:

  def test_with_respect_to_variables_placeholders_and_intermediates(self):
    x = K.placeholder(shape=(3,))
    w = K.variable([1.0, 2.0, 3.0])
    h = x * w
    loss = K.sum(K.square(h))
    gw, gx, gh = K.gradients(loss, [w, x, h])
    xv = np.array([1.0, -1.0, 2.0])
    out = K.function([x], [gw, gx, gh])([xv])
    hv = xv * [1.0, 2.0, 3.0]
    np.testing.assert_allclose(out[0], 2 * hv * xv)
    np.testing.assert_allclose(out[1], 2 * hv * [1.0, 2.0, 3.0])
    np.testing.assert_allclose(out[2], 2 * hv)

  def test_single_variable_gives_a_list_and_unconnected_gives_none(self):
    x = K.placeholder(shape=(2,))
    unused = K.variable(1.0)
    grads = K.gradients(K.sum(x), unused)
    assert grads == [None]

  def test_stop_gradient(self):
    x = K.placeholder(shape=(2,))
    y = K.sum(x * K.stop_gradient(x))
    g = K.gradients(y, [x])[0]
    np.testing.assert_allclose(K.function([x], [g])([[1.0, 2.0]])[0],
                               [1.0, 2.0])
    assert len(K.stop_gradient([x, x])) == 2

  def test_second_order(self):
    x = K.placeholder(shape=())
    g = K.gradients(x ** 3, [x])[0]
    h = K.gradients(g, [x])[0]
    assert K.function([x], [h])([2.0])[0] == pytest.approx(12.0)

  def test_concrete_loss_is_refused(self):
    with pytest.raises(ValueError, match='GradientTape'):
      K.gradients(K.sum(np.ones(2)), [K.variable(1.0)])


class TestFeedsTF1Semantics:

  def test_unused_inputs_are_allowed(self):
    x, y = K.placeholder(shape=(2,)), K.placeholder(shape=(2,))
    f = K.function([x, y], [x * 2.0])
    np.testing.assert_array_equal(f([[1.0, 2.0], [9.0, 9.0]])[0], [2.0, 4.0])

  def test_fetching_a_fed_intermediate_returns_the_fed_value(self):
    x = K.placeholder(shape=(2,))
    hidden = K.relu(x)
    f = K.function([hidden], [hidden, hidden + 1.0])
    out = f([[-5.0, 5.0]])
    np.testing.assert_array_equal(out[0], [-5.0, 5.0])
    np.testing.assert_array_equal(out[1], [-4.0, 6.0])


def test_deviation_indexed_slices_outputs_are_dense():
  # docs/deviations.md: TF1 returned an IndexedSlicesValue for the gradient
  # of a gather; K.function returns the dense array.
  table = K.variable(np.ones((4, 2)))
  idx = K.placeholder(shape=(None,), dtype='int32')
  grad = K.gradients(K.sum(K.gather(table, idx)), [table])[0]
  out = K.function([idx], [grad])([[1, 1, 3]])[0]
  np.testing.assert_array_equal(out, [[0, 0], [2, 2], [0, 0], [1, 1]])


class TestGraphFunction:
  """The function made directly of the Keras graph's ops (graph_function)."""

  def test_is_made_without_copying_the_subgraph(self):
    x = K.placeholder(shape=(None, 2))
    w = K.variable([[1.0], [2.0]])
    y = K.dot(x, w)
    f = K.function([x], [y])
    concrete = f._concrete  # pylint: disable=protected-access
    assert isinstance(concrete, graph_function.GraphFunction)
    # The Keras graph's op names, no import prefix.
    names = {node.name for node in concrete.function_def.node_def}
    assert y.op.name in names
    np.testing.assert_array_equal(f([np.ones((3, 2))])[0], [[3.0]] * 3)

  def test_is_dropped_from_the_context_with_its_function(self):
    x = K.placeholder(shape=(2,))
    f = K.function([x], [x + 1.0])
    name = f._concrete.name  # pylint: disable=protected-access
    assert _tf_private.has_function(name)
    del f
    gc.collect()
    assert not _tf_private.has_function(name)

  def test_any_function_name_gives_a_valid_registered_name(self):
    x = K.placeholder(shape=(2,))
    f = K.function([x], [x * 2.0], name='étape 1/2')
    assert f.name == 'étape 1/2'
    assert f._concrete.name.isascii()  # pylint: disable=protected-access
    np.testing.assert_array_equal(f([np.ones(2)])[0], [2.0, 2.0])

  def test_writes_wait_for_reads_inside_a_conditional(self):
    # Lowered for the runtime, a control edge from the conditional only
    # waits for its branch to start: with work before the read in the
    # branch, the write used to win the race in about one call in five.
    big = K.constant(np.random.RandomState(0).rand(200, 200), dtype='float32')
    for _ in range(10):
      v = K.variable(1.0)
      phase = K.learning_phase()

      def train(v=v):
        return K.sum(K.dot(big, K.dot(big, big))) * 0.0 + v * 2.0

      out = K.in_train_phase(train, lambda v=v: v * 3.0)
      f = K.function([phase], [out], updates=[(v, v + 10.0)])
      assert float(f([1])[0]) == 2.0 and K.get_value(v) == 11.0
      assert float(f([0])[0]) == 33.0 and K.get_value(v) == 21.0

  def test_traced_writes_wait_for_reads_inside_a_conditional(self):
    # The traced equivalent (run under a GradientTape; also XLA's and the
    # fused updates') waits for the conditional's outputs the same way.
    big = K.constant(np.random.RandomState(0).rand(200, 200), dtype='float32')
    for _ in range(8):
      v = K.variable(1.0)

      def train(v=v):
        return K.sum(K.dot(big, K.dot(big, big))) * 0.0 + v * 2.0

      out = K.in_train_phase(train, lambda v=v: v * 3.0)
      f = K.function([K.learning_phase()], [out], updates=[(v, v + 10.0)])
      with tf.GradientTape():
        assert float(f([1])[0]) == 2.0 and K.get_value(v) == 11.0
        assert float(f([1])[0]) == 22.0 and K.get_value(v) == 21.0

  def test_tape_runs_the_traced_equivalent(self):
    x = K.placeholder(shape=(2,))
    v = K.variable(0.0)
    f = K.function([x], [x * 3.0], updates=[K.update_add(v, 1.0)])
    with tf.GradientTape():
      out = f([tf.constant([1.0, 2.0])])[0]
    out2 = f([np.array([1.0, 2.0])])[0]
    np.testing.assert_array_equal(out, [3.0, 6.0])
    np.testing.assert_array_equal(out2, out)
    assert K.get_value(v) == 2.0  # Both paths applied the update.
    concrete = f._concrete  # pylint: disable=protected-access
    assert isinstance(concrete.traced(), tf.types.experimental.ConcreteFunction)
    # Inspected like a ConcreteFunction: the traced equivalent's graph.
    assert 'Mul' in {op.type for op in concrete.graph.get_operations()}

  def test_feeding_a_tensor_whose_op_is_needed_takes_the_traced_path(self):
    x = K.placeholder(shape=(4,))
    parts = K.symbolic(tf.split)(x, 2)
    # parts[0] is fed; parts[1] needs the same op: copied, then rebound.
    f = K.function([x, parts[0]], [parts[0] * 10.0 + K.sum(parts[1])])
    assert not isinstance(f._concrete, graph_function.GraphFunction)  # pylint: disable=protected-access
    np.testing.assert_array_equal(
        f([np.array([1.0, 2.0, 3.0, 4.0]), np.array([5.0, 6.0])])[0],
        [57.0, 67.0])

  def test_without_registered_library_functions_takes_the_traced_path(
      self, monkeypatch):
    x = K.placeholder(shape=())
    y = K.switch(x > 0.0, lambda: x * 2.0, lambda: x * 3.0)  # An If op.
    monkeypatch.setattr(_tf_private, 'has_function', lambda name: False)
    f = K.function([x], [y])
    monkeypatch.undo()
    assert not isinstance(f._concrete, graph_function.GraphFunction)  # pylint: disable=protected-access
    assert float(f([2.0])[0]) == 4.0 and float(f([-1.0])[0]) == -3.0
