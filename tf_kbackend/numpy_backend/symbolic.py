"""The numpy backend's symbolic world: lazy expressions instead of a graph.

A `Symbol` records an op and its arguments; nothing is computed until
`evaluate` is given values for the placeholders. Every numpy op is plain
numpy code decorated with `lazy_op`, which defers it when an argument is a
`Symbol` and runs it at once otherwise: the same two worlds as the
TensorFlow implementation, with numpy and scipy only.
"""

import functools

import numpy as np


class Symbol:
  """A lazily computed value: `fn(*args, **kwargs)` once its inputs are known.

  Attributes:
    fn: the numpy function to apply (None for a placeholder).
    args, kwargs: its arguments, which may contain Symbols.
    name: a name, for messages.
  """

  def __init__(self, fn, args=(), kwargs=None, name=None):
    self.fn = fn
    self.args = args
    self.kwargs = kwargs or {}
    self.name = name or getattr(fn, '__name__', 'symbol')

  def __repr__(self):
    return f'<numpy_backend.Symbol {self.name}>'

  # Python operators build lazy expressions, as on TF graph tensors.
  def __add__(self, other): return _lazy_operator(np.add)(self, other)
  def __radd__(self, other): return _lazy_operator(np.add)(other, self)
  def __sub__(self, other): return _lazy_operator(np.subtract)(self, other)
  def __rsub__(self, other): return _lazy_operator(np.subtract)(other, self)
  def __mul__(self, other): return _lazy_operator(np.multiply)(self, other)
  def __rmul__(self, other): return _lazy_operator(np.multiply)(other, self)
  def __truediv__(self, other): return _lazy_operator(np.true_divide)(self, other)
  def __rtruediv__(self, other): return _lazy_operator(np.true_divide)(other, self)
  def __pow__(self, other): return _lazy_operator(np.power)(self, other)
  def __neg__(self): return _lazy_operator(np.negative)(self)
  def __getitem__(self, item): return _lazy_operator(_getitem)(self, item)


def _getitem(x, item):
  return x[item]


def _contains_symbol(values):
  for value in values:
    if isinstance(value, Symbol):
      return True
    if isinstance(value, (list, tuple)) and _contains_symbol(value):
      return True
    if isinstance(value, dict) and _contains_symbol(value.values()):
      return True
  return False


def is_symbolic(x):
  """True if `x` is a `Symbol` (a value computed later)."""
  return isinstance(x, Symbol)


def lazy_op(fn):
  """Makes a numpy op work in both worlds: eager on values, lazy on Symbols."""

  @functools.wraps(fn)
  def wrapper(*args, **kwargs):
    if _contains_symbol(args) or _contains_symbol(kwargs.values()):
      return Symbol(fn, args, kwargs, name=fn.__name__)
    return fn(*args, **kwargs)

  wrapper.__wrapped_lazy_op__ = fn
  return wrapper


def _lazy_operator(fn):
  return lazy_op(fn)


def _resolve(value, feeds, memo):
  if isinstance(value, Symbol):
    return evaluate(value, feeds, memo)
  if isinstance(value, list):
    return [_resolve(v, feeds, memo) for v in value]
  if isinstance(value, tuple):
    return tuple(_resolve(v, feeds, memo) for v in value)
  if isinstance(value, dict):
    return {k: _resolve(v, feeds, memo) for k, v in value.items()}
  return value


def evaluate(symbol, feeds, memo=None):
  """Computes `symbol` given `feeds`, a dict {id(placeholder): value}."""
  memo = {} if memo is None else memo
  key = id(symbol)
  if key in memo:
    return memo[key]
  if key in feeds:
    result = feeds[key]
  elif symbol.fn is None:
    raise ValueError(f'Placeholder {symbol.name!r} must be fed.')
  else:
    args = _resolve(symbol.args, feeds, memo)
    kwargs = _resolve(symbol.kwargs, feeds, memo)
    result = symbol.fn(*args, **kwargs)
  memo[key] = result
  return result
