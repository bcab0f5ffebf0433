"""A stand-in `keras` package for backend-only scripts, under `tf-kbackend run`.

Many TF1-era scripts use nothing of Keras but its backend
(`from keras import backend as K`). `tf-kbackend run` lets them run when the
legacy Keras library is not installed (or when the `keras` that is
installed is Keras 3 or the tf.keras-era Keras 2.4+, which have no such
backend): it serves the name `keras` with a small package whose only
contents are

- `keras.backend`: tf_kbackend's flat namespace (its names copied, as
  legacy Keras copies an external backend's; other attributes are looked
  up in `tf_kbackend`), plus `tf` and the other names Keras 2.2's
  TensorFlow backend module exported (`control_flow_ops`, ...: see
  `tf_kbackend.legacy.tensorflow_backend`);
- `keras.backend.tensorflow_backend`: `tf_kbackend.legacy.tensorflow_backend`.

Any other `keras.*` module raises `ModuleNotFoundError` saying that the
script needs the legacy Keras library, and how to install it.
"""

import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys
import types

STANDIN_NAMES = ('keras', 'keras.backend', 'keras.backend.tensorflow_backend')

INSTALL_HINT = (
    'tf-kbackend install-keras (installs Keras 2.2.4 beside the Keras 3 that '
    'TensorFlow needs; tf-kbackend run then finds it)')

_VERSION = re.compile(r"""^__version__\s*=\s*['"](\d+)\.(\d+)""", re.M)


def installed_keras_version():
  """(major, minor) of the `keras` package Python would import, or None.

  Reads the package's `__init__.py` without importing it (importing Keras 3
  or legacy Keras has side effects).
  """
  try:
    spec = importlib.util.find_spec('keras')
  except (ImportError, ValueError):
    return None
  if spec is None or not spec.origin or not os.path.isfile(spec.origin):
    return None
  package_dir = os.path.dirname(spec.origin)
  # Legacy Keras and tf.keras-era Keras 2 set it in __init__.py; Keras 3
  # in src/version.py.
  for relative in ('__init__.py', os.path.join('src', 'version.py')):
    try:
      with open(os.path.join(package_dir, relative), encoding='utf-8') as f:
        match = _VERSION.search(f.read())
    except OSError:
      continue
    if match:
      return int(match.group(1)), int(match.group(2))
  return None


def legacy_keras_installed():
  """True if `import keras` would import a multi-backend Keras (< 2.4)."""
  version = installed_keras_version()
  return version is not None and version < (2, 4)


class _StandInLoader(importlib.abc.Loader):

  def create_module(self, spec):
    return None  # A plain new module.

  def exec_module(self, module):
    # Marked first: importing tf_kbackend imports TensorFlow, whose start-up
    # imports `keras.src...`, which the finder must refuse, not look for.
    module._tf_kbackend_standin = True  # pylint: disable=protected-access
    module.__path__ = []
    module.__doc__ = (
        'Stand-in for the legacy Keras library, provided by tf-kbackend '
        'run: only keras.backend (tf_kbackend) is available.')
    module.__getattr__ = _missing_attribute
    backend = _backend_module()
    sys.modules['keras.backend'] = backend
    module.backend = backend


def _backend_module():
  """`keras.backend`: tf_kbackend's names, as legacy Keras copied them."""
  import tf_kbackend  # pylint: disable=g-import-not-at-top
  backend = types.ModuleType('keras.backend', tf_kbackend.__doc__)
  backend.__path__ = []
  for name in tf_kbackend.__all__:
    setattr(backend, name, getattr(tf_kbackend, name))

  def __getattr__(name):  # pylint: disable=invalid-name
    return getattr(tf_kbackend, name)

  backend.__getattr__ = __getattr__
  if tf_kbackend.backend() == 'tensorflow':
    import tensorflow  # pylint: disable=g-import-not-at-top
    from tf_kbackend.legacy import tensorflow_backend  # pylint: disable=g-import-not-at-top
    sys.modules['keras.backend.tensorflow_backend'] = tensorflow_backend
    backend.tensorflow_backend = tensorflow_backend
    backend.tf = tensorflow
    # What Keras 2.2's `from .tensorflow_backend import *` gave
    # keras.backend (K.control_flow_ops, K.moving_averages...).
    for name in tensorflow_backend.__all__ + ['_get_available_gpus']:
      if name not in vars(backend):
        setattr(backend, name, getattr(tensorflow_backend, name))
  return backend


def _missing_attribute(name):
  raise AttributeError(
      f'keras.{name} is not available: this `keras` is the stand-in of '
      f'tf-kbackend run, which provides keras.backend only. Install the '
      f'legacy Keras library for the rest: {INSTALL_HINT}')


class StandInFinder(importlib.abc.MetaPathFinder):
  """Serves `keras` as the stand-in; refuses other `keras.*` modules clearly."""

  def find_spec(self, fullname, path, target=None):
    if fullname == 'keras':
      return importlib.machinery.ModuleSpec('keras', _StandInLoader(),
                                            is_package=True)
    if fullname.startswith('keras.') and fullname not in sys.modules:
      parent = sys.modules.get('keras')
      if getattr(parent, '_tf_kbackend_standin', False):
        raise ModuleNotFoundError(
            f'No module named {fullname!r}: under tf-kbackend run without '
            f'the legacy Keras library, `keras` provides keras.backend '
            f'only. Install the legacy library for the rest: '
            f'{INSTALL_HINT}', name=fullname)
    return None

  def invalidate_caches(self):
    pass


def _forget_other_keras():
  """Drops a non-legacy `keras` that TensorFlow's start-up already imported.

  Its public modules (`keras`, `keras.layers`, ...) leave `sys.modules` so
  that the name `keras` means the stand-in from now on; its internals
  (`keras.src.*`) stay, since objects TensorFlow registered refer to them.
  """
  module = sys.modules.get('keras')
  if module is None or is_standin(module):
    return []
  dropped = [name for name in sys.modules
             if name == 'keras' or (name.startswith('keras.') and
                                    not name.startswith('keras.src'))]
  for name in dropped:
    del sys.modules[name]
  return dropped


def install():
  """Puts the stand-in first on `sys.meta_path` (idempotent).

  A non-legacy Keras (3, or 2.4+) already imported by TensorFlow's
  start-up stops being `keras` (see `_forget_other_keras`).

  Returns:
    The finder.
  """
  _forget_other_keras()
  for finder in sys.meta_path:
    if isinstance(finder, StandInFinder):
      return finder
  finder = StandInFinder()
  sys.meta_path.insert(0, finder)
  return finder


def is_standin(module):
  """True if `module` is the stand-in `keras` package."""
  return isinstance(module, types.ModuleType) and getattr(
      module, '_tf_kbackend_standin', False)
