"""A small convnet on generated 16x16 shape images (TF1-era backend style).

Ports the classic Keras convnet (keras/examples/mnist_cnn.py: two
convolutions, max pooling, dropout, a dense layer, softmax) to raw backend
calls, as early research code wrote it: weights are `K.variable`s, the
layers are `K.conv2d`, `K.bias_add`, `K.pool2d` and `K.dot`, dropout runs
only in the training phase (`K.in_train_phase(K.dropout(...))`, the
learning phase fed to `K.function`), and the optimizer is SGD with
Nesterov momentum written as `K.update` ops.

The images are generated with numpy (nothing is downloaded): 16x16 grey
images of one of four shapes at a random place and size, with noise:
a horizontal bar, a vertical bar, a cross, or a hollow square.

It prints the loss and accuracy per epoch and the test accuracy (chance is
0.25).

    tf-kbackend run examples/convnet_shapes.py [--epochs 6] [--quick]
"""

from __future__ import print_function

import argparse

import numpy as np

from keras import backend as K

SHAPES = ('horizontal bar', 'vertical bar', 'cross', 'square')


def make_images(num_images, size=16, seed=0):
  """Noisy images of random shapes, labels one-hot, channels last."""
  rng = np.random.RandomState(seed)
  images = rng.uniform(0.0, 0.3, (num_images, size, size)).astype('float32')
  labels = rng.randint(0, len(SHAPES), num_images)
  for image, label in zip(images, labels):
    extent = rng.randint(5, 11)
    top, left = rng.randint(0, size - extent + 1, 2)
    bottom, right = top + extent, left + extent
    row, col = top + extent // 2, left + extent // 2
    if label == 0:
      image[row, left:right] = 1.0
    elif label == 1:
      image[top:bottom, col] = 1.0
    elif label == 2:
      image[row, left:right] = 1.0
      image[top:bottom, col] = 1.0
    else:
      image[top, left:right] = image[bottom - 1, left:right] = 1.0
      image[top:bottom, left] = image[top:bottom, right - 1] = 1.0
  x = images[..., np.newaxis]
  y = np.eye(len(SHAPES), dtype='float32')[labels]
  if K.image_data_format() == 'channels_first':
    x = x.transpose(0, 3, 1, 2)
  return x, y


def conv_layer(x, filters, kernel_size, name, seed):
  """3x3 convolution + bias + ReLU; returns the output and the weights."""
  channel_axis = 1 if K.image_data_format() == 'channels_first' else -1
  in_channels = K.int_shape(x)[channel_axis]
  fan_in = in_channels * kernel_size * kernel_size
  kernel = K.random_normal_variable(
      (kernel_size, kernel_size, in_channels, filters), 0.0,
      np.sqrt(2.0 / fan_in), name=name + '_kernel', seed=seed)
  bias = K.zeros((filters,), name=name + '_bias')
  y = K.relu(K.bias_add(K.conv2d(x, kernel, padding='same'), bias))
  return y, [kernel, bias]


def dense_layer(x, units, name, seed):
  fan_in = K.int_shape(x)[-1]
  kernel = K.random_normal_variable((fan_in, units), 0.0,
                                    np.sqrt(2.0 / fan_in),
                                    name=name + '_kernel', seed=seed)
  bias = K.zeros((units,), name=name + '_bias')
  return K.bias_add(K.dot(x, kernel), bias), [kernel, bias]


def sgd_nesterov_updates(loss, params, lr, momentum=0.9):
  """SGD with Nesterov momentum as update ops (Keras 2's SGD did the same)."""
  updates = []
  for p, g in zip(params, K.gradients(loss, params)):
    velocity = K.zeros(K.int_shape(p))
    new_velocity = momentum * velocity - lr * g
    updates.append(K.update(velocity, new_velocity))
    updates.append(K.update(p, p + momentum * new_velocity - lr * g))
  return updates


def build_model(input_shape, classes):
  """The convnet and its functions: `(train, predict, params)`.

  `train([x, y, 1])` runs one SGD step and returns `[loss, accuracy]`;
  `predict([x, 0])` returns `[probabilities]`.
  """
  x = K.placeholder(shape=(None,) + tuple(input_shape), name='images')
  y_true = K.placeholder(shape=(None, classes), name='labels')
  h, params = conv_layer(x, 8, 3, 'conv_1', seed=1)
  h, more = conv_layer(h, 16, 3, 'conv_2', seed=2)
  params += more
  h = K.pool2d(h, pool_size=(2, 2), strides=(2, 2), pool_mode='max')
  h = K.in_train_phase(K.dropout(h, 0.25, seed=3), h)
  h, more = conv_layer(h, 16, 3, 'conv_3', seed=4)
  params += more
  h = K.pool2d(h, pool_size=(2, 2), strides=(2, 2), pool_mode='max')
  h = K.batch_flatten(h)
  h, more = dense_layer(h, 64, 'dense', seed=5)
  params += more
  h = K.relu(h)
  h = K.in_train_phase(K.dropout(h, 0.5, seed=6), h)
  logits, more = dense_layer(h, classes, 'logits', seed=7)
  params += more
  y_pred = K.softmax(logits)

  loss = K.mean(K.categorical_crossentropy(y_true, y_pred))
  accuracy = K.mean(K.cast(K.equal(K.argmax(y_true, axis=-1),
                                   K.argmax(y_pred, axis=-1)), K.floatx()))
  updates = sgd_nesterov_updates(loss, params, lr=0.02)
  train = K.function([x, y_true, K.learning_phase()], [loss, accuracy],
                     updates=updates)
  predict = K.function([x, K.learning_phase()], [y_pred])
  return train, predict, params


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--epochs', type=int, default=6)
  parser.add_argument('--batch-size', type=int, default=64)
  parser.add_argument('--train-size', type=int, default=3000)
  parser.add_argument('--quick', action='store_true',
                      help='a small run for the smoke test')
  args = parser.parse_args()
  if args.quick:
    args.epochs, args.train_size = 3, 1200
  np.random.seed(0)

  x_train, y_train = make_images(args.train_size, seed=1)
  x_test, y_test = make_images(600, seed=2)

  train, predict, params = build_model(x_train.shape[1:], len(SHAPES))
  print('%d parameters, %d training images of %s'
        % (sum(K.count_params(p) for p in params), len(x_train),
           ', '.join(SHAPES)))

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

  predicted = predict([x_test, 0])[0].argmax(-1)
  actual = y_test.argmax(-1)
  print('test accuracy %.3f (chance 0.25)' % np.mean(predicted == actual))
  for index, shape in enumerate(SHAPES):
    print('  %-15s %.3f' % (shape, np.mean(predicted[actual == index]
                                           == index)))


if __name__ == '__main__':
  main()
