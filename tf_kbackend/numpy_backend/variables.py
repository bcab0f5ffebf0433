"""Variables: creation, reading, assignment, and deferred update ops.

Mirrors `tf_backend/variables.py`. A `Variable` holds a numpy array. It is
concrete: ops on it compute at once (their results remember that they
were derived from it, see `DerivedArray`), and symbols read it
when evaluated, so every `K.function` call sees its current value. Update
ops (`update`, `update_add`, `update_sub`, `moving_average_update`) are
symbolic, as in TF1: they do nothing until run by `K.function(...,
updates=...)`, `K.eval` or `Session.run`. Building them never changes the
variable.
"""

import numpy as np
import scipy.sparse

from tf_kbackend import config
from tf_kbackend.numpy_backend.graph import (
    current_name_scope, HAS_SYMBOL, in_symbolic_scope,
    lazy_op, read_values, scan_values, side_effects_enabled, Symbol,
    symbolic_scope, VariableBase)
from tf_kbackend.numpy_backend.tensors import as_dtype
from tf_kbackend.numpy_backend.tensors import as_value
from tf_kbackend.numpy_backend.tensors import int_shape

__all__ = [
    'variable', 'constant', 'set_value', 'batch_set_value',
    'get_variable_shape', 'count_params', 'update', 'update_add',
    'update_sub', 'moving_average_update', 'zeros', 'ones', 'eye',
    'zeros_like', 'ones_like', 'identity', 'random_uniform_variable',
    'random_normal_variable', 'manual_variable_initialization',
    'v1_variable_initialization'
]


class _State:
  manual_init = False


_LAZY_UFUNCS = {}


def _lazy_ufunc(ufunc):
  op = _LAZY_UFUNCS.get(ufunc)
  if op is None:
    op = _LAZY_UFUNCS[ufunc] = lazy_op(ufunc)
  return op


class Variable(VariableBase):
  """What `K.variable` returns: a named, mutable holder of a numpy array.

  Python operators and numpy ufuncs (`v * 2`, `np.exp(v)`) behave like
  backend ops: they compute now on concrete operands (the result remembers
  it came from `v`) and build symbols with a symbolic operand or in the
  symbolic scope. As in TF1, `v += x` rebinds `v` to `v + x` (use
  `K.update_add` to assign), and variables compare and hash by identity.

  Attributes:
    name: 'name:0', with the name scope as prefix.
    constraint: a projection applied by optimizers after updates, or None.
  """

  def __init__(self, value, name, constraint=None):
    self._set(value)
    self.name = name
    self.constraint = constraint
    self._keras_shape = self._value.shape
    self._uses_learning_phase = False

  def _set(self, array):
    # A fresh read-only array: values read earlier stay valid, and an op
    # that tried to write into its input would fail loudly.
    array = np.array(array, copy=True)
    array.flags.writeable = False
    self._value = array

  @property
  def dtype(self):
    return self._value.dtype

  @property
  def shape(self):
    return self._value.shape

  @property
  def ndim(self):
    return self._value.ndim

  @property
  def size(self):
    return self._value.size

  def numpy(self):
    """A copy of the current value (a numpy scalar for a scalar variable)."""
    value = self._value.copy()
    return value[()] if value.ndim == 0 else value

  def assign(self, value):
    """Sets the value now (checked as `K.set_value` does); returns self."""
    set_value(self, value)
    return self

  def assign_add(self, delta):
    """Adds `delta` to the value now; returns self."""
    set_value(self, self._value + np.asarray(read_values(delta)))
    return self

  def assign_sub(self, delta):
    """Subtracts `delta` from the value now; returns self."""
    set_value(self, self._value - np.asarray(read_values(delta)))
    return self

  def __array__(self, dtype=None, copy=None):
    if copy is False and (dtype is None or np.dtype(dtype) == self.dtype):
      return self._value
    return np.array(self._value, dtype=dtype, copy=True)

  def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
    if 'out' in kwargs and any(
        isinstance(o, Variable) for o in kwargs['out']):
      raise TypeError(
          f'Cannot write into variable {self.name!r} with a numpy ufunc: '
          f'assign with K.set_value, or K.update ops.')
    if method == '__call__' and 'out' not in kwargs:
      return _lazy_ufunc(ufunc)(*inputs, **kwargs)
    return getattr(ufunc, method)(*read_values(inputs), **kwargs)

  def __repr__(self):
    return (f'<numpy_backend.Variable {self.name!r} shape={self.shape} '
            f'dtype={self.dtype.name}, numpy={self._value!r}>')

  def __len__(self):
    return len(self._value)

  def __iter__(self):
    return iter([self[i] for i in range(len(self))])

  def __float__(self):
    return float(self._value)

  def __int__(self):
    return int(self._value)

  def __bool__(self):
    return bool(self._value)


def _check_variable(x, what):
  if not isinstance(x, VariableBase):
    raise ValueError(
        f'{what} expects a variable (created with K.variable), the target '
        f'of the assignment. Received: {x!r}.')


def variable(value, dtype=None, name=None, constraint=None):
  """Instantiates a variable and returns it.

  Args:
    value: the initial value: a numpy array, list, number, variable or a
      symbol needing no feed (evaluated now). A scipy.sparse matrix gives a
      sparse constant (a copy of the matrix), as in legacy Keras.
    dtype: the dtype; `floatx()` by default.
    name: the variable's name; prefixed with the current `K.name_scope`.
    constraint: a projection function applied by optimizers after updates.

  Returns:
    A `Variable` (with legacy Keras' `_keras_shape` attribute).

  Raises:
    ValueError: for a value that cannot have `dtype`.
    TypeError: for an unknown dtype.

  >>> v = variable(np.array([[1, 2], [3, 4]]), name='example_var')
  >>> dtype(v), v.name
  ('float32', 'example_var:0')
  >>> eval(v)
  array([[1., 2.],
         [3., 4.]], dtype=float32)
  """
  np_dtype = as_dtype(config.floatx() if dtype is None else dtype, 'variable')
  if scipy.sparse.issparse(value):
    sparse = value.astype(np_dtype)
    sparse._keras_shape = tuple(sparse.shape)  # pylint: disable=protected-access
    sparse._uses_learning_phase = False  # pylint: disable=protected-access
    sparse._is_backend_tensor = True  # pylint: disable=protected-access
    return sparse
  if isinstance(value, Symbol):
    # Built in the symbolic scope (an initializer inside a layer's build):
    # evaluate it now; it must not need a feed.
    from tf_kbackend.numpy_backend import session  # pylint: disable=g-import-not-at-top
    value = session.eval(value)
  try:
    array = np.array(read_values(value), dtype=np_dtype)
  except (TypeError, ValueError) as e:
    raise ValueError(
        f'variable: cannot use {value!r} as the value of a {np_dtype.name} '
        f'variable: {e}') from e
  base = name or 'Variable'
  scope = (current_name_scope()
           if in_symbolic_scope() else '')
  full_name = f'{scope}/{base}:0' if scope else f'{base}:0'
  return Variable(array, full_name, constraint)


@lazy_op
def _constant(value, dtype, shape):
  array = np.asarray(value, dtype=dtype)
  if shape is None:
    return array
  shape = _shape_tuple(shape)
  if array.size == 1:
    return np.full(shape, array.reshape(()), dtype=dtype)
  if array.size == int(np.prod(shape)):
    return array.reshape(shape)
  raise TypeError(
      f'constant: a value of {array.size} element(s) cannot fill shape '
      f'{shape} (it takes one element, or exactly {int(np.prod(shape))}).')


_constant.__name__ = 'constant'


def constant(value, dtype=None, shape=None, name=None):
  """Creates a constant tensor (a numpy array; a symbol in symbolic scope).

  Args:
    value: a number, list or array.
    dtype: the dtype; `floatx()` by default.
    shape: an optional shape; a single value fills it, a value with as
      many elements is reshaped to it.
    name: ignored (accepted for compatibility).

  Raises:
    TypeError: if `value` has neither one element nor as many as `shape`.

  >>> constant(1.5, shape=(2,))
  array([1.5, 1.5], dtype=float32)
  """
  del name
  np_dtype = as_dtype(config.floatx() if dtype is None else dtype, 'constant')
  return _constant(value, np_dtype, shape)


def _assignable_value(x, value):
  """`value` as a numpy array fit for `x`, or ValueError naming both."""
  _check_variable(x, 'set_value')
  try:
    array = np.asarray(read_values(value), dtype=x.dtype)
  except (TypeError, ValueError) as e:
    raise ValueError(
        f'Cannot assign {value!r} to variable {x.name!r} of dtype '
        f'{x.dtype.name}: {e}') from e
  if array.shape != x.shape:
    raise ValueError(
        f'Cannot assign a value of shape {array.shape} to variable '
        f'{x.name!r} of shape {x.shape}. The variable was left unchanged.')
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
  for x, array in checked:
    x._set(array)  # pylint: disable=protected-access


def get_variable_shape(x):
  """Returns the shape of a variable, as a tuple of ints.

  >>> get_variable_shape(variable(np.zeros((2, 3))))
  (2, 3)
  """
  return int_shape(x)


def count_params(x):
  """Returns the number of scalars in a variable or tensor.

  Raises:
    ValueError: if the shape is not fully known.

  >>> count_params(variable(np.zeros((2, 3))))
  6
  """
  static = int_shape(x)
  if static is None or any(d is None for d in static):
    raise ValueError(
        f'count_params needs a fully known shape. Received: {x!r} of shape '
        f'{static}.')
  return int(np.prod(static, dtype=np.int64))


def _compatible(shape, other):
  return shape is None or other is None or (
      len(shape) == len(other) and all(
          a is None or b is None or a == b for a, b in zip(shape, other)))


class UpdateOp(Symbol):
  """A deferred assignment `kind(variable, operand)`: 'assign', 'add', 'sub'.

  Symbolic, with no value to compute with (as a TF2 assign op). Running it
  (`K.eval`, `Session.run`, a control dependency) applies it; `K.function`
  applies its updates after computing every output and update operand.
  """

  _is_op = True

  def __init__(self, kind, variable_, operand, what):
    super().__init__(_apply_update, (operand,), name=what)
    self.kind = kind
    self.variable = variable_
    self.what = what
    self._variable_ids = self._variable_ids | {id(variable_)}

  def __repr__(self):
    return f'<numpy_backend.UpdateOp {self.what} of {self.variable.name!r}>'

  def operand(self, context):
    """The operand's value in `context` (read before any update applies)."""
    return context.resolve(self.args[0])

  def new_value(self, current, operand):
    """The variable's value after the update; ValueError if it does not fit."""
    operand = np.asarray(operand)
    if operand.shape != current.shape:
      raise ValueError(
          f'{self.what}: the new value has shape {operand.shape}, but '
          f'variable {self.variable.name!r} has shape {current.shape}.')
    operand = operand.astype(current.dtype, copy=False)
    if self.kind == 'add':
      return current + operand
    if self.kind == 'sub':
      return current - operand
    return operand

  def compute(self, context):
    new = self.new_value(context.read(self.variable), self.operand(context))
    if side_effects_enabled():
      self.variable._set(new)  # pylint: disable=protected-access
    return new


def _apply_update(operand):
  return operand  # Never called: UpdateOp.compute applies the update.


def _update_op(kind, x, operand, what):
  _check_variable(x, what)
  op = UpdateOp(kind, x, operand, what)
  operand = op.args[0]  # Re-derived from variables if it was derived.
  if isinstance(operand, Symbol):
    operand_shape = int_shape(operand)
  else:
    operand_shape = np.shape(read_values(operand))
  if not _compatible(x.shape, operand_shape):
    raise ValueError(
        f'{what}: the new value has shape {operand_shape}, but variable '
        f'{x.name!r} has shape {x.shape}.')
  return op


def update(x, new_x):
  """Returns an op that sets variable `x` to `new_x` when run.

  The op is symbolic: it takes effect when run by `K.function(...,
  updates=[op])`, `K.eval(op)` or `Session.run(op)`, each time it is run.

  Raises:
    ValueError: if `x` is not a variable, or `new_x` has another shape.

  >>> v = variable(0.0)
  >>> op = update(v, 5.0)
  >>> float(eval(v)), float(eval(op))
  (0.0, 5.0)
  """
  return _update_op('assign', x, new_x, 'update')


def update_add(x, increment):
  """Returns an op that adds `increment` to variable `x` when run.

  >>> v = variable(1.0)
  >>> f = function([], [], updates=[update_add(v, 2.0)])
  >>> _ = f([]); _ = f([]); float(eval(v))
  5.0
  """
  return _update_op('add', x, increment, 'update_add')


def update_sub(x, decrement):
  """Returns an op that subtracts `decrement` from variable `x` when run.

  >>> v = variable(1.0); _ = eval(update_sub(v, 3.0)); float(eval(v))
  -2.0
  """
  return _update_op('sub', x, decrement, 'update_sub')


@lazy_op
def _moving_average_delta(x, value, decay):
  x = np.asarray(x)
  value = np.asarray(value).astype(x.dtype, copy=False)
  return ((x - value) * np.asarray(decay, dtype=x.dtype)).astype(x.dtype)


def moving_average_update(x, value, momentum):
  """Returns an op: `x = x * momentum + value * (1 - momentum)` when run.

  Computed as `x - (x - value) * (1 - momentum)`, as the TensorFlow
  backend does (without zero-debiasing, as Keras 2.3.1 on TensorFlow 2).

  >>> v = variable(0.0); _ = eval(moving_average_update(v, 10.0, 0.9))
  >>> float(np.round(eval(v), 5))
  1.0
  """
  _check_variable(x, 'moving_average_update')
  with symbolic_scope():
    delta = _moving_average_delta(x, value, 1.0 - momentum)
  return _update_op('sub', x, delta, 'moving_average_update')


def _shape_tuple(shape):
  if isinstance(shape, (int, np.integer)):
    return (int(shape),)
  if isinstance(shape, np.ndarray):
    return tuple(int(d) for d in shape.ravel())
  return tuple(int(np.asarray(d)) for d in shape)


@lazy_op
def _fill(shape, value, dtype):
  return np.full(_shape_tuple(shape), value, dtype=dtype)


def _filled_variable(value, shape, dtype, name, what):
  np_dtype = as_dtype(config.floatx() if dtype is None else dtype, what)
  if scan_values((shape,)) & HAS_SYMBOL:  # pylint: disable=protected-access
    return _fill(shape, value, np_dtype)  # A shape known at run time.
  if not isinstance(shape, (int, np.integer, np.ndarray)) and any(
      d is None for d in shape):
    raise ValueError(
        f'{what}: the shape must be fully defined (or a symbolic shape such '
        f'as K.shape(x)). Received: shape={shape!r}.')
  return variable(np.full(_shape_tuple(shape), value, dtype=np_dtype),
                  dtype=np_dtype, name=name)


def zeros(shape, dtype=None, name=None):
  """Instantiates an all-zeros variable (a symbol for a symbolic shape).

  >>> eval(zeros((2, 3)))
  array([[0., 0., 0.],
         [0., 0., 0.]], dtype=float32)
  """
  return _filled_variable(0, shape, dtype, name, 'zeros')


def ones(shape, dtype=None, name=None):
  """Instantiates an all-ones variable (a symbol for a symbolic shape).

  >>> eval(ones((2,)))
  array([1., 1.], dtype=float32)
  """
  return _filled_variable(1, shape, dtype, name, 'ones')


def eye(size, dtype=None, name=None):
  """Instantiates an identity-matrix variable.

  Args:
    size: n for an n x n matrix, or a tuple `(n, m)`.

  >>> eval(eye((2, 3)))
  array([[1., 0., 0.],
         [0., 1., 0.]], dtype=float32)
  """
  rows, columns = size if isinstance(size, (list, tuple)) else (size, size)
  np_dtype = as_dtype(config.floatx() if dtype is None else dtype, 'eye')
  return variable(np.eye(int(rows), int(columns), dtype=np_dtype),
                  dtype=np_dtype, name=name)


def _like(fill, x, dtype):
  np_dtype = None if dtype is None else as_dtype(dtype, fill.__name__)
  return fill(as_value(x), dtype=np_dtype)


@lazy_op
def zeros_like(x, dtype=None, name=None):
  """Returns an all-zeros array of the shape (and dtype) of `x`.

  >>> zeros_like(np.ones((2,), 'float32'))
  array([0., 0.], dtype=float32)
  """
  del name
  return _like(np.zeros_like, x, dtype)


@lazy_op
def ones_like(x, dtype=None, name=None):
  """Returns an all-ones array of the shape (and dtype) of `x`.

  >>> ones_like(np.zeros((2,), 'float32'))
  array([1., 1.], dtype=float32)
  """
  del name
  return _like(np.ones_like, x, dtype)


@lazy_op
def identity(x, name=None):
  """Returns a copy of `x` (reads a variable).

  >>> identity(variable([1.0]))
  array([1.], dtype=float32)
  """
  del name
  if scipy.sparse.issparse(x):
    return x.copy()
  return np.array(as_value(x), copy=True)


def _rng(seed):
  if seed is None:
    return np.random
  return np.random.RandomState(int(seed) % (2**32))


def random_uniform_variable(shape, low, high, dtype=None, name=None,
                            seed=None):
  """A variable of values drawn uniformly from `[low, high)`.

  The same `seed` gives the same values (not TensorFlow's values).

  >>> a = random_uniform_variable((2, 2), 0, 1, seed=7)
  >>> b = random_uniform_variable((2, 2), 0, 1, seed=7)
  >>> bool((eval(a) == eval(b)).all())
  True
  """
  np_dtype = as_dtype(config.floatx() if dtype is None else dtype,
                      'random_uniform_variable')
  value = _rng(seed).uniform(low, high, size=_shape_tuple(shape))
  return variable(value.astype(np_dtype), dtype=np_dtype, name=name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None,
                           seed=None):
  """A variable of values drawn from a normal distribution.

  >>> v = random_normal_variable((1000,), 2.0, 0.5, seed=1)
  >>> float(np.round(np.mean(eval(v)), 1))
  2.0
  """
  np_dtype = as_dtype(config.floatx() if dtype is None else dtype,
                      'random_normal_variable')
  value = _rng(seed).normal(mean, scale, size=_shape_tuple(shape))
  return variable(value.astype(np_dtype), dtype=np_dtype, name=name)


def manual_variable_initialization(value):
  """Accepted for compatibility: variables hold their value on creation.

  >>> manual_variable_initialization(True)
  """
  _State.manual_init = bool(value)


def v1_variable_initialization():
  """Accepted for compatibility (Keras 2.3.1): nothing to initialize.

  >>> v1_variable_initialization()
  """
