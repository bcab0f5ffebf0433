"""`tf-kbackend install-keras` (tf_kbackend_cli.keras_install, datadir).

Real installs with pip (from the package index or pip's cache) into
temporary data directories; the environment running the tests must come
out untouched: the same `keras` (Keras 3), and `pip check` clean.
"""

import importlib.metadata
import json
import os
import subprocess
import sys

import pytest

from tf_kbackend_cli import app
from tf_kbackend_cli import datadir
from tf_kbackend_cli import keras_install


def _pip_check():
  return subprocess.run(
      [sys.executable, '-m', 'pip', '--disable-pip-version-check', 'check'],
      capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
  """Keras 2.2.4 installed by the command into a fresh data directory."""
  data = str(tmp_path_factory.mktemp('data'))
  keras_before = importlib.metadata.version('keras')
  status = app.main(['install-keras', '--data-dir', data, '-q'])
  return data, keras_before, status


def test_installs_into_the_data_directory(installed, capsys):
  data, _, status = installed
  assert status == 0
  directory = datadir.keras_dir('2.2.4', data)
  assert directory == os.path.join(
      data, 'keras', f'2.2.4-py{sys.version_info[0]}.{sys.version_info[1]}')
  with open(os.path.join(directory, datadir.MANIFEST)) as f:
    manifest = json.load(f)
  assert manifest['keras'] == '2.2.4'
  assert manifest['packages'][:3] == ['keras==2.2.4',
                                      'keras_applications==1.0.8',
                                      'keras_preprocessing==1.1.2']
  found = {d.metadata['Name'].lower().replace('_', '-'): d.version
           for d in importlib.metadata.distributions(path=[directory])}
  assert found['keras'] == '2.2.4'
  assert found['keras-applications'] == '1.0.8'
  assert found['keras-preprocessing'] == '1.1.2'
  assert datadir.installed_versions(data) == ['2.2.4']
  assert datadir.selected_version(data) == '2.2.4'
  assert datadir.resolve_keras(None, data) == (
      '2.2.4', directory, 'installed by install-keras')
  # Nothing left behind from staging.
  assert sorted(os.listdir(os.path.dirname(directory))) == [
      '2.2.4-py%d.%d' % sys.version_info[:2], 'selected']


def test_the_environment_is_untouched(installed):
  _, keras_before, _ = installed
  assert importlib.metadata.version('keras') == keras_before
  assert int(keras_before.split('.')[0]) >= 3
  result = _pip_check()
  assert result.returncode == 0, result.stdout + result.stderr
  assert 'No broken requirements found' in result.stdout


def test_the_side_directory_requirements_are_met(installed):
  data, _, _ = installed
  directory = datadir.keras_dir('2.2.4', data)
  assert keras_install.check_dependencies(directory) == []
  # What Keras 2.2.4 requires, resolved in the side directory first: its
  # own keras_applications, not another.
  result = subprocess.run(
      [sys.executable, '-c',
       'import keras_applications, keras_preprocessing, yaml, h5py; '
       'print(keras_applications.__version__, '
       'keras_preprocessing.__version__)'],
      env=dict(os.environ, PYTHONPATH=directory), capture_output=True,
      text=True, timeout=120, check=False)
  assert result.stdout.split() == ['1.0.8', '1.1.2'], result.stderr


def test_a_second_install_is_a_no_op_and_force_reinstalls(installed, capsys):
  data, _, _ = installed
  directory = datadir.keras_dir('2.2.4', data)
  again = keras_install.install('2.2.4', data=data)
  assert (again.directory, again.installed_now) == (directory, False)
  marker = os.path.join(directory, 'marker')
  with open(marker, 'w') as f:
    f.write('old')
  forced = keras_install.install('2.2.4', data=data, force=True)
  assert forced.installed_now and not os.path.exists(marker)
  assert keras_install.check_dependencies(directory) == []
  assert app.main(['install-keras', '--data-dir', data]) == 0
  out = capsys.readouterr().out
  assert f'Legacy Keras 2.2.4 already installed in {directory}' in out
  assert 'its keras is still Keras 3.' in out


def test_a_failed_install_leaves_the_previous_one(installed):
  data, _, _ = installed
  directory = datadir.keras_dir('2.2.4', data)
  before = sorted(os.listdir(directory))
  with pytest.raises(keras_install.InstallError, match='no-such-package'):
    keras_install.install('2.2.4', data=data, force=True,
                          extra=['tf-kbackend-no-such-package==0.0.1'])
  assert sorted(os.listdir(directory)) == before
  assert sorted(os.listdir(os.path.dirname(directory))) == [
      '2.2.4-py%d.%d' % sys.version_info[:2], 'selected']


def test_unknown_version():
  with pytest.raises(ValueError, match=r"Unknown legacy Keras version "
                     r"'2\.4\.0': install-keras knows 2\.2\.4, 2\.3\.1"):
    keras_install.packages_for('2.4.0')


def _fake_distribution(directory, name, version, requires):
  info = os.path.join(directory, f'{name}-{version}.dist-info')
  os.makedirs(info)
  with open(os.path.join(info, 'METADATA'), 'w') as f:
    f.write(f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n')
    for requirement in requires:
      f.write(f'Requires-Dist: {requirement}\n')


def test_check_dependencies_reports_missing_and_conflicting(tmp_path):
  _fake_distribution(str(tmp_path), 'needy', '1.0', [
      'numpy<1.0', 'tf-kbackend-absent>=2', 'pywin32; sys_platform == "nt"',
      'sibling==0.5', 'extra-only; extra == "test"'])
  _fake_distribution(str(tmp_path), 'sibling', '0.5', [])
  numpy_version = importlib.metadata.version('numpy')
  assert keras_install.check_dependencies(str(tmp_path)) == [
      f'needy 1.0 requires numpy<1.0, but numpy {numpy_version} is '
      f'installed.',
      'needy 1.0 requires tf-kbackend-absent>=2, which is not installed.']


def test_data_directory_precedence(monkeypatch, tmp_path):
  monkeypatch.delenv(datadir.DATA_DIR_ENV)
  monkeypatch.setenv('XDG_DATA_HOME', str(tmp_path / 'xdg'))
  if sys.platform.startswith('linux'):
    assert datadir.data_dir() == str(tmp_path / 'xdg' / 'tf_kbackend')
  monkeypatch.setenv(datadir.DATA_DIR_ENV, str(tmp_path / 'env'))
  assert datadir.data_dir() == str(tmp_path / 'env')
  assert datadir.data_dir(str(tmp_path / 'flag')) == str(tmp_path / 'flag')
  assert datadir.resolve_keras(None) == (
      None, None, 'none installed by install-keras')
  assert datadir.resolve_keras('none')[1] is None
