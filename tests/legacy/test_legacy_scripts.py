"""User-style scripts on the real Keras 2.2.4 (legacy tier; see suite.py).

What Keras's own tests do not show: every import order with configuration
alone, the `tf-kbackend run` command, and the things a TF1-era user script
does beyond Keras's tests (a `tf.compat.v1` optimizer, raw TF ops in a
Lambda layer, a custom layer, HDF5 and YAML round trips).
"""

import json
import os
import subprocess
import sys

import pytest

from tests.legacy import suite

pytestmark = pytest.mark.legacy

_PROBE = """
import json, os, sys, tempfile
{first}
import numpy as np
import keras
import tensorflow as tf
import tf_kbackend
from keras import backend as K
from keras.layers import Dense, Dropout, Input, Lambda, Layer
from keras.models import Model, Sequential, load_model, model_from_yaml


class Scale(Layer):
    def build(self, input_shape):
        self.w = self.add_weight('w', (input_shape[-1],), initializer='ones')
        super(Scale, self).build(input_shape)

    def call(self, x):
        return x * self.w


np.random.seed(1)
x = np.random.rand(64, 8).astype('float32')
y = (x.sum(1, keepdims=True) > 4).astype('float32')
inputs = Input((8,))
h = Dense(16, activation='relu')(inputs)
h = Lambda(lambda t: tf.nn.relu(t) * tf.cast(tf.shape(t)[-1], t.dtype) / 16.0)(h)
h = Scale()(Dropout(0.1)(h))
outputs = Dense(1, activation='sigmoid')(h)
model = Model(inputs, outputs)
model.compile(optimizer={optimizer}, loss='binary_crossentropy')
losses = model.fit(x, y, epochs=8, batch_size=16, verbose=0).history['loss']
path = os.path.join(tempfile.mkdtemp(), 'model.h5')
model.save(path) if {save} else None
restored = (load_model(path, custom_objects={{'Scale': Scale, 'tf': tf}})
            if {save} else model)
yaml_model = model_from_yaml(model.to_yaml(),
                             custom_objects={{'Scale': Scale, 'tf': tf}})
K.set_floatx('float64')
print(json.dumps({{
    'backend': K.backend(),
    'floatx_shared': tf_kbackend.floatx(),
    'loss_fell': bool(losses[-1] < losses[0]),
    'restored_same': bool(np.allclose(model.predict(x), restored.predict(x),
                                      atol=1e-6)),
    'yaml_layers': len(yaml_model.layers),
    'optimizer': type(model.optimizer).__name__,
}}))
"""


def _run(args, env_extra, tmp_path):
  site = suite.ensure_side_site()
  env = dict(os.environ)
  for name in ('KERAS_BACKEND', 'TF_KBACKEND_REPORT_AS'):
    env.pop(name, None)
  env.update(PYTHONPATH=os.pathsep.join([site, suite.REPO]),
             KERAS_HOME=str(tmp_path), TF_CPP_MIN_LOG_LEVEL='2')
  env.update(env_extra)
  return subprocess.Popen([sys.executable] + args, env=env, cwd=str(tmp_path),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def _result(process):
  stdout, stderr = process.communicate(timeout=900)
  assert process.returncode == 0, stderr[-4000:]
  return json.loads(stdout.strip().splitlines()[-1])


def test_real_keras_in_every_import_order_and_under_the_cli(tmp_path):
  config_only = {'KERAS_BACKEND': 'tf_kbackend',
                 'TF_KBACKEND_REPORT_AS': 'tensorflow'}
  runs = {}
  for name, first in (('keras_first', ''),
                      ('tensorflow_first', 'import tensorflow'),
                      ('tf_kbackend_first', 'import tf_kbackend')):
    script = tmp_path / f'{name}.py'
    script.write_text(_PROBE.format(first=first, optimizer="'adam'",
                                    save='True'))
    home = tmp_path / name
    home.mkdir()
    runs[name] = _run([str(script)], config_only, home)
  # The CLI, with a TF1 optimizer through tf.compat.v1 (Keras wraps it in
  # its TFOptimizer, which cannot be saved with the model: no h5 round trip).
  script = tmp_path / 'cli.py'
  script.write_text(_PROBE.format(
      first='', optimizer='tf.compat.v1.train.AdamOptimizer(0.01)',
      save='False'))
  home = tmp_path / 'cli'
  home.mkdir()
  runs['cli'] = _run(['-m', 'tf_kbackend', 'run', str(script)], {}, home)
  outcomes = {name: process.communicate(timeout=900) + (process.returncode,)
              for name, process in runs.items()}
  for name, (stdout, stderr, returncode) in outcomes.items():
    assert returncode == 0, f'{name}:\n{stderr[-4000:]}'
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result == {
        'backend': 'tensorflow',
        'floatx_shared': 'float64',
        'loss_fell': True,
        'restored_same': True,
        'yaml_layers': 6,  # Input, Dense, Lambda, Dropout, Scale, Dense
        'optimizer': 'TFOptimizer' if name == 'cli' else 'Adam',
    }, name


def test_real_keras_reporting_its_module_name(tmp_path):
  script = tmp_path / 'probe.py'
  script.write_text(_PROBE.format(first='', optimizer="'sgd'", save='True'))
  result = _result(_run(['-m', 'tf_kbackend', 'run', '--report-as', 'module',
                         str(script)], {}, tmp_path))
  assert result['backend'] == 'tf_kbackend'
  assert result['loss_fell'] and result['restored_same']
