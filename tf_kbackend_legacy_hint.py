"""Points at `tf-kbackend run` when legacy Keras fails to import on its own.

A user with legacy Keras 2.x installed who runs `python script.py` without
selecting tf_kbackend never imports tf_kbackend: legacy Keras, unaided,
stops at `ImportError: cannot import name 'Iterable' from 'collections'`
(Python 3.10 removed the name) or, with Keras 2.3, in a circular import
through `tf.keras`. Nothing of tf_kbackend runs in that process, except
this module: a wheel install of tf_kbackend puts `tf_kbackend_legacy_hint.pth`
in site-packages, a line that Python's `site` runs at start-up:
`import tf_kbackend_legacy_hint; tf_kbackend_legacy_hint.install()`.

`install()` adds one finder to `sys.meta_path` (the module imports only
`os`, `sys` and `_thread`, already loaded at start-up; it reads no file). The finder declines every import
but `keras`; for `keras` it declines too unless the package found is the
legacy multi-backend library (2.0 to 2.3: it has `backend/theano_backend.py`)
and tf_kbackend is not in use. Then, if and only if that import fails, the
error is re-raised as a `LegacyKerasImportError` (an `ImportError`) whose
message says how to run the script on tf_kbackend, chained to the original
error. A successful import is not touched.

The same finder also makes `TF_KBACKEND_TF1=1` (the TF1 names for plain
`python`, docs/tf1_api.md) take effect at `import tensorflow`: without it,
the names arrive only when tf_kbackend is imported, so a script using
`tf.ConfigProto` before its `import keras` would fail. When the variable
holds a true word at start-up, the finder wraps TensorFlow's loader so
that, once `tensorflow` has run, `tf_kbackend` is imported (which turns the
names on). Unset, or with tf_kbackend already imported, `tensorflow` is
declined like every other name.

Not covered: an editable install of tf_kbackend (`pip install -e`, which
installs no `.pth` of ours), interpreters started with `-S` or `-I`
(no site processing), and environments where tf_kbackend is not
installed.
"""

import _thread
import os
import sys

__all__ = ['LegacyKerasHint', 'LegacyKerasImportError', 'install',
           'tf1_requested']

_TF_KBACKEND_NAMES = ('tf_kbackend', 'tf_kbackend.tf_backend')
# The true words of `$TF_KBACKEND_TF1` (tf_kbackend/config.py; not imported
# here: this module loads nothing at start-up). Anything else, including an
# invalid value, leaves the decision to tf_kbackend's own import.
_TF1_TRUE_WORDS = ('1', 'true', 'yes', 'on')


def tf1_requested(environ=None):
  """Whether `$TF_KBACKEND_TF1` holds a true word (`1`, `true`, `yes`, `on`).

  >>> tf1_requested({'TF_KBACKEND_TF1': ' Yes '}), tf1_requested({})
  (True, False)
  """
  environ = os.environ if environ is None else environ
  return environ.get('TF_KBACKEND_TF1', '').strip().lower() in _TF1_TRUE_WORDS


class LegacyKerasImportError(ImportError):
  """Legacy Keras failed to import without tf_kbackend; says what to do."""


def _is_legacy_keras(spec):
  locations = spec.submodule_search_locations or ()
  return any(os.path.isfile(os.path.join(location, 'backend',
                                         'theano_backend.py'))
             for location in locations)


def _keras_version(spec):
  import re  # pylint: disable=g-import-not-at-top
  try:
    with open(spec.origin, encoding='utf-8') as f:
      found = re.search(r'''__version__\s*=\s*['"]([^'"]+)''', f.read())
  except OSError:
    return None
  return found.group(1) if found else None


def _configured_backend():
  """(name, where) of legacy Keras's backend setting, as Keras reads it."""
  name = os.environ.get('KERAS_BACKEND')
  if name:
    return name, 'the environment variable KERAS_BACKEND'
  home = os.environ.get('KERAS_HOME') or os.path.join(
      os.path.expanduser('~'), '.keras')
  path = os.path.join(home, 'keras.json')
  try:
    import json  # pylint: disable=g-import-not-at-top
    with open(path, encoding='utf-8') as f:
      name = json.load(f).get('backend')
  except (OSError, ValueError, AttributeError):
    name = None
  if isinstance(name, str) and name:
    return name, f'the "backend" key of {path}'
  return 'tensorflow', 'the default'


def hint_message(spec, error):
  """The message of the `LegacyKerasImportError` raised for `error`."""
  version = _keras_version(spec) or '2.x'
  name, where = _configured_backend()
  location = os.path.dirname(spec.origin or '') or '?'
  python = '.'.join(str(v) for v in sys.version_info[:2])
  return (
      f'Keras {version} (legacy multi-backend Keras, at {location}) does not '
      f'run by itself on Python {python} and TensorFlow 2: its import failed '
      f'with {type(error).__name__}: {error}. Run the script on tf_kbackend, '
      f'which supplies what it needs: `tf-kbackend run script.py [args]`, or '
      f'select tf_kbackend as its backend with KERAS_BACKEND=tf_kbackend '
      f'(Keras\'s backend is "{name}" now, from {where}). See '
      f'docs/legacy_keras.md in tf_kbackend.')


class _WrappingLoader:
  """Delegates to a module's real loader, which the module keeps."""

  def __init__(self, loader):
    self._loader = loader

  def create_module(self, spec):
    return self._loader.create_module(spec)

  def _exec_real(self, module):
    # Tracebacks, inspect and pytest read sources through the real loader.
    module.__loader__ = self._loader
    if module.__spec__ is not None:
      module.__spec__.loader = self._loader
    self._loader.exec_module(module)

  def __getattr__(self, name):
    return getattr(self._loader, name)


class _HintingLoader(_WrappingLoader):
  """Runs legacy Keras's real loader; explains a failure (see module doc)."""

  def __init__(self, loader, spec):
    super().__init__(loader)
    self._spec = spec

  def exec_module(self, module):
    try:
      self._exec_real(module)
    except Exception as error:
      name, _ = _configured_backend()
      if 'tf_kbackend' in sys.modules or name in _TF_KBACKEND_NAMES:
        raise  # tf_kbackend is in use: the failure is something else.
      raise LegacyKerasImportError(hint_message(self._spec, error),
                                   name='keras') from error


class _TF1NamesLoader(_WrappingLoader):
  """Runs TensorFlow's real loader, then imports tf_kbackend (module doc)."""

  def exec_module(self, module):
    self._exec_real(module)
    if 'tf_kbackend' in sys.modules:
      return
    import importlib  # pylint: disable=g-import-not-at-top
    import warnings  # pylint: disable=g-import-not-at-top
    try:
      importlib.import_module('tf_kbackend')
    except Exception as error:  # pylint: disable=broad-except
      # TensorFlow itself imported fine: the script keeps it, told why the
      # names it asked for are missing.
      warnings.warn(
          'TF_KBACKEND_TF1 asks for the TF1 names, but importing tf_kbackend '
          f'after TensorFlow failed with {type(error).__name__}: {error}. '
          'TensorFlow is imported without them.', RuntimeWarning,
          stacklevel=2)


class LegacyKerasHint:
  """The `sys.meta_path` finder (see the module doc).

  Args:
    tf1: whether to import tf_kbackend right after `tensorflow` (the TF1
      names asked for by `$TF_KBACKEND_TF1`).
  """

  def __init__(self, tf1=False):
    self._busy = set()  # Threads asking the other finders right now.
    self.tf1 = tf1

  def find_spec(self, fullname, path=None, target=None):
    if 'tf_kbackend' in sys.modules:
      return None
    if fullname == 'keras':
      spec = self._find_elsewhere(fullname, path, target)
      if spec is None or spec.loader is None or not _is_legacy_keras(spec):
        return None
      spec.loader = _HintingLoader(spec.loader, spec)
      return spec
    if fullname == 'tensorflow' and self.tf1:
      spec = self._find_elsewhere(fullname, path, target)
      if spec is None or spec.loader is None:
        return None
      spec.loader = _TF1NamesLoader(spec.loader)
      return spec
    return None

  def _find_elsewhere(self, fullname, path, target):
    """The spec the finders after this one give, as Python would ask them."""
    thread = _thread.get_ident()
    if thread in self._busy:
      return None
    self._busy.add(thread)
    try:
      for finder in list(sys.meta_path):
        if finder is self or not hasattr(finder, 'find_spec'):
          continue
        spec = finder.find_spec(fullname, path, target)
        if spec is not None:
          return spec
      return None
    finally:
      self._busy.discard(thread)

  def invalidate_caches(self):
    pass


def install():
  """Adds the finder to `sys.meta_path` once; returns it."""
  for finder in sys.meta_path:
    if isinstance(finder, LegacyKerasHint):
      return finder
  finder = LegacyKerasHint(tf1=tf1_requested())
  sys.meta_path.insert(0, finder)
  return finder
