"""The legacy-Keras compatibility layer: shims, integration, import orders.

Fast and offline: the real legacy library is exercised by the `legacy`
tier (tests/legacy). Here a small stand-in for legacy Keras's backend
loader, written below, plays its part; it behaves as Keras 2.2's does
(`_BACKEND` from `KERAS_BACKEND`, settings kept from its own `common`
module, an external backend's names copied in, `K.backend()` answering
`_BACKEND`), and its `callbacks`/`optimizers` modules use the names
Python 3.11, NumPy 2 and TensorFlow 2 removed, as Keras 2.2's do.
Interpreter-wide behaviour (import orders, the real `numpy`) is checked in
subprocesses, started together to keep the wall time down.
"""

import collections
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest
import tensorflow as tf

from tf_kbackend import config
from tf_kbackend.legacy import import_hooks
from tf_kbackend.legacy import keras_integration
from tf_kbackend.legacy import shims
from tf_kbackend.legacy import standin

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --- shims ---------------------------------------------------------------


def _fresh_modules():
  fake_np = types.ModuleType('np')
  for name in ('float64', 'complex128', 'complex64', 'bytes_', 'str_',
               'longdouble', 'clongdouble', 'intp', 'uintp', 'bool_',
               'object_', 'void'):
    setattr(fake_np, name, getattr(np, name))
  return fake_np, types.ModuleType('collections'), types.ModuleType('inspect')


def test_shims_add_every_documented_name_with_its_legacy_meaning():
  fake_np, fake_collections, fake_inspect = _fresh_modules()
  added = shims.apply(fake_np, fake_collections, fake_inspect)
  expected = (
      {f'np.{n}' for n in shims.NUMPY_TYPE_ALIASES} |
      {f'np.{n}' for n in shims.NUMPY_VALUE_ALIASES} |
      {f'np.{n}' for n in shims.NUMPY_FUNCTION_ALIASES} |
      {f'collections.{n}' for n in shims.COLLECTIONS_ABC_NAMES} |
      {'inspect.getargspec'})
  assert set(added) == expected
  assert fake_np.bool is bool and fake_np.int is int
  assert fake_np.float is float and fake_np.object is object
  assert fake_np.unicode is str and fake_np.complex is complex
  assert fake_np.float_ is np.float64 and fake_np.string_ is np.bytes_
  assert fake_np.unicode_ is np.str_ and fake_np.bool8 is np.bool_
  assert fake_np.Inf == float('inf') and fake_np.NINF == float('-inf')
  assert np.isnan(fake_np.NaN)
  assert fake_np.product is np.prod and fake_np.alltrue is np.all
  assert fake_collections.Iterable is collections.abc.Iterable
  assert fake_collections.Mapping is collections.abc.Mapping
  assert fake_inspect.getargspec is shims.getargspec


def test_shims_never_replace_existing_names_and_are_idempotent():
  fake_np, fake_collections, fake_inspect = _fresh_modules()
  fake_np.float = 'kept'
  fake_collections.Iterable = 'kept too'
  first = shims.apply(fake_np, fake_collections, fake_inspect)
  assert fake_np.float == 'kept' and fake_collections.Iterable == 'kept too'
  assert 'np.float' not in first and 'collections.Iterable' not in first
  assert shims.apply(fake_np, fake_collections, fake_inspect) == []


def test_getargspec_matches_python2():
  def f(a, b=2, *args, **kwargs):
    del a, b, args, kwargs

  spec = shims.getargspec(f)
  assert spec == (['a', 'b'], 'args', 'kwargs', (2,))
  assert (spec.args, spec.varargs, spec.keywords, spec.defaults) == (
      ['a', 'b'], 'args', 'kwargs', (2,))

  def g(a, *, b):
    del a, b

  with pytest.raises(ValueError, match='keyword-only'):
    shims.getargspec(g)


def test_removed_numpy_functions_behave_as_before():
  fake_np, fake_collections, fake_inspect = _fresh_modules()
  shims.apply(fake_np, fake_collections, fake_inspect)
  assert fake_np.asfarray([1, 2]).dtype == np.float64
  assert fake_np.asfarray([1, 2], dtype=np.int32).dtype == np.float64
  assert fake_np.asfarray([1, 2], dtype=np.float32).dtype == np.float32
  assert fake_np.asscalar(np.array([7])) == 7
  np.testing.assert_array_equal(fake_np.in1d([[1, 5], [2, 3]], [2, 5]),
                                [False, True, True, False])
  np.testing.assert_array_equal(fake_np.msort(np.array([[3, 1], [2, 4]])),
                                [[2, 1], [3, 4]])


# --- post-import hooks and integration, in process -----------------------


def test_post_import_hook_runs_after_the_module_executes(tmp_path,
                                                         monkeypatch):
  (tmp_path / 'hooked_mod_for_test.py').write_text('VALUE = 1\n')
  monkeypatch.syspath_prepend(str(tmp_path))
  finder = import_hooks.PostImportFinder()
  monkeypatch.setattr(sys, 'meta_path', [finder] + sys.meta_path)
  seen = []
  finder.register('hooked_mod_for_test', lambda m: seen.append(m.VALUE))
  try:
    module = importlib.import_module('hooked_mod_for_test')
    assert seen == [1]
    # The real loader stays visible to tools that read sources.
    assert not isinstance(module.__loader__, import_hooks._HookedLoader)
    assert inspect.getsource(module) == 'VALUE = 1\n'
    # Registering for an imported module runs the hook at once.
    finder.register('hooked_mod_for_test', lambda m: seen.append('now'))
    assert seen == [1, 'now']
  finally:
    sys.modules.pop('hooked_mod_for_test', None)


def test_tf1_view_prefers_tf2_names_and_falls_back_to_compat_v1():
  view = keras_integration.TF1Names(tf, tf.compat.v1)
  assert view.train.Optimizer is tf.compat.v1.train.Optimizer
  assert view.train.Checkpoint is tf.train.Checkpoint
  assert view.scalar_mul is tf.scalar_mul
  assert view.placeholder is tf.compat.v1.placeholder
  with pytest.raises(AttributeError):
    _ = view.no_such_name


def test_report_as_reads_env_then_keras_json(monkeypatch, tmp_path):
  monkeypatch.setenv('KERAS_HOME', str(tmp_path))
  monkeypatch.delenv(keras_integration.REPORT_AS_ENV, raising=False)
  assert keras_integration.report_as() == 'module'
  (tmp_path / 'keras.json').write_text(json.dumps(
      {'backend': 'tf_kbackend', 'tf_kbackend_report_as': 'tensorflow'}))
  assert keras_integration.report_as() == 'tensorflow'
  monkeypatch.setenv(keras_integration.REPORT_AS_ENV, 'module')
  assert keras_integration.report_as() == 'module'
  monkeypatch.setenv(keras_integration.REPORT_AS_ENV, 'theano')
  with pytest.raises(ValueError, match="Received: 'theano'"):
    keras_integration.report_as()


def test_synced_common_module_reads_and_writes_the_shared_settings():
  common = types.ModuleType('keras.backend.common')
  common._FLOATX = 'float32'  # pylint: disable=protected-access
  common.__class__ = keras_integration._SyncedCommon  # pylint: disable=protected-access
  vars(common).pop('_FLOATX')
  common._FLOATX = 'float64'  # pylint: disable=protected-access
  assert config.floatx() == 'float64'
  config.set_epsilon(1e-3)
  assert common._EPSILON == 1e-3  # pylint: disable=protected-access
  with pytest.raises(ValueError):
    common._IMAGE_DATA_FORMAT = 'channels_middle'  # pylint: disable=protected-access


def test_installed_keras_version_reads_without_importing(tmp_path,
                                                         monkeypatch):
  package = tmp_path / 'keras'
  package.mkdir()
  (package / '__init__.py').write_text(
      "raise RuntimeError('must not be imported')\n__version__ = '2.2.4'\n")
  monkeypatch.syspath_prepend(str(tmp_path))
  saved = sys.modules.pop('keras', None)
  try:
    importlib.invalidate_caches()
    assert standin.installed_keras_version() == (2, 2)
    assert standin.legacy_keras_installed()
    # Keras 3 keeps its version in src/version.py.
    (package / '__init__.py').write_text('from keras import src\n')
    (package / 'src').mkdir()
    (package / 'src' / 'version.py').write_text('__version__ = "3.15.1"\n')
    assert standin.installed_keras_version() == (3, 15)
    assert not standin.legacy_keras_installed()
  finally:
    if saved is not None:
      sys.modules['keras'] = saved


class _FakeAttributeManager:
  """Stands for h5py 3's AttributeManager: returns what was stored."""

  def __init__(self, values):
    self._values = values

  def __getitem__(self, name):
    return self._values[name]


def test_h5py3_attributes_read_by_legacy_keras_look_like_h5py2(
    tmp_path, monkeypatch):
  state = keras_integration._State  # pylint: disable=protected-access
  monkeypatch.setattr(state, 'keras_dir', str(tmp_path / 'keras') + os.sep)
  fake_h5py = types.SimpleNamespace(AttributeManager=type(
      'AttributeManager', (_FakeAttributeManager,), {}))
  keras_integration._patch_h5py_string_attributes(fake_h5py)  # pylint: disable=protected-access
  attrs = fake_h5py.AttributeManager({
      'keras_version': '2.2.4',
      'layer_names': np.array(['dense_1', 'dropout_1'], dtype=object),
      'weight_names': np.array([]),
      'number': 3})
  # Code of the legacy package (compiled with a file name inside it)...
  legacy_code = compile(
      'result = (attrs["keras_version"].decode("utf8"), '
      '[n.decode("utf8") for n in attrs["layer_names"]], '
      'bool(attrs["weight_names"]), attrs["number"])',
      str(tmp_path / 'keras' / 'engine' / 'saving.py'), 'exec')
  namespace = {'attrs': attrs}
  exec(legacy_code, namespace)  # pylint: disable=exec-used
  assert namespace['result'] == ('2.2.4', ['dense_1', 'dropout_1'], False, 3)
  # ... gets h5py 2's values; anyone else gets h5py 3's.
  assert type(attrs['keras_version']) is str  # pylint: disable=unidiomatic-typecheck
  assert attrs['layer_names'].dtype == object
  with pytest.raises(ValueError):
    bool(attrs['weight_names'])


def test_legacy_yaml_load_defaults_to_pyyaml3_loader():
  calls = []
  fake_yaml = types.SimpleNamespace(
      Loader='full loader', load=lambda s, Loader: calls.append(Loader),
      dump=len)
  legacy = keras_integration._LegacyYaml(fake_yaml)  # pylint: disable=protected-access
  legacy.load('a: 1')
  legacy.load('a: 1', Loader='safe')
  assert calls == ['full loader', 'safe']
  assert legacy.dump is len


# --- import orders and the real interpreter, in subprocesses -------------

# A stand-in for legacy Keras 2.2 (not its code): the parts that matter.
_FAKE_KERAS = {
    'keras/__init__.py': """
        __version__ = '2.2.4'
        from . import backend
        from . import callbacks
        from . import optimizers
        """,
    'keras/backend/common.py': """
        _FLOATX = 'float32'
        _EPSILON = 1e-7

        def floatx():
            return _FLOATX

        def set_floatx(value):
            global _FLOATX
            _FLOATX = str(value)

        def epsilon():
            return _EPSILON
        """,
    'keras/backend/__init__.py': """
        import importlib
        import os
        import sys
        from .common import floatx, set_floatx, epsilon

        _BACKEND = os.environ.get('KERAS_BACKEND', 'tensorflow')
        _module = importlib.import_module(_BACKEND)
        for _entry in ('placeholder', 'variable', 'function'):
            if _entry not in _module.__dict__:
                raise ValueError('Invalid backend. Missing required entry : '
                                 + _entry)
        for _name, _value in list(_module.__dict__.items()):
            if _name not in globals():
                globals()[_name] = _value
        sys.stderr.write('Using ' + _BACKEND + ' backend.\\n')

        def backend():
            return _BACKEND
        """,
    'keras/callbacks.py': """
        import inspect
        from collections import Iterable
        import numpy as np
        BEST = np.Inf
        SPEC = inspect.getargspec(lambda a, b=1: None)
        """,
    'keras/optimizers.py': """
        from . import backend as K
        if K.backend() == 'tensorflow':
            import tensorflow as tf

        def get(identifier):
            if K.backend() == 'tensorflow':
                if isinstance(identifier, tf.train.Optimizer):
                    return 'wrapped'
            return identifier
        """,
}

_PROBE = """
import json, sys
{first}
import keras
import tensorflow
import tf_kbackend
import numpy as np
from keras import backend as K
from keras.backend import tensorflow_backend as KTF
K.set_floatx('float64')
floatx_shared = tf_kbackend.floatx()
tf_kbackend.set_floatx('float16')
x = K.placeholder(shape=(None, 2))
f = K.function([x], [K.sum(x * 2.0)])
print(json.dumps({{
    'backend': K.backend(),
    'floatx_shared': floatx_shared,
    'floatx_back': K.floatx(),
    'common_floatx': K.common._FLOATX,
    'ktf_gpus_is_list': isinstance(KTF._get_available_gpus(), list),
    'ktf_set_session': KTF.set_session is tf_kbackend.set_session,
    'k_tf': getattr(K, 'tf', None) is tensorflow,
    'optimizer_get': keras.optimizers.get('sgd'),
    'tf1_optimizer': keras.optimizers.get(
        tensorflow.compat.v1.train.GradientDescentOptimizer(0.1))
        if K.backend() == 'tensorflow' else None,
    'function': float(f([np.ones((3, 2))])[0]),
    'np_float_is_float': np.float is float,
}}))
"""

_ORDERS = {
    'keras_first': ('', {'TF_KBACKEND_REPORT_AS': 'tensorflow'}),
    'tensorflow_first': ('import tensorflow', {}),  # keras.json switch
    'tf_kbackend_first': ('import tf_kbackend',
                          {'TF_KBACKEND_REPORT_AS': 'tensorflow'}),
    'module_name': ('', {'TF_KBACKEND_REPORT_AS': 'module'}),
}

_STANDIN_SCRIPT = """
import sys
import numpy as np
from keras import backend as K
import keras.backend.tensorflow_backend as KTF
x = K.placeholder(shape=(None, 3))
w = K.variable(np.ones((3, 1)))
loss = K.mean(K.square(K.dot(x, w) - 1.0))
step = K.function([x], [loss], updates=[
    K.update_sub(w, 0.1 * K.gradients(loss, [w])[0])])
losses = [float(step([np.ones((4, 3))])[0]) for _ in range(3)]
try:
    import keras.layers
    refused = ''
except ModuleNotFoundError as e:
    refused = str(e)
n = K.shape(x)[0]
_, total = K.control_flow_ops.while_loop(
    lambda i, s: i < n, lambda i, s: (i + 1, s + K.sum(x[i])), [0, 0.0])
looped = float(K.function([x], [total])([np.ones((4, 3))])[0])
no_session_yet = K.tensorflow_backend._SESSION is None
session = K.get_session() is K.tensorflow_backend._SESSION and no_session_yet
print(repr((sys.argv, __name__, K.backend(), losses, refused,
            KTF.placeholder is K.placeholder, np.float is float, looped,
            K.tf.__name__, session)))
"""


def _write_tree(root, files):
  for path, text in files.items():
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(textwrap.dedent(text).lstrip())


def _env(tmp_path, pythonpath, extra):
  env = dict(os.environ)
  for name in ('KERAS_BACKEND', 'TF_KBACKEND_REPORT_AS', 'PYTHONPATH'):
    env.pop(name, None)
  keras_home = tmp_path / 'keras_home'
  keras_home.mkdir(exist_ok=True)
  (keras_home / 'keras.json').write_text(json.dumps({
      'backend': 'tf_kbackend', 'floatx': 'float32', 'epsilon': 1e-07,
      'image_data_format': 'channels_last',
      'tf_kbackend_report_as': 'tensorflow'}))
  env.update(KERAS_HOME=str(keras_home), TF_CPP_MIN_LOG_LEVEL='3',
             PYTHONPATH=os.pathsep.join(pythonpath))
  env.update(extra)
  return env


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
  """Starts every subprocess at once; yields their results by name."""
  tmp_path = tmp_path_factory.mktemp('legacy_orders')
  fake = tmp_path / 'fake_site'
  _write_tree(fake, _FAKE_KERAS)
  probe = tmp_path / 'probe_{}.py'
  processes = {}
  for name, (first, extra) in _ORDERS.items():
    script = tmp_path / f'probe_{name}.py'
    script.write_text(_PROBE.format(first=first))
    env = _env(tmp_path, [str(fake), REPO], dict(
        extra, KERAS_BACKEND='tf_kbackend'))
    if name == 'module_name':
      env['KERAS_HOME'] = str(tmp_path / 'plain_home')
    processes[name] = subprocess.Popen(
        [sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, cwd=str(tmp_path))
  del probe
  # The CLI with the legacy stand-in above installed...
  cli_script = tmp_path / 'cli_probe.py'
  cli_script.write_text(_PROBE.format(first=''))
  processes['cli'] = subprocess.Popen(
      [sys.executable, '-m', 'tf_kbackend', 'run', str(cli_script)],
      env=_env(tmp_path, [str(fake), REPO], {}), stdout=subprocess.PIPE,
      stderr=subprocess.PIPE, text=True, cwd=str(tmp_path))
  # ... and without any legacy Keras: the stand-in `keras` package.
  scripts = tmp_path / 'scripts'
  scripts.mkdir()
  (scripts / 'backend_only.py').write_text(_STANDIN_SCRIPT)
  processes['standin'] = subprocess.Popen(
      [sys.executable, '-m', 'tf_kbackend', 'run', '-v',
       'scripts/backend_only.py', 'a', '--flag', '-v'],
      env=_env(tmp_path, [REPO], {}), stdout=subprocess.PIPE,
      stderr=subprocess.PIPE, text=True, cwd=str(tmp_path))
  results = {}
  for name, process in processes.items():
    stdout, stderr = process.communicate(timeout=600)
    results[name] = (process.returncode, stdout, stderr)
  return results


def _probe_result(runs, name):
  returncode, stdout, stderr = runs[name]
  assert returncode == 0, f'{name} failed:\n{stderr[-3000:]}'
  return json.loads(stdout.strip().splitlines()[-1])


@pytest.mark.parametrize('order', ['keras_first', 'tensorflow_first',
                                   'tf_kbackend_first', 'cli'])
def test_legacy_keras_runs_on_tf_kbackend_in_every_import_order(runs, order):
  result = _probe_result(runs, order)
  assert result == {
      'backend': 'tensorflow',
      'floatx_shared': 'float64',  # keras.backend.set_floatx reached us...
      'floatx_back': 'float16',  # ... and ours reached Keras,
      'common_floatx': 'float16',  # its common module included.
      'ktf_gpus_is_list': True,
      'ktf_set_session': True,
      'k_tf': True,
      'optimizer_get': 'sgd',
      'tf1_optimizer': 'wrapped',
      'function': 12.0,
      'np_float_is_float': True,
  }


def test_without_the_switch_keras_reports_the_module_name(runs):
  result = _probe_result(runs, 'module_name')
  assert result['backend'] == 'tf_kbackend'
  assert result['optimizer_get'] == 'sgd' and result['function'] == 12.0


def test_cli_runs_backend_only_script_without_legacy_keras(runs):
  returncode, stdout, stderr = runs['standin']
  assert returncode == 0, stderr[-3000:]
  (argv, name, backend, losses, refused, same, np_float, looped, tf_name,
   session) = eval(stdout.strip().splitlines()[-1])  # pylint: disable=eval-used
  assert argv == ['scripts/backend_only.py', 'a', '--flag', '-v']
  assert name == '__main__' and backend == 'tensorflow'
  np.testing.assert_allclose(losses, [4.0, 0.64, 0.1024], rtol=1e-5)
  assert "No module named 'keras.layers'" in refused
  assert 'tf-kbackend install-keras' in refused
  assert same and np_float
  # What Keras 2.2's K re-exported from its TensorFlow backend module.
  assert looped == 12.0 and tf_name == 'tensorflow' and session
  assert 'stand-in' in stderr  # -v before the script is run's own option.


# --- what legacy Keras needs from the bridge -----------------------------


def test_variable_names_are_unique_in_the_keras_graph_as_in_tf1():
  # Keras 2.2.4's optimizers create unnamed variables under one name scope
  # and save them as HDF5 datasets named after them.
  import tf_kbackend.tf_backend as K  # pylint: disable=g-import-not-at-top
  names = [K.variable(0.0).name, K.variable(0.0).name]
  with K.name_scope('training'):
    names += [K.zeros((2,)).name, K.zeros((2,)).name,
              K.variable(1.0, name='iterations').name]
  names.append(K.variable(0.0, name='Variable_1').name)
  assert names == ['Variable:0', 'Variable_1:0', 'training/Variable:0',
                   'training/Variable_1:0', 'training/iterations:0',
                   'Variable_1_1:0']
  K.clear_session()
  assert K.variable(0.0).name == 'Variable:0'


def test_ops_take_lists_of_tensors_and_gather_gradients_as_in_tf1():
  import tf_kbackend.tf_backend as K  # pylint: disable=g-import-not-at-top
  x = K.placeholder(shape=(None, 3, 4))
  # Keras 2.2.4's BatchNormalization: the product of dynamic dimensions.
  size = K.prod([K.shape(x)[axis] for axis in (0, 1)])
  assert K.function([x], [size])([np.zeros((5, 3, 4))])[0] == 15
  # Keras's clipnorm: the squared norm of an Embedding's (gather) gradient.
  w = K.variable(np.ones((4, 2)))
  with K.name_scope('training'):  # As Keras builds its training updates.
    grad = K.gradients(K.sum(K.gather(w, [1, 1, 3])), [w])[0]
    assert isinstance(grad, tf.IndexedSlices)
    norm = K.sum(K.square(grad))
  assert K.function([], [norm])([])[0] == 10.0  # rows 1 (x2) and 3 (x1)
  assert float(K.prod([K.constant(2.0), K.constant(3.0)])) == 6.0
