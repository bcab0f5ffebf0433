"""Per-call cost of K.function vs a hand-written tf.function vs TF1 Session.run.

Workloads (the same computation on every path, numpy in, numpy out):

- tiny:      x * 2 + 1 on a (32, 8) input;
- mlp_fwd:   784-256-256-10 MLP forward pass, batch 128;
- mlp_train: the same MLP, one SGD step on softmax cross-entropy;
- cnn_train: a small convnet (2 conv + pool, dense), one SGD step, batch 64.

Paths:

- K.function: tf_kbackend, built TF1-style (placeholders, K.gradients,
  update ops);
- tf.function: hand-written TF2 (`tf.function` with an input signature, a
  `GradientTape` for training, `assign_sub` updates);
- Session.run: TF1 graph mode (`tf.compat.v1.disable_eager_execution()`),
  in a child process kept alive for the whole run;
- K.function + XLA (train workloads only): the same K.function built with
  `jit_compile=True`, timed in the same repeats right after the other
  paths; its table gives the paired ratio (per repeat, XLA time over the
  K.function time of that repeat; median over repeats).

Repeats are interleaved (each repeat times every path in turn) so machine
load affects all paths alike; the table reports the median per-call time
over repeats and the ratios. This is a benchmark, not a test:

    python benchmarks/bench_function.py [--repeats 7] [--calls 200]
"""

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')

import numpy as np  # noqa: E402

WORKLOADS = ('tiny', 'mlp_fwd', 'mlp_train', 'cnn_train')
XLA_WORKLOADS = ('mlp_train', 'cnn_train')
LEARNING_RATE = 0.01


def make_data(workload):
  """Inputs and (for training) one-hot labels, identical on every path."""
  rng = np.random.RandomState(0)
  if workload == 'tiny':
    return [rng.rand(32, 8).astype('float32')]
  if workload.startswith('mlp'):
    x = rng.rand(128, 784).astype('float32')
  else:
    x = rng.rand(64, 28, 28, 1).astype('float32')
  y = np.eye(10, dtype='float32')[rng.randint(0, 10, len(x))]
  return [x] if workload == 'mlp_fwd' else [x, y]


def make_weights(workload):
  rng = np.random.RandomState(1)
  if workload == 'tiny':
    return []
  if workload.startswith('mlp'):
    shapes = [(784, 256), (256,), (256, 256), (256,), (256, 10), (10,)]
  else:
    shapes = [(3, 3, 1, 16), (16,), (3, 3, 16, 32), (32,), (5 * 5 * 32, 10),
              (10,)]
  return [(rng.randn(*s) * 0.05).astype('float32') for s in shapes]


# --- The model, written once against a namespace of ops -------------------


def forward(ops, workload, x, weights):
  """Logits (or the tiny op) with ops in {dot, relu, conv, pool, flatten}."""
  if workload == 'tiny':
    return x * 2.0 + 1.0
  if workload.startswith('mlp'):
    w1, b1, w2, b2, w3, b3 = weights
    h = ops.relu(ops.dot(x, w1) + b1)
    h = ops.relu(ops.dot(h, w2) + b2)
    return ops.dot(h, w3) + b3
  k1, c1, k2, c2, w, b = weights
  h = ops.pool(ops.relu(ops.conv(x, k1) + c1))
  h = ops.pool(ops.relu(ops.conv(h, k2) + c2))
  return ops.dot(ops.flatten(h), w) + b


class _TFOps:
  """Raw TensorFlow ops, for the tf.function and Session.run paths."""

  def __init__(self, tf):
    self.tf = tf

  def dot(self, a, b):
    return self.tf.matmul(a, b)

  def relu(self, a):
    return self.tf.nn.relu(a)

  def conv(self, a, k):
    return self.tf.nn.conv2d(a, k, strides=1, padding='VALID')

  def pool(self, a):
    return self.tf.nn.max_pool2d(a, 2, 2, 'VALID')

  def flatten(self, a):
    return self.tf.reshape(a, (-1, int(np.prod(a.shape[1:]))))


class _KOps:
  """The legacy backend API, for the K.function path."""

  def __init__(self, K):
    self.K = K

  def dot(self, a, b):
    return self.K.dot(a, b)

  def relu(self, a):
    return self.K.relu(a)

  def conv(self, a, k):
    return self.K.conv2d(a, k, padding='valid')

  def pool(self, a):
    return self.K.pool2d(a, (2, 2), strides=(2, 2))

  def flatten(self, a):
    return self.K.batch_flatten(a)


# --- The three paths -------------------------------------------------------


def build_k_function(workload, jit_compile=False):
  import tf_kbackend as K  # pylint: disable=g-import-not-at-top
  data = make_data(workload)
  weights = [K.variable(w) for w in make_weights(workload)]
  x = K.placeholder(shape=(None,) + data[0].shape[1:])
  out = forward(_KOps(K), workload, x, weights)
  if workload in ('tiny', 'mlp_fwd'):
    f = K.function([x], [out])
    return lambda: f(data)
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  y = K.placeholder(shape=(None, 10))
  # The same fused loss op as the other paths (a raw tf.* op on Keras
  # tensors, as legacy code often wrote it), so that only the call
  # machinery differs between the paths.
  loss = K.mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=out))
  grads = K.gradients(loss, weights)
  updates = [K.update_sub(w, LEARNING_RATE * g) for w, g in zip(weights, grads)]
  f = K.function([x, y], [loss], updates=updates, jit_compile=jit_compile)
  return lambda: f(data)


def build_tf_function(workload):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  data = make_data(workload)
  weights = [tf.Variable(w) for w in make_weights(workload)]
  ops = _TFOps(tf)
  specs = [tf.TensorSpec((None,) + d.shape[1:], tf.float32) for d in data]
  if workload in ('tiny', 'mlp_fwd'):
    fn = tf.function(lambda x: forward(ops, workload, x, weights),
                     input_signature=specs)
    return lambda: fn(*data).numpy()

  @tf.function(input_signature=specs)
  def train_step(x, y):
    with tf.GradientTape() as tape:
      logits = forward(ops, workload, x, weights)
      loss = tf.reduce_mean(
          tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
    for w, g in zip(weights, tape.gradient(loss, weights)):
      w.assign_sub(LEARNING_RATE * g)
    return loss

  return lambda: train_step(*data).numpy()


def build_session_run(workload):
  """Runs in the child process, where eager execution is disabled."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  data = make_data(workload)
  weights = [tf.compat.v1.Variable(w) for w in make_weights(workload)]
  x = tf.compat.v1.placeholder(tf.float32, (None,) + data[0].shape[1:])
  out = forward(_TFOps(tf), workload, x, weights)
  session = tf.compat.v1.Session()
  session.run(tf.compat.v1.global_variables_initializer())
  if workload in ('tiny', 'mlp_fwd'):
    return lambda: session.run(out, {x: data[0]})
  y = tf.compat.v1.placeholder(tf.float32, (None, 10))
  loss = tf.reduce_mean(
      tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=out))
  train = tf.compat.v1.train.GradientDescentOptimizer(
      LEARNING_RATE).minimize(loss)
  return lambda: session.run([loss, train], {x: data[0], y: data[1]})


def time_calls(call, calls):
  """Seconds per call, over `calls` calls."""
  start = time.perf_counter()
  for _ in range(calls):
    call()
  return (time.perf_counter() - start) / calls


def session_child():
  """The child process: answers 'workload calls' lines with timings."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.compat.v1.disable_eager_execution()
  calls_by_workload = {w: build_session_run(w) for w in WORKLOADS}
  for call in calls_by_workload.values():
    for _ in range(20):
      call()
  print('ready', flush=True)
  for line in sys.stdin:
    workload, calls = line.split()
    print(time_calls(calls_by_workload[workload], int(calls)), flush=True)


class SessionRunPath:
  """Drives the child process running TF1 Session.run."""

  def __init__(self):
    self.child = subprocess.Popen(
        [sys.executable, __file__, '--session-child'],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert self.child.stdout.readline().strip() == 'ready'

  def time(self, workload, calls):
    self.child.stdin.write(f'{workload} {calls}\n')
    self.child.stdin.flush()
    return float(self.child.stdout.readline())

  def close(self):
    self.child.stdin.close()
    self.child.wait()


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--repeats', type=int, default=7)
  parser.add_argument('--calls', type=int, default=200,
                      help='calls per timing (divided by 10 for cnn_train)')
  parser.add_argument('--json', help='also write the medians to this file')
  parser.add_argument('--session-child', action='store_true',
                      help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.session_child:
    session_child()
    return

  session = SessionRunPath()
  k_calls = {w: build_k_function(w) for w in WORKLOADS}
  tf_calls = {w: build_tf_function(w) for w in WORKLOADS}
  xla_calls = {w: build_k_function(w, jit_compile=True)
               for w in XLA_WORKLOADS}
  for workload in WORKLOADS:  # warm up every path
    for _ in range(20):
      k_calls[workload]()
      tf_calls[workload]()
      if workload in xla_calls:
        xla_calls[workload]()
  samples = {(w, p): [] for w in WORKLOADS
             for p in ('K.function', 'tf.function', 'Session.run')}
  samples.update({(w, 'K.function+XLA'): [] for w in XLA_WORKLOADS})
  for _ in range(args.repeats):
    for workload in WORKLOADS:
      calls = args.calls // 10 if workload == 'cnn_train' else args.calls
      samples[workload, 'K.function'].append(
          time_calls(k_calls[workload], calls))
      samples[workload, 'tf.function'].append(
          time_calls(tf_calls[workload], calls))
      samples[workload, 'Session.run'].append(session.time(workload, calls))
      if workload in xla_calls:
        samples[workload, 'K.function+XLA'].append(
            time_calls(xla_calls[workload], calls))
  session.close()

  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  devices = ', '.join(d.device_type for d in tf.config.list_logical_devices())
  print(f'TensorFlow {tf.__version__}, devices: {devices}, '
        f'{args.repeats} interleaved repeats; median us per call')
  header = (f'{"workload":<11} {"K.function":>11} {"tf.function":>12} '
            f'{"Session.run":>12} {"K/tf.function":>14} {"K/Session.run":>14}')
  print(header)
  print('-' * len(header))
  medians = {}
  for workload in WORKLOADS:
    k, t, s = (float(np.median(samples[workload, p])) * 1e6
               for p in ('K.function', 'tf.function', 'Session.run'))
    medians[workload] = {'K.function': k, 'tf.function': t, 'Session.run': s}
    print(f'{workload:<11} {k:>11.1f} {t:>12.1f} {s:>12.1f} {k / t:>14.2f} '
          f'{k / s:>14.2f}')
  print()
  header = (f'{"workload":<11} {"K.function":>11} {"K+XLA":>11} '
            f'{"XLA/K (paired)":>15}')
  print(header)
  print('-' * len(header))
  for workload in XLA_WORKLOADS:
    plain = samples[workload, 'K.function']
    xla = samples[workload, 'K.function+XLA']
    ratio = float(np.median([a / b for a, b in zip(xla, plain)]))
    medians[workload]['K.function+XLA'] = float(np.median(xla)) * 1e6
    medians[workload]['XLA/K.function'] = ratio
    print(f'{workload:<11} {np.median(plain) * 1e6:>11.1f} '
          f'{np.median(xla) * 1e6:>11.1f} {ratio:>15.2f}')
  if args.json:
    with open(args.json, 'w') as f:
      json.dump(medians, f, indent=2)


if __name__ == '__main__':
  main()
