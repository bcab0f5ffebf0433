"""The `tf-kbackend` command (tf_kbackend_cli): parsing, start-up, `run`.

In process, with `tf_kbackend.legacy.install` replaced by a recorder (it
changes the interpreter, which tests/test_legacy_shims.py checks in fresh
interpreters, together with the stand-in `keras` package); subprocesses
check what the command imports, `-m`, the exit status and the entry
points, and `run` with the real Keras 2.2.4 of `install-keras`.
"""

import ast
import json
import os
import subprocess
import sys
import time

import pytest

from tf_kbackend import legacy
from tf_kbackend_cli import app as cli
from tf_kbackend_cli import datadir
from tf_kbackend_cli import version as version_lib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize('argv, own, script', [
    (['s.py', 'a', '-v'], ['s.py'], ['a', '-v']),
    (['-v', 's.py', '--report-as', 'x'], ['-v', 's.py'],
     ['--report-as', 'x']),
    (['--report-as', 'module', 's.py'], ['--report-as', 'module', 's.py'],
     []),
    (['--no-standin', '-m', 'pkg.mod', '-m', 'y'],
     ['--no-standin', '-m', 'pkg.mod'], ['-m', 'y']),
    (['--keras', '2.3.1', '--data-dir', 'd', 's.py', '--keras', 'x'],
     ['--keras', '2.3.1', '--data-dir', 'd', 's.py'], ['--keras', 'x']),
])
def test_options_after_the_script_belong_to_the_script(argv, own, script):
  assert cli._split_argv(argv) == (own, script)  # pylint: disable=protected-access


def test_parse_run_arguments():
  options, argv = cli.parse_run_arguments(['--report-as', 'module', 's.py',
                                           'x'])
  assert (options.report_as, options.target, argv) == ('module', 's.py',
                                                       ['s.py', 'x'])
  options, argv = cli.parse_run_arguments(['-m', 'mod', 'x'])
  assert (options.module, argv) == ('mod', ['mod', 'x'])
  options = cli.parse_run_arguments(['s.py'])[0]
  assert (options.report_as, options.keras, options.data_dir) == (
      'tensorflow', None, None)


@pytest.mark.parametrize('argv', [['go'], ['run'], ['run', '--report-as',
                                                     'theano', 's.py'],
                                  ['install-keras', '1.2.3'],
                                  ['check'], ['check', '--format', 'xml',
                                              'x.py']])
def test_usage_errors_exit_2(argv, capsys):
  with pytest.raises(SystemExit) as exit_info:
    cli.main(argv)
  assert exit_info.value.code == 2
  assert 'usage: tf-kbackend' in capsys.readouterr().err


def test_no_arguments_prints_the_help(capsys):
  assert cli.main([]) == 2
  out = capsys.readouterr().out
  for command in ('run', 'install-keras', 'check', 'export', 'info'):
    assert f'    {command}' in out


def test_version(capsys):
  with pytest.raises(SystemExit) as exit_info:
    cli.main(['--version'])
  assert exit_info.value.code == 0
  import tf_kbackend  # pylint: disable=g-import-not-at-top
  assert capsys.readouterr().out == f'tf-kbackend {tf_kbackend.__version__}\n'
  assert version_lib.version() == tf_kbackend.__version__


def test_help_describes_run(capsys):
  with pytest.raises(SystemExit) as exit_info:
    cli.main(['run', '--help'])
  assert exit_info.value.code == 0
  out = capsys.readouterr().out
  assert '--report-as' in out and 'legacy Keras' in out and '--keras' in out


_PROBE = '''
import sys
from tf_kbackend_cli import app
status = None
try:
  status = app.main({argv!r})
except SystemExit as e:
  status = e.code
heavy = sorted(m for m in sys.modules
               if m.split('.')[0] in ('tensorflow', 'tf_kbackend', 'keras'))
print('RESULT', repr((status, heavy)))
'''


@pytest.mark.parametrize('argv, status', [
    (['--help'], 0), (['--version'], 0), ([], 2), (['nope'], 2),
    (['run', '--help'], 0), (['run'], 2), (['export', '--help'], 0),
    (['install-keras', '--help'], 0), (['info', '--help'], 0),
    (['check', os.path.join(REPO, 'examples')], 0),
])
def test_parsing_help_and_usage_errors_import_no_tensorflow(argv, status):
  result = subprocess.run(
      [sys.executable, '-c', _PROBE.format(argv=argv)], cwd=REPO,
      capture_output=True, text=True, timeout=120, check=False)
  line = [x for x in result.stdout.splitlines() if x.startswith('RESULT')]
  assert line, result.stdout + result.stderr
  assert ast.literal_eval(line[0][len('RESULT '):]) == (status, [])


def _command():
  script = os.path.join(os.path.dirname(sys.executable), 'tf-kbackend')
  if os.path.exists(script):
    return [script]
  return [sys.executable, '-m', 'tf_kbackend_cli']


def test_help_answers_in_under_a_second():
  # Loose: a bare Python start takes ~0.05 s; TensorFlow's import 5-20 s.
  # The median of 3 runs, so that one hiccup of a busy machine does not
  # fail it (benchmarks/bench_cli.py measures it properly).
  times = []
  for _ in range(3):
    start = time.perf_counter()
    result = subprocess.run(_command() + ['--help'], capture_output=True,
                            text=True, timeout=60, check=False)
    times.append(time.perf_counter() - start)
    assert result.returncode == 0 and 'install-keras' in result.stdout
  assert sorted(times)[1] < 1.0, times


@pytest.fixture
def recorded_install(monkeypatch):
  calls = []
  monkeypatch.setattr(legacy, 'install', lambda **kwargs: calls.append(
      kwargs) or {'recorded': True})
  monkeypatch.setattr(sys, 'argv', list(sys.argv))
  monkeypatch.setattr(sys, 'path', list(sys.path))
  monkeypatch.setenv('PYTHONPATH', 'elsewhere')
  return calls


def test_missing_script_exits_2_before_changing_anything(recorded_install,
                                                         capsys):
  assert cli.main(['run', 'no_such_script.py']) == 2
  assert "cannot open file 'no_such_script.py'" in capsys.readouterr().err
  assert recorded_install == []


def test_runs_the_script_as_main_with_its_argv(recorded_install, tmp_path,
                                               capsys):
  script = tmp_path / 'legacy_script.py'
  script.write_text(
      'import sys\n'
      'print(repr((__name__, sys.argv, sys.path[0])))\n')
  assert cli.main(['run', '--report-as', 'module', '--no-standin', '-v',
                   str(script), 'a', '--no-standin']) == 0
  captured = capsys.readouterr()
  assert ast.literal_eval(captured.out.strip()) == (
      '__main__', [str(script), 'a', '--no-standin'], str(tmp_path))
  assert recorded_install == [{'report_as_tensorflow': False,
                               'keras_standin': False}]
  assert ("tf-kbackend run: {'recorded': True, 'side_directory': 'none "
          "installed by install-keras'}") in captured.err
  assert os.environ['PYTHONPATH'] == 'elsewhere'


def _fake_installation(data, version):
  """A directory `datadir` takes for a complete installation (no Keras)."""
  directory = datadir.keras_dir(version, str(data))
  os.makedirs(directory)
  with open(os.path.join(directory, datadir.MANIFEST), 'w') as f:
    json.dump({'keras': version}, f)
  return directory


def test_run_puts_the_installed_keras_after_the_script_directory(
    recorded_install, tmp_path, capsys):
  data = tmp_path / 'data'
  first = _fake_installation(data, '2.2.4')
  second = _fake_installation(data, '2.3.1')
  datadir.select('2.2.4', str(data))
  script = tmp_path / 'probe.py'
  script.write_text('import os, sys\n'
                    'print(repr((sys.path[:2], os.environ["PYTHONPATH"])))\n')
  assert cli.main(['run', '--data-dir', str(data), '-v', str(script)]) == 0
  captured = capsys.readouterr()
  assert ast.literal_eval(captured.out.strip()) == (
      [str(tmp_path), first], first + os.pathsep + 'elsewhere')
  assert f'legacy Keras 2.2.4 from {first} (installed by install-keras)' in (
      captured.err)
  # --keras picks another; the environment variable too.
  assert cli.main(['run', '--data-dir', str(data), '--keras', '2.3.1',
                   str(script)]) == 0
  assert ast.literal_eval(capsys.readouterr().out.strip())[0] == [
      str(tmp_path), second]


def test_run_refuses_a_keras_that_is_not_installed(recorded_install, tmp_path,
                                                   capsys, monkeypatch):
  script = tmp_path / 'probe.py'
  script.write_text('')
  monkeypatch.setenv(datadir.KERAS_ENV, '2.3.1')
  assert cli.main(['run', '--data-dir', str(tmp_path), str(script)]) == 2
  err = capsys.readouterr().err
  assert 'Legacy Keras 2.3.1 ($TF_KBACKEND_KERAS) is not installed' in err
  assert 'tf-kbackend install-keras 2.3.1' in err
  assert recorded_install == []
  assert cli.main(['run', '--keras', 'none', str(script)]) == 0


def test_entry_points_run_modules_and_propagate_the_exit_status(tmp_path):
  (tmp_path / 'probe_module.py').write_text(
      'import sys\n'
      'print(repr((__name__, sys.argv[1:], sys.path[0])))\n'
      'sys.exit(3)\n')
  env = dict(os.environ, PYTHONPATH=REPO, KERAS_HOME=str(tmp_path),
             TF_CPP_MIN_LOG_LEVEL='3')
  env.pop('KERAS_BACKEND', None)
  result = subprocess.run(
      [sys.executable, '-m', 'tf_kbackend', 'run', '--no-standin', '-m',
       'probe_module', 'x', '-v'], cwd=str(tmp_path), env=env,
      capture_output=True, text=True, timeout=600, check=False)
  assert result.returncode == 3, result.stderr[-2000:]
  assert ast.literal_eval(result.stdout.strip()) == (
      '__main__', ['x', '-v'], str(tmp_path))


_LEGACY_PROBE = '''
import sys
import numpy as np
import keras
from keras.layers import Dense
from keras.models import Sequential
model = Sequential([Dense(2, input_shape=(3,), kernel_initializer='ones')])
print(repr((keras.__version__, keras.backend.backend(),
            model.predict(np.ones((1, 3))).tolist())))
'''


@pytest.mark.parametrize('entry', ['console script', 'python -m tf_kbackend'])
def test_run_uses_the_keras_of_install_keras(entry, legacy_keras_env,
                                             tmp_path):
  # The real Keras 2.2.4, selected as a user's environment selects it; not
  # on PYTHONPATH, so only `run` can have put it on the path. Through
  # `python -m tf_kbackend`, TensorFlow (and its Keras 3) is imported
  # before `run` starts: Keras 3 must give way.
  env = dict(legacy_keras_env, KERAS_HOME=str(tmp_path))
  env.pop('PYTHONPATH')
  (tmp_path / 'probe.py').write_text(_LEGACY_PROBE)
  command = (_command() if entry == 'console script' else
             [sys.executable, '-m', 'tf_kbackend'])
  result = subprocess.run(command + ['run', 'probe.py'], cwd=str(tmp_path),
                          env=env, capture_output=True, text=True,
                          timeout=600, check=False)
  assert result.returncode == 0, result.stderr[-3000:]
  assert ast.literal_eval(result.stdout.strip().splitlines()[-1]) == (
      '2.2.4', 'tensorflow', [[3.0, 3.0]])
