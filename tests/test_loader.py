"""The backend loader (tf_kbackend/loader.py): which implementation fills K.

The end-to-end checks run `import tf_kbackend as K` in fresh subprocesses,
each with its own temporary KERAS_HOME (so no user config is read or
written) and environment. They are started all at once by a module-scoped
fixture, since each one that loads TensorFlow takes seconds; the tests then
assert on the outcome of their scenario. Cheaper checks call
`loader.resolve` in this process, where both implementations are already
imported.
"""

import json
import os
import subprocess
import sys
import textwrap
import types

import pytest

from tf_kbackend import loader
import tf_kbackend.numpy_backend as KNP
import tf_kbackend.tf_backend as KTF

# Imports tf_kbackend and prints what the tests need as JSON.
_PROBE = textwrap.dedent("""
    import json, sys, warnings
    result = {}
    with warnings.catch_warnings(record=True) as caught:
      warnings.simplefilter('always')
      try:
        import tf_kbackend as K
      except Exception as e:
        result['error'] = [type(e).__name__, str(e),
                           [c.__name__ for c in type(e).__mro__]]
      else:
        result['backend'] = K.backend()
        result['placeholder_module'] = K.placeholder.__module__
        result['function_module'] = K.function.__module__
        result['num_names'] = len(K.__all__)
        result['extra'] = getattr(K, 'extra', None)
    result['warnings'] = [str(w.message) for w in caught]
    result['tensorflow_imported'] = 'tensorflow' in sys.modules
    print(json.dumps(result))
""")

_VALID_EXTERNAL = textwrap.dedent("""
    '''A minimal external backend, as legacy Keras allowed.'''
    def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
      return ('placeholder', shape)
    def variable(value, dtype=None, name=None, constraint=None):
      return value
    def function(inputs, outputs, updates=None, **kwargs):
      return lambda values: values
    extra = 'from my_external_backend'
""")

_INVALID_EXTERNAL = textwrap.dedent("""
    '''An external backend that lacks two of the required entries.'''
    def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
      return None
""")

# name -> (environment changes, keras.json content or None).
_SCENARIOS = {
    'default': ({}, None),
    'env_numpy': ({'KERAS_BACKEND': 'numpy'}, None),
    'json_numpy': ({}, {'backend': 'numpy'}),
    'env_overrides_json': ({'KERAS_BACKEND': 'numpy'}, {'backend': 'theano'}),
    'env_tf_kbackend': ({'KERAS_BACKEND': 'tf_kbackend'}, None),
    'external_valid': ({'KERAS_BACKEND': 'my_external_backend'}, None),
    'external_invalid': ({'KERAS_BACKEND': 'my_invalid_backend'}, None),
    'external_missing': ({'KERAS_BACKEND': 'no_such_backend_module_xyz'},
                         None),
    'theano': ({'KERAS_BACKEND': 'theano'}, None),
    'cntk_json': ({}, {'backend': 'cntk'}),
    'theano_alias': ({'KERAS_BACKEND': 'theano',
                      'TF_KBACKEND_LEGACY_ALIAS': '1'}, None),
    'cntk_alias_off': ({'KERAS_BACKEND': 'cntk',
                        'TF_KBACKEND_LEGACY_ALIAS': '0'}, None),
    'jax_env': ({'KERAS_BACKEND': 'jax'}, None),
}


@pytest.fixture(scope='module')
def outcomes(tmp_path_factory):
  """Runs every scenario in its own subprocess, concurrently."""
  modules = tmp_path_factory.mktemp('external_backends')
  (modules / 'my_external_backend.py').write_text(_VALID_EXTERNAL)
  (modules / 'my_invalid_backend.py').write_text(_INVALID_EXTERNAL)
  processes = {}
  for name, (env_changes, keras_json) in _SCENARIOS.items():
    home = tmp_path_factory.mktemp(f'keras_home_{name}')
    if keras_json is not None:
      (home / 'keras.json').write_text(json.dumps(keras_json))
    env = {k: v for k, v in os.environ.items()
           if k not in ('KERAS_BACKEND', 'TF_KBACKEND_LEGACY_ALIAS')}
    env.update(env_changes)
    env['KERAS_HOME'] = str(home)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(modules)] + [p for p in sys.path if p])
    env.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    processes[name] = subprocess.Popen(
        [sys.executable, '-c', _PROBE], env=env, cwd=str(home),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
  results = {}
  for name, process in processes.items():
    stdout, stderr = process.communicate(timeout=300)
    if process.returncode != 0:
      raise AssertionError(f'Scenario {name} crashed:\n{stderr}')
    results[name] = json.loads(stdout.strip().splitlines()[-1])
  return results


def test_default_is_the_tensorflow_implementation(outcomes):
  result = outcomes['default']
  assert result['backend'] == 'tensorflow'
  assert result['placeholder_module'].startswith('tf_kbackend.tf_backend')
  assert result['num_names'] >= 166
  assert result['tensorflow_imported']
  assert result['warnings'] == []


@pytest.mark.parametrize('scenario', ['env_numpy', 'json_numpy'])
def test_numpy_selected_by_env_or_keras_json(outcomes, scenario):
  result = outcomes[scenario]
  assert result['backend'] == 'numpy'
  assert result['placeholder_module'].startswith('tf_kbackend.numpy_backend')
  assert result['num_names'] >= 166
  assert not result['tensorflow_imported']


def test_env_overrides_keras_json(outcomes):
  # keras.json names theano (which would fail); KERAS_BACKEND wins.
  result = outcomes['env_overrides_json']
  assert 'error' not in result, result
  assert result['backend'] == 'numpy'


def test_tf_kbackend_name_selects_the_tensorflow_implementation(outcomes):
  result = outcomes['env_tf_kbackend']
  assert result['backend'] == 'tensorflow'
  assert result['function_module'].startswith('tf_kbackend.tf_backend')


def test_valid_external_backend_is_loaded(outcomes):
  result = outcomes['external_valid']
  assert result['backend'] == 'my_external_backend'
  assert result['placeholder_module'] == 'my_external_backend'
  assert result['extra'] == 'from my_external_backend'
  assert not result['tensorflow_imported']


def test_invalid_external_backend_lists_all_missing_entries(outcomes):
  name, message, mro = outcomes['external_invalid']['error']
  assert name == 'BackendError'
  assert 'ImportError' in mro
  assert 'my_invalid_backend' in message
  assert 'Missing required entries: variable, function.' in message


def test_unimportable_external_backend(outcomes):
  name, message, _ = outcomes['external_missing']['error']
  assert name == 'BackendError'
  assert 'no_such_backend_module_xyz' in message
  assert 'does not import' in message
  # The message names where the name came from, and the fix.
  assert 'the environment variable KERAS_BACKEND=no_such_backend_module_xyz' in (
      message)
  assert '`tf-kbackend run script.py`' in message
  assert 'KERAS_BACKEND=tensorflow' in message


def test_a_keras3_backend_name_is_explained(outcomes):
  name, message, _ = outcomes['jax_env']['error']
  assert name == 'BackendError'
  assert 'named by the environment variable KERAS_BACKEND=jax' in message
  assert '"jax" is a backend of Keras 3' in message
  assert '`tf-kbackend run script.py`' in message


@pytest.mark.parametrize('scenario,backend', [('theano', 'theano'),
                                              ('cntk_json', 'cntk'),
                                              ('cntk_alias_off', 'cntk')])
def test_theano_and_cntk_give_a_clear_error(outcomes, scenario, backend):
  result = outcomes[scenario]
  name, message, _ = result['error']
  assert name == 'BackendError'
  assert f'The "{backend}" backend, named by ' in message
  assert f'is not available: {backend} does not install' in message
  if scenario == 'cntk_json':
    assert '"backend" key of ' in message and 'keras.json' in message
  else:
    assert f'the environment variable KERAS_BACKEND={backend}' in message
  assert '`tf-kbackend run script.py`' in message
  assert 'KERAS_BACKEND=tensorflow' in message
  assert 'TF_KBACKEND_LEGACY_ALIAS=1' in message
  assert not result['tensorflow_imported']


def test_legacy_alias_loads_tensorflow_with_a_warning(outcomes):
  result = outcomes['theano_alias']
  assert result['backend'] == 'tensorflow'
  assert result['placeholder_module'].startswith('tf_kbackend.tf_backend')
  assert any('"theano"' in w and 'TF_KBACKEND_LEGACY_ALIAS' in w
             for w in result['warnings']), result['warnings']


class TestResolveInProcess:
  """`loader.resolve` and its helpers, without a subprocess."""

  @pytest.mark.parametrize('name,module,backend', [
      ('tensorflow', KTF, 'tensorflow'),
      ('tf_kbackend', KTF, 'tensorflow'),
      ('tf_kbackend.tf_backend', KTF, 'tensorflow'),
      ('numpy', KNP, 'numpy'),
      ('tf_kbackend.numpy_backend', KNP, 'numpy'),
  ])
  def test_builtin_names(self, name, module, backend):
    assert loader.resolve(name) == (module, backend)

  @pytest.mark.parametrize('name', ['theano', 'cntk'])
  def test_unavailable_without_alias(self, name, monkeypatch):
    monkeypatch.delenv(loader.LEGACY_ALIAS_ENV, raising=False)
    with pytest.raises(loader.BackendError,
                       match=f'"{name}" backend, named by .* is not available'):
      loader.resolve(name)

  @pytest.mark.parametrize('name', ['theano', 'cntk'])
  def test_alias(self, name, monkeypatch):
    monkeypatch.setenv(loader.LEGACY_ALIAS_ENV, '1')
    with pytest.warns(UserWarning, match=f'asks for the "{name}" backend'):
      assert loader.resolve(name) == (KTF, 'tensorflow')

  def test_external_module_object(self, monkeypatch):
    module = types.ModuleType('fake_backend_for_test')
    module.placeholder = module.variable = module.function = object()
    monkeypatch.setitem(sys.modules, 'fake_backend_for_test', module)
    assert loader.resolve('fake_backend_for_test') == (
        module, 'fake_backend_for_test')

  def test_validation_lists_every_missing_entry(self):
    with pytest.raises(loader.BackendError) as info:
      loader.validate_backend_module(types.SimpleNamespace(), 'empty')
    assert str(info.value) == (
        'Invalid backend "empty". Missing required entries: placeholder, '
        'variable, function.')

  def test_public_names(self):
    module = types.ModuleType('m')
    module.a, module._b = 1, 2
    assert loader.public_names(module) == ['a']
    module.__all__ = ['_b']
    assert loader.public_names(module) == ['_b']
