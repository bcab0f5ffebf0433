"""Argument rules of the legacy API that every implementation shares.

The TensorFlow implementation and the numpy reference compute independently.
What they must agree on before computing is written once here, so the two
cannot drift apart:
- which arguments `K.function` accepts;
- how a placeholder shape or a learning phase is spelled;
- how nested fetches are walked;
- which sizes, strides, paddings and pool modes the convolutions take;
- what an rnn step function must return.
Like `config.py`, this module uses numpy only.
"""

import collections
import operator

import numpy as np

from tf_kbackend import config

# Keyword arguments of TF1's `Session.run` that `K.function` forwarded;
# accepted and ignored (TF2 has no run options or run metadata).
SESSION_RUN_KWARGS = ('options', 'run_metadata')


def normalize_shape(shape, what):
  """A shape as a tuple of ints and None (None for an unknown rank).

  Raises:
    ValueError: for anything but ints and None, or a negative dimension.

  >>> normalize_shape([None, 3], 'placeholder')
  (None, 3)
  >>> normalize_shape(4, 'placeholder')
  (4,)
  """
  if shape is None:
    return None
  if isinstance(shape, (int, np.integer)):
    shape = (shape,)
  try:
    shape = tuple(None if d is None else int(d) for d in shape)
  except (TypeError, ValueError) as e:
    raise ValueError(
        f'{what}: shape must be a tuple of ints and None. Received: '
        f'shape={shape!r}.') from e
  if any(d is not None and d < 0 for d in shape):
    raise ValueError(
        f'{what}: dimensions must be non-negative or None. Received: '
        f'shape={shape!r}.')
  return shape


def placeholder_shape(shape, ndim, what='placeholder'):
  """The shape of a new placeholder from its `shape` and `ndim` arguments.

  As in legacy Keras, `ndim` gives a shape of None dimensions when `shape`
  is not given.

  Raises:
    ValueError: for a bad shape, or an `ndim` that is not a non-negative
      int (legacy Keras made `ndim=-1` a scalar placeholder).

  >>> placeholder_shape(None, 2)
  (None, None)
  >>> placeholder_shape((3,), None)
  (3,)
  """
  shape = normalize_shape(shape, what)
  if ndim is not None and (
      isinstance(ndim, (bool, np.bool_)) or
      not isinstance(ndim, (int, np.integer)) or ndim < 0):
    raise ValueError(
        f'{what}: ndim must be a non-negative int (the rank of the '
        f'placeholder) or None. Received: ndim={ndim!r}.')
  if not shape and ndim:
    shape = (None,) * int(ndim)
  return shape


def plain_shape(shape):
  """`shape` (a tuple or list of dims) with numpy ints made Python ints.

  Legacy Keras computes some shapes with numpy (Flatten: `np.prod`); under
  NumPy 2 such dims print as `np.int64(4608)`.

  >>> plain_shape((None, np.int64(4608)))
  (None, 4608)
  """
  if shape is None or all(type(d) is int or d is None for d in shape):  # pylint: disable=unidiomatic-typecheck
    return shape
  plain = [d if d is None else int(d) for d in shape]
  return plain if isinstance(shape, list) else tuple(plain)


class FeedError(ValueError):
  """A value that cannot be fed for a placeholder (wrong shape, dtype...).

  Raised by calling a `K.function`, `Session.run` or `K.eval` with such a
  value. A `ValueError`, as legacy Keras raised (TF1's `Session.run`);
  catch `K.FeedError` to tell a bad feed from other errors.

  >>> issubclass(FeedError, ValueError)
  True
  """


def check_fed_learning_phase(value, label):
  """A value fed for the learning phase, as a Python bool.

  Accepts what legacy Keras fed: 0, 1, True, False, 0.0, 1.0 (as Python or
  numpy scalars); TF1 silently cast anything to bool (2 was training).

  Raises:
    FeedError: for anything else, naming `label`.

  >>> check_fed_learning_phase(1.0, 'the learning phase')
  True
  """
  try:
    array = np.asarray(value)
    valid = (array.shape == () and array.dtype.kind in 'biuf' and
             bool(array == 0 or array == 1))
  except (TypeError, ValueError):
    valid = False
  if not valid:
    raise FeedError(
        f'Cannot feed {describe_value(value)} for {label}: expected learning '
        f'phase to be 0 or 1 (or a bool). Received: {value!r}.')
  return bool(array)


def check_learning_phase(value):
  """The learning phase as the int 0 or 1.

  Raises:
    ValueError: for anything else (booleans included, as legacy Keras).

  >>> check_learning_phase(1)
  1
  """
  if isinstance(value, (bool, np.bool_)) or value not in (0, 1):
    raise ValueError(
        f'Expected learning phase to be 0 or 1. Received: {value!r}.')
  return int(value)


def is_static_phase(training, phase):
  """True if `training` is a Python (or numpy) value equal to `phase`.

  >>> is_static_phase(True, 1), is_static_phase(0, 1)
  (True, False)
  """
  if isinstance(training, (bool, int, np.bool_, np.integer)):
    return int(training) == phase
  return False


def call_if_callable(x):
  """`x()` for a callable (a lazily built branch), else `x`."""
  return x() if callable(x) else x


def flatten_structure(structure):
  """The leaves of nested lists, tuples and dicts, in order.

  >>> flatten_structure({'a': [1, (2, 3)], 'b': 4})
  [1, 2, 3, 4]
  """
  if isinstance(structure, dict):
    return [leaf for key in structure
            for leaf in flatten_structure(structure[key])]
  if isinstance(structure, (list, tuple)):
    return [leaf for item in structure for leaf in flatten_structure(item)]
  return [structure]


def pack_as_structure(structure, leaves):
  """`structure` rebuilt with the next values of the iterator `leaves`.

  Keeps each container's type (dicts, lists, tuples, namedtuples).

  >>> pack_as_structure({'a': [0, (0, 0)], 'b': 0}, iter([1, 2, 3, 4]))
  {'a': [1, (2, 3)], 'b': 4}
  """
  if isinstance(structure, dict):
    return type(structure)(
        (key, pack_as_structure(structure[key], leaves)) for key in structure)
  if isinstance(structure, (list, tuple)):
    packed = [pack_as_structure(item, leaves) for item in structure]
    if hasattr(structure, '_fields'):  # namedtuple
      return type(structure)(*packed)
    return type(structure)(packed)
  return next(leaves)


FunctionArguments = collections.namedtuple(
    'FunctionArguments',
    'name description inputs outputs single_output feed_dict fetches '
    'jit_compile')


def function_arguments(inputs, outputs, name, session_kwargs):
  """Checks and normalizes the arguments of `K.function` / `Function`.

  Args:
    inputs: must be a list or tuple.
    outputs: a list or tuple, or a single tensor (then a single array is
      returned at each call).
    name: the function's name, or None.
    session_kwargs: the other keyword arguments: Keras 2.3.1's `feed_dict`
      and `fetches` (a list, or one op), TF1's `options` and `run_metadata`
      (ignored), tf_kbackend's `jit_compile` (True/False; None or absent:
      `config.jit_compile()`), and the private `_description` by which
      `K.eval` and `Session.run` name themselves in errors.

  Returns:
    A `FunctionArguments`.

  Raises:
    TypeError: if `inputs` is not a list or tuple.
    ValueError: for an unknown keyword argument.
  """
  session_kwargs = dict(session_kwargs)
  name = name or 'keras_function'
  description = session_kwargs.pop('_description', None) or (
      f'K.function {name!r}')
  feed_dict = session_kwargs.pop('feed_dict', None) or {}
  fetches = session_kwargs.pop('fetches', None) or []
  if not isinstance(fetches, (list, tuple)):
    fetches = [fetches]  # Keras 2.3.1 accepted a single fetch.
  for key in SESSION_RUN_KWARGS:
    session_kwargs.pop(key, None)
  jit_compile = session_kwargs.pop('jit_compile', None)
  if jit_compile is None:
    jit_compile = config.jit_compile()
  elif not isinstance(jit_compile, (bool, np.bool_)):
    raise ValueError(
        f'jit_compile of K.function {name!r} must be True, False or None '
        f'(the default from tf_kbackend.config.jit_compile()). Received: '
        f'{jit_compile!r}.')
  if session_kwargs:
    raise ValueError(
        f'Invalid argument(s) passed to K.function: '
        f'{", ".join(sorted(session_kwargs))}. Accepted: inputs, outputs, '
        f'updates, name, feed_dict, fetches, options, run_metadata, '
        f'jit_compile.')
  if not isinstance(inputs, (list, tuple)):
    raise TypeError(
        f'`inputs` of K.function should be a list or tuple. Received: '
        f'{inputs!r}.')
  single_output = not isinstance(outputs, (list, tuple))
  outputs = [outputs] if single_output else list(outputs)
  return FunctionArguments(name, description, list(inputs), outputs,
                           single_output, feed_dict, list(fetches),
                           bool(jit_compile))


def describe_value(value):
  """A short description of a fed value, for error messages.

  >>> describe_value(np.zeros((2, 3), 'float32'))
  'a ndarray of shape (2, 3) and dtype float32'
  """
  shape = getattr(value, 'shape', None)
  dtype = getattr(value, 'dtype', None)
  if shape is not None and dtype is not None:
    return f'a {type(value).__name__} of shape {tuple(shape)} and dtype {dtype}'
  return repr(value)[:80]


def check_call_inputs(function_name, inputs, expected):
  """Checks the values given to a compiled function, one per input.

  Args:
    function_name: the function's name, for messages.
    inputs: what the caller passed.
    expected: the function's inputs (placeholders).

  Raises:
    TypeError: if `inputs` is not a list or tuple.
    ValueError: for the wrong number of values, naming the inputs.
  """
  if not isinstance(inputs, (list, tuple)):
    raise TypeError(
        f'K.function {function_name!r} takes a list or tuple of input '
        f'values, one per input. Received: {type(inputs).__name__}.')
  if len(inputs) != len(expected):
    raise ValueError(
        f'K.function {function_name!r} expects {len(expected)} input '
        f'value(s), one for each of '
        f'{[getattr(t, "name", t) for t in expected]}, but received '
        f'{len(inputs)}.')


# Convolution and pooling arguments. `op` is the public op's name.

PADDINGS = ('valid', 'same')
POOL_MODES = ('max', 'avg')


def int_tuple(value, rank, name, op):
  """`value`, an int or a sequence of `rank` positive ints, as a tuple.

  >>> int_tuple(2, 3, 'strides', 'conv3d')
  (2, 2, 2)
  """
  try:
    if isinstance(value, (list, tuple, np.ndarray)):
      result = tuple(operator.index(v) for v in value)
    else:
      result = (operator.index(value),) * rank
  except TypeError:
    raise TypeError(
        f'{op}: `{name}` must be an int or a tuple of {rank} ints. '
        f'Received: {name}={value!r}') from None
  if len(result) != rank or any(v < 1 for v in result):
    raise ValueError(
        f'{op}: `{name}` must be a positive int or a tuple of {rank} '
        f'positive ints. Received: {name}={value!r}')
  return result


def check_padding(padding, op, allowed=PADDINGS):
  if not isinstance(padding, str) or padding not in allowed:
    raise ValueError(
        f'Invalid padding for {op}: expected one of '
        f'{", ".join(map(repr, allowed))}. Received: padding={padding!r}')


def check_pool_mode(pool_mode, op):
  if not isinstance(pool_mode, str) or pool_mode not in POOL_MODES:
    raise ValueError(
        f"Invalid pool_mode for {op}: expected 'max' or 'avg'. "
        f'Received: pool_mode={pool_mode!r}')


def _static_shape(value):
  """A numpy shape as is; a TensorShape as a tuple, or None if rank unknown."""
  shape = value.shape
  if isinstance(shape, tuple):
    return shape
  return None if shape.rank is None else tuple(shape.as_list())


def check_rank(value, rank, name, op):
  """Raises unless `value` (an array or tensor) has rank `rank` (if known)."""
  shape = _static_shape(value)
  if shape is not None and len(shape) != rank:
    raise ValueError(
        f'{op} expects `{name}` of rank {rank}. '
        f'Received: {name}.shape={shape}')


def check_sizes_match(op, what, actual, expected_what, expected, evidence):
  """Raises unless two sizes agree (None, a size unknown until run time,
  agrees with anything)."""
  if actual is not None and expected is not None and actual != expected:
    raise ValueError(
        f'{op}: {what} ({actual}) does not match {expected_what} '
        f'({expected}). '
        f'Received: {evidence}')


def check_dilation(strides, dilation, op):
  """Refuses strides > 1 with dilation > 1, as TF (so legacy Keras) did in
  convolution, depthwise and separable convolution, clearly everywhere."""
  if any(s > 1 for s in strides) and any(d > 1 for d in dilation):
    raise ValueError(
        f'{op}: `strides` > 1 is not supported together with '
        f'`dilation_rate` > 1. Received: strides={strides}, '
        f'dilation_rate={dilation}')


def rnn_step_outputs(result, num_states):
  """An rnn step function's result as `(output, list of new states)`.

  Raises:
    ValueError: unless it returned a pair with one new state per state.
  """
  if not isinstance(result, (list, tuple)) or len(result) != 2:
    raise ValueError(
        f'The step function of rnn must return a pair (output, new_states). '
        f'Received: {result!r}.')
  output, new_states = result
  if isinstance(new_states, (list, tuple)):
    new_states = list(new_states)
  else:
    new_states = [new_states]
  if len(new_states) != num_states:
    raise ValueError(
        f'The step function of rnn must return as many states as it '
        f'received ({num_states}, constants aside). Received: '
        f'{len(new_states)} new state(s).')
  return output, new_states
