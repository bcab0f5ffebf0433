"""Legacy Keras 2.x models (objects or HDF5 files) -> SavedModel.

The model is whatever the legacy Keras library built on tf_kbackend: its
`inputs` and `outputs` are symbolic tensors of the Keras graph, exported
by `export_tensors` under the model's own input and output names.
"""

import importlib
import importlib.util
import inspect
import os
import sys

from tf_kbackend.export import saved_model


def export_keras_model(model, export_dir, learning_phase=0, overwrite=False,
                       input_names=None, output_names=None):
  """Writes a SavedModel of a legacy Keras model built on tf_kbackend.

  Args:
    model: a legacy Keras (2.x) `Model` or `Sequential`.
    export_dir: the directory to write.
    learning_phase: 0 (test, default) or 1 (train).
    overwrite: replace `export_dir` if it exists.
    input_names: the signature's input names (default: the model's
      `input_names`).
    output_names: the signature's output names (default: the model's
      `output_names`).

  Returns:
    The concrete serving function.

  Raises:
    TypeError: if `model` is not a legacy Keras model.

  Under `tf-kbackend run` (or with the legacy library selecting
  tf_kbackend):

  >>> from keras.models import Sequential  # doctest: +SKIP
  >>> from keras.layers import Dense  # doctest: +SKIP
  >>> model = Sequential([Dense(2, input_shape=(3,), name='out')])  # doctest: +SKIP
  >>> export_keras_model(model, 'serving/model')  # doctest: +SKIP
  """
  for attribute in ('inputs', 'outputs', 'input_names', 'output_names'):
    if not hasattr(model, attribute):
      raise TypeError(
          f'export_keras_model takes a legacy Keras 2.x model (with inputs, '
          f'outputs, input_names, output_names); {model!r} has no '
          f'{attribute}.')
  return saved_model.export_tensors(
      model.inputs, model.outputs, export_dir,
      input_names=input_names or list(model.input_names),
      output_names=output_names or list(model.output_names),
      learning_phase=learning_phase, overwrite=overwrite)


def load_custom_objects(spec):
  """The custom objects a model file needs, from a module.

  Args:
    spec: a module name (`my_project.layers`) or a path to a `.py` file.
      Its `custom_objects` dict if it defines one, else its public classes
      and functions (those it defines, not those it imports).

  Returns:
    A dict name -> object, for `keras.models.load_model(custom_objects=)`.

  Raises:
    ImportError: if the module cannot be imported.

  >>> import os, tempfile
  >>> path = os.path.join(tempfile.mkdtemp(), 'my_layers.py')
  >>> with open(path, 'w') as f:
  ...   _ = f.write('import math\\nclass Scale: pass\\ndef act(x): return x\\n')
  >>> sorted(load_custom_objects(path))
  ['Scale', 'act']
  """
  if spec.endswith('.py') or os.sep in spec:
    path = os.path.abspath(spec)
    if not os.path.isfile(path):
      raise ImportError(f'No custom objects module at {path}.')
    name = os.path.splitext(os.path.basename(path))[0]
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules.setdefault(name, module)
    module_spec.loader.exec_module(module)
  else:
    module = importlib.import_module(spec)
  explicit = getattr(module, 'custom_objects', None)
  if isinstance(explicit, dict):
    return dict(explicit)
  return {
      name: value for name, value in vars(module).items()
      if not name.startswith('_') and (inspect.isclass(value) or
                                       inspect.isfunction(value))
      and getattr(value, '__module__', None) == module.__name__
  }


def _legacy_keras():
  """The legacy Keras library, imported; a clear error if it is not there."""
  try:
    import keras  # pylint: disable=g-import-not-at-top
  except ImportError as e:
    raise ImportError(
        f'Loading a legacy Keras model file needs the legacy Keras library: '
        f'tf-kbackend install-keras, then tf-kbackend export (or tf-kbackend '
        f'run your_script.py). ({e})') from e
  version = getattr(keras, '__version__', '')
  major_minor = tuple(int(p) for p in version.split('.')[:2] if p.isdigit())
  if not major_minor or major_minor >= (2, 4) or not hasattr(keras, 'models'):
    raise ImportError(
        f'The keras imported ({version or "the stand-in of tf-kbackend run"}'
        f') is not the legacy Keras 2.x library, which loading a model file '
        f'needs: tf-kbackend install-keras, then tf-kbackend export.')
  return keras


def export_model_file(model_path, export_dir, custom_objects=None,
                      overwrite=False, input_names=None, output_names=None):
  """Loads a legacy Keras HDF5 model file and writes its SavedModel.

  The model is loaded with the legacy Keras library on tf_kbackend, in the
  test phase (`set_learning_phase(0)`: dropout off, batch normalization
  with its moving statistics), without its training configuration.

  Args:
    model_path: the `.h5` file `model.save()` wrote.
    export_dir: the SavedModel directory to write.
    custom_objects: a dict of the custom layers, losses... the file needs,
      or a module spec for `load_custom_objects`.
    overwrite: replace `export_dir` if it exists.
    input_names: as for `export_keras_model`.
    output_names: as for `export_keras_model`.

  Returns:
    The concrete serving function.

  Raises:
    ImportError: if the legacy Keras library is not importable (run under
      `tf-kbackend export`, which sets it up, or `tf-kbackend run`).
    ValueError: if `model_path` does not exist.

  >>> export_model_file('model.h5', 'serving/model',
  ...                   custom_objects='my_project.layers')  # doctest: +SKIP
  """
  if not os.path.isfile(model_path):
    raise ValueError(f'No model file at {model_path}.')
  keras = _legacy_keras()
  if isinstance(custom_objects, str):
    custom_objects = load_custom_objects(custom_objects)
  keras.backend.set_learning_phase(0)
  model = keras.models.load_model(model_path, custom_objects=custom_objects,
                                  compile=False)
  return export_keras_model(model, export_dir, overwrite=overwrite,
                            input_names=input_names,
                            output_names=output_names)
