"""A generative adversarial network on a 1-D mixture (TF1-era backend style).

Ports the classic GAN training loop (Goodfellow et al., 2014, as in the
Keras-era examples keras/examples/mnist_acgan.py and the many "GAN in
50 lines" scripts) to raw backend calls:

- generator and discriminator are small MLPs whose weights are
  `K.variable`s; the generator's noise is `K.random_normal` with the
  batch size read from a placeholder at run time;
- two `K.function`s share one graph: the discriminator step updates only
  the discriminator's weights, the generator step only the generator's
  (each one's Adam update ops take gradients of its own loss with respect
  to its own weights, the other network held fixed);
- the generator uses the non-saturating loss, -log D(G(z)).

The data is generated: a mixture of two Gaussians, at -2 and +2 with
standard deviation 0.5. Nothing is downloaded.

It prints the losses while training, the Wasserstein-1 distance between
generated and real samples (it falls), the share of samples in each mode,
and text histograms of real and generated samples.

    tf-kbackend run examples/gan_1d_mixture.py [--steps 3000] [--quick]
"""

from __future__ import print_function

import argparse

import numpy as np

from keras import backend as K

MODES, MODE_STD = (-2.0, 2.0), 0.5


def real_samples(n, rng):
  centres = np.array(MODES)[rng.randint(0, len(MODES), n)]
  return (centres + rng.normal(0.0, MODE_STD, n))[:, None].astype('float32')


def mlp(sizes, name, seed):
  """Weights of an MLP: [(kernel, bias), ...] for consecutive sizes."""
  rng = np.random.RandomState(seed)
  layers = []
  for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    layers.append((K.variable(rng.uniform(-limit, limit, (fan_in, fan_out)),
                              name='%s_w%d' % (name, k)),
                   K.variable(np.zeros(fan_out), name='%s_b%d' % (name, k))))
  return layers


def apply_mlp(layers, x, activation):
  for k, (kernel, bias) in enumerate(layers):
    x = K.bias_add(K.dot(x, kernel), bias)
    if k < len(layers) - 1:
      x = activation(x)
  return x


def leaky_relu(x):
  return K.relu(x, alpha=0.2)


def weights_of(layers):
  return [w for layer in layers for w in layer]


def adam_updates(loss, params, lr, beta_1=0.5, beta_2=0.999, epsilon=1e-7):
  """Adam as update ops (beta_1 = 0.5, the usual choice for GANs)."""
  grads = K.gradients(loss, params)
  iterations = K.variable(0, dtype='int64')
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


def wasserstein_1d(a, b):
  """W1 distance between two equal-size 1-D samples."""
  return float(np.mean(np.abs(np.sort(a.ravel()) - np.sort(b.ravel()))))


def text_histogram(samples, lo=-4.0, hi=4.0, bins=16, width=40):
  counts, edges = np.histogram(samples, bins=bins, range=(lo, hi))
  scale = width / max(1, counts.max())
  return ['%5.1f | %-*s' % (edge, width, '#' * int(round(c * scale)))
          for edge, c in zip(edges[:-1], counts)]


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--steps', type=int, default=3000)
  parser.add_argument('--batch-size', type=int, default=128)
  parser.add_argument('--noise-dim', type=int, default=4)
  parser.add_argument('--quick', action='store_true',
                      help='a small run for the smoke test')
  args = parser.parse_args()
  if args.quick:
    args.steps = 800
  rng = np.random.RandomState(0)

  generator = mlp([args.noise_dim, 32, 32, 1], 'generator', seed=1)
  discriminator = mlp([1, 32, 32, 1], 'discriminator', seed=2)

  real = K.placeholder(shape=(None, 1), name='real')
  # The generator's batch is as large as the real one fed in.
  noise = K.random_normal(shape=(K.shape(real)[0], args.noise_dim), seed=3)
  fake = apply_mlp(generator, noise, K.relu)
  d_real = K.sigmoid(apply_mlp(discriminator, real, leaky_relu))
  d_fake = K.sigmoid(apply_mlp(discriminator, fake, leaky_relu))

  eps = K.epsilon()
  d_loss = -K.mean(K.log(d_real + eps) + K.log(1.0 - d_fake + eps))
  g_loss = -K.mean(K.log(d_fake + eps))

  d_train = K.function(
      [real], [d_loss],
      updates=adam_updates(d_loss, weights_of(discriminator), lr=0.002))
  g_train = K.function(
      [real], [g_loss],
      updates=adam_updates(g_loss, weights_of(generator), lr=0.002))
  sample = K.function([real], [fake])

  reference = real_samples(2000, np.random.RandomState(99))
  placeholder_batch = np.zeros((2000, 1), dtype='float32')
  w1_start = wasserstein_1d(sample([placeholder_batch])[0], reference)
  print('W1 distance to the data at the start %.3f' % w1_start)
  report_every = max(1, args.steps // 8)
  d_losses, g_losses = [], []
  for step in range(1, args.steps + 1):
    batch = real_samples(args.batch_size, rng)
    d_losses.append(d_train([batch])[0])
    g_losses.append(g_train([batch])[0])
    if step % report_every == 0:
      generated = sample([placeholder_batch])[0]
      print('step %d  d_loss %.3f  g_loss %.3f  W1 %.3f'
            % (step, np.mean(d_losses), np.mean(g_losses),
               wasserstein_1d(generated, reference)))
      d_losses, g_losses = [], []

  generated = sample([placeholder_batch])[0]
  w1_end = wasserstein_1d(generated, reference)
  print('W1 distance to the data at the end %.3f (start %.3f)'
        % (w1_end, w1_start))
  print('share of samples below 0: generated %.2f, real %.2f'
        % (np.mean(generated < 0), np.mean(reference < 0)))
  print('%-30s%s' % ('real samples', 'generated samples'))
  for left, right in zip(text_histogram(reference, width=20),
                         text_histogram(generated, width=20)):
    print('%s  %s' % (left, right))


if __name__ == '__main__':
  main()
