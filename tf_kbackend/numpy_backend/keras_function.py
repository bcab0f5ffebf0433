"""`K.function`, `K.gradients` and `K.stop_gradient` (numpy reference).

Mirrors `tf_backend/keras_function.py` (and its `feeds.py`): the same
arguments, feeding rules, update semantics and error messages. Gradients
are central finite differences, computed in float64 where the expression
allows (see `gradients`).
"""

import numpy as np
import scipy.sparse

from tf_kbackend import api_contract
from tf_kbackend.numpy_backend import evaluation
from tf_kbackend.numpy_backend.graph import (
    check_current, eager_scope, is_derived, lazy_op, quiet, read_values,
    rederive, Symbol, VariableBase)
from tf_kbackend.numpy_backend.variables import UpdateOp

__all__ = ['Function', 'function', 'gradients', 'stop_gradient']


# ---------------------------------------------------------------------------
# Feeding: TF1's rules (values cast to the placeholder's dtype, shapes
# checked), with the TensorFlow backend's messages.


def as_array(value, dtype, label):
  """`value` as a new numpy array of `dtype`, or a ValueError naming `label`."""
  value = read_values(value)
  try:
    array = np.asarray(value)
  except (TypeError, ValueError) as e:
    raise api_contract.FeedError(f'Cannot feed {api_contract.describe_value(value)} for {label}: {e}') from e
  if dtype is None:
    return np.array(array, copy=True)
  kind = array.dtype.kind
  if kind in 'OSUV' or (kind == 'c' and dtype.kind != 'c'):
    raise api_contract.FeedError(
        f'Cannot feed {api_contract.describe_value(array)} for {label}, which has dtype '
        f'{dtype.name}.')
  return np.array(array, dtype=dtype, copy=True)


def _shape_str(shape):
  return 'unknown' if shape is None else str(tuple(shape))


def _fits(shape, expected):
  return expected is None or (
      len(shape) == len(expected) and all(
          e is None or s == e for s, e in zip(shape, expected)))


def _dense_converter(symbol, label):
  expected, dtype, _ = evaluation.static_signature(symbol)

  def convert(value):
    array = as_array(value, dtype, label)
    if not _fits(array.shape, expected):
      raise api_contract.FeedError(
          f'Cannot feed a value of shape {array.shape} for {label}, which '
          f'has shape {_shape_str(expected)}.')
    return array

  return convert


def _sparse_converter(symbol, label):
  expected, dtype, _ = evaluation.static_signature(symbol)

  def convert(value):
    if scipy.sparse.issparse(value):
      matrix = value.astype(dtype)
    elif (isinstance(value, tuple) and len(value) == 3) or all(
        hasattr(value, a) for a in ('indices', 'values', 'dense_shape')):
      indices, values, dense_shape = (
          (value.indices, value.values, value.dense_shape)
          if hasattr(value, 'dense_shape') else value)
      indices = np.asarray(indices, dtype=np.int64).reshape(
          (-1, len(dense_shape)))
      if len(dense_shape) != 2:
        raise api_contract.FeedError(
            f'Cannot feed a sparse value of rank {len(dense_shape)} for '
            f'sparse {label}: the numpy backend holds sparse values as '
            f'scipy.sparse matrices, which are 2-D.')
      matrix = scipy.sparse.coo_matrix(
          (as_array(values, dtype, label), (indices[:, 0], indices[:, 1])),
          shape=tuple(int(d) for d in dense_shape))
    else:
      raise api_contract.FeedError(
          f'Cannot feed {api_contract.describe_value(value)} for sparse {label}: expected a '
          f'scipy.sparse matrix or an (indices, values, dense_shape) tuple.')
    if not _fits(matrix.shape, expected):
      raise api_contract.FeedError(
          f'Cannot feed a sparse value of dense shape {tuple(matrix.shape)} '
          f'for sparse {label}, which has shape {_shape_str(expected)}.')
    return matrix

  return convert


def _learning_phase_converter(label):
  def convert(value):
    return np.asarray(api_contract.check_fed_learning_phase(
        read_values(value), label))

  return convert


def _converter(symbol, label):
  if symbol.sparse:
    return _sparse_converter(symbol, label)
  if getattr(symbol, '_tf_kbackend_learning_phase', False):
    return _learning_phase_converter(label)
  return _dense_converter(symbol, label)


# ---------------------------------------------------------------------------
# K.function.


def _label(symbol, position, function_name):
  return (f'placeholder {symbol.name!r} (input {position} of K.function '
          f'{function_name!r})')


def _check_fed(symbol, position, function_name):
  if not isinstance(symbol, Symbol) or symbol._is_op:  # pylint: disable=protected-access
    raise ValueError(
        f'Input {position} of K.function {function_name!r} must be a '
        f'placeholder (or another symbolic tensor to feed). Received: '
        f'{symbol!r}.')
  check_current(
      symbol, f'Input {position} of K.function {function_name!r}')


def _as_fetch(output, position, function_name):
  """An output as `Function` computes it; derived values follow variables."""
  if is_derived(output):
    output = rederive(output)
  if isinstance(output, Symbol):
    if output._is_op:  # pylint: disable=protected-access
      raise ValueError(
          f'Output {position} of K.function {function_name!r} is an op, '
          f'which has no value: pass it in `updates` instead. Received: '
          f'{output!r}.')
    check_current(
        output, f'Output {position} of K.function {function_name!r}')
  return output


def _flatten_updates(updates):
  flat = []
  for update in updates or ():
    if isinstance(update, list):
      flat.extend(_flatten_updates(update))
    else:
      flat.append(update)
  return flat


def _collect_updates(updates, function_name):
  """The update ops to apply after the outputs, and other symbols to run."""
  ops, others = [], []
  for position, update in enumerate(_flatten_updates(updates)):
    if isinstance(update, tuple):
      if len(update) != 2 or not isinstance(update[0],
                                            VariableBase):
        raise ValueError(
            f'Update {position} of K.function {function_name!r} must be an '
            f'update op or a (variable, new_value) tuple. Received: '
            f'{update!r}.')
      variable, value = update
      if isinstance(value, Symbol):
        check_current(
            value, f'Update {position} of K.function {function_name!r}')
        shape = evaluation.static_signature(value)[0]
      else:
        shape = np.shape(read_values(value))
      expected = variable._value.shape  # pylint: disable=protected-access
      if shape is not None and (len(shape) != len(expected) or any(
          d is not None and d != e for d, e in zip(shape, expected))):
        raise ValueError(
            f'Update {position} of K.function {function_name!r}: cannot '
            f'assign a value of shape {api_contract.plain_shape(shape)} to '
            f'variable {variable.name!r} of shape {expected}.')
      with eager_scope():
        ops.append(UpdateOp('assign', variable, value, 'update'))
    elif isinstance(update, UpdateOp):
      check_current(
          update, f'Update {position} of K.function {function_name!r}')
      ops.append(update)
    elif isinstance(update, Symbol):
      check_current(
          update, f'Update {position} of K.function {function_name!r}')
      others.append(update)
    else:
      raise ValueError(
          f'Update {position} of K.function {function_name!r} must be an '
          f'update op (such as K.update_add(...)) or a (variable, new_value) '
          f'tuple. Received: {update!r}.')
  return ops, others


def _output_value(value):
  """A computed value as K.function returns it: a new array (numpy scalar)."""
  if scipy.sparse.issparse(value):
    return value.copy()
  array = np.array(value, copy=True)
  return array[()] if array.ndim == 0 else array


class Function:
  """A function of symbolic inputs: `Function(inputs, outputs, updates)(values)`.

  Built by `function()`; see there. Calling it feeds `inputs`, computes
  `outputs` and applies `updates`, returning numpy arrays.

  >>> x = placeholder(shape=(2,))
  >>> f = Function([x], [x * 2.0], name='double')
  >>> f([[1.0, 2.0]])[0], f.name
  (array([2., 4.], dtype=float32), 'double')
  """

  def __init__(self, inputs, outputs, updates=None, name=None,
               **session_kwargs):
    args = api_contract.function_arguments(inputs, outputs, name,
                                           session_kwargs)
    self.name = args.name
    self.inputs = args.inputs
    self.outputs = args.outputs
    self.updates = updates
    self.feed_dict = args.feed_dict
    self._single_output = args.single_output
    outputs, fetches, description = args.outputs, args.fetches, args.description

    fixed_feeds = list(args.feed_dict)
    fed = self.inputs + fixed_feeds
    for position, symbol in enumerate(fed):
      _check_fed(symbol, position, self.name)
    self._converters = [_converter(s, _label(s, i, self.name))
                        for i, s in enumerate(fed)]
    self._fetches = [_as_fetch(o, i, self.name)
                     for i, o in enumerate(outputs)]
    self._update_ops, others = _collect_updates(
        list(updates or []) + list(fetches), self.name)
    roots = [f for f in self._fetches if isinstance(f, Symbol)]
    for op in self._update_ops:
      roots.extend(op.control_inputs)
      roots.extend(op.dependencies())
    self._program = evaluation.Program(roots + others, fed, description)
    # Keras 2.3.1's feed_dict is read at each call (legacy Keras kept the
    # caller's dict, not a copy).
    self._fixed_feed_converters = list(
        zip(self._converters[len(self.inputs):], fixed_feeds))

  def __call__(self, inputs):
    """Feeds `inputs` (a list, one value per input) and returns the outputs.

    Raises:
      ValueError: for the wrong number of inputs, or a value whose shape
        or dtype does not fit its placeholder.
    """
    api_contract.check_call_inputs(self.name, inputs, self.inputs)
    feeds = {}
    for convert, symbol, value in zip(self._converters, self.inputs, inputs):
      feeds[id(symbol)] = convert(value)
    for convert, symbol in self._fixed_feed_converters:
      feeds[id(symbol)] = convert(self.feed_dict[symbol])
    context = self._program.run(feeds)
    results = [_output_value(context.value_of(f)) for f in self._fetches]
    # Updates see the values from before any of them applies; each applies
    # to the variable's value at that point (two update_adds accumulate).
    pending = [(op, op.operand(context)) for op in self._update_ops
               if id(op) not in context.memo]
    for op, operand in pending:
      op.new_value(op.variable._value, operand)  # Checks before any change.  # pylint: disable=protected-access
    for op, operand in pending:
      op.variable._set(op.new_value(op.variable._value, operand))  # pylint: disable=protected-access
    return results[0] if self._single_output else results


def function(inputs, outputs, updates=None, name=None, **kwargs):
  """Makes a function from symbolic inputs to outputs, with updates.

  Args:
    inputs: a list of placeholders (or other symbols to feed), possibly
      including `learning_phase()` and sparse placeholders.
    outputs: a list of tensors to return (or a single tensor, to return a
      single array). Variables return their value.
    updates: update ops (`update_add(...)`, ...) or `(variable, new_value)`
      tuples, applied after the outputs are computed: the outputs see the
      variables' values from before the call.
    name: a name for the function.
    **kwargs: Keras 2.3.1's `feed_dict` (fixed extra feeds) and `fetches`
      (extra ops to run); TF1's `options` and `run_metadata` are ignored.

  Returns:
    A `Function`: call it with a list of values, one per input (numpy
    arrays, lists, numbers); it returns a list of numpy arrays.

  Raises:
    ValueError: for an output that depends on a placeholder not in
      `inputs`, a symbol of a cleared session, or an unknown keyword.

  >>> x = placeholder(shape=(None, 2))
  >>> w = variable([[1.0], [2.0]])
  >>> f = function([x], [dot(x, w)], updates=[update_add(w, [[1.0], [1.0]])])
  >>> f([np.array([[1.0, 1.0]])])[0]  # uses w before the update
  array([[3.]], dtype=float32)
  >>> f([np.array([[1.0, 1.0]])])[0]
  array([[5.]], dtype=float32)
  """
  return Function(inputs, outputs, updates=updates, name=name, **kwargs)


# ---------------------------------------------------------------------------
# Gradients by central finite differences.


def _sum64(value):
  if scipy.sparse.issparse(value):
    value = value.toarray()
  return float(np.sum(np.asarray(value, dtype=np.float64)))


def _finite_differences(loss):
  del loss  # Never called: _Gradient.compute computes the gradient.


class _Gradient(Symbol):
  """The gradient of `sum(loss)` with respect to `target`, by differences.

  For each element x_i of the target, `(L(x_i + h) - L(x_i - h)) / 2h`,
  evaluating only the part of the expression that depends on the target
  (the rest keeps the values of the current evaluation, and so do random
  draws), with the target in float64. The step is
  `h = cbrt(eps) * max(1, |x_i|)`, eps being the machine epsilon of the
  loss's dtype in that evaluation: about 6e-6 when it is float64, 5e-3
  when an explicit cast keeps it float32.
  """

  def __init__(self, loss, target):
    super().__init__(_finite_differences,
                     (target,) if isinstance(target, Symbol) else (),
                     name='gradients')
    self.loss = loss
    self.target = target
    self._dependents = {}
    if isinstance(target, VariableBase):
      self._variable_ids = frozenset((id(target),))

  def lazy_dependencies(self):
    return (self.loss,)

  def _dependents_for(self, fed_key):
    """The ids of the symbols to recompute, and their random generators."""
    cached = self._dependents.get(fed_key)
    if cached is None:
      found = evaluation.dependents(self.loss, self.target, fed_key)
      rngs = {}
      for node in evaluation.topological([self.loss], fed_key,
                                         include_lazy=True):
        if id(node) in found:
          rngs.update((id(r), r) for r in node._rngs)  # pylint: disable=protected-access
      cached = self._dependents[fed_key] = (found, list(rngs.values()))
    return cached

  def compute(self, context):
    base = np.asarray(context.value_of(self.target))
    if context.probing:  # Static shape inference: the shape is the target's.
      return np.zeros(base.shape, base.dtype)
    context.evaluate(self.loss)
    dependents, rngs = self._dependents_for(context.fed_key)
    frozen = {k: v for k, v in context.memo.items() if k not in dependents}
    start = {id(r): evaluation.rng_state(r) for r in rngs}
    target = self.target
    is_variable = isinstance(target, VariableBase)
    saved_value = target._value if is_variable else None  # pylint: disable=protected-access

    def loss_at(x):
      for rng in rngs:  # The same random draws for every evaluation.
        recorded = context.rng_states.get(id(rng))
        evaluation.set_rng_state(rng,
                                 recorded[1] if recorded else start[id(rng)])
      memo = dict(frozen)
      if is_variable:
        # Set, not overridden: functions called by ops (rnn's step
        # function) read the variable directly.
        target._value = x.copy()  # pylint: disable=protected-access
      else:
        memo[id(target)] = x.copy()
      value = evaluation.Context(memo, context.fed_key).evaluate(self.loss)
      return _sum64(value), np.asarray(value).dtype

    x = np.array(base, dtype=np.float64)
    gradient = np.zeros_like(x)
    try:
      with quiet():
        _, loss_dtype = loss_at(x)
        eps = np.finfo(loss_dtype if loss_dtype.kind == 'f' else
                       np.float64).eps
        scale = float(eps) ** (1.0 / 3.0)
        flat_x, flat_grad = x.reshape(-1), gradient.reshape(-1)
        for i in range(flat_x.size):
          original = flat_x[i]
          step = scale * max(1.0, abs(original))
          flat_x[i] = original + step
          high = flat_x[i]
          plus = loss_at(x)[0]
          flat_x[i] = original - step
          low = flat_x[i]
          minus = loss_at(x)[0]
          flat_x[i] = original
          flat_grad[i] = (plus - minus) / (high - low)
    finally:
      if is_variable:
        target._value = saved_value  # pylint: disable=protected-access
      for rng in rngs:
        evaluation.set_rng_state(rng, start[id(rng)])
    return gradient.astype(base.dtype)


def _target_dtype(target):
  if isinstance(target, VariableBase):
    return target.dtype
  return evaluation.static_signature(target)[1]


def gradients(loss, variables):
  """Returns the gradients of `loss` with respect to `variables`.

  The numpy reference computes central finite differences (see
  `_Gradient`): exact enough to check the TensorFlow implementation on
  small problems, and it costs two evaluations of the dependent part of
  `loss` per element of each variable. Paths through `stop_gradient` are
  held constant.

  Args:
    loss: a symbolic scalar (or tensor, summed).
    variables: a variable, placeholder or intermediate symbol, or a list.

  Returns:
    A list of symbols, None where `loss` does not depend on the variable
    (or the variable is not a float), as legacy Keras.

  Raises:
    ValueError: if `loss` is a concrete value.

  >>> x = placeholder(shape=(3,))
  >>> g = gradients(sum(square(x)), [x])[0]
  >>> np.round(function([x], [g])([np.array([1.0, 2.0, 3.0])])[0], 4)
  array([2., 4., 6.], dtype=float32)
  """
  # A loss computed eagerly from variables is differentiated as TF1 did.
  if is_derived(loss):
    loss = rederive(loss)
  if not isinstance(loss, Symbol) or loss._is_op:  # pylint: disable=protected-access
    raise ValueError(
        f'K.gradients needs a symbolic loss (computed from placeholders or '
        f'variables, or built inside K.symbolic / K.name_scope). Received '
        f'the concrete value {loss!r}.')
  check_current(loss, 'The loss passed to K.gradients')
  targets = list(variables) if isinstance(variables,
                                          (list, tuple)) else [variables]
  targets = [rederive(t) if is_derived(t) else t for t in targets]
  result = []
  for target in targets:
    if not isinstance(target, (Symbol, VariableBase)):
      raise ValueError(
          f'K.gradients differentiates with respect to variables, '
          f'placeholders or symbolic tensors. Received: {target!r}.')
    dtype = _target_dtype(target)
    if dtype is None or dtype.kind != 'f' or id(loss) not in (
        evaluation.dependents(loss, target, frozenset())):
      result.append(None)
      continue
    with eager_scope():
      result.append(_Gradient(loss, target))
  return result


def _stop(x):
  if scipy.sparse.issparse(x):
    return x.copy()
  return np.array(x, copy=True)


_stop.__name__ = 'stop_gradient'
_stop._stops_gradient = True  # pylint: disable=protected-access
_lazy_stop = lazy_op(_stop)


def stop_gradient(variables):
  """Returns `variables` with gradients stopped (a tensor or a list).

  >>> x = placeholder(shape=(2,))
  >>> gradients(sum(stop_gradient(x) * 2.0), [x])
  [None]
  """
  if isinstance(variables, (list, tuple)):
    return [_lazy_stop(v) for v in variables]
  return _lazy_stop(variables)
