"""Concrete values derived from variables, and their symbolic re-derivation.

The two worlds disagree about one thing: when a variable is read. In TF1,
`momentum * velocity` or `0.01 * K.sum(K.square(W))` were graph tensors that
read the variables each time a `K.function` ran. In TF2 a variable is
concrete, so the same expressions computed outside the symbolic scope are
concrete values: a snapshot of the variables when the line ran.

tf_kbackend keeps both: such a value is concrete (eager) as the backend
promises, but it remembers how it was derived from variables. When it
enters the Keras graph (an argument of a symbolic op, a raw `tf.*` op on a
Keras tensor, a `K.function` output or update value), it is re-derived
there from the variables themselves, so that it reads them at call time as
TF1 code expects. Hand-written optimizers (`K.update(p, p - lr * g)` with
momentum), regularizers and keras-rl's soft target updates rely on this.

What is recorded: every backend op (`graph_op`) and Python operator on a
`K.variable`, and every Python operator on an eager tensor so derived.
What is not: raw `tf.*` functions applied eagerly to variables outside the
symbolic scope; their results are plain snapshots (TF2 semantics). See
docs/design.md.
"""

import weakref

import tensorflow as tf

from tf_kbackend import _tf_private

_EagerTensor = _tf_private.EagerTensor


class _Derivation:
  """How an eager tensor was computed: `fn(*args, **kwargs)[index]`."""

  __slots__ = ('ref', 'fn', 'args', 'kwargs', 'index')

  def __init__(self, ref, fn, args, kwargs, index):
    self.ref = ref
    self.fn = fn
    self.args = args
    self.kwargs = kwargs
    self.index = index


# id(eager tensor) -> _Derivation, removed when the tensor is freed.
# Threads: each access is one dict operation (atomic under the GIL), keyed
# by the identity of a live tensor; re-derivation memos are per graph and
# filled under the graph's lock (`rederive`).
_DERIVATIONS = {}


def _forget(key, table=_DERIVATIONS):
  # Bound to the table: at interpreter exit the module global may be gone.
  return lambda _: table.pop(key, None)


def derivation(value):
  """The recorded derivation of an eager tensor, or None."""
  record = _DERIVATIONS.get(id(value))
  if record is not None and record.ref() is value:
    return record
  return None


def is_derived(value):
  """True for variables and for eager tensors derived from them."""
  return isinstance(value, tf.Variable) or (
      isinstance(value, _EagerTensor) and derivation(value) is not None)


def _record_one(tensor, fn, args, kwargs, index):
  if derivation(tensor) is not None:
    # Created earlier with its own derivation, and passed through unchanged
    # (an eager `tf.cond` returns the chosen branch itself): keep that one.
    return
  key = id(tensor)
  _DERIVATIONS[key] = _Derivation(
      weakref.ref(tensor, _forget(key)), fn, args, kwargs, index)


def record(result, fn, args, kwargs):
  """Records that the eager tensors in `result` are `fn(*args, **kwargs)`."""
  if isinstance(result, _EagerTensor):
    _record_one(result, fn, args, kwargs, None)
  elif isinstance(result, (list, tuple)):
    for index, item in enumerate(result):
      if isinstance(item, _EagerTensor):
        _record_one(item, fn, args, kwargs, index)


def on_eager_operator(result, operator, operands):
  """`_tf_private.track_eager_operators` callback: propagate derivations."""
  if isinstance(result, _EagerTensor) and any(is_derived(o) for o in operands):
    _record_one(result, operator, operands, {}, None)


def _rederive_structure(values, graph):
  if isinstance(values, (list, tuple)):
    rebuilt = [_rederive_structure(v, graph) for v in values]
    return type(values)(rebuilt) if not hasattr(values, '_fields') else (
        type(values)(*rebuilt))
  if isinstance(values, dict):
    return {k: _rederive_structure(v, graph) for k, v in values.items()}
  if isinstance(values, _EagerTensor) and derivation(values) is not None:
    return rederive(values, graph)
  return values


def rederive(tensor, graph):
  """The symbolic counterpart of a derived eager tensor, built in `graph`.

  Memoized per graph: re-deriving the same value twice gives one tensor,
  also when two threads do it at once (built under `graph.lock`).
  """
  memo = graph.capture_replacements
  key = id(tensor)
  with graph.lock:
    cached = memo.get(key)
    if cached is not None and cached[0]() is tensor:
      return cached[1]
    record_ = derivation(tensor)
    with graph.as_default():
      args = _rederive_structure(record_.args, graph)
      kwargs = _rederive_structure(record_.kwargs, graph)
      result = record_.fn(*args, **kwargs)
      if record_.index is not None:
        result = result[record_.index]
      result = tf.convert_to_tensor(result)
    memo[key] = (weakref.ref(tensor), result)
  return result


def rebuild(record, graph):
  """Builds the computation of a derivation `record` again, in `graph`.

  For a value that is gone but whose recipe is kept: a variable's initial
  value, which TF1's initializers computed again (a new random draw).
  """
  with graph.as_default():
    args = _rederive_structure(record.args, graph)
    kwargs = _rederive_structure(record.kwargs, graph)
    result = record.fn(*args, **kwargs)
  if record.index is not None:
    result = result[record.index]
  return tf.convert_to_tensor(result)


def capture_hook(graph, tensor):
  """`KerasGraph` capture hook: derived values enter as re-derivations."""
  if derivation(tensor) is None:
    return None
  return rederive(tensor, graph)


_tf_private.track_eager_operators(on_eager_operator)
