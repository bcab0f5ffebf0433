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
