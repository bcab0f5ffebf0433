"""A variational autoencoder with a custom loss (TF1-era backend style).

Ports the classic Keras example keras/examples/variational_autoencoder.py
(Kingma & Welling, 2014: a dense encoder to the mean and log-variance of a
2-D latent code, the reparameterisation trick, a dense decoder, and the
loss "reconstruction cross-entropy + KL divergence to N(0, I)") to raw
backend calls:

- the noise of the reparameterisation trick is `K.random_normal` with a
  symbolic shape, `(K.shape(z_mean)[0], latent_dim)`, drawn afresh at each
  `K.function` call;
- the custom loss is written with `K.binary_crossentropy`, `K.exp`,
  `K.square` and `K.sum`, and minimised by RMSprop written as `K.update`
  ops;
- the trained decoder is reused on a latent placeholder as a generator.

The images are generated: 14x14 grey images of a soft blob at a random
position (two degrees of freedom, so a 2-D latent space can capture them).
Nothing is downloaded.

It prints the loss, its reconstruction and KL parts per epoch, the test
reconstruction error against a baseline that predicts the mean image, how
well the blob position can be read linearly from the 2-D code (R^2), and
what the decoder generates from a few latent points.

    tf-kbackend run examples/variational_autoencoder.py [--epochs 30] [--quick]
"""

from __future__ import print_function

import argparse

import numpy as np

from keras import backend as K

SIZE = 14


def make_blobs(num_images, seed=0):
  """Soft round blobs at random (continuous) positions; returns images and
  the positions."""
  rng = np.random.RandomState(seed)
  centres = rng.uniform(3.0, SIZE - 4.0, (num_images, 2))
  grid = np.arange(SIZE, dtype='float64')
  rows = (grid[None, :] - centres[:, :1]) ** 2
  cols = (grid[None, :] - centres[:, 1:]) ** 2
  distance2 = rows[:, :, None] + cols[:, None, :]
  images = np.exp(-distance2 / (2 * 1.5 ** 2))
  return images.reshape(num_images, -1).astype('float32'), centres


class Dense(object):
  """A dense layer whose weights can be applied to several inputs."""

  def __init__(self, fan_in, units, name, seed, activation=None):
    limit = np.sqrt(6.0 / (fan_in + units))
    self.kernel = K.random_uniform_variable(
        (fan_in, units), -limit, limit, name=name + '_kernel', seed=seed)
    self.bias = K.zeros((units,), name=name + '_bias')
    self.activation = activation
    self.weights = [self.kernel, self.bias]

  def __call__(self, x):
    y = K.bias_add(K.dot(x, self.kernel), self.bias)
    return self.activation(y) if self.activation is not None else y


def rmsprop_updates(loss, params, lr=0.003, rho=0.9, epsilon=1e-7):
  """RMSprop (Tieleman & Hinton, 2012) as update ops."""
  updates = []
  for p, g in zip(params, K.gradients(loss, params)):
    accumulator = K.zeros(K.int_shape(p))
    new_accumulator = rho * accumulator + (1.0 - rho) * K.square(g)
    updates.append(K.update(accumulator, new_accumulator))
    updates.append(K.update(p, p - lr * g / (K.sqrt(new_accumulator)
                                             + epsilon)))
  return updates


def r_squared(codes, targets):
  """R^2 of the least-squares linear fit of `targets` from `codes`."""
  design = np.concatenate([codes, np.ones((len(codes), 1))], axis=1)
  coefficients = np.linalg.lstsq(design, targets, rcond=None)[0]
  residual = targets - design.dot(coefficients)
  return 1.0 - residual.var(axis=0) / targets.var(axis=0)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--epochs', type=int, default=30)
  parser.add_argument('--batch-size', type=int, default=100)
  parser.add_argument('--train-size', type=int, default=5000)
  parser.add_argument('--intermediate-dim', type=int, default=128)
  parser.add_argument('--quick', action='store_true',
                      help='a small run for the smoke test')
  args = parser.parse_args()
  if args.quick:
    args.epochs, args.train_size = 8, 2000
  np.random.seed(0)
  original_dim, latent_dim = SIZE * SIZE, 2

  x_train, _ = make_blobs(args.train_size, seed=1)
  x_test, positions_test = make_blobs(1000, seed=2)

  # Encoder: x -> (z_mean, z_log_var).
  x = K.placeholder(shape=(None, original_dim), name='x')
  encoder_hidden = Dense(original_dim, args.intermediate_dim, 'encoder',
                         seed=1, activation=K.relu)
  to_mean = Dense(args.intermediate_dim, latent_dim, 'z_mean', seed=2)
  to_log_var = Dense(args.intermediate_dim, latent_dim, 'z_log_var', seed=3)
  h = encoder_hidden(x)
  z_mean = to_mean(h)
  z_log_var = to_log_var(h)

  # The reparameterisation trick: z = mean + sigma * epsilon.
  epsilon = K.random_normal(shape=(K.shape(z_mean)[0], latent_dim),
                            mean=0.0, stddev=1.0, seed=4)
  z = z_mean + K.exp(z_log_var / 2) * epsilon

  # Decoder: z -> x, its layers kept to reuse them as a generator.
  decoder_hidden = Dense(latent_dim, args.intermediate_dim, 'decoder',
                         seed=5, activation=K.relu)
  decoder_out = Dense(args.intermediate_dim, original_dim, 'decoded',
                      seed=6, activation=K.sigmoid)
  x_decoded = decoder_out(decoder_hidden(z))

  # The custom loss of the classic example.
  reconstruction = original_dim * K.mean(
      K.binary_crossentropy(x, x_decoded), axis=-1)
  kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var),
                    axis=-1)
  loss = K.mean(reconstruction + kl)

  params = []
  for layer in (encoder_hidden, to_mean, to_log_var, decoder_hidden,
                decoder_out):
    params.extend(layer.weights)
  train = K.function([x], [loss, K.mean(reconstruction), K.mean(kl)],
                     updates=rmsprop_updates(loss, params))

  # Deterministic reconstruction from the code's mean, and a generator.
  reconstruct = K.function([x], [z_mean, decoder_out(decoder_hidden(z_mean))])
  z_in = K.placeholder(shape=(None, latent_dim), name='z')
  generate = K.function([z_in], [decoder_out(decoder_hidden(z_in))])

  rng = np.random.RandomState(1)
  for epoch in range(args.epochs):
    order = rng.permutation(len(x_train))
    results = []
    for start in range(0, len(order), args.batch_size):
      results.append(train([x_train[order[start:start + args.batch_size]]]))
    epoch_loss, epoch_reconstruction, epoch_kl = np.mean(results, axis=0)
    print('epoch %d  loss %.2f  reconstruction %.2f  kl %.2f'
          % (epoch + 1, epoch_loss, epoch_reconstruction, epoch_kl))

  codes, decoded = reconstruct([x_test])
  mse = np.mean((decoded - x_test) ** 2)
  baseline = np.mean((x_train.mean(axis=0) - x_test) ** 2)
  print('test reconstruction mse %.4f (mean-image baseline %.4f)'
        % (mse, baseline))
  fit = r_squared(codes, positions_test)
  print('blob position from the 2-D code: R^2 %.3f (row), %.3f (column)'
        % (fit[0], fit[1]))

  # Generated images from points of the prior: where is their blob?
  samples = generate([np.random.RandomState(3).normal(size=(5, 2))])[0]
  brightest = samples.reshape(-1, SIZE, SIZE).max(axis=(1, 2))
  peaks = [np.unravel_index(s.argmax(), (SIZE, SIZE)) for s in samples]
  print('generated blobs from N(0, I): peaks at %s, brightness %s'
        % (', '.join('(%d, %d)' % tuple(int(i) for i in p) for p in peaks),
           np.round(brightest, 2)))


if __name__ == '__main__':
  main()
