"""Where Keras 2.3's own TensorFlow backend computed differently from 2.2's.

tf_kbackend's ops follow Keras 2.2.4's TensorFlow backend. Keras 2.3.1's
delegated some ops to TensorFlow 2.0's `tf.keras` backend, whose formulas
differ; its own tests check those numbers. When legacy Keras 2.3 selects
tf_kbackend, `keras.backend` gets the 2.3 versions below instead (each
works in both worlds, as tf_kbackend's ops do):

- `binary_crossentropy` of probabilities: `-(t * log(p + eps) + (1 - t) *
  log(1 - p + eps))` with `p` clipped to `[eps, 1 - eps]` (Keras 2.2:
  the sigmoid cross-entropy of `log(p / (1 - p))`); of a tensor computed
  by a sigmoid, the cross-entropy of the sigmoid's input (logits).
  Keras 2.3.1's `losses_test.py` and `metrics_test.py` expect 3.833 where
  Keras 2.2's formula gives 3.98.
"""

import tensorflow as tf

from tf_kbackend import config
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import nn_ops


@graph_lib.graph_op
def binary_crossentropy(target, output, from_logits=False):
  """Binary crossentropy as Keras 2.3.1 on TensorFlow 2 computed it.

  Args:
    target: a tensor of the shape of `output`, values in [0, 1].
    output: probabilities, or logits.
    from_logits: whether `output` holds logits.

  Returns:
    A tensor of the shape of `output`.

  >>> import numpy as np
  >>> from tf_kbackend.legacy import keras23
  >>> loss = keras23.binary_crossentropy(
  ...     np.array([[1., 0.], [1., 0.]]), np.array([[1., 1.], [1., 0.]], 'f'))
  >>> float(np.round(tf.reduce_mean(loss), 3))
  3.833
  """
  output = tf.convert_to_tensor(output)
  if not from_logits:
    if graph_lib.is_symbolic(output) and output.op.type == 'Sigmoid':
      return nn_ops.binary_crossentropy(target, output.op.inputs[0],
                                        from_logits=True)
    if not output.dtype.is_floating:
      output = tf.cast(output, config.floatx())
    target = tf.cast(target, output.dtype)
    eps = tf.constant(config.epsilon(), output.dtype)
    output = tf.clip_by_value(output, eps, 1.0 - eps)
    return -(target * tf.math.log(output + eps) +
             (1.0 - target) * tf.math.log(1.0 - output + eps))
  return nn_ops.binary_crossentropy(target, output, from_logits=True)


# Name in keras.backend -> the Keras 2.3 version.
OPS = {'binary_crossentropy': binary_crossentropy}
