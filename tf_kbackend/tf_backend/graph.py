"""The bridge between the two worlds: the Keras graph and the symbolic scope.

Concrete values (numpy arrays, Python numbers, eager tensors, variables)
live in TensorFlow 2's eager world. Symbolic tensors (placeholders and what
is computed from them) live in one `FuncGraph`, the *Keras graph*, which
`clear_session()` replaces. A symbolic tensor is a real graph `tf.Tensor`,
so `x.op`, `x.get_shape()`, `x.name` and raw `tf.*` ops work on it as they
did in TF1.

Every backend op is written once, in plain TensorFlow, and decorated with
`graph_op`: if any argument is a symbolic tensor the op builds in the Keras
graph, otherwise it runs eagerly. Inside the *symbolic scope* (`symbolic`,
`symbolic_scope`, `name_scope`: TF1's graph-building blocks) every op builds
in the Keras graph, whatever its arguments.

Other modules reach the graph through `get_graph`, `graph_op`,
`symbolic_scope`, `rederive`, `graph_lock` and `on_clear_session` only.

Threads: every thread sees the one Keras graph and may build in it. The
graph changes only under one process-wide re-entrant lock (`graph_lock`):
`KerasGraph` holds it while TensorFlow adds an op, names one or captures a
value; `graph_op` holds it for a whole backend op built symbolically;
`K.function`, re-derivation and `clear_session` hold it while they read or
reset the graph. It is never held while user code runs in a block
(`with K.name_scope(...)`), only inside tf_kbackend and TensorFlow calls.
Name scopes and control dependencies are per-thread, as in TF. See
docs/design.md ("Threads").
"""

import contextlib
import functools
import threading

import tensorflow as tf

from tf_kbackend import _tf_private
from tf_kbackend.tf_backend import provenance


class _State:
  """Process-wide (not thread-local) state: every thread sees one graph.

  Changed only under `_LOCK`.
  """
  graph = None
  generation = 0
  uids = {}
  reset_callbacks = []


# Serializes every change to the Keras graph and to `_State` (re-entrant: a
# backend op holding it builds other backend ops).
_LOCK = threading.RLock()


def graph_lock():
  """The re-entrant lock under which the Keras graph changes.

  Hold it (`with graph_lock():`) around work that reads the graph's
  structure or must not straddle a `clear_session()` in another thread,
  such as compiling a function from it. Never wait for another thread
  while holding it.

  >>> with graph_lock():
  ...   is_symbolic(placeholder(shape=(2,)))
  True
  """
  return _LOCK


def generation():
  """How many times `clear_session()` has reset the Keras graph.

  >>> before = generation(); clear_session(); generation() - before
  1
  """
  return _State.generation


def get_graph():
  """Returns the Keras graph, the `tf.Graph` holding all symbolic tensors.

  It is created on first use and replaced by `clear_session()`.

  >>> x = placeholder(shape=(2,))
  >>> x.graph is get_graph()
  True
  """
  graph = _State.graph
  if graph is None:
    with _LOCK:
      if _State.graph is None:
        graph = _tf_private.new_keras_graph(provenance.capture_hook, _LOCK,
                                            eager_scopes)
        graph._tf_kbackend_generation = _State.generation  # pylint: disable=protected-access
        _State.graph = graph
      graph = _State.graph
  return graph


_TF1_DEVICE_NAMES = {}


def eager_scopes():
  """The eager `tf.device` and `tf.name_scope` scopes in effect, for the graph.

  Ops built in the Keras graph from eager code get them, as TF1 placed and
  named graph ops by the scopes around their construction. The device is
  named as TF1 named it: without the local job's prefix
  (`/job:localhost/replica:0/task:0`), so `with tf.device('/cpu:0')` gives
  ops the device `'/device:CPU:0'`.

  Returns:
    `(device or None, name scope or None)`, or None when neither is set or
    a graph is being built already (its own scopes apply).
  """
  if not tf.executing_eagerly():
    return None
  name = _tf_private.current_device_name()
  scope = _tf_private.current_eager_name_scope()
  if not name and not scope:
    return None
  device = None
  if name:
    device = _TF1_DEVICE_NAMES.get(name)
    if device is None:
      spec = tf.DeviceSpec.from_string(name)
      if spec.job == 'localhost':
        spec = spec.replace(job=None, replica=None, task=None)
      device = _TF1_DEVICE_NAMES[name] = spec.to_string()
  return device, scope or None


def _is_graph_tensor(value):
  return isinstance(value, tf.Tensor) and not isinstance(
      value, _tf_private.EagerTensor)


def is_symbolic(x):
  """Returns True if `x` is a symbolic (graph) tensor, not a concrete value.

  Variables, eager tensors, numpy arrays and Python values are concrete.

  >>> is_symbolic(placeholder(shape=(2,)))
  True
  >>> is_symbolic(variable(1.0))
  False
  """
  if _is_graph_tensor(x) or isinstance(x, tf.Operation):
    return True
  if isinstance(x, (tf.SparseTensor, tf.IndexedSlices)):
    return _is_graph_tensor(x.values)
  return False


def _retired_graph_error(value):
  return ValueError(
      f'{value!r} belongs to a Keras graph that clear_session() has reset; '
      f'it can no longer be used. Build it again (placeholders, layers, '
      f'models) after clear_session().')


def check_in_current_graph(value, role='Tensor'):
  """Raises ValueError if symbolic `value` is not from the current Keras graph.

  Args:
    value: a symbolic tensor, sparse tensor or operation.
    role: what `value` is to the caller, for the message, e.g.
      'input 2 of K.function'.
  """
  graph = getattr(value, 'graph', None)
  if graph is None and isinstance(value, (tf.SparseTensor, tf.IndexedSlices)):
    graph = value.values.graph
  if graph is _State.graph:
    return
  if _is_keras_graph(graph):
    raise _retired_graph_error(value)
  raise ValueError(
      f'{role} {value!r} is a tensor of another graph ({graph!r}), not of '
      f'the Keras graph. Symbolic tensors must come from K.placeholder, '
      f'K.learning_phase() or ops applied to them.')


_CONCRETE, _DERIVED, _SYMBOLIC = 0, 1, 2


def _scan(values):
  """What (nested) `values` hold, in one pass over lists, tuples and dicts.

  Returns:
    _SYMBOLIC if any is a tensor or op of the current Keras graph, else
    _DERIVED if any is a variable or a value derived from one (see
    provenance), else _CONCRETE.

  Raises:
    ValueError: for a tensor of a graph that clear_session() retired.
  """
  found = _CONCRETE
  for value in values:
    if isinstance(value, (list, tuple)):
      kind = _scan(value)
    elif isinstance(value, dict):
      kind = _scan(value.values())
    elif _is_graph_tensor(value) or isinstance(value, tf.Operation):
      graph = value.graph
      if graph is _State.graph:
        return _SYMBOLIC
      if _is_keras_graph(graph):
        raise _retired_graph_error(value)
      continue
    elif isinstance(value, (tf.SparseTensor, tf.IndexedSlices)):
      kind = _scan((value.values,))
    elif provenance.is_derived(value):
      kind = _DERIVED
    else:
      continue
    if kind == _SYMBOLIC:
      return _SYMBOLIC
    found = max(found, kind)
  return found


def _refers_to_keras_graph(values):
  """True if any (nested) value is a symbolic tensor of the Keras graph."""
  return _scan(values) == _SYMBOLIC


def _building_in_keras_graph():
  """The graph being built if it is the Keras graph or nested in it, else None.

  Nested: the body of a `tf.cond` / `tf.while_loop` built in the Keras
  graph. Ops built there must stay there (not be hoisted to the Keras
  graph), or a branch's update op would run unconditionally.

  Raises:
    ValueError: inside a block entered in a Keras graph that
      `clear_session()` (from another thread, or inside the block) has
      since retired: its ops would otherwise silently run eagerly.
  """
  keras_graph = _State.graph
  current = tf.compat.v1.get_default_graph()
  graph = current
  while graph is not None:
    if graph is keras_graph:
      return current
    if _is_keras_graph(graph):
      raise ValueError(
          'This block builds in a Keras graph that clear_session() has '
          'reset (clear_session() ran in another thread, or inside the '
          'block); nothing more can be built in it. Build again after '
          'clear_session().')
    graph = getattr(graph, 'outer_graph', None)
  return None


def in_symbolic_scope():
  """True inside `symbolic_scope()` (or `K.symbolic`, `K.name_scope`)."""
  return _building_in_keras_graph() is not None


def graph_op(fn=None, *, stateful=False):
  """Makes a backend op work in both worlds.

  The decorated op runs eagerly on concrete arguments and builds in the
  Keras graph when any argument (at any nesting depth of lists, tuples and
  dicts) is a symbolic tensor of it, or when called in the symbolic scope.
  Ops are written in plain TensorFlow and need not know which world they
  are in. A concrete result computed from variables records its
  derivation (see `provenance`).

  Args:
    fn: the op.
    stateful: for ops whose concrete result is one draw of a random
      process (`random_normal`, `dropout`): it always records its
      derivation, so that, like a TF1 tensor, it draws anew wherever it is
      evaluated (`K.eval`, `K.function`, the graph).

  >>> @graph_op
  ... def double(x):
  ...   return tf.multiply(x, 2)
  >>> float(double(3.0))
  6.0
  >>> is_symbolic(double(placeholder(shape=())))
  True
  """
  if fn is None:
    return functools.partial(graph_op, stateful=stateful)

  @functools.wraps(fn)
  def wrapper(*args, **kwargs):
    seen_generation = _State.generation
    kind = _scan(args)
    if kind != _SYMBOLIC and kwargs:
      kind = max(kind, _scan(kwargs.values()))
    if kind == _SYMBOLIC:
      # The whole op is built under the lock: atomic for other builders
      # and for clear_session() in another thread.
      with _LOCK:
        if _State.generation != seen_generation:  # Raises for stale args.
          _scan(args)
          _scan(kwargs.values())
        if _building_in_keras_graph() is None:
          with _State.graph.as_default():
            return fn(*args, **kwargs)
        return fn(*args, **kwargs)
    result = fn(*args, **kwargs)
    if (stateful or kind == _DERIVED) and not in_symbolic_scope():
      # A concrete value read from variables (or drawn): remember how, so
      # that it can be re-derived where TF1 would have re-evaluated it.
      provenance.record(result, wrapper, args, kwargs)
    return result

  wrapper.__wrapped_graph_op__ = fn
  return wrapper


@contextlib.contextmanager
def symbolic_scope():
  """A block in which every op builds symbolic tensors in the Keras graph.

  What TF1 code took for granted: inside, `K.cast(variable)` or
  `K.random_normal((2, 3))` are graph tensors re-evaluated at each
  `K.function` call, not values computed once. Variables created inside
  with `K.variable` stay eager (concrete).

  Each thread has its own scope; the graph lock is not held while the
  block runs (each op built inside takes it).

  >>> with symbolic_scope():
  ...   y = cast(variable(1.0), 'int32')
  >>> is_symbolic(y)
  True
  """
  current = _building_in_keras_graph()
  if current is not None:
    yield current
    return
  with get_graph().as_default() as graph:
    yield graph


def symbolic(func):
  """Decorator: run `func` in the symbolic scope (Keras 2.3.1's `K.symbolic`).

  Use it on code that builds a computation to run later with `K.function`,
  such as an optimizer's `get_updates`.

  >>> @symbolic
  ... def lr_schedule(iterations):
  ...   return 0.1 / (1.0 + cast(iterations, 'float32'))
  >>> is_symbolic(lr_schedule(variable(0, dtype='int64')))
  True
  """

  @functools.wraps(func)
  def symbolic_wrapper(*args, **kwargs):
    with symbolic_scope():
      return func(*args, **kwargs)

  return symbolic_wrapper


def eager(func):
  """Decorator: run `func` eagerly, outside the symbolic scope (`K.eager`).

  >>> @eager
  ... def total(x):
  ...   return tf.reduce_sum(x)
  >>> with symbolic_scope():
  ...   s = total([1.0, 2.0])
  >>> float(s)
  3.0
  """

  @functools.wraps(func)
  def eager_wrapper(*args, **kwargs):
    if in_symbolic_scope():
      with tf.init_scope():
        return func(*args, **kwargs)
    return func(*args, **kwargs)

  return eager_wrapper


@contextlib.contextmanager
def name_scope(name, *args, **kwargs):
  """A named graph-building block, as `tf.name_scope` was for TF1 Keras.

  Ops built inside get `name` as a prefix, and, as in TF1 (where a name
  scope only ever meant graph building), run in the symbolic scope.
  Variables created inside get the prefix too: `dense_1/kernel:0`.

  Args:
    name: the scope name.
    *args: accepted for TF1's `name_scope(name, default_name, values)`.
    **kwargs: same.

  Yields:
    The full scope name, ending in '/'.

  >>> with name_scope('block'):
  ...   y = placeholder(shape=(2,)) * 2.0
  >>> y.name.startswith('block/')
  True
  """
  del args, kwargs  # TF1's default_name/values only picked a default name.
  with symbolic_scope() as graph:
    with graph.name_scope(name) as scope:
      yield scope


def current_name_scope():
  """The Keras graph's current name scope, without a trailing '/'."""
  graph = _State.graph
  return graph.get_name_scope() if graph is not None else ''


def _flatten_control_inputs(control_inputs):
  if control_inputs is None:
    return []
  if isinstance(control_inputs, (list, tuple)):
    flat = []
    for item in control_inputs:
      flat.extend(_flatten_control_inputs(item))
    return flat
  return [control_inputs]


@contextlib.contextmanager
def control_dependencies(control_inputs):
  """Ops built inside run only after `control_inputs` (TF1 semantics).

  With symbolic control inputs (update ops, graph tensors) the block is in
  the symbolic scope; with concrete ones it is a no-op, as in eager TF2,
  where ops already run in program order.

  Args:
    control_inputs: an op or tensor, a list of them, or None.

  >>> v = variable(0.0)
  >>> with control_dependencies([update_add(v, 1.0)]):
  ...   y = identity(v)
  >>> float(eval(y))
  1.0
  """
  inputs = _flatten_control_inputs(control_inputs)
  if _refers_to_keras_graph(inputs):
    with symbolic_scope() as graph:
      with graph.control_dependencies(inputs):
        yield
  elif in_symbolic_scope():
    with _building_in_keras_graph().control_dependencies(inputs or None):
      yield
  else:
    yield


def get_uid(prefix=''):
  """Returns a unique integer per `prefix`, counting from 1 per session.

  Args:
    prefix: the string to count for, such as a layer type name.

  >>> reset_uids()
  >>> get_uid('dense'), get_uid('dense'), get_uid('conv')
  (1, 2, 1)
  """
  with _LOCK:
    uid = _State.uids[prefix] = _State.uids.get(prefix, 0) + 1
  return uid


def reset_uids():
  """Resets the counters of `get_uid`.

  >>> _ = get_uid('x'); reset_uids(); get_uid('x')
  1
  """
  with _LOCK:
    _State.uids = {}


def uid_counts():
  """A copy of the `get_uid` counters: {prefix: last uid given}."""
  return dict(_State.uids)


def on_clear_session(callback):
  """Registers `callback()` to run when `clear_session()` resets the graph.

  Callbacks run under the graph lock.
  """
  with _LOCK:
    _State.reset_callbacks.append(callback)
  return callback


def clear_session():
  """Destroys the Keras graph and all state built on it, and starts afresh.

  Resets the graph (placeholders and symbolic tensors of the old one raise
  a clear error if used), the `get_uid` counters, the learning phase and
  every compiled-function cache. Variables are ordinary Python objects and
  live on while referenced.

  Safe to call while other threads build: it waits for backend ops and
  compilations in progress, and their later use of tensors of the old
  graph raises the same ValueError as in one thread. Compiled functions
  keep working.

  >>> x = placeholder(shape=(2,))
  >>> clear_session()
  >>> x.graph is get_graph()
  False
  """
  with _LOCK:
    _State.graph = None
    _State.generation += 1
    reset_uids()
    for callback in _State.reset_callbacks:
      callback()


def rederive(value):
  """`value`, derived eagerly from variables, rebuilt in the Keras graph.

  See `provenance`; returns `value` unchanged if it records no derivation.

  >>> v = variable(2.0)
  >>> is_symbolic(rederive(v * 3.0))
  True
  """
  if provenance.derivation(value) is None:
    return value
  with _LOCK:
    return provenance.rederive(value, get_graph())


class _SymbolicFallbackDispatcher(_tf_private.GlobalOpDispatcher):
  """Re-runs a raw `tf.*` op in the Keras graph when eager mode refused it.

  Most raw TF ops applied to Keras tensors build into the Keras graph by
  themselves; a few (`tf.cond`, `tf.map_fn`, `tf.py_function`, ...) check
  for eager execution first and fail with a TypeError or ValueError.
  TensorFlow offers registered dispatchers a second chance at such calls:
  this one retries the call in the Keras graph when an argument is a Keras
  tensor, and declines otherwise.
  """

  def handle(self, op, args, kwargs):
    if (_building_in_keras_graph() is not None or
        not (_refers_to_keras_graph(args) or
             _refers_to_keras_graph(kwargs.values()))):
      return self.NOT_SUPPORTED
    with _LOCK:
      # Checked again under the lock: clear_session() may have run since.
      if not (_refers_to_keras_graph(args) or
              _refers_to_keras_graph(kwargs.values())):
        return self.NOT_SUPPORTED
      with _State.graph.as_default():
        return op(*args, **kwargs)


_SymbolicFallbackDispatcher().register()


def _is_keras_graph(graph):
  return hasattr(graph, '_tf_kbackend_generation')


# TF1 semantics for Keras-graph tensors: hashable, `==` is identity (so
# `feed_dict={x: value}` and `x in tensors` work); see `_tf_private`.
_tf_private.use_identity_semantics(_is_keras_graph)
