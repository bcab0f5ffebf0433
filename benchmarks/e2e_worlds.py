"""The three worlds of the end-to-end benchmark, each set up in its own process.

- `tf_kbackend`: the legacy Keras 2.2.4 library on tf_kbackend, as `tf-kbackend
  run` sets it up (`tf_kbackend.legacy.install()`), eager execution on.
- `tf1`: the same Keras 2.2.4 on its own TensorFlow backend in the TF1 world:
  `tf.compat.v1` with eager execution disabled, the workaround legacy users
  were offered. Keras 2.2.4's backend imports `tensorflow` and uses TF1 names
  (`tf.placeholder`, `tf.Session`), so `tensorflow` is made to resolve to
  `tf.compat.v1`, and two TF internals it uses and TensorFlow has since
  removed (`ops._TensorLike`, `control_flow_ops.while_loop`) are put back.
  These patches live in this child process only.
- `tf_keras`: tf_keras 2.21, TensorFlow's own Keras 2 API on TF2 (eager on,
  `tf.function`-compiled training and prediction).

Legacy Keras 2.2.4 (with keras_applications 1.0.8) and tf_keras are
installed once, with `pip --no-deps`, into cached side directories (Keras
by tests/support/legacy_keras.py); the environment's Keras 3 stays
untouched.
Importing this module imports neither TensorFlow nor Keras.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORLDS = ('tf_kbackend', 'tf1', 'tf_keras')
TF_KERAS_REQUIREMENT = 'tf-keras==2.21.0'
# The optional fourth world, 'baseline': tf_kbackend imported from the source
# tree named by this variable (e.g. a worktree of an earlier commit), to
# measure a change against it.
BASELINE = 'baseline'
BASELINE_ENV = 'BENCH_E2E_BASELINE'


def _support():
  if REPO not in sys.path:
    sys.path.insert(0, REPO)
  from tests.support import legacy_keras  # pylint: disable=g-import-not-at-top
  return legacy_keras


def legacy_site():
  """The side directory of Keras 2.2.4 + keras_applications (installed once)."""
  return _support().site('2.2.4')


def tf_keras_site():
  """The side directory of tf_keras 2.21, installed once with `--no-deps`.

  Not into the environment: its dependencies would replace the TensorFlow
  build in use. Beside Keras 2.2.4's cache (`legacy_keras.cache_dir()`);
  installed under a temporary name and renamed, so that a concurrent run
  never imports a half-installed copy.
  """
  cache = _support().cache_dir()
  target = os.path.join(cache, 'tf_keras-2.21.0')
  if os.path.isdir(os.path.join(target, 'tf_keras')):
    return target
  os.makedirs(cache, exist_ok=True)
  staging = tempfile.mkdtemp(prefix='tf_keras-', dir=cache)
  done = subprocess.run(
      [sys.executable, '-m', 'pip', '--disable-pip-version-check', 'install',
       '--no-deps', '--target', staging, TF_KERAS_REQUIREMENT],
      capture_output=True, text=True, check=False)
  if done.returncode != 0:
    shutil.rmtree(staging, ignore_errors=True)
    raise RuntimeError(f'Installing {TF_KERAS_REQUIREMENT} failed:\n'
                       f'{done.stdout}\n{done.stderr}')
  try:
    os.rename(staging, target)
  except OSError:  # Another run got there first.
    shutil.rmtree(staging, ignore_errors=True)
  return target


def prepare():
  """Installs what the worlds need (cached); returns the side directories."""
  return {'keras 2.2.4': legacy_site(), 'tf_keras 2.21': tf_keras_site()}


class World:
  """What the workloads need from one world, whatever Keras it runs.

  Attributes:
    name: one of WORLDS.
    keras: the Keras package (legacy `keras`, or `tf_keras`).
    tf: the real `tensorflow` module.
  """

  def __init__(self, name, keras, tf):
    self.name = name
    self.keras = keras
    self.tf = tf

  def adam(self, lr):
    if self.name == 'tf_keras':
      return self.keras.optimizers.Adam(learning_rate=lr)
    return self.keras.optimizers.Adam(lr=lr)

  def clear_session(self):
    self.keras.backend.clear_session()

  def resnet50(self, **kwargs):
    """keras_applications 1.0.8's ResNet50, the same code in every world."""
    applications = _keras_applications()
    return applications.resnet50.ResNet50(
        backend=self.keras.backend, layers=self.keras.layers,
        models=self.keras.models, utils=self.keras.utils, **kwargs)


def _keras_applications():
  """keras_applications from the legacy side directory, by file location.

  Not via sys.path: the side directory also holds Keras 2.2.4, which must
  not shadow the `keras` of the tf_keras world.
  """
  if 'keras_applications' in sys.modules:
    return sys.modules['keras_applications']
  package = os.path.join(legacy_site(), 'keras_applications')
  spec = importlib.util.spec_from_file_location(
      'keras_applications', os.path.join(package, '__init__.py'),
      submodule_search_locations=[package])
  module = importlib.util.module_from_spec(spec)
  sys.modules['keras_applications'] = module
  spec.loader.exec_module(module)
  return module


def _enter_tf_kbackend():
  sys.path.insert(0, legacy_site())
  baseline = os.environ.get(BASELINE_ENV)
  if baseline:  # The 'baseline' world: tf_kbackend from another source tree.
    sys.path.insert(0, baseline)
  from tf_kbackend import legacy  # pylint: disable=g-import-not-at-top
  legacy.install()
  import keras  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if keras.backend.backend() != 'tensorflow' or not hasattr(
      keras.backend, 'get_graph'):
    raise RuntimeError('tf_kbackend world: legacy Keras did not select '
                       'tf_kbackend.')
  return keras, tf


def _enter_tf1():
  # TensorFlow first, without Keras 2.2.4 on the path: TensorFlow's start-up
  # imports the package named `keras`, and Keras 2.2.4 would import its
  # backend, and so `tensorflow`, half-loaded.
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tensorflow.python.framework import ops  # pylint: disable=g-import-not-at-top
  from tensorflow.python.ops import control_flow_ops  # pylint: disable=g-import-not-at-top
  tf.compat.v1.disable_eager_execution()
  # TF1's while loop (Enter/Exit/NextIteration): with TF2's, the gradient
  # of Keras 2.2.4's RNN loop fails in graph mode ("Connecting to invalid
  # output ... of source node lstm_1/while").
  tf.compat.v1.disable_control_flow_v2()
  # The two removed internals Keras 2.2.4's backend uses.
  ops._TensorLike = (tf.Tensor, tf.SparseTensor, tf.IndexedSlices)  # pylint: disable=protected-access
  control_flow_ops.while_loop = tf.compat.v1.while_loop
  for name in [m for m in sys.modules if m == 'keras' or
               m.startswith('keras.')]:
    del sys.modules[name]  # Keras 3's start-up modules: not this world's.
  from tf_kbackend.legacy import shims  # pylint: disable=g-import-not-at-top
  shims.apply()  # Python 3.11 / NumPy 2 names; imports no TensorFlow.
  sys.modules['tensorflow'] = tf.compat.v1
  sys.path.insert(0, legacy_site())
  os.environ['KERAS_BACKEND'] = 'tensorflow'
  import keras  # pylint: disable=g-import-not-at-top
  if not tf.compat.v1.executing_eagerly() and keras.backend.backend(
  ) == 'tensorflow' and hasattr(keras.backend, 'get_session'):
    return keras, tf
  raise RuntimeError('tf1 world: Keras 2.2.4 did not load its TensorFlow '
                     'backend in graph mode.')


def _enter_tf_keras():
  sys.path.insert(0, tf_keras_site())
  import tf_keras  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return tf_keras, tf


def enter(name):
  """Sets this process up as world `name` (once per process); returns it."""
  os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
  enter_world = {'tf_kbackend': _enter_tf_kbackend, 'tf1': _enter_tf1,
                 'tf_keras': _enter_tf_keras,
                 BASELINE: _enter_tf_kbackend}.get(name)
  if enter_world is None:
    raise ValueError(f'Unknown world {name!r}: expected one of {WORLDS}.')
  if name == BASELINE and not os.environ.get(BASELINE_ENV):
    raise ValueError(f'The {BASELINE} world needs ${BASELINE_ENV}.')
  if name == 'tf_kbackend':
    os.environ.pop(BASELINE_ENV, None)
  keras, tf = enter_world()
  if name == BASELINE:
    source = sys.modules['tf_kbackend'].__file__
    if not source.startswith(os.path.abspath(os.environ[BASELINE_ENV])):
      raise RuntimeError(f'The {BASELINE} world imported tf_kbackend from '
                         f'{source}, not from ${BASELINE_ENV}.')
  return World(name, keras, tf)
