"""What the TF1 names cost per call (docs/tf1_api.md).

Times, interleaved (names off / on, repeated), the median cost of:

- `tf.reduce_sum` on an eager tensor called by TF2 code (a module of
  Keras 3's name): TF2's function behind one frame lookup;
- the same called by TF1 code: the two-world TF1 function (`keep_dims`
  signature, provenance scan);
- the same on a variable from TF1 code: a value that records its
  derivation (re-derived when evaluated, as in TF1);
- a `K.function` call (its path does not go through the `tf.*` names).

    python benchmarks/bench_tf1_names.py [--repeats 7] [--calls 2000]
"""

import argparse
import os
import statistics
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tf_kbackend as K  # noqa: E402
from tf_kbackend import tf1  # noqa: E402

_CODE = '''
def eager(n):
  for _ in range(n):
    tf.reduce_sum(x, axis=0)

def variable(n):
  for _ in range(n):
    tf.reduce_sum(v, axis=0)
'''


def _namespace(module_name, x, v):
  namespace = {'__name__': module_name, 'tf': tf, 'x': x, 'v': v}
  exec(_CODE, namespace)  # pylint: disable=exec-used
  return namespace


def _per_call_us(fn, calls):
  start = time.perf_counter()
  fn(calls)
  return (time.perf_counter() - start) / calls * 1e6


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--repeats', type=int, default=7)
  parser.add_argument('--calls', type=int, default=2000)
  args = parser.parse_args()
  x = tf.constant(np.ones((4, 4), 'float32'))
  v = K.variable(np.ones((4, 4)))
  tf2_code = _namespace('keras.src.bench', x, v)
  tf1_code = _namespace('__main__', x, v)
  inputs = K.placeholder(shape=(None, 4))
  function = K.function([inputs], [K.sum(K.dot(inputs, v))])
  batch = [np.ones((8, 4), 'float32')]

  def k_function(n):
    for _ in range(n):
      function(batch)

  rows = {}

  def measure(label, fn):
    rows.setdefault(label, []).append(_per_call_us(fn, args.calls))

  for _ in range(args.repeats):
    tf1.disable()
    measure('names off: tf.reduce_sum(eager)', tf2_code['eager'])
    measure('names off: K.function call', k_function)
    tf1.enable()
    measure('names on, TF2 code: tf.reduce_sum(eager)', tf2_code['eager'])
    measure('names on, TF1 code: tf.reduce_sum(eager)', tf1_code['eager'])
    measure('names on, TF1 code: tf.reduce_sum(variable)',
            tf1_code['variable'])
    measure('names on: K.function call', k_function)
  tf1.disable()
  for label, values in rows.items():
    print(f'{label:48s} median {statistics.median(values):7.1f} us '
          f'(min {min(values):6.1f})')


if __name__ == '__main__':
  main()
