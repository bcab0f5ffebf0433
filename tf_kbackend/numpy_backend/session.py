"""Sessions, and evaluating values now: `eval`, `get_value`, `batch_get_value`.

Mirrors `tf_backend/session.py`. `get_session()` returns a `Session` whose
`run` behaves like TF1's: fetches (symbols, variables, update ops, nested
in lists, tuples, namedtuples and dicts) are computed, with the feeds, in
one evaluation (the `Function` for a given list of fetches and feeds is
cached, so running it again is cheap). `set_session` accepts any session
object; the numpy backend has no device settings to apply.
"""

import collections

import numpy as np
import scipy.sparse

from tf_kbackend import api_contract
from tf_kbackend.numpy_backend import keras_function
from tf_kbackend.numpy_backend import tensors
from tf_kbackend.numpy_backend.graph import (
    get_graph, is_symbolic, on_clear_session, Symbol, symbolic_scope,
    VariableBase)
from tf_kbackend.numpy_backend.variables import UpdateOp

__all__ = ['get_session', 'set_session', 'eval', 'get_value',
           'batch_get_value']

_CACHE_SIZE = 256

LogicalDevice = collections.namedtuple('LogicalDevice', ['name', 'device_type'])


class _State:
  session = None
  # (fetch ids, feed ids) -> (Function, the fetches and feeds, kept alive).
  compiled = collections.OrderedDict()


@on_clear_session
def _reset():
  _State.session = None
  _State.compiled.clear()


def _resolve_name(fetch):
  """TF1 let feeds and fetches be named: 'x:0' (placeholders only here).

  Raises:
    ValueError: for a name of no placeholder (TF1's error for fetches).
  """
  if isinstance(fetch, str):
    try:
      return get_graph().as_graph_element(fetch)
    except ValueError as e:
      raise ValueError(
          f'Fetch argument {fetch!r} cannot be interpreted as a tensor or '
          f'op of the Keras graph: {e}') from None
  return fetch


def _resolve_feed_key(key):
  """A feed_dict key as the fed symbol; TypeError as in TF1 otherwise."""
  if isinstance(key, str):
    try:
      key = get_graph().as_graph_element(key)
    except ValueError as e:
      raise TypeError(
          f'Cannot interpret feed_dict key as Tensor: {e}') from None
  if not is_symbolic(key) or getattr(key, '_is_op', False):
    raise TypeError(
        f'Cannot interpret feed_dict key as Tensor: {key!r} is not a '
        f'symbolic tensor of the Keras graph (a placeholder, or another '
        f'tensor to feed).')
  return key


def _concrete_value(value):
  """The numpy value of a concrete (non-symbolic) fetch."""
  if value is None:
    return None
  if isinstance(value, VariableBase):
    return value.numpy()
  if scipy.sparse.issparse(value):
    return value.toarray()
  if isinstance(value, np.ndarray):
    array = np.array(value, copy=True)  # A derived array becomes plain.
    return array[()] if array.ndim == 0 else array
  return np.asarray(value)


def _compiled(fetch_leaves, feed_keys, what):
  """A cached `Function` computing the symbolic `fetch_leaves`."""
  key = (tuple(id(f) for f in fetch_leaves), tuple(id(f) for f in feed_keys))
  entry = _State.compiled.get(key)
  if entry is not None:
    _State.compiled.move_to_end(key)
    return entry[0]
  outputs = [f for f in fetch_leaves if not isinstance(f, UpdateOp)]
  ops = [f for f in fetch_leaves if isinstance(f, UpdateOp)]
  function = keras_function.Function(
      list(feed_keys), outputs, updates=ops,
      name=what.replace('.', '_').lower(), _description=what)
  _State.compiled[key] = (function, (fetch_leaves, feed_keys))
  if len(_State.compiled) > _CACHE_SIZE:
    _State.compiled.popitem(last=False)
  return function


def _run(fetches, feed_dict, what):
  """Evaluates a (nested) structure of fetches; ops evaluate to None.

  When anything symbolic is fetched, variables are read in the same
  evaluation, before any fetched update op applies (as in `K.function`).
  """
  feed_dict = {_resolve_feed_key(k): v for k, v in (feed_dict or {}).items()}
  leaves = [_resolve_name(leaf) for leaf in api_contract.flatten_structure(fetches)]
  compiled = []
  if any(is_symbolic(leaf) for leaf in leaves):
    compiled = [leaf for leaf in leaves if is_symbolic(leaf) or
                isinstance(leaf, VariableBase)]
  values = {}
  if compiled:
    unique = list({id(leaf): leaf for leaf in compiled}.values())
    feed_keys = list(feed_dict)
    function = _compiled(unique, feed_keys, what)
    results = iter(function([feed_dict[k] for k in feed_keys]))
    for leaf in unique:
      values[id(leaf)] = None if isinstance(leaf, UpdateOp) else next(results)
  resolved = iter([
      values[id(leaf)] if id(leaf) in values else _concrete_value(leaf)
      for leaf in leaves
  ])
  if not isinstance(fetches, (list, tuple, dict)):
    return next(resolved)
  return api_contract.pack_as_structure(fetches, resolved)


class Session:
  """What `K.get_session()` returns: TF1's `Session` API, in numpy.

  >>> x = placeholder(shape=(2,))
  >>> get_session().run(x * 2.0, feed_dict={x: [1.0, 2.0]})
  array([2., 4.], dtype=float32)
  """

  def __init__(self, config=None, wrapped=None):
    self._config = config
    self.wrapped_session = wrapped
    self._closed = False

  @property
  def graph(self):
    """The Keras graph (entering `graph.as_default()` builds symbolically)."""
    return get_graph()

  def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
    """Computes `fetches` (symbols, variables, ops, nested) given `feed_dict`.

    Args:
      fetches: a symbol, variable, update op or placeholder name, or a
        list, tuple, namedtuple or dict nesting them; None gives None.
      feed_dict: `{placeholder: value}`.
      options: ignored.
      run_metadata: ignored.

    Returns:
      The same structure with numpy values; ops give None.
    """
    del options, run_metadata
    return _run(fetches, feed_dict, 'Session.run')

  def make_callable(self, fetches, feed_list=None):
    """Returns `f(*feed_values)` computing `fetches`, as TF1's `make_callable`.

    >>> x = placeholder(shape=())
    >>> float(get_session().make_callable(x + 1.0, [x])(2.0))
    3.0
    """
    feed_list = list(feed_list or [])

    def run_callable(*values):
      return self.run(fetches, dict(zip(feed_list, values)))

    return run_callable

  def list_devices(self):
    """The devices: the CPU, with `name` and `device_type` as TF1 listed them."""
    return [LogicalDevice('/device:CPU:0', 'CPU')]

  def close(self):
    """Marks the session closed; the graph and variables live on."""
    self._closed = True

  def as_default(self):
    """Context manager entering the symbolic scope, as TF1's `as_default`."""
    return symbolic_scope()

  def __enter__(self):
    return self

  def __exit__(self, *exc_info):
    self.close()

  @property
  def sess_str(self):
    return ''


def get_session():
  """Returns the session: TF1's `run(fetches, feed_dict)`.

  >>> get_session().run(variable([3.0]))
  array([3.], dtype=float32)
  """
  if _State.session is None:
    _State.session = Session()
  return _State.session


def set_session(session):
  """Sets the session returned by `get_session`.

  Args:
    session: a `Session` of this module, or any other session object
      (such as a TF1 session made for the TensorFlow backend): it is
      wrapped, and its settings ignored, since numpy has no devices to
      configure.

  >>> s = Session(); set_session(s); get_session() is s
  True
  """
  if isinstance(session, Session):
    _State.session = session
    return
  _State.session = Session(config=getattr(session, '_config', None),
                           wrapped=session)


def eval(x):  # pylint: disable=redefined-builtin
  """Evaluates a tensor or variable now and returns its numpy value.

  Symbols are computed (they must need no feed); sparse values are
  densified. Running an update op applies it and returns the variable's
  new value, as TF1's `K.eval(K.update(...))` did.

  Raises:
    ValueError: if `x` depends on a placeholder, naming it.

  >>> eval(variable([1.0, 2.0]))
  array([1., 2.], dtype=float32)
  >>> x = placeholder(shape=(2,))
  >>> eval(x * 2.0)
  Traceback (most recent call last):
  ...
  ValueError: K.eval: the requested outputs depend on placeholder(s) ...
  """
  if isinstance(x, UpdateOp):
    _run(x, None, 'K.eval')
    return x.variable.numpy()
  if isinstance(x, Symbol) and x.sparse:
    x = tensors.to_dense(x)
  return _run(x, None, 'K.eval')


def get_value(x):
  """Returns the value of a variable (or tensor) as a numpy array.

  >>> get_value(variable([2.0]))
  array([2.], dtype=float32)
  """
  return eval(x)


def batch_get_value(ops):
  """Returns the values of many variables or tensors, in one computation.

  >>> batch_get_value([variable([1.0]), variable([[2.0]])])
  [array([1.], dtype=float32), array([[2.]], dtype=float32)]
  """
  if not ops:
    return []
  return _run(list(ops), None, 'K.batch_get_value')
