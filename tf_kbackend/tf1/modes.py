"""TF1's process-wide mode switches, under the TF1 names.

tf_kbackend gives TF1 code TF1 behaviour with eager execution left on, so
`tf.disable_eager_execution()`, `tf.disable_v2_behavior()` and their kin
(what scripts ported half-way to TF2 call first) are accepted and change
nothing: turning eager execution off would take tf_kbackend's world away
from under the script. Each warns once that it was ignored.
"""

import tensorflow as tf

from tf_kbackend import user_warnings

_warned = set()


class TF1ModeWarning(UserWarning):
  """A TF1 mode switch that tf_kbackend accepted without applying."""


def _ignored(name, why):

  def switch(*args, **kwargs):
    del args, kwargs
    if name not in _warned:
      _warned.add(name)
      user_warnings.warn(
          f'{name}() is ignored by tf_kbackend\'s TF1 names: {why}',
          TF1ModeWarning)

  switch.__name__ = name.rpartition('.')[2]
  switch.__doc__ = f'Accepted and ignored: {why}'
  return switch


_EAGER = ('TF1 code runs with TF1 meaning while eager execution stays on '
          '(see docs/tf1_api.md).')
_SHAPES = 'TF1 code already gets TF1 static shapes (Dimension objects).'
_NOOP = 'tf_kbackend keeps TensorFlow 2\'s default.'

NAMES = {
    'tf.disable_eager_execution': _ignored('tf.disable_eager_execution',
                                           _EAGER),
    'tf.disable_v2_behavior': _ignored('tf.disable_v2_behavior', _EAGER),
    'tf.enable_eager_execution': _ignored('tf.enable_eager_execution',
                                          'eager execution is on.'),
    'tf.enable_v2_behavior': _ignored('tf.enable_v2_behavior',
                                      'TensorFlow 2 behaviour is on.'),
    'tf.disable_v2_tensorshape': _ignored('tf.disable_v2_tensorshape',
                                          _SHAPES),
    'tf.enable_v2_tensorshape': _ignored('tf.enable_v2_tensorshape', _NOOP),
    'tf.disable_control_flow_v2': _ignored('tf.disable_control_flow_v2',
                                           _NOOP),
    'tf.enable_control_flow_v2': _ignored('tf.enable_control_flow_v2', _NOOP),
    'tf.disable_resource_variables': _ignored(
        'tf.disable_resource_variables',
        'tf_kbackend variables are resource variables.'),
    'tf.enable_resource_variables': _ignored('tf.enable_resource_variables',
                                             _NOOP),
    'tf.disable_tensor_equality': _ignored(
        'tf.disable_tensor_equality',
        'tensors of the Keras graph already compare by identity.'),
    'tf.enable_tensor_equality': _ignored('tf.enable_tensor_equality', _NOOP),
    'tf.executing_eagerly': tf.executing_eagerly,
}

DEVIATIONS = {
    name: ('mode-switches', 'Accepted and ignored (warns once).')
    for name in NAMES if name != 'tf.executing_eagerly'
}
DEVIATIONS['tf.executing_eagerly'] = (
    'executing-eagerly', 'True outside graph building, as TensorFlow 2 '
    'says: TF1 code runs with eager execution on.')
