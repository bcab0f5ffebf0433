"""`keras.backend.tensorflow_backend` for legacy Keras running on tf_kbackend.

Code of the TF1 era imported the TensorFlow backend module by name
(`from keras.backend.tensorflow_backend import set_session`,
`import keras.backend.tensorflow_backend as KTF`), and Keras 2.2's own
tests ask it for `_get_available_gpus()`. When legacy Keras selects
tf_kbackend, this module is installed under that name: it holds every
name of tf_kbackend's TensorFlow implementation, plus the few module-level
names of the original that such code used (`tf`, `_get_available_gpus`,
Keras 2.3's `_is_tf_1`).
"""

import tensorflow as tf

import tf_kbackend.tf_backend as _impl
from tf_kbackend.tf_backend import *  # noqa: F401,F403  pylint: disable=wildcard-import


def _get_available_gpus():
  """Names of the GPUs TensorFlow sees, as the original backend listed them.

  >>> isinstance(_get_available_gpus(), list)
  True
  """
  # Physical devices: listing them leaves the runtime uninitialized, so
  # K.set_session can still configure it afterwards.
  gpus = tf.config.list_physical_devices('GPU')
  return [f'/device:GPU:{index}' for index in range(len(gpus))]


def _is_tf_1():
  """Keras 2.3 asks its TensorFlow backend whether TensorFlow is 1.x: no.

  >>> _is_tf_1()
  False
  """
  return tf.__version__.startswith('1.')


__all__ = list(_impl.__all__) + ['tf']
