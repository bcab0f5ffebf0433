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


def test_legacy_backend_modules_import_with_what_legacy_code_used():
  used = {'tf_ops': 'convert_to_tensor', 'moving_averages':
          'assign_moving_average', 'tensor_array_ops': 'TensorArray',
          'control_flow_ops': 'with_dependencies', 'functional_ops': 'foldl',
          'ctc': 'ctc_loss', 'device_lib': 'list_local_devices',
          'config_pb2': 'ConfigProto', 'context': 'executing_eagerly',
          'tfdev': 'DeviceSpec', 'tf_image_ops': 'resize_images',
          'tf_math_ops': 'reduce_sum', 'tf_state_ops': 'assign',
          'tf_utils': 'shape_type_conversion'}
  assert set(used) == set(_tf_private.LEGACY_BACKEND_MODULES)
  for name, attribute in used.items():
    module = _tf_private.legacy_backend_module(name)
    assert module.__name__ == _tf_private.LEGACY_BACKEND_MODULES[name]
    assert hasattr(module, attribute), (name, attribute)


class _RecordingLock:
  """An RLock that records whether it was held."""

  def __init__(self):
    import threading  # pylint: disable=g-import-not-at-top
    self._lock = threading.RLock()
    self.entries = 0

  def __enter__(self):
    self._lock.acquire()
    self.entries += 1
    return self

  def __exit__(self, *exc_info):
    self._lock.release()


def test_keras_graph_changes_under_its_lock():
  # FuncGraph._create_op_internal (every op, raw tf.* ops included),
  # Graph.unique_name (name scopes, op names) and FuncGraph.capture.
  lock = _RecordingLock()
  graph = _tf_private.new_keras_graph(lock=lock)
  assert graph.lock is lock
  with graph.as_default():
    before = lock.entries
    x = tf.compat.v1.placeholder(tf.float32, (2,))
    assert lock.entries > before
    before = lock.entries
    with graph.name_scope('scope'):
      assert lock.entries > before
    before = lock.entries
    graph.capture(tf.constant([1.0, 2.0]))
    assert lock.entries > before
  before = lock.entries
  tf.nn.relu(x)  # A raw op on a Keras tensor, from eager code.
  assert lock.entries > before


def test_keras_graph_as_default_state_is_per_thread():
  # FuncGraph.as_default swaps these plain attributes on entry and
  # restores them on exit; each thread must see its own.
  import threading  # pylint: disable=g-import-not-at-top
  graph = _tf_private.new_keras_graph()
  own_key = graph._graph_key
  assert graph._scope_exit_callbacks is None
  entered, leave = threading.Event(), threading.Event()
  seen = {}

  def other_thread():
    with graph.as_default():
      seen['callbacks'] = graph._scope_exit_callbacks
      entered.set()
      leave.wait()

  thread = threading.Thread(target=other_thread)
  thread.start()
  entered.wait()
  # The other thread is inside; this one is not, and sees its own state.
  assert graph._scope_exit_callbacks is None
  assert graph._graph_key == own_key
  with graph.as_default():
    assert graph._scope_exit_callbacks == []
  leave.set()
  thread.join()
  assert seen['callbacks'] == [] and graph._scope_exit_callbacks is None


def test_eager_scopes_are_readable():
  assert not _tf_private.current_device_name()
  assert not _tf_private.current_eager_name_scope()
  with tf.device('/cpu:0'), tf.name_scope('outer'):
    assert _tf_private.current_device_name().endswith('/device:CPU:0')
    assert _tf_private.current_eager_name_scope() == 'outer/'


def test_keras_graph_applies_its_entry_scopes():
  asked = []

  def entry_scopes():  # As the bridge's: only when entered from eager code.
    if not tf.executing_eagerly():
      return None
    asked.append(True)
    return '/device:GPU:3', 'block/'

  graph = _tf_private.new_keras_graph(entry_scopes=entry_scopes)
  with graph.as_default():
    x = tf.compat.v1.placeholder(tf.float32, ())
    with tf.device('/cpu:0'):  # Scopes opened inside win.
      y = x + 1.0
  z = tf.nn.relu(x)  # The eager executor's fallback enters the graph too.
  assert len(asked) >= 2
  assert (x.device, x.name) == ('/device:GPU:3', 'block/Placeholder:0')
  assert y.device == '/device:CPU:0'
  assert z.device == '/device:GPU:3' and z.name.startswith('block/')


def test_innermost_variable_creator_runs_below_a_strategy():
  strategy = tf.distribute.MirroredStrategy(['/cpu:0'])
  made = []

  def component(next_creator, **kwargs):
    del next_creator
    made.append(kwargs['name'])
    return _tf_private.ReadHookVariable(kwargs['initial_value'],
                                        name=kwargs['name'])

  with strategy.scope():
    with _tf_private.innermost_variable_creator_scope(component):
      v = tf.Variable(2.0, name='w')
  assert isinstance(v, tf.distribute.DistributedValues)
  assert made == ['w']
  parts = strategy.experimental_local_results(v)
  assert all(isinstance(p, _tf_private.ReadHookVariable) for p in parts)


def test_distributed_variable_reads_through_its_component():
  strategy = tf.distribute.MirroredStrategy(['/cpu:0'])
  reads = []

  class Reported(_tf_private.ReadHookVariable):

    def on_eager_read(self, tensor):
      reads.append(tensor)

  def component(next_creator, **kwargs):
    del next_creator
    return Reported(kwargs['initial_value'], name=kwargs['name'])

  with strategy.scope():
    with _tf_private.innermost_variable_creator_scope(component):
      v = tf.Variable(2.0)
    # TensorFlow's own eager read in the scope returns an identity of the
    # component's read, not the read itself.
    assert tf.convert_to_tensor(v) is not reads[-1]
    _tf_private.give_variable_semantics(
        v, lambda var: strategy.experimental_local_results(var)[0])
    value = tf.convert_to_tensor(v)
    assert value is reads[-1] and float(value) == 2.0
    count = len(reads)
    assert float(v * 3.0) == 6.0  # Operators read the component too.
    assert len(reads) == count + 1
  assert isinstance(v, tf.distribute.DistributedValues)
  assert hash(v) == id(v) and v == v and v != tf.Variable(2.0)


def test_symbolic_tensor_is_the_class_of_keras_graph_tensors():
  graph = _tf_private.new_keras_graph()
  with graph.as_default():
    x = tf.compat.v1.placeholder(tf.float32, (2,))
  assert type(x) is _tf_private.SymbolicTensor
  # Its attributes can be set on the class (the TF1 names set `__len__`
  # and `shape` there, tf_kbackend/tf1/tensors.py) and removed again.
  _tf_private.SymbolicTensor._tf_kbackend_probe = 1
  assert x._tf_kbackend_probe == 1
  del _tf_private.SymbolicTensor._tf_kbackend_probe
  assert not hasattr(x, '_tf_kbackend_probe')


def test_keras_graph_has_its_own_collections():
  # A FuncGraph shares the variable collections of the process-wide graph
  # unless given its own: the Keras graph must not (clear_session would
  # keep every listed variable alive).
  graph = _tf_private.new_keras_graph()
  graph.add_to_collection(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES, 'probe')
  other = _tf_private.new_keras_graph()
  assert other.get_collection(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES) == []
  assert tf.compat.v1.get_default_graph().get_collection(
      tf.compat.v1.GraphKeys.GLOBAL_VARIABLES) == []


def test_graph_to_function_registers_a_subset_of_a_graphs_ops():
  graph = tf.Graph()
  with graph.as_default():
    x = tf.compat.v1.placeholder(tf.float32, (None, 2), name='x')
    y = x * 3.0
    unused = y + 1.0  # Not in the body: left out of the function.
  name = 'tf_kbackend_probe_graph_to_function'
  _tf_private.graph_to_function(
      graph, name, [y.op, y.op.inputs[1].op], [x], [y], [],
      {'_construction_context': tf.compat.v1.AttrValue(s=b'kEagerRuntime')})
  try:
    assert _tf_private.has_function(name)
    definition = _tf_private.function_def(name)
    assert {node.op for node in definition.node_def} == {'Mul', 'Const'}
    assert unused.op.name not in {node.name for node in definition.node_def}
    # The placeholder's static shape is the argument's.
    shape = definition.arg_attr[0].attr['_output_shapes'].list.shape[0]
    assert tf.TensorShape(shape).as_list() == [None, 2]
    out = _tf_private.execute_function(
        name, [tf.constant([[1.0, 2.0]])], _tf_private.function_call_attrs(), 1)
    np.testing.assert_array_equal(out[0].numpy(), [[3.0, 6.0]])
  finally:
    _tf_private.remove_function(name)
  assert not _tf_private.has_function(name)
  _tf_private.remove_function(name)  # Already gone: nothing happens.
