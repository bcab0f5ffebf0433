"""The one module that touches private TensorFlow APIs.

Everything else in tf_kbackend uses the public `tf.*` API. What is here has
no public equivalent; each entry says why it is needed. A TensorFlow upgrade
that moves one of these breaks this module only, and
`tests/test_tf_private.py` exercises every entry so the break shows at once.

- `KerasGraph` (a `FuncGraph`): the symbolic "Keras graph". It must be a
  `FuncGraph` named exactly "keras_graph": TensorFlow's eager executor
  (`tensorflow/python/eager/execute.py`, `_is_keras_symbolic_tensor`)
  recognises tensors of a graph of that name and builds a raw `tf.*` op
  called on them into their graph instead of failing with "out of scope".
  That is what lets TF1-era code apply `tf.nn.relu(x)` to Keras tensors. A
  `FuncGraph` also captures eager values and variables. Its `capture` is
  the one door through which eager values enter the graph: `KerasGraph`
  lets the bridge replace a value computed eagerly from variables by its
  symbolic re-derivation (see `tf_backend/provenance.py`). Its
  `as_default` carries the eager device and name scopes into the graph:
  in eager mode `with tf.device(...)` and `with tf.name_scope(...)` set
  the eager context's device and scope name, which a `FuncGraph` entered
  with `as_default()` ignores (its device and name stacks are its own), so
  without this `with tf.device('/cpu:0'): K.sum(x)` would build an op with
  no device, where TF1 placed it (and Keras 2.2.4's `multi_gpu_model`
  would put every replica on one device). The graph asks its
  `entry_scopes` callable (see `graph.py`) what to apply on entry.
  Thread safety (TensorFlow documents graph construction as not
  thread-safe): `KerasGraph` takes the bridge's build lock around the
  methods that change it (`_create_op_internal`, the path of every op,
  raw `tf.*` ops included; `unique_name`, which name scopes and op names
  use; `capture`), and makes per-thread the two plain attributes that
  `FuncGraph.as_default` swaps on entry and restores on exit
  (`_scope_exit_callbacks`, `_graph_key`): shared, two threads entering
  and leaving the graph interleaved restored each other's values, and one
  crashed with "'NoneType' object is not iterable". (Name scopes, control
  dependencies, device, colocation, variable-creator and strategy stacks
  are already per-thread in TF2 graphs.)
- `ReadHookVariable`: the class `tf.Variable(...)` instantiates in TF2
  (`ResourceVariable`), with its one read method (`_read_variable_op`,
  used by `value()`, `read_value()` and tensor conversion) reporting eager
  reads. `sym + variable` converts the variable *eagerly* inside
  `Tensor.__add__` before the op is routed to the Keras graph; reported,
  that read is re-derived as a graph read (fresh value, and a gradient).
  `K.variable` returns a subclass of it.
- `track_eager_operators`: wraps the Python operators of `EagerTensor`
  (`+`, `*`, `[...]`...) so that a result computed from a value derived
  from variables is recorded as derived too (`0.01 * K.sum(K.square(W))`
  stays tied to `W`). Untracked tensors pay one dict lookup.
- `execute_function`: calls a compiled function by name through
  `TFE_Py_Execute`, the C entry point that `tf.function` itself ends in. It
  skips ~200 us of Python dispatch per call, which is what lets
  `K.function` match TF1's `Session.run` per-call cost.
- `execute_op`: runs one op by type name on eager inputs, with its
  attributes as a flat tuple, through the same `TFE_Py_Execute`. The public
  `tf.raw_ops.X(**kwargs)` would need each op's keyword names and refuses
  the inferred attributes a graph op's `node_def` lists; replaying a small
  graph op by op (`tf_backend/eager_replay.py`: weight initializers) has
  exactly the op type, the inputs in order and the `node_def` attributes.
- `graph_to_function` / `remove_function`: register, under a name, a
  function made of a subset of a graph's ops (`TF_GraphToFunction`, what
  `tf.function` itself ends in to turn its traced graph into a
  `FunctionDef`), and drop it again. `K.function` makes its function from
  the Keras graph's own ops this way (`tf_backend/graph_function.py`): the
  public road, `import_graph_def` of the subgraph into a traced
  `tf.function`, re-creates every op in Python and then runs automatic
  control dependencies over them, ~2 s for the 15,000 ops of a ResNet50
  training step, against ~0.1 s here.
- `tape_is_recording`: whether a `GradientTape` may be watching; the direct
  call path above is invisible to tapes, so `K.function` falls back to the
  regular (recorded) call when one is.
- `use_identity_semantics`: TF1 code keys dicts by tensors
  (`feed_dict={x: value}`) and tests membership (`x in tensors`, which
  legacy Keras' own `Layer.__call__` does). TF2 makes graph tensors of a
  function graph unhashable and `==` element-wise; TF1 graph tensors were
  hashable and compared by identity. This restores the TF1 behaviour for
  the Keras graph's tensors only, by wrapping `SymbolicTensor`'s `__eq__`,
  `__ne__` and `__hash__`; and makes a plain `tf.Variable` compare by
  identity *with such a tensor* and hash by identity, as TF1 variables did
  (`Input(tensor=tf.Variable(...))` puts one in the lists and sets legacy
  Keras searches). TF2 raises on hashing a variable; an identity hash never
  calls `==` between different variables, so nothing else changes. Every
  other comparison keeps TF2 semantics.
- `innermost_variable_creator_scope`: a `tf.variable_creator_scope` whose
  creator runs *after* every public one, i.e. below a `tf.distribute`
  strategy's. The strategy's creator makes a distributed variable and calls
  the next creator once per replica for its components; from the bottom of
  the stack ours makes each component a `K.variable` class instance (with
  the TF1 read semantics above). The public `tf.variable_creator_scope`
  can only push creators that run before the strategy's (priority 100);
  `Graph._variable_creator_scope` takes the priority.
- `give_variable_semantics`: a distributed variable (`MirroredVariable`,
  made by a `tf.distribute` strategy) read eagerly in the strategy's
  scope returns `tf.identity(component)` (its `__tf_tensor__`, and its
  Python operators through `_get()`): a plain eager tensor, so
  `symbolic + w` or `0.9 * w` would freeze the value instead of reading it
  at run time. The instance's class is swapped for a subclass whose eager
  conversion and operators go through the component itself (a
  `K.variable`, whose reads are recorded), and which compares and hashes
  by identity, as TF1 variables and `KerasVariable` do. Graph-mode and
  replica-context behaviour is the base class's.
- `SymbolicTensor`: the class of graph tensors. Under the TF1 names
  (tf_kbackend/tf1/tensors.py), tensors of the Keras graph answer as TF1's
  did where legacy code reads them: no `__len__` (TF <= 1.13; libraries
  test `hasattr(t, '__len__')` to tell a list of outputs from a tensor) and
  TF1 static shapes (`t.shape[0].value`). Only the class can carry those
  attributes; `tf.Tensor` is a base shared with eager tensors.
- `EagerTensor`: the eager tensor class, whose constructor builds a tensor
  from a numpy array 3x faster than `tf.constant` and regardless of any
  graph scope. (`type(tf.constant(0.))` names it publicly, but creating that
  constant at import would initialize the eager context, after which
  `K.set_session` could no longer set thread counts or GPU memory growth.)
- `legacy_backend_module`: the TensorFlow modules that Keras 2.2/2.3's own
  TensorFlow backend imported from `tensorflow.python` at its top
  (`control_flow_ops`, `tensor_array_ops`, `functional_ops`, `ctc_ops`,
  `moving_averages`, `ops`, `device_lib`, `config_pb2`...). `from
  .tensorflow_backend import *` exposed them as `keras.backend.<name>`,
  and TF1-era code uses them through it (`K.control_flow_ops.while_loop`);
  they are private TensorFlow modules with no public module equivalent.
  `tf_kbackend.legacy.tf1_modules` serves them with TF1 meaning; this
  entry only imports them, on first use.
"""

import contextlib
import importlib
import itertools
import threading

import tensorflow as tf
from tensorflow.python import pywrap_tfe
from tensorflow.python.client import pywrap_tf_session as _pywrap_tf_session
from tensorflow.python.eager import context as _context
from tensorflow.python.eager import core as _core
from tensorflow.python.eager import record as _record
from tensorflow.python.framework import func_graph as _func_graph
from tensorflow.python.framework import ops as _ops
from tensorflow.python.ops import resource_variable_ops as _resource_variable_ops

EagerTensor = _ops.EagerTensor
SymbolicTensor = _ops.SymbolicTensor

GlobalOpDispatcher = tf.__internal__.dispatch.GlobalOpDispatcher


class ReadHookVariable(_resource_variable_ops.ResourceVariable):
  """A `ResourceVariable` calling `on_eager_read(self, tensor)` per eager read."""

  on_eager_read = None  # Set by the subclass: a function(variable, tensor).

  def _read_variable_op(self, *args, **kwargs):
    result = super()._read_variable_op(*args, **kwargs)
    if isinstance(result, EagerTensor) and self.on_eager_read is not None:
      type(self).on_eager_read(self, result)
    return result

KERAS_GRAPH_NAME = 'keras_graph'


def _per_thread_attribute(name):
  """A graph attribute each thread sets and reads for itself.

  The value assigned during construction is the default every thread sees
  until it assigns its own.
  """
  shared = '_tf_kbackend_shared' + name

  def get(self):
    return getattr(self._thread_local, name, getattr(self, shared))  # pylint: disable=protected-access

  def set_(self, value):
    if hasattr(self, shared):
      setattr(self._thread_local, name, value)  # pylint: disable=protected-access
    else:
      setattr(self, shared, value)  # The first value: at construction.

  return property(get, set_)


class KerasGraph(_func_graph.FuncGraph):
  """The Keras graph: a `FuncGraph` whose eager captures can be redirected.

  Safe to build from several threads: changes happen under `lock`, and what
  `as_default()` swaps is per-thread.
  """

  _scope_exit_callbacks = _per_thread_attribute('_scope_exit_callbacks')
  _graph_key = _per_thread_attribute('_graph_key')

  def __init__(self, capture_hook=None, lock=None, entry_scopes=None):
    # The re-entrant lock held while the graph changes (shared with the
    # bridge, which holds it around whole backend ops).
    self.lock = lock if lock is not None else threading.RLock()
    # Own collections: by default a FuncGraph shares the variable and
    # variable-scope collections of the process-wide graph, which would
    # keep every variable ever listed alive across clear_session().
    super().__init__(KERAS_GRAPH_NAME, collections={})
    # capture_hook(graph, tensor) -> a tensor of this graph, or None to
    # capture `tensor` by value as usual.
    self._tf_kbackend_capture_hook = capture_hook
    # entry_scopes() -> (device, name scope) for ops built after entering
    # the graph (the eager scopes in effect), or None.
    self._tf_kbackend_entry_scopes = entry_scopes
    # Per-graph memo of the hook's replacements (id -> (weakref, tensor)).
    self.capture_replacements = {}

  def capture(self, tensor, name=None, shape=None):
    with self.lock:
      hook = self._tf_kbackend_capture_hook
      if hook is not None and isinstance(tensor, EagerTensor):
        replacement = hook(self, tensor)
        if replacement is not None:
          return replacement
      return super().capture(tensor, name=name, shape=shape)

  def _create_op_internal(self, *args, **kwargs):  # pylint: disable=arguments-differ
    with self.lock:
      return super()._create_op_internal(*args, **kwargs)

  def unique_name(self, name, mark_as_used=True):
    with self.lock:
      return super().unique_name(name, mark_as_used=mark_as_used)

  def as_default(self):
    scopes = (self._tf_kbackend_entry_scopes()
              if self._tf_kbackend_entry_scopes is not None else None)
    if scopes is None:
      return super().as_default()
    return self._as_default_in(*scopes)

  @contextlib.contextmanager
  def _as_default_in(self, device, name_scope):
    # Pushed after entering: scopes opened inside the graph stack on top of
    # them and win, as nested scopes did in TF1.
    with _func_graph.FuncGraph.as_default(self):
      with (self.device(device) if device else contextlib.nullcontext()):
        with (self.name_scope(name_scope) if name_scope else
              contextlib.nullcontext()):
          yield self


_SEMANTIC_CLASSES = {}


def give_variable_semantics(variable, eager_component):
  """Makes distributed `variable` read through `eager_component(variable)`.

  Args:
    variable: a distributed variable.
    eager_component: returns the component an eager read must use, or None
      to keep TensorFlow's behaviour (graph mode, replica context).
  """
  base = type(variable)
  cls = _SEMANTIC_CLASSES.get(base)
  if cls is None:

    def __tf_tensor__(self, dtype=None, name=None):
      component = eager_component(self)
      if component is None:
        return base.__tf_tensor__(self, dtype, name)
      return tf.convert_to_tensor(component, dtype=dtype, name=name)

    def _dense_var_to_tensor(self, dtype=None, name=None, as_ref=False):
      component = None if as_ref else eager_component(self)
      if component is None:
        return base._dense_var_to_tensor(self, dtype=dtype, name=name,  # pylint: disable=protected-access
                                         as_ref=as_ref)
      return tf.convert_to_tensor(component, dtype=dtype, name=name)

    def make_operator(name):
      base_operator = getattr(base, name)

      def operator(self, *others):
        component = eager_component(self)
        if component is None:
          return base_operator(self, *others)
        return getattr(component, name)(*others)

      operator.__name__ = name
      return operator

    namespace = {
        '__tf_tensor__': __tf_tensor__,
        '_dense_var_to_tensor': _dense_var_to_tensor,
        '__eq__': lambda self, other: self is other,
        '__ne__': lambda self, other: self is not other,
        '__hash__': lambda self: id(self),
    }
    for name in TENSOR_OPERATORS:
      if hasattr(base, name):
        namespace[name] = make_operator(name)
    namespace['__module__'] = __name__
    cls = _SEMANTIC_CLASSES[base] = type(base.__name__, (base,), namespace)
  variable.__class__ = cls
  return variable


def innermost_variable_creator_scope(creator):
  """`tf.variable_creator_scope(creator)`, run after every other creator."""
  return _ops.get_default_graph()._variable_creator_scope(creator, priority=0)  # pylint: disable=protected-access


def new_keras_graph(capture_hook=None, lock=None, entry_scopes=None):
  """Returns a new, empty Keras graph (see `KerasGraph`).

  Args:
    capture_hook: `hook(graph, eager_tensor)` -> a tensor of the graph to
      use instead of capturing the eager tensor, or None.
    lock: the re-entrant lock to hold while the graph changes (a new one
      if None).
    entry_scopes: `entry_scopes()` -> (device, name scope) to apply to ops
      built after entering the graph, or None.
  """
  return KerasGraph(capture_hook, lock, entry_scopes)


def eager_tensor(value, dtype_enum=None):
  """An eager tensor built directly from a numpy value (no conversion registry).

  Args:
    value: a numpy array or scalar of a numeric or boolean dtype.
    dtype_enum: the `DType.as_datatype_enum` to build, or None for the
      value's own dtype.
  """
  ctx = _context.context()
  ctx.ensure_initialized()
  return EagerTensor(value, ctx.device_name, dtype_enum)


def current_device_name():
  """The device scope in effect (`with tf.device(...)`), as eager ops see it."""
  return _context.context().device_name


def current_eager_name_scope():
  """The eager name scope in effect (`with tf.name_scope('a')`: 'a/')."""
  return _context.context().scope_name


def function_call_attrs():
  """The attributes TensorFlow passes when it calls a function eagerly."""
  options = _context.context().function_call_options.as_attrs()
  return tuple(itertools.chain(*options.items()))


def execute_function(function_name, inputs, attrs, num_outputs):
  """Runs the registered function `function_name` on eager `inputs`.

  Args:
    function_name: the name of a function registered in the eager context,
      as `ConcreteFunction.function_def.signature.name`.
    inputs: eager tensors: the arguments, then the captured inputs.
    attrs: from `function_call_attrs()`.
    num_outputs: how many tensors the function returns.

  Returns:
    A list of eager tensors.
  """
  ctx = _context.context()
  try:
    return pywrap_tfe.TFE_Py_Execute(ctx._handle, ctx.device_name,  # pylint: disable=protected-access
                                     function_name, inputs, attrs,
                                     num_outputs)
  except _core._NotOkStatusException as e:  # pylint: disable=protected-access
    # What `tf.function` raises for the same failure: a `tf.errors` class.
    raise _core._status_to_exception(e) from None  # pylint: disable=protected-access


def execute_op(op_type, inputs, attrs, num_outputs):
  """Runs op `op_type` eagerly on `inputs` with `attrs` (name, value, ...).

  Returns:
    A list of `num_outputs` eager tensors.
  """
  _context.context().ensure_initialized()
  return execute_function(op_type, inputs, attrs, num_outputs)


def use_identity_semantics(is_legacy_graph):
  """Makes tensors of graphs where `is_legacy_graph(graph)` compare by identity.

  Installs once; later calls replace the predicate.
  """
  cls = _ops.SymbolicTensor
  if getattr(cls, '_tf_kbackend_original', None) is None:
    cls._tf_kbackend_original = (cls.__eq__, cls.__ne__, cls.__hash__)
  tf2_eq, tf2_ne, tf2_hash = cls._tf_kbackend_original

  def __eq__(self, other):
    if is_legacy_graph(getattr(self, 'graph', None)):
      return self is other
    return tf2_eq(self, other)

  def __ne__(self, other):
    if is_legacy_graph(getattr(self, 'graph', None)):
      return self is not other
    return tf2_ne(self, other)

  def __hash__(self):
    if is_legacy_graph(getattr(self, 'graph', None)):
      return id(self)
    return tf2_hash(self)

  cls.__eq__, cls.__ne__, cls.__hash__ = __eq__, __ne__, __hash__

  variable_cls = _resource_variable_ops.BaseResourceVariable
  if getattr(variable_cls, '_tf_kbackend_original', None) is None:
    variable_cls._tf_kbackend_original = (variable_cls.__eq__,
                                          variable_cls.__ne__)
  variable_eq, variable_ne = variable_cls._tf_kbackend_original
  variable_cls.__hash__ = lambda self: id(self)

  def variable_eq_(self, other):
    if is_legacy_graph(getattr(other, 'graph', None)):
      return self is other
    return variable_eq(self, other)

  def variable_ne_(self, other):
    if is_legacy_graph(getattr(other, 'graph', None)):
      return self is not other
    return variable_ne(self, other)

  variable_cls.__eq__, variable_cls.__ne__ = variable_eq_, variable_ne_


# The Python operators TensorFlow defines on tensors and variables.
TENSOR_OPERATORS = (
    '__add__', '__radd__', '__sub__', '__rsub__', '__mul__', '__rmul__',
    '__truediv__', '__rtruediv__', '__floordiv__', '__rfloordiv__',
    '__mod__', '__rmod__', '__pow__', '__rpow__', '__matmul__',
    '__rmatmul__', '__neg__', '__abs__', '__getitem__', '__lt__', '__le__',
    '__gt__', '__ge__', '__and__', '__rand__', '__or__', '__ror__',
    '__xor__', '__rxor__', '__invert__')


def track_eager_operators(on_result):
  """Calls `on_result(result, operator, operands)` after each eager operator.

  `on_result` must be cheap: it runs for every `+`, `*`, `[]`... on an
  eager tensor. Installs once; later calls replace the callback.
  """
  cls = EagerTensor
  originals = getattr(cls, '_tf_kbackend_original_operators', None)
  if originals is None:
    originals = {name: getattr(cls, name) for name in TENSOR_OPERATORS
                 if hasattr(cls, name)}
    cls._tf_kbackend_original_operators = originals

  def make(operator):

    def tracked_operator(*operands):
      result = operator(*operands)
      on_result(result, operator, operands)
      return result

    tracked_operator.__name__ = operator.__name__
    tracked_operator.__doc__ = operator.__doc__
    return tracked_operator

  for name, operator in originals.items():
    setattr(cls, name, make(operator))


def graph_to_function(graph, name, operations, inputs, outputs,
                      control_outputs, attrs):
  """Registers in the eager context a function made of `graph`'s ops.

  Args:
    graph: a `tf.Graph` (the ops stay there; the function copies their
      definitions).
    name: the function's name (unique in the context).
    operations: the ops of the body.
    inputs: tensors of `graph` that become the arguments, in order (their
      consumers among `operations` read the arguments instead).
    outputs: tensors of `operations` to return, in order.
    control_outputs: ops of `operations` that must run.
    attrs: a dict of function attributes (name -> `AttrValue`).
  """
  with graph._c_graph.get() as c_graph:  # pylint: disable=protected-access
    function = _pywrap_tf_session.TF_GraphToFunction_wrapper(
        c_graph, name, False,
        [op._c_op for op in operations],  # pylint: disable=protected-access
        [t._as_tf_output() for t in inputs],  # pylint: disable=protected-access
        [t._as_tf_output() for t in outputs],  # pylint: disable=protected-access
        [], [op._c_op for op in control_outputs], [], None, '')  # pylint: disable=protected-access
  try:
    for attr_name, value in attrs.items():
      _pywrap_tf_session.TF_FunctionSetAttrValueProto(
          function, attr_name, value.SerializeToString())
    _context.context().add_c_function(function)
  finally:
    _pywrap_tf_session.TF_DeleteFunction(function)


def remove_function(name):
  """Drops function `name` from the eager context (if it is still there)."""
  try:
    ctx = _context.context()
    if ctx.has_function(name):
      ctx.remove_function(name)
  except (AttributeError, TypeError):  # The interpreter is shutting down.
    pass


def has_function(name):
  """Whether a function is registered in the eager context as `name`."""
  return _context.context().has_function(name)


def function_def(name):
  """The `FunctionDef` of the function registered as `name`."""
  return _context.context().get_function_def(name)


def tape_is_recording():
  """True if a `GradientTape` (or forward accumulator) may be recording."""
  return _record.could_possibly_record()


# Name in Keras's tensorflow_backend module -> the module it imported.
LEGACY_BACKEND_MODULES = {
    'tf_ops': 'tensorflow.python.framework.ops',
    'moving_averages': 'tensorflow.python.training.moving_averages',
    'tensor_array_ops': 'tensorflow.python.ops.tensor_array_ops',
    'control_flow_ops': 'tensorflow.python.ops.control_flow_ops',
    'functional_ops': 'tensorflow.python.ops.functional_ops',
    'ctc': 'tensorflow.python.ops.ctc_ops',
    'device_lib': 'tensorflow.python.client.device_lib',
    'config_pb2': 'tensorflow.core.protobuf.config_pb2',
    # Keras 2.3's.
    'context': 'tensorflow.python.eager.context',
    'tfdev': 'tensorflow.python.framework.device',
    'tf_image_ops': 'tensorflow.python.ops.image_ops',
    'tf_math_ops': 'tensorflow.python.ops.math_ops',
    'tf_state_ops': 'tensorflow.python.ops.state_ops',
    'tf_utils': 'tensorflow.python.keras.utils.tf_utils',
}


def legacy_backend_module(name):
  """The TensorFlow module Keras's tensorflow_backend imported as `name`."""
  return importlib.import_module(LEGACY_BACKEND_MODULES[name])
