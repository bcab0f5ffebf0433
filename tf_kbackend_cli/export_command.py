"""`tf-kbackend export`: a legacy model file or a K.function -> SavedModel.

    tf-kbackend export MODEL.h5 OUTPUT_DIR [--custom-objects MODULE]
    tf-kbackend export --function file.py:name OUTPUT_DIR
    ... [--input-names a,b] [--output-names y] [--tflite model.tflite]

Set up as `run` is (the legacy Keras of install-keras first on the path,
`tf_kbackend.legacy.install()`), so that the model file is loaded by the
legacy library on tf_kbackend, and a function file written for legacy
Keras (`from keras import backend as K`) runs unchanged. The working
directory is on the path, as for `python -m`.
"""

import importlib
import importlib.util
import os
import sys

from tf_kbackend_cli import datadir
from tf_kbackend_cli import runner


def _load_function(spec):
  """The K.function named by 'file.py:name' or 'package.module:name'."""
  source, separator, name = spec.rpartition(':')
  if not separator or not source or not name:
    raise ValueError(f'--function takes "file.py:name" or '
                     f'"package.module:name". Received: {spec!r}.')
  if source.endswith('.py') or os.path.isfile(source):
    path = os.path.abspath(source)
    if not os.path.isfile(path):
      raise ValueError(f'--function: no such file {source!r}.')
    module_spec = importlib.util.spec_from_file_location(
        os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
  else:
    module = importlib.import_module(source)
  if not hasattr(module, name):
    raise ValueError(f'--function: {source} has no {name!r}.')
  value = getattr(module, name)
  if not (hasattr(value, 'inputs') and hasattr(value, 'outputs')):
    if not callable(value):
      raise ValueError(f'--function: {spec} is neither a K.function nor a '
                       f'callable returning one: {value!r}.')
    value = value()
  return value


def _names(text):
  return [n.strip() for n in text.split(',')] if text else None


def _describe(serving):
  def spec(name, value):
    return f'{name} {tuple(value.shape.as_list())} {value.dtype.name}'
  positional, named = serving.structured_input_signature
  inputs = dict({s.name: s for s in positional}, **named)
  return ('inputs ' + ', '.join(spec(n, s) for n, s in inputs.items()) +
          '; outputs ' + ', '.join(
              spec(n, s) for n, s in serving.structured_outputs.items()))


def main(options):
  """`tf-kbackend export`; returns the exit status."""
  paths = options.paths
  if options.function is not None and len(paths) != 1:
    sys.stderr.write('tf-kbackend export: with --function, give only the '
                     f'output directory. Received: {paths}.\n')
    return 2
  if options.function is None and len(paths) != 2:
    sys.stderr.write('tf-kbackend export: give the model file and the output '
                     f'directory (or --function SPEC). Received: {paths}.\n')
    return 2
  try:
    _, directory, _ = datadir.resolve_keras(options.keras, options.data_dir)
  except ValueError as e:
    sys.stderr.write(f'tf-kbackend export: {e}\n')
    return 2
  if directory is not None:
    runner.use_side_directory(directory)
  if os.getcwd() not in sys.path:
    sys.path.insert(0, os.getcwd())
  from tf_kbackend import legacy  # pylint: disable=g-import-not-at-top
  legacy.install()
  from tf_kbackend import export  # pylint: disable=g-import-not-at-top
  output = paths[-1]
  try:
    if options.function is not None:
      serving = export.export_function(
          _load_function(options.function), output,
          input_names=_names(options.input_names),
          output_names=_names(options.output_names))
    else:
      serving = export.export_model_file(
          paths[0], output, custom_objects=options.custom_objects,
          input_names=_names(options.input_names),
          output_names=_names(options.output_names))
    print(f'SavedModel written to {output}: {_describe(serving)}')
    if options.tflite:
      size = export.convert_to_tflite(output, options.tflite)
      print(f'TFLite model written to {options.tflite} ({size} bytes)')
  except (ValueError, TypeError, ImportError) as e:
    sys.stderr.write(f'tf-kbackend export: {e}\n')
    return 1
  return 0
