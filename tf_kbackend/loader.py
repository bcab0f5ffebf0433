"""Selects the backend implementation behind the flat `tf_kbackend` namespace.

The name comes from `KERAS_BACKEND` or the `backend` key of `keras.json`
(see `tf_kbackend.config`), as in legacy Keras:

- `tensorflow` (the default) or `tf_kbackend`: tf_kbackend's implementation
  on TensorFlow 2 (`tf_kbackend.tf_backend`).
- `numpy`: the numpy reference implementation (`tf_kbackend.numpy_backend`),
  which never imports TensorFlow.
- `theano`, `cntk`: not installable on current Python; a clear error, or,
  with `TF_KBACKEND_LEGACY_ALIAS=1`, the TensorFlow implementation under a
  warning, for scripts that only named those backends in a config file.
- anything else: imported as a module and validated like a legacy external
  backend: it must define every entry of `REQUIRED_ENTRIES`.

This module imports no backend until `load_backend` is called.
"""

import importlib
import os

from tf_kbackend import user_warnings

REQUIRED_ENTRIES = ('placeholder', 'variable', 'function')

# Names that select an implementation shipped with tf_kbackend.
BUILTIN_BACKENDS = {
    'tensorflow': ('tf_kbackend.tf_backend', 'tensorflow'),
    'tf_kbackend': ('tf_kbackend.tf_backend', 'tensorflow'),
    'tf_kbackend.tf_backend': ('tf_kbackend.tf_backend', 'tensorflow'),
    'numpy': ('tf_kbackend.numpy_backend', 'numpy'),
    'tf_kbackend.numpy_backend': ('tf_kbackend.numpy_backend', 'numpy'),
}
UNAVAILABLE_BACKENDS = ('theano', 'cntk')
LEGACY_ALIAS_ENV = 'TF_KBACKEND_LEGACY_ALIAS'


class BackendError(ImportError):
  """The configured backend cannot be loaded."""


# Backends of Keras 3, which tf_kbackend (a backend of legacy Keras 2.x) is not.
KERAS3_BACKENDS = ('jax', 'torch', 'openvino')

_HOW_TO_SELECT = (
    'Run the script with `tf-kbackend run script.py` (it runs on '
    'tf_kbackend whatever the configuration names), or select tf_kbackend: '
    'KERAS_BACKEND=tensorflow in the environment, or "backend": '
    '"tensorflow" in keras.json')


def _source():
  from tf_kbackend import config  # pylint: disable=g-import-not-at-top
  return config.describe_backend_source()


def _unavailable_message(name):
  return (
      f'The "{name}" backend, named by {_source()}, is not available: {name} '
      f'does not install on current Python and NumPy. {_HOW_TO_SELECT} (or '
      f'"numpy" for the reference implementation). To run code written for '
      f'{name} on tf_kbackend\'s TensorFlow implementation without changing '
      f'the configuration, set {LEGACY_ALIAS_ENV}=1 (a warning says so at '
      f'start-up).')


def _not_a_backend_message(name, why):
  hint = ''
  if name in KERAS3_BACKENDS:
    hint = (f' "{name}" is a backend of Keras 3; tf_kbackend is a backend '
            f'of the legacy Keras 2.x API.')
  return (f'The backend "{name}", named by {_source()}, cannot be used: '
          f'{why}.{hint} {_HOW_TO_SELECT}.')


def validate_backend_module(module, name=None):
  """Raises `BackendError` listing every required entry `module` lacks.

  Args:
    module: the imported backend module.
    name: the name it was selected by, for the message.

  >>> import types
  >>> validate_backend_module(types.SimpleNamespace(placeholder=1))
  Traceback (most recent call last):
  ...
  tf_kbackend.loader.BackendError: Invalid backend "SimpleNamespace". Missing required entries: variable, function.
  """
  missing = [e for e in REQUIRED_ENTRIES if not hasattr(module, e)]
  if missing:
    name = name or getattr(module, '__name__', type(module).__name__)
    raise BackendError(
        f'Invalid backend "{name}". Missing required entries: '
        f'{", ".join(missing)}.')


def resolve(name):
  """Returns `(module, backend_name)` for a configured backend name.

  `backend_name` is what `tf_kbackend.backend()` answers: `'tensorflow'`,
  `'numpy'`, or the external module's name.

  Raises:
    BackendError: for theano/cntk (without the alias), a module that does not
      import, or one missing required entries.
  """
  if name in UNAVAILABLE_BACKENDS:
    if os.environ.get(LEGACY_ALIAS_ENV, '') not in ('', '0'):
      user_warnings.warn(
          f'{_source()} asks for the "{name}" backend; running on '
          f'tf_kbackend\'s TensorFlow implementation instead because '
          f'{LEGACY_ALIAS_ENV} is set.')
      name = 'tensorflow'
    else:
      raise BackendError(_unavailable_message(name))
  if name in BUILTIN_BACKENDS:
    module_name, backend_name = BUILTIN_BACKENDS[name]
    return importlib.import_module(module_name), backend_name
  try:
    module = importlib.import_module(name)
  except ImportError as e:
    raise BackendError(_not_a_backend_message(
        name, f'the module does not import ({e})')) from e
  try:
    validate_backend_module(module, name)
  except BackendError as e:
    raise BackendError(_not_a_backend_message(name, str(e).rstrip('.'))) from e
  return module, name


def public_names(module):
  """The names a backend module exports: its `__all__`, else its public names."""
  names = getattr(module, '__all__', None)
  if names is None:
    names = [n for n in dir(module) if not n.startswith('_')]
  return list(names)
