"""No dead ends before a legacy script starts.

- `tf-kbackend run` runs the script on tf_kbackend whatever backend
  keras.json or KERAS_BACKEND names, and says so once on stderr
  (`tf_kbackend.legacy.select_backend_for_run`).
- Legacy Keras installed but tf_kbackend not selected: the import error
  points at `tf-kbackend run` (`tf_kbackend_legacy_hint`, started by the
  `.pth` line a wheel install puts in site-packages).

Real subprocesses with their own KERAS_HOME, started together.
(Errors without `run` naming the setting and the fix: tests/test_loader.py.)
"""

import importlib.machinery
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tf_kbackend_legacy_hint as hint
from tests.support import legacy_keras

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_PROBE = '''
import tf_kbackend
from keras import backend as K
print(K.backend(), tf_kbackend.backend())
'''

# name -> (legacy Keras version or None, environment, keras.json backend).
_RUN_SCENARIOS = {
    'json_theano': (None, {}, 'theano'),
    'env_jax_over_json': (None, {'KERAS_BACKEND': 'jax'}, 'theano'),
    'json_torch_keras224': ('2.2.4', {}, 'torch'),
    'json_tensorflow': (None, {}, 'tensorflow'),
}
# More of the same, in the slow tier (each is a TensorFlow start-up).
_SLOW_RUN_SCENARIOS = {
    'env_nonsense': (None, {'KERAS_BACKEND': 'no.such.backend'}, None),
    'env_cntk_keras231': ('2.3.1', {'KERAS_BACKEND': 'cntk'}, 'tensorflow'),
}


def _env(home, version=None, extra=None):
  env = legacy_keras.env_with_legacy_keras(version) if version else dict(
      os.environ)
  for name in ('KERAS_BACKEND', 'TF_KBACKEND_REPORT_AS',
               'TF_KBACKEND_LEGACY_ALIAS'):
    env.pop(name, None)
  env['PYTHONPATH'] = os.pathsep.join(
      [p for p in (env.get('PYTHONPATH'), REPO) if p])
  env['KERAS_HOME'] = str(home)
  env.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
  env.update(extra or {})
  return env


def _run_all(tmp_path_factory, scenarios):
  processes = {}
  for name, (version, extra, configured) in scenarios.items():
    home = tmp_path_factory.mktemp(name)
    if configured is not None:
      (home / 'keras.json').write_text(json.dumps({'backend': configured}))
    script = home / 'probe.py'
    script.write_text(_PROBE)
    processes[name] = (home, subprocess.Popen(
        [sys.executable, '-m', 'tf_kbackend', 'run', str(script)],
        env=_env(home, version, extra), cwd=str(home),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
  outcomes = {}
  for name, (home, process) in processes.items():
    stdout, stderr = process.communicate(timeout=600)
    config = home / 'keras.json'
    outcomes[name] = (process.returncode, stdout, stderr,
                      config.read_text() if config.exists() else None)
  return outcomes


@pytest.fixture(scope='module')
def run_outcomes(tmp_path_factory):
  return _run_all(tmp_path_factory, _RUN_SCENARIOS)


@pytest.fixture(scope='module')
def slow_run_outcomes(tmp_path_factory):
  return _run_all(tmp_path_factory, _SLOW_RUN_SCENARIOS)


def _check_run_outcome(outcomes, scenarios, scenario, where, named):
  returncode, stdout, stderr, config = outcomes[scenario]
  assert returncode == 0, stderr[-3000:]
  assert stdout.split() == ['tensorflow', 'tensorflow']
  notes = [line for line in stderr.splitlines()
           if line.startswith('tf-kbackend run:')]
  assert len(notes) == 1, stderr
  assert where in notes[0] and f'selects the "{named}" backend' in notes[0]
  assert 'running the script on tf_kbackend' in notes[0]
  # The user's keras.json is never rewritten.
  configured = scenarios[scenario][2]
  if configured is not None:
    assert json.loads(config) == {'backend': configured}
  if scenarios[scenario][0]:
    assert 'Using tf_kbackend backend.' in stderr  # Legacy Keras on it.


@pytest.mark.parametrize('scenario,where,named', [
    ('json_theano', '"backend" key of ', 'theano'),
    ('env_jax_over_json', 'the environment variable KERAS_BACKEND=jax',
     'jax'),
    ('json_torch_keras224', '"backend" key of ', 'torch'),
])
def test_run_uses_tf_kbackend_and_says_so_once(run_outcomes, scenario, where,
                                               named):
  _check_run_outcome(run_outcomes, _RUN_SCENARIOS, scenario, where, named)


@pytest.mark.slow
@pytest.mark.parametrize('scenario,where,named', [
    ('env_nonsense',
     'the environment variable KERAS_BACKEND=no.such.backend',
     'no.such.backend'),
    ('env_cntk_keras231', 'the environment variable KERAS_BACKEND=cntk',
     'cntk'),
])
def test_run_uses_tf_kbackend_and_says_so_once_more(slow_run_outcomes,
                                                    scenario, where, named):
  _check_run_outcome(slow_run_outcomes, _SLOW_RUN_SCENARIOS, scenario, where,
                     named)


def test_run_is_silent_when_tf_kbackend_is_configured(run_outcomes):
  returncode, stdout, stderr, _ = run_outcomes['json_tensorflow']
  assert returncode == 0, stderr[-3000:]
  assert stdout.split() == ['tensorflow', 'tensorflow']
  assert 'tf-kbackend run:' not in stderr


# --- the start-up hint -----------------------------------------------------


@pytest.fixture(scope='module')
def built_site(tmp_path_factory):
  """What a wheel install puts in site-packages, from setup.py's build_py."""
  build = tmp_path_factory.mktemp('build_lib')
  result = subprocess.run(
      [sys.executable, 'setup.py', '-q', 'build_py', '--build-lib',
       str(build)], cwd=REPO, capture_output=True, text=True, check=False,
      env=dict(os.environ, TF_KBACKEND_TF_PACKAGE='tensorflow-cpu'))
  assert result.returncode == 0, result.stderr
  return build


def test_the_build_carries_the_pth_line(built_site):
  pth = built_site / 'tf_kbackend_legacy_hint.pth'
  assert pth.read_text().strip() == (
      'import tf_kbackend_legacy_hint; tf_kbackend_legacy_hint.install()')
  assert (built_site / 'tf_kbackend_legacy_hint.py').exists()


# name -> (legacy version, code before `import keras`, environment).
_HINT_SCENARIOS = {
    'keras224_first': ('2.2.4', '', {}),
    'keras224_selected': ('2.2.4', '', {'KERAS_BACKEND': 'tf_kbackend'}),
}
_SLOW_HINT_SCENARIOS = {
    'keras231_tensorflow_first': ('2.3.1', 'import tensorflow', {}),
}


def _hint_all(tmp_path_factory, built_site, scenarios):
  processes = {}
  for name, (version, first, extra) in scenarios.items():
    home = tmp_path_factory.mktemp(name)
    # Python's own .pth processing of the built site-packages directory.
    code = (f'import site; site.addsitedir({str(built_site)!r})\n{first}\n'
            f'import keras\nprint(keras.__version__, keras.backend.backend())')
    env = _env(home, version, extra)
    # Only the built copy of the hint: not the repository's.
    env['PYTHONPATH'] = env['PYTHONPATH'].replace(REPO, '').strip(os.pathsep)
    if extra:
      env['PYTHONPATH'] += os.pathsep + REPO
    processes[name] = subprocess.Popen(
        [sys.executable, '-c', code], env=env, cwd=str(home),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
  return {name: process.communicate(timeout=600) + (process.returncode,)
          for name, process in processes.items()}


@pytest.fixture(scope='module')
def hint_outcomes(tmp_path_factory, built_site):
  return _hint_all(tmp_path_factory, built_site, _HINT_SCENARIOS)


@pytest.fixture(scope='module')
def slow_hint_outcomes(tmp_path_factory, built_site):
  return _hint_all(tmp_path_factory, built_site, _SLOW_HINT_SCENARIOS)


def test_forgetting_to_select_tf_kbackend_points_at_tf_kbackend_run(
    hint_outcomes):
  _check_hint(hint_outcomes['keras224_first'], '2.2.4',
              "ImportError: cannot import name 'Iterable' from 'collections'")


@pytest.mark.slow
def test_the_hint_with_keras_231_and_tensorflow_imported_first(
    slow_hint_outcomes):
  # TensorFlow's start-up swallows the first failure (an ImportError now);
  # the script's own `import keras` fails again, with the hint.
  _check_hint(slow_hint_outcomes['keras231_tensorflow_first'], '2.3.1',
              'RecursionError: ')


def _check_hint(outcome, version, cause):
  _, stderr, returncode = outcome
  assert returncode == 1
  last = stderr.strip().splitlines()[-1]
  assert last.startswith('tf_kbackend_legacy_hint.LegacyKerasImportError: '
                         f'Keras {version} (legacy multi-backend Keras')
  assert cause in last
  assert '`tf-kbackend run script.py [args]`' in last
  assert 'KERAS_BACKEND=tf_kbackend' in last
  assert 'Keras\'s backend is "tensorflow" now' in last


def test_the_hint_leaves_a_selected_tf_kbackend_alone(hint_outcomes):
  stdout, stderr, returncode = hint_outcomes['keras224_selected']
  assert returncode == 0, stderr[-3000:]
  assert stdout.split() == ['2.2.4', 'tf_kbackend']


def test_the_hint_declines_everything_but_legacy_keras(tmp_path):
  finder = hint.LegacyKerasHint()
  assert finder.find_spec('json') is None
  assert finder.find_spec('numpy') is None
  modern = tmp_path / 'modern' / 'keras'
  modern.mkdir(parents=True)
  (modern / '__init__.py').write_text('__version__ = "3.0.0"\n')
  legacy = tmp_path / 'legacy' / 'keras'
  (legacy / 'backend').mkdir(parents=True)
  (legacy / '__init__.py').write_text("__version__ = '2.1.6'\n")
  (legacy / 'backend' / 'theano_backend.py').write_text('')
  for root, expected in ((modern.parent, False), (legacy.parent, True)):
    spec = importlib.machinery.PathFinder.find_spec('keras', [str(root)])
    assert hint._is_legacy_keras(spec) is expected  # pylint: disable=protected-access
  spec = importlib.machinery.PathFinder.find_spec('keras', [str(legacy.parent)])
  message = hint.hint_message(spec, ImportError('boom'))
  assert message.startswith('Keras 2.1.6 (legacy multi-backend Keras')
  assert 'ImportError: boom' in message


# --- TF_KBACKEND_TF1=1 at `import tensorflow`, through the same .pth line ---

_TF1_PROBE = '''
import site, sys
site.addsitedir({site!r})
import tensorflow as tf
print('tf_kbackend' in sys.modules, hasattr(tf, 'ConfigProto'))
if hasattr(tf, 'ConfigProto'):
  config = tf.ConfigProto()
  config.gpu_options.allow_growth = True
  x = tf.placeholder(tf.float32, [None])
  with tf.Session(config=config) as sess:
    print(sess.run(tf.log(x) * 2, feed_dict={{x: [1.0, 2.0]}}).tolist())
'''


def test_tf1_names_at_import_tensorflow_with_the_pth_line(tmp_path,
                                                           built_site):
  # A TF1 script that uses TF1 names before any `import keras`.
  processes = {}
  for value in ('1', None):
    home = tmp_path / f'tf1_{value}'
    home.mkdir()
    env = _env(home)
    env.pop('TF_KBACKEND_TF1', None)
    if value is not None:
      env['TF_KBACKEND_TF1'] = value
    processes[value] = subprocess.Popen(
        [sys.executable, '-c', _TF1_PROBE.format(site=str(built_site))],
        env=env, cwd=str(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
  outcomes = {value: process.communicate(timeout=600) + (process.returncode,)
              for value, process in processes.items()}
  stdout, stderr, returncode = outcomes['1']
  assert returncode == 0, stderr[-3000:]
  lines = stdout.split('\n')
  assert lines[0] == 'True True'
  log2 = float(np.log(np.float32(2.0)) * 2)
  assert np.allclose(json.loads(lines[1]), [0.0, log2], rtol=1e-6)
  # Unset: TensorFlow alone, as without tf_kbackend (nothing imported).
  stdout, stderr, returncode = outcomes[None]
  assert returncode == 0, stderr[-3000:]
  assert stdout.split('\n')[0] == 'False False'


def test_tf1_requested_reads_the_true_words_only():
  for value in ('1', 'true', ' ON ', 'yes'):
    assert hint.tf1_requested({'TF_KBACKEND_TF1': value})
  for value in ('0', 'false', '', 'maybe'):
    assert not hint.tf1_requested({'TF_KBACKEND_TF1': value})
  assert not hint.tf1_requested({})
