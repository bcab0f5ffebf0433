"""The `tf-kbackend` command line: parser, `--version`, and dispatch.

Each command's module is imported only when that command runs, so that
`tf-kbackend --help`, `--version` and usage errors import nothing heavy
(see `tests/test_cli.py::test_help_imports_no_tensorflow`).
"""

import argparse
import importlib
import sys

from tf_kbackend_cli import version as version_lib

_DESCRIPTION = (
    'The legacy Keras 2.x backend API on TensorFlow 2: run legacy Keras '
    'scripts unchanged, install the legacy library beside Keras 3, report '
    'what a codebase uses and whether it works, and export legacy models '
    'to SavedModel and TFLite.')

_RUN_DESCRIPTION = (
    'Runs a legacy Keras (2.x, TF1-era) script unchanged on tf_kbackend: '
    'puts the legacy Keras of install-keras first on the path (if one is '
    'installed), supplies the Python 3.11 / NumPy 2 compatibility aliases '
    'legacy Keras needs, selects tf_kbackend as the Keras backend, and '
    'makes the legacy library report its backend as "tensorflow". '
    'Backend-only scripts (from keras import backend as K) also run '
    'without the legacy library installed.')

# `run`'s own options that take a value (see _split_argv).
_RUN_VALUE_OPTIONS = ('--report-as', '--keras', '--data-dir')

# Command -> (module, function) run with the parsed options.
_HANDLERS = {
    'install-keras': ('tf_kbackend_cli.keras_install', 'main'),
    'check': ('tf_kbackend_cli.check.command', 'main'),
    'info': ('tf_kbackend_cli.info', 'main'),
    'export': ('tf_kbackend_cli.export_command', 'main'),
}


def _add_data_dir(parser):
  parser.add_argument(
      '--data-dir', metavar='DIR',
      help='tf_kbackend\'s data directory, where install-keras puts the '
      'legacy library (default: $TF_KBACKEND_DATA_DIR, else the per-user '
      'data directory, e.g. ~/.local/share/tf_kbackend)')


def _add_keras(parser):
  parser.add_argument(
      '--keras', metavar='VERSION',
      help='which legacy Keras of install-keras to put first on the path: '
      'a version, or "none" (default: $TF_KBACKEND_KERAS, else the one '
      'installed last)')


def build_parser():
  """The argument parser of `tf-kbackend` and its commands."""
  parser = argparse.ArgumentParser(prog='tf-kbackend',
                                   description=_DESCRIPTION)
  parser.add_argument('--version', action='version',
                      version=f'tf-kbackend {version_lib.version()}')
  commands = parser.add_subparsers(dest='command', metavar='COMMAND')
  commands.required = True

  run = commands.add_parser(
      'run', help='run a legacy Keras script on tf_kbackend',
      description=_RUN_DESCRIPTION)
  run.add_argument(
      '--report-as', choices=('tensorflow', 'module'), default='tensorflow',
      help='what keras.backend.backend() answers: "tensorflow" (default: '
      'legacy code takes its TensorFlow paths) or "module" (the module '
      'name, "tf_kbackend", legacy Keras\'s rule for external backends)')
  run.add_argument(
      '--no-standin', action='store_true',
      help='never serve the stand-in `keras` package (keras.backend only) '
      'when the legacy Keras library is not installed')
  _add_keras(run)
  _add_data_dir(run)
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

  install = commands.add_parser(
      'install-keras',
      help='install legacy Keras 2.2.4 or 2.3.1 beside Keras 3',
      description='Installs legacy Keras (default 2.2.4) and the '
      'keras_applications / keras_preprocessing releases it needs into '
      'tf_kbackend\'s data directory (pip install --no-deps --target), '
      'where tf-kbackend run finds it. The environment, and the Keras 3 '
      'that TensorFlow needs, are not touched.')
  install.add_argument('keras_version', nargs='?', default='2.2.4',
                       choices=('2.2.4', '2.3.1'), metavar='VERSION',
                       help='2.2.4 (default) or 2.3.1')
  _add_data_dir(install)
  install.add_argument('--force', action='store_true',
                       help='reinstall even if it is installed')
  install.add_argument('--no-select', action='store_true',
                       help='do not make it the version run uses by default')
  install.add_argument('-q', '--quiet', action='store_true',
                       help='print only the installed directory')

  check = commands.add_parser(
      'check', help='report what code uses of legacy Keras and TF1, and '
      'whether it works on tf_kbackend',
      description='Reads Python files (no code is run) and lists every '
      'legacy backend name (K.x, keras.backend.x), legacy Keras import and '
      'TF1 name they use, each with its status on tf_kbackend: works, '
      'deviation (works, with a documented difference: link), unsupported '
      '(why, and what to do), or unknown. Exit status: 1 if anything '
      'unsupported is used (or unknown, with --strict), 0 otherwise, 2 for '
      'a usage error.')
  check.add_argument('paths', nargs='+', metavar='PATH',
                     help='Python files or directories (searched for *.py)')
  check.add_argument('--format', choices=('text', 'json'), default='text',
                     help='text (default) or json')
  check.add_argument('--strict', action='store_true',
                     help='exit with status 1 for unknown names too')
  check.add_argument('--tf1-catalog', metavar='FILE',
                     help='read the TF1 name catalog from FILE instead of '
                     'tf_kbackend/data/tf1_names.json')

  export = commands.add_parser(
      'export', help='export a legacy Keras model file or a K.function to a '
      'SavedModel (and TFLite)',
      description='Writes a TF2 SavedModel with a serving signature (named '
      'inputs and outputs, None batch dimension) that plain '
      'tf.saved_model.load runs without tf_kbackend or legacy Keras. The '
      'source is a legacy Keras 2.x model file (HDF5, loaded with the '
      'legacy Keras of install-keras on tf_kbackend, learning phase 0) or, '
      'with --function, a K.function.')
  export.add_argument(
      'paths', nargs='+', metavar='PATH',
      help='MODEL.h5 OUTPUT_DIR, or with --function only OUTPUT_DIR')
  export.add_argument(
      '--function', metavar='SPEC',
      help='export a K.function: "file.py:name" or "package.module:name", '
      'where name is a K.function or a callable returning one')
  export.add_argument(
      '--custom-objects', metavar='MODULE',
      help='a module (name or file.py) whose public names are the custom '
      'layers, losses... the model file needs (or its `custom_objects` '
      'dict)')
  export.add_argument('--input-names', metavar='NAMES',
                      help='comma-separated names of the inputs')
  export.add_argument('--output-names', metavar='NAMES',
                      help='comma-separated names of the outputs')
  export.add_argument('--tflite', metavar='FILE',
                      help='also convert the SavedModel to this .tflite file')
  _add_keras(export)
  _add_data_dir(export)

  info = commands.add_parser(
      'info', help='versions, backend selection, keras.json and devices',
      description='Prints the versions of tf_kbackend, TensorFlow, NumPy, '
      'Python and any legacy Keras found (in the environment and in the '
      'install-keras directory), which backend is selected and why, '
      'keras.json\'s path and values, and the devices TensorFlow sees.')
  info.add_argument('--format', choices=('text', 'json'), default='text',
                    help='text (default) or json')
  _add_keras(info)
  _add_data_dir(info)
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
      if item in _RUN_VALUE_OPTIONS and rest:
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
  parser = build_parser()
  options = parser.parse_args(['run'] + own)
  if options.module is not None:
    return options, [options.module] + rest
  if options.target is None:
    parser.error('run: give a script to run, or -m MODULE')
  return options, [options.target] + rest


def main(argv=None):
  """Entry point of `tf-kbackend`, `python -m tf_kbackend(_cli)`.

  Returns:
    The exit status: 0 on success, 2 for a usage error (with no arguments:
    the help, on stdout), the command's status otherwise; `run` returns 0
    when the script finished, and a script's `sys.exit(n)` and uncaught
    exceptions propagate as usual.
  """
  argv = list(sys.argv[1:] if argv is None else argv)
  if not argv:
    build_parser().print_help()
    return 2
  if argv[0] == 'run':
    options, script_argv = parse_run_arguments(argv[1:])
    from tf_kbackend_cli import runner  # pylint: disable=g-import-not-at-top
    return runner.run(options, script_argv)
  options = build_parser().parse_args(argv)
  module_name, function = _HANDLERS[options.command]
  return getattr(importlib.import_module(module_name), function)(options)
