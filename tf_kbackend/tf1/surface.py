"""The TF1 surface: every name of `tf.compat.v1`, and what `tf.<name>` becomes.

`plan()` walks the whole public `tf.compat.v1` API (top level and
submodules) and decides, for each TF1 name, what the real `tensorflow`
module should hold under the TF1 names:

- a tf_kbackend implementation, for what means graphs or sessions (tables
  `NAMES` of the modules `sessions`, `variables`, `optimizers`,
  `summaries`, `modes`);
- a stand-in that raises, naming the replacement (`unavailable`);
- TensorFlow's own `tf.compat.v1` object otherwise: functions made
  two-world (`graph_op`: they build in the Keras graph on its tensors, run
  eagerly on concrete values, and values computed from variables remember
  how), classes, constants and protos as they are.

Names that TF2 also has are *routed*: TF2 code (TensorFlow itself, Keras 3,
tf_keras, TensorBoard, tf_kbackend) calling `tf.<name>` gets TF2's object
unchanged; TF1 code (any other caller: scripts, legacy Keras) gets the TF1
meaning: the TF1 signature where it changed (`keep_dims`, `dim`,
`tf.nn.dropout(x, keep_prob)`...) and the two-world behaviour. Which code
called is read from the caller's module name, one frame lookup per call.
"""

import collections
import functools
import gc
import inspect
import sys
import types

import tensorflow as tf

from tf_kbackend.tf1 import _world
from tf_kbackend.tf1 import unavailable
from tf_kbackend.tf_backend import graph as graph_lib

# Module name prefixes of TF2 code: callers that get TF2's objects.
TF2_CALLERS = ('tensorflow', 'keras.src', 'tf_keras', 'tensorboard',
               'tf_kbackend')

_V1_API = 'tensorflow._api.v2.compat.v1'

Entry = collections.namedtuple('Entry', 'name value status note doc')
Entry.__doc__ = """What one TF1 name becomes.

`value` is installed at `name` (None: nothing to install, TF2's object
stays); `status` is 'works', 'deviation' or 'raises' (see the catalog,
`tf_kbackend/data/tf1_names.json`); `note` a one-line note; `doc` a
docs/tf1_api.md link for deviations.
"""


def is_tf2_caller(depth=2):
  """True if the code `depth` frames up is TF2 code (see TF2_CALLERS)."""
  module = sys._getframe(depth).f_globals.get('__name__', '')  # pylint: disable=protected-access
  return module.startswith(TF2_CALLERS)


def routed(tf2, tf1):
  """One function: `tf2` for TF2 code, `tf1` for TF1 code.

  >>> f = routed(lambda: 'tf2', lambda: 'tf1')
  >>> f()  # called from this module, which is tf_kbackend's: TF2 code
  'tf2'
  """

  @functools.wraps(tf2, updated=())
  def tf1_name(*args, **kwargs):
    module = sys._getframe(1).f_globals.get('__name__', '')  # pylint: disable=protected-access
    if module.startswith(TF2_CALLERS):
      return tf2(*args, **kwargs)
    return tf1(*args, **kwargs)

  tf1_name.__tf1__ = tf1
  tf1_name.__tf2__ = tf2
  return tf1_name


class TF1Module(types.ModuleType):
  """A TF1-only module of the TF1 names (`tf.logging`, `tf.gfile`...).

  With a `fallback`, names it lacks come from it: `tf.losses` holds TF1's
  losses and falls back to the TF2 `tf.losses` (Keras 3's) for the rest.
  """

  def __init__(self, name, fallback=None, doc=None):
    super().__init__(name.replace('tf.', 'tensorflow.', 1))
    self._tf1_fallback = fallback
    self.__doc__ = doc or f'TF1\'s {name} (tf_kbackend\'s TF1 names).'

  def __getattr__(self, attribute):
    fallback = self.__dict__.get('_tf1_fallback')
    if fallback is None or attribute.startswith('__'):
      raise AttributeError(
          f'module {self.__name__!r} has no attribute {attribute!r}')
    return getattr(fallback, attribute)

  def __dir__(self):
    names = set(self.__dict__)
    fallback = self.__dict__.get('_tf1_fallback')
    if fallback is not None:
      names.update(dir(fallback))
    return sorted(names)


# Modules whose functions are ops: under the TF1 names, TF1 code gets them
# two-world (raw TF on variables re-derived like K ops).
OP_MODULES = frozenset((
    'tf', 'tf.math', 'tf.math.special', 'tf.nn', 'tf.linalg', 'tf.image',
    'tf.random', 'tf.signal', 'tf.sparse', 'tf.bitwise', 'tf.strings',
    'tf.dtypes', 'tf.debugging', 'tf.sets', 'tf.spectral', 'tf.manip',
    'tf.losses', 'tf.metrics', 'tf.distributions'))
# Functions of those modules that are not ops (decorators, modes, scopes).
NOT_OPS = frozenset((
    'tf.function', 'tf.custom_gradient', 'tf.recompute_grad', 'tf.init_scope',
    'tf.executing_eagerly', 'tf.executing_eagerly_outside_functions',
    'tf.inside_function', 'tf.get_logger', 'tf.device', 'tf.is_tensor',
    'tf.make_tensor_proto', 'tf.make_ndarray', 'tf.get_static_value',
    'tf.register_tensor_conversion_function', 'tf.no_gradient',
    'tf.load_op_library', 'tf.load_library', 'tf.load_file_system_library',
    'tf.import_graph_def', 'tf.variable_creator_scope', 'tf.is_symbolic_tensor',
    'tf.control_flow_v2_enabled', 'tf.resource_variables_enabled',
    'tf.dimension_value', 'tf.dimension_at_index', 'tf.get_default_session',
    'tf.debugging.set_log_device_placement',
    'tf.debugging.enable_check_numerics', 'tf.debugging.disable_check_numerics',
    'tf.debugging.enable_traceback_filtering',
    'tf.debugging.disable_traceback_filtering',
    'tf.debugging.is_traceback_filtering_enabled',
    'tf.debugging.get_log_device_placement',
    'tf.dtypes.as_dtype', 'tf.as_dtype', 'tf.dtypes.saturate_cast',
))
# Functions drawing random values: two-world as stateful ops (each
# evaluation of a value drawn eagerly draws anew, as TF1's random tensors).
RANDOM = frozenset((
    'tf.random_normal', 'tf.random_uniform', 'tf.truncated_normal',
    'tf.random_shuffle', 'tf.random_crop', 'tf.random_gamma',
    'tf.random_poisson', 'tf.multinomial', 'tf.nn.dropout',
    'tf.nn.fractional_max_pool', 'tf.nn.fractional_avg_pool',
    'tf.image.sample_distorted_bounding_box'))


def _is_random(name):
  if name in RANDOM:
    return True
  module, _, leaf = name.rpartition('.')
  if module == 'tf.random':
    return not leaf.startswith(('stateless', 'set_', 'get_', 'Generator',
                                'experimental', 'create_rng_state',
                                'all_candidate_sampler'))
  if module == 'tf.image':
    return leaf.startswith('random_')
  return module == 'tf.nn' and leaf.endswith('candidate_sampler')


def _is_function(value):
  return (inspect.isfunction(value) or inspect.isbuiltin(value)) and (
      not isinstance(value, type))


def _is_op(name, value):
  module = name.rpartition('.')[0]
  return (module in OP_MODULES and name not in NOT_OPS and
          _is_function(value))


def _module_name(module):
  try:
    return module.__dict__.get('__name__')
  except AttributeError:
    return None


def _is_lazy(value):
  return isinstance(value, types.ModuleType) and 'Lazy' in type(
      value).__name__


def _get(parent, attribute):
  """`getattr(parent, attribute)`, None if absent or not loadable."""
  if parent is None:
    return None
  try:
    return getattr(parent, attribute, None)
  except Exception:  # pylint: disable=broad-except
    # Lazy Keras 3 modules refuse TF1-only names with other errors.
    return None


def _signature(fn):
  try:
    return inspect.signature(fn)
  except (TypeError, ValueError):
    return None


def _same_signature(v1, v2):
  s1, s2 = _signature(v1), _signature(v2)
  if s1 is None or s2 is None:
    return True
  return list(s1.parameters) == list(s2.parameters)


def walk():
  """Yields `(name, v1_value)` for every public name of `tf.compat.v1`.

  Names as a TF1 script writes them (`tf.train.AdamOptimizer`), modules
  before their members. Lazily loaded Keras modules are not entered.

  >>> names = dict(walk())
  >>> 'tf.Session' in names and 'tf.train.AdamOptimizer' in names
  True
  """
  seen = set()

  def visit(module, prefix):
    for attribute in sorted(dir(module)):
      if attribute.startswith('_'):
        continue
      name = f'{prefix}.{attribute}'
      value = _get(module, attribute)
      if value is None and not hasattr(module, attribute):
        continue
      yield name, value
      if not isinstance(value, types.ModuleType) or _is_lazy(value):
        continue
      module_name = _module_name(value) or ''
      if (not module_name.startswith(_V1_API + '.') or
          module_name.startswith(_V1_API + '.compat') or id(value) in seen):
        continue
      seen.add(id(value))
      yield from visit(value, name)

  yield from visit(tf.compat.v1, 'tf')


def _implementations():
  """tf_kbackend's implementations of TF1 names, and their deviations."""
  from tf_kbackend.tf1 import checkpoints  # pylint: disable=g-import-not-at-top
  from tf_kbackend.tf1 import modes  # pylint: disable=g-import-not-at-top
  from tf_kbackend.tf1 import optimizers  # pylint: disable=g-import-not-at-top
  from tf_kbackend.tf1 import sessions  # pylint: disable=g-import-not-at-top
  from tf_kbackend.tf1 import summaries  # pylint: disable=g-import-not-at-top
  from tf_kbackend.tf1 import variables  # pylint: disable=g-import-not-at-top
  names, deviations, graph_functions = {}, {}, set()
  for module in (sessions, variables, optimizers, summaries, checkpoints,
                 modes):
    names.update(module.NAMES)
    deviations.update(getattr(module, 'DEVIATIONS', {}))
    graph_functions.update(getattr(module, 'GRAPH_FUNCTIONS', ()))
  return names, deviations, graph_functions


# TF1 objects that keep TensorFlow 2's eager behaviour on concrete values.
_QUEUE_NOTE = ('On concrete values, queue and accumulator methods run at '
               'once (eagerly), not as ops for sess.run.')
EAGER_FAMILIES = {
    'tf.FIFOQueue': ('queues', _QUEUE_NOTE),
    'tf.PaddingFIFOQueue': ('queues', _QUEUE_NOTE),
    'tf.PriorityQueue': ('queues', _QUEUE_NOTE),
    'tf.RandomShuffleQueue': ('queues', _QUEUE_NOTE),
    'tf.QueueBase': ('queues', _QUEUE_NOTE),
    'tf.ConditionalAccumulator': ('queues', _QUEUE_NOTE),
    'tf.SparseConditionalAccumulator': ('queues', _QUEUE_NOTE),
    'tf.io.PaddingFIFOQueue': ('queues', _QUEUE_NOTE),
    'tf.io.PriorityQueue': ('queues', _QUEUE_NOTE),
    'tf.io.QueueBase': ('queues', _QUEUE_NOTE),
    'tf.io.RandomShuffleQueue': ('queues', _QUEUE_NOTE),
    'tf.sparse.SparseConditionalAccumulator': ('queues', _QUEUE_NOTE),
    'tf.data.make_one_shot_iterator': (
        'datasets', 'Iterates eagerly: get_next() is the next element now '
        '(sess.run of it returns that value).'),
    'tf.data.get_output_': ('datasets', 'Of TensorFlow 2 datasets.'),
}

# Changed TF1 classes that stay TF2's, with what differs.
_TF2_CLASSES_NOTE = ('TensorFlow 2\'s class of this name (TF1\'s is '
                     'tf.compat.v1.{leaf}).')
DOC = 'docs/tf1_api.md#{}'


class _Planner:
  """Builds the entries of `plan()`."""

  def __init__(self):
    self.names, self.deviations, self.graph_functions = _implementations()
    self.wrappers = {}  # id(original) -> two-world wrapper (shared).
    self.entries = []

  def two_world(self, name, fn):
    key = (id(fn), _is_random(name))
    wrapper = self.wrappers.get(key)
    if wrapper is None:
      wrapper = graph_lib.graph_op(fn, stateful=key[1])
      self.wrappers[key] = (wrapper, fn)
      return wrapper
    return wrapper[0]

  def status(self, name, default_note=''):
    deviation = self.deviations.get(name)
    if deviation is not None:
      anchor, note = deviation
      return 'deviation', note, DOC.format(anchor)
    return 'works', default_note, ''

  def add(self, name, value, status='works', note='', doc=''):
    self.entries.append(Entry(name, value, status, note, doc))

  def add_unavailable(self, name, v1_value, note):
    if isinstance(v1_value, types.ModuleType):
      value = unavailable.UnavailableModule(name, note)
    else:
      value = unavailable.unavailable(name, note,
                                      is_class=isinstance(v1_value, type))
    self.add(name, value, 'raises', note)

  def plan_name(self, name, v1, v2, v2_parent):
    if name == 'tf.layers':
      # TF1's tf.layers needs tf_keras: the functional layers scripts use
      # most are provided (add_extras), the rest raises.
      self.add(name, unavailable.UnavailableModule(name, note_for_layers()),
               'deviation', 'The functional dense, conv2d, max_pooling2d, '
               'average_pooling2d, flatten, dropout and batch_normalization; '
               'the rest raises.', DOC.format('layers'))
      return
    note = unavailable.note_for(name)
    if note is not None:
      if v2 is None:
        self.add_unavailable(name, v1, note)
      elif _is_function(v2) and _is_function(v1):
        stand_in = unavailable.unavailable(name, note)
        self.add(name, routed(v2, stand_in), 'raises', note)
      return
    implementation = self.names.get(name)
    if implementation is not None:
      value = implementation
      if v2 is not None and callable(v2):
        value = routed(v2, implementation)
      self.add(name, value, *self.status(name))
      return
    if name in self.graph_functions or (
        name.startswith('tf.metrics.') and _is_function(v1)):
      value = _world.graph_function(v1)
      if v2 is not None:
        value = routed(v2, value)
      self.add(name, value, *self.status(name))
      return
    if isinstance(v1, types.ModuleType):
      self.plan_module(name, v1, v2)
      return
    if v2 is None:
      value = self.two_world(name, v1) if _is_function(v1) and (
          name not in NOT_OPS) else v1
      self.add(name, value, *self.status_of_reused(name, v1))
      return
    if isinstance(v2_parent, TF1Module):
      # A module of TF1's that falls back to TF2's (tf.losses, tf.metrics,
      # tf.initializers): TF1's objects, routed where TF2 has a function.
      value = self.two_world(name, v1) if _is_function(v1) else v1
      if v2 is not None and _is_function(v1):
        value = routed(v2, value)
      self.add(name, value, *self.status(name))
      return
    if v2 is v1 or _is_function(v2) and _same_signature(v1, v2):
      if _is_op(name, v2):
        self.add(name, routed(v2, self.two_world(name, v2)), None)
      return
    if _is_function(v1) and _is_function(v2):
      self.add(name, routed(v2, self.two_world(name, v1)),
               *self.status(name, 'TF1 signature for TF1 code.'))
      return
    if isinstance(v1, type) and isinstance(v2, type) and (
        name.endswith('initializer') or name.startswith('tf.initializers.')):
      # TF1's initializers (called with partition_info): routed classes.
      self.add(name, routed(v2, v1), 'works', 'TF1 class for TF1 code.')
      return
    status, note, doc = self.status(name)
    if status == 'works':
      status, note, doc = 'deviation', _TF2_CLASSES_NOTE.format(
          leaf=name[3:]), DOC.format('tensorflow-2-classes')
    self.add(name, None, status, note, doc)

  def status_of_reused(self, name, value):
    """The status of a TF1 object installed as TensorFlow has it."""
    for prefix, (anchor, note) in EAGER_FAMILIES.items():
      if name.startswith(prefix):
        return 'deviation', note, DOC.format(anchor)
    return self.status(name)

  def plan_module(self, name, v1, v2):
    module_name = _module_name(v1) or ''
    if not module_name.startswith(_V1_API + '.') or _is_lazy(v1):
      # An outside module (absl flags, unittest.mock): as it is.
      if v2 is None:
        self.add(name, v1)
      return
    if v2 is None or _is_lazy(v2):
      self.add(name, TF1Module(name, fallback=v2))

  def build(self):
    by_name = {}
    for name, v1 in walk():
      parent_name, _, attribute = name.rpartition('.')
      parent = by_name.get(parent_name) if parent_name != 'tf' else tf
      if parent_name != 'tf' and parent is None:
        parent = _resolve(parent_name)
      if not isinstance(parent, TF1Module):
        v2 = _get(parent, attribute)
      else:
        # Never load the lazy Keras module a TF1 module falls back to.
        v2 = parent.__dict__.get(attribute)
        fallback = parent.__dict__.get('_tf1_fallback')
        if v2 is None and fallback is not None:
          v2 = _lazy_attribute(fallback, attribute)
      before = len(self.entries)
      self.plan_name(name, v1, v2, parent)
      new = self.entries[before:]
      if new and isinstance(new[-1].value, types.ModuleType):
        by_name[name] = new[-1].value
      elif isinstance(v2, types.ModuleType) and not _is_lazy(v2):
        by_name[name] = v2
    self.add_extras()
    return self.entries

  def add_extras(self):
    """TF1 names outside `tf.compat.v1`, or in its lazily loaded modules:
    `tf.contrib`, the functional `tf.layers`."""
    from tf_kbackend.tf1 import layers  # pylint: disable=g-import-not-at-top
    for name, value in layers.NAMES.items():
      self.add(name, value, 'works', '')
    self.add('tf.contrib', None, 'raises', unavailable.CONTRIB_NOTE)
    self.add('tf.contrib.tensorboard.plugins.projector', None, 'works',
             'TensorBoard\'s projector config (needs the tensorboard '
             'package).')


def note_for_layers():
  return unavailable.NAMES['tf.layers']


def _lazy_attribute(module, attribute):
  """A function calling `module.<attribute>`, looked up at call time."""

  def lazy(*args, **kwargs):
    return getattr(module, attribute)(*args, **kwargs)

  lazy.__name__ = lazy.__qualname__ = attribute
  lazy.__module__ = 'tensorflow'
  return lazy


def _resolve(name):
  value = tf
  for attribute in name.split('.')[1:]:
    value = _get(value, attribute)
    if value is None:
      return None
  return value


_PLAN = None


def plan():
  """The entries for every TF1 name (computed once).

  Returns:
    A list of `Entry`, parents before their members.
  """
  global _PLAN
  if _PLAN is None:
    # Thousands of small wrappers: without this, garbage collections of
    # TensorFlow's large heap take most of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
      _PLAN = _Planner().build()
    finally:
      if collecting:
        gc.enable()
  return _PLAN
