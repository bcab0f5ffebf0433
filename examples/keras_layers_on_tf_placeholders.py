"""Keras as a simplified interface to TensorFlow (the 2016 blog-post style).

The model is TensorFlow 1 code: a `tf.placeholder` for the inputs, Keras
layers (Dense, Dropout) called on it as functions, a loss written with
`tf.reduce_mean` over Keras's `categorical_crossentropy`, and training by
`tf.train.AdamOptimizer(...).minimize(loss)` run in a `tf.Session` loop
whose `feed_dict` sets `K.learning_phase()` to 1 (dropout on). Accuracy is
computed with Keras's `categorical_accuracy` and `Tensor.eval` in the
default session, with the learning phase fed 0 (dropout off).

The data is generated: 10 classes of noisy 64-d "glyphs" (each class a
random prototype pattern, samples flip 15% of its pixels and add noise).
Nothing is downloaded.

It prints the mean training loss per epoch and the test accuracy.

    tf-kbackend run examples/keras_layers_on_tf_placeholders.py [--quick]
"""

from __future__ import print_function

import argparse

import numpy as np
import tensorflow as tf

from keras import backend as K
from keras.layers import Dense, Dropout
from keras.metrics import categorical_accuracy as accuracy
from keras.objectives import categorical_crossentropy


def make_glyphs(num_samples, classes=10, pixels=64, seed=0):
  """Noisy binary glyphs: random class prototypes, 15% pixels flipped."""
  prototypes = np.random.RandomState(1234).rand(classes, pixels) > 0.5
  rng = np.random.RandomState(seed)
  labels = rng.randint(0, classes, num_samples)
  flips = rng.rand(num_samples, pixels) < 0.15
  x = np.logical_xor(prototypes[labels], flips).astype('float32')
  x += rng.normal(0.0, 0.3, x.shape)
  y = np.eye(classes)[labels]
  return x.astype('float32'), y.astype('float32')


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--epochs', type=int, default=10)
  parser.add_argument('--quick', action='store_true',
                      help='a short run for the smoke test')
  args = parser.parse_args()
  epochs = 4 if args.quick else args.epochs
  np.random.seed(0)
  tf.set_random_seed(0)

  sess = tf.Session()
  K.set_session(sess)

  img = tf.placeholder(tf.float32, shape=(None, 64))
  labels = tf.placeholder(tf.float32, shape=(None, 10))
  x = Dense(128, activation='relu')(img)
  x = Dropout(0.3)(x)
  x = Dense(128, activation='relu')(x)
  x = Dropout(0.3)(x)
  preds = Dense(10, activation='softmax')(x)

  loss = tf.reduce_mean(categorical_crossentropy(labels, preds))
  train_step = tf.train.AdamOptimizer(0.001).minimize(loss)
  acc_value = tf.reduce_mean(accuracy(labels, preds))

  sess.run(tf.global_variables_initializer())
  x_train, y_train = make_glyphs(2000 if args.quick else 10000, seed=1)
  x_test, y_test = make_glyphs(1000, seed=2)
  batch_size = 50
  with sess.as_default():
    for epoch in range(epochs):
      order = np.random.permutation(len(x_train))
      losses = []
      for start in range(0, len(x_train), batch_size):
        batch = order[start:start + batch_size]
        _, batch_loss = sess.run(
            [train_step, loss],
            feed_dict={img: x_train[batch], labels: y_train[batch],
                       K.learning_phase(): 1})
        losses.append(batch_loss)
      print('epoch %d  loss %.4f' % (epoch + 1, np.mean(losses)))
    test_accuracy = acc_value.eval(feed_dict={img: x_test, labels: y_test,
                                              K.learning_phase(): 0})
  print('test accuracy %.3f (chance 0.1)' % test_accuracy)


if __name__ == '__main__':
  main()
