"""A custom Keras layer written in TF1: variable scopes, get_variable, py_func.

Custom layers of the TF1 era often kept their weights in a TensorFlow
variable scope rather than `add_weight`: `build` opens
`tf.variable_scope(scope, reuse=tf.AUTO_REUSE)` and creates the kernel
with `tf.get_variable` (so a second layer built in the same scope, e.g.
in an evaluation model, shares the trained weights), and `call` mixes in
numpy through `tf.py_func` (here: a robust per-sample scale, the 90th
percentile of |x|, computed by `np.percentile`, outside the gradient, with
`set_shape` restoring the static shape py_func loses).

The data is generated: the target depends only on the direction of each
input vector, while the inputs' scales vary over four orders of magnitude
(so that the network learns well only with the per-sample rescaling).
Nothing is downloaded.

It prints the training loss per epoch, the test mean squared error against
the predict-the-mean baseline, and checks that an evaluation model built
later in the same variable scope uses the trained weights.

    tf-kbackend run examples/custom_layer_variable_scope_py_func.py [--quick]
"""

from __future__ import print_function

import argparse

import numpy as np
import tensorflow as tf

from keras.layers import Dense, Input, Layer
from keras.models import Model


def robust_scale(x):
  """Per-sample 90th percentile of |x| (numpy), as a column."""
  scale = np.percentile(np.abs(x), 90, axis=1, keepdims=True)
  return np.maximum(scale, 1e-6).astype(np.float32)


class ScopedDense(Layer):
  """A dense layer whose weights live in a TF1 variable scope.

  Layers built with the same `scope` share their kernel and bias.
  """

  def __init__(self, units, scope, **kwargs):
    super(ScopedDense, self).__init__(**kwargs)
    self.units = units
    self.scope = scope

  def build(self, input_shape):
    with tf.variable_scope(self.scope, reuse=tf.AUTO_REUSE):
      self.kernel = tf.get_variable(
          'kernel', [int(input_shape[-1]), self.units],
          initializer=tf.glorot_uniform_initializer(seed=1))
      self.bias = tf.get_variable('bias', [self.units],
                                  initializer=tf.zeros_initializer())
    self.trainable_weights = [self.kernel, self.bias]
    super(ScopedDense, self).build(input_shape)

  def call(self, x):
    scale = tf.py_func(robust_scale, [tf.stop_gradient(x)], tf.float32)
    scale.set_shape([x.get_shape()[0].value, 1])
    return tf.nn.tanh(tf.matmul(x / scale, self.kernel) + self.bias)

  def compute_output_shape(self, input_shape):
    return (input_shape[0], self.units)


def make_data(num_samples, features=20, seed=0):
  """Inputs of random scale; the target depends on their direction only."""
  rng = np.random.RandomState(seed)
  direction = rng.normal(0.0, 1.0, (num_samples, features))
  direction /= np.linalg.norm(direction, axis=1, keepdims=True)
  scale = 10.0 ** rng.uniform(-2.0, 2.0, (num_samples, 1))
  probe = np.random.RandomState(1234).normal(0.0, 1.0, (features, 2))
  y = np.tanh(1.5 * direction.dot(probe)).sum(1, keepdims=True)
  return (direction * scale).astype('float32'), y.astype('float32')


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--epochs', type=int, default=40)
  parser.add_argument('--quick', action='store_true',
                      help='a short run for the smoke test')
  args = parser.parse_args()
  epochs = 15 if args.quick else args.epochs
  np.random.seed(0)
  tf.set_random_seed(0)
  x_train, y_train = make_data(3000 if args.quick else 10000, seed=1)
  x_test, y_test = make_data(2000, seed=2)

  inputs = Input((20,))
  h = ScopedDense(64, scope='encoder')(inputs)
  outputs = Dense(1)(h)
  model = Model(inputs, outputs)
  model.compile(optimizer='adam', loss='mse')
  history = model.fit(x_train, y_train, epochs=epochs, batch_size=32,
                      verbose=0)
  for epoch, value in enumerate(history.history['loss']):
    print('epoch %d  loss %.4f' % (epoch + 1, value))
  mse = float(np.mean((model.predict(x_test) - y_test) ** 2))
  baseline = float(np.mean((y_test - y_train.mean()) ** 2))
  print('test mse %.4f (baseline %.4f)' % (mse, baseline))

  # An evaluation model built later: same variable scope, same weights.
  eval_inputs = Input((20,))
  eval_encoder = ScopedDense(64, scope='encoder')
  eval_model = Model(eval_inputs,
                     model.layers[-1](eval_encoder(eval_inputs)))
  shared = eval_encoder.kernel is model.layers[1].kernel
  difference = np.abs(eval_model.predict(x_test) -
                       model.predict(x_test)).max()
  print('evaluation model shares the weights: %s (max |difference| %.2g)' %
        (shared, difference))
  print('variables in scope encoder: %s' % ', '.join(
      sorted(v.name for v in tf.global_variables('encoder'))))


if __name__ == '__main__':
  main()
