"""Warnings that point at the user's line, not at tf_kbackend's own code.

`warnings.warn(..., stacklevel=N)` names the frame N levels up, which is
right only for one call path: a setting read while `import tf_kbackend`
runs is reached through tf_kbackend's modules and Python's import system,
a setter through one or two helpers. `warn` names the first frame that is
neither tf_kbackend's nor the import system's: the line of the user's
program (or of the library, such as legacy Keras, that called
tf_kbackend), as `skip_file_prefixes` does in Python 3.12.

Imports neither TensorFlow nor any backend.
"""

import os
import sys
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_IMPORTLIB_DIR = os.path.dirname(os.path.abspath(warnings.__file__)) + (
    os.sep + 'importlib' + os.sep)
# Frames of the import system and of `python -m` (never the user's line).
_INTERNAL_PREFIXES = (_PACKAGE_DIR, _IMPORTLIB_DIR, '<frozen importlib',
                      '<frozen runpy>')


def _is_internal(filename):
  if not os.path.isabs(filename) and not filename.startswith('<'):
    filename = os.path.abspath(filename)
  return filename.startswith(_INTERNAL_PREFIXES)


def user_frame():
  """The innermost frame outside tf_kbackend and the import system, or None.

  >>> user_frame().f_code.co_filename == __file__
  False
  """
  frame = sys._getframe(1)  # pylint: disable=protected-access
  while frame is not None and _is_internal(frame.f_code.co_filename):
    frame = frame.f_back
  return frame


def warn(message, category=UserWarning):
  """Issues a warning attributed to the user's line (see the module doc).

  Warning filters, `-W` options and `warnings.catch_warnings` apply as to
  `warnings.warn`.

  Args:
    message: the warning text.
    category: a `Warning` subclass.

  >>> import warnings
  >>> with warnings.catch_warnings(record=True) as caught:
  ...   warnings.simplefilter('always')
  ...   warn('example')
  >>> caught[0].filename.endswith('user_warnings.py')
  False
  """
  frame = user_frame()
  if frame is None:  # Only tf_kbackend's frames (e.g. its command line).
    warnings.warn(message, category, stacklevel=2)
    return
  module_globals = frame.f_globals
  warnings.warn_explicit(
      message, category, frame.f_code.co_filename, frame.f_lineno,
      module=module_globals.get('__name__', '<unknown>'),
      registry=module_globals.setdefault('__warningregistry__', {}))
