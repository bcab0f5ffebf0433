"""`K.function` on every replica of a `tf.distribute` strategy.

When the subgraph a `K.function` (or `K.eval`, `Session.run`) compiles uses
distributed variables, `compile_replicated` builds its function instead of
the single-device compiler. It has the same signature (the whole fed batch
in, numpy-ready outputs out), so `K.function`'s call path is unchanged;
inside, one `tf.function` runs TensorFlow's own machinery:

1. each fed value whose first dimension is the batch (`None` in the
   placeholder's shape) is split into one contiguous share per replica
   (`numpy.array_split`'s sizes), in replica order across all workers;
   other fed values (the learning phase, scalars, fixed shapes) go whole
   to every replica (`experimental_distribute_values_from_function`);
2. `strategy.run` runs, on every replica, the subgraph copied into the
   function as the single-device compiler copies it, with each variable
   read and written through the replica's own component;
3. the gradients `K.gradients` returned for distributed variables are
   all-reduced (`ReplicaContext.all_reduce`) before anything reads them:
   each replica's gradient is weighted by its share of the batch and the
   weighted gradients summed, so N replicas of B/N samples apply the
   gradient of one replica of B samples (exactly so for the mean losses
   legacy Keras computes, whatever the batch split);
4. updates whose new value depends on the fed batch other than through
   those gradients (BatchNormalization's moving averages) are combined the
   same way according to the variable's `aggregation` (MEAN, the default,
   as the batch-weighted mean; SUM; ONLY_FIRST_REPLICA), integer deltas
   (counters of samples) are summed; updates that do not depend on the
   batch (iteration counters, and every optimizer update made from the
   reduced gradients) are identical on every replica and applied as they
   are, so the components stay equal;
5. outputs: per-sample outputs (first dimension `None`) are gathered in
   batch order (`all_gather`); other outputs computed from the batch are
   batch-weighted means (floats) or sums (integers); the rest are the same
   on every replica.
"""

import tensorflow as tf

from tf_kbackend.distribute import gradients as gradients_lib
from tf_kbackend.distribute import variables as variables_lib
from tf_kbackend.tf_backend import compiler
from tf_kbackend.tf_backend import graph as graph_lib

_REDUCE = tf.distribute.ReduceOp


def _strategy_of(owners, what):
  strategies = {id(v.distribute_strategy): v.distribute_strategy
                for v in owners}
  if len(strategies) > 1:
    names = ', '.join(sorted({v.name for v in owners}))
    raise ValueError(
        f'{what} uses variables of {len(strategies)} different tf.distribute '
        f'strategies ({names}); create every variable it uses under one '
        f'strategy.')
  return next(iter(strategies.values()))


def _walk(roots, fed_names, stop_names, stop_ops=None):
  """Ops needed for `roots` (ops), not looking past fed or stop tensors."""
  needed = {}
  stack = list(roots)
  while stack:
    op = stack.pop()
    if op.name in needed or (stop_ops is not None and op.name in stop_ops):
      continue
    needed[op.name] = op
    for tensor in op.inputs:
      if tensor.name not in fed_names and tensor.name not in stop_names:
        stack.append(tensor.op)
    stack.extend(op.control_inputs)
  return needed


class _BatchDependence:
  """Whether a tensor's value depends on the split (per-replica) feeds,
  other than through the all-reduced gradients."""

  def __init__(self, split_names, fed_names, reduced_names):
    self._split = split_names
    self._fed = fed_names
    self._reduced = reduced_names
    self._memo = {}

  def __call__(self, tensor):
    if tensor.name in self._split:
      return True
    if tensor.name in self._fed or tensor.name in self._reduced:
      return False
    return self._op(tensor.op)

  def _op(self, root):
    # Iterative post-order walk (graphs can be deeper than Python's stack).
    stack = [root]
    while stack:
      op = stack[-1]
      if op.name in self._memo:
        stack.pop()
        continue
      pending = [t.op for t in op.inputs if t.name not in self._split and
                 t.name not in self._fed and t.name not in self._reduced and
                 t.op.name not in self._memo]
      if pending:
        stack.extend(pending)
        continue
      self._memo[op.name] = any(
          t.name in self._split or (
              t.name not in self._fed and t.name not in self._reduced and
              self._memo[t.op.name]) for t in op.inputs)
      stack.pop()
    return self._memo[root.name]


def _is_float(dtype):
  return dtype.is_floating or dtype.is_complex


def _weighted(value, weight):
  return tf.math.multiply_no_nan(value, tf.cast(weight, value.dtype))


def _combine_output(context, value, depends, weight):
  if not depends:
    return value
  if value.shape.rank and value.shape[0] is None:
    return context.all_gather(value, axis=0)
  if _is_float(value.dtype):
    return context.all_reduce(_REDUCE.SUM, _weighted(value, weight))
  return context.all_reduce(_REDUCE.SUM, value)


def _combine_update(context, kind, value, variable, weight):
  aggregation = variable.aggregation
  if aggregation == tf.VariableAggregation.ONLY_FIRST_REPLICA:
    first = tf.cast(tf.equal(context.replica_id_in_sync_group, 0), value.dtype)
    return context.all_reduce(_REDUCE.SUM, value * first)
  if aggregation == tf.VariableAggregation.SUM or (
      not _is_float(value.dtype) and kind != 'AssignVariableOp'):
    return context.all_reduce(_REDUCE.SUM, value)
  if not _is_float(value.dtype):
    # A new integer value computed from the batch: replica 0's.
    first = tf.cast(tf.equal(context.replica_id_in_sync_group, 0), value.dtype)
    return context.all_reduce(_REDUCE.SUM, value * first)
  return context.all_reduce(_REDUCE.SUM, _weighted(value, weight))


def _shares(batch, num_replicas, replica):
  """Start and size of `replica`'s share of `batch` rows (array_split)."""
  base = batch // num_replicas
  extra = batch % num_replicas
  size = base + tf.cast(replica < extra, batch.dtype)
  start = replica * base + tf.minimum(replica, extra)
  return start, size


def _anchor(op):
  """A tensor computed after `op`: stands for a control input on it."""
  with tf.control_dependencies([op]):
    return tf.constant(0)


def _import_stage(graph_def, tensor_map, handles, tensor_names, op_names,
                  jit_compile, label):
  """Copies a stage of the subgraph into the replica's function.

  Args:
    graph_def: the stage's ops.
    tensor_map: tensor name (or '^op name' for a control input) -> the
      tensor standing for it.
    handles: capture name -> the eager value (variable component handle)
      it stands for on this replica.
    tensor_names: the tensors to return.
    op_names: ops to return as anchors ('^name' keys), for control inputs.
    jit_compile: compile the stage with XLA (a function of its own: the
      all-reduce between stages stays outside XLA).
    label: the import's name scope.

  Returns:
    A dict: tensor name or '^op name' -> tensor.
  """
  names = list(tensor_map)

  def run(*tensors):
    inner = tf.compat.v1.get_default_graph()
    mapping = dict(zip(names, tensors))
    for capture_name, value in handles.items():
      mapping[capture_name] = inner.capture(value)
    wanted = list(tensor_names) + list(op_names)
    results = tf.graph_util.import_graph_def(
        graph_def, input_map=mapping, return_elements=wanted or None,
        name=label) or []
    count = len(tensor_names)
    return (list(results[:count]) +
            [_anchor(op) for op in results[count:]])

  if jit_compile:
    run.__name__ = label
    run = tf.function(run, jit_compile=True, autograph=False)
  results = run(*[tensor_map[n] for n in names])
  keys = list(tensor_names) + ['^' + n for n in op_names]
  return dict(zip(keys, results))


def compile_replicated(feeds, feed_specs, fetches, updates, fetch_ops, name,
                       what, jit_compile, sparse_feeds=()):
  """The replicated function, or None when no distributed variable is used.

  Arguments are those of `compiler.compile_subgraph`.
  """
  graph = graph_lib.get_graph()
  captures = compiler.capture_map(graph)
  fed_names = {tensor.name for tensor in feeds}
  symbolic_fetches = [t for t in fetches if graph_lib.is_symbolic(t)]
  symbolic_values = [u.value for u in updates if graph_lib.is_symbolic(u.value)]
  imported = [t for t in symbolic_fetches + symbolic_values
              if t.name not in fed_names]
  needed = compiler.needed_ops([t.op for t in imported] + list(fetch_ops),
                               fed_names)
  used_captures = [n for n in captures if n.split(':')[0] in needed]
  owners = {n: variables_lib.owner(captures[n]) for n in used_captures}
  update_owners = [variables_lib.owner(u.handle) for u in updates]
  value_variables = [u.value for u in updates
                     if variables_lib.is_distributed(u.value)]
  fetched_variables = [f for f in fetches if variables_lib.is_distributed(f)]
  distributed = ([v for v in owners.values() if v is not None] +
                 [v for v in update_owners if v is not None] +
                 value_variables + fetched_variables)
  if not distributed:
    return None
  strategy = _strategy_of(distributed, what)
  for capture_name, variable in owners.items():
    if variable is None and captures[capture_name].dtype == tf.resource:
      raise ValueError(
          f'{what} runs on the replicas of {type(strategy).__name__} but '
          f'uses a variable that is not one of its variables (Keras graph '
          f'capture {capture_name!r}): create every variable the function '
          f'uses (model weights, optimizer state) with K.variable under '
          f'`with strategy.scope():` or after '
          f'tf_kbackend.distribute.set_strategy(strategy).')
  if any(variable is None for variable in update_owners):
    raise ValueError(
        f'{what} runs on the replicas of {type(strategy).__name__} but '
        f'updates a variable that is not one of its variables; create it '
        f'under `with strategy.scope():`.')
  missing = compiler.missing_feeds(needed, fed_names, captures)
  if missing:
    listed = ', '.join(compiler.describe_placeholder(t) for t in missing)
    raise ValueError(
        f'{what}: the requested outputs depend on placeholder(s) {listed}, '
        f'which must be fed: list them among the inputs of K.function (or '
        f'in feed_dict). Fed: {sorted(fed_names) or "nothing"}.')
  sparse = [t.name for t in feeds if t.name in set(sparse_feeds)]
  if sparse:
    raise ValueError(
        f'{what} runs on the replicas of {type(strategy).__name__}, which '
        f'cannot split sparse inputs between replicas ({", ".join(sparse)}); '
        f'feed them dense (K.to_dense) or run without a strategy.')

  # One update per distributed variable and value (an update op on a
  # distributed variable assigns every component the same value).
  grouped, seen = [], set()
  for update, variable in zip(updates, update_owners):
    key = (id(variable), update.kind, id(update.value))
    if key not in seen:
      seen.add(key)
      grouped.append((update, variable))

  split = [len(spec.shape) > 0 and spec.shape[0] is None
           for spec in feed_specs]
  split_names = {t.name for t, s in zip(feeds, split) if s}
  all_tensors = {t.name for op in needed.values() for t in op.outputs}
  reduced_names = set(gradients_lib.reduced_gradient_names(graph)) & all_tensors
  depends = _BatchDependence(split_names, fed_names, reduced_names)

  # Stage A computes the gradients to reduce; stage B everything else,
  # reusing stage A's tensors.
  # Captures (variable handles, eager constants) are bound per replica,
  # never copied: both stages stop at them, as at feeds.
  bound = fed_names | set(used_captures)
  reduced_list = sorted(reduced_names)
  stage_a = _walk([graph.get_tensor_by_name(n).op for n in reduced_list],
                  bound, set())
  for op in stage_a.values():
    for tensor in op.inputs:
      if tensor.name in reduced_names:
        raise ValueError(
            f'{what}: a gradient of a distributed variable is computed from '
            f'another one ({tensor.name!r}); gradients of gradients cannot '
            f'be all-reduced between replicas.')
  roots = [t.op for t in imported] + list(fetch_ops)
  stage_b = _walk(roots, bound, reduced_names, stop_ops=stage_a)
  from_a = set()
  control_from_a = set()
  for op in stage_b.values():
    for tensor in op.inputs:
      if tensor.op.name in stage_a and tensor.name not in reduced_names:
        from_a.add(tensor.name)
    for control in op.control_inputs:
      if control.name in stage_a:
        control_from_a.add(control.name)
  for tensor in imported:
    if tensor.op.name in stage_a and tensor.name not in reduced_names:
      from_a.add(tensor.name)
  from_a = sorted(from_a)
  control_from_a = sorted(control_from_a)
  graph_def_a = compiler.subgraph_def(graph, stage_a.values())
  graph_def_b = compiler.subgraph_def(graph, stage_b.values())
  consumed_a = _consumed(stage_a)
  consumed_b = _consumed(stage_b)
  captured_a = [n for n in used_captures if n in consumed_a]
  captured_b = [n for n in used_captures if n in consumed_b]
  b_returns = [t.name for t in imported if t.op.name in stage_b]
  fetch_depends = [graph_lib.is_symbolic(f) and depends(f) for f in fetches]
  num_replicas = strategy.num_replicas_in_sync
  first_split = split.index(True) if True in split else None

  def replica_fn(replica_args, weight):
    context = tf.distribute.get_replica_context()
    inner = tf.compat.v1.get_default_graph()
    fed_values = {t.name: a for t, a in zip(feeds, replica_args)}

    def _local_handles(captured):
      # Each distributed variable's component on this replica.
      local = {}
      for capture_name in captured:
        variable = owners.get(capture_name)
        local[capture_name] = (variable.handle if variable is not None else
                               captures[capture_name])
      return local

    values = {}
    if stage_a:
      tensor_map = {n: v for n, v in fed_values.items() if n in consumed_a}
      results_a = _import_stage(
          graph_def_a, tensor_map, _local_handles(captured_a),
          reduced_list + from_a, control_from_a, jit_compile, name + '_replica_a')
      gradients = [results_a[n] for n in reduced_list]
      reduced = context.all_reduce(
          _REDUCE.SUM, [_weighted(g, weight) for g in gradients])
      values.update(zip(reduced_list, reduced))
      values.update((n, results_a[n]) for n in from_a)
    if stage_b:
      tensor_map = {n: v for n, v in fed_values.items() if n in consumed_b}
      for tensor_name in reduced_list + from_a:
        if tensor_name in consumed_b:
          tensor_map[tensor_name] = values[tensor_name]
      for op_name in control_from_a:
        tensor_map['^' + op_name] = results_a['^' + op_name]
      values.update(_import_stage(
          graph_def_b, tensor_map, _local_handles(captured_b), b_returns, [],
          jit_compile, name + '_replica_b'))

    def value_of(tensor):
      if tensor.name in fed_values:
        return fed_values[tensor.name]
      return values[tensor.name]

    outputs = []
    for fetch, depends_on_batch in zip(fetches, fetch_depends):
      if graph_lib.is_symbolic(fetch):
        outputs.append(tf.identity(_combine_output(
            context, value_of(fetch), depends_on_batch, weight)))
      elif variables_lib.is_distributed(fetch):
        outputs.append(tf.raw_ops.ReadVariableOp(
            resource=inner.capture(fetch.handle), dtype=fetch.dtype))
      elif isinstance(fetch, tf.Variable):
        outputs.append(tf.raw_ops.ReadVariableOp(
            resource=inner.capture(fetch.handle), dtype=fetch.dtype))
      else:
        outputs.append(tf.identity(tf.convert_to_tensor(fetch)))
    new_values = []
    for update, variable in grouped:
      value = update.value
      if graph_lib.is_symbolic(value):
        new = value_of(value)
        if depends(value):
          new = _combine_update(context, update.kind, new, variable, weight)
      elif variables_lib.is_distributed(value):
        new = tf.raw_ops.ReadVariableOp(resource=inner.capture(value.handle),
                                        dtype=value.dtype)
      elif isinstance(value, tf.Variable):
        new = tf.raw_ops.ReadVariableOp(resource=inner.capture(value.handle),
                                        dtype=value.dtype)
      else:
        new = tf.cast(value, update.dtype)
      new_values.append(new)
    # Created last: automatic control dependencies order each write after
    # every read of the same variable above.
    for (update, variable), value in zip(grouped, new_values):
      getattr(tf.raw_ops, update.kind)(
          resource=inner.capture(variable.handle), value=value)
    return outputs

  def body(*args):
    if first_split is not None:
      batch = tf.shape(args[first_split])[0]
    else:
      batch = tf.constant(num_replicas)

    def replica_values(value_context):
      replica = value_context.replica_id_in_sync_group
      start, size = _shares(batch, num_replicas, replica)
      shard = [arg[start:start + size] if is_split else arg
               for arg, is_split in zip(args, split)]
      weight = tf.cast(size, tf.float64) / tf.cast(batch, tf.float64)
      return shard, weight

    per_replica = strategy.experimental_distribute_values_from_function(
        replica_values)
    results = strategy.run(replica_fn, args=per_replica)
    return [strategy.experimental_local_results(r)[0] for r in results]

  body.__name__ = name
  concrete = tf.function(body, input_signature=feed_specs,
                         autograph=False).get_concrete_function()
  # Collectives capture their instance keys at each call.
  setattr(concrete, compiler.REGULAR_CALL, True)
  return concrete


def _consumed(ops):
  consumed = {t.name for op in ops.values() for t in op.inputs}
  consumed.update(t.name for op in ops.values() if op.type == 'Placeholder'
                  for t in op.outputs)
  return consumed
