"""Names that legacy Keras 2.x (and code written for it) needs on today's stack.

Keras 2.2.x was written for Python 2.7/3.6 and NumPy 1.x. On Python 3.11
and NumPy 2 it does not even import: it takes `Iterable` from `collections`
(moved to `collections.abc` in Python 3.3, removed from `collections` in
3.10), calls `inspect.getargspec` (removed in Python 3.11) and uses NumPy
aliases that NumPy 1.24 and 2.0 removed (`np.float`, `np.Inf`,
`np.string_`, ...). Scripts of that era use the same names.

`apply()` puts back exactly those names, each only where it is missing, so
it never replaces anything a library defines, and calling it twice changes
nothing. Every alias means what it meant in the version that removed it.
The full list, as documented in docs/legacy_keras.md, is in the tables
below: `COLLECTIONS_ABC_NAMES`, `NUMPY_TYPE_ALIASES`, `NUMPY_VALUE_ALIASES`
and `NUMPY_FUNCTION_ALIASES`, plus `inspect.getargspec`.
"""

import collections
import collections.abc
import inspect

import numpy as np

# The abstract base classes Python 3.10 removed from `collections`.
COLLECTIONS_ABC_NAMES = (
    'Awaitable', 'Coroutine', 'AsyncIterable', 'AsyncIterator',
    'AsyncGenerator', 'Hashable', 'Iterable', 'Iterator', 'Generator',
    'Reversible', 'Sized', 'Container', 'Callable', 'Collection', 'Set',
    'MutableSet', 'Mapping', 'MutableMapping', 'MappingView', 'KeysView',
    'ItemsView', 'ValuesView', 'Sequence', 'MutableSequence', 'ByteString')

# NumPy type aliases removed in NumPy 1.24 (builtins) and 2.0 (the rest),
# as the name of the type each stood for.
NUMPY_TYPE_ALIASES = {
    # Removed in 1.24: they were the Python builtins.
    'bool': 'builtins.bool',
    'int': 'builtins.int',
    'float': 'builtins.float',
    'complex': 'builtins.complex',
    'object': 'builtins.object',
    'str': 'builtins.str',
    'unicode': 'builtins.str',
    'long': 'builtins.int',
    # Removed in 2.0.
    'float_': 'float64',
    'complex_': 'complex128',
    'string_': 'bytes_',
    'unicode_': 'str_',
    'cfloat': 'complex128',
    'longfloat': 'longdouble',
    'singlecomplex': 'complex64',
    'clongfloat': 'clongdouble',
    'longcomplex': 'clongdouble',
    'int0': 'intp',
    'uint0': 'uintp',
    'bool8': 'bool_',
    'object0': 'object_',
    'str0': 'str_',
    'bytes0': 'bytes_',
    'void0': 'void',
}

# NumPy constants removed in 2.0.
NUMPY_VALUE_ALIASES = {
    'Inf': float('inf'),
    'Infinity': float('inf'),
    'PINF': float('inf'),
    'infty': float('inf'),
    'NINF': float('-inf'),
    'NaN': float('nan'),
    'NAN': float('nan'),
    'PZERO': 0.0,
    'NZERO': -0.0,
}


def _asfarray(a, dtype=np.float64):
  dtype = np.dtype(dtype)
  if not np.issubdtype(dtype, np.inexact):
    dtype = np.dtype(np.float64)
  return np.asarray(a, dtype=dtype)


def _asscalar(a):
  return a.item()


def _msort(a):
  return np.sort(a, axis=0)


def _in1d(ar1, ar2, assume_unique=False, invert=False, **kwargs):
  return np.isin(ar1, ar2, assume_unique=assume_unique, invert=invert,
                 **kwargs).ravel()


# NumPy functions removed in 1.23-2.4, as (name, replacement).
NUMPY_FUNCTION_ALIASES = {
    'alltrue': lambda: np.all,
    'sometrue': lambda: np.any,
    'product': lambda: np.prod,
    'cumproduct': lambda: np.cumprod,
    'round_': lambda: np.round,
    'trapz': lambda: getattr(np, 'trapezoid', None),
    'asfarray': lambda: _asfarray,
    'asscalar': lambda: _asscalar,
    'msort': lambda: _msort,
    'in1d': lambda: _in1d,
}

_ArgSpec = collections.namedtuple('ArgSpec',
                                  ['args', 'varargs', 'keywords', 'defaults'])


def getargspec(func):
  """Python 2's `inspect.getargspec`, removed in Python 3.11.

  Returns `ArgSpec(args, varargs, keywords, defaults)`, built from
  `inspect.getfullargspec`.

  Raises:
    ValueError: if `func` has keyword-only parameters or annotations, which
      `getargspec` could not express (as the original did).

  >>> def f(a, b=1, *rest, **options): pass
  >>> getargspec(f)
  ArgSpec(args=['a', 'b'], varargs='rest', keywords='options', defaults=(1,))
  """
  spec = inspect.getfullargspec(func)
  if spec.kwonlyargs or spec.annotations:
    raise ValueError(
        f'Function has keyword-only parameters or annotations, use '
        f'inspect.signature() API which can support them. Received: '
        f'{func!r}.')
  return _ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)


def _has(module, name):
  # Not `hasattr`: NumPy's module `__getattr__` warns (or raises with a
  # long message) for some removed names; the module dict is what counts.
  return name in vars(module)


def _resolve_type(spec, numpy_module):
  if spec.startswith('builtins.'):
    import builtins  # pylint: disable=g-import-not-at-top
    return getattr(builtins, spec.split('.', 1)[1])
  return getattr(numpy_module, spec)


def apply(numpy_module=None, collections_module=None, inspect_module=None):
  """Adds the missing legacy names; returns the ones it added.

  Only names that are missing are added; existing ones are never replaced,
  so the call is idempotent and safe after any other library's set-up.

  Args:
    numpy_module: the module to add NumPy aliases to (default: `numpy`).
    collections_module: the module to add ABC names to (default:
      `collections`).
    inspect_module: the module to add `getargspec` to (default: `inspect`).

  Returns:
    A list of 'module.name' strings, one per name added.

  >>> import types
  >>> fake_np, fake_collections, fake_inspect = (
  ...     types.ModuleType(name) for name in ('np', 'collections', 'inspect'))
  >>> fake_np.float64, fake_np.Inf = np.float64, 'kept'
  >>> added = apply(fake_np, fake_collections, fake_inspect)
  >>> 'np.float_' in added, 'collections.Iterable' in added
  (True, True)
  >>> fake_np.float is float, fake_np.float_ is np.float64, fake_np.Inf
  (True, True, 'kept')
  >>> apply(fake_np, fake_collections, fake_inspect)  # idempotent
  []
  """
  numpy_module = np if numpy_module is None else numpy_module
  collections_module = (collections if collections_module is None
                        else collections_module)
  inspect_module = inspect if inspect_module is None else inspect_module
  added = []

  def add(module, name, value):
    if value is not None and not _has(module, name):
      setattr(module, name, value)
      added.append(f'{module.__name__}.{name}')

  for name in COLLECTIONS_ABC_NAMES:
    add(collections_module, name, getattr(collections.abc, name, None))
  add(inspect_module, 'getargspec', getargspec)
  for name, spec in NUMPY_TYPE_ALIASES.items():
    try:
      value = _resolve_type(spec, numpy_module)
    except AttributeError:
      continue  # A stripped-down module (tests); nothing to alias to.
    add(numpy_module, name, value)
  for name, value in NUMPY_VALUE_ALIASES.items():
    add(numpy_module, name, value)
  for name, replacement in NUMPY_FUNCTION_ALIASES.items():
    add(numpy_module, name, replacement())
  return added
