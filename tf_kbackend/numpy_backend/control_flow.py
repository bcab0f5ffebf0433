"""Numpy reference: rnn, map_fn, foldl, foldr (numpy only, never TensorFlow).

Plain Python loops over the leading (time or element) axis, with the same
signatures and semantics as `tf_kbackend.tf_backend.control_flow`. The
user's functions are called on numpy arrays, so they should use the numpy
backend's ops (or numpy itself).
"""

import numpy as np

from tf_kbackend import api_contract
from tf_kbackend.numpy_backend.graph import is_symbolic, lazy_op

__all__ = ['rnn', 'map_fn', 'foldl', 'foldr']


def _step(step_function, inputs_t, states, constants):
  result = step_function(inputs_t, list(states) + list(constants))
  output, new_states = api_contract.rnn_step_outputs(result, len(states))
  return np.asarray(output), [np.asarray(s) for s in new_states]


def _check_mask(mask, inputs, time_major):
  mask = np.asarray(mask).astype(bool)
  if mask.ndim == 3 and mask.shape[2] == 1:
    mask = mask[:, :, 0]
  expected = inputs.shape[:2]
  if mask.shape != expected:
    layout = '(time, samples)' if time_major else '(samples, time)'
    raise ValueError(
        f'rnn: mask should have shape {layout} = {expected}. Received: mask '
        f'of shape {mask.shape}.')
  return mask if time_major else mask.T


def _where(mask_t, new, old):
  mask_t = mask_t.reshape(mask_t.shape + (1,) * (np.ndim(new) - 1))
  return np.where(mask_t, new, old)


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None,
        constants=None, unroll=False, input_length=None, time_major=False,
        zero_output_for_mask=False):
  """Iterates a step function over the time dimension of an array.

  Same arguments and results as the TensorFlow backend's `rnn`; `unroll`
  makes no difference here (the loop is always a Python loop).

  Returns:
    A tuple `(last_output, outputs, new_states)`.

  Raises:
    ValueError: if `inputs` is less than 3D, or for a mask or an
      `input_length` that does not fit the input.

  >>> x = np.ones((2, 3, 1))
  >>> step = lambda x_t, states: (states[0] + x_t, [states[0] + x_t])
  >>> last, outputs, states = rnn(step, x, [np.zeros((2, 1))])
  >>> outputs[0, :, 0]
  array([1., 2., 3.])
  """
  result = _rnn(step_function, inputs, initial_states, go_backwards, mask,
                constants, unroll, input_length, time_major,
                zero_output_for_mask)
  if not is_symbolic(result):
    return result
  # The structure is known before the values: symbols for the outputs and
  # for each state, not one symbol whose length would have to be inferred.
  return result[0], result[1], [result[2][i]
                                for i in range(len(initial_states or []))]


@lazy_op
def _rnn(step_function, inputs, initial_states, go_backwards, mask, constants,
         unroll, input_length, time_major, zero_output_for_mask):
  del unroll  # The numpy loop is always unrolled.
  inputs = np.asarray(inputs)
  if inputs.ndim < 3:
    raise ValueError(
        f'rnn: input should be at least 3D: (samples, time, ...). '
        f'Received: inputs of shape {inputs.shape}.')
  if mask is not None:
    mask = _check_mask(mask, inputs, time_major)
  if not time_major:
    inputs = np.swapaxes(inputs, 0, 1)
  time_steps = inputs.shape[0]
  if (isinstance(input_length, (int, np.integer)) and
      not isinstance(input_length, bool) and input_length != time_steps):
    raise ValueError(
        f'rnn: input_length ({input_length}) does not match the number of '
        f'timesteps of the input. Received: {time_steps} timesteps.')
  if time_steps == 0:
    raise ValueError('rnn: the input has no time steps.')
  states = [np.asarray(s) for s in initial_states or []]
  constants = list(constants or [])
  order = range(time_steps)
  if go_backwards:
    order = reversed(order)
  outputs = []
  for t in order:
    output, new_states = _step(step_function, inputs[t], states, constants)
    if mask is not None:
      if zero_output_for_mask or not outputs:
        fill = np.zeros_like(output)
      else:
        fill = outputs[-1]
      output = _where(mask[t], output, fill)
      new_states = [_where(mask[t], new, old)
                    for new, old in zip(new_states, states)]
    outputs.append(output)
    states = new_states
  stacked = np.stack(outputs, axis=0 if time_major else 1)
  return outputs[-1], stacked, states


def _slices(elems):
  if isinstance(elems, (list, tuple)):
    arrays = [np.asarray(e) for e in elems]
    return [type(elems)(a[i] for a in arrays)
            for i in range(arrays[0].shape[0])]
  return list(np.asarray(elems))


def _stack(results, dtype):
  first = results[0]
  if isinstance(first, (list, tuple)):
    return type(first)(_stack([r[i] for r in results], dtype)
                       for i in range(len(first)))
  stacked = np.stack([np.asarray(r) for r in results])
  return stacked.astype(dtype) if dtype is not None else stacked


@lazy_op
def map_fn(fn, elems, name=None, dtype=None):
  """Applies `fn` to each element of `elems` (along axis 0), stacking results.

  >>> map_fn(lambda row: row * 2, np.array([[1.0, 2.0], [3.0, 4.0]]))
  array([[2., 4.],
         [6., 8.]])
  """
  del name
  slices = _slices(elems)
  if not slices:
    raise ValueError('map_fn: elems must have at least one element.')
  return _stack([fn(x) for x in slices], dtype)


def _fold(fn, slices, initializer, what):
  if initializer is None:
    if not slices:
      raise ValueError(
          f'{what}: elems must have at least one element when no '
          f'initializer is given.')
    accumulator, slices = slices[0], slices[1:]
  else:
    accumulator = initializer
  for x in slices:
    accumulator = fn(accumulator, x)
  return np.asarray(accumulator)


@lazy_op
def foldl(fn, elems, initializer=None, name=None):
  """Reduces `elems` along axis 0 with `fn`, from left to right.

  >>> float(foldl(lambda acc, x: acc * 10 + x, np.array([1.0, 2.0, 3.0])))
  123.0
  """
  del name
  return _fold(fn, _slices(elems), initializer, 'foldl')


@lazy_op
def foldr(fn, elems, initializer=None, name=None):
  """Reduces `elems` along axis 0 with `fn`, from right to left.

  >>> float(foldr(lambda acc, x: acc * 10 + x, np.array([1.0, 2.0, 3.0])))
  321.0
  """
  del name
  return _fold(fn, _slices(elems)[::-1], initializer, 'foldr')
