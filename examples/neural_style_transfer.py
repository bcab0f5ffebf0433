"""Neural style transfer with scipy's L-BFGS (TF1-era backend style).

Ports the classic Keras example keras/examples/neural_style_transfer.py
(Gatys et al., 2015): the pixels of a combination image are optimised so
that its deep features match a content image and the Gram matrices of its
features match a style image, with a total-variation penalty. As in the
original:

- the content and style images are `K.variable`s, the combination image a
  `K.placeholder`, and the three are stacked with `K.concatenate` into one
  batch through the network;
- the loss is built from `K.batch_flatten`, `K.permute_dimensions`,
  `K.dot` (Gram matrices), `K.square`, `K.pow` and slices;
- the gradient is taken with respect to the input image
  (`K.gradients(loss, combination_image)`), loss and gradient come from ONE
  `K.function`, and an `Evaluator` object caches them for
  `scipy.optimize.fmin_l_bfgs_b`, which wants them from two callbacks.

The original used VGG16 with ImageNet weights; to download nothing, this
port uses a small convnet with fixed random weights (random-feature style
transfer; Ulyanov et al. and He et al. showed random convnets carry usable
texture statistics), and generated 32x32 images: the content is a few
coloured shapes, the style a pattern of diagonal stripes.

It prints the loss per L-BFGS iteration, then the content, style and
total-variation parts for the content image (the start) and the result.
`--output result.png` saves the content, style and result side by side.

    tf-kbackend run examples/neural_style_transfer.py [--iterations 10] \
        [--quick] [--output result.png]
"""

from __future__ import print_function

import argparse
import struct
import time
import zlib

import numpy as np
from scipy.optimize import fmin_l_bfgs_b

from keras import backend as K

SIZE = 32


def content_image():
  """A disk and a square on a soft gradient, RGB in [0, 1]."""
  rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype('float32') / (SIZE - 1)
  image = np.stack([0.2 + 0.3 * rows, 0.3 + 0.2 * cols,
                    0.5 * np.ones_like(rows)], axis=-1)
  disk = (rows - 0.35) ** 2 + (cols - 0.35) ** 2 < 0.2 ** 2
  image[disk] = (0.95, 0.8, 0.1)
  square = (rows > 0.55) & (rows < 0.9) & (cols > 0.5) & (cols < 0.85)
  image[square] = (0.1, 0.2, 0.8)
  return image


def style_image():
  """Red and white diagonal stripes, four pixels wide."""
  rows, cols = np.mgrid[0:SIZE, 0:SIZE]
  stripe = ((rows + cols) // 4) % 2 == 0
  image = np.where(stripe[..., None], (0.9, 0.1, 0.1), (0.95, 0.95, 0.9))
  return image.astype('float32')


def preprocess(image):
  """[0, 1] RGB -> a centred batch of one, in the backend's data format."""
  x = (image - 0.5)[np.newaxis]
  if K.image_data_format() == 'channels_first':
    x = x.transpose(0, 3, 1, 2)
  return x.astype('float32')


def deprocess(x):
  x = x.reshape(image_shape())
  if K.image_data_format() == 'channels_first':
    x = x.transpose(1, 2, 0)
  return np.clip(x + 0.5, 0.0, 1.0)


def image_shape():
  if K.image_data_format() == 'channels_first':
    return (3, SIZE, SIZE)
  return (SIZE, SIZE, 3)


def random_convnet(x, seed=0):
  """Feature maps of a fixed random-weight convnet, keyed by layer name."""
  rng = np.random.RandomState(seed)
  layers = {}
  channels = 3
  for name, filters, pool in (('block1_conv1', 16, False),
                              ('block1_conv2', 16, True),
                              ('block2_conv1', 32, False),
                              ('block2_conv2', 32, True),
                              ('block3_conv1', 64, False)):
    std = np.sqrt(2.0 / (9 * channels))
    kernel = K.constant(rng.normal(0.0, std, (3, 3, channels, filters)))
    bias = K.constant(rng.uniform(0.0, 0.1, filters))
    x = K.relu(K.bias_add(K.conv2d(x, kernel, padding='same'), bias))
    layers[name] = x
    if pool:
      x = K.pool2d(x, (2, 2), strides=(2, 2), pool_mode='avg')
    channels = filters
  return layers


def gram_matrix(x):
  """Channel-by-channel inner products of one image's feature map."""
  if K.image_data_format() != 'channels_first':
    x = K.permute_dimensions(x, (2, 0, 1))
  features = K.batch_flatten(x)
  return K.dot(features, K.transpose(features))


def style_loss(style, combination):
  channels = K.int_shape(style)[0 if K.image_data_format()
                                == 'channels_first' else -1]
  size = np.prod(K.int_shape(style)[:2] if K.image_data_format()
                 != 'channels_first' else K.int_shape(style)[1:])
  difference = gram_matrix(style) - gram_matrix(combination)
  return K.sum(K.square(difference)) / (4.0 * channels ** 2 * size ** 2)


def content_loss(base, combination):
  return K.sum(K.square(combination - base))


def total_variation_loss(x):
  """Penalises differences between neighbouring pixels."""
  if K.image_data_format() == 'channels_first':
    a = K.square(x[:, :, :SIZE - 1, :SIZE - 1] - x[:, :, 1:, :SIZE - 1])
    b = K.square(x[:, :, :SIZE - 1, :SIZE - 1] - x[:, :, :SIZE - 1, 1:])
  else:
    a = K.square(x[:, :SIZE - 1, :SIZE - 1, :] - x[:, 1:, :SIZE - 1, :])
    b = K.square(x[:, :SIZE - 1, :SIZE - 1, :] - x[:, :SIZE - 1, 1:, :])
  return K.sum(K.pow(a + b, 1.25))


class Evaluator(object):
  """Computes loss and gradient in one pass, hands them out separately.

  fmin_l_bfgs_b asks for the loss and the gradient through two functions;
  computing both at once and caching the gradient halves the work.
  """

  def __init__(self, loss_and_grads):
    self.loss_and_grads = loss_and_grads
    self.loss_value = None
    self.grad_values = None

  def loss(self, x):
    outputs = self.loss_and_grads([x.reshape((1,) + image_shape())])
    self.loss_value = float(outputs[0])
    self.grad_values = np.array(outputs[1]).flatten().astype('float64')
    return self.loss_value

  def grads(self, x):
    grad_values = self.grad_values
    self.loss_value = self.grad_values = None
    return grad_values


def save_png(path, images):
  """Images side by side as an RGB PNG (no imaging library needed)."""
  strip = np.concatenate(images, axis=1)
  strip = np.repeat(np.repeat(strip, 4, axis=0), 4, axis=1)
  pixels = (strip * 255).round().astype('uint8')
  height, width = pixels.shape[:2]
  # Each row starts with filter type 0 (none).
  raw = b''.join(b'\x00' + row.tobytes() for row in pixels)

  def chunk(kind, data):
    body = kind + data
    return (struct.pack('>I', len(data)) + body
            + struct.pack('>I', zlib.crc32(body) & 0xffffffff))

  with open(path, 'wb') as f:
    f.write(b'\x89PNG\r\n\x1a\n')
    f.write(chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0,
                                       0, 0)))
    f.write(chunk(b'IDAT', zlib.compress(raw)))
    f.write(chunk(b'IEND', b''))


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--iterations', type=int, default=10)
  parser.add_argument('--content-weight', type=float, default=0.001)
  parser.add_argument('--style-weight', type=float, default=3000.0)
  parser.add_argument('--tv-weight', type=float, default=0.002)
  parser.add_argument('--content-layer', default='block1_conv2')
  parser.add_argument('--output', help='save the images to this .png file')
  parser.add_argument('--quick', action='store_true',
                      help='a small run for the smoke test')
  args = parser.parse_args()
  if args.quick:
    args.iterations = 3

  base_image = K.variable(preprocess(content_image()), name='content')
  style_reference_image = K.variable(preprocess(style_image()), name='style')
  combination_image = K.placeholder((1,) + image_shape(), name='combination')
  input_tensor = K.concatenate(
      [base_image, style_reference_image, combination_image], axis=0)
  outputs_dict = random_convnet(input_tensor)

  # Content at one layer (a shallow one: random features carry less
  # layout deeper down); style at every layer, as the original did.
  content_features = outputs_dict[args.content_layer]
  content_term = content_loss(content_features[0, ...],
                              content_features[2, ...])
  style_term = 0.0
  style_layers = sorted(outputs_dict)
  for name in style_layers:
    features = outputs_dict[name]
    style_term += style_loss(features[1, ...], features[2, ...])
  style_term /= len(style_layers)
  tv_term = total_variation_loss(combination_image)
  loss = (args.content_weight * content_term + args.style_weight * style_term
          + args.tv_weight * tv_term)

  grads = K.gradients(loss, combination_image)
  f_outputs = K.function([combination_image], [loss] + grads)
  parts = K.function([combination_image], [content_term, style_term,
                                           tv_term])
  evaluator = Evaluator(f_outputs)

  def describe(label, x):
    c, s, t = parts([x.reshape((1,) + image_shape())])
    print('%-7s content %.4g  style %.4g  total variation %.4g'
          % (label, c, s, t))
    return c, s

  # Start from the content image, as the original did.
  start = preprocess(content_image()).astype('float64')
  x = start.flatten()
  print('initial loss %.4f' % evaluator.loss(x))
  for i in range(args.iterations):
    started = time.time()
    x, min_val, info = fmin_l_bfgs_b(evaluator.loss, x.flatten(),
                                  fprime=evaluator.grads, maxfun=20)
    print('iteration %d  loss %.4f  (%d evaluations, %.2fs)'
          % (i + 1, min_val, info['funcalls'], time.time() - started))

  _, style_start = describe('start', start)
  _, style_end = describe('result', x)
  print('style loss divided by %.1f' % (style_start / style_end))
  if args.output:
    save_png(args.output, [content_image(), style_image(), deprocess(x)])
    print('saved content | style | result to %s' % args.output)


if __name__ == '__main__':
  main()
