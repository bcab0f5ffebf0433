"""What tf_kbackend does to the legacy Keras library that selected it.

Legacy Keras 2.2.x/2.3.x loads an external backend by importing the module
its `KERAS_BACKEND` (or keras.json `backend`) names and copying the
module's names into `keras.backend`, except the settings functions it keeps
from its own `keras.backend.common`. When that module is tf_kbackend,
`integrate()` (run once, by `tf_kbackend.legacy.on_import` or by the
post-import hook on `keras.backend`) makes these changes, and only these:

1. Applies the compatibility aliases of `tf_kbackend.legacy.shims`.
2. Settings: `floatx`, `set_floatx`, `epsilon`, `set_epsilon`,
   `image_data_format`, `set_image_data_format`, `normalize_data_format`,
   `cast_to_floatx`, `image_dim_ordering`, `set_image_dim_ordering` (and
   Keras 2.3's `symbolic`, `eager`) in `keras.backend.common`, in Keras's
   backend loader module and in `keras.backend` become tf_kbackend's, so
   legacy Keras and tf_kbackend read and write one copy of the settings;
   `keras.backend.common._FLOATX`, `_EPSILON` and `_IMAGE_DATA_FORMAT` read
   through to it.
3. `keras.backend.tensorflow_backend` (imported by code of the TF1 era:
   `from keras.backend.tensorflow_backend import set_session`) becomes
   `tf_kbackend.legacy.tensorflow_backend`, and `keras.backend.tf` the
   `tensorflow` module, as with the original TensorFlow backend.
4. The backend name: `keras.backend.backend()` answers `'tensorflow'` when
   `TF_KBACKEND_REPORT_AS=tensorflow` is set (or keras.json holds
   `"tf_kbackend_report_as": "tensorflow"`; `tf-kbackend run` sets the
   variable), so Keras and code written for it take their TensorFlow
   paths. Otherwise it answers the module name, as legacy Keras does for
   any external backend.
5. Post-import hooks on three Keras modules, active only while Keras runs on
   tf_kbackend: `keras.optimizers` sees TF1's `tf.train.Optimizer` (as
   `tf.compat.v1.train.Optimizer`: TF2 removed the name, and Keras
   type-checks every optimizer against it when the backend is
   'tensorflow'); `keras.engine.saving` loads YAML model configs as with
   PyYAML 3 (`yaml.load` without a Loader, refused by PyYAML 6), and HDF5
   attributes read by Keras's own code (model loading) come back as h5py 2
   and NumPy 1 gave them: strings with the `.decode()` Keras calls on them
   (h5py 3 returns `str` where h5py 2 returned bytes) and falsy empty
   arrays (NumPy 2.2 raises on `if array:`). Other readers of h5py are not
   affected. A third on `keras.engine.base_layer`: the shapes of the layer
   graph are Python ints (`plain_shapes`; Flatten's numpy ints printed as
   `np.int64(4608)` in `model.summary()` under NumPy 2).

Nothing of this happens unless legacy Keras itself selected tf_kbackend.
"""

import json
import os
import sys
import types

from tf_kbackend import config
from tf_kbackend.legacy import import_hooks
from tf_kbackend.legacy import plain_shapes
from tf_kbackend.legacy import shims
from tf_kbackend.legacy import tf_keras

REPORT_AS_ENV = 'TF_KBACKEND_REPORT_AS'
REPORT_AS_CONFIG_KEY = 'tf_kbackend_report_as'
REPORT_AS_VALUES = ('tensorflow', 'module')

# The module names by which legacy Keras may select tf_kbackend, and the
# implementation each means.
TF_NAMES = ('tf_kbackend', 'tf_kbackend.tf_backend')
NUMPY_NAMES = ('tf_kbackend.numpy_backend',)

# Settings functions Keras keeps from `keras.backend.common`.
SETTINGS = ('floatx', 'set_floatx', 'epsilon', 'set_epsilon',
            'image_data_format', 'set_image_data_format',
            'normalize_data_format', 'cast_to_floatx', 'image_dim_ordering',
            'set_image_dim_ordering')
# Keras 2.3's common module defines no-op versions of these decorators;
# on tf_kbackend they must enter (or leave) the symbolic scope.
SCOPE_DECORATORS = ('symbolic', 'eager')

_LOADER_MODULES = ('keras.backend.load_backend', 'keras.backend')


class _State:
  integrated = None  # The loader module integrated, once done.
  implementation = None  # 'tensorflow' or 'numpy'.
  empty_array_class = None
  keras_dir = None  # The legacy `keras` package's directory, with a '/'.


def _read_config_report_as():
  try:
    with open(config.config_path(), encoding='utf-8') as f:
      raw = json.load(f)
  except (OSError, ValueError):
    return None
  value = raw.get(REPORT_AS_CONFIG_KEY) if isinstance(raw, dict) else None
  return value if isinstance(value, str) else None


def report_as():
  """How legacy Keras names tf_kbackend: 'tensorflow' or 'module'.

  From `$TF_KBACKEND_REPORT_AS`, else keras.json's `tf_kbackend_report_as`,
  else 'module' (the module name, legacy Keras's own rule).

  Raises:
    ValueError: for a value that is neither.
  """
  value = os.environ.get(REPORT_AS_ENV) or _read_config_report_as()
  if not value:
    return 'module'
  if value not in REPORT_AS_VALUES:
    raise ValueError(
        f'{REPORT_AS_ENV} (or "{REPORT_AS_CONFIG_KEY}" in keras.json) must '
        f'be one of {", ".join(REPORT_AS_VALUES)}. Received: {value!r}.')
  return value


def loader_module():
  """Legacy Keras's module holding `_BACKEND`, or None if not imported.

  `keras.backend` in Keras 2.2, `keras.backend.load_backend` in 2.3.
  """
  for name in _LOADER_MODULES:
    module = sys.modules.get(name)
    if module is not None and is_legacy_loader(module):
      return module
  return None


def is_legacy_loader(module):
  """True for legacy Keras's backend loader module (Keras 2.0 to 2.3)."""
  return (isinstance(getattr(module, '_BACKEND', None), str) and
          'keras.backend.common' in sys.modules and
          getattr(module, '__name__', '') in _LOADER_MODULES)


def selected_implementation(module):
  """'tensorflow' or 'numpy' if `module`'s Keras selected tf_kbackend."""
  name = getattr(module, '_BACKEND', None)
  if name in TF_NAMES:
    return 'tensorflow'
  if name in NUMPY_NAMES:
    return 'numpy'
  if (name == 'tensorflow' and
      getattr(module, '_tf_kbackend_reported_as', None) == 'tensorflow'):
    return 'tensorflow'  # Already integrated and renamed.
  return None


def is_active():
  """True once legacy Keras in this process runs on tf_kbackend."""
  return _State.integrated is not None


class _SyncedCommon(types.ModuleType):
  """`keras.backend.common` whose setting globals read tf_kbackend's config."""

  @property
  def _FLOATX(self):  # pylint: disable=invalid-name
    return config.floatx()

  @_FLOATX.setter
  def _FLOATX(self, value):  # pylint: disable=invalid-name
    config.set_floatx(value)

  @property
  def _EPSILON(self):  # pylint: disable=invalid-name
    return config.epsilon()

  @_EPSILON.setter
  def _EPSILON(self, value):  # pylint: disable=invalid-name
    config.set_epsilon(value)

  @property
  def _IMAGE_DATA_FORMAT(self):  # pylint: disable=invalid-name
    return config.image_data_format()

  @_IMAGE_DATA_FORMAT.setter
  def _IMAGE_DATA_FORMAT(self, value):  # pylint: disable=invalid-name
    config.set_image_data_format(value)


def _setting_functions(implementation):
  functions = {name: getattr(config, name) for name in SETTINGS}
  if implementation == 'tensorflow':
    from tf_kbackend.tf_backend import graph  # pylint: disable=g-import-not-at-top
    functions.update(symbolic=graph.symbolic, eager=graph.eager)
  return functions


def _sync_settings(namespaces, implementation):
  functions = _setting_functions(implementation)
  for module in namespaces:
    for name, function in functions.items():
      if name in SCOPE_DECORATORS and not hasattr(module, name):
        continue  # Keras 2.2 has no such decorators.
      setattr(module, name, function)
  common = sys.modules.get('keras.backend.common')
  if common is not None and type(common) is types.ModuleType:  # pylint: disable=unidiomatic-typecheck
    for name in ('_FLOATX', '_EPSILON', '_IMAGE_DATA_FORMAT'):
      vars(common).pop(name, None)
    common.__class__ = _SyncedCommon


def _lazy_backend_names(tensorflow_backend, previous):
  """A module `__getattr__` (PEP 562) serving the backend's lazy names."""

  def __getattr__(name):  # pylint: disable=invalid-name
    if name in tensorflow_backend._LAZY_NAMES:  # pylint: disable=protected-access
      return getattr(tensorflow_backend, name)
    if previous is not None:
      return previous(name)
    raise AttributeError(f'module has no attribute {name!r}')

  __getattr__._tf_kbackend_lazy = True  # pylint: disable=protected-access
  return __getattr__


def _alias_tensorflow_backend(namespaces):
  """`keras.backend.tensorflow_backend` and the names its `import *` gave
  `keras.backend` (`K.tf`, `K.control_flow_ops`, ..., see
  `tensorflow_backend.LEGACY_NAMES`), each added only where missing."""
  import tensorflow  # pylint: disable=g-import-not-at-top
  from tf_kbackend.legacy import tensorflow_backend  # pylint: disable=g-import-not-at-top
  sys.modules['keras.backend.tensorflow_backend'] = tensorflow_backend
  names = [name for name in tensorflow_backend.__all__
           if name not in tensorflow_backend._LAZY_NAMES]  # pylint: disable=protected-access
  names.append('_get_available_gpus')
  for module in namespaces:
    module.tensorflow_backend = tensorflow_backend
    module.tf = tensorflow
    for name in names:
      if name not in vars(module):
        setattr(module, name, getattr(tensorflow_backend, name))
    previous = vars(module).get('__getattr__')
    if not getattr(previous, '_tf_kbackend_lazy', False):
      module.__getattr__ = _lazy_backend_names(tensorflow_backend, previous)


def integrate(module=None):
  """Adapts the legacy Keras that selected tf_kbackend (see the module doc).

  Args:
    module: Keras's backend loader module; found in `sys.modules` if None.

  Returns:
    True if Keras selected tf_kbackend and is (now) integrated, else False.
  """
  module = module if module is not None else loader_module()
  if module is None:
    return False
  if _State.integrated is module:
    return True
  implementation = selected_implementation(module)
  if implementation is None:
    return False
  shims.apply()
  namespaces = [module]
  public = sys.modules.get('keras.backend')
  if public is not None and public is not module:
    namespaces.append(public)
  common = sys.modules.get('keras.backend.common')
  _sync_settings(namespaces + ([common] if common is not None else []),
                 implementation)
  if implementation == 'tensorflow':
    _alias_tensorflow_backend(namespaces)
    tf_keras.install()
    if module.__name__ == 'keras.backend.load_backend':  # Keras 2.3.
      from tf_kbackend.legacy import keras23  # pylint: disable=g-import-not-at-top
      for namespace in namespaces:
        for name, op in keras23.OPS.items():
          setattr(namespace, name, op)
    if report_as() == 'tensorflow':
      module._BACKEND = 'tensorflow'  # pylint: disable=protected-access
      module._tf_kbackend_reported_as = 'tensorflow'  # pylint: disable=protected-access
  _State.integrated = module
  _State.implementation = implementation
  keras_file = getattr(sys.modules.get('keras'), '__file__', None)
  if keras_file:
    _State.keras_dir = os.path.join(os.path.dirname(keras_file), '')
  finder = import_hooks.get_finder()
  finder.register('keras.optimizers', _patch_optimizers)
  finder.register('keras.engine.saving', _patch_saving)
  finder.register('keras.engine.base_layer', plain_shapes.patch_base_layer)
  return True


def _on_loader_import(module):
  """Post-import hook on Keras's backend loader modules."""
  if is_legacy_loader(module):
    integrate(module)


def watch():
  """Installs the post-import hooks that integrate legacy Keras when it
  selects tf_kbackend after tf_kbackend was imported (or under
  `tf-kbackend run`). Idempotent; does nothing else until Keras loads."""
  finder = import_hooks.get_finder()
  for name in _LOADER_MODULES:
    finder.register(name, _on_loader_import)


class TF1Names:
  """`tensorflow` as TF1-era library code saw it.

  A name is looked up in TF2's API first, then in `tf.compat.v1`;
  submodules present in both are merged the same way. Only legacy Keras's
  own `keras.optimizers` module sees this view.

  >>> view = TF1Names(tf, tf.compat.v1)
  >>> view.train.Optimizer is tf.compat.v1.train.Optimizer
  True
  >>> view.Tensor is tf.Tensor
  True
  """

  def __init__(self, tf2, tf1):
    self._tf2 = tf2
    self._tf1 = tf1

  def __getattr__(self, name):
    try:
      value = getattr(self._tf2, name)
    except AttributeError:
      return getattr(self._tf1, name)
    if not isinstance(value, types.ModuleType):
      return value
    try:
      fallback = getattr(self._tf1, name, None)
    except ImportError:  # A lazily loaded module that cannot load here.
      return value
    if isinstance(value, types.ModuleType) and isinstance(
        fallback, types.ModuleType) and fallback is not value:
      return TF1Names(value, fallback)
    return value

  def __repr__(self):
    return f'<TF1 view of {self._tf2!r}>'


def _patch_optimizers(module):
  if not is_active() or _State.implementation != 'tensorflow':
    return
  import tensorflow  # pylint: disable=g-import-not-at-top
  # Keras binds `tf` only when the backend reports 'tensorflow'; it then
  # checks `isinstance(identifier, tf.train.Optimizer)` in every
  # `optimizers.get`, a name TF2 no longer has.
  if getattr(module, 'tf', None) is tensorflow:
    module.tf = TF1Names(tensorflow, tensorflow.compat.v1)


class _LegacyYaml:
  """`yaml` as PyYAML 3 (Keras 2.2's time) offered it.

  `yaml.load(stream)` without a Loader used the full `yaml.Loader`, which
  constructs the Python objects Keras writes into model configs (tuples,
  numpy arrays of a `Constant` initializer). PyYAML 6 requires a Loader.
  Like Keras 2.2 itself (and its Lambda layers' marshalled code), this
  trusts the file: load only model configs you trust.
  """

  def __init__(self, yaml):
    self._yaml = yaml

  def load(self, stream, Loader=None):  # pylint: disable=invalid-name
    return self._yaml.load(stream, Loader=Loader or self._yaml.Loader)

  def __getattr__(self, name):
    return getattr(self._yaml, name)


class _H5Str(str):
  """A string attribute read from HDF5, which legacy Keras `.decode()`s.

  h5py 2 returned the strings Keras wrote as bytes; h5py 3 returns str.
  """

  def decode(self, encoding='utf-8', errors='strict'):
    del encoding, errors
    return str(self)


def _empty_array_class():
  import numpy as np  # pylint: disable=g-import-not-at-top

  class _EmptyH5Array(np.ndarray):
    """An empty array read from HDF5 that is falsy, as in NumPy 1.

    Legacy Keras tests `if weight_names:` on the (empty) weight names of
    layers without weights; NumPy 2.2 raises on the truth value of an
    empty array.
    """

    def __bool__(self):
      return False

  return _EmptyH5Array


def _as_h5py2_value(value):
  """`value` as h5py 2 returned it to legacy Keras (see `_H5Str`)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  if type(value) is str:  # pylint: disable=unidiomatic-typecheck
    return _H5Str(value)
  if isinstance(value, np.ndarray):
    if value.size == 0:
      return value.view(_State.empty_array_class)
    if value.dtype == object and all(isinstance(v, str) for v in value.flat):
      # h5py 2: a fixed-length bytes array (dtype S...).
      return np.array([v.encode('utf-8') for v in value.flat]).reshape(
          value.shape)
  return value


def _read_by_legacy_keras(frame, depth=3):
  """True if one of the `depth` innermost frames runs legacy Keras's code."""
  keras_dir = _State.keras_dir
  if not keras_dir:
    return False
  for _ in range(depth):
    if frame is None:
      return False
    if frame.f_code.co_filename.startswith(keras_dir):
      return True
    frame = frame.f_back
  return False


def _patch_h5py_string_attributes(h5py):
  """HDF5 attributes read by legacy Keras's own code come back as h5py 2
  returned them (bytes-like strings, falsy empty arrays)."""
  manager = h5py.AttributeManager
  if getattr(manager.__getitem__, '_tf_kbackend_legacy', False):
    return
  _State.empty_array_class = _empty_array_class()
  original = manager.__getitem__

  def __getitem__(self, name):  # pylint: disable=invalid-name
    value = original(self, name)
    if _read_by_legacy_keras(sys._getframe(1)):  # pylint: disable=protected-access
      return _as_h5py2_value(value)
    return value

  __getitem__._tf_kbackend_legacy = True  # pylint: disable=protected-access
  __getitem__.__wrapped__ = original
  manager.__getitem__ = __getitem__


def _patch_saving(module):
  if not is_active():
    return
  yaml = getattr(module, 'yaml', None)
  if isinstance(yaml, types.ModuleType):
    try:
      yaml.load('a: 1')
    except TypeError:  # PyYAML 6: a Loader is required.
      module.yaml = _LegacyYaml(yaml)
  h5py = getattr(module, 'h5py', None)
  if isinstance(h5py, types.ModuleType) and not str(
      getattr(h5py, '__version__', '3')).startswith('2.'):
    _patch_h5py_string_attributes(h5py)
