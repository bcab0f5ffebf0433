"""An LSTM written as a K.rnn step function, on the adding problem.

Ports the classic long-memory benchmark of the LSTM paper (Hochreiter &
Schmidhuber, 1997; used again in keras/examples/mnist_irnn.py's IRNN
paper, Le et al., 2015) to raw backend calls, the way custom recurrent
layers were written for Keras 2:

- the LSTM cell is a hand-written step function `step(x_t, [h, c])` with
  the four gates of Keras 2's LSTM (input, forget, cell, output; kernel,
  recurrent kernel and bias as `K.variable`s; a forget-gate bias of 1);
- `K.rnn(step, inputs, initial_states)` runs it over time; the initial
  states are zeros built from the input with Keras 2's own idiom
  (`K.zeros_like`, `K.sum`, `K.expand_dims`, `K.tile`), so the batch size
  stays symbolic;
- gradients flow back through time with `K.gradients`; Adam is written
  as update ops, with gradient-norm clipping as Keras optimizers'
  `clipnorm` did it.

The task: each sequence holds random numbers in [0, 1) and a marker
channel with two ones; the target is the sum of the two marked numbers.
Always answering 1 (the mean) gives a mean squared error of 1/6 = 0.167;
a model must remember the marked numbers across the sequence to do
better. The data is generated on the fly; nothing is downloaded.

It prints the training MSE as it falls, then the test MSE against the
baseline and a few predictions.

    tf-kbackend run examples/lstm_adding_problem.py [--steps 800] [--quick]
"""

from __future__ import print_function

import argparse

import numpy as np

from keras import backend as K


def adding_problem(batch_size, timesteps, rng):
  """Inputs (batch, timesteps, 2) and targets (batch, 1)."""
  values = rng.uniform(0.0, 1.0, (batch_size, timesteps))
  markers = np.zeros((batch_size, timesteps))
  half = timesteps // 2
  first = rng.randint(0, half, batch_size)
  second = rng.randint(half, timesteps, batch_size)
  rows = np.arange(batch_size)
  markers[rows, first] = markers[rows, second] = 1.0
  x = np.stack([values, markers], axis=-1).astype('float32')
  y = (values[rows, first] + values[rows, second])[:, None]
  return x, y.astype('float32')


def orthogonal(shape, rng):
  """A random orthogonal matrix (Saxe et al.), as Keras' `orthogonal`."""
  flat = rng.normal(0.0, 1.0, (max(shape), min(shape)))
  q, r = np.linalg.qr(flat)
  q *= np.sign(np.diag(r))
  return q if q.shape == shape else q.T


class LSTMCell(object):
  """The weights of an LSTM and its step function for K.rnn."""

  def __init__(self, input_dim, units, seed=0):
    rng = np.random.RandomState(seed)
    self.units = units
    limit = np.sqrt(6.0 / (input_dim + 4 * units))
    self.kernel = K.variable(
        rng.uniform(-limit, limit, (input_dim, 4 * units)), name='kernel')
    self.recurrent_kernel = K.variable(
        np.concatenate([orthogonal((units, units), rng) for _ in range(4)],
                       axis=1), name='recurrent_kernel')
    bias = np.zeros(4 * units)
    bias[units:2 * units] = 1.0  # unit_forget_bias
    self.bias = K.variable(bias, name='bias')
    self.weights = [self.kernel, self.recurrent_kernel, self.bias]

  def step(self, x_t, states):
    h_tm1, c_tm1 = states
    z = K.dot(x_t, self.kernel) + K.dot(h_tm1, self.recurrent_kernel)
    z = K.bias_add(z, self.bias)
    u = self.units
    i = K.sigmoid(z[:, :u])
    f = K.sigmoid(z[:, u:2 * u])
    c = f * c_tm1 + i * K.tanh(z[:, 2 * u:3 * u])
    o = K.sigmoid(z[:, 3 * u:])
    h = o * K.tanh(c)
    return h, [h, c]

  def initial_states(self, inputs):
    # Zeros of shape (batch, units) with the batch size taken from the
    # input at run time, exactly as Keras 2's RNN.get_initial_state did.
    state = K.zeros_like(inputs)
    state = K.sum(state, axis=(1, 2))
    state = K.expand_dims(state)
    state = K.tile(state, [1, self.units])
    return [state, state]


def adam_updates(loss, params, lr, clipnorm=1.0, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7):
  """Adam as update ops, gradients rescaled to a global norm <= clipnorm."""
  grads = K.gradients(loss, params)
  norm = K.sqrt(sum(K.sum(K.square(g)) for g in grads))
  grads = [K.switch(norm >= clipnorm, g * clipnorm / norm, g)
           for g in grads]
  iterations = K.variable(0, dtype='int64', name='iterations')
  count = K.update_add(iterations, 1)
  updates = [count]
  with K.control_dependencies([count]):
    t = K.cast(iterations, K.floatx())
  lr_t = lr * (K.sqrt(1.0 - K.pow(beta_2, t)) / (1.0 - K.pow(beta_1, t)))
  for p, g in zip(params, grads):
    m = K.zeros(K.int_shape(p))
    v = K.zeros(K.int_shape(p))
    m_t = beta_1 * m + (1.0 - beta_1) * g
    v_t = beta_2 * v + (1.0 - beta_2) * K.square(g)
    updates.extend([K.update(m, m_t), K.update(v, v_t),
                    K.update(p, p - lr_t * m_t / (K.sqrt(v_t) + epsilon))])
  return updates


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--steps', type=int, default=800)
  parser.add_argument('--timesteps', type=int, default=30)
  parser.add_argument('--units', type=int, default=32)
  parser.add_argument('--batch-size', type=int, default=64)
  parser.add_argument('--quick', action='store_true',
                      help='a small run for the smoke test')
  args = parser.parse_args()
  if args.quick:
    args.steps, args.timesteps = 200, 10
  rng = np.random.RandomState(0)

  inputs = K.placeholder(shape=(None, args.timesteps, 2), name='sequences')
  targets = K.placeholder(shape=(None, 1), name='sums')
  cell = LSTMCell(2, args.units, seed=1)
  last_output, _, _ = K.rnn(cell.step, inputs, cell.initial_states(inputs))
  readout = K.variable(np.random.RandomState(2).uniform(
      -0.1, 0.1, (args.units, 1)), name='readout')
  readout_bias = K.variable(np.ones(1), name='readout_bias')
  prediction = K.dot(last_output, readout) + readout_bias
  loss = K.mean(K.square(prediction - targets))

  params = cell.weights + [readout, readout_bias]
  train = K.function([inputs, targets], [loss],
                     updates=adam_updates(loss, params, lr=0.01))
  predict = K.function([inputs], [prediction])

  print('adding problem, %d timesteps; baseline MSE (always 1.0) %.4f'
        % (args.timesteps, 1.0 / 6))
  window = []
  report_every = max(1, args.steps // 10)
  for step in range(1, args.steps + 1):
    x, y = adding_problem(args.batch_size, args.timesteps, rng)
    window.append(train([x, y])[0])
    if step % report_every == 0:
      print('step %d  mse %.4f' % (step, np.mean(window)))
      window = []

  x_test, y_test = adding_problem(1000, args.timesteps,
                                  np.random.RandomState(123))
  y_pred = predict([x_test])[0]
  print('test mse %.4f (baseline %.4f)'
        % (np.mean((y_pred - y_test) ** 2), np.mean((1.0 - y_test) ** 2)))
  for k in range(3):
    print('  target %.3f  predicted %.3f' % (y_test[k, 0], y_pred[k, 0]))


if __name__ == '__main__':
  main()
