"""The Python examples in README.md and docs/getting_started.md run."""

import os
import re

import pytest

import tf_kbackend.tf_backend as K

ROOT = os.path.join(os.path.dirname(__file__), '..')


def _python_blocks(path):
  with open(os.path.join(ROOT, path)) as f:
    return re.findall(r'```python\n(.*?)```', f.read(), re.S)


@pytest.mark.parametrize('path', ['README.md', 'docs/getting_started.md'])
def test_python_blocks_run_in_order(path, capsys):
  blocks = _python_blocks(path)
  assert blocks, f'{path} has no python examples'
  namespace = {}
  for block in blocks:
    exec(compile(block, path, 'exec'), namespace)  # pylint: disable=exec-used
  assert 'Tensor' in capsys.readouterr().out or path == 'README.md'
  K.clear_session()


def test_generated_pages_are_current():
  import subprocess  # pylint: disable=g-import-not-at-top
  import sys  # pylint: disable=g-import-not-at-top
  result = subprocess.run(
      [sys.executable, os.path.join(ROOT, 'tools', 'gen_docs.py'), '--check'],
      capture_output=True, text=True)
  assert result.returncode == 0, result.stdout + result.stderr


def _defined_tests():
  """Test function and class names, and test module names."""
  names = set()
  for folder, _, files in os.walk(os.path.join(ROOT, 'tests')):
    for name in files:
      if name.endswith('.py'):
        names.add(name[:-3])
        with open(os.path.join(folder, name)) as f:
          names.update(re.findall(r'def (test_\w+)', f.read()))
  return names


def test_every_test_named_on_the_deviations_page_exists():
  # legacy_keras.md names legacy Keras' own tests, which the legacy tier
  # downloads at run time; every other area names tests of this repository.
  named = set()
  notes = os.path.join(ROOT, 'docs', 'deviations')
  for name in os.listdir(notes):
    if name.endswith('.md') and name != 'legacy_keras.md':
      with open(os.path.join(notes, name)) as f:
        named.update(re.findall(r'\b(test_\w+)', f.read()))
  assert len(named) > 50
  missing = sorted(n for n in named - _defined_tests()
                   if not n.endswith('_'))  # a glob such as test_numpy_*
  assert not missing, f'deviations.md names tests that do not exist: {missing}'
