"""K.function per-call cost of two checkouts of tf_kbackend, paired.

Timings taken in separate runs on a shared machine drift by 2x with the
load; a ratio of two such runs says nothing. This script starts one
long-lived process per checkout (each builds the K.function workloads of
`bench_function.py`, plus two that feed the learning phase and an update
value of run-time shape), then alternates short batches of calls between
them, round after round, switching which goes first: load changes hit both
alike. It reports the median of the per-round ratios (second / first) and
their interquartile range. A benchmark, not a test:

    python benchmarks/compare_checkouts.py BASE_DIR NEW_DIR [--rounds 60]

where each directory is a checkout (its `tf_kbackend/` is imported, with
the TensorFlow of the running interpreter). `git worktree add /tmp/base
main` makes a checkout of another branch.
"""

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Calls per batch: a few milliseconds each.
WORKLOADS = {'tiny': 100, 'mlp_fwd': 40, 'mlp_train': 20, 'cnn_train': 10,
             'phase_fed': 100, 'update_fed_shape': 100}

_WORKER = r'''
import os, sys, time
os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
sys.path.insert(0, {here!r})
import numpy as np
import bench_function
import tf_kbackend as K
calls = {{w: bench_function.build_k_function(w)
          for w in bench_function.WORKLOADS}}
x = K.placeholder(shape=(None, 8))
v = K.variable(np.zeros((32, 8)))
phased = K.function([x, K.learning_phase()], [K.in_train_phase(x * 2.0, x)])
assign = K.function([x], [K.sum(x)], updates=[(v, x)])
data = np.ones((32, 8), 'float32')
calls['phase_fed'] = lambda: phased([data, 1])
calls['update_fed_shape'] = lambda: assign([data])
for call in calls.values():
  for _ in range(5):
    call()
print('ready', flush=True)
for line in sys.stdin:
  name, count = line.split()
  call, count = calls[name], int(count)
  start = time.perf_counter()
  for _ in range(count):
    call()
  print((time.perf_counter() - start) / count * 1e6, flush=True)
'''


def _start(checkout):
  env = dict(os.environ, PYTHONPATH=os.path.abspath(checkout))
  process = subprocess.Popen(
      [sys.executable, '-c', _WORKER.format(here=HERE)], env=env,
      cwd=checkout, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
      stderr=subprocess.DEVNULL, text=True)
  if process.stdout.readline().strip() != 'ready':
    raise RuntimeError(f'the worker for {checkout} failed to start')
  return process


def _time(process, name):
  process.stdin.write(f'{name} {WORKLOADS[name]}\n')
  process.stdin.flush()
  return float(process.stdout.readline())


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('base')
  parser.add_argument('new')
  parser.add_argument('--rounds', type=int, default=60)
  args = parser.parse_args()
  processes = [_start(args.base), _start(args.new)]
  times = {name: ([], []) for name in WORKLOADS}
  for round_ in range(args.rounds):
    order = (0, 1) if round_ % 2 == 0 else (1, 0)
    for name in WORKLOADS:
      for side in order:
        times[name][side].append(_time(processes[side], name))
  print(f'{args.rounds} paired rounds; median us per call')
  print(f'{"workload":18} {"base":>9} {"new":>9} {"new/base":>9} '
        f'{"IQR of ratios":>18}')
  for name, (base, new) in times.items():
    ratios = [n / b for b, n in zip(base, new)]
    low, _, high = statistics.quantiles(ratios, n=4)
    print(f'{name:18} {statistics.median(base):9.1f} '
          f'{statistics.median(new):9.1f} {statistics.median(ratios):9.3f} '
          f'   [{low:.3f}, {high:.3f}]')
  for process in processes:
    process.stdin.close()
    process.wait()


if __name__ == '__main__':
  main()
