"""Profiles behind benchmarks/bench_e2e.py's figures, for one world at a time.

    python benchmarks/e2e_profile.py phases build_resnet50 tf_kbackend
    python benchmarks/e2e_profile.py ops lstm_fit tf_kbackend
    python benchmarks/e2e_profile.py kernels mlp_train_on_batch
    python benchmarks/e2e_profile.py python mlp_train_on_batch tf_kbackend

- `phases`: a training model's time to its first step, by phase: build,
  set_weights, compile, the training function (gradients, optimizer
  updates, `K.function`) and the first and second steps (Keras 2.2.4
  worlds; wall seconds).
- `ops`: the op types of the training function's graph after TensorFlow's
  optimizations (the partition graphs of RunMetadata), as counts.
- `kernels`: where one training step's kernel time goes, by op type (TF1
  world, FULL_TRACE step stats; `ops` shows whether tf_kbackend runs the
  same graph).
- `python`: cProfile of five timed units of the workload: the share of
  Python (Keras', tf_kbackend's) against TensorFlow's runtime.

Uses TensorFlow internals (RunMetadata of eager functions); a diagnostic
tool, not a benchmark or a test.
"""

import argparse
import collections
import cProfile
import functools
import io
import os
import pstats
import sys
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')

import numpy as np  # noqa: E402

import e2e_workloads  # noqa: E402
import e2e_worlds  # noqa: E402

# The training workloads: model builder, loss, one batch.
_TRAINING = {
    'mlp_train_on_batch': 'mlp', 'mlp_fit': 'mlp', 'convnet_fit': 'convnet',
    'convnet_predict': 'convnet', 'lstm_fit': 'lstm',
    'build_dense50': 'dense50', 'build_resnet50': 'resnet50',
}


def _model_and_batch(world, kind):
  rng = np.random.RandomState(0)
  if kind == 'mlp':
    return (e2e_workloads.mlp(world), rng.rand(128, 784).astype('float32'),
            e2e_workloads.one_hot(rng, 128), 'categorical_crossentropy')
  if kind == 'convnet':
    return (e2e_workloads.convnet(world),
            rng.rand(128, 28, 28, 1).astype('float32'),
            e2e_workloads.one_hot(rng, 128), 'categorical_crossentropy')
  if kind == 'lstm':
    return (e2e_workloads.lstm(world), rng.randint(0, 2000, (32, 40)),
            rng.randint(0, 2, (32, 1)).astype('float32'),
            'binary_crossentropy')
  if kind == 'dense50':
    return (e2e_workloads.dense_stack(world),
            rng.rand(32, 64).astype('float32'), e2e_workloads.one_hot(rng, 32),
            'categorical_crossentropy')
  return (world.resnet50(weights=None, input_shape=(64, 64, 3), classes=10),
          rng.rand(8, 64, 64, 3).astype('float32'),
          e2e_workloads.one_hot(rng, 8), 'categorical_crossentropy')


def _timed_method(owner, name, label, totals):
  original = getattr(owner, name)

  @functools.wraps(original)
  def timed(*args, **kwargs):
    start = time.perf_counter()
    try:
      return original(*args, **kwargs)
    finally:
      totals[label] += time.perf_counter() - start

  setattr(owner, name, timed)


def phases(world, kind):
  """Wall seconds of each phase up to the second training step."""
  if world.name == 'tf_keras':
    raise SystemExit('phases: Keras 2.2.4 worlds only (tf_keras builds its '
                     'training function inside the first step).')
  import keras.optimizers  # pylint: disable=g-import-not-at-top
  totals = collections.defaultdict(float)
  _timed_method(keras.optimizers.Optimizer, 'get_gradients', 'gradients',
                totals)
  _timed_method(keras.optimizers.Adam, 'get_updates', 'optimizer (all)',
                totals)
  _timed_method(world.keras.backend, 'function', 'K.function', totals)
  for repeat in range(2):  # The first includes one-time costs.
    totals.clear()
    world.clear_session()
    marks = [('start', time.perf_counter())]
    model, x, y, loss = _model_and_batch(world, kind)
    marks.append(('build', time.perf_counter()))
    model.set_weights(e2e_workloads.weights_like(model))
    marks.append(('set_weights', time.perf_counter()))
    model.compile(optimizer=world.adam(e2e_workloads.LR), loss=loss)
    marks.append(('compile', time.perf_counter()))
    model._make_train_function()  # pylint: disable=protected-access
    marks.append(('training function', time.perf_counter()))
    model.train_on_batch(x, y)
    marks.append(('first step', time.perf_counter()))
    model.train_on_batch(x, y)
    marks.append(('second step', time.perf_counter()))
    parts = [f'{name} {end - begin:.2f}'
             for (_, begin), (name, end) in zip(marks, marks[1:])]
    inner = ', '.join(f'{k} {v:.2f}' for k, v in totals.items())
    print(f'[{repeat}] ' + '; '.join(parts) + f' (within: {inner}); to first '
          f'step {marks[5][1] - marks[0][1]:.2f} s')


def _compiled_model(world, kind):
  model, x, y, loss = _model_and_batch(world, kind)
  model.set_weights(e2e_workloads.weights_like(model))
  model.compile(optimizer=world.adam(e2e_workloads.LR), loss=loss)
  return model, x, y


def ops(world, kind):
  """Op types of the optimized training graph."""
  from tensorflow.python.eager import context  # pylint: disable=g-import-not-at-top
  tf = world.tf
  model, x, y = _compiled_model(world, kind)
  counts = collections.Counter()
  if world.name == 'tf1':
    model.train_on_batch(x, y)
    function = model.train_function
    feed = dict(zip(function.inputs, [x, y, np.ones(len(x), 'float32')]))
    metadata = tf.compat.v1.RunMetadata()
    world.keras.backend.get_session().run(
        function.outputs + [function.updates_op], feed_dict=feed,
        options=tf.compat.v1.RunOptions(output_partition_graphs=True),
        run_metadata=metadata)
    graphs = list(metadata.partition_graphs)
  else:
    ctx = context.context()
    ctx.enable_run_metadata()
    model.train_on_batch(x, y)  # Instantiates (and optimizes) the function.
    metadata = ctx.export_run_metadata()
    ctx.disable_run_metadata()
    graphs = [g for f in metadata.function_graphs for g in f.partition_graphs]
  for graph in graphs:
    counts.update(node.op for node in graph.node)
    for function in graph.library.function:
      counts.update(node.op for node in function.node_def)
  print(f'{sum(counts.values())} nodes')
  for op, count in sorted(counts.items()):
    print(f'  {op:32} {count}')


def kernels(world, kind, steps=10):
  """Kernel time per op type in one training step (TF1 world)."""
  if world.name != 'tf1':
    raise SystemExit('kernels: run it on the tf1 world (`ops` shows that '
                     'tf_kbackend runs the same graph).')
  tf = world.tf
  model, x, y = _compiled_model(world, kind)
  for _ in range(5):
    model.train_on_batch(x, y)
  function = model.train_function
  feed = dict(zip(function.inputs, [x, y, np.ones(len(x), 'float32')]))
  session = world.keras.backend.get_session()
  totals = collections.Counter()
  for _ in range(steps):
    metadata = tf.compat.v1.RunMetadata()
    session.run(function.outputs + [function.updates_op], feed_dict=feed,
                options=tf.compat.v1.RunOptions(
                    trace_level=tf.compat.v1.RunOptions.FULL_TRACE),
                run_metadata=metadata)
    for device in metadata.step_stats.dev_stats:
      for node in device.node_stats:
        label = node.timeline_label
        op = label.split(' = ')[1].split('(')[0] if ' = ' in label else '?'
        totals[op] += (node.op_end_rel_micros -
                       node.op_start_rel_micros) / steps
  total = sum(totals.values())
  print(f'{total:.0f} us of kernel time per step (summed over threads)')
  for op, micros in totals.most_common(15):
    print(f'  {op:32} {micros:9.0f} us {100 * micros / total:5.1f}%')


def python(world, name):
  """cProfile of the workload's timed units: Python vs TensorFlow runtime."""
  workload = e2e_workloads.BY_NAME[name]()
  workload.setup(world)
  workload.run()
  profile = cProfile.Profile()
  profile.enable()
  for _ in range(5):
    workload.run()
  profile.disable()
  stats = pstats.Stats(profile)
  runtime = sum(tt for (_, _, function), (_, _, tt, _, _)
                in stats.stats.items()
                if 'TFE_Py_Execute' in function or
                'TF_SessionRunCallable' in function)
  own = sum(tt for (file, _, _), (_, _, tt, _, _) in stats.stats.items()
            if '/tf_kbackend/' in file)
  print(f'profiled {stats.total_tt:.2f} s: TensorFlow runtime (function / '
        f'session calls) {runtime:.2f} s, tf_kbackend\'s own Python '
        f'{own:.2f} s')
  out = io.StringIO()
  pstats.Stats(profile, stream=out).sort_stats('tottime').print_stats(12)
  print(out.getvalue())


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('what', choices=('phases', 'ops', 'kernels', 'python'))
  parser.add_argument('workload', choices=sorted(_TRAINING))
  parser.add_argument('world', nargs='?', default='tf1',
                      choices=e2e_worlds.WORLDS)
  args = parser.parse_args()
  world = e2e_worlds.enter(args.world)
  if args.what == 'python':
    python(world, args.workload)
  else:
    {'phases': phases, 'ops': ops, 'kernels': kernels}[args.what](
        world, _TRAINING[args.workload])


if __name__ == '__main__':
  sys.exit(main())
