"""TF1 tensor behaviours, static shapes, raw TF on variables, graph features."""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend as K


def test_static_shapes_answer_tf1_style_to_tf1_code():
  x = tf.placeholder(tf.float32, [None, 3])
  assert x.shape[1].value == 3 and x.shape[0].value is None
  assert x.get_shape()[1].value == 3
  assert isinstance(x.get_shape()[0], tf.Dimension)
  assert x.get_shape().as_list() == [None, 3]
  assert [d.value for d in x.shape] == [None, 3]
  assert x.shape[1:][0].value == 3
  assert int(x.shape[1]) * 2 == 6
  assert np.zeros((x.shape[1],)).shape == (3,)
  w = tf.Variable(tf.zeros([4, 2]))
  assert w.shape[0].value == 4 and w.get_shape()[1].value == 2
  # TF2 code asking the same tensor gets ints and None.
  namespace = {'__name__': 'tf_kbackend.fake', 'x': x, 'w': w}
  exec('def ask():\n  return x.shape[0], x.shape[1], list(x.shape), '  # pylint: disable=exec-used
       'w.shape[0]\n', namespace)
  assert namespace['ask']() == (None, 3, [None, 3], 4)
  # Concrete values keep TF2 shapes.
  assert tf.constant([1.0]).shape[0] == 1


def test_keras_graph_tensors_have_no_len():
  x = tf.placeholder(tf.float32, [None, 3])
  assert not hasattr(x, '__len__')
  with pytest.raises(TypeError, match='no len'):
    len(x)
  outputs = [x, x]
  assert hasattr(outputs, '__len__')
  with tf.Graph().as_default():
    other = tf.placeholder(tf.float32, [2])
    assert hasattr(other, '__len__')  # TF2's, outside the Keras graph


def test_graph_tensor_operation_attributes_tf1_code_reads():
  x = tf.placeholder(tf.float32, [2], name='inp')
  y = tf.nn.relu(x, name='act')
  assert y.op.type == 'Relu' and y.op.inputs[0] is x
  assert y.name == 'act:0' and y.value_index == 0
  assert x.consumers() == [y.op]
  assert tf.get_default_graph().get_tensor_by_name('act:0') is y
  assert tf.get_default_graph().get_operation_by_name('inp') is x.op
  assert y.op.node_def.name == 'act' and y.op.get_attr('T') == tf.float32


def test_raw_tf_on_variables_is_re_derived_like_k_ops():
  w = tf.Variable(np.float32([1.0, 2.0]))
  penalty = tf.reduce_sum(tf.square(w)) / tf.cast(tf.size(w), tf.float32)
  assert float(penalty) == 2.5  # concrete now...
  total = tf.add_n([penalty, 2.0 * tf.reduce_mean(w)])
  K.set_value(w, [3.0, 4.0])
  assert float(K.eval(penalty)) == 12.5  # ...but read at each evaluation
  assert float(K.eval(total)) == 19.5
  x = tf.placeholder(tf.float32, [])
  f = K.function([x], [x + penalty])
  K.set_value(w, [0.0, 2.0])
  assert f([1.0])[0] == 3.0
  g, = K.gradients(total, [w])
  np.testing.assert_allclose(K.eval(g), [1.0, 3.0])
  # Hashable by identity, as TF1 tensors were (legacy Keras sets them).
  assert len({penalty, total, penalty}) == 2


def test_concrete_values_run_eagerly():
  value = tf.log(tf.to_float(np.array([1, np.e**2])))
  np.testing.assert_allclose(value.numpy(), [0.0, 2.0], rtol=1e-6)
  shuffled = tf.random_shuffle(np.arange(10))
  assert sorted(shuffled.numpy()) == list(range(10))
  dense = tf.sparse_tensor_to_dense(
      tf.SparseTensor([[0, 1]], [5.0], dense_shape=[2, 2]))
  np.testing.assert_array_equal(dense.numpy(), [[0, 5], [0, 0]])


def test_tf1_functions_on_placeholders_build_in_the_keras_graph():
  x = tf.placeholder(tf.float32, [None])
  doubled = tf.py_func(lambda a: (a * 2).astype(np.float32), [x], tf.float32)
  positive = tf.cond(tf.reduce_sum(x) > 0, lambda: x, lambda: -x)
  squares = tf.map_fn(lambda v: v * v, x)
  printed = tf.Print(x, [x], message='x = ')
  f = K.function([x], [doubled, positive, squares, printed])
  out = f([np.float32([-1.0, -2.0])])
  np.testing.assert_allclose(out[0], [-2, -4])
  np.testing.assert_allclose(out[1], [1, 2])
  np.testing.assert_allclose(out[2], [1, 4])
  np.testing.assert_allclose(out[3], [-1, -2])


def test_gradient_override_map_is_honoured_by_k_and_tf_gradients():

  @tf.RegisterGradient('TF1TestGuidedRelu')
  def _guided(op, grad):
    gate = tf.cast(grad > 0.0, grad.dtype) * tf.cast(op.outputs[0] > 0.0,
                                                     grad.dtype)
    return grad * gate

  x = tf.placeholder(tf.float32, [4])
  upstream = tf.constant([1.0, -1.0, 1.0, -1.0])
  graph = tf.get_default_graph()
  with graph.gradient_override_map({'Relu': 'TF1TestGuidedRelu'}):
    guided = tf.nn.relu(x)
    guided_k = K.relu(x)
  plain = tf.nn.relu(x)
  values = np.float32([1.0, 1.0, -1.0, -1.0])
  for y, expected in ((guided, [1, 0, 0, 0]), (guided_k, [1, 0, 0, 0]),
                      (plain, [1, -1, 0, 0])):
    g_tf, = tf.gradients(tf.reduce_sum(y * upstream), [x])
    g_k, = K.gradients(K.sum(y * upstream), [x])
    np.testing.assert_allclose(K.function([x], [g_tf])([values])[0],
                               expected)
    np.testing.assert_allclose(K.function([x], [g_k])([values])[0],
                               expected)


@pytest.mark.parametrize('world', ['symbolic', 'concrete'])
def test_k_relu_takes_a_tensor_max_value(world):
  values = np.float32([-1.0, 0.5, 2.0, 7.0])
  threshold = K.variable(1.5)
  if world == 'symbolic':
    x = K.placeholder(shape=(4,))
    y = K.function([x], [K.relu(x, max_value=threshold)])([values])[0]
  else:
    y = K.eval(K.relu(values, max_value=threshold))
  np.testing.assert_allclose(y, [0.0, 0.5, 1.5, 1.5])
  K.set_value(threshold, 6.0)
  if world == 'concrete':
    y = K.eval(K.relu(values, max_value=threshold))
    np.testing.assert_allclose(y, [0.0, 0.5, 2.0, 6.0])


_X = np.float32([[1.0, 2.0, 4.0], [0.5, 3.0, 1.0]])
# TF1-only names: (call on tf, numpy reference), run in both worlds.
_TWO_WORLD_CASES = {
    'log': (lambda x: tf.log(x), np.log(_X)),
    'to_int32': (lambda x: tf.to_int32(x * 2.0), (_X * 2).astype('int32')),
    'div': (lambda x: tf.div(x, 2.0), _X / 2.0),
    'floordiv': (lambda x: tf.floordiv(x, 2.0), np.floor(_X / 2.0)),
    'arg_max': (lambda x: tf.arg_max(x, 1), _X.argmax(1)),
    'reduce_sum keep_dims': (lambda x: tf.reduce_sum(x, 1, keep_dims=True),
                             _X.sum(1, keepdims=True)),
    'reduce_max reduction_indices': (
        lambda x: tf.reduce_max(x, reduction_indices=[0]), _X.max(0)),
    'xw_plus_b': (lambda x: tf.nn.xw_plus_b(x, np.eye(3, dtype='float32'),
                                            np.ones(3, 'float32')), _X + 1),
    'softmax_cross_entropy_with_logits_v2': (
        lambda x: tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=np.eye(3, dtype='float32')[:2], logits=x),
        -np.log(np.exp(_X) / np.exp(_X).sum(1, keepdims=True))[[0, 1],
                                                                [0, 1]]),
    'losses.mean_squared_error': (
        lambda x: tf.losses.mean_squared_error(np.zeros_like(_X), x),
        np.mean(_X**2)),
    'py_func': (lambda x: tf.py_func(lambda a: a[::-1].copy(), [x],
                                     tf.float32), _X[::-1]),
    'matrix_diag_part': (lambda x: tf.diag_part(x[:, :2]),
                         np.diag(_X[:, :2])),
    'batch_gather': (lambda x: tf.batch_gather(x, [[2], [0]]),
                     _X[[0, 1], [2, 0]][:, None]),
    'sparse_tensor_to_dense': (
        lambda x: tf.sparse_tensor_to_dense(tf.SparseTensor(
            [[0, 0], [1, 2]], tf.reduce_sum(x, 1), [2, 3])),
        np.float32([[7.0, 0, 0], [0, 0, 4.5]])),
}


@pytest.mark.parametrize('world', ['concrete', 'symbolic'])
@pytest.mark.parametrize('case', sorted(_TWO_WORLD_CASES))
def test_tf1_only_names_in_both_worlds(case, world):
  fn, expected = _TWO_WORLD_CASES[case]
  if world == 'concrete':
    result = fn(_X)
    assert not K.is_symbolic(result)
    value = result.numpy()
  else:
    x = tf.placeholder(tf.float32, [2, 3])
    result = fn(x)
    assert K.is_symbolic(result) and result.graph is K.get_graph()
    value = tf.Session().run(result, {x: _X})
  np.testing.assert_allclose(value, expected, rtol=1e-6)


def test_losses_collection_and_total_loss():
  x = tf.placeholder(tf.float32, [None, 3])
  tf.losses.mean_squared_error(np.zeros((1, 3), 'float32'), x)
  tf.losses.absolute_difference(np.zeros((1, 3), 'float32'), x)
  assert len(tf.losses.get_losses()) == 2
  total = tf.losses.get_total_loss(add_regularization_losses=False)
  value = tf.Session().run(total, {x: _X[:1]})
  assert value == pytest.approx(np.mean(_X[0]**2) + np.mean(np.abs(_X[0])))


def test_dot_of_an_unknown_rank_placeholder_is_known_to_be_a_matrix():
  # Keras 2.2.4's test_recursion calls a model on tf.placeholder()s of
  # unknown shape and reads get_shape().as_list() == [None, 64], as TF1's
  # (non-broadcasting) BatchMatMul inferred it.
  x = tf.placeholder(tf.float32)
  kernel = K.variable(np.ones((3, 4)))
  y = K.dot(x, kernel)
  assert y.get_shape().as_list() == [None, 4]
  np.testing.assert_allclose(K.function([x], [y])([np.ones((2, 3))])[0],
                             np.full((2, 4), 3.0))
  g, = K.gradients(K.sum(y), [kernel])
  np.testing.assert_allclose(K.function([x], [g])([np.ones((2, 3))])[0],
                             np.full((3, 4), 2.0))
