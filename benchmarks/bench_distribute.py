"""Step time of a K.function train step under tf.distribute strategies.

The MLP train step of bench_function.py (784-256-256-10, SGD, softmax
cross-entropy), fed the same batches, timed per step (median after a
warm-up) in separate processes:

- one process, no strategy;
- MirroredStrategy over two logical CPUs of one process;
- MultiWorkerMirroredStrategy with one worker;
- MultiWorkerMirroredStrategy with two local workers over loopback
  (the all-reduce of 0.27M float32 gradients per step through gRPC).

The setups run one after the other, `--rounds` times in turn, so that
machine load drifts affect all alike; the table gives the median over
rounds and the ratio to one process. A benchmark, not a test:

    python benchmarks/bench_distribute.py [--rounds 3] [--steps 30] [--batch 128]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np

SETUPS = ('one process', 'mirrored, 2 logical CPUs', 'multi-worker, 1 worker',
          'multi-worker, 2 workers')


def worker(setup, steps, batch):
  """Runs in a child process; prints 'STEP_MS <median>'."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  strategy = None
  if setup.startswith('multi-worker'):
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
  elif setup.startswith('mirrored'):
    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices('CPU')[0],
        [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])
  import tf_kbackend as K  # pylint: disable=g-import-not-at-top
  rng = np.random.RandomState(0)
  x_data = rng.rand(batch, 784).astype('float32')
  y_data = np.eye(10, dtype='float32')[rng.randint(0, 10, batch)]
  shapes = [(784, 256), (256,), (256, 256), (256,), (256, 10), (10,)]
  initial = [(rng.randn(*s) * 0.05).astype('float32') for s in shapes]

  def build():
    x = K.placeholder(shape=(None, 784))
    y = K.placeholder(shape=(None, 10))
    w1, b1, w2, b2, w3, b3 = params = [K.variable(v) for v in initial]
    h = K.relu(K.dot(K.relu(K.dot(x, w1) + b1), w2) + b2)
    logits = K.dot(h, w3) + b3
    loss = K.mean(tf.nn.softmax_cross_entropy_with_logits(labels=y,
                                                          logits=logits))
    return K.function([x, y], [loss], updates=[
        K.update_sub(p, 0.01 * g)
        for p, g in zip(params, K.gradients(loss, params))])

  if strategy is None:
    step = build()
  else:
    with strategy.scope():
      step = build()
  times = []
  for _ in range(steps + 5):
    start = time.perf_counter()
    step([x_data, y_data])
    times.append(time.perf_counter() - start)
  print(f'STEP_MS {1000 * np.median(times[5:])}', flush=True)


def _free_ports(count):
  sockets = [socket.socket() for _ in range(count)]
  for s in sockets:
    s.bind(('localhost', 0))
  ports = [s.getsockname()[1] for s in sockets]
  for s in sockets:
    s.close()
  return ports


def run_setup(setup, steps, batch):
  """Median step time (ms) of `setup` (of worker 0 for two workers)."""
  command = [sys.executable, __file__, '--worker', setup, '--steps',
             str(steps), '--batch', str(batch)]
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
  env.pop('TF_CONFIG', None)
  count = 2 if setup.endswith('2 workers') else 1
  envs = [env]
  if setup.startswith('multi-worker'):
    cluster = {'worker': [f'localhost:{p}' for p in _free_ports(count)]}
    envs = [dict(env, TF_CONFIG=json.dumps(
        {'cluster': cluster, 'task': {'type': 'worker', 'index': i}}))
            for i in range(count)]
  processes = [subprocess.Popen(command, env=e, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
               for e in envs]
  outputs = []
  for process in processes:
    out, err = process.communicate(timeout=600)
    if process.returncode:
      raise RuntimeError(f'{setup} failed:\n{err[-3000:]}')
    outputs.append(out)
  return float(outputs[0].split('STEP_MS ')[1].split()[0])


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--rounds', type=int, default=3)
  parser.add_argument('--steps', type=int, default=30)
  parser.add_argument('--batch', type=int, default=128)
  parser.add_argument('--worker', help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.worker:
    worker(args.worker, args.steps, args.batch)
    return
  samples = {setup: [] for setup in SETUPS}
  for _ in range(args.rounds):
    for setup in SETUPS:
      samples[setup].append(run_setup(setup, args.steps, args.batch))
  base = float(np.median(samples[SETUPS[0]]))
  print(f'MLP 784-256-256-10 SGD train step, batch {args.batch} (global), '
        f'{args.rounds} rounds of {args.steps} steps; median ms per step')
  for setup in SETUPS:
    median = float(np.median(samples[setup]))
    print(f'{setup:<28} {median:>8.2f} ms  x{median / base:.2f}')


if __name__ == '__main__':
  main()
