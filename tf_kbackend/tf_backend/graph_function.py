"""`K.function`'s function made directly of the Keras graph's ops.

`compiler.compile_subgraph` finds the ops a function needs; this module
turns them into a registered TensorFlow function without re-creating them:
the few ops the function adds (an `Identity` per output, the update
assignments and their shape checks) are built in the Keras graph itself,
and `_tf_private.graph_to_function` (`TF_GraphToFunction`, the last step
of `tf.function` too) makes the `FunctionDef` from the Keras graph's ops,
its fed tensors becoming the arguments and its captured variable handles
the captured inputs. Copying the subgraph into a traced `tf.function`
(`import_graph_def`, then automatic control dependencies over every op)
cost ~2 s for a ResNet50 training step; this costs ~0.1 s.

Ordering: the body runs in data-flow order, like TF1's `Session.run`;
each update assignment waits, through control dependencies, for every op
of the body that uses its variable (what automatic control dependencies
order in a `tf.function`) and for the run-time shape checks of all
update values, and writes to one variable keep the order of the updates.
A conditional or loop that uses a variable is waited for through its
outputs (see `settled_waits`). So outputs see the variables from before the
call's updates, all updates see the same old values, and a failed shape
check changes no variable.

A `GradientTape` cannot see a function called by name; under a recording
tape, `GraphFunction.__call__` runs the traced equivalent (built once, on
first need).
"""

import itertools
import re
import threading
import weakref

import tensorflow as tf

from tf_kbackend import _tf_private
from tf_kbackend.tf_backend import graph as graph_lib

_NAMES = itertools.count()
_CONSTRUCTION_CONTEXT = tf.compat.v1.AttrValue(s=b'kEagerRuntime')


class GraphFunction:
  """A registered function made of Keras-graph ops; see the module doc."""

  def __init__(self, name, captured_inputs, outputs, traced):
    self.name = name
    self.captured_inputs = captured_inputs  # Eager handles, after the args.
    self.outputs = outputs                  # The Keras-graph tensors returned.
    self._traced = traced                   # () -> the traced equivalent.
    self._concrete = None
    self._lock = threading.Lock()
    weakref.finalize(self, _tf_private.remove_function, name)

  @property
  def function_def(self):
    return _tf_private.function_def(self.name)

  @property
  def graph(self):
    """The traced equivalent's `FuncGraph` (built on first need), for
    inspection as a `ConcreteFunction`'s."""
    return self.traced().graph

  def traced(self):
    """The equivalent `ConcreteFunction` (a `GradientTape` records it)."""
    with self._lock:
      if self._concrete is None:
        self._concrete = self._traced()
      return self._concrete

  def __call__(self, *args):
    return self.traced()(*args)


def _functions_registered(ops):
  for op in ops:
    for attr in op.node_def.attr.values():
      names = ([attr.func.name] if attr.HasField('func') else
               [f.name for f in attr.list.func] if attr.HasField('list') else [])
      for name in names:
        if not _tf_private.has_function(name):
          return False
  return True


def applicable(needed, feeds, captures):
  """Whether the fed tensors can simply become arguments.

  Not when a fed tensor's op is itself needed (another of its outputs, or a
  control dependency), a tensor is fed twice or a captured value is fed.
  """
  names = [t.name for t in feeds]
  if len(set(names)) != len(names):
    return False
  return not any(t.op.name in needed or t.name in captures for t in feeds)


def build(graph, needed, feeds, fetches, updates, fetch_ops, name, traced,
          check_name):
  """Registers the function; see `compiler.compile_subgraph`'s arguments.

  Args:
    graph: the Keras graph.
    needed: the ops needed (name -> op), fed tensors' producers excluded.
    feeds: the fed Keras-graph tensors, in argument order.
    fetches: what the function returns (tensors, variables, values).
    updates: the `compiler.Update`s, applied last.
    fetch_ops: other Keras-graph ops to run.
    name: the function's name.
    traced: () -> the traced `ConcreteFunction` equivalent to it.
    check_name: `index -> name` of an update value's run-time shape check.

  Returns:
    A `GraphFunction`, or None when one of the needed ops calls a function
    that is not registered in the eager context.
  """
  if not _functions_registered(needed.values()):
    return None
  first_new = len(graph.get_operations())
  with graph_lib.symbolic_scope(), tf.control_dependencies(None), \
      tf.name_scope('tf_kbackend_function'):
    outputs = [_output(graph, fetch) for fetch in fetches]
    new_values = [_value(graph, update) for update in updates]
    checks = []
    for index, (update, value) in enumerate(zip(updates, new_values)):
      if (update.shape is not None and update.shape.is_fully_defined() and
          not value.shape.is_fully_defined()):
        new_values[index] = tf.ensure_shape(value, update.shape,
                                            name=check_name(index))
        checks.append(new_values[index])
    # Each write waits for every op of the body that uses its variable (its
    # reads), as automatic control dependencies would order it, and for
    # every shape check (all or nothing).
    users = {}
    for op in itertools.chain(needed.values(),
                              graph.get_operations()[first_new:]):
      for tensor in op.inputs:
        if tensor.dtype == tf.resource:
          users.setdefault(tensor.name, []).append(op)
    gate = []
    if checks:
      with tf.control_dependencies(checks):
        gate = [tf.raw_ops.NoOp(name='update_shapes_checked')]
    assigns, last, settled = [], {}, {}
    for update, value in zip(updates, new_values):
      extra = {'validate_shape': True} if (
          update.kind == 'AssignVariableOp') else {}
      resource = graph.capture(update.handle)
      # Writes to one variable happen in the order of the updates.
      previous = last.get(resource.name)
      waits = users.get(resource.name, []) + gate + (
          [previous] if previous is not None else [])
      with tf.control_dependencies(settled_waits(waits, settled)):
        assign = getattr(tf.raw_ops, update.kind)(
            resource=resource, value=value, **extra)
      last[resource.name] = assign
      assigns.append(assign)
  new_ops = graph.get_operations()[first_new:]
  captures = {internal.name: external
              for external, internal in graph.captures}
  body = [op for op in itertools.chain(needed.values(), new_ops)
          if not (op.type == 'Placeholder' and op.outputs[0].name in captures)]
  captured = {}  # The captured placeholders the body reads, in order.
  for op in body:
    for tensor in op.inputs:
      if tensor.name in captures and tensor.op.type == 'Placeholder':
        captured.setdefault(tensor.name, tensor)
  captured = list(captured.values())
  registered = ('__tf_kbackend_' + re.sub(r'[^A-Za-z0-9_]', '_', name) +
                f'_{next(_NAMES)}')
  _tf_private.graph_to_function(
      graph, registered, body, list(feeds) + captured, outputs,
      assigns + list(fetch_ops),
      {'_construction_context': _CONSTRUCTION_CONTEXT})
  return GraphFunction(registered, [captures[t.name] for t in captured],
                       outputs, traced)


def calls_functions(op):
  """Whether `op` calls functions (a conditional, a loop, a function call)."""
  for attr in op.node_def.attr.values():
    if attr.HasField('func') or (attr.HasField('list') and attr.list.func):
      return True
  return False


def settled_waits(ops, settled):
  """What to wait for so that `ops` have done their reads.

  A conditional or loop (an op calling functions) is waited for through an
  `Identity` of each of its outputs: lowered for the runtime, a control
  edge from the op itself only waits for its branch or loop to *start*
  (functions built outside automatic control dependencies, as the Keras
  graph's are, list no control outputs), while its outputs wait for the
  values computed in it. `settled` memoizes the identities per op.
  """
  waits = []
  for op in ops:
    if op.type == 'NoOp' or op.type.startswith('Assign'):
      waits.append(op)
      continue
    if op.name not in settled:
      settled[op.name] = ([tf.identity(t) for t in op.outputs] or [op]
                          if calls_functions(op) else [op])
    waits.extend(settled[op.name])
  return waits


def _read(graph, variable):
  return tf.raw_ops.ReadVariableOp(resource=graph.capture(variable.handle),
                                   dtype=variable.dtype)


def _output(graph, fetch):
  if isinstance(fetch, tf.Variable):
    return _read(graph, fetch)
  return tf.identity(fetch if graph_lib.is_symbolic(fetch) else
                     tf.convert_to_tensor(fetch))


def _value(graph, update):
  value = update.value
  if graph_lib.is_symbolic(value):
    return value
  if isinstance(value, tf.Variable):
    return _read(graph, value)
  return tf.cast(value, update.dtype)
