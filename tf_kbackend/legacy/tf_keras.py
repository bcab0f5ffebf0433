"""`tf.keras` where the legacy Keras library is `keras`, on tf_kbackend.

TensorFlow 2.21's `tf.keras` is whatever package named `keras` is
installed: Keras 3 (`keras._tf_keras.keras`) or a tf.keras-era Keras 2
(`keras.api._v2.keras`). Where legacy Keras 2.2/2.3 is `keras`, neither
exists: `tf.keras` fails (during `import keras` with a circular-import
error, later with `ModuleNotFoundError`), unless `TF_USE_LEGACY_KERAS=1`
routes it to an installed `tf_keras`.

Keras 2.3.1, reporting its backend as 'tensorflow' on TensorFlow 2, uses
`tf.keras` where TensorFlow 2.0's Keras shared its backend: its `MeanIoU`
metric subclasses `tf.keras.metrics.MeanIoU` (at import), its
`optimizers.get` wraps `tf.keras.optimizers.Optimizer` instances in its
`TFOptimizer`, and its tests build models with `tf.keras.optimizers.Adam()`
or `tf.keras.regularizers.l2`. On tf_kbackend the Keras that shares the
backend is the legacy library itself, so `install()` makes `tf.keras` a
`TFKeras` module that serves it:

- `tf.keras.<name>` is legacy Keras's `keras.<name>` (`layers`, `models`,
  `Model`, `regularizers`, `backend`...);
- `tf.keras.optimizers.<Name>` are legacy Keras's optimizers made
  `tf.keras.optimizers.Optimizer` instances (a class of this module, so
  that `optimizers.get` wraps them as Keras 2.3.1 wraps TensorFlow 2.0's;
  legacy Keras's own optimizers are not instances of it);
- `tf.keras.metrics.MeanIoU` is `MeanIoU` below, on legacy Keras's
  `Metric` (TensorFlow 2.0's semantics: a confusion matrix accumulated
  over batches; the mean of the per-class IoUs that have a denominator).

`import tensorflow.keras` and `from tensorflow.keras import layers` give
it too; dotted imports of its submodules (`from tensorflow.keras.layers
import Dense`) do not (import them from `keras`). Nothing is done where
TensorFlow's own `tf.keras` works (`TF_USE_LEGACY_KERAS` with `tf_keras`
installed).
"""

import importlib
import importlib.util
import os
import sys
import types

# Importing this module imports neither TensorFlow nor Keras.

# The optimizers of legacy Keras 2.2/2.3 that TensorFlow 2.0's tf.keras also
# had, with the same update rules.
OPTIMIZER_NAMES = ('SGD', 'RMSprop', 'Adagrad', 'Adadelta', 'Adam', 'Adamax',
                   'Nadam')


def _legacy(name):
  """Legacy Keras's module `keras.<name>` (imported if needed)."""
  return importlib.import_module(f'keras.{name}')


class _Optimizers(types.ModuleType):
  """`tf.keras.optimizers`: legacy Keras's optimizers as tf.keras ones."""

  def __init__(self):
    super().__init__('tf.keras.optimizers')
    keras_optimizers = _legacy('optimizers')

    class Optimizer(keras_optimizers.Optimizer):  # pylint: disable=missing-class-docstring
      pass

    Optimizer.__doc__ = (
        '`tf.keras.optimizers.Optimizer` on tf_kbackend: the base of the '
        'legacy Keras optimizers served as tf.keras ones.')
    Optimizer.__module__ = self.__name__
    self.Optimizer = Optimizer
    for name in OPTIMIZER_NAMES:
      legacy_class = getattr(keras_optimizers, name)
      served = type(name, (legacy_class, Optimizer), {
          '__doc__': legacy_class.__doc__, '__module__': self.__name__})
      setattr(self, name, served)

  def __getattr__(self, name):
    return getattr(_legacy('optimizers'), name)


def mean_iou_class(metric_base):
  """TensorFlow 2.0's `tf.keras.metrics.MeanIoU` on legacy Keras's `Metric`."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tf_kbackend import tf_backend as K  # pylint: disable=g-import-not-at-top

  class MeanIoU(metric_base):
    """Mean intersection-over-union over classes, from a confusion matrix.

    Accumulates `total_cm[true, predicted] += sample_weight` over batches
    (labels and predictions are class ids, cast to int); the result is the
    mean, over the classes whose `row + column - diagonal` is not zero, of
    `diagonal / (row + column - diagonal)`.
    """

    def __init__(self, num_classes, name=None, dtype=None):
      super().__init__(name=name, dtype=dtype)
      self.num_classes = num_classes
      self.total_cm = self.add_weight(
          'total_confusion_matrix', shape=(num_classes, num_classes),
          initializer='zeros', dtype='float64')

    def update_state(self, y_true, y_pred, sample_weight=None):
      labels = K.cast(K.flatten(y_true), 'int64')
      predictions = K.cast(K.flatten(y_pred), 'int64')
      weights = None
      if sample_weight is not None:
        weights = K.cast(K.flatten(sample_weight), 'float64')
      with K.name_scope('mean_iou_update'):
        batch_cm = tf.math.confusion_matrix(
            labels, predictions, self.num_classes, weights=weights,
            dtype=tf.float64)
      return K.update_add(self.total_cm, batch_cm)

    def result(self):
      with K.name_scope('mean_iou_result'):
        cm = self.total_cm
        rows = K.sum(cm, axis=0)
        columns = K.sum(cm, axis=1)
        diagonal = tf.linalg.tensor_diag_part(cm)
        denominator = rows + columns - diagonal
        valid = K.sum(K.cast(K.not_equal(denominator, 0), 'float64'))
        iou = tf.math.divide_no_nan(diagonal, denominator)
        return K.cast(tf.math.divide_no_nan(K.sum(iou), valid), self.dtype)

    def reset_states(self):
      K.set_value(self.total_cm, K.get_value(self.total_cm) * 0)

    def get_config(self):
      config = super().get_config()
      config['num_classes'] = self.num_classes
      return config

  MeanIoU.__module__ = 'tf.keras.metrics'
  return MeanIoU


class _Metrics(types.ModuleType):
  """`tf.keras.metrics`: legacy Keras's metrics, plus `MeanIoU`.

  Served while `keras.metrics` is still executing too (Keras 2.3.1 asks
  for `MeanIoU` at its import): `Metric` is defined by then.
  """

  def __init__(self):
    super().__init__('tf.keras.metrics')
    self._mean_iou = None

  @property
  def MeanIoU(self):  # pylint: disable=invalid-name
    if self._mean_iou is None:
      metric_base = sys.modules['keras.metrics'].Metric if (
          'keras.metrics' in sys.modules) else _legacy('metrics').Metric
      self._mean_iou = mean_iou_class(metric_base)
    return self._mean_iou

  def __getattr__(self, name):
    return getattr(_legacy('metrics'), name)


class TFKeras(types.ModuleType):
  """`tf.keras` served by the legacy Keras library (see the module doc)."""

  def __init__(self):
    super().__init__(
        'tf.keras', 'tf.keras served by the legacy Keras library on '
        'tf_kbackend (tf_kbackend.legacy.tf_keras).')
    self._served = {}

  def __getattr__(self, name):
    if name == '__version__':
      return sys.modules['keras'].__version__
    if name.startswith('__'):
      raise AttributeError(name)
    served = self.__dict__['_served']
    if name not in served:
      if name == 'optimizers':
        served[name] = _Optimizers()
      elif name == 'metrics':
        served[name] = _Metrics()
      else:
        keras = sys.modules['keras']
        try:
          served[name] = getattr(keras, name)
        except AttributeError:
          try:
            served[name] = _legacy(name)
          except ModuleNotFoundError:
            raise AttributeError(
                f'tf.keras.{name}: legacy Keras {keras.__version__}, which '
                f'serves tf.keras here, has no {name!r}.') from None
    return served[name]

  def __repr__(self):
    return '<tf.keras served by legacy Keras on tf_kbackend>'


def tensorflow_keras_works():
  """True where TensorFlow routes `tf.keras` to an installed `tf_keras`."""
  return os.environ.get('TF_USE_LEGACY_KERAS', '') in (
      'true', 'True', '1') and importlib.util.find_spec('tf_keras') is not None


def install():
  """Makes `tf.keras` a `TFKeras`, unless TensorFlow's own works.

  Returns:
    True if installed (now or before).
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if isinstance(vars(tf).get('keras'), TFKeras):
    return True
  if tensorflow_keras_works():
    return False
  tf.keras = TFKeras()
  # `from tensorflow.keras import layers` imports the module by name first.
  sys.modules.setdefault('tensorflow.keras', tf.keras)
  return True
