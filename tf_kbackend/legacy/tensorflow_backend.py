"""`keras.backend.tensorflow_backend` for legacy Keras running on tf_kbackend.

Code of the TF1 era imported the TensorFlow backend module by name
(`from keras.backend.tensorflow_backend import set_session`,
`import keras.backend.tensorflow_backend as KTF`) and reached through it,
and through `keras.backend` (which re-exported it with `import *`), for the
module-level names of Keras's own TensorFlow backend. When legacy Keras
selects tf_kbackend, this module is installed under that name. It holds
every name of tf_kbackend's TensorFlow implementation plus every
module-level name of Keras 2.2.4's and 2.3.1's `tensorflow_backend.py`
(listed in `LEGACY_NAMES`), with the meaning they had:

- the TensorFlow modules it imported (`tf`, `control_flow_ops`,
  `tensor_array_ops`, `functional_ops`, `moving_averages`, `ctc`,
  `tf_ops`, `device_lib`, `config_pb2`; Keras 2.3's `context`, `tfdev`,
  `tf_image_ops`, `tf_math_ops`, `tf_state_ops`, `tf_utils`), with TF1
  meaning on Keras tensors (`tf_kbackend.legacy.tf1_modules`);
  `tf_keras_backend`, the module Keras 2.3 delegated its graph, session
  and learning phase to, is tf_kbackend's implementation, which owns them
  here;
- its global state, read and written through tf_kbackend's: `_SESSION`
  (None until a session exists; assigning None drops it, assigning a
  session is `set_session`), `_MANUAL_VAR_INIT`, `_GRAPH_LEARNING_PHASES`
  and `_GRAPH_UID_DICTS` (keyed by the Keras graph), `_LOCAL_DEVICES`,
  Keras 2.3's `_SYMBOLIC_SCOPE` (`.value`: whether ops build symbolically
  now) and `_LEARNING_PHASE_CACHE`;
- its private helpers that user code borrowed (`_to_tensor`,
  `_preprocess_conv2d_input`, `_preprocess_padding`, `_has_nchw_support`,
  `_get_available_gpus`...), and its Python aliases (`py_sum`, `np`...).
"""

import builtins
import collections
import functools  # noqa: F401  (a name of the original module)
import inspect
import os  # noqa: F401  (a name of the original module)
import sys
import threading  # noqa: F401  (a name of the original module)
import types
import warnings

import numpy as np  # noqa: F401  (a name of the original module)
import tensorflow as tf

from tf_kbackend import _tf_private
import tf_kbackend.tf_backend as _impl
from tf_kbackend.legacy import tf1_modules
from tf_kbackend.tf_backend import *  # noqa: F401,F403  pylint: disable=wildcard-import
from tf_kbackend.tf_backend import graph as _graph
from tf_kbackend.tf_backend import session as _session
from tf_kbackend.tf_backend import training_phase as _training_phase
from tf_kbackend.tf_backend import variables as _variables

py_all = builtins.all
py_any = builtins.any
py_sum = builtins.sum
py_slice = builtins.slice
defaultdict = collections.defaultdict

# Keras's tensorflow_backend.py imported these TensorFlow modules.
control_flow_ops = tf1_modules.module('control_flow_ops')
tensor_array_ops = tf1_modules.module('tensor_array_ops')
functional_ops = tf1_modules.module('functional_ops')
moving_averages = tf1_modules.module('moving_averages')
ctc = tf1_modules.module('ctc')
ctc_ops = ctc  # What the name was in TensorFlow; Keras imported it as `ctc`.
tf_ops = tf1_modules.module('tf_ops')
device_lib = tf1_modules.module('device_lib')
config_pb2 = tf1_modules.module('config_pb2')
context = tf1_modules.module('context')
tfdev = tf1_modules.module('tfdev')
tf_image_ops = tf1_modules.module('tf_image_ops')
tf_math_ops = tf1_modules.module('tf_math_ops')
tf_state_ops = tf1_modules.module('tf_state_ops')
tf_utils = tf1_modules.module('tf_utils')
tf_keras_backend = _impl

_LOCAL_DEVICES = None


class _SymbolicScopeFlag:
  """Keras 2.3's `_SYMBOLIC_SCOPE` (a thread-local with a `value`).

  `value` says whether ops build symbolically here: inside `K.symbolic`,
  `K.name_scope`, layers' `call`. Enter or leave the symbolic scope with
  `K.symbolic` / `K.eager`, not by assigning it.
  """

  @property
  def value(self):
    return _graph.in_symbolic_scope()

  @value.setter
  def value(self, value):
    raise TypeError(
        f'keras.backend.tensorflow_backend._SYMBOLIC_SCOPE.value is read-only '
        f'on tf_kbackend: decorate the code with K.symbolic (or K.eager) '
        f'instead. Received: {value!r}.')


class _KerasGraphMapping(collections.abc.MutableMapping):
  """A dict keyed by graph, as Keras 2.2's `_GRAPH_*` globals were.

  The Keras graph is the one key; its value lives in tf_kbackend.
  """

  def __init__(self, name, get, put):
    self._name = name
    self._get = get
    self._put = put

  def _check(self, graph):
    if graph is not _graph.get_graph():
      raise KeyError(graph)

  def __getitem__(self, graph):
    self._check(graph)
    return self._get()

  def __setitem__(self, graph, value):
    if graph is not _graph.get_graph():
      raise KeyError(
          f'tensorflow_backend.{self._name} holds the Keras graph '
          f'(K.get_graph()) only. Received: {graph!r}.')
    self._put(value)

  def __delitem__(self, graph):
    raise TypeError(
        f'tensorflow_backend.{self._name}: entries cannot be removed; use '
        f'K.clear_session() to reset the Keras graph.')

  def __iter__(self):
    return iter((_graph.get_graph(),))

  def __len__(self):
    return 1

  def __repr__(self):
    return f'{{{_graph.get_graph()!r}: {self._get()!r}}}'


def _set_uid_counts(counts):
  _graph.reset_uids()
  for prefix, count in dict(counts).items():
    for _ in range(int(count)):
      _graph.get_uid(prefix)


_GRAPH_LEARNING_PHASES = _KerasGraphMapping(
    '_GRAPH_LEARNING_PHASES', _training_phase.learning_phase,
    _training_phase.set_learning_phase)
_GRAPH_UID_DICTS = _KerasGraphMapping(
    '_GRAPH_UID_DICTS', lambda: collections.defaultdict(int, _graph.uid_counts()),
    _set_uid_counts)
_SYMBOLIC_SCOPE = _SymbolicScopeFlag()
# Keras 2.3's cache of the int32 learning phase per tensor: nothing to cache
# on tf_kbackend, whose learning phase serves every caller.
_LEARNING_PHASE_CACHE = {}


class _LegacyBackendModule(types.ModuleType):
  """This module's class: `_SESSION` and `_MANUAL_VAR_INIT` read and write
  tf_kbackend's state, as the original module's globals did Keras's."""

  @property
  def _SESSION(self):  # pylint: disable=invalid-name
    return _session.current_session()

  @_SESSION.setter
  def _SESSION(self, session):  # pylint: disable=invalid-name
    if session is None:
      _session.drop_session()
    else:
      _session.set_session(session)

  @property
  def _MANUAL_VAR_INIT(self):  # pylint: disable=invalid-name
    return _variables.manual_initialization()

  @_MANUAL_VAR_INIT.setter
  def _MANUAL_VAR_INIT(self, value):  # pylint: disable=invalid-name
    _variables.manual_variable_initialization(value)


sys.modules[__name__].__class__ = _LegacyBackendModule


def __getattr__(name):
  """`StrictVersion`, resolved on first use (PEP 562): it came from
  distutils, deprecated since Python 3.10 and gone in 3.12."""
  if name == 'StrictVersion':
    try:
      with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        from distutils.version import StrictVersion  # pylint: disable=g-import-not-at-top
    except ImportError:
      raise AttributeError(
          'tensorflow_backend.StrictVersion came from distutils, which this '
          'Python no longer has; use packaging.version.Version.') from None
    return StrictVersion
  raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def transpose_shape(shape, target_format, spatial_axes):
  """`shape` (channels last) in `target_format` (Keras's utility).

  Args:
    shape: a tuple or list, channels last.
    target_format: 'channels_first' or 'channels_last'.
    spatial_axes: the indices of the spatial dimensions in `shape`.

  Raises:
    ValueError: for another `target_format`.

  >>> transpose_shape((8, 32, 32, 3), 'channels_first', (1, 2))
  (8, 3, 32, 32)
  """
  if target_format == 'channels_last':
    return shape
  if target_format != 'channels_first':
    raise ValueError(
        f'target_format must be "channels_first" or "channels_last". '
        f'Received: {target_format!r}.')
  moved = (tuple(shape[:spatial_axes[0]]) + (shape[-1],) +
           tuple(shape[axis] for axis in spatial_axes))
  return list(moved) if isinstance(shape, list) else moved


def has_arg(fn, name, accept_all=False):
  """Whether `fn` takes a keyword argument `name` (Keras's utility).

  Args:
    fn: a callable.
    name: the argument's name.
    accept_all: also true if `fn` takes `**kwargs`.

  >>> has_arg(lambda x, training=None: x, 'training')
  True
  """
  parameters = inspect.signature(fn).parameters
  if accept_all and py_any(
      p.kind == p.VAR_KEYWORD for p in parameters.values()):
    return True
  parameter = parameters.get(name)
  return parameter is not None and parameter.kind in (
      parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)


def _get_available_gpus():
  """Names of the GPUs TensorFlow sees, as the original backend listed them.

  >>> isinstance(_get_available_gpus(), list)
  True
  """
  global _LOCAL_DEVICES
  if _LOCAL_DEVICES is None:
    # Physical devices: listing them leaves the runtime uninitialized, so
    # K.set_session can still configure it afterwards.
    devices = tf.config.list_physical_devices()
    counts = collections.Counter()
    names = []
    for device in devices:
      names.append(f'/device:{device.device_type}:{counts[device.device_type]}')
      counts[device.device_type] += 1
    _LOCAL_DEVICES = names
  return [name for name in _LOCAL_DEVICES if ':GPU:' in name]


def _is_tf_1():
  """Keras 2.3 asks its TensorFlow backend whether it has TensorFlow 1: yes.

  tf_kbackend gives legacy Keras TensorFlow 1's programming model (one
  graph, sessions, `K.function` with updates, TF1 summaries), and Keras
  2.3 picks its TF1 code paths by this answer: its TF1 `TensorBoard`
  callback (its TF2 one subclasses TensorFlow 2.0's tf.keras callback,
  which drives a tf.keras model), `K.function`'s `fetches`/`feed_dict` tests.
  (`tf.__version__` still says 2: where Keras 2.3 reads that, see
  `tf_kbackend.legacy.tf_keras`.)

  >>> _is_tf_1()
  True
  """
  return True


def _has_compat_v1():
  """Keras 2.3: whether `tf.compat.v1` exists (it does in TensorFlow 2).

  >>> _has_compat_v1()
  True
  """
  return hasattr(tf, 'compat') and hasattr(tf.compat, 'v1')


class _TfDeviceCaptureOp:
  """Receives the device of the current device scope (`_set_device`)."""

  def __init__(self):
    self.device = None

  def _set_device(self, device):
    self.device = device


def _get_current_tf_device():
  """The explicit device scope in effect as a `tf.DeviceSpec`, else None.

  >>> with tf.device('/cpu:0'):
  ...   _get_current_tf_device().device_type
  'CPU'
  >>> _get_current_tf_device() is None
  True
  """
  name = _tf_private.current_device_name()
  if not name:
    return None
  capture = _TfDeviceCaptureOp()
  capture._set_device(tf.DeviceSpec.from_string(name))  # pylint: disable=protected-access
  return capture.device


def _is_current_explicit_device(device_type):
  """Whether the device scope in effect is explicitly on `device_type`.

  Args:
    device_type: 'CPU' or 'GPU' (any case).

  Raises:
    ValueError: for any other device type.

  >>> with tf.device('/cpu:0'):
  ...   _is_current_explicit_device('cpu')
  True
  """
  kind = str(device_type).upper()
  if kind not in ('CPU', 'GPU'):
    raise ValueError(
        f'device_type must be "CPU" or "GPU". Received: {device_type!r}.')
  device = _get_current_tf_device()
  return device is not None and device.device_type == kind


def _has_nchw_support():
  """Whether channels-first ops can run here: a GPU, not pinned to the CPU.

  >>> _has_nchw_support() == bool(_get_available_gpus())
  True
  """
  return (not _is_current_explicit_device('CPU') and
          len(_get_available_gpus()) > 0)


@_graph.graph_op
def _to_tensor(x, dtype):
  """`x` as a tensor of `dtype` (Keras's helper, used by custom losses).

  >>> _to_tensor(1e-7, 'float32').dtype.name
  'float32'
  """
  return tf.convert_to_tensor(x, dtype=dtype)


def _preprocess_padding(padding):
  """Keras padding ('same', 'valid') as TensorFlow's ('SAME', 'VALID').

  Raises:
    ValueError: for any other padding.

  >>> _preprocess_padding('same')
  'SAME'
  """
  if padding not in ('same', 'valid'):
    raise ValueError(
        f'Invalid padding: {padding!r}; expected "same" or "valid".')
  return padding.upper()


def _preprocess_conv_input(x, data_format, channels_last, channels_first,
                           force_transpose=False):
  if data_format == 'channels_first':
    if force_transpose or not _has_nchw_support():
      rank = len(channels_last)
      return permute_dimensions(x, (0,) + tuple(range(2, rank)) + (1,)), (  # noqa: F405
          channels_last)
    return x, channels_first
  return x, channels_last


def _preprocess_conv1d_input(x, data_format):
  """`(x, tf_data_format)` for a TensorFlow conv1d: channels last on CPU.

  >>> _, fmt = _preprocess_conv1d_input(placeholder(shape=(1, 2, 5)),
  ...                                   'channels_first')
  >>> fmt == ('NCW' if _has_nchw_support() else 'NWC')
  True
  """
  return _preprocess_conv_input(x, data_format, 'NWC', 'NCW')


def _preprocess_conv2d_input(x, data_format, force_transpose=False):
  """`(x, tf_data_format)` for a TensorFlow conv2d: channels last on CPU,
  or whenever `force_transpose`.

  >>> x, fmt = _preprocess_conv2d_input(placeholder(shape=(1, 3, 4, 5)),
  ...                                   'channels_first', True)
  >>> fmt, int_shape(x)
  ('NHWC', (1, 4, 5, 3))
  """
  return _preprocess_conv_input(x, data_format, 'NHWC', 'NCHW',
                                force_transpose)


def _preprocess_conv3d_input(x, data_format):
  """`(x, tf_data_format)` for a TensorFlow conv3d: channels last on CPU.

  >>> _, fmt = _preprocess_conv3d_input(placeholder(shape=(1, 2, 3, 4, 5)),
  ...                                   'channels_last')
  >>> fmt
  'NDHWC'
  """
  return _preprocess_conv_input(x, data_format, 'NDHWC', 'NCDHW')


def _normalize_batch(x, gamma, beta, reduction_axes, epsilon=1e-3):
  return normalize_batch_in_training(x, gamma, beta, reduction_axes,  # noqa: F405
                                     epsilon=epsilon)


# Keras chose one of three implementations of the same computation.
_regular_normalize_batch_in_training = _normalize_batch
_broadcast_normalize_batch_in_training = _normalize_batch
_fused_normalize_batch_in_training = _normalize_batch

# Every module-level name of Keras 2.2.4's and 2.3.1's tensorflow_backend.py
# that is not a backend function (those come from tf_kbackend.tf_backend).
# `from .tensorflow_backend import *` put the public ones in keras.backend.
LEGACY_NAMES = (
    'tf', 'tf_ops', 'moving_averages', 'tensor_array_ops', 'control_flow_ops',
    'functional_ops', 'ctc', 'device_lib', 'config_pb2', 'defaultdict', 'np',
    'StrictVersion', 'os', 'py_all', 'py_any', 'py_sum', 'py_slice',
    'transpose_shape', 'has_arg', '_SESSION', '_GRAPH_LEARNING_PHASES',
    '_GRAPH_UID_DICTS', '_MANUAL_VAR_INIT', '_LOCAL_DEVICES',
    '_TfDeviceCaptureOp', '_get_current_tf_device',
    '_is_current_explicit_device', '_get_available_gpus', '_has_nchw_support',
    '_to_tensor', '_regular_normalize_batch_in_training',
    '_broadcast_normalize_batch_in_training',
    '_fused_normalize_batch_in_training', '_preprocess_conv1d_input',
    '_preprocess_conv2d_input', '_preprocess_conv3d_input',
    '_preprocess_padding',
    # Keras 2.3.1's.
    'context', 'tfdev', 'tf_image_ops', 'tf_math_ops', 'tf_state_ops',
    'tf_keras_backend', 'tf_utils', 'sys', 'functools', 'threading',
    '_SYMBOLIC_SCOPE', '_LEARNING_PHASE_CACHE', '_is_tf_1', '_has_compat_v1',
)
# Also here: `ctc_ops`, another name for `ctc`.

# Resolved on first use by `__getattr__`, so not in `__all__`.
_LAZY_NAMES = ('StrictVersion',)

__all__ = list(_impl.__all__) + ['tf', 'ctc_ops'] + [
    name for name in LEGACY_NAMES
    if not name.startswith('_') and name not in _impl.__all__ and
    name not in _LAZY_NAMES and name != 'tf']
