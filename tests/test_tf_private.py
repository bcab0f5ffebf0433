"""Every private TensorFlow API tf_kbackend relies on, in one place.

If a TensorFlow upgrade moves one of them, this file says which at once.
"""

import numpy as np
import tensorflow as tf

from tf_kbackend import _tf_private


def test_keras_graph_name_is_what_tensorflow_special_cases():
  graph = _tf_private.new_keras_graph()
  assert graph.name == 'keras_graph'
  with graph.as_default():
    x = tf.compat.v1.placeholder(tf.float32, (2,))
  # Called from eager code, a raw op builds into the Keras graph.
  y = tf.nn.relu(x)
  assert y.graph is graph


def test_capture_hook_can_replace_eager_values():
  replaced = []

  def hook(graph, tensor):
    replaced.append(tensor)
    with graph.as_default():
      return tf.constant(42.0)

  graph = _tf_private.new_keras_graph(hook)
  with graph.as_default():
    x = tf.compat.v1.placeholder(tf.float32, ())
  y = x + tf.constant(1.0)
  assert len(replaced) == 1
  assert y.op.inputs[1].op.type == 'Const'


def test_execute_function_calls_a_concrete_function():
  fn = tf.function(lambda a: a * 2.0,
                   input_signature=[tf.TensorSpec((None,), tf.float32)])
  concrete = fn.get_concrete_function()
  name = concrete.function_def.signature.name
  out = _tf_private.execute_function(
      name, [tf.constant([1.0, 2.0])] + list(concrete.captured_inputs),
      _tf_private.function_call_attrs(), 1)
  np.testing.assert_array_equal(out[0].numpy(), [2.0, 4.0])


def test_execute_function_raises_tf_errors():
  def checked(a):
    tf.debugging.assert_positive(a)
    return a

  fn = tf.function(checked, input_signature=[tf.TensorSpec((), tf.float32)])
  concrete = fn.get_concrete_function()
  try:
    _tf_private.execute_function(concrete.function_def.signature.name,
                                 [tf.constant(-1.0)], (), 1)
  except tf.errors.InvalidArgumentError:
    return
  raise AssertionError('expected tf.errors.InvalidArgumentError')


def test_execute_op_runs_an_op_by_type_with_node_def_attributes():
  # A list input (N values) with the attributes a graph node lists.
  out = _tf_private.execute_op(
      'ConcatV2', [tf.constant([1.0]), tf.constant([2.0, 3.0]),
                   tf.constant(0)],
      ('N', 2, 'T', tf.float32.as_datatype_enum, 'Tidx',
       tf.int32.as_datatype_enum), 1)
  np.testing.assert_array_equal(out[0].numpy(), [1.0, 2.0, 3.0])


def test_eager_tensor_constructor():
  value = _tf_private.EagerTensor(np.ones(3, np.float64),
                                  _tf_private.current_device_name(),
                                  tf.float32.as_datatype_enum)
  assert value.dtype == tf.float32 and value.numpy().tolist() == [1, 1, 1]


def test_tape_detection():
  assert not _tf_private.tape_is_recording()
  with tf.GradientTape():
    assert _tf_private.tape_is_recording()


def test_read_hook_variable_reports_eager_reads():
  reads = []

  class Reported(_tf_private.ReadHookVariable):

    def on_eager_read(self, tensor):
      reads.append(float(tensor))

  v = Reported(3.0)
  _ = v + 1.0
  assert reads == [3.0]
  assert isinstance(v, tf.Variable)


def test_identity_semantics_only_for_chosen_graphs():
  graph = _tf_private.new_keras_graph()
  graph._tf_kbackend_generation = 0  # what the bridge's predicate looks for
  with graph.as_default():
    x = tf.compat.v1.placeholder(tf.float32, ())
  assert hash(x) == id(x) and (x == x) is True


def test_eager_operator_tracking_is_installed():
  assert hasattr(_tf_private.EagerTensor, '_tf_kbackend_original_operators')
  assert float(tf.constant(2.0) * 3.0) == 6.0
