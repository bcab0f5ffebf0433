"""Train a small MLP the TF1-era way: placeholders, gradients, update ops.

This is how Keras 2.0-2.3 research code drove the backend directly: build a
symbolic graph from placeholders, take `K.gradients`, write the optimizer
as a list of update ops, compile everything into one `K.function` and call
it in a loop with numpy batches. It runs unchanged on TensorFlow 2 with
tf_kbackend (eager execution stays on).

The data is generated: 10 Gaussian clusters in 64 dimensions, so nothing is
downloaded. Everything is seeded (the data, the initial weights, the
dropout masks, the batch order): two runs print the same numbers. The
script prints the training loss per epoch (it falls) and the test
accuracy; with `--export DIR` it also writes the trained network's
prediction function as a TensorFlow 2 SavedModel (see docs/export.md).

    python examples/mlp_placeholder_training.py [--epochs 8] [--export DIR]
"""

from __future__ import print_function

import argparse

import numpy as np

import tf_kbackend as K


def make_data(num_train=4000, num_test=1000, dim=64, classes=10, seed=0):
  """Clusters around random centres, one-hot labels."""
  rng = np.random.RandomState(seed)
  centres = rng.normal(0.0, 1.0, (classes, dim))
  labels = rng.randint(0, classes, num_train + num_test)
  x = centres[labels] + rng.normal(0.0, 1.6, (len(labels), dim))
  y = np.eye(classes)[labels]
  return ((x[:num_train].astype('float32'), y[:num_train].astype('float32')),
          (x[num_train:].astype('float32'), y[num_train:].astype('float32')))


def dense(x, units, name, activation=None):
  """A fully connected layer built directly from backend ops."""
  fan_in = K.int_shape(x)[-1]
  limit = np.sqrt(6.0 / (fan_in + units))
  kernel = K.random_uniform_variable((fan_in, units), -limit, limit,
                                     name=name + '_kernel', seed=len(name))
  bias = K.zeros((units,), name=name + '_bias')
  y = K.bias_add(K.dot(x, kernel), bias) if hasattr(K, 'bias_add') else (
      K.dot(x, kernel) + bias)
  if activation is not None:
    y = activation(y)
  return y, [kernel, bias]


def build_model(dim=64, classes=10):
  """The graph and its two functions: `(train, predict)`.

  `train([x, y, 1])` runs one SGD step and returns `[loss]`;
  `predict([x, 0])` returns `[probabilities]`.
  """
  # The graph: placeholders in, loss out. None is the batch dimension.
  x = K.placeholder(shape=(None, dim), name='x')
  y_true = K.placeholder(shape=(None, classes), name='y_true')
  hidden, params1 = dense(x, 128, 'hidden', activation=K.relu)
  # Dropout only while training: the learning phase is fed below.
  hidden = K.in_train_phase(K.dropout(hidden, 0.2, seed=3), hidden)
  logits, params2 = dense(hidden, classes, 'logits')
  y_pred = K.softmax(logits)
  loss = K.mean(K.categorical_crossentropy(y_true, y_pred))
  params = params1 + params2

  # SGD with momentum, written as update ops (as Keras optimizers were).
  learning_rate, momentum = 0.1, 0.9
  grads = K.gradients(loss, params)
  updates = []
  for p, g in zip(params, grads):
    velocity = K.zeros(K.int_shape(p))
    new_velocity = momentum * velocity - learning_rate * g
    updates.append(K.update(velocity, new_velocity))
    updates.append(K.update(p, p + new_velocity))

  train = K.function([x, y_true, K.learning_phase()], [loss],
                     updates=updates)
  predict = K.function([x, K.learning_phase()], [y_pred])
  return train, predict


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--epochs', type=int, default=8)
  parser.add_argument('--batch-size', type=int, default=128)
  parser.add_argument('--export', metavar='DIR',
                      help='write the trained predict function as a '
                      'SavedModel there')
  args = parser.parse_args()
  np.random.seed(0)  # Draws that take no explicit seed.

  (x_train, y_train), (x_test, y_test) = make_data()
  train, predict = build_model()

  rng = np.random.RandomState(1)
  for epoch in range(args.epochs):
    order = rng.permutation(len(x_train))
    losses = []
    for start in range(0, len(order), args.batch_size):
      batch = order[start:start + args.batch_size]
      losses.append(train([x_train[batch], y_train[batch], 1])[0])
    print('epoch %d  loss %.4f' % (epoch + 1, np.mean(losses)))

  probabilities = predict([x_test, 0])[0]
  accuracy = np.mean(probabilities.argmax(-1) == y_test.argmax(-1))
  print('test accuracy %.3f' % accuracy)
  if args.export:
    from tf_kbackend import export  # pylint: disable=g-import-not-at-top
    export.export_function(predict, args.export, input_names=['x'],
                           output_names=['probabilities'], overwrite=True)
    print('exported the predict function to %s' % args.export)


if __name__ == '__main__':
  main()
