"""The learning phase (0 = test, 1 = train) and the ops that branch on it.

Mirrors `tf_backend/training_phase.py`: `learning_phase()` is a boolean
scalar placeholder that defaults to False (test) and can be listed among
the inputs of `K.function` and fed 0 or 1. `set_learning_phase(0 | 1)`
fixes it to a Python int instead, so that `in_train_phase` picks a branch
when the graph is built; `learning_phase_scope` does the same for a block.
"""

import contextlib
import threading

import numpy as np

from tf_kbackend import api_contract
from tf_kbackend.numpy_backend import evaluation
from tf_kbackend.numpy_backend.graph import (
    check_current, eager_scope, get_graph, in_symbolic_scope, is_symbolic,
    lazy_op, on_clear_session, read_values, rederive_structure, Symbol,
    VariableBase)
from tf_kbackend.numpy_backend.tensors import as_value

__all__ = ['learning_phase', 'set_learning_phase', 'learning_phase_scope',
           'in_train_phase', 'in_test_phase', 'switch']


class _State:
  fixed_value = None  # 0 or 1 once set_learning_phase() was called.
  placeholder = None  # The placeholder of the current graph.


class _ThreadState(threading.local):
  scoped_value = None  # 0 or 1 inside this thread's learning_phase_scope.


_THREAD = _ThreadState()


@on_clear_session
def _reset():
  _State.fixed_value = None
  _State.placeholder = None


def _learning_phase_placeholder():
  graph = get_graph()
  if _State.placeholder is None or _State.placeholder.graph is not graph:
    with eager_scope():  # Never under the caller's control inputs.
      phase = Symbol(None, name='keras_learning_phase')
    phase.name = graph.unique_name('keras_learning_phase') + ':0'
    phase._placeholder_shape = ()  # pylint: disable=protected-access
    phase._placeholder_dtype = np.dtype(bool)  # pylint: disable=protected-access
    phase._keras_shape = ()  # pylint: disable=protected-access
    phase._default = np.asarray(False)  # pylint: disable=protected-access
    phase._tf_kbackend_learning_phase = True  # pylint: disable=protected-access
    _State.placeholder = phase
  return _State.placeholder


def learning_phase():
  """Returns the learning phase flag: 0 = test, 1 = train.

  Returns:
    The Python int set by `set_learning_phase` or `learning_phase_scope`,
    else a symbolic boolean scalar that defaults to False (test) and can be
    fed 0 or 1 as an input of `K.function`.

  >>> f = function([learning_phase()], [in_train_phase(1.0, 0.0)])
  >>> float(f([1])[0]), float(f([0])[0])
  (1.0, 0.0)
  """
  if _THREAD.scoped_value is not None:
    return _THREAD.scoped_value
  if _State.fixed_value is not None:
    return _State.fixed_value
  return _learning_phase_placeholder()


def is_learning_phase(tensor):
  """True if `tensor` is the learning-phase placeholder of the graph."""
  return tensor is not None and tensor is _State.placeholder


def set_learning_phase(value):
  """Fixes the learning phase to 0 (test) or 1 (train).

  Raises:
    ValueError: for any other value; the phase is left as it was.

  >>> set_learning_phase(1); learning_phase()
  1
  >>> clear_session()
  """
  _State.fixed_value = api_contract.check_learning_phase(value)


@contextlib.contextmanager
def learning_phase_scope(value):
  """Fixes the learning phase to `value` (0 or 1) inside a block.

  The block fixes the phase for the thread that runs it only.

  >>> with learning_phase_scope(1):
  ...   learning_phase()
  1
  """
  value = api_contract.check_learning_phase(value)
  previous = _THREAD.scoped_value
  _THREAD.scoped_value = value
  try:
    yield value
  finally:
    _THREAD.scoped_value = previous


def in_train_phase(x, alt, training=None):
  """Selects `x` in the training phase and `alt` otherwise.

  Args:
    x: what to return in training: a tensor or a callable returning one.
    alt: what to return otherwise: same.
    training: 0/1, a boolean tensor, or None for `learning_phase()`.

  Returns:
    `x` or `alt` when the phase is a Python value (a callable is called);
    otherwise a symbol that selects between them when evaluated.

  >>> float(in_train_phase(1.0, 2.0, training=1))
  1.0
  """
  uses_learning_phase = training is None
  if training is None:
    training = learning_phase()
  if api_contract.is_static_phase(training, 1):
    return api_contract.call_if_callable(x)
  if api_contract.is_static_phase(training, 0):
    return api_contract.call_if_callable(alt)
  result = switch(training, x, alt)
  if uses_learning_phase and is_symbolic(result):
    result._uses_learning_phase = True  # pylint: disable=protected-access
  return result


def in_test_phase(x, alt, training=None):
  """Selects `x` in the test phase and `alt` otherwise.

  >>> float(in_test_phase(1.0, 2.0, training=0))
  1.0
  """
  return in_train_phase(alt, x, training=training)


def _rank_error(cond_ndim, expr_ndim):
  return ValueError(
      f'Rank of `condition` should be less than or equal to the rank of '
      f'`then_expression` and `else_expression`. Received: '
      f'ndim(condition)={cond_ndim}, ndim(then_expression)={expr_ndim}.')


def _select(condition, then_value, else_value):
  """Element-wise choice; the condition indexes the leading axes."""
  condition = np.asarray(condition).astype(bool)
  then_value, else_value = as_value(then_value), as_value(else_value)
  expr_ndim = np.ndim(then_value)
  if condition.ndim > expr_ndim:
    raise _rank_error(condition.ndim, expr_ndim)
  condition = condition.reshape(
      condition.shape + (1,) * (expr_ndim - condition.ndim))
  return np.where(condition, then_value, else_value)


_select.__name__ = 'switch'
_lazy_select = lazy_op(_select)


@lazy_op
def _chosen(value):
  return as_value(value)


_chosen.__name__ = 'switch'


class _Switch(Symbol):
  """`switch` on a symbolic condition: only the chosen branch is computed.

  A scalar condition computes one branch (the other is never evaluated,
  as `tf.cond`); a tensor condition computes both and selects element-wise.
  """

  def __init__(self, condition, then_value, else_value):
    super().__init__(_select, (condition,), name='switch')
    self.branches = rederive_structure((then_value, else_value),
                                                self.graph)
    for branch in self.branches:
      if isinstance(branch, Symbol):
        check_current(branch)
    variables = [b for b in self.branches
                 if isinstance(b, VariableBase)]
    self._variable_ids = self._variable_ids | {id(v) for v in variables}

  def lazy_dependencies(self):
    return tuple(b for b in self.branches if isinstance(b, Symbol))

  def compute(self, context):
    condition = np.asarray(context.resolve(self.args[0]))
    then_branch, else_branch = self.branches
    if condition.ndim == 0:
      chosen = then_branch if condition.astype(bool) else else_branch
      return as_value(context.value_of(chosen))
    return _select(condition, context.value_of(then_branch),
                   context.value_of(else_branch))


def _static_ndim(x):
  if isinstance(x, Symbol):
    shape = evaluation.static_signature(x)[0]
    return None if shape is None else len(shape)
  return np.ndim(read_values(x))


def switch(condition, then_expression, else_expression):
  """Selects between two tensors (or callables) by a boolean condition.

  Args:
    condition: a scalar (chooses a whole branch, as `tf.cond`; with a
      concrete condition only the chosen callable is called) or a tensor
      whose shape is a prefix of the branches' shapes (chooses
      element-wise, broadcasting over the trailing axes).
    then_expression: a tensor or a callable returning one.
    else_expression: same.

  Returns:
    The selected value (a symbol if the condition or a branch is symbolic).

  Raises:
    ValueError: if `condition` has a higher rank than the branches.

  >>> switch(np.array([True, False]), np.ones((2, 2)), np.zeros((2, 2)))
  array([[1., 1.],
         [0., 0.]])
  >>> c = placeholder(shape=(), dtype='bool')
  >>> f = function([c], [switch(c, lambda: 1.0, lambda: 2.0)])
  >>> float(f([True])[0]), float(f([False])[0])
  (1.0, 2.0)
  """
  if not (is_symbolic(condition) or in_symbolic_scope()):
    cond = np.asarray(read_values(condition))
    if cond.ndim == 0:
      # As eager tf.cond: only the chosen branch is called.
      return _chosen(api_contract.call_if_callable(
          then_expression if cond.astype(bool) else else_expression))
    return _lazy_select(condition, api_contract.call_if_callable(then_expression),
                        api_contract.call_if_callable(else_expression))
  # As tf.cond in a graph: both callables are called to build the branches.
  then_value = api_contract.call_if_callable(then_expression)
  else_value = api_contract.call_if_callable(else_expression)
  cond_ndim = _static_ndim(condition)
  expr_ndim = _static_ndim(then_value)
  if cond_ndim is not None and expr_ndim is not None and cond_ndim > expr_ndim:
    raise _rank_error(cond_ndim, expr_ndim)
  return _Switch(condition, then_value, else_value)
