"""`tf-kbackend info`: each field against an independent source.

Each run is a fresh interpreter (the backend is selected at import time),
with its own KERAS_HOME and data directory.
"""

import importlib.metadata
import json
import os
import platform
import subprocess
import sys

import numpy as np
import tensorflow as tf

import tf_kbackend
from tf_kbackend_cli import datadir


def _info(tmp_path, env_extra, *args):
  env = dict(os.environ, KERAS_HOME=str(tmp_path / 'keras_home'),
             TF_KBACKEND_DATA_DIR=str(tmp_path / 'data'),
             TF_CPP_MIN_LOG_LEVEL='2', **env_extra)
  env.pop('KERAS_BACKEND', None)
  env.update(env_extra)
  result = subprocess.run(
      [sys.executable, '-m', 'tf_kbackend_cli', 'info', *args], env=env,
      capture_output=True, text=True, timeout=600, check=False)
  return result


def test_info_json_fields(tmp_path):
  home = tmp_path / 'keras_home'
  home.mkdir()
  (home / 'keras.json').write_text(json.dumps(
      {'backend': 'numpy', 'floatx': 'float64'}))
  installed = datadir.keras_dir('2.3.1', str(tmp_path / 'data'))
  os.makedirs(installed)
  with open(os.path.join(installed, datadir.MANIFEST), 'w') as f:
    f.write('{}')
  datadir.select('2.3.1', str(tmp_path / 'data'))
  result = _info(tmp_path, {}, '--format', 'json')
  assert result.returncode == 0, result.stderr[-3000:]
  info = json.loads(result.stdout)
  assert info['tf_kbackend'] == {
      'version': tf_kbackend.__version__,
      'location': os.path.dirname(os.path.abspath(tf_kbackend.__file__))}
  assert info['python']['version'] == platform.python_version()
  assert info['numpy'] == np.__version__
  assert info['tensorflow']['version'] == tf.__version__
  assert importlib.metadata.version(info['tensorflow']['distribution']) == (
      tf.__version__)
  assert info['keras_in_environment']['version'] == (
      importlib.metadata.version('keras'))
  assert info['keras_in_environment']['kind'] == "Keras 3 (TensorFlow's)"
  assert info['install_keras'] == {
      'data_dir': str(tmp_path / 'data'), 'installed': ['2.3.1'],
      'selected': '2.3.1',
      'run_uses': f'legacy Keras 2.3.1 from {installed} (installed by '
                  f'install-keras)'}
  assert info['backend'] == {
      'configured': 'numpy',
      'why': f'the "backend" key of {home / "keras.json"}',
      'implementation': 'numpy', 'module': 'tf_kbackend.numpy_backend'}
  assert info['keras_json']['values'] == {'backend': 'numpy',
                                          'floatx': 'float64'}
  assert info['keras_json']['in_effect'] == {
      'floatx': 'float64', 'epsilon': 1e-07,
      'image_data_format': 'channels_last', 'backend': 'numpy'}
  assert info['devices'] == [f'{d.device_type}: {d.name}' for d in
                             tf.config.list_physical_devices()]


def test_info_text_environment_variable_and_default(tmp_path):
  result = _info(tmp_path, {'KERAS_BACKEND': 'tensorflow',
                            'TF_KBACKEND_REPORT_AS': 'tensorflow'})
  assert result.returncode == 0, result.stderr[-3000:]
  out = result.stdout
  assert ('backend     tensorflow -> tf_kbackend.tf_backend (selected by '
          'the environment variable KERAS_BACKEND)') in out
  assert (f'keras.json  {tmp_path / "keras_home" / "keras.json"} (did not '
          f'exist)') in out
  assert '  installed: none\n' in out
  assert '  tf-kbackend run uses: none installed by install-keras\n' in out
  assert 'TF_KBACKEND_REPORT_AS=tensorflow\n' in out
  assert 'devices     CPU: /physical_device:CPU:0' in out
  # A backend that cannot load is reported, with exit status 1.
  result = _info(tmp_path, {'KERAS_BACKEND': 'theano'})
  assert result.returncode == 1
  assert 'backend     cannot be loaded: BackendError: The "theano" backend' in (
      result.stdout)
