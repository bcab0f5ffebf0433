"""Post-import hooks: run a function on a module right after it executes.

Legacy Keras needs a few adjustments made to its own modules as they load
(see `keras_integration`). A `PostImportFinder` on `sys.meta_path` finds
those modules with the finders after it, as Python would, and wraps their
loader so that the registered hooks run once the module's code has run.
It declines every other name at once, so it costs one dict lookup per
import.
"""

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys
import threading


class _HookedLoader(importlib.abc.Loader):
  """Delegates to the real loader, then runs the hooks on the module."""

  def __init__(self, loader, hooks):
    self._loader = loader
    self._hooks = hooks

  def create_module(self, spec):
    return self._loader.create_module(spec)

  def exec_module(self, module):
    # The module's loader is the real one (inspect, pkgutil, tracebacks
    # and pytest read sources through it).
    module.__loader__ = self._loader
    if module.__spec__ is not None:
      module.__spec__.loader = self._loader
    self._loader.exec_module(module)
    for hook in list(self._hooks):
      hook(module)

  def __getattr__(self, name):
    return getattr(self._loader, name)


class PostImportFinder(importlib.abc.MetaPathFinder):
  """A meta path finder that only wraps the loaders of registered modules.

  >>> finder = PostImportFinder()
  >>> finder.find_spec('json', None) is None  # no hook registered
  True
  """

  def __init__(self):
    self._hooks = {}
    self._local = threading.local()

  def register(self, module_name, hook):
    """Runs `hook(module)` after `module_name` is next imported.

    If the module is already imported, the hook runs at once.
    """
    hooks = self._hooks.setdefault(module_name, [])
    if hook not in hooks:
      hooks.append(hook)
    module = sys.modules.get(module_name)
    if module is not None and not _initializing(module):
      hook(module)

  def hooks(self, module_name):
    return tuple(self._hooks.get(module_name, ()))

  def find_spec(self, fullname, path, target=None):
    hooks = self._hooks.get(fullname)
    if not hooks or getattr(self._local, 'busy', False):
      return None
    self._local.busy = True  # The finders we ask may ask us back.
    try:
      spec = _find_with_others(self, fullname, path, target)
    finally:
      self._local.busy = False
    if spec is None or spec.loader is None:
      return spec
    spec.loader = _HookedLoader(spec.loader, hooks)
    return spec

  def invalidate_caches(self):
    pass


def _find_with_others(skip, fullname, path, target):
  for finder in list(sys.meta_path):
    if finder is skip or isinstance(finder, PostImportFinder):
      continue
    find_spec = getattr(finder, 'find_spec', None)
    if find_spec is None:
      continue
    spec = find_spec(fullname, path, target)
    if spec is not None:
      return spec
  return None


def _initializing(module):
  spec = getattr(module, '__spec__', None)
  return bool(getattr(spec, '_initializing', False))


def get_finder():
  """Returns the process's `PostImportFinder`, inserting it first if absent."""
  for finder in sys.meta_path:
    if isinstance(finder, PostImportFinder):
      return finder
  finder = PostImportFinder()
  sys.meta_path.insert(0, finder)
  return finder


class _RefuseKeras(importlib.abc.Loader):

  def create_module(self, spec):
    raise ModuleNotFoundError(
        'tf_kbackend is loading TensorFlow: the legacy Keras library is '
        'imported after that, when the program imports it, not by '
        'TensorFlow\'s start-up.', name=spec.name)

  def exec_module(self, module):
    pass  # Never reached: create_module refuses.


class _DeferKeras(importlib.abc.MetaPathFinder):
  """Answers `keras` with a module that fails to load (an ImportError).

  TensorFlow's start-up looks the package up with `find_spec` (a spec with
  no origin reads as "no Keras") and imports it inside `except
  ImportError`.
  """

  def find_spec(self, fullname, path, target=None):
    if fullname == 'keras' or fullname.startswith('keras.'):
      return importlib.machinery.ModuleSpec(fullname, _RefuseKeras())
    return None


@contextlib.contextmanager
def keras_deferred():
  """Inside the block, `import keras` fails with an ImportError.

  TensorFlow's start-up imports whatever package named `keras` is on the
  path (and ignores an ImportError). If that is the legacy library and
  tf_kbackend is what is importing TensorFlow, legacy Keras would import
  the half-loaded tf_kbackend as its backend and fail. Around tf_kbackend's
  first import of TensorFlow, this defers Keras instead: it is imported,
  whole, when the program imports it.
  """
  blocker = _DeferKeras()
  sys.meta_path.insert(0, blocker)
  try:
    yield
  finally:
    sys.meta_path.remove(blocker)


@contextlib.contextmanager
def environment_variable(name, value):
  """Sets `os.environ[name]` inside the block, restoring it after."""
  saved = os.environ.get(name)
  os.environ[name] = value
  try:
    yield
  finally:
    if saved is None:
      os.environ.pop(name, None)
    else:
      os.environ[name] = saved
