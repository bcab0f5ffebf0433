"""Test set-up shared by tests/ and the doctests in tf_kbackend/.

Runs before tf_kbackend is imported: it isolates the Keras config (a fresh
KERAS_HOME, no KERAS_BACKEND from the caller's environment) so tests never
read or write the user's ~/.keras, and tf_kbackend's data directory (where
`tf-kbackend install-keras` puts legacy Keras) so that `tf-kbackend run`
in a test never picks up the user's installation.
"""

import os
import tempfile

os.environ['KERAS_HOME'] = tempfile.mkdtemp(prefix='tf_kbackend_test_home_')
os.environ.pop('KERAS_BACKEND', None)
os.environ['TF_KBACKEND_DATA_DIR'] = tempfile.mkdtemp(
    prefix='tf_kbackend_test_data_')
os.environ.pop('TF_KBACKEND_KERAS', None)
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

# Conformance tolerances assume IEEE float32: on Ampere+ GPUs TensorFlow
# would otherwise compute float32 matmuls and convolutions in TF32.
tf.config.experimental.enable_tensor_float_32_execution(False)

from tf_kbackend import config  # noqa: E402
import tf_kbackend.numpy_backend as _numpy_backend  # noqa: E402
import tf_kbackend.tf_backend as _tf_backend  # noqa: E402


def _backend_names(module):
  return {name: getattr(module, name) for name in module.__all__}


@pytest.fixture(autouse=True)
def _fresh_backend_state(request):
  """Each test (and doctest) starts with default settings and a new graph."""
  saved = config.load_config()
  _tf_backend.clear_session()
  _numpy_backend.clear_session()
  dtest = getattr(request.node, 'dtest', None)
  if dtest is not None:
    # Doctest examples use the flat names of the module's own backend.
    backend = (_numpy_backend if '.numpy_backend' in dtest.name
               else _tf_backend)
    dtest.globs.update(_backend_names(backend))
    dtest.globs.update(np=np, tf=tf)
  yield
  _tf_backend.clear_session()
  _numpy_backend.clear_session()
  for setter, key in ((config.set_floatx, 'floatx'),
                      (config.set_epsilon, 'epsilon'),
                      (config.set_image_data_format, 'image_data_format')):
    setter(saved[key])
