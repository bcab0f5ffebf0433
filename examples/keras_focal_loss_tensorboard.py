"""A Keras 2.2.4 model with the classic TF1 preamble, a TF1 loss, TensorBoard.

What a 2018 training script looked like: flags from `tf.app.flags`, the
`tf.ConfigProto` / `gpu_options.allow_growth` / `K.set_session(tf.Session(
config=config))` preamble, a custom loss written in TensorFlow 1 names (the
focal loss of Lin et al. 2017 for imbalanced classes: `tf.log`,
`tf.pow`, `tf.reduce_sum(..., keep_dims=True)`, `tf.to_float`), and
Keras's `TensorBoard` callback logging scalars, weight and gradient
histograms, weight images and the graph, started by `tf.app.run()`.

The data is generated: a 4-class problem on 2-D points with class
frequencies 85/5/5/5% (three small blobs inside a ring of the common
class), where plain cross-entropy ignores the rare classes and the focal
loss does not. Nothing is downloaded.

It prints the loss per epoch, the recall of each class on test data and
the TensorBoard log directory.

    tf-kbackend run examples/keras_focal_loss_tensorboard.py [--quick] [--logdir DIR]
"""

from __future__ import print_function

import tempfile

import numpy as np
import tensorflow as tf

config = tf.ConfigProto()
config.gpu_options.allow_growth = True

from keras import backend as K  # noqa: E402
K.set_session(tf.Session(config=config))

from keras.callbacks import TensorBoard  # noqa: E402
from keras.layers import Dense, Input  # noqa: E402
from keras.models import Model  # noqa: E402
from keras.optimizers import Adam  # noqa: E402

flags = tf.app.flags
flags.DEFINE_integer('epochs', 30, 'training epochs')
flags.DEFINE_boolean('quick', False, 'a short run for the smoke test')
flags.DEFINE_string('logdir', '', 'TensorBoard log directory (default: a '
                    'new temporary directory)')
FLAGS = flags.FLAGS

CENTERS = np.array([[0.0, 0.0], [0.0, 1.5], [1.3, -0.75], [-1.3, -0.75]])


def make_data(num_samples, seed):
  """A ring of class 0 around three small blobs of the rare classes."""
  rng = np.random.RandomState(seed)
  labels = rng.choice(4, num_samples, p=[0.85, 0.05, 0.05, 0.05])
  angle = rng.uniform(0, 2 * np.pi, num_samples)
  ring = np.stack([np.cos(angle), np.sin(angle)], 1) * rng.uniform(
      2.5, 4.0, (num_samples, 1))
  blobs = CENTERS[labels] + rng.normal(0.0, 0.35, (num_samples, 2))
  points = np.where((labels == 0)[:, None], ring, blobs)
  return points.astype('float32'), np.eye(4)[labels].astype('float32')


def focal_loss(gamma=2.0):
  """Focal loss (Lin et al., 2017) in TensorFlow 1 names."""

  def loss(y_true, y_pred):
    y_pred /= tf.reduce_sum(y_pred, axis=-1, keep_dims=True)
    y_pred = tf.clip_by_value(y_pred, 1e-7, 1.0 - 1e-7)
    weight = tf.pow(1.0 - y_pred, gamma)
    return -tf.reduce_sum(tf.to_float(y_true) * weight * tf.log(y_pred),
                          axis=-1)

  return loss


def main(_):
  np.random.seed(0)
  tf.set_random_seed(0)
  epochs = 12 if FLAGS.quick else FLAGS.epochs
  logdir = FLAGS.logdir or tempfile.mkdtemp(prefix='focal_tensorboard_')
  x_train, y_train = make_data(2000 if FLAGS.quick else 8000, seed=1)
  x_test, y_test = make_data(4000, seed=2)

  inputs = Input((2,))
  h = Dense(32, activation='relu')(inputs)
  h = Dense(32, activation='relu')(h)
  outputs = Dense(4, activation='softmax')(h)
  model = Model(inputs, outputs)
  model.compile(optimizer=Adam(0.01), loss=focal_loss(), metrics=['acc'])
  history = model.fit(
      x_train, y_train, epochs=epochs, batch_size=64, verbose=0,
      validation_data=(x_test[:500], y_test[:500]),
      callbacks=[TensorBoard(logdir, histogram_freq=2, batch_size=500,
                             write_graph=True, write_grads=True,
                             write_images=True)])
  for epoch, value in enumerate(history.history['loss']):
    print('epoch %d  loss %.4f' % (epoch + 1, value))
  predicted = model.predict(x_test).argmax(1)
  truth = y_test.argmax(1)
  for label in range(4):
    print('class %d recall %.3f (%d test points)' % (
        label, (predicted[truth == label] == label).mean(),
        (truth == label).sum()))
  print('tensorboard --logdir %s' % logdir)


if __name__ == '__main__':
  tf.app.run()
