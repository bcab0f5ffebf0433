"""Batch normalization of channels-last images by TensorFlow's fused kernel.

Legacy Keras on TF1 normalized 4-D channels-last inputs with
`FusedBatchNormV3` (training and inference). One kernel instead of ~10
elementwise ops per layer, forward and backward: ResNet50's training graph
shrinks by ~2,000 nodes, which its build, gradient, compilation and first
run all pay for, and each step runs fewer, larger kernels.

Used for float32 inputs of rank 4 normalized over axes [0, 1, 2], with 1-D
parameters and `epsilon >= 1.001e-5` (the smallest value cuDNN accepts),
when building in the Keras graph; everything else keeps the general path of
`nn_ops`. Results keep that path's semantics:

- training returns the *biased* batch variance (docs/deviations/nn.md;
  the kernel's own output is Bessel-corrected, and is rescaled);
- gradients are complete: TensorFlow's registered gradient of the fused op
  ignores the gradients reaching the batch mean and variance outputs (and,
  in inference, gives none for the mean and variance inputs). The op is
  built under a gradient override that adds those terms when they are
  needed, so `K.gradients` through the returned statistics is exact.
"""

import tensorflow as tf

from tf_kbackend.tf_backend import graph as graph_lib

_GRADIENT = 'TfKbackendFusedBatchNormV3'
_MIN_EPSILON = 1.001e-5
_AXES = [0, 1, 2]


def applies(x, params, epsilon, axes=None):
  """Whether the fused kernel computes this normalization (see module doc)."""
  if x.dtype != tf.float32 or x.shape.rank != 4 or epsilon < _MIN_EPSILON:
    return False
  if axes is not None and sorted(axes) != _AXES:
    return False
  if not graph_lib.in_symbolic_scope():
    # Eager values, and graphs outside Keras' (whose GradientTape would not
    # see the gradient override), keep the general path.
    return False
  channels = x.shape[-1]
  for p in params:
    if p is None:
      continue
    if p.shape.rank != 1 or p.dtype != tf.float32 or (
        channels is not None and p.shape[0] not in (None, channels)):
      return False
  return channels is not None


def _filled(value, x):
  return tf.fill([x.shape[-1]], tf.constant(value, tf.float32))


def _fused(x, scale, offset, mean, variance, epsilon, is_training):
  graph = tf.compat.v1.get_default_graph()
  with graph.gradient_override_map({'FusedBatchNormV3': _GRADIENT}):
    return tf.raw_ops.FusedBatchNormV3(
        x=x, scale=scale, offset=offset, mean=mean, variance=variance,
        epsilon=epsilon, exponential_avg_factor=1.0, data_format='NHWC',
        is_training=is_training)


def _count(x):
  """Elements per channel, as float32 (static when the shape is known)."""
  n = x.shape[:3].num_elements()
  if n is not None:
    return tf.constant(float(n), tf.float32)
  return tf.cast(tf.size(x) // tf.shape(x)[-1], tf.float32)


def normalize_batch_in_training(x, gamma, beta, epsilon):
  """`(normalized, mean, biased variance)` over axes [0, 1, 2]."""
  scale = _filled(1.0, x) if gamma is None else gamma
  offset = _filled(0.0, x) if beta is None else beta
  empty = tf.zeros([0], tf.float32)
  outputs = _fused(x, scale, offset, empty, empty, epsilon, True)
  n = _count(x)
  # The kernel returns var * n / max(n - 1, 1); undo it.
  biased = outputs[2] * (tf.maximum(n - 1.0, 1.0) / n)
  return outputs[0], outputs[1], biased


def batch_normalization(x, mean, var, beta, gamma, epsilon):
  """`(x - mean) / sqrt(var + epsilon) * gamma + beta`, channels last."""
  scale = _filled(1.0, x) if gamma is None else gamma
  offset = _filled(0.0, x) if beta is None else beta
  return _fused(x, scale, offset, mean, var, epsilon, False)[0]


def _needed(grad):
  # Unused outputs receive zeros built by tf.gradients (ZerosLike);
  # adding their terms would cost elementwise passes at every step.
  return grad is not None and grad.op.type != 'ZerosLike'


@tf.RegisterGradient(_GRADIENT)
def _fused_batch_norm_grad(op, dy, dmean, dvar, *unused):
  """TensorFlow's fused gradient, plus the statistics' terms (module doc)."""
  del unused  # The reserve-space outputs carry no gradient.
  x, scale = op.inputs[0], op.inputs[1]
  epsilon = op.get_attr('epsilon')
  axes = _AXES
  if op.get_attr('is_training'):
    dx, dscale, doffset = tf.raw_ops.FusedBatchNormGradV3(
        y_backprop=dy, x=x, scale=scale, reserve_space_1=op.outputs[3],
        reserve_space_2=op.outputs[4], reserve_space_3=op.outputs[5],
        epsilon=epsilon, data_format='NHWC', is_training=True)[:3]
    n = _count(x)
    if _needed(dmean):
      dx += dmean / n
    if _needed(dvar):
      # Output 2 is sum((x - mean)^2) / max(n - 1, 1).
      dx += dvar * 2.0 * (x - op.outputs[1]) / tf.maximum(n - 1.0, 1.0)
    return dx, dscale, doffset, None, None
  mean, var = op.inputs[3], op.inputs[4]
  dx, dscale, doffset = tf.raw_ops.FusedBatchNormGradV3(
      y_backprop=dy, x=x, scale=scale, reserve_space_1=mean,
      reserve_space_2=var, reserve_space_3=op.outputs[5], epsilon=epsilon,
      data_format='NHWC', is_training=False)[:3]
  inv = tf.math.rsqrt(var + epsilon)
  dmean_in = -tf.reduce_sum(dy, axes) * scale * inv
  dvar_in = -0.5 * tf.reduce_sum(dy * (x - mean), axes) * scale * inv ** 3
  return dx, dscale, doffset, dmean_in, dvar_in
