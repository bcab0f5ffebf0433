"""Running the legacy Keras 2.x library, unchanged, on tf_kbackend.

Two ways in, documented in docs/legacy_keras.md:

- Configuration alone: `KERAS_BACKEND=tf_kbackend` (or `"backend":
  "tf_kbackend"` in keras.json), plus `TF_KBACKEND_REPORT_AS=tensorflow`
  (or `"tf_kbackend_report_as": "tensorflow"` in keras.json) for Keras to
  report its backend as 'tensorflow'. Works whichever of `tensorflow`,
  `keras` or `tf_kbackend` is imported first.
- `tf-kbackend run script.py [args]` (or `python -m tf_kbackend run ...`):
  the same, set up before the script starts, plus a stand-in `keras`
  package for backend-only scripts when the legacy library is missing.

Modules:

- `shims`: the Python 3.11 / NumPy 2 compatibility aliases.
- `keras_integration`: what is adapted in legacy Keras when it selects
  tf_kbackend.
- `import_hooks`: the post-import hook mechanism.
- `tensorflow_backend`: what `keras.backend.tensorflow_backend` becomes.
- `standin`: the stand-in `keras` package of `tf-kbackend run`.

Importing this package imports neither TensorFlow nor Keras.
"""

import contextlib
import os
import sys

from tf_kbackend import config
from tf_kbackend.legacy import config_shield
from tf_kbackend.legacy import import_hooks
from tf_kbackend.legacy import keras_integration
from tf_kbackend.legacy import shims
from tf_kbackend.legacy import standin
from tf_kbackend.legacy.keras_integration import (
    REPORT_AS_CONFIG_KEY, REPORT_AS_ENV, integrate, is_active, report_as)

BACKEND_ENV = 'KERAS_BACKEND'

__all__ = ['BACKEND_ENV', 'REPORT_AS_CONFIG_KEY', 'REPORT_AS_ENV',
           'install', 'integrate', 'invoked_as_run', 'is_active', 'on_import',
           'report_as', 'select_backend_for_run', 'shims']

# The backend names that mean tf_kbackend's TensorFlow implementation.
TF_KBACKEND_NAMES = ('tensorflow', 'tf_kbackend', 'tf_kbackend.tf_backend')
# Python's options that take a value (`python -W error -m tf_kbackend run`).
_PYTHON_OPTIONS_WITH_VALUE = ('-W', '-X')
_COMMAND_NAMES = ('tf-kbackend', 'tf-kbackend.exe', 'tf-kbackend-script.py')


class _RunState:
  note = None  # What select_backend_for_run wrote on stderr, once.


# The backends Keras 3 accepts in KERAS_BACKEND / keras.json.
KERAS3_BACKENDS = ('tensorflow', 'jax', 'torch', 'numpy', 'openvino')


@contextlib.contextmanager
def tensorflow_start_guard():
  """Wraps tf_kbackend's first import of TensorFlow (and so of `keras`).

  TensorFlow's start-up imports the package named `keras`, if any:

  - legacy Keras (2.0 to 2.3) selecting tf_kbackend would import this
    half-loaded package as its backend and fail: it is deferred (see
    `import_hooks.keras_deferred`) and imported whole when the program
    imports it;
  - Keras 3 reads `KERAS_BACKEND` and keras.json's `backend` too, and
    raises, failing `import tensorflow`, on a name it does not know, such
    as `tf_kbackend`: it sees `KERAS_BACKEND=tensorflow` while it loads;
  - TensorFlow's own Keras and Keras 3 refuse keras.json values that
    tf_kbackend reads with a warning (`"epsilon": 1`): they read a
    corrected copy while TensorFlow loads (`config_shield`).

  Does nothing if TensorFlow or Keras is already imported.
  """
  if 'tensorflow' in sys.modules or 'keras' in sys.modules:
    yield
    return
  version = standin.installed_keras_version()
  with config_shield.shield():
    if version is not None and version < (2, 4):
      with import_hooks.keras_deferred():
        yield
    elif version is not None and version >= (3, 0) and (
        config.configured_backend() not in KERAS3_BACKENDS):
      with import_hooks.environment_variable(BACKEND_ENV, 'tensorflow'):
        yield
    else:
      yield


def invoked_as_run(argv=None, orig_argv=None):
  """True if this interpreter is running the `tf-kbackend run` command.

  `tf-kbackend run ...` (the console script) or `python [options] -m
  tf_kbackend run ...`. Read from the command line, because the package is
  imported (and selects its backend) before the command's code runs.

  Args:
    argv: `sys.argv` by default.
    orig_argv: `sys.orig_argv` (the interpreter's own command line) by
      default.

  >>> invoked_as_run(['/usr/bin/tf-kbackend', 'run', 'x.py'], ['python'])
  True
  >>> invoked_as_run(['-m', 'run'], ['python', '-W', 'error', '-m',
  ...                                'tf_kbackend', 'run', 'x.py'])
  True
  >>> invoked_as_run(['x.py'], ['python', 'x.py'])
  False
  """
  argv = list(sys.argv if argv is None else argv)
  orig_argv = list(getattr(sys, 'orig_argv', []) if orig_argv is None
                   else orig_argv)
  index = 1
  while index < len(orig_argv):
    arg = orig_argv[index]
    if arg == '-m':
      return orig_argv[index + 1:index + 3] == ['tf_kbackend', 'run']
    if arg.startswith('-m'):
      return arg[2:] == 'tf_kbackend' and orig_argv[index + 1:index + 2] == [
          'run']
    if arg in _PYTHON_OPTIONS_WITH_VALUE:
      index += 2
      continue
    if not arg.startswith('-') or arg == '-c' or arg.startswith('-c'):
      break  # A script, or code: not python -m.
    index += 1
  return bool(argv) and os.path.basename(argv[0]) in _COMMAND_NAMES and (
      argv[1:2] == ['run'])


def select_backend_for_run():
  """Under `tf-kbackend run`: use tf_kbackend whatever backend is configured.

  A keras.json or `KERAS_BACKEND` naming another backend ("theano" from the
  Theano era, a Keras 3 user's "jax" or "torch", a misspelling) does not
  stop the script: `KERAS_BACKEND` is set to `tensorflow` in this process
  (and so in its subprocesses; keras.json is never written), and one line
  on stderr says which setting was overridden. Nothing happens when the
  configuration already names tf_kbackend's TensorFlow implementation.

  Returns:
    The note written on stderr, or None.
  """
  name = config.configured_backend()
  if name in TF_KBACKEND_NAMES:
    return None
  where = config.describe_backend_source()
  os.environ[BACKEND_ENV] = 'tensorflow'
  config.load_config()
  if _RunState.note is None:
    _RunState.note = (
        f'tf-kbackend run: {where} selects the "{name}" backend; running the '
        f'script on tf_kbackend (KERAS_BACKEND=tensorflow) instead.')
    sys.stderr.write(_RunState.note + '\n')
    sys.stderr.flush()
  return _RunState.note


def on_import():
  """Called once by `import tf_kbackend`.

  If legacy Keras is importing tf_kbackend as its backend right now
  (`import keras` or `import tensorflow` came first), adapts it at once;
  otherwise installs the post-import hook that adapts it if it selects
  tf_kbackend later. Does nothing else: no Keras is imported.
  """
  keras_integration.watch()
  keras_integration.integrate()


def install(report_as_tensorflow=True, keras_standin=True):
  """Prepares this interpreter to run legacy Keras code on tf_kbackend.

  What `tf-kbackend run` does before the script starts (see
  docs/legacy_keras.md):

  0. `select_backend_for_run`: whatever backend `KERAS_BACKEND` or
     keras.json names, the script runs on tf_kbackend (one note on stderr
     when that overrides the configuration);
  1. applies the compatibility aliases of `shims`;
  2. sets `TF_KBACKEND_REPORT_AS` in `os.environ` ('tensorflow' if
     `report_as_tensorflow`, else 'module');
  3. if the legacy library is importable: sets `KERAS_BACKEND=tf_kbackend`
     in `os.environ` (subprocesses inherit both variables) and installs the
     post-import hook that adapts legacy Keras as it loads;
  4. otherwise, if `keras_standin`: installs the stand-in `keras` package
     (`standin`), dropping from `sys.modules` the public modules of a Keras
     3 that TensorFlow's start-up imported. `KERAS_BACKEND` is left alone
     then: Keras 3, which reads it too, would refuse `tf_kbackend`;
  5. turns on the TF1 names (`tf_kbackend.tf1`: `tf.Session`,
     `tf.placeholder`, `tf.train.AdamOptimizer`... with TF1 meaning; see
     docs/tf1_api.md) and sets `TF_KBACKEND_TF1=1` for subprocesses
     (unless `TF_KBACKEND_TF1=0` is set: then they stay off).

  Args:
    report_as_tensorflow: whether legacy Keras reports 'tensorflow'.
    keras_standin: whether to serve the stand-in `keras` when needed.

  Returns:
    A dict describing what was done, for `tf-kbackend run --verbose`.
  """
  backend_note = select_backend_for_run()
  added = shims.apply()
  os.environ[REPORT_AS_ENV] = 'tensorflow' if report_as_tensorflow else (
      'module')
  version = standin.installed_keras_version()
  legacy_installed = version is not None and version < (2, 4)
  if legacy_installed:
    os.environ[BACKEND_ENV] = 'tf_kbackend'
    keras_integration.watch()
    keras = 'legacy Keras {}.{} (KERAS_BACKEND=tf_kbackend)'.format(*version)
  elif keras_standin:
    standin.install()
    keras = 'stand-in (keras.backend only)'
  else:
    keras = 'untouched'
  tf1_names = _enable_tf1_names()
  report = {
      'shims_added': len(added),
      REPORT_AS_ENV: os.environ[REPORT_AS_ENV],
      'keras': keras,
      'tf1_names': tf1_names,
  }
  if backend_note or _RunState.note:
    report['backend_overridden'] = _RunState.note
  return report


def _enable_tf1_names():
  """Turns on the TF1 names (tf_kbackend.tf1) for the script.

  Also sets `TF_KBACKEND_TF1=1` for subprocesses the script starts. An
  explicit `TF_KBACKEND_TF1=0` in the environment keeps them off.
  Returns what was done, for the report.
  """
  if os.environ.get(config.TF1_ENV, '').strip() and not config.tf1_names():
    return f'off ({config.TF1_ENV}={os.environ[config.TF1_ENV]})'
  os.environ[config.TF1_ENV] = '1'
  from tf_kbackend import tf1  # pylint: disable=g-import-not-at-top
  tf1.enable()
  return 'on'
