"""Where tf_kbackend keeps its per-user files: the `install-keras` libraries.

The directory is, first found:

1. the `--data-dir DIR` option of the command;
2. the environment variable `TF_KBACKEND_DATA_DIR`;
3. the platform's per-user data directory for `tf_kbackend`, as
   `platformdirs.user_data_dir` gives it (`~/.local/share/tf_kbackend`, or
   `$XDG_DATA_HOME/tf_kbackend`, on Linux; `~/Library/Application
   Support/tf_kbackend` on macOS; `%LOCALAPPDATA%\\tf_kbackend` on Windows).

Inside it, `keras/<version>-py<major>.<minor>/` holds one legacy Keras
release and the packages it needs (per Python version: PyYAML has compiled
parts), and `keras/selected` names the release `tf-kbackend run` uses
unless told otherwise (the one installed last).

Importing this module imports neither TensorFlow nor tf_kbackend.
"""

import os
import sys

DATA_DIR_ENV = 'TF_KBACKEND_DATA_DIR'
KERAS_ENV = 'TF_KBACKEND_KERAS'
# The file each complete installation holds; written last, before the
# staging directory is renamed into place.
MANIFEST = 'tf_kbackend_keras.json'
_SELECTED = 'selected'


def data_dir(override=None):
  """The per-user data directory (see the module docstring), absolute.

  Args:
    override: a directory given on the command line, or None.

  >>> data_dir('/srv/kb'), data_dir('~/kb') == os.path.expanduser('~/kb')
  ('/srv/kb', True)
  """
  chosen = override or os.environ.get(DATA_DIR_ENV)
  if chosen:
    return os.path.abspath(os.path.expanduser(chosen))
  import platformdirs  # pylint: disable=g-import-not-at-top
  return platformdirs.user_data_dir('tf_kbackend', appauthor=False)


def python_tag():
  """`py3.11` for Python 3.11: side directories are per Python version."""
  return f'py{sys.version_info[0]}.{sys.version_info[1]}'


def keras_root(data=None):
  """The folder holding the installed legacy Keras releases."""
  return os.path.join(data_dir(data), 'keras')


def keras_dir(version, data=None):
  """Where `install-keras VERSION` installs, for this Python version.

  >>> keras_dir('2.2.4', '/srv/kb').startswith('/srv/kb/keras/2.2.4-py3.')
  True
  """
  return os.path.join(keras_root(data), f'{version}-{python_tag()}')


def is_complete(directory):
  """True if `directory` holds a finished installation."""
  return os.path.isfile(os.path.join(directory, MANIFEST))


def installed_versions(data=None):
  """The legacy Keras versions installed for this Python, sorted."""
  root, suffix = keras_root(data), f'-{python_tag()}'
  try:
    names = os.listdir(root)
  except OSError:
    return []
  return sorted(
      (name[:-len(suffix)] for name in names if name.endswith(suffix) and
       is_complete(os.path.join(root, name))),
      key=lambda v: tuple(int(p) for p in v.split('.') if p.isdigit()))


def selected_version(data=None):
  """The version named in `keras/selected`, or None."""
  try:
    with open(os.path.join(keras_root(data), _SELECTED),
              encoding='utf-8') as f:
      return f.read().strip() or None
  except OSError:
    return None


def select(version, data=None):
  """Makes `version` the one `tf-kbackend run` uses by default.

  Written to a temporary file and renamed, so that a reader never sees a
  half-written name.
  """
  root = keras_root(data)
  os.makedirs(root, exist_ok=True)
  temporary = os.path.join(root, f'.{_SELECTED}.{os.getpid()}')
  with open(temporary, 'w', encoding='utf-8') as f:
    f.write(version + '\n')
  os.replace(temporary, os.path.join(root, _SELECTED))


def resolve_keras(requested=None, data=None):
  """The legacy Keras side directory `tf-kbackend run` should use.

  Args:
    requested: `--keras` of the command: a version, `'none'`, or None for
      the default (`$TF_KBACKEND_KERAS`, else the selected installation).
    data: `--data-dir` of the command, or None.

  Returns:
    `(version, directory, reason)`; `(None, None, reason)` when no side
    directory is to be used.

  Raises:
    ValueError: if a version was asked for (by option or environment
      variable) that is not installed.
  """
  if requested is None and os.environ.get(KERAS_ENV):
    requested, origin = os.environ[KERAS_ENV], f'${KERAS_ENV}'
  else:
    origin = '--keras'
  if requested is not None:
    if requested.lower() == 'none':
      return None, None, f'{origin} none'
    directory = keras_dir(requested, data)
    if not is_complete(directory):
      installed = ', '.join(installed_versions(data)) or 'none'
      raise ValueError(
          f'Legacy Keras {requested} ({origin}) is not installed in '
          f'{keras_root(data)} (installed: {installed}). Install it with: '
          f'tf-kbackend install-keras {requested}')
    return requested, directory, origin
  version = selected_version(data)
  if version is not None and is_complete(keras_dir(version, data)):
    return version, keras_dir(version, data), 'installed by install-keras'
  return None, None, 'none installed by install-keras'
