"""A deep MLP with batch normalization and a hand-written Adam (TF1 style).

Ports the classic Keras-era recipe "Dense -> BatchNormalization -> ReLU,
three times, trained with Adam" (as in keras/examples/mnist_mlp.py grown
deeper, and the BatchNormalization layer and Adam optimizer of Keras 2.x)
to raw backend calls, the way research code of that time wrote it:

- batch normalization by hand: `K.normalize_batch_in_training` on the
  batch in the training phase, `K.batch_normalization` with the moving
  statistics at test time, chosen by `K.in_train_phase`, the moving
  statistics kept up to date by `K.moving_average_update` ops;
- Adam written as update ops (`K.update`, `K.update_add`, bias correction
  from an iteration counter variable), all run by one `K.function` that
  is fed the learning phase.

The data is generated: four interleaved spiral arms in 2-D, embedded in 16
features with wildly different scales and offsets (so that the network
only trains well with its inputs normalized, and only predicts well at
test time if the moving statistics were tracked). Nothing is downloaded.

It prints the training loss per epoch, then the test accuracy at test time
(moving statistics) and, for comparison, with the batch statistics of the
test set.

    tf-kbackend run examples/mlp_batchnorm_adam.py [--epochs 30] [--quick]
"""

from __future__ import print_function

import argparse

import numpy as np

from keras import backend as K


def make_spirals(num_samples, classes=4, features=16, seed=0):
  """Spiral arms in 2-D, linearly lifted to badly scaled features."""
  rng = np.random.RandomState(seed)
  labels = rng.randint(0, classes, num_samples)
  radius = rng.uniform(0.1, 1.0, num_samples)
  angle = (labels * 2.0 * np.pi / classes + 2.0 * np.pi * radius
           + rng.normal(0.0, 0.15, num_samples))
  plane = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
  # The same projection for train and test: seed fixed here on purpose.
  lift = np.random.RandomState(1234)
  projection = lift.normal(0.0, 1.0, (2, features))
  scales = 10.0 ** lift.uniform(-1.0, 2.0, features)
  offsets = lift.uniform(-50.0, 50.0, features)
  x = np.tanh(plane.dot(projection)) * scales + offsets
  y = np.eye(classes)[labels]
  return x.astype('float32'), y.astype('float32')


class BatchNormDense(object):
  """Dense -> batch normalization -> ReLU, with its parameters and updates."""

  def __init__(self, units, fan_in, name, seed, momentum=0.9):
    limit = np.sqrt(6.0 / (fan_in + units))
    self.kernel = K.random_uniform_variable(
        (fan_in, units), -limit, limit, name=name + '_kernel', seed=seed)
    self.gamma = K.ones((units,), name=name + '_gamma')
    self.beta = K.zeros((units,), name=name + '_beta')
    self.moving_mean = K.zeros((units,), name=name + '_moving_mean')
    self.moving_variance = K.ones((units,), name=name + '_moving_variance')
    self.momentum = momentum
    self.trainable_weights = [self.kernel, self.gamma, self.beta]
    self.updates = []

  def __call__(self, x):
    # No bias: batch normalization's beta plays its role.
    h = K.dot(x, self.kernel)
    normed, mean, variance = K.normalize_batch_in_training(
        h, self.gamma, self.beta, reduction_axes=[0], epsilon=1e-3)
    self.updates = [
        K.moving_average_update(self.moving_mean, mean, self.momentum),
        K.moving_average_update(self.moving_variance, variance,
                                self.momentum)]
    inference = K.batch_normalization(
        h, self.moving_mean, self.moving_variance, self.beta, self.gamma,
        epsilon=1e-3)
    return K.relu(K.in_train_phase(normed, inference))


def adam_updates(loss, params, lr=0.01, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7):
  """Adam (Kingma & Ba, 2015) as a list of update ops, as Keras 2 wrote it."""
  grads = K.gradients(loss, params)
  iterations = K.variable(0, dtype='int64', name='iterations')
  count = K.update_add(iterations, 1)
  updates = [count]
  # Read the counter after it is incremented, so that t = 1, 2, ...
  with K.control_dependencies([count]):
    t = K.cast(iterations, K.floatx())
  lr_t = lr * (K.sqrt(1.0 - K.pow(beta_2, t)) / (1.0 - K.pow(beta_1, t)))
  for p, g in zip(params, grads):
    m = K.zeros(K.int_shape(p))
    v = K.zeros(K.int_shape(p))
    m_t = beta_1 * m + (1.0 - beta_1) * g
    v_t = beta_2 * v + (1.0 - beta_2) * K.square(g)
    p_t = p - lr_t * m_t / (K.sqrt(v_t) + epsilon)
    updates.extend([K.update(m, m_t), K.update(v, v_t), K.update(p, p_t)])
  return updates


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--epochs', type=int, default=30)
  parser.add_argument('--batch-size', type=int, default=64)
  parser.add_argument('--train-size', type=int, default=4000)
  parser.add_argument('--units', type=int, default=64)
  parser.add_argument('--quick', action='store_true',
                      help='a small run for the smoke test')
  args = parser.parse_args()
  if args.quick:
    args.epochs, args.train_size = 6, 1600
  np.random.seed(0)

  x_train, y_train = make_spirals(args.train_size, seed=1)
  x_test, y_test = make_spirals(1000, seed=2)
  features, classes = x_train.shape[1], y_train.shape[1]

  x = K.placeholder(shape=(None, features), name='x')
  y_true = K.placeholder(shape=(None, classes), name='y_true')
  layers = [BatchNormDense(args.units, features, 'dense_1', seed=1),
            BatchNormDense(args.units, args.units, 'dense_2', seed=2),
            BatchNormDense(args.units, args.units, 'dense_3', seed=3)]
  h = x
  for layer in layers:
    h = layer(h)
  limit = np.sqrt(6.0 / (args.units + classes))
  kernel = K.random_uniform_variable((args.units, classes), -limit, limit,
                                     name='logits_kernel', seed=4)
  bias = K.zeros((classes,), name='logits_bias')
  y_pred = K.softmax(K.bias_add(K.dot(h, kernel), bias))
  loss = K.mean(K.categorical_crossentropy(y_true, y_pred))
  accuracy = K.mean(K.cast(K.equal(K.argmax(y_true, axis=-1),
                                   K.argmax(y_pred, axis=-1)), K.floatx()))

  params = [kernel, bias]
  moving_updates = []
  for layer in layers:
    params.extend(layer.trainable_weights)
    moving_updates.extend(layer.updates)
  updates = adam_updates(loss, params, lr=0.01) + moving_updates

  train = K.function([x, y_true, K.learning_phase()], [loss, accuracy],
                     updates=updates)
  evaluate = K.function([x, y_true, K.learning_phase()], [loss, accuracy])

  rng = np.random.RandomState(1)
  for epoch in range(args.epochs):
    order = rng.permutation(len(x_train))
    results = []
    for start in range(0, len(order), args.batch_size):
      batch = order[start:start + args.batch_size]
      results.append(train([x_train[batch], y_train[batch], 1]))
    epoch_loss, epoch_accuracy = np.mean(results, axis=0)
    print('epoch %d  loss %.4f  accuracy %.3f'
          % (epoch + 1, epoch_loss, epoch_accuracy))

  test_loss, test_accuracy = evaluate([x_test, y_test, 0])
  print('test loss %.4f  test accuracy %.3f (moving statistics)'
        % (test_loss, test_accuracy))
  # The training phase normalizes with the test batch's own statistics.
  _, batch_stats_accuracy = evaluate([x_test, y_test, 1])
  print('test accuracy %.3f (batch statistics)' % batch_stats_accuracy)
  print('moving mean of dense_1 (first 4 units): %s'
        % np.round(K.get_value(layers[0].moving_mean)[:4], 2))


if __name__ == '__main__':
  main()
