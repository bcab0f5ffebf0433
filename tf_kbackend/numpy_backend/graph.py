"""The numpy backend's symbolic world: lazy expressions instead of a graph.

A `Symbol` records an op and its arguments; nothing is computed until the
placeholders it depends on get values (`K.function`, `K.eval`,
`Session.run`). Every numpy op is plain numpy code decorated with
`lazy_op`, which defers it when an argument is a `Symbol` (or inside the
symbolic scope) and runs it at once otherwise: the same two worlds as the
TensorFlow implementation (`tf_backend/graph.py`), with numpy only.

This module mirrors `tf_backend/graph.py`: the *graph* (here a `Graph`
object standing for one generation of symbols, replaced by
`clear_session()`), the symbolic scope, name scopes, control dependencies
and uids. It also holds what the two worlds share about variables:

- a variable read inside a `Symbol` is read when the symbol is evaluated;
- an op applied eagerly to a variable returns a concrete value (a
  `DerivedArray`) that remembers its derivation, so that when it enters the
  symbolic world (an argument of a symbolic op, a `K.function` output or
  update) it is re-derived and reads the variable at call time, as in TF1
  (the TensorFlow implementation does the same; see
  `tf_backend/provenance.py`).

Evaluation (`Program`, `evaluate`) is in `evaluation.py`, static shape
inference in `evaluation.static_signature`.
"""

import contextlib
import functools
import weakref

import numpy as np

__all__ = ['get_graph', 'symbolic', 'eager', 'is_symbolic', 'name_scope',
           'control_dependencies', 'get_uid', 'reset_uids', 'clear_session']


class _State:
  """Process-wide state (one graph for every thread, as in the TF backend)."""
  graph = None
  generation = 0
  uids = {}
  symbolic_depth = 0  # > 0 inside the symbolic scope.
  control_stack = []  # Lists of control inputs; None clears the outer ones.
  reset_callbacks = []
  quiet = 0  # > 0 while evaluating without side effects (probes, gradients).
  evaluating = 0  # > 0 while computing symbols: everything is concrete then.


def _retired_error(value):
  return ValueError(
      f'{value!r} belongs to a Keras graph that clear_session() has reset; '
      f'it can no longer be used. Build it again (placeholders, layers, '
      f'models) after clear_session().')


class Graph:
  """The numpy backend's Keras graph: the generation of its symbols.

  There is no graph data structure: symbols point to their inputs. A
  `Graph` names symbols (name scopes, unique placeholder names) and tells
  current symbols from those of a session that `clear_session()` reset.
  """

  def __init__(self, generation):
    self.generation = generation
    self.retired = False
    self._names = {}
    self._scopes = ['']  # Full name-scope prefixes, each '' or ending in '/'.
    self._rederived = {}  # id(DerivedArray) -> (weakref, Symbol).
    self.placeholders = {}  # name -> placeholder, for name lookups.

  def __repr__(self):
    return f'<numpy_backend.Graph generation={self.generation}>'

  def unique_name(self, name):
    """`name`, or `name_1`, `name_2`... if already used (TF's scheme)."""
    key = name.lower()
    count = self._names.get(key, 0)
    self._names[key] = count + 1
    if count == 0:
      return name
    while f'{key}_{count}' in self._names:
      count += 1
    self._names[f'{key}_{count}'] = 1
    return f'{name}_{count}'

  def get_name_scope(self):
    """The current name scope, without a trailing '/'."""
    return self._scopes[-1][:-1]

  def as_default(self):
    """A block in the symbolic scope (TF1's `graph.as_default()`)."""
    if self.retired:
      raise _retired_error(self)
    return symbolic_scope()

  def as_graph_element(self, name):
    """The placeholder named `name` ('x:0' or 'x')."""
    element = self.placeholders.get(name)
    if element is None:
      element = self.placeholders.get(f'{name}:0')
    if element is None:
      raise ValueError(
          f'The name {name!r} refers to no placeholder of the Keras graph. '
          f'Known placeholders: {sorted(self.placeholders)}.')
    return element


def get_graph():
  """Returns the current Keras graph (a `Graph`; replaced by clear_session).

  >>> x = placeholder(shape=(2,))
  >>> x.graph is get_graph()
  True
  """
  if _State.graph is None:
    _State.graph = Graph(_State.generation)
  return _State.graph


def graph_generation():
  """An integer that changes each time `clear_session()` resets the graph."""
  return _State.generation


def on_clear_session(callback):
  """Registers `callback()` to run when `clear_session()` resets the graph."""
  _State.reset_callbacks.append(callback)
  return callback


def clear_session():
  """Destroys the Keras graph and all state built on it, and starts afresh.

  Resets the graph (symbols of the old one raise a clear error if used),
  the `get_uid` counters, the learning phase and the session. Variables
  are ordinary Python objects and live on while referenced.

  >>> x = placeholder(shape=(2,))
  >>> clear_session()
  >>> x.graph is get_graph()
  False
  """
  if _State.graph is not None:
    _State.graph.retired = True
  _State.graph = None
  _State.generation += 1
  reset_uids()
  for callback in _State.reset_callbacks:
    callback()


def get_uid(prefix=''):
  """Returns a unique integer per `prefix`, counting from 1 per session.

  >>> reset_uids()
  >>> get_uid('dense'), get_uid('dense'), get_uid('conv')
  (1, 2, 1)
  """
  _State.uids[prefix] = _State.uids.get(prefix, 0) + 1
  return _State.uids[prefix]


def reset_uids():
  """Resets the counters of `get_uid`.

  >>> _ = get_uid('x'); reset_uids(); get_uid('x')
  1
  """
  _State.uids = {}


# ---------------------------------------------------------------------------
# Scopes.


def in_symbolic_scope():
  """True inside `symbolic_scope()` (or `K.symbolic`, `K.name_scope`)."""
  return _State.symbolic_depth > 0


@contextlib.contextmanager
def symbolic_scope():
  """A block in which every op builds a `Symbol`, whatever its arguments.

  As in TF1: inside, `cast(variable)` is a symbol re-evaluated at each
  `K.function` call, not a value computed once. Variables created inside
  stay concrete.

  >>> with symbolic_scope():
  ...   y = cast(variable(1.0), 'int32')
  >>> is_symbolic(y)
  True
  """
  graph = get_graph()
  if _State.evaluating:
    # Code run by an op being evaluated (an rnn step function opening a
    # name scope) computes on values: it stays eager.
    yield graph
    return
  _State.symbolic_depth += 1
  try:
    yield graph
  finally:
    _State.symbolic_depth -= 1


@contextlib.contextmanager
def eager_scope():
  """A block outside the symbolic scope and control dependencies."""
  depth, stack = _State.symbolic_depth, _State.control_stack
  _State.symbolic_depth, _State.control_stack = 0, []
  try:
    yield
  finally:
    _State.symbolic_depth, _State.control_stack = depth, stack


@contextlib.contextmanager
def evaluating():
  """A block computing symbols: ops compute at once, even in name scopes."""
  _State.evaluating += 1
  try:
    with eager_scope():
      yield
  finally:
    _State.evaluating -= 1


def symbolic(func):
  """Decorator: run `func` in the symbolic scope (Keras 2.3.1's `K.symbolic`).

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
  ...   return sum(x)
  >>> with symbolic_scope():
  ...   s = total(np.array([1.0, 2.0]))
  >>> float(s)
  3.0
  """

  @functools.wraps(func)
  def eager_wrapper(*args, **kwargs):
    with eager_scope():
      return func(*args, **kwargs)

  return eager_wrapper


@contextlib.contextmanager
def name_scope(name, *args, **kwargs):
  """A named graph-building block, as `tf.name_scope` was for TF1 Keras.

  Symbols built inside get `name` as a prefix and, as in TF1 (where a name
  scope only ever meant graph building), are built in the symbolic scope.
  Variables created inside get the prefix too: `dense_1/kernel:0`. A name
  used twice becomes `name_1`, as in TensorFlow.

  Args:
    name: the scope name (ending in '/': used as is; '' or None: the root).
    *args: accepted for TF1's `name_scope(name, default_name, values)`.
    **kwargs: same.

  Yields:
    The full scope name, ending in '/' (or '' at the root).

  >>> with name_scope('block') as scope:
  ...   y = placeholder(shape=(2,)) * 2.0
  >>> scope, y.name
  ('block/', 'block/multiply')
  """
  del args, kwargs  # TF1's default_name/values only picked a default name.
  with symbolic_scope() as graph:
    if not name:
      full = ''
    elif name.endswith('/'):
      full = name
    else:
      full = graph.unique_name(graph._scopes[-1] + name) + '/'  # pylint: disable=protected-access
    graph._scopes.append(full)  # pylint: disable=protected-access
    try:
      yield full
    finally:
      graph._scopes.pop()  # pylint: disable=protected-access


def current_name_scope():
  """The current name scope, without a trailing '/'."""
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


def current_control_inputs():
  """The control inputs that a symbol built now depends on."""
  inputs = []
  for entry in reversed(_State.control_stack):
    if entry is None:
      break
    inputs[:0] = entry
  return tuple(inputs)


@contextlib.contextmanager
def control_dependencies(control_inputs):
  """Symbols built inside run only after `control_inputs` (TF1 semantics).

  With symbolic control inputs (update ops, symbols) the block is in the
  symbolic scope and each symbol built inside first runs them; with
  concrete ones it is a no-op, as in eager TF2. `None` clears the control
  inputs of enclosing blocks.

  >>> v = variable(0.0)
  >>> with control_dependencies([update_add(v, 1.0)]):
  ...   y = identity(v)
  >>> float(eval(y))
  1.0
  """
  if control_inputs is None:
    _State.control_stack.append(None)
    try:
      yield
    finally:
      _State.control_stack.pop()
    return
  symbols = [c for c in _flatten_control_inputs(control_inputs)
             if isinstance(c, Symbol)]
  for symbol in symbols:
    check_current(symbol)
  if not symbols:
    yield
    return
  with symbolic_scope():
    _State.control_stack.append(symbols)
    try:
      yield
    finally:
      _State.control_stack.pop()


def check_current(symbol, role=None):
  """Raises ValueError if `symbol` belongs to a graph clear_session() reset."""
  if symbol.graph.retired:
    error = _retired_error(symbol)
    if role:
      error = ValueError(f'{role}: {error}')
    raise error


def side_effects_enabled():
  """False while evaluating for shape inference or finite differences."""
  return _State.quiet == 0


@contextlib.contextmanager
def quiet():
  """A block whose evaluations print nothing and update no variable."""
  _State.quiet += 1
  try:
    yield
  finally:
    _State.quiet -= 1


# ---------------------------------------------------------------------------
# Variables and values derived from them.


class Operators:
  """Python operators as backend ops (for `Symbol` and variables).

  Each operator is a `lazy_op`: it builds a `Symbol` when an operand is
  symbolic (or in the symbolic scope) and computes at once otherwise.
  """
  __slots__ = ()

  def __add__(self, other): return _OPS['add'](self, other)
  def __radd__(self, other): return _OPS['add'](other, self)
  def __sub__(self, other): return _OPS['subtract'](self, other)
  def __rsub__(self, other): return _OPS['subtract'](other, self)
  def __mul__(self, other): return _OPS['multiply'](self, other)
  def __rmul__(self, other): return _OPS['multiply'](other, self)
  def __truediv__(self, other): return _OPS['true_divide'](self, other)
  def __rtruediv__(self, other): return _OPS['true_divide'](other, self)
  def __floordiv__(self, other): return _OPS['floor_divide'](self, other)
  def __rfloordiv__(self, other): return _OPS['floor_divide'](other, self)
  def __mod__(self, other): return _OPS['remainder'](self, other)
  def __rmod__(self, other): return _OPS['remainder'](other, self)
  def __pow__(self, other): return _OPS['power'](self, other)
  def __rpow__(self, other): return _OPS['power'](other, self)
  def __matmul__(self, other): return _OPS['matmul'](self, other)
  def __rmatmul__(self, other): return _OPS['matmul'](other, self)
  def __and__(self, other): return _OPS['bitwise_and'](self, other)
  def __rand__(self, other): return _OPS['bitwise_and'](other, self)
  def __or__(self, other): return _OPS['bitwise_or'](self, other)
  def __ror__(self, other): return _OPS['bitwise_or'](other, self)
  def __xor__(self, other): return _OPS['bitwise_xor'](self, other)
  def __rxor__(self, other): return _OPS['bitwise_xor'](other, self)
  def __lt__(self, other): return _OPS['less'](self, other)
  def __le__(self, other): return _OPS['less_equal'](self, other)
  def __gt__(self, other): return _OPS['greater'](self, other)
  def __ge__(self, other): return _OPS['greater_equal'](self, other)
  def __neg__(self): return _OPS['negative'](self)
  def __pos__(self): return _OPS['positive'](self)
  def __abs__(self): return _OPS['absolute'](self)
  def __invert__(self): return _OPS['invert'](self)
  def __getitem__(self, item): return _OPS['getitem'](self, item)


class VariableBase(Operators):
  """What `variables.Variable` builds on: a holder of a numpy array.

  Defined here because evaluation reads variables: `_value` is the current
  value, a read-only array that assignments replace (never mutate), so a
  value read once stays valid.
  """
  __slots__ = ()
  _value = None


class DerivedArray(np.ndarray):
  """A concrete value computed from variables, remembering how.

  It is an ordinary numpy array, except that when it enters the symbolic
  world it is re-derived from the variables (see the module docstring).
  numpy ufuncs and indexing on it propagate the derivation; other numpy
  functions and methods give snapshots.
  """

  def __array_finalize__(self, obj):
    self._derivation = None

  def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
    plain = tuple(_plain(x) for x in inputs)
    out = kwargs.get('out')
    if out is not None:
      kwargs['out'] = tuple(_plain(o) for o in out)
      getattr(ufunc, method)(*plain, **kwargs)
      for o in out:
        if isinstance(o, DerivedArray):
          o._derivation = None  # Changed in place: now a snapshot.
      return out[0] if len(out) == 1 else out
    result = getattr(ufunc, method)(*plain, **kwargs)
    if method != '__call__':
      return result
    return derive(result, ufunc, inputs, kwargs)

  def __getitem__(self, item):
    result = self.view(np.ndarray)[item]
    if self._derivation is None:
      return result
    return derive(result, _getitem, (self, item), {})

  def __repr__(self):
    return repr(self.view(np.ndarray))

  def __str__(self):
    return str(self.view(np.ndarray))

  def __reduce__(self):
    return np.array(self.view(np.ndarray)).__reduce__()


def _plain(x):
  return x.view(np.ndarray) if isinstance(x, DerivedArray) else x


def is_derived(x):
  """True for a `DerivedArray` that remembers its derivation."""
  return isinstance(x, DerivedArray) and x._derivation is not None  # pylint: disable=protected-access


def derive(result, fn, args, kwargs, index=None):
  """`result` (of `fn(*args, **kwargs)`) as DerivedArray(s) recording that."""
  if isinstance(result, (list, tuple)) and index is None:
    items = [derive(item, fn, args, kwargs, i) for i, item in enumerate(result)]
    return type(result)(items) if not hasattr(result, '_fields') else (
        type(result)(*items))
  if isinstance(result, (np.ndarray, np.generic)):
    array = np.asarray(result).view(DerivedArray)
    array._derivation = (fn, args, kwargs, index)  # pylint: disable=protected-access
    return array
  return result


def rederive(value, graph=None):
  """The `Symbol` computing a `DerivedArray` from the variables, memoized."""
  graph = graph or get_graph()
  memo = graph._rederived  # pylint: disable=protected-access
  key = id(value)
  cached = memo.get(key)
  if cached is not None and cached[0]() is value:
    return cached[1]
  fn, args, kwargs, index = value._derivation  # pylint: disable=protected-access
  with eager_scope():  # No control inputs: the value existed before them.
    symbol = Symbol(fn, args, kwargs)
    if index is not None:
      symbol = Symbol(_getitem, (symbol, index), name='getitem')
  memo[key] = (weakref.ref(value, lambda _: memo.pop(key, None)), symbol)
  return symbol


def rederive_structure(values, graph=None):
  """`values` (nested) with every derived array replaced by its Symbol."""
  if isinstance(values, (list, tuple)):
    items = [rederive_structure(v, graph) for v in values]
    if all(a is b for a, b in zip(items, values)):
      return values
    return type(values)(*items) if hasattr(values, '_fields') else type(
        values)(items)
  if isinstance(values, dict):
    return {k: rederive_structure(v, graph) for k, v in values.items()}
  if isinstance(values, slice):
    parts = [rederive_structure(p, graph)
             for p in (values.start, values.stop, values.step)]
    return slice(*parts)
  if is_derived(values):
    return rederive(values, graph)
  return values


# Flags returned by scan_values.
HAS_SYMBOL = 1
HAS_VARIABLE = 2  # A variable or a derived array.


def scan_values(values):
  """Bit flags: does (nested) `values` hold symbols, variables?"""
  found = 0
  for value in values:
    if isinstance(value, Symbol):
      found |= HAS_SYMBOL
    elif isinstance(value, VariableBase):
      found |= HAS_VARIABLE
    elif isinstance(value, DerivedArray):
      if value._derivation is not None:  # pylint: disable=protected-access
        found |= HAS_VARIABLE
    elif isinstance(value, (list, tuple)):
      if value:
        found |= scan_values(value)
    elif isinstance(value, dict):
      found |= scan_values(value.values())
    elif isinstance(value, slice):
      found |= scan_values((value.start, value.stop, value.step))
  return found


def read_values(values):
  """`values` (nested) with variables read and derived arrays made plain."""
  if isinstance(values, VariableBase):
    return values._value  # pylint: disable=protected-access
  if isinstance(values, DerivedArray):
    return values.view(np.ndarray)
  if isinstance(values, (list, tuple)):
    items = [read_values(v) for v in values]
    return type(values)(*items) if hasattr(values, '_fields') else type(
        values)(items)
  if isinstance(values, dict):
    return {k: read_values(v) for k, v in values.items()}
  if isinstance(values, slice):
    return slice(read_values(values.start), read_values(values.stop),
                 read_values(values.step))
  return values


# ---------------------------------------------------------------------------
# Symbols.

NO_DEFAULT = object()


def _collect(values, deps, variables, rngs):
  """Gathers the symbols, variables, random generators, functions in `values`.

  `rngs` gets the random generators and the functions (told apart later).
  """
  for value in values:
    if isinstance(value, Symbol):
      check_current(value)
      if value._is_op:  # pylint: disable=protected-access
        raise TypeError(
            f'{value!r} is an update op, which has no value to compute '
            f'with: pass it to K.function(updates=...) or '
            f'K.control_dependencies instead.')
      deps.append(value)
    elif isinstance(value, VariableBase):
      variables.append(value)
    elif isinstance(value, (np.random.RandomState, np.random.Generator)):
      rngs.append(value)
    elif callable(value) and not isinstance(value, (type, np.ufunc)):
      rngs.append(value)
    elif isinstance(value, (list, tuple)):
      _collect(value, deps, variables, rngs)
    elif isinstance(value, dict):
      _collect(value.values(), deps, variables, rngs)
    elif isinstance(value, slice):
      _collect((value.start, value.stop, value.step), deps, variables, rngs)


class Symbol(Operators):
  """A lazily computed value: `fn(*args, **kwargs)` once its inputs are known.

  Attributes:
    fn: the numpy function to apply (None for a placeholder).
    args, kwargs: its arguments, which may contain Symbols and variables
      (variables are read when the symbol is evaluated).
    name: a name, for messages (with the name scope as a prefix).
    graph: the `Graph` the symbol belongs to.
    control_inputs: symbols (update ops) to run before this one.
  """

  # numpy defers to our reflected operators: `array + symbol` is a Symbol.
  __array_ufunc__ = None
  _is_op = False  # True for update ops, which have no value to compute with.
  sparse = False
  _placeholder_shape = None
  _placeholder_dtype = None
  _default = NO_DEFAULT  # A placeholder's value when not fed.
  _stops_gradient = False

  def __init__(self, fn, args=(), kwargs=None, name=None):
    graph = get_graph()
    kwargs = kwargs or {}
    if scan_values(args) & HAS_VARIABLE or scan_values(kwargs.values()) & HAS_VARIABLE:
      args = rederive_structure(args, graph)
      kwargs = rederive_structure(kwargs, graph)
    self.fn = fn
    self.args = args
    self.kwargs = kwargs
    self.graph = graph
    base = name or getattr(fn, '__name__', None) or 'symbol'
    self.name = graph._scopes[-1] + base  # pylint: disable=protected-access
    self.control_inputs = current_control_inputs()
    deps, variables, rngs = [], [], []
    _collect(args, deps, variables, rngs)
    _collect(kwargs.values(), deps, variables, rngs)
    self._deps = tuple(deps)
    self._variable_ids = frozenset(id(v) for v in variables)
    self._rngs = tuple(r for r in rngs if not callable(r))
    self._has_callables = len(self._rngs) < len(rngs)
    self._static = None  # (shape, dtype, length), inferred on demand.
    self._plans = None
    if getattr(fn, '_stops_gradient', False):
      self._stops_gradient = True

  def __repr__(self):
    details = ''
    if self._static is not None:
      shape, dtype, _ = self._static
      details = f' shape={shape} dtype={dtype}'
    return f'<numpy_backend.Symbol {self.name!r}{details}>'

  def __bool__(self):
    raise TypeError(
        f'Using a symbolic value ({self!r}) as a Python bool is not allowed: '
        f'its value is only known when evaluated. Use K.switch for a '
        f'data-dependent choice.')

  def __iter__(self):
    length = self._length()
    if length is None:
      raise TypeError(
          f'{self!r} cannot be iterated: its length is not known until it is '
          f'evaluated.')
    return iter([self[i] for i in range(length)])

  def __array__(self, dtype=None, copy=None):
    raise TypeError(
        f'{self!r} is symbolic: it has no value until evaluated with '
        f'K.function, K.eval or Session.run.')

  def _length(self):
    from tf_kbackend.numpy_backend import evaluation  # pylint: disable=g-import-not-at-top
    shape, _, length = evaluation.static_signature(self)
    if length is None and shape:
      length = shape[0]
    return length

  @property
  def shape(self):
    """The static shape (None dims unknown), or None if the rank is unknown."""
    from tf_kbackend.numpy_backend import evaluation  # pylint: disable=g-import-not-at-top
    return evaluation.static_signature(self)[0]

  @property
  def dtype(self):
    """The dtype of the values (a `numpy.dtype`), or None if unknown."""
    from tf_kbackend.numpy_backend import evaluation  # pylint: disable=g-import-not-at-top
    return evaluation.static_signature(self)[1]

  @property
  def ndim(self):
    shape = self.shape
    return None if shape is None else len(shape)

  # Evaluation protocol (see evaluation.py).
  def dependencies(self):
    """Symbols to evaluate before this one."""
    return self.control_inputs + self._deps

  def lazy_dependencies(self):
    """Symbols this one may evaluate on demand (they must be fed too)."""
    return ()

  def compute(self, context):
    """This symbol's value, its dependencies being in `context`."""
    if self.fn is None:
      if self._default is NO_DEFAULT:
        raise ValueError(f'Placeholder {self.name!r} must be fed.')
      return self._default
    return self.fn(*context.resolve(self.args),
                   **context.resolve(self.kwargs))


def is_symbolic(x):
  """Returns True if `x` is symbolic (a `Symbol` or an update op).

  Variables, numpy arrays and Python values are concrete.

  >>> is_symbolic(placeholder(shape=(2,)))
  True
  >>> is_symbolic(variable(1.0))
  False
  """
  return isinstance(x, Symbol)


def lazy_op(fn):
  """Makes a numpy op work in both worlds.

  The decorated op returns a `Symbol` when any argument (at any nesting
  depth of lists, tuples, dicts and slices) is a Symbol, or in the
  symbolic scope; otherwise it computes at once. Variables among the
  arguments are read (when evaluated, for a Symbol); a concrete result
  computed from variables is a `DerivedArray`.

  >>> @lazy_op
  ... def double(x):
  ...   return np.multiply(x, 2)
  >>> double(np.array([1.0, 2.0]))
  array([2., 4.])
  >>> is_symbolic(double(placeholder(shape=(2,))))
  True
  """

  @functools.wraps(fn)
  def wrapper(*args, **kwargs):
    found = scan_values(args) | scan_values(kwargs.values())
    if found & HAS_SYMBOL or _State.symbolic_depth:
      return Symbol(fn, args, kwargs, name=getattr(fn, '__name__', None))
    if found & HAS_VARIABLE:
      result = fn(*read_values(args), **read_values(kwargs))
      return derive(result, fn, args, kwargs)
    return fn(*args, **kwargs)

  wrapper.__wrapped_lazy_op__ = fn
  return wrapper


def _lazy_operator(fn):
  return lazy_op(fn)


def evaluate(symbol, feeds, memo=None):
  """Computes `symbol` given `feeds`, a dict {id(placeholder): value}.

  >>> x = placeholder(shape=(2,))
  >>> evaluate(x * 2.0, {id(x): np.array([1.0, 2.0])})
  array([2., 4.])
  """
  from tf_kbackend.numpy_backend import evaluation  # pylint: disable=g-import-not-at-top
  return evaluation.evaluate(symbol, feeds, memo)


def _getitem(x, item):
  return x[item]


_OPS = {
    name: lazy_op(getattr(np, name)) for name in (
        'add', 'subtract', 'multiply', 'true_divide', 'floor_divide',
        'remainder', 'power', 'matmul', 'bitwise_and', 'bitwise_or',
        'bitwise_xor', 'less', 'less_equal', 'greater', 'greater_equal',
        'negative', 'positive', 'absolute', 'invert')
}
_OPS['getitem'] = lazy_op(_getitem)
