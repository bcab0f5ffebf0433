"""TF1 variables: creation, collections, scopes and initializers.

In TF1 every variable belonged to the default graph: `tf.global_variables()`
listed it, `tf.train.*Optimizer.minimize` trained the trainable ones and
`tf.global_variables_initializer()` (re)set them all. tf_kbackend variables
are eager, but while the TF1 names are on each one is listed in the Keras
graph's collections as TF1 listed it (`GLOBAL_VARIABLES`,
`TRAINABLE_VARIABLES`, or the `collections` it was created with), and
`clear_session()` / `tf.reset_default_graph()` forget them with the graph.

`tf.Variable(...)` and `tf.get_variable(...)` in TF1 code create tf_kbackend
variables (`K.variable`), through a variable creator: TF1 operator
semantics, names unique in the Keras graph. Variables that TF2 code
(Keras 3, `tf.function`s) creates are left to TensorFlow.

Each variable keeps the recipe of its initial value, so that running an
initializer sets it again as TF1's did: a callable initializer or a random
draw is computed anew; a constant initial value is kept when it has at most
`KEPT_INITIAL_VALUE_SIZE` elements (larger ones, such as weights loaded
from a file, are left as they are: see docs/tf1_api.md).
"""

import sys
import threading

import numpy as np
import tensorflow as tf

from tf_kbackend.tf1 import _world
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import provenance
from tf_kbackend.tf_backend import variables as tf_variables

KEPT_INITIAL_VALUE_SIZE = 1 << 20

GLOBAL = tf.compat.v1.GraphKeys.GLOBAL_VARIABLES
TRAINABLE = tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES
LOCAL = tf.compat.v1.GraphKeys.LOCAL_VARIABLES

_ATTRIBUTE = '_tf_kbackend_initial_value'
_BUILT = '_tf_kbackend_initializer'
_local = threading.local()

# Modules whose variables are TF2's own (tf_kbackend's, Keras 3's,
# tf_keras's): the creator leaves them to TensorFlow.
_TF2_CREATORS = ('tf_kbackend', 'keras.src', 'tf_keras')


class InitialValue:
  """How to compute a variable's initial value again (TF1's initializer)."""

  __slots__ = ('kind', 'payload')

  def __init__(self, kind, payload):
    self.kind = kind  # 'callable', 'derived', 'symbolic' or 'constant'.
    self.payload = payload

  def build(self, graph):
    """The initial value as a tensor built in `graph` (a fresh draw)."""
    if self.kind == 'callable':
      return tf.convert_to_tensor(self.payload())
    if self.kind == 'derived':
      return provenance.rebuild(self.payload, graph)
    return tf.convert_to_tensor(self.payload)


def _recipe(initial_value):
  """The `InitialValue` for what a variable was created from, or None."""
  if initial_value is None or isinstance(initial_value, tf.Variable):
    return None
  if callable(initial_value):
    return InitialValue('callable', initial_value)
  record = provenance.derivation(initial_value)
  if record is not None:
    return InitialValue('derived', record)
  if graph_lib.is_symbolic(initial_value):
    return InitialValue('symbolic', initial_value)
  try:
    size = int(np.prod(np.shape(initial_value)))
  except (TypeError, ValueError):
    return None
  if size > KEPT_INITIAL_VALUE_SIZE:
    return None
  return InitialValue('constant', initial_value)


def _on_variable_created(variable, initial_value):
  """`tf_backend.variables` callback: list the variable as TF1 did."""
  pending = getattr(_local, 'pending', None)
  if pending is not None:
    _local.pending = None
    collections, recipe = pending
  else:
    collections, recipe = (GLOBAL, TRAINABLE), _recipe(initial_value)
  graph = graph_lib.get_graph()
  for key in collections:
    graph.add_to_collection(key, variable)
  if recipe is not None:
    setattr(variable, _ATTRIBUTE, recipe)


def _created_by_tf2_code():
  """True if the code asking for a variable is TF2 code.

  The first caller outside TensorFlow decides: tf_kbackend's TF1 layer
  acts for its own caller; tf_kbackend itself (export...), Keras 3 and
  tf_keras are TF2 code; anything else is TF1 code.
  """
  frame = sys._getframe(2)  # pylint: disable=protected-access
  while frame is not None:
    module = frame.f_globals.get('__name__', '')
    if not module.startswith(('tensorflow', 'tf_kbackend.tf1', 'contextlib',
                              'functools')):
      return module.startswith(_TF2_CREATORS)
    frame = frame.f_back
  return False


def _creator(next_creator, **kwargs):
  """Variable creator: TF1 code's variables are tf_kbackend variables."""
  if _world.in_foreign_graph() or _created_by_tf2_code():
    return next_creator(**kwargs)
  initial = kwargs.get('initial_value')
  dtype = kwargs.get('dtype')
  name = kwargs.get('name')
  prefix = ''
  if graph_lib.in_symbolic_scope():
    prefix = tf.compat.v1.get_default_graph().get_name_scope()
  with tf.init_scope():
    value = initial() if callable(initial) else initial
    if dtype is None:
      dtype = (value.dtype if isinstance(value, (tf.Tensor, tf.Variable))
               else tf.convert_to_tensor(value).dtype)
  collections = list(kwargs.get('collections') or [GLOBAL])
  if kwargs.get('trainable') is not False and TRAINABLE not in collections:
    if LOCAL not in collections:
      collections.append(TRAINABLE)
  full_name = name
  if name and prefix and not name.startswith(prefix + '/'):
    full_name = f'{prefix}/{name}'
  _local.pending = (collections, _recipe(initial))
  try:
    return tf_variables.variable(
        value, dtype=tf.as_dtype(dtype).base_dtype.name, name=full_name,
        constraint=kwargs.get('constraint'))
  finally:
    _local.pending = None


def install():
  """Lists new variables in the Keras graph; TF1 code's are tf_kbackend's."""
  if _on_variable_created not in tf_variables.variable_created_callbacks:
    tf_variables.variable_created_callbacks.append(_on_variable_created)
  _world.set_variable_creator(_creator)
  scope = tf.variable_creator_scope(_creator)
  scope.__enter__()  # pylint: disable=unnecessary-dunder-call
  _local.creator_scope = scope


def uninstall():
  """Undoes `install()`."""
  if _on_variable_created in tf_variables.variable_created_callbacks:
    tf_variables.variable_created_callbacks.remove(_on_variable_created)
  _world.set_variable_creator(None)
  scope = getattr(_local, 'creator_scope', None)
  if scope is not None:
    _local.creator_scope = None
    try:
      scope.__exit__(None, None, None)
    except (AssertionError, RuntimeError, IndexError):
      pass  # Exited on another thread, or scopes nested after ours.


def variables_initializer(var_list, name='init'):
  """An op setting each variable of `var_list` to its initial value again.

  As TF1's: a variable created from an initializer or a random draw gets a
  new draw at each run. Variables whose initial value was not kept (see
  the module docstring) are left as they are.

  Args:
    var_list: the variables.
    name: the op's name.

  Returns:
    An op of the Keras graph, for `sess.run` or `K.function(updates=...)`.

  >>> v = tf_variables.variable([1.0, 2.0])
  >>> setattr(v, _ATTRIBUTE, InitialValue('constant', [0.0, 0.0]))
  >>> _ = v.assign([5.0, 5.0])
  >>> from tf_kbackend.tf_backend import session
  >>> _ = session.get_session().run(variables_initializer([v]))
  >>> v.numpy()
  array([0., 0.], dtype=float32)
  """
  if _world.in_foreign_graph():
    return tf.compat.v1.variables_initializer(var_list, name=name)
  with _world.keras_graph() as graph:
    assigns = []
    for variable in var_list:
      recipe = getattr(variable, _ATTRIBUTE, None)
      if recipe is None:
        continue
      assigns.append(_initializer(variable, recipe, graph))
    return tf.group(*assigns, name=name)


def _initializer(variable, recipe, graph):
  """The variable's initializer op: built once per graph, as TF1's
  `variable.initializer` (a seeded random one draws anew at each run)."""
  built = getattr(variable, _BUILT, None)
  if built is not None and built[0] is graph:
    return built[1]
  value = recipe.build(graph)
  if value.dtype != variable.dtype:
    value = tf.cast(value, variable.dtype)
  op = variable.assign(value, read_value=False)
  setattr(variable, _BUILT, (graph, op))
  return op


def _collection(key, scope=None):
  return graph_lib.get_graph().get_collection(key, scope)


def global_variables(scope=None):
  """The variables of the Keras graph, in creation order (TF1's list).

  >>> v = tf_variables.variable(1.0)
  >>> isinstance(global_variables(), list)
  True
  """
  if _world.in_foreign_graph():
    return tf.compat.v1.global_variables(scope)
  return _collection(GLOBAL, scope)


def trainable_variables(scope=None):
  """The trainable variables of the Keras graph (TF1's list)."""
  if _world.in_foreign_graph():
    return tf.compat.v1.trainable_variables(scope)
  return _collection(TRAINABLE, scope)


def local_variables(scope=None):
  """The local variables of the Keras graph (metrics' counters...)."""
  if _world.in_foreign_graph():
    return tf.compat.v1.local_variables(scope)
  return _collection(LOCAL, scope)


def global_variables_initializer():
  """`variables_initializer(global_variables())`, as TF1's."""
  return variables_initializer(global_variables(), name='init')


def local_variables_initializer():
  """`variables_initializer(local_variables())`, as TF1's."""
  return variables_initializer(local_variables(), name='init')


def initialize_variables(var_list, name='init'):
  """TF1's deprecated alias of `variables_initializer`."""
  return variables_initializer(var_list, name=name)


def tables_initializer(name='init_all_tables'):
  """An op doing nothing: lookup tables are initialized when created."""
  if _world.in_foreign_graph():
    return tf.compat.v1.tables_initializer(name)
  with _world.keras_graph():
    return tf.group(name=name)


def report_uninitialized_variables(var_list=None,
                                   name='report_uninitialized_variables'):
  """An empty string tensor: tf_kbackend variables are initialized at birth."""
  if _world.in_foreign_graph():
    return tf.compat.v1.report_uninitialized_variables(var_list, name)
  del var_list
  with _world.keras_graph():
    return tf.constant([], dtype=tf.string, name=name)


def is_variable_initialized(variable):
  """A true boolean tensor: tf_kbackend variables are initialized at birth."""
  if _world.in_foreign_graph():
    return tf.compat.v1.is_variable_initialized(variable)
  del variable
  with _world.keras_graph():
    return tf.constant(True)


def assert_variables_initialized(var_list=None):
  """An op doing nothing: tf_kbackend variables are initialized at birth."""
  if _world.in_foreign_graph():
    return tf.compat.v1.assert_variables_initialized(var_list)
  with _world.keras_graph():
    return tf.group()


class variable_scope:  # pylint: disable=invalid-name
  """TF1's `tf.variable_scope`, in the Keras graph.

  As in TF1, where a variable scope only ever meant graph building, the
  block builds in the Keras graph (like `K.name_scope`): `tf.get_variable`
  inside creates (or, with `reuse`, finds) tf_kbackend variables named
  `scope/name`. Takes TF1's arguments.
  """

  def __init__(self, *args, **kwargs):
    self._args = args
    self._kwargs = kwargs
    self._exits = []

  def __enter__(self):
    if _world.in_foreign_graph():
      scope = tf.compat.v1.variable_scope(*self._args, **self._kwargs)
      value = scope.__enter__()  # pylint: disable=unnecessary-dunder-call
      self._exits.append(scope.__exit__)
      return value
    world = _world.keras_graph()
    world.__enter__()  # pylint: disable=unnecessary-dunder-call
    try:
      scope = tf.compat.v1.variable_scope(*self._args, **self._kwargs)
      value = scope.__enter__()  # pylint: disable=unnecessary-dunder-call
    except BaseException:
      world.__exit__(*sys.exc_info())
      raise
    self._exits.append(lambda *exc: (scope.__exit__(*exc),
                                     world.__exit__(*exc))[0])
    return value

  def __exit__(self, *exc_info):
    return self._exits.pop()(*exc_info)


NAMES = {
    'tf.global_variables': global_variables,
    'tf.all_variables': global_variables,
    'tf.trainable_variables': trainable_variables,
    'tf.local_variables': local_variables,
    'tf.variables_initializer': variables_initializer,
    'tf.initialize_variables': initialize_variables,
    'tf.global_variables_initializer': global_variables_initializer,
    'tf.initialize_all_variables': global_variables_initializer,
    'tf.local_variables_initializer': local_variables_initializer,
    'tf.initialize_local_variables': local_variables_initializer,
    'tf.tables_initializer': tables_initializer,
    'tf.initialize_all_tables': tables_initializer,
    'tf.initializers.global_variables': global_variables_initializer,
    'tf.initializers.local_variables': local_variables_initializer,
    'tf.initializers.variables': variables_initializer,
    'tf.initializers.tables_initializer': tables_initializer,
    'tf.report_uninitialized_variables': report_uninitialized_variables,
    'tf.is_variable_initialized': is_variable_initialized,
    'tf.assert_variables_initialized': assert_variables_initialized,
    'tf.variable_scope': variable_scope,
}

def _update_op(v1_function):
  """A TF1 update op (`tf.assign`...): built in the Keras graph, it assigns
  when run and evaluates to the variable's new value, as in TF1."""

  def update(ref, *args, **kwargs):
    if _world.in_foreign_graph():
      return v1_function(ref, *args, **kwargs)
    with _world.keras_graph():
      result = v1_function(ref, *args, **kwargs)
      if isinstance(result, tf.Variable):
        # A resource variable's update gives an unread variable: its op is
        # the assignment; the TF1 result is the value read after it.
        with tf.control_dependencies([result.op]):
          return tf.raw_ops.ReadVariableOp(resource=result.handle,
                                           dtype=result.dtype.base_dtype)
      return result

  update.__name__ = v1_function.__name__
  update.__doc__ = v1_function.__doc__
  return update


_UPDATE_OPS = ('assign', 'assign_add', 'assign_sub', 'scatter_update',
               'scatter_add', 'scatter_sub', 'scatter_mul', 'scatter_div',
               'scatter_min', 'scatter_max', 'scatter_nd_update',
               'scatter_nd_add', 'scatter_nd_sub', 'batch_scatter_update')
NAMES.update({f'tf.{name}': _update_op(getattr(tf.compat.v1, name))
              for name in _UPDATE_OPS})

_INITIALIZERS_NOTE = ('Sets initial values again; a constant initial value '
                      'of more than 2**20 elements is not kept (left as '
                      'is); a new initializer op of a seeded draw repeats it.')
_LISTS_NOTE = ('Lists the variables created in the Keras graph while the TF1 '
               'names are on (tf.Variable: on the thread that enabled them).')
DEVIATIONS = {
    name: ('initializers', _INITIALIZERS_NOTE) for name in (
        'tf.global_variables_initializer', 'tf.initialize_all_variables',
        'tf.variables_initializer', 'tf.initialize_variables',
        'tf.local_variables_initializer', 'tf.initialize_local_variables',
        'tf.initializers.global_variables', 'tf.initializers.local_variables',
        'tf.initializers.variables')}
DEVIATIONS.update({
    name: ('variables', _LISTS_NOTE) for name in (
        'tf.global_variables', 'tf.all_variables', 'tf.trainable_variables',
        'tf.local_variables')})
DEVIATIONS['tf.Variable'] = (
    'variables', 'TensorFlow 2\'s class: TF1 code creating one gets a '
    'tf_kbackend variable (TF1 arguments taken); its methods (assign...) '
    'act at once; tf.assign builds the TF1 op.')

# TF1 functions that read or change the default graph's state, or create
# variables: TensorFlow's own, run in the Keras graph.
GRAPH_FUNCTIONS = (
    'tf.get_variable', 'tf.get_local_variable', 'tf.get_variable_scope',
    'tf.model_variables', 'tf.moving_average_variables',
    'tf.get_collection', 'tf.get_collection_ref', 'tf.add_to_collection',
    'tf.add_to_collections', 'tf.make_template',
    'tf.create_partitioned_variables',
    'tf.train.get_global_step', 'tf.train.get_or_create_global_step',
    'tf.train.create_global_step', 'tf.train.assert_global_step',
    'tf.losses.add_loss', 'tf.losses.get_losses',
    'tf.losses.get_regularization_loss', 'tf.losses.get_regularization_losses',
    'tf.losses.get_total_loss',
    'tf.count_up_to',
    # Learning-rate schedules: TF1's are tensors reading the global step
    # (eagerly, TensorFlow 2 returns a function instead).
    'tf.train.exponential_decay', 'tf.train.inverse_time_decay',
    'tf.train.natural_exp_decay', 'tf.train.piecewise_constant',
    'tf.train.piecewise_constant_decay', 'tf.train.polynomial_decay',
    'tf.train.cosine_decay', 'tf.train.cosine_decay_restarts',
    'tf.train.linear_cosine_decay', 'tf.train.noisy_linear_cosine_decay',
)
