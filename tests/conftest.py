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
