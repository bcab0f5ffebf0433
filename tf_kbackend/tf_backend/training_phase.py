"""The learning phase (0 = test, 1 = train) and the ops that branch on it.

`learning_phase()` is, as in Keras 2.2.4, a boolean scalar placeholder of
the Keras graph that defaults to False (test). It can be listed among the
inputs of `K.function` and fed 0 or 1. `set_learning_phase(0 | 1)` fixes it
to a Python int instead, so that `in_train_phase` picks a branch at build
time; `learning_phase_scope` does the same for a block, in the thread that
enters it (other threads keep their phase, as they keep their name scopes).
Fed, the phase must be 0, 1 or a bool.
"""

import contextlib
import threading

import tensorflow as tf

from tf_kbackend import api_contract
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import tensor_utils


class _State:
  fixed_value = None  # 0 or 1 once set_learning_phase() was called.
  placeholder = None  # The placeholder of the current Keras graph.


class _ThreadState(threading.local):
  scoped_value = None  # 0 or 1 inside this thread's learning_phase_scope.


_THREAD = _ThreadState()


@graph_lib.on_clear_session
def _reset():
  _State.fixed_value = None
  _State.placeholder = None


def _learning_phase_placeholder():
  placeholder = _State.placeholder
  if placeholder is None:
    # Under the lock: one placeholder per graph, whichever thread asks
    # first, and never one of a graph that clear_session() just retired.
    with graph_lib.graph_lock():
      if _State.placeholder is None:
        with graph_lib.get_graph().as_default():
          placeholder = tf.compat.v1.placeholder_with_default(
              False, shape=(), name='keras_learning_phase')
        placeholder._tf_kbackend_learning_phase = True  # pylint: disable=protected-access
        _State.placeholder = placeholder
      placeholder = _State.placeholder
  return placeholder


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
  """True if `tensor` is the learning-phase placeholder of the Keras graph."""
  return tensor is not None and tensor is _State.placeholder


def set_learning_phase(value):
  """Fixes the learning phase to 0 (test) or 1 (train).

  Args:
    value: 0 or 1.

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
    otherwise a tensor that selects between them at run time.

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
  if uses_learning_phase and graph_lib.is_symbolic(result):
    result._uses_learning_phase = True  # pylint: disable=protected-access
  return result


def in_test_phase(x, alt, training=None):
  """Selects `x` in the test phase and `alt` otherwise.

  >>> float(in_test_phase(1.0, 2.0, training=0))
  1.0
  """
  return in_train_phase(alt, x, training=training)


@graph_lib.graph_op
def switch(condition, then_expression, else_expression):
  """Selects between two tensors (or callables) by a boolean condition.

  Args:
    condition: a scalar (chooses a whole branch, as `tf.cond`; only the
      chosen callable runs) or a tensor whose shape is a prefix of the
      branches' shapes (chooses element-wise, broadcasting over the
      trailing axes).
    then_expression: a tensor or a callable returning one.
    else_expression: same.

  Returns:
    The selected tensor.

  Raises:
    ValueError: if `condition` has a higher rank than the branches.

  >>> switch(tf.constant([True, False]), [[1, 1], [1, 1]], [[2, 2], [2, 2]]).numpy()
  array([[1, 1],
         [2, 2]], dtype=int32)
  """
  condition = tf.convert_to_tensor(condition)
  if condition.dtype != tf.bool:
    condition = tf.cast(condition, tf.bool)
  cond_ndim = condition.shape.rank
  if not cond_ndim:
    return tf.cond(condition,
                   lambda: tf.convert_to_tensor(
                       api_contract.call_if_callable(then_expression)),
                   lambda: tf.convert_to_tensor(
                       api_contract.call_if_callable(else_expression)))
  then_expression = tf.convert_to_tensor(api_contract.call_if_callable(then_expression))
  else_expression = tf.convert_to_tensor(api_contract.call_if_callable(else_expression))
  expr_ndim = then_expression.shape.rank
  if expr_ndim is not None and cond_ndim > expr_ndim:
    raise ValueError(
        f'Rank of `condition` should be less than or equal to the rank of '
        f'`then_expression` and `else_expression`. Received: '
        f'ndim(condition)={cond_ndim}, ndim(then_expression)={expr_ndim}.')
  if expr_ndim is not None and expr_ndim > cond_ndim:
    # Legacy semantics: the condition indexes the leading axes.
    condition = tensor_utils.append_unit_axes(condition, expr_ndim - cond_ndim)
  return tf.where(condition, then_expression, else_expression)
