"""Evaluating symbols: plans, evaluation contexts, static shape inference.

The numpy counterpart of `tf_backend/compiler.py`. A `Program` is made once
per `K.function` (or cached `Session.run` fetch list): it walks back from
what is fetched, stopping at fed symbols, refuses (naming them all)
placeholders that are needed but not fed, and keeps the needed symbols in
topological order. Each call then computes them in that order, in a
`Context` holding the values computed so far; variables are read when the
symbol using them is computed. No recursion: deep expressions (long
unrolled loops) evaluate as easily as shallow ones.

Static shapes are not declared by the ops: `static_signature` evaluates a
symbol on probe values (see there).
"""

import warnings

import numpy as np
import scipy.sparse

from tf_kbackend.numpy_backend.graph import (
    check_current, DerivedArray, evaluating, NO_DEFAULT, quiet, Symbol,
    VariableBase)

__all__ = []

# Sizes given to the None dimensions of placeholders when probing for a
# static shape: a result dimension that differs between the two probes
# depends on a None dimension, and is reported as None.
PROBE_SIZES = (6, 12)


def rng_state(rng):
  """The state of a `RandomState` or `Generator`."""
  if isinstance(rng, np.random.RandomState):
    return rng.get_state()
  return rng.bit_generator.state


def set_rng_state(rng, state):
  if isinstance(rng, np.random.RandomState):
    rng.set_state(state)
  else:
    rng.bit_generator.state = state


class Context:
  """The values of one evaluation: fed values, then computed ones.

  Attributes:
    memo: {id(symbol): value}.
    fed_key: the frozenset of the ids of the fed symbols (plans depend on
      it: they stop at fed symbols).
    probing: True while inferring static shapes (ops may take shortcuts).
    rng_states: {id(rng): (rng, state before its first use here)}.
  """

  __slots__ = ('memo', 'fed_key', 'probing', 'rng_states')

  def __init__(self, feeds, fed_key, probing=False):
    self.memo = dict(feeds)
    self.fed_key = fed_key
    self.probing = probing
    self.rng_states = {}

  def read(self, variable):
    """The value of `variable` now."""
    del self
    return variable._value  # pylint: disable=protected-access

  def resolve(self, value):
    """`value` (nested) with symbols and variables replaced by values."""
    if isinstance(value, Symbol):
      return self.memo[id(value)]
    if isinstance(value, VariableBase):
      return self.read(value)
    if isinstance(value, DerivedArray):
      return value.view(np.ndarray)
    if isinstance(value, (list, tuple)):
      items = [self.resolve(v) for v in value]
      return type(value)(*items) if hasattr(value, '_fields') else type(
          value)(items)
    if isinstance(value, dict):
      return {k: self.resolve(v) for k, v in value.items()}
    if isinstance(value, slice):
      return slice(self.resolve(value.start), self.resolve(value.stop),
                   self.resolve(value.step))
    return value

  def evaluate(self, symbol):
    """The value of `symbol`, computing it (and what it needs) if needed."""
    key = id(symbol)
    if key not in self.memo:
      run(plan_for(symbol, self.fed_key), self)
    return self.memo[key]

  def value_of(self, value):
    """A symbol's value (computed on demand), a variable's, or `value`."""
    if isinstance(value, Symbol):
      return self.evaluate(value)
    return self.resolve(value)

  def note_rngs(self, rngs):
    for rng in rngs:
      if id(rng) not in self.rng_states:
        self.rng_states[id(rng)] = (rng, rng_state(rng))


def _dependencies(node, fed_key, include_lazy):
  if id(node) in fed_key:
    return ()
  deps = node.dependencies()
  if include_lazy:
    deps = tuple(deps) + tuple(node.lazy_dependencies())
  return deps


def topological(roots, fed_key, include_lazy=False):
  """The symbols needed for `roots`, each after its dependencies.

  Args:
    roots: symbols.
    fed_key: ids of fed symbols, whose dependencies are not needed.
    include_lazy: also walk dependencies evaluated on demand (the branches
      of a switch, the loss of a gradient).
  """
  order, seen = [], set()
  for root in roots:
    if id(root) in seen:
      continue
    seen.add(id(root))
    stack = [(root, iter(_dependencies(root, fed_key, include_lazy)))]
    while stack:
      node, pending = stack[-1]
      for dep in pending:
        if id(dep) not in seen:
          seen.add(id(dep))
          stack.append((dep, iter(_dependencies(dep, fed_key, include_lazy))))
          break
      else:
        stack.pop()
        order.append(node)
  return order


def plan_for(symbol, fed_key):
  """The topological order computing `symbol`, cached on it per feed set."""
  plans = symbol._plans  # pylint: disable=protected-access
  if plans is None:
    plans = symbol._plans = {}  # pylint: disable=protected-access
  order = plans.get(fed_key)
  if order is None:
    if len(plans) > 16:
      plans.clear()
    order = plans[fed_key] = topological([symbol], fed_key)
  return order


def run(order, context):
  """Computes the symbols of `order` not yet in `context.memo`."""
  memo = context.memo
  with evaluating():  # Ops called by ops compute at once.
    for node in order:
      key = id(node)
      if key in memo:
        continue
      if node._rngs:  # pylint: disable=protected-access
        context.note_rngs(node._rngs)  # pylint: disable=protected-access
      memo[key] = node.compute(context)


def describe_placeholder(symbol):
  shape = symbol._placeholder_shape  # pylint: disable=protected-access
  dtype = symbol._placeholder_dtype  # pylint: disable=protected-access
  return (f'{symbol.name!r} (shape {"unknown" if shape is None else shape}, '
          f'dtype {getattr(dtype, "name", dtype)})')


def is_unfed_placeholder(node, fed_key):
  return (node.fn is None and id(node) not in fed_key and
          node._default is NO_DEFAULT)  # pylint: disable=protected-access


def check_feeds(roots, fed_key, what, fed_names=None):
  """Raises ValueError naming every placeholder needed but not fed."""
  nodes = topological(roots, fed_key, include_lazy=True)
  for node in nodes:
    check_current(node, what)
  missing = [n for n in nodes if is_unfed_placeholder(n, fed_key)]
  if missing:
    listed = ', '.join(describe_placeholder(n) for n in missing)
    fed = sorted(fed_names) if fed_names else None
    raise ValueError(
        f'{what}: the requested outputs depend on placeholder(s) {listed}, '
        f'which must be fed: list them among the inputs of K.function (or '
        f'in feed_dict). Fed: {fed or "nothing"}.')


class Program:
  """Computes `roots` from values fed for the symbols `fed`.

  Raises:
    ValueError: at construction, if a needed placeholder is not fed (all
      of them are named), or for a symbol of a reset graph.
  """

  def __init__(self, roots, fed, what):
    self.fed_key = frozenset(id(s) for s in fed)
    roots = list(roots)
    check_feeds(roots, self.fed_key, what, [s.name for s in fed])
    self.order = topological(roots, self.fed_key)

  def run(self, feeds):
    """Returns the `Context` after computing the roots from `feeds`."""
    context = Context(feeds, self.fed_key)
    run(self.order, context)
    return context


def evaluate(symbol, feeds, memo=None):
  """Computes `symbol` given `feeds`, a dict {id(placeholder): value}."""
  if not isinstance(symbol, Symbol):
    return Context({}, frozenset()).resolve(symbol)
  fed_key = frozenset(feeds)
  check_feeds([symbol], fed_key, f'Evaluating {symbol.name!r}')
  context = Context(feeds, fed_key)
  if memo:
    context.memo.update(memo)
  run(plan_for(symbol, fed_key), context)
  if memo is not None:
    memo.update(context.memo)
  return context.memo[id(symbol)]


def _probe_value(leaf, size):
  shape = leaf._placeholder_shape  # pylint: disable=protected-access
  dtype = leaf._placeholder_dtype  # pylint: disable=protected-access
  shape = (size,) if shape is None else tuple(
      size if d is None else d for d in shape)
  if leaf.sparse:
    return scipy.sparse.csr_matrix(shape, dtype=dtype)
  # Ones for floats (no log(0) or x/0), zeros for ints (valid indices).
  if dtype.kind in 'fc':
    return np.ones(shape, dtype)
  return np.zeros(shape, dtype)


def _dtype_of(value):
  if scipy.sparse.issparse(value):
    return value.dtype
  return np.asarray(value).dtype


def _shape_of(value):
  if scipy.sparse.issparse(value):
    return tuple(value.shape)
  return np.shape(value)


def _probe(symbol):
  nodes = topological([symbol], frozenset(), include_lazy=True)
  leaves = [n for n in nodes if is_unfed_placeholder(n, frozenset())]
  shapes = [leaf._placeholder_shape for leaf in leaves]  # pylint: disable=protected-access
  unknown_rank = any(s is None for s in shapes)
  dynamic = unknown_rank or any(None in s for s in shapes if s is not None)
  sizes = PROBE_SIZES if dynamic else PROBE_SIZES[:1]
  rngs = {id(r): r for n in nodes for r in n._rngs}  # pylint: disable=protected-access
  saved = [(r, rng_state(r)) for r in rngs.values()]
  saved_global = np.random.get_state()
  results = []
  try:
    with quiet(), np.errstate(all='ignore'), \
        warnings.catch_warnings():
      warnings.simplefilter('ignore')
      for size in sizes:
        feeds = {id(leaf): _probe_value(leaf, size) for leaf in leaves}
        context = Context(feeds, frozenset(feeds), probing=True)
        results.append(context.evaluate(symbol))
  except Exception:  # pylint: disable=broad-except
    return None, None, None  # The op needs real values: shape unknown.
  finally:
    for rng, state in saved:
      set_rng_state(rng, state)
    np.random.set_state(saved_global)
  first = results[0]
  if isinstance(first, (list, tuple)):
    return None, None, len(first)
  dtype = _dtype_of(first)
  result_shapes = [_shape_of(r) for r in results]
  if unknown_rank or len({len(s) for s in result_shapes}) > 1:
    return None, dtype, None
  shape = tuple(
      d if all(s[i] == d for s in result_shapes) else None
      for i, d in enumerate(result_shapes[0]))
  return shape, dtype, None


def static_signature(symbol):
  """`(shape, dtype, length)` of the values of `symbol`, known statically.

  A placeholder's are declared. A derived symbol's are inferred by
  evaluating it on probe values (ones for float placeholders, zeros for
  the others), with every None dimension set to 6, then to 12: result
  dimensions that differ between the two are None. The probes run without
  side effects (nothing printed, no variable updated, random generators
  restored). If the op fails on probe values, the shape and dtype are None
  (unknown). `length` is the number of items of a list or tuple value
  (ops such as `rnn` return tuples), else None. Cached on the symbol.

  >>> x = placeholder(shape=(None, 3))
  >>> static_signature(x[:, :2] * 2.0)[:2]
  ((None, 2), dtype('float32'))
  """
  static = symbol._static  # pylint: disable=protected-access
  if static is None:
    if symbol.fn is None:
      static = (symbol._placeholder_shape, symbol._placeholder_dtype, None)  # pylint: disable=protected-access
    else:
      static = _probe(symbol)
    symbol._static = static  # pylint: disable=protected-access
  return static


def dependents(root, target, fed_key):
  """The ids of the symbols under `root` whose value depends on `target`.

  `target` is a symbol or a variable; paths through `stop_gradient` do not
  count, and fed symbols depend on nothing. A symbol whose arguments hold a
  function (the step function of `rnn`, the function of `map_fn`) may read
  a variable inside it: it counts as depending on every variable.
  """
  target_id = id(target)
  is_variable = isinstance(target, VariableBase)
  found = set()
  for node in topological([root], fed_key, include_lazy=True):
    key = id(node)
    if key == target_id:
      found.add(key)
    elif node._stops_gradient or key in fed_key:  # pylint: disable=protected-access
      continue
    elif is_variable and (target_id in node._variable_ids or  # pylint: disable=protected-access
                          node._has_callables):  # pylint: disable=protected-access
      found.add(key)
    elif any(id(d) in found for d in node.dependencies()) or any(
        id(d) in found for d in node.lazy_dependencies()):
      found.add(key)
  return found
