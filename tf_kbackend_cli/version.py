"""tf_kbackend's version, read without importing tf_kbackend (or TensorFlow)."""

import importlib.util
import os
import re

_VERSION = re.compile(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", re.M)


def package_dir():
  """The directory of the `tf_kbackend` package, found without importing it.

  >>> import os
  >>> os.path.basename(package_dir())
  'tf_kbackend'
  """
  spec = importlib.util.find_spec('tf_kbackend')
  if spec is None or not spec.submodule_search_locations:
    raise ImportError('The tf_kbackend package is not installed beside '
                      'tf_kbackend_cli.')
  return list(spec.submodule_search_locations)[0]


def version():
  """`tf_kbackend.__version__`, read from the package's `__init__.py`.

  The source, not the installed metadata, so that an editable install
  reports the checkout's version.

  >>> import tf_kbackend_cli.version as v, re
  >>> bool(re.fullmatch(r'\\d+\\.\\d+\\.\\d+.*', v.version()))
  True
  """
  with open(os.path.join(package_dir(), '__init__.py'), encoding='utf-8') as f:
    match = _VERSION.search(f.read())
  if match is None:
    raise ImportError('tf_kbackend/__init__.py defines no __version__.')
  return match.group(1)
