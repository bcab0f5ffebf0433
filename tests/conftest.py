"""Fixtures shared by the test modules under tests/."""

import pytest

from tests.support import legacy_keras


@pytest.fixture(scope='session')
def legacy_keras_env():
  """Environment for subprocesses that import the real Keras 2.2.4.

  Installs it (once, cached) into a side directory put first on
  PYTHONPATH; run the script under `python -m tf_kbackend run`.
  """
  return legacy_keras.env_with_legacy_keras('2.2.4')


@pytest.fixture
def settings(tmp_path, monkeypatch):
  """A private keras.json directory, without the environment variables of
  tf_kbackend's own switches; the settings are reloaded after."""
  from tf_kbackend import config  # pylint: disable=g-import-not-at-top
  monkeypatch.setenv('KERAS_HOME', str(tmp_path))
  for name in ('TF_KBACKEND_JIT_COMPILE', 'TF_KBACKEND_FUSE_UPDATES'):
    monkeypatch.delenv(name, raising=False)
  yield tmp_path
  monkeypatch.undo()
  config.load_config()
