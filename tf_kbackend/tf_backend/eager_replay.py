"""Evaluating a small symbolic subgraph now, op by op, without compiling it.

Legacy Keras creates each weight from an initializer built in the Keras
graph (`K.variable(initializer(shape))` inside the layer's name scope), so a
model build evaluates hundreds of small symbolic tensors once each.
Compiling a function for each costs ~10-30 ms; running its few ops eagerly
costs ~50 us per op. `evaluate` does the latter when it can, with the very
values the compiled function would give:

- stateful random ops (`RandomUniform`, `RandomStandardNormal`,
  `TruncatedNormal`, `RandomUniformInt`) run as their stateless
  counterparts with the same Philox key and counter: a graph random op
  seeded `(seed, seed2)` draws, on its first run, exactly what the
  stateless op keyed `seed` with counter `(0, seed2)` draws. (Running the
  stateful op itself eagerly would not do: TensorFlow caches eager kernels,
  so a second op with the same seeds would continue the first one's
  stream instead of repeating it, as a freshly compiled graph does.)
- captured eager values (variables' handles, constants) stand for
  themselves; variable reads read the current value, as at run time.

It declines (returns None) for anything else: placeholders, control
dependencies, other stateful ops, function-valued attributes (conditionals,
loops), subgraphs of more than `MAX_OPS` ops. The caller then compiles.
"""

import secrets

import tensorflow as tf

from tf_kbackend import _tf_private

MAX_OPS = 256

# Stateful random op -> its stateless (V2: key, counter, alg) counterpart.
_STATELESS = {
    'RandomUniform': tf.raw_ops.StatelessRandomUniformV2,
    'RandomStandardNormal': tf.raw_ops.StatelessRandomNormalV2,
    'TruncatedNormal': tf.raw_ops.StatelessTruncatedNormalV2,
}
_PHILOX = 1  # The `alg` of TensorFlow's stateful random kernels.
_STATEFUL_ALLOWED = ('ReadVariableOp',)


class _Declined(Exception):
  """The subgraph needs a compiled function."""


def _subgraph(tensor, captures):
  """The ops computing `tensor`, inputs first; raises _Declined."""
  order, seen, stack = [], set(), [(tensor.op, False)]
  while stack:
    op, expanded = stack.pop()
    if expanded:
      order.append(op)
      continue
    if op.name in seen:
      continue
    seen.add(op.name)
    if len(seen) > MAX_OPS or op.control_inputs:
      raise _Declined
    if op.type == 'Placeholder':
      if op.outputs[0].name not in captures:
        raise _Declined  # A real placeholder: the caller explains.
      continue
    stack.append((op, True))
    stack.extend((t.op, False) for t in op.inputs)
  return order


def _attr_value(value):
  """An AttrValue proto as TFE_Py_Execute takes it; raises _Declined."""
  kind = value.WhichOneof('value')
  if kind in ('s', 'i', 'f', 'b'):
    return getattr(value, kind)
  if kind == 'type':
    return int(value.type)
  if kind == 'shape':
    if value.shape.unknown_rank:
      return None
    return [d.size for d in value.shape.dim]
  if kind == 'list':
    items = value.list
    for field in ('s', 'i', 'f', 'b'):
      if getattr(items, field):
        return list(getattr(items, field))
    if items.type:
      return [int(t) for t in items.type]
    if items.shape:
      return [None if s.unknown_rank else [d.size for d in s.dim]
              for s in items.shape]
    if items.tensor or items.func:
      raise _Declined
    return []
  raise _Declined  # tensor, func, placeholder.


def _seeds(op):
  seed, seed2 = op.get_attr('seed'), op.get_attr('seed2')
  if seed == 0 and seed2 == 0:
    # Unseeded: the kernel would pick fresh random seeds.
    seed, seed2 = secrets.randbits(63), secrets.randbits(63)
  key = tf.constant([seed], tf.int64)
  counter = tf.constant([0, seed2], tf.int64)
  return (tf.bitcast(key, tf.uint64), tf.bitcast(counter, tf.uint64))


def _run(op, inputs):
  """The outputs of `op` on eager `inputs`."""
  if op.type == 'Const':
    return [tf.constant(tf.make_ndarray(op.get_attr('value')),
                        dtype=op.outputs[0].dtype)]
  if op.type in _STATELESS:
    key, counter = _seeds(op)
    return [_STATELESS[op.type](shape=inputs[0], key=key, counter=counter,
                                alg=_PHILOX, dtype=op.get_attr('dtype'))]
  if op.type == 'RandomUniformInt':
    key, counter = _seeds(op)
    return [tf.raw_ops.StatelessRandomUniformIntV2(
        shape=inputs[0], key=key, counter=counter, alg=_PHILOX,
        minval=inputs[1], maxval=inputs[2])]
  if op.op_def.is_stateful and op.type not in _STATEFUL_ALLOWED:
    raise _Declined
  attrs = []
  for name, value in op.node_def.attr.items():
    if not name.startswith('_'):
      attrs.extend((name, _attr_value(value)))
  return _tf_private.execute_op(op.type, inputs, tuple(attrs),
                                len(op.outputs))


def evaluate(tensor, captures):
  """`tensor`'s value, computed op by op, or None if it needs compiling.

  Args:
    tensor: a symbolic tensor of the Keras graph.
    captures: the Keras graph's captures, {placeholder name: eager value}
      (`compiler.capture_map`).

  Returns:
    An eager tensor, or None (see the module docstring for when).

  >>> with name_scope('init'):
  ...   r = random_uniform((2,), seed=3) * 2.0
  >>> bool(np.all(evaluate(r, {}).numpy() == eval(r)))
  True
  """
  try:
    ops = _subgraph(tensor, captures)
    values = {}
    with tf.init_scope():  # Eagerly, even inside the symbolic scope.
      for op in ops:
        inputs = [captures[t.name] if t.op.type == 'Placeholder'
                  else values[t.name] for t in op.inputs]
        for output, value in zip(op.outputs, _run(op, inputs)):
          values[output.name] = value
    return values[tensor.name]
  except _Declined:
    return None
  except (TypeError, ValueError, tf.errors.OpError):
    return None  # The compiled path will give the proper error, if any.

