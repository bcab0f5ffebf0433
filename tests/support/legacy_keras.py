"""The real legacy Keras library, for default-tier tests that need it.

Installed with tf_kbackend's own installer (`tf-kbackend install-keras`,
`tf_kbackend_cli.keras_install`): `keras==VERSION` and the
keras_applications / keras_preprocessing releases it needs, with `pip
install --no-deps --target`, into a side directory, never into the
environment running the tests (which keeps its Keras 3). The data
directory is cached across test runs: `$TF_KBACKEND_TEST_CACHE`, by default
under the system temporary directory.

Tests run scripts under `tf-kbackend run` with the environment of
`env_with_legacy_keras`, which selects that installation the way a user's
environment does (`TF_KBACKEND_DATA_DIR`, `TF_KBACKEND_KERAS`) and also puts
it first on `PYTHONPATH`, for scripts run with plain `python`.
"""

import os
import tempfile

from tf_kbackend_cli import datadir
from tf_kbackend_cli import keras_install


def cache_dir():
  return os.environ.get('TF_KBACKEND_TEST_CACHE') or os.path.join(
      tempfile.gettempdir(), 'tf_kbackend_test_cache')


def site(version='2.2.4'):
  """The side directory holding legacy Keras `version`, installed once."""
  return keras_install.install(version, data=cache_dir(),
                               select=False).directory


def env_with_legacy_keras(version='2.2.4', base=None):
  """A copy of `base` (default os.environ) selecting legacy Keras `version`."""
  env = dict(os.environ if base is None else base)
  path = env.get('PYTHONPATH')
  env['PYTHONPATH'] = site(version) + (os.pathsep + path if path else '')
  env[datadir.DATA_DIR_ENV] = cache_dir()
  env[datadir.KERAS_ENV] = version
  env.pop('KERAS_BACKEND', None)
  env.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
  return env
