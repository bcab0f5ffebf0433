"""Export to SavedModel and TFLite (tf_kbackend.export, `tf-kbackend export`).

Round trips, each checked numerically by an independent consumer: a fresh
Python process that imports only TensorFlow and NumPy (asserted from its
`sys.modules`), loads each SavedModel with plain `tf.saved_model.load` and
each .tflite file with TensorFlow's TFLite interpreter, and runs them on
inputs saved by the exporting side, which also saved its own outputs:

- the lead example's MLP (examples/mlp_placeholder_training.py), trained a
  few steps, exported in this process with `export_function`;
- the convnet example (examples/convnet_shapes.py), built and trained
  under `tf-kbackend run` with the real Keras 2.2.4's backend;
- a legacy Keras 2.2.4 model saved to HDF5 (custom layer and activation,
  dropout, batch normalization), exported by `tf-kbackend export model.h5
  --custom-objects`: outputs compared with its own `model.predict`;
- a K.function exported by `tf-kbackend export --function`, compared with
  numpy.
"""

import concurrent.futures
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend.tf_backend as K
from tf_kbackend import export

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, 'examples')
# float32 on one CPU: the SavedModel runs the same kernels as K.function;
# TFLite runs its own (XNNPACK), within float32 round-off.
SAVED_MODEL_TOLERANCE = 1e-6
TFLITE_TOLERANCE = 1e-5

CUSTOM_LAYERS = '''
from keras import backend as K
from keras.layers import Layer


class Scale(Layer):
  """Multiplies by a learned per-feature factor times a constant."""

  def __init__(self, factor=2.0, **kwargs):
    super(Scale, self).__init__(**kwargs)
    self.factor = factor

  def build(self, input_shape):
    self.alpha = self.add_weight(name='alpha', shape=(input_shape[-1],),
                                 initializer='ones')
    super(Scale, self).build(input_shape)

  def call(self, x):
    return x * self.alpha * self.factor

  def get_config(self):
    config = super(Scale, self).get_config()
    config['factor'] = self.factor
    return config


def scaled_tanh(x):
  return 1.5 * K.tanh(x)
'''

# Runs under `tf-kbackend run` with Keras 2.2.4: the convnet example,
# exported with the Python API, and a legacy model saved to HDF5.
DRIVER = '''
import sys
import numpy as np
sys.path.insert(0, {examples!r})
import convnet_shapes
from keras import backend as K
from keras.layers import BatchNormalization, Dense, Dropout, Input
from keras.models import Model
from tf_kbackend import export
import my_layers

out = sys.argv[1]
np.random.seed(0)
x_train, y_train = convnet_shapes.make_images(256, seed=1)
x_test, _ = convnet_shapes.make_images(40, seed=2)
train, predict, _ = convnet_shapes.build_model(x_train.shape[1:], 4)
for start in range(0, 256, 64):
  train([x_train[start:start + 64], y_train[start:start + 64], 1])
np.savez(out + '/convnet_inputs.npz', images=x_test)
np.savez(out + '/convnet_expected.npz', probabilities=predict([x_test, 0])[0])
export.export_function(predict, out + '/convnet_model',
                       output_names=['probabilities'])
export.convert_to_tflite(out + '/convnet_model', out + '/convnet.tflite')

rng = np.random.RandomState(0)
features = Input(shape=(8,), name='features')
h = Dense(16, activation=my_layers.scaled_tanh)(features)
h = Dropout(0.5)(h)
h = BatchNormalization()(h)
h = my_layers.Scale(factor=0.5)(h)
probs = Dense(3, activation='softmax', name='probs')(h)
model = Model(features, probs)
model.compile('adam', 'categorical_crossentropy')
x = rng.normal(2.0, 3.0, (128, 8)).astype('float32')
y = np.eye(3)[rng.randint(0, 3, 128)]
model.fit(x, y, epochs=2, batch_size=32, verbose=0)
model.save(out + '/model.h5')
test = rng.normal(2.0, 3.0, (10, 8)).astype('float32')
np.savez(out + '/h5_inputs.npz', features=test)
np.savez(out + '/h5_expected.npz', probs=model.predict(test))
print('driver done', K.backend())
'''

FUNCTION_FILE = '''
import numpy as np
from keras import backend as K

x = K.placeholder(shape=(None, 3), name='x')
w = K.variable(np.arange(6.0).reshape(3, 2) / 10.0)
predict = K.function([x], [K.tanh(K.dot(x, w))])
'''

# The independent consumer: TensorFlow and NumPy only.
CHILD = '''
import json
import sys
import warnings

import numpy as np
import tensorflow as tf

cases = json.loads(sys.argv[1])
report = {}
for name, case in cases.items():
  data = np.load(case['inputs'])
  inputs = {key: data[key] for key in data.files}
  loaded = tf.saved_model.load(case['saved_model'])
  serve = loaded.signatures['serving_default']
  outputs = {key: value.numpy() for key, value in
             serve(**{k: tf.constant(v) for k, v in inputs.items()}).items()}
  _, kwargs = serve.structured_input_signature
  signature = {
      'inputs': {k: [s.shape.as_list(), s.dtype.name]
                 for k, s in kwargs.items()},
      'outputs': {k: [s.shape.as_list(), s.dtype.name]
                  for k, s in serve.structured_outputs.items()},
  }
  saved = {'saved_model/' + k: v for k, v in outputs.items()}
  if case.get('tflite'):
    with warnings.catch_warnings():
      warnings.simplefilter('ignore')  # tf.lite.Interpreter's deprecation.
      interpreter = tf.lite.Interpreter(model_path=case['tflite'])
    runner = interpreter.get_signature_runner('serving_default')
    for k, v in runner(**inputs).items():
      saved['tflite/' + k] = v
  np.savez(case['outputs'], **saved)
  report[name] = signature
keras = sys.modules.get('keras')
report['modules'] = {
    'tf_kbackend': sorted(m for m in sys.modules
                          if m.split('.')[0] in ('tf_kbackend',
                                                 'tf_kbackend_cli')),
    'keras_version': getattr(keras, '__version__', None),
    'keras_file': getattr(keras, '__file__', None),
}
print('REPORT ' + json.dumps(report))
'''


def _subprocess(command, env, cwd, timeout=600):
  return subprocess.run(command, env=env, cwd=cwd, capture_output=True,
                        text=True, timeout=timeout, check=False)


def _cli():
  script = os.path.join(os.path.dirname(sys.executable), 'tf-kbackend')
  return [script] if os.path.exists(script) else [
      sys.executable, '-m', 'tf_kbackend_cli']


def _export_mlp(out):
  """The lead example's MLP, trained a few steps, exported here."""
  sys.path.insert(0, EXAMPLES)
  try:
    import mlp_placeholder_training as mlp  # pylint: disable=g-import-not-at-top
  finally:
    sys.path.remove(EXAMPLES)
  np.random.seed(0)
  (x_train, y_train), (x_test, _) = mlp.make_data(num_train=512, num_test=50)
  train, predict = mlp.build_model()
  for start in range(0, 512, 128):
    train([x_train[start:start + 128], y_train[start:start + 128], 1])
  np.savez(os.path.join(out, 'mlp_inputs.npz'), x=x_test)
  np.savez(os.path.join(out, 'mlp_expected.npz'),
           probabilities=predict([x_test, 0])[0])
  export.export_function(predict, os.path.join(out, 'mlp_model'),
                         output_names=['probabilities'])
  export.convert_to_tflite(os.path.join(out, 'mlp_model'),
                           os.path.join(out, 'mlp.tflite'))
  K.clear_session()


@pytest.fixture(scope='module')
def round_trips(tmp_path_factory, legacy_keras_env):
  out = str(tmp_path_factory.mktemp('export'))
  with open(os.path.join(out, 'my_layers.py'), 'w') as f:
    f.write(CUSTOM_LAYERS)
  with open(os.path.join(out, 'driver.py'), 'w') as f:
    f.write(DRIVER.format(examples=EXAMPLES))
  with open(os.path.join(out, 'function_file.py'), 'w') as f:
    f.write(FUNCTION_FILE)
  np.savez(os.path.join(out, 'function_inputs.npz'),
           x=np.linspace(-2, 2, 12).reshape(4, 3).astype('float32'))
  env = dict(legacy_keras_env, KERAS_HOME=out)
  with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    driver = pool.submit(_subprocess, _cli() + ['run', 'driver.py', out],
                         env, out)
    function = pool.submit(_subprocess, _cli() + [
        'export', '--function', 'function_file.py:predict',
        'function_model', '--output-names', 'y', '--tflite',
        'function.tflite'], env, out)
    _export_mlp(out)
    driver = driver.result()
    function = function.result()
  assert driver.returncode == 0, driver.stderr[-3000:]
  assert function.returncode == 0, function.stderr[-3000:]
  h5 = _subprocess(_cli() + [
      'export', 'model.h5', 'h5_model', '--custom-objects', 'my_layers.py',
      '--tflite', 'h5.tflite'], env, out)
  assert h5.returncode == 0, h5.stderr[-3000:]
  cases = {
      name: {'inputs': os.path.join(out, f'{name}_inputs.npz'),
             'saved_model': os.path.join(out, f'{name}_model'),
             'tflite': os.path.join(out, f'{name}.tflite'),
             'outputs': os.path.join(out, f'{name}_outputs.npz')}
      for name in ('mlp', 'convnet', 'h5', 'function')
  }
  child_env = {k: v for k, v in os.environ.items()
               if not k.startswith(('PYTHONPATH', 'TF_KBACKEND', 'KERAS'))}
  child_env['TF_CPP_MIN_LOG_LEVEL'] = '2'
  child = _subprocess([sys.executable, '-c', CHILD, json.dumps(cases)],
                      child_env, str(tmp_path_factory.mktemp('child')))
  assert child.returncode == 0, child.stderr[-3000:]
  report = json.loads(child.stdout.split('REPORT ', 1)[1])
  return out, report, {'function': function.stdout, 'h5': h5.stdout}


def _expected(out, name):
  if name == 'function':
    data = np.load(os.path.join(out, 'function_inputs.npz'))
    w = np.arange(6.0).reshape(3, 2) / 10.0
    return {'y': np.tanh(data['x'].astype(np.float64) @ w)}
  data = np.load(os.path.join(out, f'{name}_expected.npz'))
  return {k: data[k] for k in data.files}


def test_the_consumer_never_imported_tf_kbackend_or_legacy_keras(
    round_trips):
  _, report, _ = round_trips
  modules = report['modules']
  assert modules['tf_kbackend'] == []
  # TensorFlow's start-up imports the environment's Keras 3; never the
  # legacy library.
  assert modules['keras_version'] is None or (
      int(modules['keras_version'].split('.')[0]) >= 3), modules


@pytest.mark.parametrize('name', ['mlp', 'convnet', 'h5', 'function'])
def test_saved_model_and_tflite_give_the_same_outputs(round_trips, name):
  out, _, _ = round_trips
  expected = _expected(out, name)
  got = np.load(os.path.join(out, f'{name}_outputs.npz'))
  tolerance = 1e-6 if name == 'function' else 0.0
  for key, value in expected.items():
    for runtime, limit in (('saved_model', SAVED_MODEL_TOLERANCE),
                           ('tflite', TFLITE_TOLERANCE)):
      result = got[f'{runtime}/{key}']
      assert result.shape == value.shape
      difference = float(np.max(np.abs(result - value)))
      print(f'{name} {runtime} {key}: max abs difference {difference:.3g}')
      assert difference <= limit + tolerance, (runtime, key, difference)


def test_signatures_have_named_inputs_and_outputs_and_a_none_batch(
    round_trips):
  _, report, _ = round_trips
  assert report['mlp'] == {
      'inputs': {'x': [[None, 64], 'float32']},
      'outputs': {'probabilities': [[None, 10], 'float32']}}
  assert report['convnet'] == {
      'inputs': {'images': [[None, 16, 16, 1], 'float32']},
      'outputs': {'probabilities': [[None, 4], 'float32']}}
  assert report['h5'] == {
      'inputs': {'features': [[None, 8], 'float32']},
      'outputs': {'probs': [[None, 3], 'float32']}}
  assert report['function'] == {
      'inputs': {'x': [[None, 3], 'float32']},
      'outputs': {'y': [[None, 2], 'float32']}}


def test_the_command_says_what_it_wrote(round_trips):
  out, _, stdout = round_trips
  assert ("SavedModel written to function_model: inputs x (None, 3) "
          "float32; outputs y (None, 2) float32") in stdout['function']
  assert 'TFLite model written to function.tflite' in stdout['function']
  assert ('SavedModel written to h5_model: inputs features (None, 8) '
          'float32; outputs probs (None, 3) float32') in stdout['h5']


# --- The Python API, in process. ---------------------------------------


def _load(path):
  return tf.saved_model.load(path).signatures['serving_default']


def test_variables_are_saved_with_their_value_at_export(tmp_path):
  x = K.placeholder(shape=(None, 2), name='x')
  w = K.variable([[1.0], [1.0]])
  f = K.function([x], [K.dot(x, w)], updates=[K.update_add(w, w)])
  export.export_function(f, tmp_path / 'm', output_names=['y'])
  K.set_value(w, [[5.0], [5.0]])
  y = _load(str(tmp_path / 'm'))(x=tf.constant([[1.0, 2.0]]))['y']
  assert y.numpy().tolist() == [[3.0]]  # Not 15, and no update applied.
  assert K.get_value(w).tolist() == [[5.0], [5.0]]


def test_learning_phase_is_fixed(tmp_path):
  x = K.placeholder(shape=(None, 2), name='x')
  f = K.function([x, K.learning_phase()], [K.in_train_phase(x + 1.0, x)])
  export.export_function(f, tmp_path / 'test')
  export.export_function(f, tmp_path / 'train', learning_phase=1)
  value = tf.constant([[1.0, 2.0]])
  assert _load(str(tmp_path / 'test'))(x=value)['output_0'].numpy().tolist(
  ) == [[1.0, 2.0]]
  assert _load(str(tmp_path / 'train'))(x=value)['output_0'].numpy().tolist(
  ) == [[2.0, 3.0]]


def test_fixed_batch_placeholders_get_a_none_batch(tmp_path):
  x = K.placeholder(shape=(4, 3), name='fixed')
  export.export_tensors([x], [K.sum(x, axis=-1)], tmp_path / 'm',
                        output_names=['total'])
  serve = _load(str(tmp_path / 'm'))
  assert serve.structured_input_signature[1]['fixed'].shape.as_list() == [
      None, 3]
  assert serve(fixed=tf.ones((2, 3)))['total'].numpy().tolist() == [3.0, 3.0]


def test_errors_name_the_culprit_and_write_nothing(tmp_path):
  x = K.placeholder(shape=(None, 2), name='x')
  other = K.placeholder(shape=(None, 2), name='other')
  target = tmp_path / 'm'
  with pytest.raises(ValueError, match=r"placeholder\(s\) 'other:0' "
                     r'\(shape \(None, 2\), dtype float32\), which are not '
                     r'among the inputs'):
    export.export_tensors([x], [x + other], target)
  with pytest.raises(ValueError, match=r'2 output names are needed, one per '
                     r"output. Received 1: \['y'\]"):
    export.export_tensors([x], [x, x * 2.0], target, output_names=['y'])
  with pytest.raises(ValueError, match=r"Received: 'no spaces'"):
    export.export_tensors([x], [x * 2.0], target, output_names=['no spaces'])
  with pytest.raises(ValueError, match='Output 0 must be a symbolic tensor'):
    export.export_tensors([x], [np.ones(2)], target)
  with pytest.raises(ValueError, match='learning_phase must be 0'):
    export.export_tensors([x], [x * 2.0], target, learning_phase=2)
  with pytest.raises(TypeError, match='export_function takes a K.function'):
    export.export_function(lambda v: v, target)
  assert not target.exists()
  assert os.listdir(tmp_path) == []
  export.export_tensors([x], [x * 2.0], target)
  with pytest.raises(ValueError, match='exists: choose a new directory'):
    export.export_tensors([x], [x * 3.0], target)
  export.export_tensors([x], [x * 3.0], target, overwrite=True)
  assert _load(str(target))(x=tf.ones((1, 2)))['output_0'].numpy().tolist(
  ) == [[3.0, 3.0]]
  assert sorted(os.listdir(tmp_path)) == ['m']
  with pytest.raises(ValueError, match='holds no SavedModel'):
    export.convert_to_tflite(tmp_path, tmp_path / 'x.tflite')


def test_model_file_needs_the_legacy_library(tmp_path):
  model = tmp_path / 'model.h5'
  model.write_bytes(b'')
  with pytest.raises(ImportError, match='not the legacy Keras 2.x library'):
    export.export_model_file(str(model), str(tmp_path / 'out'))
  with pytest.raises(ValueError, match='No model file at'):
    export.export_model_file(str(tmp_path / 'none.h5'), str(tmp_path / 'o'))
