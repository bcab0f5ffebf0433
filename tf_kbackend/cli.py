"""The `tf-kbackend` command: run unchanged legacy Keras scripts on tf_kbackend.

    tf-kbackend run script.py [args ...]
    tf-kbackend run -m module [args ...]
    python -m tf_kbackend run script.py [args ...]

`run` prepares the interpreter (see `tf_kbackend.legacy.install` and
docs/legacy_keras.md for the exact list of changes), then runs the script
as `__main__` with `sys.argv` set to `[script, args ...]` and the script's
directory first on `sys.path`, as `python script.py` would. The script's
exit status is the command's.
"""

import argparse
import os
import runpy
import sys

from tf_kbackend import legacy

_DESCRIPTION = (
    'Runs a legacy Keras (2.x, TF1-era) script unchanged on tf_kbackend: '
    'supplies the Python 3.11 / NumPy 2 compatibility aliases legacy Keras '
    'needs, selects tf_kbackend as the Keras backend, and makes the '
    'legacy library report its backend as "tensorflow". Backend-only '
    'scripts (from keras import backend as K) also run without the legacy '
    'library installed.')


def _parser():
  parser = argparse.ArgumentParser(prog='tf-kbackend',
                                   description=_DESCRIPTION)
  commands = parser.add_subparsers(dest='command', metavar='COMMAND')
  commands.required = True
  run = commands.add_parser(
      'run', help='run a legacy Keras script on tf_kbackend',
      description=_DESCRIPTION)
  run.add_argument(
      '--report-as', choices=('tensorflow', 'module'), default='tensorflow',
      help='what keras.backend.backend() answers: "tensorflow" (default: '
      'legacy code takes its TensorFlow paths) or "module" (the module '
      'name, "tf_kbackend", legacy Keras\'s rule for external backends)')
  run.add_argument(
      '--no-standin', action='store_true',
      help='never serve the stand-in `keras` package (keras.backend only) '
      'when the legacy Keras library is not installed')
  run.add_argument(
      '-v', '--verbose', action='store_true',
      help='print what was set up, on stderr, before running')
  run.add_argument(
      '-m', dest='module', metavar='MODULE',
      help='run a library module as a script, as python -m does')
  run.add_argument('target', nargs='?', metavar='script.py',
                   help='the script to run')
  run.add_argument('args', nargs=argparse.REMAINDER,
                   help='arguments passed to the script')
  return parser


def _split_argv(argv):
  """Splits `run`'s own options from the script and its arguments.

  Everything after the script (or `-m MODULE`) belongs to the script, even
  options that `run` also knows, as with `python script.py -v`.
  """
  own, rest = [], list(argv)
  while rest:
    item = rest[0]
    if item == '-m':
      own.extend(rest[:2])
      return own, rest[2:]
    if item.startswith('-') and item != '-':
      own.append(rest.pop(0))
      if item == '--report-as' and rest:
        own.append(rest.pop(0))
      continue
    own.append(rest.pop(0))
    return own, rest
  return own, rest


def parse_run_arguments(argv):
  """Parses the arguments after `run`: returns (options, script argv).

  Raises:
    SystemExit: on a usage error (status 2), as argparse does.
  """
  own, rest = _split_argv(argv)
  parser = _parser()
  options = parser.parse_args(['run'] + own)
  if options.module is not None:
    return options, [options.module] + rest
  if options.target is None:
    parser.error('run: give a script to run, or -m MODULE')
  return options, [options.target] + rest


def main(argv=None):
  """Entry point of `tf-kbackend` and `python -m tf_kbackend`.

  Returns:
    The exit status: 0 when the script finished, 2 for a usage error; a
    script's `sys.exit(n)` and uncaught exceptions propagate as usual.
  """
  argv = list(sys.argv[1:] if argv is None else argv)
  if not argv or argv[0] != 'run':
    _parser().parse_args(argv)  # Prints help, or exits with a usage error.
    return 2
  options, script_argv = parse_run_arguments(argv[1:])
  if options.module is None and not os.path.isfile(options.target):
    sys.stderr.write(f'tf-kbackend run: cannot open file '
                     f'{options.target!r}: no such file.\n')
    return 2
  report = legacy.install(
      report_as_tensorflow=options.report_as == 'tensorflow',
      keras_standin=not options.no_standin)
  if options.verbose:
    sys.stderr.write(f'tf-kbackend run: {report}\n')
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


if __name__ == '__main__':
  sys.exit(main())
