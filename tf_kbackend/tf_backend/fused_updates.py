"""XLA fusion of the elementwise arithmetic that computes variable updates.

A legacy optimizer builds its update rule from elementwise ops: Keras
2.2.4's Adam is about ten `Mul`/`AddV2`/`Sqrt`/`RealDiv`... per weight,
each reading and writing a whole weight-sized array. TensorFlow runs them
as separate kernels, and on a CPU they cost more than the matrix products
of a small model (the MLP training step of benchmarks/bench_e2e.py: 65% of
its kernel time, docs/performance.md). XLA fuses such a chain into one
loop over the data; compiling the whole function with XLA would also move
the convolutions and matrix products to XLA's CPU kernels, which are
slower than TensorFlow's oneDNN ones.

So, from its second call (a function called once never pays XLA's
compilation), `K.function` is compiled once more with the update
arithmetic taken out: the ops that

- lead to an update's new value, through elementwise ops of the list
  below on real, integer or boolean tensors of fully known shapes,
- are needed by nothing else (no fetch, no other op, no control edge),
- carry no device and no control inputs.

They run in an inner `tf.function(jit_compile=True)` that takes the other
tensors they read (gradients, learning rates...), reads the variables
they read itself, and assigns the new values: XLA computes each update as
one loop and writes it in place. The outer function calls it after its own
reads and the update-shape checks, so outputs and update values still see
the values from before the call. Matrix products, convolutions and
reductions stay on TensorFlow's kernels. The results equal the unfused
ones up to float32 rounding (XLA may evaluate `a / sqrt(b)` as
`a * rsqrt(b)`, for example).

It is on by default and turned off by the environment variable
`TF_KBACKEND_FUSE_UPDATES=0` or the keras.json key
`"tf_kbackend_fuse_updates": false` (`tf_kbackend.config.fuse_updates`).
It is skipped when the whole function is compiled with XLA (`jit_compile`);
when the function holds random ops, also inside control flow (dropout,
random initializers: they keep their state in the kernel, and recompiling
would restart their sequences, a seeded one repeating its draws); for functions run by a
`tf.distribute` strategy; when fewer than `MIN_FUSED_OPS` ops qualify or
fewer than two per fused update (plain SGD's `p - lr * g`: nothing to
fuse); and in a TensorFlow build without XLA.
"""

import threading

import tensorflow as tf

from tf_kbackend.tf_backend import graph_function

# Elementwise ops (and broadcasting ones) that XLA compiles for the dtypes
# below on every device.
ELEMENTWISE_OPS = frozenset((
    'Abs', 'Add', 'AddV2', 'Ceil', 'ClipByValue', 'Cast', 'Div', 'DivNoNan',
    'Equal', 'Exp', 'Expm1', 'Floor', 'FloorDiv', 'FloorMod', 'Greater',
    'GreaterEqual', 'Identity', 'Inv', 'Less', 'LessEqual', 'Log', 'Log1p',
    'LogicalAnd', 'LogicalNot', 'LogicalOr', 'Maximum', 'Minimum', 'Mul',
    'Neg', 'NotEqual', 'OnesLike', 'Pow', 'RealDiv', 'Reciprocal', 'Round',
    'Rsqrt', 'Select', 'SelectV2', 'Sigmoid', 'Sign', 'Sqrt', 'Square',
    'SquaredDifference', 'Sub', 'Tanh', 'ZerosLike'))
_DTYPES = frozenset((tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32,
                     tf.int64, tf.bool))
# Fewer qualifying ops than this: not worth an XLA call.
MIN_FUSED_OPS = 4
_IMPORT_PREFIX = 'u'

_xla_available = []
_xla_lock = threading.Lock()


def xla_available():
  """Whether this TensorFlow build compiles functions with XLA (probed once).

  >>> xla_available()
  True
  """
  with _xla_lock:
    if not _xla_available:
      try:
        probe = tf.function(lambda x: x * 2., jit_compile=True)
        with tf.init_scope():  # Eagerly, even from inside a graph.
          _xla_available.append(float(probe(tf.constant(1.))) == 2.)
      except (tf.errors.OpError, NotImplementedError, ValueError):
        _xla_available.append(False)
    return _xla_available[0]


def _qualifies(op, fed_names, protected):
  if (op.type not in ELEMENTWISE_OPS or op.control_inputs or op.device or
      op.name in protected):
    return False
  for tensor in list(op.inputs) + list(op.outputs):
    if tensor.dtype.base_dtype not in _DTYPES:
      return False
  for tensor in op.outputs:
    if (not tensor.shape.is_fully_defined() or tensor.name in fed_names or
        tensor.name in protected):
      return False
  return True


class Plan:
  """The update arithmetic taken out of a function, and its XLA function."""

  def __init__(self, members, boundary, assigned, function):
    self.members = members      # Names of the ops computed by `function`.
    self.boundary = boundary    # Keras-graph tensors it takes, in order.
    self.assigned = assigned    # The `Update`s it applies.
    self.function = function    # ConcreteFunction of the boundary tensors.

  def call(self, boundary_values):
    """Runs the fused arithmetic and its assignments (in the outer graph)."""
    self.function(*boundary_values)


def _members(needed, update_values, fed_names, protected):
  """The names of the ops to fuse (see the module docstring)."""
  consumers = {}
  control_sources = set()
  for op in needed.values():
    for tensor in op.inputs:
      consumers.setdefault(tensor.op.name, set()).add(op.name)
    control_sources.update(c.name for c in op.control_inputs)
  members = set()
  stack = [t.op for t in update_values]
  while stack:
    op = stack.pop()
    if (op.name in members or op.name not in needed or
        op.name in control_sources or
        not _qualifies(op, fed_names, protected)):
      continue
    members.add(op.name)
    stack.extend(t.op for t in op.inputs)
  changed = True
  while changed:
    changed = False
    for name in list(members):
      if not consumers.get(name, set()) <= members:
        members.discard(name)
        changed = True
  return members


def _draws(op_type):
  """Whether ops of this type draw random numbers with state in the kernel."""
  return (not op_type.startswith('Stateless') and
          any(word in op_type for word in ('Random', 'TruncatedNormal',
                                            'Multinomial')))


def _keeps_kernel_state(graph, ops):
  """Whether any of `ops` (or a function they call) is a random op.

  The fused function replaces one already called: a random op there would
  restart its sequence (a seeded one would repeat its draws). Functions
  called by control flow (`If`, `While`...) are looked into: any random op
  in the graph's function library counts.
  """
  if any(_draws(op.type) for op in ops):
    return True
  if not any(graph_function.calls_functions(op) for op in ops):
    return False
  library = graph.as_graph_def().library
  return any(_draws(node.op) for function in library.function
             for node in function.node_def)


def _variable_read(tensor, captures):
  """The captured variable handle `tensor` reads, or None."""
  op = tensor.op
  if (op.type == 'ReadVariableOp' and not op.control_inputs and
      not op.device and op.inputs[0].name in captures):
    return captures[op.inputs[0].name]
  return None


def plan(graph, needed, updates, captures, fed_names, protected,
         subgraph_def):
  """The fusion of a function's update arithmetic, or None.

  Args:
    graph: the Keras graph.
    needed: op name -> op, every op the function copies.
    updates: the function's `compiler.Update`s with symbolic values.
    captures: the Keras graph's captured placeholder names -> eager values.
    fed_names: the names of the fed tensors.
    protected: names of tensors and ops the function returns or runs
      (kept out of the fusion).
    subgraph_def: `compiler.subgraph_def`, to copy ops into a GraphDef.

  Returns:
    A `Plan`, or None when too little qualifies or XLA is not available.
  """
  symbolic = [u for u in updates if u.value.op.name in needed]
  members = _members(needed, [u.value for u in symbolic], fed_names, protected)
  assigned = [u for u in symbolic if u.value.op.name in members]
  # One op per update (plain SGD's `p - lr * g`) has nothing to fuse: each
  # op is already one pass over the data, and the XLA call costs more.
  if (len(members) < max(MIN_FUSED_OPS, 2 * len(assigned)) or
      _keeps_kernel_state(graph, needed.values()) or not xla_available()):
    return None
  boundary, reads, constants, seen = [], [], [], set()
  for name in sorted(members):
    for tensor in needed[name].inputs:
      producer = tensor.op
      if producer.name in members or tensor.name in seen:
        continue
      seen.add(tensor.name)
      if producer.type == 'Const' and tensor.name not in fed_names:
        constants.append(producer)
      elif (tensor.name not in fed_names and
            _variable_read(tensor, captures) is not None):
        reads.append(tensor)
      else:
        boundary.append(tensor)
  cluster_def = subgraph_def(
      graph, [needed[name] for name in sorted(members)] + constants)
  boundary_names = [t.name for t in boundary]
  output_names = [u.value.name for u in assigned]

  def fused(*args):
    inner = tf.compat.v1.get_default_graph()
    input_map = dict(zip(boundary_names, args))
    # Variables are read here rather than passed in, so that XLA can
    # update them in place; both reads come before any write.
    for tensor in reads:
      input_map[tensor.name] = tf.raw_ops.ReadVariableOp(
          resource=inner.capture(_variable_read(tensor, captures)),
          dtype=tensor.dtype)
    values = tf.graph_util.import_graph_def(
        cluster_def, input_map=input_map, return_elements=output_names,
        name=_IMPORT_PREFIX)
    for update, value in zip(assigned, values):
      extra = {'validate_shape': True} if (
          update.kind == 'AssignVariableOp') else {}
      getattr(tf.raw_ops, update.kind)(
          resource=inner.capture(update.handle), value=value, **extra)

  fused.__name__ = 'tf_kbackend_fused_updates'
  specs = [tf.TensorSpec(t.shape, t.dtype) for t in boundary]
  function = tf.function(fused, input_signature=specs, autograph=False,
                         jit_compile=True).get_concrete_function()
  return Plan(members, boundary, assigned, function)
