"""The numpy reference implementation of the legacy backend.

numpy and scipy only: it never imports TensorFlow. It is the test oracle of
the TensorFlow implementation and a selectable backend
(`KERAS_BACKEND=numpy`). Its modules mirror those of `tf_kbackend.tf_backend`;
each exports its public names in `__all__`.
"""

from tf_kbackend.config import (
    cast_to_floatx, epsilon, floatx, image_data_format, image_dim_ordering,
    normalize_data_format, set_epsilon, set_floatx, set_image_data_format,
    set_image_dim_ordering)
from tf_kbackend.numpy_backend import control_flow as _control_flow
from tf_kbackend.numpy_backend import conv_ops as _conv_ops
from tf_kbackend.numpy_backend import ctc_ops as _ctc_ops
from tf_kbackend.numpy_backend import math_ops as _math_ops
from tf_kbackend.numpy_backend import nn_ops as _nn_ops
from tf_kbackend.numpy_backend import random_ops as _random_ops
from tf_kbackend.numpy_backend import shape_ops as _shape_ops
from tf_kbackend.numpy_backend.control_flow import *  # noqa: F401,F403
from tf_kbackend.numpy_backend.conv_ops import *  # noqa: F401,F403
from tf_kbackend.numpy_backend.ctc_ops import *  # noqa: F401,F403
from tf_kbackend.numpy_backend.math_ops import *  # noqa: F401,F403
from tf_kbackend.numpy_backend.nn_ops import *  # noqa: F401,F403
from tf_kbackend.numpy_backend.random_ops import *  # noqa: F401,F403
from tf_kbackend.numpy_backend.shape_ops import *  # noqa: F401,F403


def backend():
  """Returns the name of this backend: 'numpy'."""
  return 'numpy'


__all__ = [
    'backend', 'epsilon', 'set_epsilon', 'floatx', 'set_floatx',
    'cast_to_floatx', 'image_data_format', 'set_image_data_format',
    'normalize_data_format', 'image_dim_ordering', 'set_image_dim_ordering',
] + (_math_ops.__all__ + _shape_ops.__all__ + _nn_ops.__all__ +
     _conv_ops.__all__ + _random_ops.__all__ + _control_flow.__all__ +
     _ctc_ops.__all__)
