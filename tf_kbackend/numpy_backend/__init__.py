"""The numpy reference implementation of the legacy backend.

numpy and scipy only: it never imports TensorFlow. It is the test oracle of
the TensorFlow implementation and a selectable backend
(`KERAS_BACKEND=numpy`). Its modules mirror those of `tf_kbackend.tf_backend`;
each exports its public names in `__all__`.

- `graph`: symbols, `lazy_op`, the graph (a generation of symbols),
  scopes, uids; `evaluation`: evaluating symbols, static shapes.
- `training_phase`: the learning phase and the ops that branch on it.
- `tensors`: placeholders, predicates, shapes, dtypes.
- `variables`: variables, constants, assignment and update ops.
- `keras_function`: `K.function`, `K.gradients` (finite differences).
- `session`: sessions and evaluation (`eval`, `get_value`).
- op modules: `math_ops`, `nn_ops`, ... (see the API reference).
"""

from tf_kbackend.api_contract import FeedError
from tf_kbackend.config import (
    epsilon, floatx, image_data_format, image_dim_ordering,
    normalize_data_format, set_epsilon, set_floatx, set_image_data_format,
    set_image_dim_ordering)
from tf_kbackend.numpy_backend.keras_function import (
    Function, function, gradients, stop_gradient)
from tf_kbackend.numpy_backend.session import (
    batch_get_value, eval, get_session, get_value, set_session)
from tf_kbackend.numpy_backend.graph import (
    clear_session, control_dependencies, eager, get_graph, get_uid,
    is_symbolic, name_scope, reset_uids, symbolic)
from tf_kbackend.numpy_backend.tensors import (
    cast, cast_to_floatx, dtype, int_shape, is_keras_tensor, is_placeholder,
    is_sparse, is_tensor, is_variable, ndim, placeholder, print_tensor, shape,
    size, to_dense)
from tf_kbackend.numpy_backend.training_phase import (
    in_test_phase, in_train_phase, learning_phase, learning_phase_scope,
    set_learning_phase, switch)
from tf_kbackend.numpy_backend.variables import (
    batch_set_value, constant, count_params, eye, get_variable_shape,
    identity, manual_variable_initialization, moving_average_update, ones,
    ones_like, random_normal_variable, random_uniform_variable, set_value,
    update, update_add, update_sub, v1_variable_initialization, variable,
    zeros, zeros_like)
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
  """Returns the name of this backend: 'numpy'.

  >>> backend()
  'numpy'
  """
  return 'numpy'


__all__ = [
    # Configuration.
    'backend', 'epsilon', 'set_epsilon', 'floatx', 'set_floatx',
    'cast_to_floatx', 'image_data_format', 'set_image_data_format',
    'normalize_data_format', 'image_dim_ordering', 'set_image_dim_ordering',
    # Graph, sessions, bridging.
    'get_session', 'set_session', 'clear_session', 'get_graph', 'symbolic',
    'eager', 'is_symbolic', 'name_scope', 'control_dependencies', 'get_uid',
    'reset_uids', 'manual_variable_initialization',
    'v1_variable_initialization', 'learning_phase', 'set_learning_phase',
    'learning_phase_scope', 'in_train_phase', 'in_test_phase', 'function',
    'Function', 'gradients', 'stop_gradient', 'print_tensor',
    # Tensors, placeholders, variables.
    'placeholder', 'is_placeholder', 'variable', 'is_variable', 'constant',
    'is_tensor', 'is_keras_tensor', 'is_sparse', 'to_dense', 'shape',
    'int_shape', 'ndim', 'size', 'dtype', 'eval', 'get_value',
    'batch_get_value', 'set_value', 'batch_set_value', 'get_variable_shape',
    'count_params', 'update', 'update_add', 'update_sub',
    'moving_average_update', 'zeros', 'ones', 'eye', 'zeros_like',
    'ones_like', 'identity', 'random_uniform_variable',
    'random_normal_variable', 'cast', 'switch',
    # Errors.
    'FeedError',
] + (_math_ops.__all__ + _shape_ops.__all__ + _nn_ops.__all__ +
     _conv_ops.__all__ + _random_ops.__all__ + _control_flow.__all__ +
     _ctc_ops.__all__)
