"""Control flow: rnn, map_fn, foldl, foldr.

Each op works in both worlds. On concrete values it runs eagerly (`rnn`
steps through time in Python). On symbolic tensors it builds a
`tf.while_loop` (or `tf.map_fn`, `tf.foldl`, `tf.foldr`) in the Keras graph,
whose body calls the user's function once, symbolically; `K.gradients`
differentiates through the loop.
"""

import numpy as np
import tensorflow as tf

from tf_kbackend import api_contract
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import tensor_utils

__all__ = ['rnn', 'map_fn', 'foldl', 'foldr']


# ---------------------------------------------------------------------------
# Helpers.


def _like(x, reference):
  """`x` as a tensor; untyped floats follow `reference`'s float dtype."""
  if tensor_utils.is_tensor_like(x):
    return x
  if np.asarray(x).dtype.kind == 'f' and reference.dtype.is_floating:
    return tensor_utils.convert(x, reference.dtype)
  return tensor_utils.convert(x)


# ---------------------------------------------------------------------------
# rnn.


class _StepIsSymbolic(Exception):
  """The step function of an eager rnn returned symbolic tensors."""


def _call_step(step_function, inputs_t, states, constants, learning):
  """Calls the step function; returns (output, list of new states).

  Appends to `learning` whether the output uses the learning phase.
  """
  result = step_function(inputs_t, list(states) + list(constants))
  output, new_states = api_contract.rnn_step_outputs(result, len(states))
  learning.append(getattr(output, '_uses_learning_phase', False))
  output = _like(output, inputs_t)
  new_states = [_like(s, old) for s, old in zip(new_states, states)]
  return output, new_states


def _mask_like(mask_t, x):
  """`mask_t` (batch,) with trailing unit axes to broadcast against `x`."""
  return tensor_utils.append_unit_axes(mask_t, x.shape.rank - 1)


def _apply_mask(mask_t, output, fill, new_states, states):
  """Masked samples keep `fill` as output and their previous states."""
  output = tf.where(_mask_like(mask_t, output), output, fill)
  new_states = [tf.where(_mask_like(mask_t, new), new, old)
                for new, old in zip(new_states, states)]
  return output, new_states


def _check_inputs(inputs, mask, time_major, input_length):
  """Validates rnn's arguments; returns (time-major mask, static length)."""
  rank = inputs.shape.rank
  if rank is None or rank < 3:
    raise ValueError(
        f'rnn: input should be at least 3D: (samples, time, ...). '
        f'Received: inputs of shape {inputs.shape}.')
  time_axis, batch_axis = (0, 1) if time_major else (1, 0)
  time_steps = inputs.shape[time_axis]
  if isinstance(input_length, (int, np.integer)) and not isinstance(
      input_length, bool):
    if time_steps is not None and time_steps != input_length:
      raise ValueError(
          f'rnn: input_length ({input_length}) does not match the number '
          f'of timesteps of the input. Received: inputs of shape '
          f'{inputs.shape}.')
    time_steps = int(input_length)
  if mask is None:
    return None, time_steps
  mask = tensor_utils.convert(mask)
  if mask.dtype != tf.bool:
    mask = tf.cast(mask, tf.bool)
  mask_rank = mask.shape.rank
  if mask_rank == 3 and mask.shape[2] in (1, None):
    mask = tf.squeeze(mask, axis=2)  # (samples, time, 1) as tf.keras takes.
  elif mask_rank != 2:
    raise ValueError(
        f'rnn: mask should have shape (samples, time) (or (time, samples) '
        f'if time_major). Received: mask of shape {mask.shape}.')
  expected = (inputs.shape[batch_axis], inputs.shape[time_axis])
  if time_major:
    expected = expected[::-1]
  if not mask.shape.is_compatible_with(expected):
    raise ValueError(
        f'rnn: mask should have shape {tuple(expected)}, the samples and '
        f'time of the input. Received: mask of shape {mask.shape}.')
  if not time_major:
    mask = tf.transpose(mask)
  return mask, time_steps


def _unrolled(step_function, inputs, states, constants, mask, time_steps,
              go_backwards, zero_output_for_mask, check_world, learning):
  """The rnn as a Python loop over time; returns (outputs list, states)."""
  inputs_list = tf.unstack(inputs, num=time_steps)
  mask_list = tf.unstack(mask, num=time_steps) if mask is not None else None
  order = range(time_steps)
  if go_backwards:
    order = reversed(order)
  outputs = []
  for t in order:
    output, new_states = _call_step(step_function, inputs_list[t], states,
                                    constants, learning)
    if check_world and any(graph_lib.is_symbolic(v)
                           for v in [output] + new_states):
      raise _StepIsSymbolic()
    check_world = False
    if mask_list is not None:
      if zero_output_for_mask or not outputs:
        fill = tf.zeros_like(output)
      else:
        fill = outputs[-1]
      output, new_states = _apply_mask(mask_list[t], output, fill,
                                       new_states, states)
    outputs.append(output)
    states = new_states
  return outputs, states


def _while_loop(step_function, inputs, states, constants, mask, go_backwards,
                zero_output_for_mask, learning):
  """The rnn as a `tf.while_loop`; returns (time-major outputs, states)."""
  if go_backwards:
    inputs = tf.reverse(inputs, [0])
    if mask is not None:
      mask = tf.reverse(mask, [0])
  time_steps = tf.shape(inputs)[0]
  input_ta = tf.TensorArray(inputs.dtype, size=time_steps,
                            element_shape=inputs.shape[1:]).unstack(inputs)
  mask_ta = None
  if mask is not None:
    mask_ta = tf.TensorArray(tf.bool, size=time_steps,
                             element_shape=mask.shape[1:]).unstack(mask)
  # One step outside the loop gives the output's dtype and static shape (as
  # legacy Keras did); nothing at run time may depend on its value, or that
  # extra step would run at every call.
  output_zero, _ = _call_step(step_function, inputs[0], states, constants,
                              learning)
  output_ta = tf.TensorArray(output_zero.dtype, size=time_steps,
                             element_shape=output_zero.shape)
  # The previous output is only needed to fill masked steps with it.
  carry_output = mask_ta is not None and not zero_output_for_mask

  def body(time, output_ta, *carried):
    previous_output, states = (carried[0], carried[1:]) if carry_output else (
        None, carried)
    output, new_states = _call_step(step_function, input_ta.read(time),
                                    states, constants, learning)
    for new, old in zip(new_states, states):
      new.set_shape(old.shape)
    if mask_ta is not None:
      fill = previous_output if carry_output else tf.zeros_like(output)
      output, new_states = _apply_mask(mask_ta.read(time), output, fill,
                                       new_states, states)
    output.set_shape(output_zero.shape)
    carried = ((output,) if carry_output else ()) + tuple(new_states)
    return (time + 1, output_ta.write(time, output)) + carried

  initial = (_zeros_output(output_zero, inputs),) if carry_output else ()
  results = tf.while_loop(
      lambda time, *_: time < time_steps, body,
      (tf.constant(0), output_ta) + initial + tuple(states),
      parallel_iterations=32, swap_memory=True)
  outputs = results[1].stack()
  outputs.set_shape(inputs.shape[:2].concatenate(output_zero.shape[1:]))
  return outputs, list(results[2 + len(initial):])


def _zeros_output(output_zero, inputs):
  """Zeros shaped like a step's output, without computing that step."""
  if output_zero.shape[1:].is_fully_defined():
    shape = tf.concat([tf.shape(inputs)[1:2],
                       tf.constant(output_zero.shape[1:].as_list(), tf.int32)],
                      0)
    return tf.zeros(shape, output_zero.dtype)
  return tf.zeros_like(output_zero)


def _rnn(step_function, inputs, initial_states, go_backwards, mask, constants,
         unroll, input_length, time_major, zero_output_for_mask):
  inputs = tf.convert_to_tensor(inputs)  # numpy keeps its dtype (legacy).
  mask, time_steps = _check_inputs(inputs, mask, time_major, input_length)
  if not time_major:
    inputs = tf.transpose(
        inputs, [1, 0] + list(range(2, inputs.shape.rank)))
  states = [_like(s, inputs) for s in initial_states or []]
  constants = [_like(c, inputs) for c in constants or []]
  eager = tf.executing_eagerly()
  learning = []
  if eager or unroll:
    # Eagerly the time dimension is known and a Python loop is the loop.
    if time_steps is None:
      raise ValueError(
          f'rnn: unrolling requires a fixed number of timesteps; pass '
          f'input_length or give the input a static time dimension. '
          f'Received: inputs of shape {inputs.shape} (time major).')
    if time_steps == 0:
      raise ValueError(
          f'rnn: the input has no time steps. Received: inputs of shape '
          f'{inputs.shape} (time major).')
    outputs, states = _unrolled(
        step_function, inputs, states, constants, mask, time_steps,
        go_backwards, zero_output_for_mask, eager, learning)
    last_output = outputs[-1]
    outputs = tf.stack(outputs)
  else:
    outputs, states = _while_loop(step_function, inputs, states, constants,
                                  mask, go_backwards, zero_output_for_mask,
                                  learning)
    last_output = outputs[-1]
  if any(learning) and graph_lib.is_symbolic(last_output):
    last_output._uses_learning_phase = True  # pylint: disable=protected-access
  if not time_major:
    outputs = tf.transpose(outputs,
                           [1, 0] + list(range(2, outputs.shape.rank)))
  return last_output, outputs, states


@graph_lib.graph_op
def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None,
        constants=None, unroll=False, input_length=None, time_major=False,
        zero_output_for_mask=False):
  """Iterates a step function over the time dimension of a tensor.

  Args:
    step_function: `f(inputs_t, states) -> (output_t, new_states)`, where
      `inputs_t` is the input at one time step, (samples, ...), `states`
      the list of states followed by the `constants`, and `new_states`
      a list of as many states as it received, each shaped as before.
    inputs: a tensor of temporal data, (samples, time, ...), at least 3D.
    initial_states: a list of tensors, (samples, ...): the initial states.
    go_backwards: iterate from the last time step to the first, and return
      the outputs in that (reversed) order.
    mask: (samples, time) boolean or 0/1 tensor; 0 marks a masked step,
      where each sample keeps its previous states and repeats its previous
      output (zeros before the first step).
    constants: a list of tensors passed to every step after the states.
    unroll: build one step per time step instead of a symbolic loop (needs
      a static number of time steps). Eagerly, steps always run in Python.
    input_length: the number of time steps, if static: with `unroll`, it
      stands in for an unknown time dimension.
    time_major: inputs, mask and outputs are (time, samples, ...).
    zero_output_for_mask: masked steps output zeros instead of repeating
      the previous output.

  Returns:
    A tuple `(last_output, outputs, new_states)`: the last output,
    (samples, ...); all outputs, (samples, time, ...); the list of the last
    states.

  Raises:
    ValueError: if `inputs` is less than 3D, if `unroll` is set but the
      number of time steps is unknown, or if the mask or the step
      function's results do not fit.

  >>> x = np.ones((2, 3, 1), 'float32')
  >>> step = lambda x_t, states: (states[0] + x_t, [states[0] + x_t])
  >>> last, outputs, states = rnn(step, x, [np.zeros((2, 1), 'float32')])
  >>> outputs.numpy()[0, :, 0]
  array([1., 2., 3.], dtype=float32)
  """
  args = (step_function, inputs, initial_states, go_backwards, mask,
          constants, unroll, input_length, time_major, zero_output_for_mask)
  try:
    last_output, outputs, states = _rnn(*args)
  except _StepIsSymbolic:
    # Concrete inputs, but a step reads placeholders: build a graph.
    with graph_lib.symbolic_scope():
      last_output, outputs, states = _rnn(*args)
  return last_output, outputs, states


# ---------------------------------------------------------------------------
# map_fn and folds.


def _in_loop_body(fn):
  # Not converted by AutoGraph (which tf.map_fn would apply): legacy
  # functions are plain TensorFlow code, and converting them (and every
  # backend op they call) costs seconds.
  return tf.autograph.experimental.do_not_convert(fn)


def _elements(elems):
  if isinstance(elems, (list, tuple)):
    return type(elems)(tf.convert_to_tensor(e) for e in elems)
  return tf.convert_to_tensor(elems)


@graph_lib.graph_op
def map_fn(fn, elems, name=None, dtype=None):
  """Applies `fn` to each element of `elems` (along axis 0), stacking results.

  Args:
    fn: a callable applied to each slice `elems[i]`.
    elems: a tensor (or a tuple of tensors, sliced together).
    name: a name for the loop in the graph.
    dtype: the dtype of `fn`'s results, if not that of `elems`.

  Returns:
    A tensor: the results stacked along a new first axis.

  >>> map_fn(lambda row: row * 2.0, np.array([[1.0, 2.0], [3.0, 4.0]],
  ...                                     'float32')).numpy()
  array([[2., 4.],
         [6., 8.]], dtype=float32)
  >>> map_fn(lambda i: cast(i, 'float32') / 2, np.arange(3),
  ...        dtype='float32').numpy()
  array([0. , 0.5, 1. ], dtype=float32)
  """
  body = _in_loop_body(fn)
  if dtype is not None:
    dtype = tf.as_dtype(dtype)
    inner = body

    @tf.autograph.experimental.do_not_convert
    def body(*args):  # Results of another dtype are cast, as TF1 allowed.
      return tf.nest.map_structure(lambda r: tf.cast(r, dtype), inner(*args))
  return tf.map_fn(body, _elements(elems), name=name,
                   fn_output_signature=dtype)


@graph_lib.graph_op
def foldl(fn, elems, initializer=None, name=None):
  """Reduces `elems` along axis 0 with `fn`, from left to right.

  Args:
    fn: `fn(accumulator, element) -> accumulator`, e.g. `lambda a, x: a + x`.
    elems: a tensor.
    initializer: the first accumulator (`elems[0]` if None, and the fold
      then starts at `elems[1]`).
    name: a name for the loop in the graph.

  Returns:
    A tensor of the initializer's shape and dtype.

  >>> float(foldl(lambda acc, x: acc * 10.0 + x, np.array([1.0, 2.0, 3.0],
  ...                                                      'float32')))
  123.0
  """
  if initializer is not None:
    initializer = tf.nest.map_structure(_elements, initializer)
  return tf.foldl(_in_loop_body(fn), _elements(elems),
                  initializer=initializer, name=name)


@graph_lib.graph_op
def foldr(fn, elems, initializer=None, name=None):
  """Reduces `elems` along axis 0 with `fn`, from right to left.

  Args:
    fn: `fn(accumulator, element) -> accumulator`, e.g. `lambda a, x: a + x`.
    elems: a tensor.
    initializer: the first accumulator (`elems[-1]` if None, and the fold
      then starts at `elems[-2]`).
    name: a name for the loop in the graph.

  Returns:
    A tensor of the initializer's shape and dtype.

  >>> float(foldr(lambda acc, x: acc * 10.0 + x, np.array([1.0, 2.0, 3.0],
  ...                                                      'float32')))
  321.0
  """
  if initializer is not None:
    initializer = tf.nest.map_structure(_elements, initializer)
  return tf.foldr(_in_loop_body(fn), _elements(elems),
                  initializer=initializer, name=name)
