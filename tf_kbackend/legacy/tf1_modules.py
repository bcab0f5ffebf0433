"""The TensorFlow modules legacy Keras exposed through `keras.backend`.

Keras 2.2/2.3's own TensorFlow backend imported TensorFlow modules at its
top (`from tensorflow.python.ops import control_flow_ops`, `ctc_ops as
ctc`, ...), and `from .tensorflow_backend import *` made them
`keras.backend.control_flow_ops`, `keras.backend.ctc`... Code of the TF1
era uses them that way: a popular YOLOv3 loss runs
`K.control_flow_ops.while_loop` over a `tf.TensorArray`, custom layers call
`K.moving_averages.assign_moving_average`, CTC code calls
`K.ctc.ctc_loss`.

`module(name)` returns such a module as TF1 code saw it, in tf_kbackend's
two worlds:

- Names that have left the module since TensorFlow 1 resolve to their TF1
  meaning, from the public `tf.compat.v1` (`control_flow_ops.while_loop`,
  `cond`, `case`, `Assert`; `functional_ops.map_fn`); the rest comes from
  today's module of that name (`_tf_private.legacy_backend_module`).
- Its functions build in the Keras graph when an argument is a Keras
  tensor (as `graph_op` ops do), run eagerly on concrete values, and are
  retried in the Keras graph when eager execution refused a Keras tensor
  that reached them only through a closure (the loop condition of a
  `while_loop`, the predicate of a `cond`): in TF1 they only ever built
  graphs.
- What changes a variable (`state_ops.assign`, `assign_add`,
  `assign_sub`, `moving_averages.assign_moving_average`) is always an op
  run later, as `K.update` is: in TF1 building it never changed the
  variable.

Classes (`TensorArray`, `ExponentialMovingAverage`), constants and
submodules are today's, unchanged.
"""

import functools
import types

import tensorflow as tf

from tf_kbackend import _tf_private
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import variables as variables_lib

# The modules' names in Keras's tensorflow_backend (the same as
# `_tf_private.LEGACY_BACKEND_MODULES`).
NAMES = tuple(_tf_private.LEGACY_BACKEND_MODULES)


# Functions served as they are (tf_kbackend's own), not wrapped.
_SERVED_AS_IS = set()


def _final(fn):
  """Marks `fn` as served as it is by `TF1Module`."""
  _SERVED_AS_IS.add(fn)
  return fn


def _state_op(update, name):
  """TF1's `state_ops.<name>(ref, value, ...)`: an op applied when run."""

  def state_op(ref, value, use_locking=None, name=None):
    del use_locking, name  # TF1 options without an effect here.
    return update(ref, value)

  _final(state_op)
  state_op.__name__ = state_op.__qualname__ = name
  state_op.__doc__ = (
      f'TF1 `state_ops.{name}(ref, value)`: an op that changes `ref` when '
      f'run (`K.{update.__name__}`).')
  return state_op


@_final
def _assign_moving_average(variable, value, decay, zero_debias=True,
                           name=None):
  """TF1 `assign_moving_average`: `variable -= (1 - decay) * (variable - value)`.

  An op applied when run. `zero_debias` is accepted; the average is not
  debiased (as `K.moving_average_update`, see docs/deviations.md).
  """
  del zero_debias, name
  return variables_lib.moving_average_update(variable, value, decay)


@_final
def _get_default_graph():
  """TF1 `ops.get_default_graph()` in legacy Keras code: the Keras graph
  (or the graph being built inside it)."""
  if graph_lib.in_symbolic_scope():
    return tf.compat.v1.get_default_graph()
  return graph_lib.get_graph()


# TF1 names whose meaning is not today's module's (or that left it).
_TF1_NAMES = {
    'control_flow_ops': lambda: {
        'while_loop': tf.compat.v1.while_loop,
        'cond': tf.compat.v1.cond,
        'case': tf.compat.v1.case,
        'switch_case': tf.switch_case,
        'Assert': tf.compat.v1.Assert,
    },
    'functional_ops': lambda: {'map_fn': tf.compat.v1.map_fn},
    'moving_averages': lambda: {
        'assign_moving_average': _assign_moving_average,
    },
    'tf_state_ops': lambda: {
        'assign': _state_op(variables_lib.update, 'assign'),
        'assign_add': _state_op(variables_lib.update_add, 'assign_add'),
        'assign_sub': _state_op(variables_lib.update_sub, 'assign_sub'),
    },
    'tf_ops': lambda: {
        'get_default_graph': _get_default_graph,
        'control_dependencies': _final(graph_lib.control_dependencies),
        'name_scope': _final(graph_lib.name_scope),
    },
}


def tf1_function(fn):
  """`fn` as a TF1 function in tf_kbackend's two worlds (see the module doc).

  >>> import tf_kbackend as K
  >>> x = K.placeholder(shape=(None,))
  >>> n = K.shape(x)[0]
  >>> loop = tf1_function(tf.compat.v1.while_loop)
  >>> i, total = loop(lambda i, s: i < n, lambda i, s: (i + 1, s + x[i]),
  ...                 [0, 0.0])
  >>> float(K.function([x], [total])([[1.0, 2.0, 3.0]])[0])
  6.0
  """
  built = graph_lib.graph_op(fn)

  @functools.wraps(fn)
  def tf1_wrapper(*args, **kwargs):
    try:
      return built(*args, **kwargs)
    except tf.errors.OperatorNotAllowedInGraphError:
      # A Keras tensor reached eager code through a closure (a loop
      # condition, a branch predicate): TF1 built a graph here.
      if graph_lib.in_symbolic_scope():
        raise
      with graph_lib.symbolic_scope():
        return fn(*args, **kwargs)

  tf1_wrapper.__wrapped_tf1__ = fn
  return tf1_wrapper


def _wraps_as_function(value):
  return isinstance(value, (types.FunctionType, types.BuiltinFunctionType,
                            functools.partial)) or (
                                callable(value) and
                                not isinstance(value, (type,
                                                       types.ModuleType)) and
                                hasattr(value, '__wrapped__'))


class TF1Module(types.ModuleType):
  """A TensorFlow module as Keras's TensorFlow backend imported it.

  Attributes resolve on first use (see the module doc) and are cached.
  """

  def __init__(self, name):
    if name not in _tf_private.LEGACY_BACKEND_MODULES:
      raise ValueError(
          f'Unknown module of Keras\'s TensorFlow backend: {name!r}. Known: '
          f'{", ".join(NAMES)}.')
    super().__init__(
        f'keras.backend.{name}',
        f'{_tf_private.LEGACY_BACKEND_MODULES[name]} as Keras\'s TensorFlow '
        f'backend imported it, with TF1 meaning on tf_kbackend.')
    self._tf1_name = name
    self._tf1_current = None
    self._tf1_names = None

  def _tf1_sources(self):
    if self._tf1_current is None:
      self._tf1_current = _tf_private.legacy_backend_module(self._tf1_name)
      self._tf1_names = _TF1_NAMES.get(self._tf1_name, dict)()
    return self._tf1_current, self._tf1_names

  def __getattr__(self, attr):
    if attr.startswith('_tf1_') or attr.startswith('__'):
      raise AttributeError(attr)
    current, names = self._tf1_sources()
    if attr in names:
      value = names[attr]
    else:
      try:
        value = getattr(current, attr)
      except AttributeError:
        raise AttributeError(
            f'{current.__name__} (keras.backend.{self._tf1_name}) has no '
            f'attribute {attr!r} in TensorFlow {tf.__version__}.') from None
    if _wraps_as_function(value) and value not in _SERVED_AS_IS:
      value = tf1_function(value)
    setattr(self, attr, value)
    return value

  def __dir__(self):
    current, names = self._tf1_sources()
    return sorted(set(dir(current)) | set(names))

  def __repr__(self):
    return (f'<TF1 module {_tf_private.LEGACY_BACKEND_MODULES[self._tf1_name]}'
            f' as keras.backend.{self._tf1_name}>')


_MODULES = {}


def module(name):
  """The TF1 module Keras's tensorflow_backend imported as `name`.

  One instance per name.

  >>> module('control_flow_ops') is module('control_flow_ops')
  True
  >>> module('ctc').ctc_loss.__name__
  'ctc_loss'
  """
  found = _MODULES.get(name)
  if found is None:
    found = _MODULES[name] = TF1Module(name)
  return found
