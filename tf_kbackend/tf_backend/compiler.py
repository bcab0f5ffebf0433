"""Compiles part of the Keras graph into one TensorFlow function.

`compile_subgraph` is the mechanism behind `K.function`, `K.eval` and
`Session.run`. Given tensors to feed, tensors to fetch and variable updates,
it:

1. walks back from the fetches through the Keras graph, stopping at fed
   tensors, to find the ops needed (TF1 `Session.run` pruning: any tensor
   can be fed, not only placeholders);
2. refuses, naming them, placeholders that are needed but not fed;
3. makes a function of those ops where they are (`graph_function`): the
   few ops it adds (an `Identity` per output, the update assignments and
   their run-time shape checks) are built in the Keras graph, and
   `TF_GraphToFunction` turns the Keras graph's ops into the registered
   function, the fed tensors becoming its arguments (their static shapes
   in the signature, so None dimensions never cause a retrace) and the
   captured variable handles its captured inputs. With XLA, or when a fed
   tensor's own op is needed too, the ops are instead copied (as a
   `GraphDef`, with the public `import_graph_def`) into a `tf.function`
   traced once with the feeds' static shapes; a recording `GradientTape`
   also runs that traced equivalent;
4. applies the updates after every read of their variables, so outputs
   see the values from before the call's updates and all updates see the
   same old values (as `Function` did in legacy Keras: updates ran under
   control dependencies on the outputs); writes to one variable keep the
   order of the updates. An update value whose shape is only known at
   run time (a None dimension) is checked against its variable's shape
   first, and no variable changes if one differs (TF1 refused such
   assignments; TF2's raw assignment would silently reshape the
   variable): `update_shape_error` turns the failure into a ValueError
   naming the variable. Statically known shapes are checked when the
   updates are built.

The result (a `graph_function.GraphFunction`, or a `ConcreteFunction`) is called through the thin path of
`_tf_private.execute_function`; with `jit_compile=True` it is compiled by
XLA. Ops keep the device the Keras graph gave them (`tf.device` scopes
around their construction), and the placer honours it.

When the subgraph uses variables of a `tf.distribute` strategy, the
`replicated_compiler` hook (installed by `tf_kbackend.distribute`, which
this bridge does not import) builds the function instead: the same
signature, run on every replica (docs/distribute.md).
"""

import re

import tensorflow as tf

from tf_kbackend.tf_backend import fused_updates
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import graph_function

_ASSIGN_OPS = ('AssignVariableOp', 'AssignAddVariableOp',
               'AssignSubVariableOp')
_IMPORT_PREFIX = 'k'

# Set by tf_kbackend.distribute: a callable taking compile_subgraph's
# arguments and returning the replicated function, or None when no
# distributed variable is involved.
replicated_compiler = None
# An attribute of the concrete functions that K.function must call through
# TensorFlow's regular call (see keras_function.Function).
REGULAR_CALL = 'tf_kbackend_regular_call'


class Update:
  """One variable update to apply after the fetches: `kind(var, value)`."""

  def __init__(self, kind, handle, value, dtype, name=None, shape=None):
    self.kind = kind        # One of _ASSIGN_OPS.
    self.handle = handle    # The variable's eager resource handle.
    self.value = value      # A Keras-graph tensor, a variable, or a value.
    self.dtype = dtype      # The variable's dtype.
    self.name = name        # The variable's name, for messages (or None).
    self.shape = shape      # The variable's TensorShape (None: unchecked).


def shape_text(shape):
  """A `TensorShape` (or tuple) as a tuple of ints and None, for messages."""
  shape = tf.TensorShape(shape)
  return 'unknown' if shape.rank is None else tuple(shape.as_list())


def capture_map(graph):
  """Maps each captured placeholder's name to the eager value it stands for."""
  return {internal.name: external for external, internal in graph.captures}


def updates_from_assign_op(op, captures, found):
  """Appends the `Update`s an assign op, or a group of them, stands for.

  Returns the ops that are not variable assignments, to run as they are.
  """
  if op.type in _ASSIGN_OPS:
    resource, value = op.inputs[0], op.inputs[1]
    handle = captures.get(resource.name)
    if handle is not None:
      found.append(Update(op.type, handle, value, value.dtype,
                          getattr(op, '_tf_kbackend_variable_name', None),
                          getattr(op, '_tf_kbackend_variable_shape', None)))
      return list(op.control_inputs)
    return [op]
  if op.type == 'NoOp' and not op.inputs:
    # tf.group(...) of updates.
    others = []
    for control_input in op.control_inputs:
      others.extend(updates_from_assign_op(control_input, captures, found))
    return others
  return [op]


def needed_ops(fetch_ops, fed_names):
  """The ops needed to compute `fetch_ops`, not looking past fed tensors."""
  needed = {}
  stack = list(fetch_ops)
  while stack:
    op = stack.pop()
    if op.name in needed:
      continue
    needed[op.name] = op
    for tensor in op.inputs:
      if tensor.name not in fed_names:
        stack.append(tensor.op)
    stack.extend(op.control_inputs)
  return needed


def subgraph_def(graph, ops):
  """A `GraphDef` holding `ops` (and the function library if they need it)."""
  graph_def = tf.compat.v1.GraphDef()
  graph_def.versions.CopyFrom(graph.graph_def_versions)
  library_needed = False
  for op in ops:
    node = graph_def.node.add()
    node.CopyFrom(op.node_def)
    # Colocation hints may name ops outside the subgraph; they only matter
    # for placement, which the function runtime decides anyway.
    if '_class' in node.attr:
      del node.attr['_class']
    library_needed = library_needed or graph_function.calls_functions(op)
  if library_needed:
    graph_def.library.CopyFrom(graph.as_graph_def().library)
  return graph_def


def without_captures(needed, used_captures, imported=()):
  """The ops of `needed` but the placeholders of captures (input_map binds
  them; copied, they would dangle, which XLA refuses)."""
  skipped = ({name.split(':')[0] for name in used_captures} -
             {tensor.op.name for tensor in imported})
  return [op for name, op in needed.items() if name not in skipped]


def describe_placeholder(tensor):
  shape = tensor.shape
  shape = 'unknown' if shape.rank is None else tuple(shape.as_list())
  return f'{tensor.name!r} (shape {shape}, dtype {tensor.dtype.name})'


def missing_feeds(needed, fed_names, captures):
  """The placeholders among `needed` that are neither fed nor captures."""
  missing = []
  for op in needed.values():
    if op.type != 'Placeholder':
      continue
    tensor = op.outputs[0]
    if tensor.name not in fed_names and tensor.name not in captures:
      missing.append(tensor)
  return missing


def _read_variable(graph, handle, dtype):
  return tf.raw_ops.ReadVariableOp(resource=graph.capture(handle), dtype=dtype)


_SHAPE_CHECK_NAME = 'tf_kbackend_update_shape_'
_SHAPE_CHECK_NODE = re.compile(re.escape(_SHAPE_CHECK_NAME) + r'(\d+)')
_SHAPE_CHECK_SHAPES = re.compile(
    r'\[([\d,]*)\] is not compatible with expected shape \[([\d,]*)\]')


def update_shape_error(error, updates, function_name):
  """The ValueError for a failed update shape check in `error`, else None.

  Args:
    error: a `tf.errors.InvalidArgumentError` raised by a compiled call.
    updates: the `Update`s the function was compiled with.
    function_name: the function's name, for the message.
  """
  message = error.message or ''
  node = _SHAPE_CHECK_NODE.search(message)
  shapes = _SHAPE_CHECK_SHAPES.search(message)
  if node is None or shapes is None or int(node.group(1)) >= len(updates):
    return None
  index = int(node.group(1))
  received, expected = (tuple(int(d) for d in group.split(',') if d)
                        for group in shapes.group(1, 2))
  name = updates[index].name
  variable = f'variable {name!r}' if name else f'the variable of update {index}'
  return ValueError(
      f'K.function {function_name!r}: cannot assign a value of shape '
      f'{received} to {variable} of shape {expected}. No variable was '
      f'changed.')


def registered_name(function):
  """The name under which `compile_subgraph`'s function is registered."""
  if isinstance(function, graph_function.GraphFunction):
    return function.name
  return function.function_def.signature.name


def compile_subgraph(feeds, feed_specs, fetches, updates, fetch_ops, name,
                     what, jit_compile=False, sparse_feeds=(),
                     fuse_updates=False):
  """Builds the concrete function computing `fetches` from `feeds`.

  Args:
    feeds: the Keras-graph tensors bound to the function's arguments, in
      order (a sparse placeholder contributes its three component tensors).
    feed_specs: a `tf.TensorSpec` per feed.
    fetches: what the function returns, in order: Keras-graph tensors,
      variables (read before the updates) or concrete values.
    updates: a list of `Update`.
    fetch_ops: other Keras-graph ops to run (fetched ops, extra fetches).
    name: the function's name.
    what: how to name the caller in error messages ('K.function', 'K.eval').
    jit_compile: compile the function with XLA.
    sparse_feeds: the names of the feeds that are parts of sparse
      placeholders (a replicated function cannot split them).
    fuse_updates: compute the updates' elementwise arithmetic in an inner
      XLA function (`fused_updates`); then None is returned when nothing
      qualifies (or with `jit_compile`).

  Returns:
    A `graph_function.GraphFunction` (or, traced, a `ConcreteFunction`)
    taking one tensor per feed (then its `captured_inputs`) and returning
    one per fetch; `registered_name` gives its name for
    `_tf_private.execute_function` (None: see `fuse_updates`).

  Raises:
    ValueError: if a needed placeholder is not fed.
  """
  if replicated_compiler is not None:
    replicated = replicated_compiler(feeds, feed_specs, fetches, updates,
                                     fetch_ops, name, what, jit_compile,
                                     sparse_feeds)
    if replicated is not None:
      return None if fuse_updates else replicated
  graph = graph_lib.get_graph()
  captures = capture_map(graph)
  fed_names = {tensor.name for tensor in feeds}
  symbolic_fetches = [t for t in fetches if graph_lib.is_symbolic(t)]
  symbolic_values = [u.value for u in updates if graph_lib.is_symbolic(u.value)]
  # A fetched tensor that is also fed is its fed value (TF1 semantics).
  imported = [t for t in symbolic_fetches + symbolic_values
              if t.name not in fed_names]
  needed = needed_ops([t.op for t in imported] + list(fetch_ops), fed_names)
  missing = missing_feeds(needed, fed_names, captures)
  if missing:
    listed = ', '.join(describe_placeholder(t) for t in missing)
    raise ValueError(
        f'{what}: the requested outputs depend on placeholder(s) {listed}, '
        f'which must be fed: list them among the inputs of K.function (or '
        f'in feed_dict). Fed: {sorted(fed_names) or "nothing"}.')
  if (not jit_compile and not fuse_updates and
      graph_function.applicable(needed, feeds, captures)):
    direct = graph_function.build(
        graph, needed, feeds, fetches, updates, fetch_ops, name,
        lambda: _traced(graph, captures, feeds, feed_specs, fetches, updates,
                        fetch_ops, name, jit_compile, imported, needed),
        check_name=lambda index: f'{_SHAPE_CHECK_NAME}{index}')
    if direct is not None:
      return direct
  return _traced(graph, captures, feeds, feed_specs, fetches, updates,
                 fetch_ops, name, jit_compile, imported, needed, fuse_updates)


def _traced(graph, captures, feeds, feed_specs, fetches, updates, fetch_ops,
            name, jit_compile, imported, needed, fuse_updates=False):
  """The function as a `tf.function` that imports a copy of the subgraph."""
  fed_names = {tensor.name for tensor in feeds}
  symbolic_fetches = [t for t in fetches if graph_lib.is_symbolic(t)]
  symbolic_values = [u.value for u in updates if graph_lib.is_symbolic(u.value)]
  fusion = None
  if fuse_updates:
    if jit_compile or not symbolic_values:
      return None
    fusion = fused_updates.plan(
        graph, needed, [u for u in updates if graph_lib.is_symbolic(u.value)],
        captures, fed_names,
        {t.name for t in symbolic_fetches} | {op.name for op in fetch_ops},
        subgraph_def)
    if fusion is None:
      return None
  boundary = []
  if fusion is not None:
    # The fused ops are not copied; the tensors they read are returned.
    fused_ids = {id(u.value) for u in fusion.assigned}
    imported = [t for t in imported if id(t) not in fused_ids]
    boundary = [t for t in fusion.boundary
                if t.name not in fed_names and t.name not in captures]
    needed = needed_ops([t.op for t in imported + boundary] + list(fetch_ops),
                        fed_names)
  # Conditionals and loops that use a variable this function writes: the
  # writes wait for their outputs, not for the ops (lowered, a control edge
  # from one only waits for its branch or loop to start; see
  # graph_function.settled_waits). Automatic control dependencies alone let
  # a write overtake a read inside a learning-phase conditional.
  written = {id(u.handle) for u in updates}
  flow_names = sorted(
      op.name for op in needed.values()
      if graph_function.calls_functions(op) and any(
          t.name in captures and id(captures[t.name]) in written
          for t in op.inputs))
  return_names = ([t.name for t in imported] + [op.name for op in fetch_ops] +
                  [t.name for t in boundary] + flow_names)
  used_captures = [n for n in captures if n.split(':')[0] in needed]
  graph_def = subgraph_def(graph, without_captures(needed, used_captures,
                                                   imported))
  # Only feeds some copied op reads may be mapped: import_graph_def refuses
  # mappings it does not use (TF1 allowed unused feeds).
  consumed = {t.name for op in needed.values() for t in op.inputs}
  consumed.update(t.name for op in needed.values() if op.type == 'Placeholder'
                  for t in op.outputs)

  def body(*args):
    inner = tf.compat.v1.get_default_graph()
    fed_values = {tensor.name: arg for tensor, arg in zip(feeds, args)}
    input_map = {name: value for name, value in fed_values.items()
                 if name in consumed}
    for capture_name in used_captures:
      input_map[capture_name] = inner.capture(captures[capture_name])
    results = tf.graph_util.import_graph_def(
        graph_def, input_map=input_map, return_elements=return_names,
        name=_IMPORT_PREFIX) if return_names else []
    values = {id(t): r for t, r in zip(imported, results)}
    for t in symbolic_fetches + symbolic_values:
      if t.name in fed_values:
        values[id(t)] = fed_values[t.name]
    outputs = []
    for fetch in fetches:
      if id(fetch) in values:
        outputs.append(tf.identity(values[id(fetch)]))
      elif isinstance(fetch, tf.Variable):
        outputs.append(_read_variable(inner, fetch.handle, fetch.dtype))
      else:
        outputs.append(tf.identity(tf.convert_to_tensor(fetch)))
    new_values = []
    fused_assigned = {id(u) for u in fusion.assigned} if fusion else ()
    for update in updates:
      if id(update) in fused_assigned:
        new_values.append(None)
      elif id(update.value) in values:
        new_values.append(values[id(update.value)])
      elif isinstance(update.value, tf.Variable):
        new_values.append(_read_variable(inner, update.value.handle,
                                         update.value.dtype))
      else:
        new_values.append(tf.cast(update.value, update.dtype))
    # Shapes known only now are checked before any write: all or nothing.
    # (A check on the assigned value itself: TensorFlow's shape inference
    # equates the shape of a value with its variable's, and folds checks
    # made on any other tensor of that shape.)
    checks = []
    for index, update in enumerate(updates):
      if (new_values[index] is not None and update.shape is not None and
          update.shape.is_fully_defined() and
          not new_values[index].shape.is_fully_defined()):
        new_values[index] = tf.ensure_shape(
            new_values[index], update.shape, name=f'{_SHAPE_CHECK_NAME}{index}')
        checks.append(new_values[index])
    # Created last: automatic control dependencies order each write after
    # every read of the same variable above; reads inside conditionals and
    # loops are waited for through one gate on their outputs.
    first_flow = len(results) - len(flow_names)
    gate = graph_function.settled_waits(results[first_flow:], {})
    if gate:
      checks = checks + [tf.group(*gate)]
    with tf.control_dependencies(checks):
      if fusion is not None:
        first = first_flow - len(boundary)
        read = dict(zip((t.name for t in boundary),
                        results[first:first_flow]))
        read.update(fed_values)
        read.update((t.name, inner.capture(captures[t.name]))
                    for t in fusion.boundary if t.name in captures)
        fusion.call([read[t.name] for t in fusion.boundary])
      for update, value in zip(updates, new_values):
        if value is None:
          continue  # Applied by the fused function.
        # validate_shape: refuse the write if a shape slipped through.
        extra = {'validate_shape': True} if (
            update.kind == 'AssignVariableOp') else {}
        getattr(tf.raw_ops, update.kind)(
            resource=inner.capture(update.handle), value=value, **extra)
    return outputs

  body.__name__ = name
  # None, not False, without XLA: the function stays exactly as before.
  return tf.function(body, input_signature=feed_specs, autograph=False,
                     jit_compile=jit_compile or None).get_concrete_function()
