"""Conformance tests of rnn, map_fn, foldl and foldr: TensorFlow vs numpy.

The user's functions are written once, parameterised by a backend module
(`KTF` or `KNP`), so the numpy reference runs the same computation with
numpy ops. Each TensorFlow result is checked eagerly and symbolically
(placeholders with None batch and None time, through `K.function`), and
gradients through the symbolic loops against central differences of the
numpy reference (float64).
"""

import numpy as np
import pytest

import tf_kbackend.numpy_backend as KNP
import tf_kbackend.tf_backend as KTF
from tests.conformance import checker

# ---------------------------------------------------------------------------
# Step functions, one per backend module B.


def simple_rnn(B, w_i, w_h):
  """y_t = tanh(x_t . w_i + h . w_h); one state, the last output."""
  def step(x_t, states):
    assert len(states) == 1
    y = B.tanh(B.dot(x_t, w_i) + B.dot(states[0], w_h))
    return y, [y]
  return step


def two_states(B, w_i, w_h):
  """A second state of another shape: the output twice, concatenated."""
  def step(x_t, states):
    assert len(states) == 2
    y = B.tanh(B.dot(x_t, w_i) + B.dot(states[0], w_h)) + 0.1 * states[1][
        :, :w_h.shape[1]]
    return y, [y, B.concatenate([y, y], axis=-1)]
  return step


def no_states(B, w_i, w_h):
  del w_h
  def step(x_t, states):
    assert not states
    return B.dot(x_t, w_i), []
  return step


def with_constant(B, w_i, w_h):
  """`constants` arrive after the states."""
  def step(x_t, states_and_constants):
    h, c = states_and_constants
    y = B.tanh(B.dot(x_t, w_i) + B.dot(h, w_h) + c)
    return y, [y]
  return step


def state_3d(B, w_i, w_h):
  """A (samples, 2, units) state and a (samples, units, 2) output."""
  def step(x_t, states):
    y = B.tanh(B.dot(x_t, w_i) + B.dot(states[0][:, 0], w_h))
    new_state = B.stack([y, states[0][:, 1] + 1.0], axis=1)
    return B.stack([y, -y], axis=-1), [new_state]
  return step


STEPS = {
    'simple': (simple_rnn, lambda h: [h]),
    'two_states': (two_states, lambda h: [h, np.concatenate([h, h], -1)]),
    'no_states': (no_states, lambda h: []),
    'constant': (with_constant, lambda h: [h]),
    'state_3d': (state_3d, lambda h: [np.stack([h, -h], axis=1)]),
}

SAMPLES, TIME, INPUT_DIM, UNITS = 3, 4, 3, 2


def make_data(dtype='float32', seed=0, samples=SAMPLES, time=TIME):
  rng = np.random.RandomState(seed)
  return {
      'x': rng.standard_normal((samples, time, INPUT_DIM)).astype(dtype),
      'h0': rng.standard_normal((samples, UNITS)).astype(dtype),
      'w_i': rng.standard_normal((INPUT_DIM, UNITS)).astype(dtype),
      'w_h': (0.5 * rng.standard_normal((UNITS, UNITS))).astype(dtype),
      'c': rng.standard_normal((samples, UNITS)).astype(dtype),
      # Every pattern: masked first step, masked runs, nothing masked.
      'mask': np.array([[0, 1, 1, 0], [1, 0, 0, 1], [1, 1, 1, 1]][:samples]
                       )[:, :time].astype('int32'),
  }


def reference_rnn(step_name, data, **kwargs):
  make_step, make_states = STEPS[step_name]
  constants = [data['c']] if step_name == 'constant' else None
  return KNP.rnn(make_step(KNP, data['w_i'], data['w_h']), data['x'],
                 make_states(data['h0']), constants=constants, **kwargs)


def flat(result):
  last_output, outputs, states = result
  return [last_output, outputs] + list(states)


def tf_rnn_symbolic(step_name, data, unroll, use_mask=False, time_major=False,
                    **kwargs):
  """Builds rnn on placeholders (None samples, None time unless unrolled)."""
  make_step, make_states = STEPS[step_name]
  x = data['x']
  time_axis = 0 if time_major else 1
  shape = [None] * 3
  shape[2] = x.shape[2]
  if unroll:
    shape[time_axis] = x.shape[time_axis]
  x_ph = KTF.placeholder(shape=tuple(shape), dtype=x.dtype.name)
  states = make_states(data['h0'])
  state_phs = [KTF.placeholder(shape=(None,) + s.shape[1:], dtype=s.dtype.name)
               for s in states]
  inputs, feeds = [x_ph] + state_phs, [x] + states
  if use_mask:
    mask_ph = KTF.placeholder(shape=(None, None), dtype='int32')
    inputs.append(mask_ph)
    feeds.append(data['mask'].T if time_major else data['mask'])
    kwargs['mask'] = mask_ph
  constants = None
  if step_name == 'constant':
    c_ph = KTF.placeholder(shape=(None, UNITS), dtype=x.dtype.name)
    inputs.append(c_ph)
    feeds.append(data['c'])
    constants = [c_ph]
  result = KTF.rnn(make_step(KTF, KTF.variable(data['w_i'], x.dtype.name),
                             KTF.variable(data['w_h'], x.dtype.name)),
                   x_ph, state_phs, constants=constants, unroll=unroll,
                   time_major=time_major, **kwargs)
  return result, KTF.function(inputs, flat(result))(feeds)


RNN_KWARGS = [
    {},
    {'go_backwards': True},
    {'mask': True},
    {'mask': True, 'go_backwards': True},
    {'mask': True, 'zero_output_for_mask': True},
]


def _ids(kwargs):
  return ','.join(f'{k}={v}' for k, v in kwargs.items()) or 'plain'


class TestRnnMatchesReference:

  @pytest.mark.parametrize('kwargs', RNN_KWARGS, ids=_ids)
  @pytest.mark.parametrize('step_name', list(STEPS))
  def test_eager(self, step_name, kwargs):
    data = make_data()
    kwargs = dict(kwargs)
    if kwargs.pop('mask', False):
      kwargs['mask'] = data['mask']
    expected = flat(reference_rnn(step_name, data, **kwargs))
    make_step, make_states = STEPS[step_name]
    constants = [data['c']] if step_name == 'constant' else None
    for unroll in (False, True):
      result = KTF.rnn(make_step(KTF, KTF.variable(data['w_i']),
                                 KTF.variable(data['w_h'])),
                       KTF.variable(data['x']),
                       [KTF.variable(s) for s in make_states(data['h0'])],
                       constants=constants, unroll=unroll, **kwargs)
      assert isinstance(result[2], list)
      actual = [KTF.eval(t) for t in flat(result)]
      checker.assert_close(actual, expected, checker.TOLERANCES['float32'],
                           f'{step_name} eager unroll={unroll}')

  @pytest.mark.parametrize('unroll', [False, True], ids=['loop', 'unrolled'])
  @pytest.mark.parametrize('kwargs', RNN_KWARGS, ids=_ids)
  @pytest.mark.parametrize('step_name', list(STEPS))
  def test_symbolic(self, step_name, kwargs, unroll):
    data = make_data()
    kwargs = dict(kwargs)
    use_mask = kwargs.pop('mask', False)
    ref_kwargs = dict(kwargs, mask=data['mask']) if use_mask else kwargs
    expected = flat(reference_rnn(step_name, data, **ref_kwargs))
    result, actual = tf_rnn_symbolic(step_name, data, unroll, use_mask,
                                     **kwargs)
    checker.assert_close(actual, expected, checker.TOLERANCES['float32'],
                         f'{step_name} symbolic unroll={unroll}')
    assert isinstance(result[2], list)
    # Static shapes: samples unknown; time known only when unrolled.
    assert KTF.int_shape(result[1])[:2] == (None, TIME if unroll else None)
    assert KTF.int_shape(result[1])[2:] == expected[1].shape[2:]
    assert KTF.int_shape(result[0]) == (None,) + expected[0].shape[1:]

  @pytest.mark.parametrize('dtype', ['float16', 'float64'])
  def test_dtypes(self, dtype):
    data = make_data(dtype)
    expected = flat(reference_rnn('simple', data, mask=data['mask']))
    tolerance = checker.TOLERANCES[dtype]
    # Concrete numpy floats would follow floatx(): pass a typed tensor.
    eager = KTF.rnn(simple_rnn(KTF, data['w_i'], data['w_h']),
                    KTF.variable(data['x'], dtype=dtype), [data['h0']],
                    mask=data['mask'])
    assert KTF.dtype(eager[1]) == dtype
    checker.assert_close([KTF.eval(t) for t in flat(eager)], expected,
                         tolerance, f'eager {dtype}')
    result, actual = tf_rnn_symbolic('simple', data, unroll=False,
                                     use_mask=True)
    assert KTF.dtype(result[1]) == dtype
    checker.assert_close(actual, expected, tolerance, f'symbolic {dtype}')

  @pytest.mark.parametrize('unroll', [False, True], ids=['loop', 'unrolled'])
  def test_time_major(self, unroll):
    data = make_data()
    batch_major = flat(reference_rnn('two_states', data, mask=data['mask'],
                                     go_backwards=True))
    data['x'] = np.swapaxes(data['x'], 0, 1)
    expected = flat(reference_rnn('two_states', data, mask=data['mask'].T,
                                  go_backwards=True, time_major=True))
    np.testing.assert_allclose(expected[1], np.swapaxes(batch_major[1], 0, 1))
    _, actual = tf_rnn_symbolic('two_states', data, unroll, use_mask=True,
                                time_major=True, go_backwards=True)
    checker.assert_close(actual, expected, checker.TOLERANCES['float32'],
                         'time_major symbolic')
    eager = KTF.rnn(two_states(KTF, data['w_i'], data['w_h']), data['x'],
                    STEPS['two_states'][1](data['h0']), mask=data['mask'].T,
                    go_backwards=True, time_major=True)
    checker.assert_close([KTF.eval(t) for t in flat(eager)], expected,
                         checker.TOLERANCES['float32'], 'time_major eager')


class TestRnnMaskingSemantics:
  """Legacy behaviour of masked steps, against hand-computed values."""

  @staticmethod
  def worlds(step, inputs, states, mask, **kwargs):
    """The rnn's outputs and states eagerly and through the two loops."""
    results = {'eager': [KTF.eval(t) for t in flat(
        KTF.rnn(step, inputs, states, mask=mask, **kwargs))]}
    for unroll in (False, True):
      shape = (None, inputs.shape[1] if unroll else None) + inputs.shape[2:]
      x = KTF.placeholder(shape=shape)
      hs = [KTF.placeholder(shape=(None,) + s.shape[1:]) for s in states]
      m = KTF.placeholder(shape=(None, None))
      out = flat(KTF.rnn(step, x, hs, mask=m, unroll=unroll, **kwargs))
      results[f'unroll={unroll}'] = KTF.function([x, m] + hs, out)(
          [inputs, mask] + list(states))
    return results

  def test_output_and_state_masking_independent(self):
    # The output repeats the last unmasked output; states stop counting.
    inputs = np.random.RandomState(1).random_sample((2, 4, 5)).astype(
        'float32')
    h0 = np.random.RandomState(2).random_sample((2, 5)).astype('float32')
    mask = np.ones((2, 4), 'float32')
    mask[1, -2:] = 0
    expected_outputs = inputs.copy()
    expected_outputs[1, -2:] = inputs[1, 1]
    expected_state = h0 + np.array([[4.0], [2.0]], 'float32')

    def step(x_t, states):
      return (x_t, [s + 1 for s in states])

    for world, result in self.worlds(step, inputs, [h0], mask).items():
      np.testing.assert_allclose(result[1], expected_outputs, err_msg=world)
      np.testing.assert_allclose(result[0], expected_outputs[:, -1],
                                 err_msg=world)
      np.testing.assert_allclose(result[2], expected_state, rtol=1e-6,
                                 err_msg=world)

  def test_masked_first_step_outputs_zeros(self):
    inputs = np.arange(1.0, 7.0, dtype='float32').reshape((1, 3, 2))
    mask = np.array([[0, 1, 0]], 'float32')

    def step(x_t, states):
      return (x_t * 2, [states[0] + x_t])

    h0 = np.zeros((1, 2), 'float32')
    for world, result in self.worlds(step, inputs, [h0], mask).items():
      np.testing.assert_array_equal(result[1], [[[0, 0], [6, 8], [6, 8]]],
                                    err_msg=world)
      np.testing.assert_array_equal(result[2], [[3, 4]], err_msg=world)

  def test_zero_output_for_mask(self):
    inputs = np.arange(1.0, 7.0, dtype='float32').reshape((1, 3, 2))
    mask = np.array([[1, 0, 1]], 'float32')

    def step(x_t, states):
      return (x_t + states[0], [states[0] + 10])

    h0 = np.zeros((1, 2), 'float32')
    for world, result in self.worlds(step, inputs, [h0], mask,
                                     zero_output_for_mask=True).items():
      np.testing.assert_array_equal(result[1], [[[1, 2], [0, 0], [15, 16]]],
                                    err_msg=world)
      np.testing.assert_array_equal(result[0], [[15, 16]], err_msg=world)
      np.testing.assert_array_equal(result[2], [[20, 20]], err_msg=world)
    last, outputs, _ = KNP.rnn(step, inputs, [h0], mask=mask,
                               zero_output_for_mask=True)
    np.testing.assert_array_equal(outputs, [[[1, 2], [0, 0], [15, 16]]])

  def test_go_backwards_returns_reversed_sequence(self):
    inputs = np.arange(3.0, dtype='float32').reshape((1, 3, 1))

    def step(x_t, states):
      return (x_t, states)

    for world, result in self.worlds(step, inputs, [np.zeros((1, 1))],
                                     np.ones((1, 3)), go_backwards=True
                                     ).items():
      np.testing.assert_array_equal(result[1][0, :, 0], [2, 1, 0],
                                    err_msg=world)
      np.testing.assert_array_equal(result[0], [[0]], err_msg=world)

  def test_output_rank_3_and_state_rank_3(self):
    rng = np.random.RandomState(3)
    inputs = rng.random_sample((3, 4, 5)).astype('float32')
    h0 = rng.random_sample((3, 6, 7)).astype('float32')
    mask = np.ones((3, 4), 'float32')
    mask[-1, -1] = 0
    mask[0, -2:] = 0

    def step(x_t, states):
      return KTF.tile(KTF.expand_dims(x_t), [1, 1, 2]), [states[0] + 1]

    expected_outputs = np.repeat(inputs[..., None], 2, axis=-1)
    expected_outputs[-1, -1] = expected_outputs[-1, -2]
    expected_outputs[0, -2:] = expected_outputs[0, -3]
    expected_state = h0 + np.array([2.0, 4.0, 3.0], 'float32')[:, None, None]
    for world, result in self.worlds(step, inputs, [h0], mask).items():
      np.testing.assert_allclose(result[1], expected_outputs, err_msg=world)
      np.testing.assert_allclose(result[2], expected_state, rtol=1e-6,
                                 err_msg=world)

  def test_rank_4_inputs_with_a_2d_mask(self):
    rng = np.random.RandomState(4)
    inputs = rng.standard_normal((3, 4, 2, 3)).astype('float32')
    h0 = np.zeros((3, 2, 3), 'float32')
    mask = make_data()['mask']

    def step(B):
      def step_b(x_t, states):
        return (B.sum(x_t, axis=-1) + B.sum(states[0], axis=-1),
                [states[0] + x_t])
      return step_b

    expected = flat(KNP.rnn(step(KNP), inputs, [h0], mask=mask))
    for world, result in self.worlds(step(KTF), inputs, [h0],
                                     mask.astype('float32')).items():
      checker.assert_close(result, expected, checker.TOLERANCES['float32'],
                           world)

  def test_mask_of_shape_samples_time_1(self):
    data = make_data()
    expected = flat(reference_rnn('simple', data, mask=data['mask']))
    mask = data['mask'][:, :, None]
    np.testing.assert_allclose(
        flat(reference_rnn('simple', data, mask=mask))[1], expected[1])
    result = KTF.rnn(simple_rnn(KTF, data['w_i'], data['w_h']), data['x'],
                     [data['h0']], mask=mask)
    checker.assert_close([KTF.eval(t) for t in flat(result)], expected,
                         checker.TOLERANCES['float32'], 'mask (s, t, 1)')

  def test_bool_mask(self):
    data = make_data()
    expected = flat(reference_rnn('simple', data, mask=data['mask']))
    x = KTF.placeholder(shape=(None, None, INPUT_DIM))
    h = KTF.placeholder(shape=(None, UNITS))
    m = KTF.placeholder(shape=(None, None), dtype='bool')
    out = flat(KTF.rnn(simple_rnn(KTF, data['w_i'], data['w_h']), x, [h],
                       mask=m))
    actual = KTF.function([x, h, m], out)(
        [data['x'], data['h0'], data['mask'].astype(bool)])
    checker.assert_close(actual, expected, checker.TOLERANCES['float32'],
                         'bool mask')


class TestRnnGradients:
  """K.gradients through the loops vs finite differences of the reference."""

  @staticmethod
  def loss_weights(data):
    rng = np.random.RandomState(7)
    return (rng.uniform(0.5, 1.5, data['x'].shape[:2] + (UNITS,)),
            rng.uniform(0.5, 1.5, (data['x'].shape[0], UNITS)))

  @pytest.mark.parametrize('kwargs', [
      {'unroll': False},
      {'unroll': False, 'mask': True, 'go_backwards': True},
      {'unroll': True, 'mask': True},
  ], ids=_ids)
  def test_gradients_wrt_inputs_states_and_weights(self, kwargs):
    kwargs = dict(kwargs)
    data = make_data('float64', samples=2, time=3)
    use_mask = kwargs.pop('mask', False)
    unroll = kwargs.pop('unroll')
    w_out, w_state = self.loss_weights(data)
    names = ['x', 'h0', 'w_i', 'w_h']

    def reference_loss(values):
      values = dict(zip(names, values))
      last, outputs, states = KNP.rnn(
          simple_rnn(KNP, values['w_i'], values['w_h']), values['x'],
          [values['h0']], mask=data['mask'] if use_mask else None, **kwargs)
      return float(np.sum(outputs * w_out) + np.sum(states[0] * w_state))

    x = KTF.placeholder(shape=(None, 3 if unroll else None, INPUT_DIM),
                        dtype='float64')
    h = KTF.placeholder(shape=(None, UNITS), dtype='float64')
    w_i = KTF.placeholder(shape=(INPUT_DIM, UNITS), dtype='float64')
    w_h = KTF.placeholder(shape=(UNITS, UNITS), dtype='float64')
    m = KTF.placeholder(shape=(None, None))
    _, outputs, states = KTF.rnn(simple_rnn(KTF, w_i, w_h), x, [h],
                                 mask=m if use_mask else None, unroll=unroll,
                                 **kwargs)
    loss = KTF.sum(outputs * w_out) + KTF.sum(states[0] * w_state)
    placeholders = [x, h, w_i, w_h]
    grads = KTF.gradients(loss, placeholders)
    inputs = [data[n] for n in names]
    feeds = placeholders + ([m] if use_mask else [])
    values = inputs + ([data['mask'].astype('float32')] if use_mask else [])
    actual = KTF.function(feeds, grads)(values)
    for i, name in enumerate(names):
      numeric = checker.numeric_gradient(reference_loss,
                                         [v.copy() for v in inputs], i)
      np.testing.assert_allclose(actual[i], numeric, rtol=1e-5, atol=1e-7,
                                 err_msg=f'd loss / d {name}')

  def test_gradient_wrt_variable_used_in_step(self):
    data = make_data('float64', samples=2, time=3)
    w_out, w_state = self.loss_weights(data)
    w_h = KTF.variable(data['w_h'], dtype='float64')
    x = KTF.placeholder(shape=(None, None, INPUT_DIM), dtype='float64')
    h = KTF.placeholder(shape=(None, UNITS), dtype='float64')
    m = KTF.placeholder(shape=(None, None))
    _, outputs, states = KTF.rnn(simple_rnn(KTF, data['w_i'], w_h), x, [h],
                                 mask=m)
    loss = KTF.sum(outputs * w_out) + KTF.sum(states[0] * w_state)
    f_loss = KTF.function([x, h, m], [loss])
    f_grad = KTF.function([x, h, m], KTF.gradients(loss, [w_h]))
    feeds = [data['x'], data['h0'], data['mask']]
    analytic = f_grad(feeds)[0]
    numeric = np.zeros_like(data['w_h'])
    eps = 1e-6
    for index in np.ndindex(*numeric.shape):
      for sign in (1, -1):
        perturbed = data['w_h'].copy()
        perturbed[index] += sign * eps
        KTF.set_value(w_h, perturbed)
        numeric[index] += sign * float(f_loss(feeds)[0]) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


class TestRnnWorlds:

  def test_step_reading_a_placeholder_with_concrete_inputs(self):
    # The step makes the result symbolic although the inputs are concrete.
    data = make_data()
    w_h = KTF.placeholder(shape=(UNITS, UNITS))
    last, outputs, states = KTF.rnn(simple_rnn(KTF, data['w_i'], w_h),
                                    data['x'], [data['h0']])
    assert KTF.is_symbolic(outputs)
    expected = flat(reference_rnn('simple', data))
    actual = KTF.function([w_h], [last, outputs] + states)([data['w_h']])
    checker.assert_close(actual, expected, checker.TOLERANCES['float32'],
                         'concrete inputs, placeholder weight')

  def test_learning_phase_inside_the_loop(self):
    x = KTF.placeholder(shape=(None, None, 2))
    h = KTF.placeholder(shape=(None, 2))

    def step(x_t, states):
      y = KTF.in_train_phase(x_t * 2.0 + states[0], x_t + states[0])
      return y, [y]

    last, outputs, _ = KTF.rnn(step, x, [h])
    assert getattr(last, '_uses_learning_phase', False)
    f = KTF.function([x, h, KTF.learning_phase()], [outputs])
    inputs = np.ones((1, 3, 2), 'float32')
    h0 = np.zeros((1, 2), 'float32')
    np.testing.assert_array_equal(f([inputs, h0, 0])[0][0, :, 0], [1, 2, 3])
    np.testing.assert_array_equal(f([inputs, h0, 1])[0][0, :, 0], [2, 4, 6])

  def test_nested_loops_in_the_step(self):
    # A map_fn inside the rnn step, both reading a placeholder weight.
    w = KTF.placeholder(shape=(2,))
    x = KTF.placeholder(shape=(None, None, 2))

    def step(x_t, states):
      rows = KTF.map_fn(lambda row: KTF.sum(row * w), x_t)
      y = states[0] + KTF.expand_dims(rows)
      return y, [y]

    _, outputs, _ = KTF.rnn(step, x, [KTF.zeros_like(x[:, 0, :1])])
    inputs = np.arange(12.0, dtype='float32').reshape((2, 3, 2))
    actual = KTF.function([x, w], [outputs])([inputs, np.array([1.0, -1.0])])
    expected = np.cumsum(inputs[..., :1] - inputs[..., 1:], axis=1)
    np.testing.assert_allclose(actual[0], expected)

  def test_input_length_lets_an_unknown_time_unroll(self):
    data = make_data()
    x = KTF.placeholder(shape=(None, None, INPUT_DIM))
    h = KTF.placeholder(shape=(None, UNITS))
    result = KTF.rnn(simple_rnn(KTF, data['w_i'], data['w_h']), x, [h],
                     unroll=True, input_length=TIME)
    assert KTF.int_shape(result[1]) == (None, TIME, UNITS)
    actual = KTF.function([x, h], flat(result))([data['x'], data['h0']])
    checker.assert_close(actual, flat(reference_rnn('simple', data)),
                         checker.TOLERANCES['float32'], 'input_length')
    np.testing.assert_allclose(
        flat(reference_rnn('simple', data, input_length=TIME))[1],
        actual[1], rtol=1e-5)


class TestRnnErrors:

  @staticmethod
  def step(x_t, states):
    return x_t, states

  @pytest.mark.parametrize('B', [KTF, KNP], ids=['tf', 'numpy'])
  def test_input_below_3d(self, B):
    with pytest.raises(ValueError, match='at least 3D'):
      B.rnn(self.step, np.zeros((2, 3), 'float32'), [])

  def test_unroll_needs_static_time(self):
    x = KTF.placeholder(shape=(None, None, 2))
    with pytest.raises(ValueError, match='fixed number of timesteps'):
      KTF.rnn(self.step, x, [], unroll=True)

  @pytest.mark.parametrize('B', [KTF, KNP], ids=['tf', 'numpy'])
  def test_mask_of_wrong_shape(self, B):
    x = np.zeros((2, 3, 4), 'float32')
    with pytest.raises(ValueError, match='mask'):
      B.rnn(self.step, x, [], mask=np.ones((2, 4)))
    with pytest.raises(ValueError, match='mask'):
      B.rnn(self.step, x, [], mask=np.ones((2, 3, 4)))

  def test_symbolic_mask_of_wrong_rank(self):
    x = KTF.placeholder(shape=(None, None, 4))
    with pytest.raises(ValueError, match=r'mask should have shape'):
      KTF.rnn(self.step, x, [], mask=KTF.placeholder(shape=(None,)))

  @pytest.mark.parametrize('B', [KTF, KNP], ids=['tf', 'numpy'])
  def test_step_returning_too_few_states(self, B):
    x = np.zeros((2, 3, 4), 'float32')
    with pytest.raises(ValueError, match='as many states'):
      B.rnn(lambda x_t, states: (x_t, []), x, [np.zeros((2, 4), 'float32')])

  @pytest.mark.parametrize('B', [KTF, KNP], ids=['tf', 'numpy'])
  def test_input_length_mismatch(self, B):
    with pytest.raises(ValueError, match='input_length'):
      B.rnn(self.step, np.zeros((2, 3, 4), 'float32'), [], input_length=5)


# ---------------------------------------------------------------------------
# map_fn, foldl, foldr.


class TestMapFn:

  def test_matches_reference_in_both_worlds(self):
    x = np.random.RandomState(0).standard_normal((4, 3)).astype('float32')

    def fn(B):
      return lambda row: B.sum(B.square(row)) - row[0]

    expected = KNP.map_fn(fn(KNP), x)
    eager, symbolic = checker.run_both_worlds(
        lambda t: KTF.map_fn(fn(KTF), t), [x], placeholder_shapes=[(None, 3)])
    checker.assert_close(eager, [expected], checker.TOLERANCES['float32'],
                         'eager')
    checker.assert_close(symbolic, [expected], checker.TOLERANCES['float32'],
                         'symbolic')

  def test_dtype_and_legacy_example(self):
    # Legacy test_map: walk indices with an int elems and a float dtype.
    x = np.random.RandomState(1).random_sample((10, 3)).astype('float32')
    vx = KTF.variable(x)
    kx = KTF.eval(KTF.map_fn(KTF.sum, vx))
    kx2 = KTF.eval(KTF.map_fn(lambda i: KTF.sum(vx[i]), KTF.arange(10),
                              dtype=KTF.floatx()))
    assert kx.shape == kx2.shape == (10,)
    assert kx2.dtype == np.float32
    np.testing.assert_allclose(kx, x.sum(axis=1), rtol=1e-5)
    np.testing.assert_allclose(kx2, kx, rtol=1e-5)
    nx2 = KNP.map_fn(lambda i: KNP.sum(x[i]), KNP.arange(10), dtype='float32')
    assert nx2.dtype == np.float32
    np.testing.assert_allclose(nx2, kx2, rtol=1e-5)

  def test_results_are_cast_to_dtype(self):
    # TF1's map_fn refused results of another dtype than `dtype`.
    for B in (KTF, KNP):
      result = KTF.eval(B.map_fn(lambda i: i * 2, np.arange(3), dtype='float32'))
      assert result.dtype == np.float32
      np.testing.assert_array_equal(result, [0.0, 2.0, 4.0])

  def test_symbolic_none_dims_with_placeholder_weight_and_gradients(self):
    rng = np.random.RandomState(2)
    x_val = rng.standard_normal((3, 4, 2))
    w_val = rng.standard_normal((2,))

    def fn(B, w):
      return lambda m: B.sum(B.tanh(m) * w, axis=-1)

    x = KTF.placeholder(shape=(None, None, 2), dtype='float64')
    w = KTF.placeholder(shape=(2,), dtype='float64')
    y = KTF.map_fn(fn(KTF, w), x, name='rows')
    assert KTF.int_shape(y) == (None, None)
    weights = rng.uniform(0.5, 1.5, (3, 4))
    grads = KTF.gradients(KTF.sum(y * weights), [x, w])
    results = KTF.function([x, w], [y] + grads)([x_val, w_val])
    np.testing.assert_allclose(results[0], KNP.map_fn(fn(KNP, w_val), x_val))

    def reference_loss(values):
      return float(np.sum(KNP.map_fn(fn(KNP, values[1]), values[0]) *
                          weights))

    for i in range(2):
      numeric = checker.numeric_gradient(reference_loss, [x_val.copy(),
                                                          w_val.copy()], i)
      np.testing.assert_allclose(results[1 + i], numeric, rtol=1e-5,
                                 atol=1e-8)


class TestFolds:

  @pytest.mark.parametrize('op', ['foldl', 'foldr'])
  @pytest.mark.parametrize('with_initializer', [False, True],
                           ids=['no_init', 'init'])
  def test_matches_reference_in_both_worlds(self, op, with_initializer):
    x = np.random.RandomState(3).standard_normal((5, 3)).astype('float32')
    # Not commutative: the order of the fold shows.

    def fn(B):
      return lambda acc, row: B.tanh(acc) * 2.0 + row

    initializer = np.full((3,), 0.5, 'float32') if with_initializer else None
    expected = getattr(KNP, op)(fn(KNP), x, initializer=initializer)
    order = x if op == 'foldl' else x[::-1]
    manual = initializer if with_initializer else order[0]
    for row in (order if with_initializer else order[1:]):
      manual = np.tanh(manual) * 2.0 + row
    np.testing.assert_allclose(expected, manual, rtol=1e-6)
    eager, symbolic = checker.run_both_worlds(
        lambda t: getattr(KTF, op)(fn(KTF), t, initializer=initializer,
                                   name='fold'),
        [x], placeholder_shapes=[(None, 3)])
    checker.assert_close(eager, [expected], checker.TOLERANCES['float32'],
                         f'{op} eager')
    checker.assert_close(symbolic, [expected], checker.TOLERANCES['float32'],
                         f'{op} symbolic')

  def test_legacy_foldl_sum(self):
    x = np.random.RandomState(4).random_sample((10, 3)).astype('float32')
    kx = KTF.eval(KTF.foldl(lambda a, b: a + b, KTF.variable(x)))
    assert kx.shape == (3,)
    np.testing.assert_allclose(kx, x.sum(axis=0), rtol=1e-5)

  def test_legacy_foldr_walks_right_to_left(self):
    # Left to right, 1e-20 * 1e-20 underflows float32; right to left not.
    x = np.array([1e-20, 1e-20, 10, 10, 10], dtype=np.float32)

    def multiply(a, b):
      return a * b

    results = {
        'tf': (KTF.eval(KTF.foldl(multiply, KTF.variable(x))),
               KTF.eval(KTF.foldr(multiply, KTF.variable(x)))),
        'numpy': (KNP.foldl(multiply, x), KNP.foldr(multiply, x)),
    }
    for backend, (left, right) in results.items():
      assert float(left) < float(right), backend
      assert 9e-38 < float(right) <= 1e-37, backend

  @pytest.mark.parametrize('op', ['foldl', 'foldr'])
  def test_gradients_through_fold(self, op):
    rng = np.random.RandomState(5)
    x_val = rng.standard_normal((4, 2))
    init_val = rng.standard_normal((2,))

    def fn(B):
      return lambda acc, row: B.tanh(acc * row) + row

    x = KTF.placeholder(shape=(None, 2), dtype='float64')
    init = KTF.placeholder(shape=(2,), dtype='float64')
    y = getattr(KTF, op)(fn(KTF), x, initializer=init)
    weights = np.array([0.7, 1.3])
    grads = KTF.gradients(KTF.sum(y * weights), [x, init])
    results = KTF.function([x, init], [y] + grads)([x_val, init_val])
    np.testing.assert_allclose(
        results[0], getattr(KNP, op)(fn(KNP), x_val, initializer=init_val))

    def reference_loss(values):
      return float(np.sum(getattr(KNP, op)(fn(KNP), values[0],
                                           initializer=values[1]) * weights))

    for i in range(2):
      numeric = checker.numeric_gradient(reference_loss, [x_val.copy(),
                                                          init_val.copy()], i)
      np.testing.assert_allclose(results[1 + i], numeric, rtol=1e-5,
                                 atol=1e-8)


class TestNumpyBackendSymbolic:
  """The numpy backend's lazy world: placeholders through KNP.function."""

  def test_rnn(self):
    data = make_data('float64')
    w_h = KNP.variable(data['w_h'], dtype='float64')
    x = KNP.placeholder(shape=(None, None, INPUT_DIM), dtype='float64')
    h = KNP.placeholder(shape=(None, UNITS), dtype='float64')
    m = KNP.placeholder(shape=(None, None))
    last, outputs, states = KNP.rnn(simple_rnn(KNP, data['w_i'], w_h), x, [h],
                                    mask=m, go_backwards=True)
    assert KNP.is_symbolic(outputs)
    f = KNP.function([x, h, m], [last, outputs] + list(states))
    feeds = [data['x'], data['h0'], data['mask']]
    expected = flat(reference_rnn('simple', data, mask=data['mask'],
                                  go_backwards=True))
    checker.assert_close(f(feeds), expected, checker.TOLERANCES['float64'],
                         'numpy symbolic rnn')
    # The variable is read when the function runs.
    KNP.set_value(w_h, np.zeros_like(data['w_h']))
    data['w_h'] = np.zeros_like(data['w_h'])
    checker.assert_close(
        f(feeds), flat(reference_rnn('simple', data, mask=data['mask'],
                                     go_backwards=True)),
        checker.TOLERANCES['float64'], 'after set_value')

  def test_map_fn_and_folds(self):
    x_val = np.random.RandomState(6).standard_normal((4, 3))
    x = KNP.placeholder(shape=(None, 3), dtype='float64')
    outputs = [KNP.map_fn(lambda r: KNP.sum(r * r), x),
               KNP.foldl(lambda a, r: a * 0.5 + r, x),
               KNP.foldr(lambda a, r: a * 0.5 + r, x, initializer=x[0])]
    assert all(KNP.is_symbolic(o) for o in outputs)
    results = KNP.function([x], outputs)([x_val])
    np.testing.assert_allclose(results[0], np.sum(x_val ** 2, axis=1))
    np.testing.assert_allclose(
        results[1], ((x_val[0] * 0.5 + x_val[1]) * 0.5 + x_val[2]) * 0.5 +
        x_val[3])
    np.testing.assert_allclose(
        results[2], KNP.foldr(lambda a, r: a * 0.5 + r, x_val,
                              initializer=x_val[0]))
