"""keras.json, KERAS_BACKEND and the settings functions."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tf_kbackend import config


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
  monkeypatch.setenv('KERAS_HOME', str(tmp_path))
  monkeypatch.delenv('KERAS_BACKEND', raising=False)
  return tmp_path


def _write(home, content):
  path = home / 'keras.json'
  path.write_text(content if isinstance(content, str) else json.dumps(content))
  return path


class TestConfigFile:

  def test_missing_file_gets_defaults_and_a_default_file(self, keras_home):
    settings = config.load_config()
    assert settings == config.DEFAULTS
    written = json.loads((keras_home / 'keras.json').read_text())
    assert written == {'floatx': 'float32', 'epsilon': 1e-07,
                       'image_data_format': 'channels_last',
                       'backend': 'tensorflow'}

  def test_existing_file_is_read_and_never_rewritten(self, keras_home):
    content = ('{"floatx": "float64", "epsilon": 1e-05, '
               '"image_data_format": "channels_first", "backend": "numpy", '
               '"custom": 1}')
    path = _write(keras_home, content)
    settings = config.load_config()
    assert settings == {'floatx': 'float64', 'epsilon': 1e-05,
                        'image_data_format': 'channels_first',
                        'backend': 'numpy'}
    assert path.read_text() == content
    assert config.floatx() == 'float64'

  def test_corrupt_file_warns_naming_it_and_keeps_it(self, keras_home):
    path = _write(keras_home, '{"floatx": "float32",')
    with pytest.warns(config.ConfigWarning, match=str(path)):
      settings = config.load_config()
    assert settings == config.DEFAULTS
    assert path.read_text() == '{"floatx": "float32",'

  def test_non_object_file_warns(self, keras_home):
    _write(keras_home, '[1, 2]')
    with pytest.warns(config.ConfigWarning, match='JSON object'):
      assert config.load_config() == config.DEFAULTS

  @pytest.mark.parametrize('key, value', [
      ('floatx', 'float8'), ('epsilon', 'small'), ('epsilon', True),
      ('image_data_format', 'channels_middle'), ('backend', 3)])
  def test_invalid_value_warns_naming_file_and_key(self, keras_home, key,
                                                   value):
    path = _write(keras_home, {key: value, 'floatx': 'float64'}
                  if key != 'floatx' else {key: value})
    with pytest.warns(config.ConfigWarning) as record:
      settings = config.load_config()
    message = str(record[0].message)
    assert f'"{key}"' in message and str(path) in message
    assert settings[key] == config.DEFAULTS[key]
    if key != 'floatx':
      assert settings['floatx'] == 'float64'  # Valid keys still apply.

  def test_keras1_image_dim_ordering_key(self, keras_home):
    _write(keras_home, {'image_dim_ordering': 'th'})
    assert config.load_config()['image_data_format'] == 'channels_first'

  def test_keras_backend_env_overrides_file(self, keras_home, monkeypatch):
    _write(keras_home, {'backend': 'numpy'})
    monkeypatch.setenv('KERAS_BACKEND', 'my_module')
    assert config.load_config()['backend'] == 'my_module'

  def test_unwritable_dir_is_fine(self, tmp_path, monkeypatch):
    target = tmp_path / 'ro'
    target.mkdir()
    target.chmod(0o500)
    monkeypatch.setenv('KERAS_HOME', str(target / 'sub'))
    try:
      assert config.load_config() == config.DEFAULTS
    finally:
      target.chmod(0o700)

  def test_import_writes_nothing_over_existing_file(self, tmp_path):
    path = tmp_path / 'keras.json'
    path.write_text('{"epsilon": 0.001}')
    env = dict(os.environ, KERAS_HOME=str(tmp_path))
    env.pop('KERAS_BACKEND', None)
    out = subprocess.run(
        [sys.executable, '-c',
         'import tf_kbackend as K; print(K.epsilon(), K.backend())'],
        env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ['0.001', 'tensorflow']
    assert path.read_text() == '{"epsilon": 0.001}'


class TestSetters:

  @pytest.mark.parametrize('value', ['float16', 'float32', 'float64'])
  def test_set_floatx(self, value):
    config.set_floatx(value)
    assert config.floatx() == value

  @pytest.mark.parametrize('setter, bad, accepted', [
      (config.set_floatx, 'float128', 'float16, float32, float64'),
      (config.set_image_data_format, 'channels_middle',
       'channels_first, channels_last'),
      (config.set_image_dim_ordering, 'xx', 'th, tf'),
  ])
  def test_invalid_value_names_accepted_values_and_changes_nothing(
      self, setter, bad, accepted):
    before = config.load_config()
    with pytest.raises(ValueError, match=accepted):
      setter(bad)
    assert config.floatx() == before['floatx']
    assert config.image_data_format() == before['image_data_format']

  def test_set_epsilon(self):
    config.set_epsilon(1e-4)
    assert config.epsilon() == 1e-4
    with pytest.raises(ValueError, match='number'):
      config.set_epsilon('tiny')
    assert config.epsilon() == 1e-4

  def test_dim_ordering_round_trip(self):
    config.set_image_dim_ordering('th')
    assert config.image_data_format() == 'channels_first'
    assert config.image_dim_ordering() == 'th'
    config.set_image_data_format('channels_last')
    assert config.image_dim_ordering() == 'tf'

  def test_normalize_data_format(self):
    assert config.normalize_data_format(None) == 'channels_last'
    config.set_image_data_format('channels_first')
    assert config.normalize_data_format(None) == 'channels_first'
    assert config.normalize_data_format('CHANNELS_LAST') == 'channels_last'
    with pytest.raises(ValueError, match="data_format='nhwc'"):
      config.normalize_data_format('nhwc')

  def test_cast_to_floatx(self):
    config.set_floatx('float64')
    out = config.cast_to_floatx([1, 2])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [1.0, 2.0])

  def test_setters_are_shared_by_every_backend(self):
    import tf_kbackend.numpy_backend as knp  # pylint: disable=g-import-not-at-top
    import tf_kbackend.tf_backend as ktf  # pylint: disable=g-import-not-at-top
    ktf.set_epsilon(1e-3)
    assert knp.epsilon() == 1e-3
    knp.set_floatx('float16')
    assert ktf.floatx() == 'float16'
    assert ktf.dtype(ktf.variable(1.0)) == 'float16'
