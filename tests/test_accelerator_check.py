"""tools/accelerator_check.py: the script a GPU/TPU machine runs."""

import importlib.util
import json
import os

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')


def _script():
  spec = importlib.util.spec_from_file_location(
      'accelerator_check', os.path.join(ROOT, 'tools', 'accelerator_check.py'))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def _has_accelerator():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return bool(tf.config.list_physical_devices('GPU') or
              tf.config.list_physical_devices('TPU'))


def test_detects_devices_and_xla(tmp_path, capsys):
  path = tmp_path / 'summary.json'
  assert _script().main(['--detect-only', '--json', str(path)]) == 0
  summary = json.loads(path.read_text())
  devices = summary['devices']
  assert devices['xla'] is True
  assert '/device:CPU:0' in devices['logical']
  out = capsys.readouterr().out
  if _has_accelerator():
    assert devices['accelerators'] and 'GPU' in out + 'TPU'
  else:
    assert devices['accelerators'] == []
    assert 'CPU figures' in out


@pytest.mark.slow
def test_quick_benchmark_prints_the_ratios(tmp_path, capsys):
  path = tmp_path / 'summary.json'
  assert _script().main(['--quick', '--skip-tests', '--json',
                         str(path)]) == 0
  bench = json.loads(path.read_text())['bench']
  assert set(bench) == {'tiny', 'mlp_fwd', 'mlp_train', 'cnn_train'}
  assert bench['mlp_train']['XLA/K.function'] > 0
  assert 'XLA/K' in capsys.readouterr().out
