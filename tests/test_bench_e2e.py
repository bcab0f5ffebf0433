"""benchmarks/bench_e2e.py: its statistics, and (slow tier) one real run.

The benchmark itself times nothing in tests; the slow test runs it once,
briefly, to check that the three worlds start, compute the same losses and
that the printed last line is the JSON summary.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'benchmarks')
sys.path.insert(0, BENCHMARKS)

import bench_e2e  # noqa: E402  pylint: disable=g-import-not-at-top
import e2e_workloads  # noqa: E402  pylint: disable=g-import-not-at-top


def test_paired_ratios_divide_within_each_round():
  samples = {'tf_kbackend': [1.0, 2.0, 3.0], 'tf1': [2.0, 2.0, 1.0],
             'tf_keras': [4.0, 1.0, 6.0]}
  ratios = bench_e2e.paired_ratios(samples)
  assert ratios['tf1'] == [0.5, 1.0, 3.0]
  assert ratios['tf_keras'] == [0.25, 2.0, 0.5]
  assert ratios['best'] == [0.5, 2.0, 3.0]  # the faster world per round


def test_a_baseline_world_is_never_the_best():
  samples = {'tf_kbackend': [1.0], 'tf1': [2.0], 'baseline': [0.5]}
  ratios = bench_e2e.paired_ratios(samples)
  assert ratios['baseline'] == [2.0] and ratios['best'] == [0.5]


def test_largest_difference_is_relative_and_flags_mismatches():
  checks = {'tf_kbackend': [2.0, 0.001], 'tf1': [2.002, 0.0012]}
  assert bench_e2e.largest_difference(checks) == pytest.approx(0.001)
  assert bench_e2e.largest_difference(
      {'tf_kbackend': [1.0], 'tf1': [1.0, 2.0]}) == float('inf')


def test_summary_medians_and_ratios():
  samples = {'tf_kbackend': [(1.0, 2.0), (3.0, 2.0), (2.0, 2.0)],
             'tf1': [(2.0, 4.0), (3.0, 4.0), (4.0, 4.0)],
             'tf_keras': [(4.0, 1.0), (6.0, 1.0), (8.0, 1.0)]}
  checks = {w: [1.0] for w in samples}
  result = bench_e2e.summarize('w', 'label', 's', 10.0, samples, checks,
                               checks)
  assert result['median'] == {'tf_kbackend': 20.0, 'tf1': 30.0,
                              'tf_keras': 60.0}
  # Per round: 1/2, 3/3, 2/4 -> median 0.5 (not the ratio of medians).
  assert result['vs']['tf1'] == pytest.approx(0.5)
  assert result['vs_best'] == pytest.approx(0.5)
  assert result['vs_best_range'] == pytest.approx([0.5, 1.0])
  assert result['cpu_vs']['tf_keras'] == 2.0 and result['check_diff'] == 0.0


def test_rounds_rotate_the_order_of_the_worlds():
  worlds = ['a', 'b', 'c']
  orders = [bench_e2e._rotated(worlds, r) for r in range(3)]  # pylint: disable=protected-access
  assert orders == [['a', 'b', 'c'], ['b', 'c', 'a'], ['c', 'a', 'b']]


def test_weights_depend_on_shapes_and_names_only():

  class Weight:

    def __init__(self, name, shape):
      self.name, self.shape = name, shape

  class Layer:

    def __init__(self, *weights):
      self.weights = list(weights)

  class Model:
    layers = [Layer(Weight('dense/kernel:0', (3, 2)),
                    Weight('dense/bias:0', (2,))),
              Layer(Weight('bn/gamma:0', (2,)),
                    Weight('bn/moving_variance:0', (2,)))]

  first = e2e_workloads.weights_like(Model())
  second = e2e_workloads.weights_like(Model())
  for a, b in zip(first, second):
    np.testing.assert_array_equal(a, b)
  kernel, bias, gamma, variance = first
  assert kernel.shape == (3, 2) and np.abs(kernel).max() <= np.sqrt(6 / 5)
  assert np.abs(bias).max() <= 0.05
  assert (gamma > 0.5).all() and (variance > 0.5).all()
  assert all(w.dtype == np.float32 for w in first)


@pytest.mark.slow
def test_one_short_run_of_every_world():
  env = dict(os.environ)
  env.pop('KERAS_BACKEND', None)
  done = subprocess.run(
      [sys.executable, os.path.join(BENCHMARKS, 'bench_e2e.py'), '--rounds',
       '1', '--only', 'mlp_train_on_batch,build_dense50,cold_start'],
      capture_output=True, text=True, env=env, check=False, timeout=900)
  assert done.returncode == 0, done.stderr[-3000:]
  summary = json.loads(done.stdout.strip().splitlines()[-1])
  assert summary['worlds'] == ['tf_kbackend', 'tf1', 'tf_keras']
  assert len(summary['load_average_start']) == 3
  assert [r['workload'] for r in summary['results']] == [
      'mlp_train_on_batch', 'build_dense50', 'cold_start']
  for result in summary['results']:
    # The worlds computed the same losses (float32 kernels).
    assert result['check_diff'] <= bench_e2e.CHECK_TOLERANCE, result
    assert all(v > 0 for v in result['median'].values())
  assert 'vs best' in done.stdout
