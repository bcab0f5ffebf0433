"""Variables: creation, reading, assignment, and deferred update ops.

A backend variable is a plain eager `tf.Variable`, whichever world created
it: symbolic code captures it by reference, so every `K.function` call reads
its current value. Update ops (`update`, `update_add`, `update_sub`,
`moving_average_update`) are always symbolic, as in TF1: they do nothing
until run by `K.function(..., updates=...)`, `K.eval` or `Session.run`.
Building them never changes the variable.
"""

import contextlib

import numpy as np
import tensorflow as tf

from tf_kbackend import _tf_private
from tf_kbackend import config
from tf_kbackend.tf_backend import compiler
from tf_kbackend.tf_backend import eager_replay
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import provenance
from tf_kbackend.tf_backend import tensor_utils


# Set by tf_kbackend.distribute (the bridge does not import it):
# distributed_variable(variable_class, **kwargs) creates the variable under
# the tf.distribute strategy in effect, or returns None when there is none.
distributed_variable = None

# Functions `callback(variable, initial_value)` called after `variable()`
# creates one: the TF1 names (tf_kbackend/tf1) list it in the Keras graph's
# collections, as TF1 listed every variable of its graph.
variable_created_callbacks = []


class _State:
  manual_init = False
  names = set()  # Full names of the variables of the current Keras graph.


@graph_lib.on_clear_session
def _forget_names():
  _State.names = set()


def _unique_name(scope, name):
  """`name`, or `name_1`, `name_2`...: unique in the Keras graph, as in TF1.

  TF1 made variable names unique per graph (Keras's optimizers create many
  unnamed `training/SGD/Variable`s and save them by name); eager TF2 does
  not.
  """
  base = name or 'Variable'
  prefix = scope + '/' if scope else ''
  candidate, count = base, 0
  with graph_lib.graph_lock():  # Check and claim at once (threads).
    while prefix + candidate in _State.names:
      count += 1
      candidate = f'{base}_{count}'
    _State.names.add(prefix + candidate)
  return candidate


def _read_in_graph(variable):
  return tf.convert_to_tensor(variable)


def _two_world_operator(name):
  """`tf.Variable`'s operator `name`, made a backend op (see KerasVariable)."""
  base = getattr(tf.Variable, name)
  op = graph_lib.graph_op(lambda *operands: base(*operands))

  def operator(self, *others):
    return op(self, *others)

  operator.__name__ = name
  return operator


class KerasVariable(_tf_private.ReadHookVariable):
  """What `K.variable` returns: a `tf.Variable` with TF1 operator semantics.

  Python operators (`v * 2`, `p - lr * g`) behave like backend ops: on
  concrete operands they compute now (and remember the derivation, so the
  value follows the variable if it enters the Keras graph); with a
  symbolic operand, or in the symbolic scope, they build graph ops that
  read the variable at run time. As in TF1, `v += x` rebinds to `v + x`
  (it does not assign; use `K.update_add`), and variables compare and hash
  by identity, so they can key dicts and be found with `in`.
  """

  def on_eager_read(self, tensor):
    # An eager read (e.g. converting `b` in `symbolic + b`) is a value
    # derived from the variable: in the graph it becomes a graph read.
    provenance.record(tensor, _read_in_graph, (self,), {})

  for _name in _tf_private.TENSOR_OPERATORS:
    if hasattr(tf.Variable, _name):
      locals()[_name] = _two_world_operator(_name)
  del _name

  def __iadd__(self, other):
    return self + other

  def __isub__(self, other):
    return self - other

  def __imul__(self, other):
    return self * other

  def __itruediv__(self, other):
    return self / other

  def __eq__(self, other):
    return self is other

  def __ne__(self, other):
    return self is not other

  def __hash__(self):
    return id(self)


def _tf_dtype(dtype):
  try:
    return tf.as_dtype(dtype if dtype is not None else config.floatx())
  except TypeError as e:
    # A TypeError, as TensorFlow (and so legacy Keras) raised.
    raise TypeError(f'variable: unknown dtype {dtype!r}.') from e


def _sparse_constant(value, dtype):
  coo = value.tocoo()
  indices = np.stack([coo.row, coo.col], axis=1).astype(np.int64)
  sparse = tf.SparseTensor(indices, coo.data.astype(dtype.as_numpy_dtype),
                           coo.shape)
  sparse._keras_shape = tuple(coo.shape)  # pylint: disable=protected-access
  sparse._uses_learning_phase = False  # pylint: disable=protected-access
  return sparse


def _concrete_initial_value(value, dtype):
  """The initial value as something `tf.Variable` takes, of dtype `dtype`."""
  if graph_lib.is_symbolic(value):
    # Built in the symbolic scope (an initializer inside a layer's build):
    # evaluate it now; it must not need a feed. Op by op when it can (the
    # same values, without compiling a function per weight).
    graph = graph_lib.get_graph()
    replayed = None
    if isinstance(value, tf.Tensor) and value.graph is graph:
      replayed = eager_replay.evaluate(value, compiler.capture_map(graph))
    if replayed is not None:
      value = replayed
    else:
      from tf_kbackend.tf_backend import session  # pylint: disable=g-import-not-at-top
      value = session.eval(value)
  if isinstance(value, (tf.Tensor, tf.Variable)):
    return tf.cast(value, dtype) if value.dtype != dtype else value
  try:
    return np.asarray(value, dtype=dtype.as_numpy_dtype)
  except (TypeError, ValueError) as e:
    raise ValueError(
        f'variable: cannot use {value!r} as the value of a {dtype.name} '
        f'variable: {e}') from e


def variable(value, dtype=None, name=None, constraint=None):
  """Instantiates a variable (an eager `tf.Variable`) and returns it.

  Args:
    value: the initial value: a numpy array, list, number or tensor. A
      scipy.sparse matrix gives a constant `tf.SparseTensor`, as in legacy
      Keras.
    dtype: the dtype; `floatx()` by default.
    name: the variable's name; prefixed with the current `K.name_scope`.
    constraint: a projection function applied by optimizers after updates.

  Returns:
    A `tf.Variable` (with legacy Keras' `_keras_shape` attribute).

  >>> v = variable(np.array([[1, 2], [3, 4]]), name='example_var')
  >>> dtype(v), v.name
  ('float32', 'example_var:0')
  >>> eval(v)
  array([[1., 2.],
         [3., 4.]], dtype=float32)
  """
  tf_dtype = _tf_dtype(dtype)
  if hasattr(value, 'tocoo'):
    return _sparse_constant(value, tf_dtype)
  initial = _concrete_initial_value(value, tf_dtype)
  scope = graph_lib.current_name_scope() if graph_lib.in_symbolic_scope(
  ) else ''
  with tf.init_scope():
    with (tf.name_scope(scope + '/') if scope else contextlib.nullcontext()):
      kwargs = dict(dtype=tf_dtype, name=_unique_name(scope, name),
                    constraint=constraint)
      v = None
      if distributed_variable is not None:
        v = distributed_variable(KerasVariable, initial_value=initial,
                                 **kwargs)
      if v is None:
        v = KerasVariable(initial, **kwargs)
  v._keras_shape = tensor_utils.static_shape(v)  # pylint: disable=protected-access
  v._uses_learning_phase = False  # pylint: disable=protected-access
  for callback in variable_created_callbacks:
    callback(v, value)
  return v


@graph_lib.graph_op
def constant(value, dtype=None, shape=None, name=None):
  """Creates a constant tensor.

  Args:
    value: a number, list or array.
    dtype: the dtype; `floatx()` by default.
    shape: an optional shape; a scalar `value` fills it.
    name: the tensor's name in the symbolic scope.

  >>> constant(1.5, shape=(2,)).numpy()
  array([1.5, 1.5], dtype=float32)
  """
  if dtype is None:
    dtype = config.floatx()
  return tf.constant(value, dtype=dtype, shape=shape, name=name)


def _check_variable(x, what):
  if not isinstance(x, tf.Variable):
    raise ValueError(
        f'{what} expects a variable (created with K.variable), the target '
        f'of the assignment. Received: {x!r}.')


def _assignable_value(x, value):
  """`value` as a numpy array fit for `x`, or ValueError naming both."""
  _check_variable(x, 'set_value')
  try:
    array = np.asarray(value, dtype=x.dtype.as_numpy_dtype)
  except (TypeError, ValueError) as e:
    raise ValueError(
        f'Cannot assign {value!r} to variable {x.name!r} of dtype '
        f'{x.dtype.name}: {e}') from e
  if not x.shape.is_compatible_with(array.shape):
    raise ValueError(
        f'Cannot assign a value of shape {array.shape} to variable '
        f'{x.name!r} of shape {tuple(x.shape.as_list())}. The variable was '
        f'left unchanged.')
  return array


def set_value(x, value):
  """Sets the value of a variable from a numpy array (or list, number).

  Raises:
    ValueError: if the value does not fit the variable's shape or dtype; the
      variable is left unchanged.

  >>> v = variable([1.0, 2.0])
  >>> set_value(v, [3, 4]); eval(v)
  array([3., 4.], dtype=float32)
  """
  batch_set_value([(x, value)])


def batch_set_value(tuples):
  """Sets the values of many variables at once.

  Every value is checked before any variable changes: if one is invalid,
  all variables are left unchanged.

  Args:
    tuples: a list of `(variable, value)` pairs.

  >>> a, b = variable(0.0), variable(0.0)
  >>> batch_set_value([(a, 1.0), (b, 2.0)]); float(eval(a) + eval(b))
  3.0
  """
  checked = [(x, _assignable_value(x, value)) for x, value in tuples]
  with tf.init_scope():
    for x, array in checked:
      x.assign(array, read_value=False)


def get_variable_shape(x):
  """Returns the shape of a variable, as a tuple of ints.

  >>> get_variable_shape(variable(np.zeros((2, 3))))
  (2, 3)
  """
  return tensor_utils.static_shape(x)


def count_params(x):
  """Returns the number of scalars in a variable or tensor.

  >>> count_params(variable(np.zeros((2, 3))))
  6
  """
  return int(np.prod(x.shape.as_list()))


def _assign_op(x, value, method, what):
  _check_variable(x, what)
  with graph_lib.symbolic_scope():
    value = tf.convert_to_tensor(value, dtype_hint=x.dtype)
    if value.dtype != x.dtype:
      value = tf.cast(value, x.dtype)
    if not x.shape.is_compatible_with(value.shape):
      raise ValueError(
          f'{what}: the new value has shape {tensor_utils.static_shape(value)}'
          f', but variable {x.name!r} has shape '
          f'{tensor_utils.static_shape(x)}.')
    op = getattr(x, method)(value, read_value=False)
  # For K.function's run-time shape check and its message (compiler.py).
  op._tf_kbackend_variable_name = x.name  # pylint: disable=protected-access
  op._tf_kbackend_variable_shape = x.shape  # pylint: disable=protected-access
  return op


def update(x, new_x):
  """Returns an op that sets variable `x` to `new_x` when run.

  The op is symbolic: it takes effect when run by `K.function(...,
  updates=[op])`, `K.eval(op)` or `Session.run(op)`, each time it is run.

  >>> v = variable(0.0)
  >>> op = update(v, 5.0)
  >>> float(eval(v)), float(eval(op))
  (0.0, 5.0)
  """
  return _assign_op(x, new_x, 'assign', 'update')


def update_add(x, increment):
  """Returns an op that adds `increment` to variable `x` when run.

  >>> v = variable(1.0)
  >>> f = function([], [], updates=[update_add(v, 2.0)])
  >>> _ = f([]); _ = f([]); float(eval(v))
  5.0
  """
  return _assign_op(x, increment, 'assign_add', 'update_add')


def update_sub(x, decrement):
  """Returns an op that subtracts `decrement` from variable `x` when run.

  >>> v = variable(1.0); _ = eval(update_sub(v, 3.0)); float(eval(v))
  -2.0
  """
  return _assign_op(x, decrement, 'assign_sub', 'update_sub')


def moving_average_update(x, value, momentum):
  """Returns an op: `x = x * momentum + value * (1 - momentum)` when run.

  As in Keras 2.3.1 on TensorFlow 2, without zero-debiasing (Keras 2.2.4
  on TF1 debiased with hidden variables; see docs/deviations.md).

  >>> v = variable(0.0); _ = eval(moving_average_update(v, 10.0, 0.9))
  >>> float(np.round(eval(v), 5))
  1.0
  """
  _check_variable(x, 'moving_average_update')
  with graph_lib.symbolic_scope():
    value = tf.cast(value, x.dtype)
    decay = tf.cast(1.0 - momentum, x.dtype)
    return x.assign_sub((x - value) * decay, read_value=False)


def _filled_variable(fill, shape, dtype, name):
  dtype = _tf_dtype(dtype)
  if isinstance(shape, (list, tuple)) and any(d is None for d in shape):
    raise ValueError(
        f'{fill.__name__}: a variable needs a fully defined shape; for a '
        f'tensor shaped like a symbolic x, use K.{fill.__name__}(K.shape(x)) '
        f'or K.{fill.__name__}_like(x). Received: shape={tuple(shape)}.')
  if graph_lib.is_symbolic(shape) or (
      isinstance(shape, (list, tuple)) and any(
          graph_lib.is_symbolic(d) for d in shape)):
    return graph_lib.graph_op(fill)(shape, dtype=dtype, name=name)
  with tf.init_scope():
    value = fill(shape, dtype=dtype)
  return variable(value, dtype=dtype, name=name)


def zeros(shape, dtype=None, name=None):
  """Instantiates an all-zeros variable (a tensor for a symbolic shape).

  >>> eval(zeros((2, 3)))
  array([[0., 0., 0.],
         [0., 0., 0.]], dtype=float32)
  """
  return _filled_variable(tf.zeros, shape, dtype, name)


def ones(shape, dtype=None, name=None):
  """Instantiates an all-ones variable (a tensor for a symbolic shape).

  >>> eval(ones((2,)))
  array([1., 1.], dtype=float32)
  """
  return _filled_variable(tf.ones, shape, dtype, name)


def eye(size, dtype=None, name=None):
  """Instantiates an identity-matrix variable.

  Args:
    size: n for an n x n matrix, or a tuple `(n, m)`.

  >>> eval(eye((2, 3)))
  array([[1., 0., 0.],
         [0., 1., 0.]], dtype=float32)
  """
  rows, columns = size if isinstance(size, (list, tuple)) else (size, size)
  tf_dtype = _tf_dtype(dtype)
  with tf.init_scope():
    value = tf.eye(rows, columns, dtype=tf_dtype)
  return variable(value, dtype=tf_dtype, name=name)


@graph_lib.graph_op
def zeros_like(x, dtype=None, name=None):
  """Returns an all-zeros tensor of the shape of `x`.

  >>> zeros_like(np.ones((2,), 'float32')).numpy()
  array([0., 0.], dtype=float32)
  """
  return tf.zeros_like(x, dtype=dtype, name=name)


@graph_lib.graph_op
def ones_like(x, dtype=None, name=None):
  """Returns an all-ones tensor of the shape of `x`.

  >>> ones_like(np.zeros((2,), 'float32')).numpy()
  array([1., 1.], dtype=float32)
  """
  return tf.ones_like(x, dtype=dtype, name=name)


@graph_lib.graph_op
def identity(x, name=None):
  """Returns a tensor with the same content as `x` (reads a variable).

  >>> identity(variable([1.0])).numpy()
  array([1.], dtype=float32)
  """
  return tf.identity(x, name=name)


def _seeded_variable(sample, shape, dtype, name, seed):
  tf_dtype = _tf_dtype(dtype)
  with tf.init_scope():
    if seed is None:
      value = sample(shape, tf_dtype, None)
    else:
      value = sample(shape, tf_dtype, [int(seed), 0])
  return variable(value, dtype=tf_dtype, name=name)


def random_uniform_variable(shape, low, high, dtype=None, name=None,
                            seed=None):
  """A variable of values drawn uniformly from `[low, high)`.

  The same `seed` gives the same values.

  >>> a = random_uniform_variable((2, 2), 0, 1, seed=7)
  >>> b = random_uniform_variable((2, 2), 0, 1, seed=7)
  >>> bool((eval(a) == eval(b)).all())
  True
  """

  def sample(shape, dtype, seed):
    if seed is None:
      return tf.random.uniform(shape, low, high, dtype=dtype)
    return tf.random.stateless_uniform(shape, seed, low, high, dtype=dtype)

  return _seeded_variable(sample, shape, dtype, name, seed)


def random_normal_variable(shape, mean, scale, dtype=None, name=None,
                           seed=None):
  """A variable of values drawn from a normal distribution.

  >>> v = random_normal_variable((1000,), 2.0, 0.5, seed=1)
  >>> float(np.round(np.mean(eval(v)), 1))
  2.0
  """

  def sample(shape, dtype, seed):
    if seed is None:
      return tf.random.normal(shape, mean, scale, dtype=dtype)
    return tf.random.stateless_normal(shape, seed, mean, scale, dtype=dtype)

  return _seeded_variable(sample, shape, dtype, name, seed)


def manual_variable_initialization(value):
  """Accepted for compatibility: TF2 variables are initialized on creation.

  Legacy Keras let users initialize variables themselves; a TF2 variable
  holds its value from the moment it exists, so the flag is only recorded.

  >>> manual_variable_initialization(True)
  >>> float(get_value(variable(2.0)))  # initialized anyway
  2.0
  >>> manual_variable_initialization(False)
  """
  _State.manual_init = bool(value)


def manual_initialization():
  """The flag `manual_variable_initialization` recorded (default False)."""
  return _State.manual_init


def v1_variable_initialization():
  """Accepted for compatibility (Keras 2.3.1): nothing to initialize in TF2.

  >>> v1_variable_initialization() is None
  True
  """
