"""Variables of a `tf.distribute` strategy, made by `K.variable`.

Under a strategy (its `scope()`, or the process-wide `set_strategy`),
`K.variable` (and everything built on it: `K.zeros`, layer weights,
optimizer slots) asks the strategy to create the variable, as
`tf.Variable` would: the strategy makes a distributed variable
(`MirroredVariable`: one component per replica, initialized alike; across
workers, from worker 0's value) and its components are `K.variable`
instances, so TF1 read semantics hold on each.

Reading a distributed variable eagerly (converting it in `symbolic + w`,
operators such as `0.9 * w`) reads one component, as TensorFlow does, but
through the component itself, so the read is recorded like a `K.variable`
read and becomes a graph read in the Keras graph (TensorFlow's read adds an
identity that would make it a snapshot); see
`_tf_private.give_variable_semantics`.

The registry maps each component's resource handle to its distributed
variable: that is how the replicated compiler recognizes, among the
captures of the Keras graph, the variables each replica must use its own
component of.
"""

import functools
import inspect
import threading
import weakref

import tensorflow as tf

from tf_kbackend import _tf_private


class _State:
  strategy = None  # The process-wide strategy of set_strategy, or None.
  lock = threading.Lock()
  # id(component handle) -> (weakref to the handle, weakref to the
  # distributed variable).
  owners = {}


def set_strategy(strategy):
  """Makes `strategy` the process-wide default for new variables.

  Variables created afterwards by `K.variable` (layer weights, optimizer
  slots...) outside any `strategy.scope()` are created by `strategy`, so
  unchanged legacy code (`model.fit`) trains data-parallel. `None` turns
  it off. A `with other.scope():` block still wins.

  Args:
    strategy: a `tf.distribute.Strategy`, or None.

  Raises:
    TypeError: if `strategy` is neither.

  >>> set_strategy(None); get_strategy() is None
  True
  """
  if strategy is not None and not isinstance(strategy, tf.distribute.Strategy):
    raise TypeError(
        f'set_strategy expects a tf.distribute.Strategy (such as '
        f'tf.distribute.MirroredStrategy()) or None. Received: {strategy!r}.')
  _State.strategy = strategy


def get_strategy():
  """The strategy `K.variable` creates variables with now, or None.

  The strategy whose `scope()` is open, else the one of `set_strategy`.

  >>> get_strategy() is None
  True
  """
  if tf.distribute.has_strategy():
    if not tf.distribute.in_cross_replica_context():
      return None  # Inside strategy.run: TensorFlow's own rules apply.
    return tf.distribute.get_strategy()
  return _State.strategy


@functools.lru_cache(maxsize=None)
def _accepted_arguments(variable_class):
  parameters = inspect.signature(variable_class.__init__).parameters
  return frozenset(name for name in parameters if name != 'self')


def distributed_variable(variable_class, **kwargs):
  """Creates a variable of the strategy in effect, or returns None.

  The hook `K.variable` calls (`tf_backend.variables.distributed_variable`).

  Args:
    variable_class: the class of `K.variable`'s variables; the components
      are instances of it.
    **kwargs: `initial_value`, `dtype`, `name`, `constraint`.

  Returns:
    A distributed `tf.Variable`, or None when no strategy is in effect.
  """
  strategy = get_strategy()
  if strategy is None:
    return None
  accepted = _accepted_arguments(variable_class)

  def make_component(next_creator, **arguments):
    del next_creator  # Ours is the last creator: it makes the component.
    return variable_class(
        **{key: value for key, value in arguments.items() if key in accepted})

  with strategy.scope():
    with _tf_private.innermost_variable_creator_scope(make_component):
      variable = tf.Variable(**kwargs)
  register(variable)
  return _tf_private.give_variable_semantics(variable, _eager_component)


def _eager_component(variable):
  """The component an eager read in cross-replica context uses (the one on
  the current device, else the first: TensorFlow's choice), or None when
  TensorFlow's own reading applies (graph building, replica context)."""
  if not tf.executing_eagerly():
    return None
  context = tf.distribute.get_replica_context()
  if context is not None and context.strategy is variable.distribute_strategy:
    return None
  components = variable.distribute_strategy.experimental_local_results(variable)
  device = _tf_private.current_device_name()
  if device:
    for component in components:
      if component.device == device:
        return component
  return components[0]


def _forget(key):
  return lambda _: _State.owners.pop(key, None)


def register(variable):
  """Records the components of a distributed variable (see `owner`)."""
  strategy = variable.distribute_strategy
  with _State.lock:
    for component in strategy.experimental_local_results(variable):
      handle = component.handle
      key = id(handle)
      _State.owners[key] = (weakref.ref(handle, _forget(key)),
                            weakref.ref(variable))


def owner(handle):
  """The distributed variable a component's resource handle belongs to.

  Args:
    handle: an eager tensor, such as a capture of the Keras graph.

  Returns:
    The distributed variable, or None.
  """
  entry = _State.owners.get(id(handle))
  if entry is None or entry[0]() is not handle:
    return None
  return entry[1]()


def is_distributed(value):
  """True for a variable (or other value) of a `tf.distribute` strategy."""
  return isinstance(value, tf.distribute.DistributedValues)
