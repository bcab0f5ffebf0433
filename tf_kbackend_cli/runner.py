"""`tf-kbackend run script.py [args]`: a legacy Keras script on tf_kbackend.

`run` prepares the interpreter, then runs the script as `__main__` with
`sys.argv` set to `[script, args ...]` and the script's directory first on
`sys.path`, as `python script.py` would. The script's exit status is the
command's.

The preparation, in order (docs/legacy_keras.md lists every change):

1. the legacy Keras of `install-keras` (`--keras`, `$TF_KBACKEND_KERAS`,
   else the one installed last; see `tf_kbackend_cli.datadir`), if any, goes
   on `sys.path` right after the script's directory (where `PYTHONPATH`
   entries go, ahead of them) and first on `PYTHONPATH` for subprocesses;
   this happens before tf_kbackend (so TensorFlow) is imported, so that
   TensorFlow's start-up finds the legacy library, not Keras 3;
2. `tf_kbackend.legacy.install()`: the rest of the set-up.
"""

import os
import runpy
import sys

from tf_kbackend_cli import datadir


def use_side_directory(directory):
  """Puts a legacy Keras side directory on the path of this process.

  `sys.path[0]` stays the entry Python put there for the command (it
  becomes the script's directory); the side directory comes next, before
  the `PYTHONPATH` entries and site-packages. Subprocesses get it first on
  `PYTHONPATH`.
  """
  if directory in sys.path:
    sys.path.remove(directory)
  sys.path.insert(1 if sys.path else 0, directory)
  current = os.environ.get('PYTHONPATH')
  entries = [e for e in (current.split(os.pathsep) if current else [])
             if e != directory]
  os.environ['PYTHONPATH'] = os.pathsep.join([directory] + entries)
  loaded = sys.modules.get('keras')
  if loaded is not None and not (getattr(loaded, '__file__', None) or
                                 '').startswith(directory + os.sep):
    # Only under `python -m tf_kbackend run`: importing tf_kbackend (the
    # command's package then) imported TensorFlow, whose start-up imported
    # the environment's Keras 3 as `keras`. Its public modules give way,
    # as they do for the stand-in (tf_kbackend.legacy.standin).
    from tf_kbackend.legacy import standin  # pylint: disable=g-import-not-at-top
    standin._forget_other_keras()  # pylint: disable=protected-access


def run(options, script_argv):
  """Runs `run`'s parsed options; returns the exit status."""
  if options.module is None and not os.path.isfile(options.target):
    sys.stderr.write(f'tf-kbackend run: cannot open file '
                     f'{options.target!r}: no such file.\n')
    return 2
  try:
    version, directory, reason = datadir.resolve_keras(options.keras,
                                                       options.data_dir)
  except ValueError as e:
    sys.stderr.write(f'tf-kbackend run: {e}\n')
    return 2
  if directory is not None:
    use_side_directory(directory)
  from tf_kbackend import legacy  # pylint: disable=g-import-not-at-top
  report = legacy.install(
      report_as_tensorflow=options.report_as == 'tensorflow',
      keras_standin=not options.no_standin)
  if options.verbose:
    side = (f'legacy Keras {version} from {directory} ({reason})'
            if directory else reason)
    sys.stderr.write(f'tf-kbackend run: {dict(report, side_directory=side)}'
                     f'\n')
  sys.argv = script_argv
  if options.module is not None:
    # As `python -m module` does: the working directory comes first.
    _set_path0(os.getcwd())
    runpy.run_module(options.module, run_name='__main__', alter_sys=True)
  else:
    # As `python script.py` does: the script's directory comes first.
    _set_path0(os.path.dirname(os.path.abspath(options.target)))
    runpy.run_path(options.target, run_name='__main__')
  return 0


def _set_path0(directory):
  """Makes `directory` the first entry of `sys.path`, in place of ours.

  `sys.path[0]` is the directory Python put there for `tf-kbackend` itself
  (the console script's, or the working directory for `python -m`).
  """
  if sys.path:
    sys.path[0] = directory
  else:
    sys.path.insert(0, directory)
