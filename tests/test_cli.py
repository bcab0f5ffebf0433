"""`tf-kbackend run` / `python -m tf_kbackend run` (tf_kbackend/cli.py).

In process, with `tf_kbackend.legacy.install` replaced by a recorder (it
changes the interpreter, which tests/test_legacy_shims.py checks in fresh
interpreters, together with the stand-in `keras` package); one subprocess
checks `-m`, the exit status and the entry points.
"""

import ast
import os
import subprocess
import sys

import pytest

from tf_kbackend import cli
from tf_kbackend import legacy

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize('argv, own, script', [
    (['s.py', 'a', '-v'], ['s.py'], ['a', '-v']),
    (['-v', 's.py', '--report-as', 'x'], ['-v', 's.py'],
     ['--report-as', 'x']),
    (['--report-as', 'module', 's.py'], ['--report-as', 'module', 's.py'],
     []),
    (['--no-standin', '-m', 'pkg.mod', '-m', 'y'],
     ['--no-standin', '-m', 'pkg.mod'], ['-m', 'y']),
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
  assert cli.parse_run_arguments(['s.py'])[0].report_as == 'tensorflow'


@pytest.mark.parametrize('argv', [[], ['go'], ['run'], ['run', '--report-as',
                                                        'theano', 's.py']])
def test_usage_errors_exit_2(argv, capsys):
  with pytest.raises(SystemExit) as exit_info:
    cli.main(argv)
  assert exit_info.value.code == 2
  assert 'usage: tf-kbackend' in capsys.readouterr().err


def test_help_describes_run(capsys):
  with pytest.raises(SystemExit) as exit_info:
    cli.main(['run', '--help'])
  assert exit_info.value.code == 0
  out = capsys.readouterr().out
  assert '--report-as' in out and 'legacy Keras' in out


@pytest.fixture
def recorded_install(monkeypatch):
  calls = []
  monkeypatch.setattr(legacy, 'install', lambda **kwargs: calls.append(
      kwargs) or {'recorded': True})
  monkeypatch.setattr(sys, 'argv', list(sys.argv))
  monkeypatch.setattr(sys, 'path', list(sys.path))
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
  assert "tf-kbackend run: {'recorded': True}" in captured.err


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
