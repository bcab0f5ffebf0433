"""The real legacy Keras library, for default-tier tests that need it.

Installs `keras==VERSION` and the keras_applications / keras_preprocessing
releases it was made with (plus PyYAML, which it imports) into a side
directory with `pip install --no-deps --target`, never into the
environment running the tests (which keeps its Keras 3). The directory is
cached across test runs: `$TF_KBACKEND_TEST_CACHE/keras-VERSION`, by
default under the system temporary directory.

Tests put the directory first on `PYTHONPATH` of a subprocess that runs
under `tf-kbackend run` (see `env_with_legacy_keras`).
"""

import os
import shutil
import subprocess
import sys
import tempfile

# What each legacy release was made with (their own requirements).
PACKAGES = {
    '2.2.4': ('keras==2.2.4', 'keras_applications==1.0.8',
              'keras_preprocessing==1.1.2', 'pyyaml'),
    '2.3.1': ('keras==2.3.1', 'keras_applications==1.0.8',
              'keras_preprocessing==1.1.2', 'pyyaml'),
}


def cache_dir():
  return os.environ.get('TF_KBACKEND_TEST_CACHE') or os.path.join(
      tempfile.gettempdir(), 'tf_kbackend_test_cache')


def site(version='2.2.4'):
  """The side directory holding legacy Keras `version`, installed once."""
  target = os.path.join(cache_dir(), f'keras-{version}')
  if os.path.exists(os.path.join(target, '.complete')):
    return target
  # Installed beside the target and renamed into place: concurrent test
  # processes never see (or import from) a half-installed directory.
  os.makedirs(cache_dir(), exist_ok=True)
  staging = tempfile.mkdtemp(prefix=f'keras-{version}-', dir=cache_dir())
  command = [sys.executable, '-m', 'pip', '--disable-pip-version-check',
             'install', '--no-deps', '--target', staging, *PACKAGES[version]]
  result = subprocess.run(command, capture_output=True, text=True,
                          check=False)
  if result.returncode != 0:
    shutil.rmtree(staging, ignore_errors=True)
    raise RuntimeError(f'{" ".join(command)} failed:\n{result.stdout}\n'
                       f'{result.stderr}')
  with open(os.path.join(staging, '.complete'), 'w', encoding='utf-8') as f:
    f.write('\n'.join(PACKAGES[version]))
  try:
    os.rename(staging, target)
  except OSError:  # Another process got there first: use its copy.
    shutil.rmtree(staging, ignore_errors=True)
  return target


def env_with_legacy_keras(version='2.2.4', base=None):
  """A copy of `base` (default os.environ) with legacy Keras on PYTHONPATH."""
  env = dict(os.environ if base is None else base)
  path = env.get('PYTHONPATH')
  env['PYTHONPATH'] = site(version) + (os.pathsep + path if path else '')
  env.pop('KERAS_BACKEND', None)
  env.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
  return env
