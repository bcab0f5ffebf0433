"""The one module that touches private TensorFlow APIs.

Everything else in tf_kbackend uses the public `tf.*` API. What is here has
no public equivalent; each entry says why it is needed. A TensorFlow upgrade
that moves one of these breaks this module only, and
`tests/test_tf_private.py` exercises every entry so the break shows at once.

- `FuncGraph`: the symbolic "Keras graph". A plain `tf.Graph` refuses to let
  raw `tf.*` ops called from eager code build into it ("out of scope"); a
  `FuncGraph` accepts them and captures eager values and variables, which is
  what TF1-era code applying `tf.*` ops to Keras tensors needs. tf_keras
  creates its Keras graph the same way.
- `execute_function`: calls a compiled function by name through
  `TFE_Py_Execute`, the C entry point that `tf.function` itself ends in. It
  skips ~200 us of Python dispatch per call, which is what lets
  `K.function` match TF1's `Session.run` per-call cost.
- `tape_is_recording`: whether a `GradientTape` may be watching; the direct
  call path above is invisible to tapes, so `K.function` falls back to the
  regular (recorded) call when one is.
- `use_identity_semantics`: TF1 code keys dicts by tensors
  (`feed_dict={x: value}`) and tests membership (`x in tensors`, which
  legacy Keras' own `Layer.__call__` does). TF2 makes graph tensors of a
  function graph unhashable and `==` element-wise; TF1 graph tensors were
  hashable and compared by identity. This restores the TF1 behaviour for
  the Keras graph's tensors only, by wrapping `SymbolicTensor`'s `__eq__`,
  `__ne__` and `__hash__`; every other tensor keeps TF2 semantics.
- `EagerTensor`: the eager tensor class, whose constructor builds a tensor
  from a numpy array 3x faster than `tf.constant` and regardless of any
  graph scope. (`type(tf.constant(0.))` names it publicly, but creating that
  constant at import would initialize the eager context, after which
  `K.set_session` could no longer set thread counts or GPU memory growth.)
"""

import itertools

import tensorflow as tf
from tensorflow.python import pywrap_tfe
from tensorflow.python.eager import context as _context
from tensorflow.python.eager import core as _core
from tensorflow.python.eager import record as _record
from tensorflow.python.framework import func_graph as _func_graph
from tensorflow.python.framework import ops as _ops

EagerTensor = _ops.EagerTensor

GlobalOpDispatcher = tf.__internal__.dispatch.GlobalOpDispatcher


def new_func_graph(name):
  """Returns a new, empty `FuncGraph` named `name`."""
  return _func_graph.FuncGraph(name)


def current_device_name():
  """The device scope in effect (`with tf.device(...)`), as eager ops see it."""
  return _context.context().device_name


def function_call_attrs():
  """The attributes TensorFlow passes when it calls a function eagerly."""
  options = _context.context().function_call_options.as_attrs()
  return tuple(itertools.chain(*options.items()))


def execute_function(function_name, inputs, attrs, num_outputs):
  """Runs the registered function `function_name` on eager `inputs`.

  Args:
    function_name: the name of a function registered in the eager context,
      as `ConcreteFunction.function_def.signature.name`.
    inputs: eager tensors: the arguments, then the captured inputs.
    attrs: from `function_call_attrs()`.
    num_outputs: how many tensors the function returns.

  Returns:
    A list of eager tensors.
  """
  ctx = _context.context()
  try:
    return pywrap_tfe.TFE_Py_Execute(ctx._handle, ctx.device_name,  # pylint: disable=protected-access
                                     function_name, inputs, attrs,
                                     num_outputs)
  except _core._NotOkStatusException as e:  # pylint: disable=protected-access
    # What `tf.function` raises for the same failure: a `tf.errors` class.
    raise _core._status_to_exception(e) from None  # pylint: disable=protected-access


def use_identity_semantics(is_legacy_graph):
  """Makes tensors of graphs where `is_legacy_graph(graph)` compare by identity.

  Installs once; later calls replace the predicate.
  """
  cls = _ops.SymbolicTensor
  if getattr(cls, '_tf_kbackend_original', None) is None:
    cls._tf_kbackend_original = (cls.__eq__, cls.__ne__, cls.__hash__)
  tf2_eq, tf2_ne, tf2_hash = cls._tf_kbackend_original

  def __eq__(self, other):
    if is_legacy_graph(getattr(self, 'graph', None)):
      return self is other
    return tf2_eq(self, other)

  def __ne__(self, other):
    if is_legacy_graph(getattr(self, 'graph', None)):
      return self is not other
    return tf2_ne(self, other)

  def __hash__(self):
    if is_legacy_graph(getattr(self, 'graph', None)):
      return id(self)
    return tf2_hash(self)

  cls.__eq__, cls.__ne__, cls.__hash__ = __eq__, __ne__, __hash__


def tape_is_recording():
  """True if a `GradientTape` (or forward accumulator) may be recording."""
  return _record.could_possibly_record()
