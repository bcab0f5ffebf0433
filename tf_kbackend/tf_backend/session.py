"""Sessions, and evaluating values now: `eval`, `get_value`, `batch_get_value`.

TF2 has no sessions. `get_session()` returns a `Session` whose `run`
behaves like TF1's on the Keras graph: fetches (tensors, variables, update
ops, nested in lists, tuples and dicts) are compiled, with the feeds, into
one function (cached, so running the same fetches again is cheap).
`set_session` takes a TF1 `tf.compat.v1.Session` and applies what TF2 can
honour of its `ConfigProto`.
"""

import collections
import threading

import numpy as np
import tensorflow as tf

from tf_kbackend import api_contract
from tf_kbackend import user_warnings
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import keras_function

_CACHE_SIZE = 256


class _State:
  session = None
  # (graph generation, fetch refs, feed refs) -> Function.
  compiled = collections.OrderedDict()


# Guards `_State` (the cache is shared by threads); held only briefly, never
# while compiling.
_LOCK = threading.Lock()


@graph_lib.on_clear_session
def _reset():
  with _LOCK:
    _State.session = None
    _State.compiled.clear()


def _ref(value):
  """A hashable, identity-based key that keeps `value` alive."""
  if isinstance(value, (tf.Tensor, tf.Variable)):
    return value.ref()
  return value if _is_hashable(value) else id(value)


def _is_hashable(value):
  try:
    hash(value)
  except TypeError:
    return False
  return True


def _resolve_name(fetch):
  """TF1 let fetches and feeds be named: 'x:0' (a tensor) or 'op' (an op).

  Raises:
    ValueError: for a name of no tensor or op of the Keras graph (TF1's
      error for fetches).
  """
  if isinstance(fetch, str):
    try:
      return graph_lib.get_graph().as_graph_element(fetch)
    except (KeyError, ValueError) as e:
      raise ValueError(
          f'Fetch argument {fetch!r} cannot be interpreted as a tensor or '
          f'op of the Keras graph: {e.args[0] if e.args else e}') from None
  return fetch


def _resolve_feed_key(key):
  """A feed_dict key as the fed tensor; TypeError as in TF1 otherwise.

  Legacy code catches TF1's TypeError ("Cannot interpret feed_dict key as
  Tensor") for unknown names and for keys that are not tensors.
  """
  if isinstance(key, str):
    try:
      key = graph_lib.get_graph().as_graph_element(key)
    except (KeyError, ValueError) as e:
      raise TypeError(
          f'Cannot interpret feed_dict key as Tensor: '
          f'{e.args[0] if e.args else e}') from None
  if not graph_lib.is_symbolic(key) or isinstance(key, tf.Operation):
    raise TypeError(
        f'Cannot interpret feed_dict key as Tensor: {key!r} is not a '
        f'symbolic tensor of the Keras graph (a placeholder, or another '
        f'tensor to feed).')
  return key


def _as_tf1_fetch(fetch):
  """A fetch as TF1 evaluated it: a value derived from variables or drawn
  at random is computed again, from the variables' current values or with a
  new draw (see provenance.py); other values are what they are."""
  return graph_lib.rederive(_resolve_name(fetch))


def _concrete_value(value):
  """The numpy value of a concrete (non-symbolic) fetch."""
  if value is None:
    return None
  if isinstance(value, tf.Variable):
    with tf.init_scope():
      return value.numpy()
  if isinstance(value, tf.SparseTensor):
    with tf.init_scope():
      return tf.sparse.to_dense(value).numpy()
  if isinstance(value, tf.Tensor):
    return value.numpy()
  return np.asarray(value)


def _compiled(fetch_leaves, feed_keys, what):
  """A cached `Function` computing the symbolic `fetch_leaves`."""
  generation = graph_lib.generation()
  key = (generation, tuple(_ref(f) for f in fetch_leaves),
         tuple(_ref(f) for f in feed_keys))
  with _LOCK:
    function = _State.compiled.get(key)
    if function is not None:
      _State.compiled.move_to_end(key)
      return function
  outputs = [f for f in fetch_leaves if not isinstance(f, tf.Operation)]
  ops = [f for f in fetch_leaves if isinstance(f, tf.Operation)]
  function = keras_function.Function(
      list(feed_keys), outputs, updates=ops,
      name=what.replace('.', '_').lower(), _description=what)
  with _LOCK:
    # Two threads may have compiled the same fetches: keep one. Nothing is
    # cached for a graph that clear_session() reset meanwhile.
    if graph_lib.generation() == generation:
      function = _State.compiled.setdefault(key, function)
      if len(_State.compiled) > _CACHE_SIZE:
        _State.compiled.popitem(last=False)
  return function


def _run(fetches, feed_dict, what):
  """Evaluates a (nested) structure of fetches; ops evaluate to None.

  When anything symbolic is fetched, variables are read in the same
  compiled call, before any fetched update op applies (as in `K.function`).
  """
  feed_dict = {_resolve_feed_key(k): v for k, v in (feed_dict or {}).items()}
  leaves = [_as_tf1_fetch(leaf) for leaf in api_contract.flatten_structure(fetches)]
  compiled = []
  if any(graph_lib.is_symbolic(leaf) for leaf in leaves):
    compiled = [leaf for leaf in leaves if graph_lib.is_symbolic(leaf) or
                isinstance(leaf, tf.Variable)]
  values = {}
  if compiled:
    unique = list({_ref(leaf): leaf for leaf in compiled}.values())
    feed_keys = list(feed_dict)
    function = _compiled(unique, feed_keys, what)
    results = iter(function([feed_dict[k] for k in feed_keys]))
    for leaf in unique:
      values[_ref(leaf)] = None if isinstance(leaf, tf.Operation) else next(
          results)
  resolved = iter([
      values[_ref(leaf)] if _ref(leaf) in values else _concrete_value(leaf)
      for leaf in leaves
  ])
  return api_contract.pack_as_structure(fetches, resolved)


class Session:
  """What `K.get_session()` returns: TF1's `Session` API on the Keras graph.

  >>> x = placeholder(shape=(2,))
  >>> get_session().run(x * 2.0, feed_dict={x: [1.0, 2.0]})
  array([2., 4.], dtype=float32)
  """

  def __init__(self, config=None, wrapped=None):
    self._config = config
    self.wrapped_session = wrapped

  @property
  def graph(self):
    """The Keras graph (entering `graph.as_default()` builds symbolically)."""
    return graph_lib.get_graph()

  def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
    """Computes `fetches` (tensors, variables, ops, nested) given `feed_dict`.

    Args:
      fetches: a tensor, variable, update op or tensor name, or a list,
        tuple, namedtuple or dict nesting them. `None` (what TF2 returns for
        `tf.compat.v1.global_variables_initializer()`) evaluates to None.
      feed_dict: `{placeholder: value}`.
      options: ignored (TF2 has no run options).
      run_metadata: ignored.

    Returns:
      The same structure with numpy values; ops give None.
    """
    del options, run_metadata
    return _run(fetches, feed_dict, 'Session.run')

  def make_callable(self, fetches, feed_list=None):
    """Returns `f(*feed_values)` computing `fetches`, as TF1's `make_callable`."""
    feed_list = list(feed_list or [])

    def run_callable(*values):
      return self.run(fetches, dict(zip(feed_list, values)))

    return run_callable

  def list_devices(self):
    """The logical devices, with `name` and `device_type` as TF1 listed them."""
    return tf.config.list_logical_devices()

  def close(self):
    """Accepted, as TF1's; the Keras graph and variables live on."""

  def as_default(self):
    """Context manager entering the Keras graph, as TF1's `as_default`."""
    return graph_lib.symbolic_scope()

  def __enter__(self):
    return self

  def __exit__(self, *exc_info):
    self.close()

  @property
  def sess_str(self):
    return ''


def get_session():
  """Returns the session: TF1's `run(fetches, feed_dict)` on the Keras graph.

  >>> sess = get_session()
  >>> sess.run(variable([3.0]))
  array([3.], dtype=float32)
  """
  with _LOCK:
    if _State.session is None:
      _State.session = Session()
    return _State.session


def current_session():
  """The session `get_session()` would return, or None if none exists yet."""
  return _State.session


def drop_session():
  """Forgets the session: the next `get_session()` creates a new one."""
  _State.session = None


def _warn_not_applied(what, error):
  user_warnings.warn(
      f'K.set_session: could not apply {what} ({error}). TensorFlow 2 '
      f'accepts this setting only before it initializes its devices: call '
      f'K.set_session before running any TensorFlow op.')


def _apply_config(config):
  """Applies the parts of a TF1 `ConfigProto` that TF2 can honour."""
  gpus = tf.config.list_physical_devices('GPU')
  settings = []
  if config.gpu_options.allow_growth:
    settings.extend(('GPU memory growth', tf.config.experimental.set_memory_growth,
                     (gpu, True)) for gpu in gpus)
  if config.gpu_options.visible_device_list:
    visible = [gpus[int(i)] for i in
               config.gpu_options.visible_device_list.split(',')
               if int(i) < len(gpus)]
    settings.append(('visible_device_list', tf.config.set_visible_devices,
                     (visible, 'GPU')))
  if config.device_count.get('GPU', None) == 0:
    settings.append(("device_count={'GPU': 0}",
                     tf.config.set_visible_devices, ([], 'GPU')))
  if config.intra_op_parallelism_threads:
    settings.append((
        'intra_op_parallelism_threads',
        tf.config.threading.set_intra_op_parallelism_threads,
        (config.intra_op_parallelism_threads,)))
  if config.inter_op_parallelism_threads:
    settings.append((
        'inter_op_parallelism_threads',
        tf.config.threading.set_inter_op_parallelism_threads,
        (config.inter_op_parallelism_threads,)))
  if config.allow_soft_placement:
    settings.append(('allow_soft_placement',
                     tf.config.set_soft_device_placement, (True,)))
  if config.log_device_placement:
    settings.append(('log_device_placement',
                     tf.debugging.set_log_device_placement, (True,)))
  for what, setter, args in settings:
    try:
      setter(*args)
    except (RuntimeError, ValueError) as e:
      _warn_not_applied(what, e)
  if config.gpu_options.per_process_gpu_memory_fraction:
    user_warnings.warn(
        'K.set_session: gpu_options.per_process_gpu_memory_fraction has no '
        'TensorFlow 2 equivalent and was not applied; use allow_growth, or '
        'tf.config.set_logical_device_configuration with a memory_limit.')


def set_session(session):
  """Sets the session: applies what TF2 honours of a TF1 session's config.

  Args:
    session: a `tf.compat.v1.Session` (the classic `ConfigProto` with
      `gpu_options.allow_growth = True`), or a `Session` of this module.
      Honoured: `gpu_options.allow_growth`, `gpu_options.visible_device_list`,
      `device_count={'GPU': 0}`, intra/inter-op thread counts,
      `allow_soft_placement`, `log_device_placement`. Settings TF2 accepts
      only before devices are initialized warn if that is too late.

  >>> config = tf.compat.v1.ConfigProto()
  >>> config.gpu_options.allow_growth = True
  >>> set_session(tf.compat.v1.Session(config=config))
  >>> get_session().run(constant([1.0]))
  array([1.], dtype=float32)
  """
  if isinstance(session, Session):
    with _LOCK:
      _State.session = session
    return
  config = getattr(session, '_config', None)
  if config is not None:
    _apply_config(config)
  with _LOCK:
    _State.session = Session(config=config, wrapped=session)


def _assign_op_variable_value(op):
  """After running an assign op, the new value of its variable (else None)."""
  if op.type not in ('AssignVariableOp', 'AssignAddVariableOp',
                     'AssignSubVariableOp'):
    return None
  with graph_lib.graph_lock():  # Not while another thread captures.
    captures = {internal.name: external
                for external, internal in op.graph.captures}
  handle = captures.get(op.inputs[0].name)
  if handle is None:
    return None
  with tf.init_scope():
    return tf.raw_ops.ReadVariableOp(
        resource=handle, dtype=op.inputs[1].dtype).numpy()


def eval(x):  # pylint: disable=redefined-builtin
  """Evaluates a tensor or variable now and returns its numpy value.

  Symbolic tensors are computed (they must need no feed); sparse tensors
  are densified. Running an update op applies it and returns the
  variable's new value, as TF1's `K.eval(K.update(...))` did.

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
  if isinstance(x, tf.Operation):
    _run(x, None, 'K.eval')
    return _assign_op_variable_value(x)
  if isinstance(x, tf.SparseTensor) and graph_lib.is_symbolic(x):
    from tf_kbackend.tf_backend import tensors  # pylint: disable=g-import-not-at-top
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
