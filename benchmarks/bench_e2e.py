"""End to end: legacy Keras 2.2.4 on tf_kbackend vs the TF1 world vs tf_keras.

Three worlds, each in its own long-lived child process (see e2e_worlds.py):

- tf_kbackend: Keras 2.2.4 on tf_kbackend (what `tf-kbackend run` sets up);
- tf1: Keras 2.2.4 on its own TensorFlow backend, `tf.compat.v1` with eager
  execution disabled (the workaround legacy users were offered);
- tf_keras: tf_keras 2.21, the Keras 2 API of TensorFlow 2.

The workloads (e2e_workloads.py) run the same models, with the same weights
and data, in every world: train_on_batch, fit (MLP, convnet, LSTM), predict,
model build + compile + first step (a 50-layer Dense stack, ResNet50), and
cold start (a fresh interpreter to its first training step, timed as a whole
process). For each workload the worlds take turns within each round (the
order rotates), and every ratio is the median over rounds of that round's
ratio, so machine load drifting between rounds affects the paired figures
alike. Before timing, each world reports check values (first-step losses,
predictions) and the table shows their largest difference from
tf_kbackend's: the worlds compute the same thing.

    python benchmarks/bench_e2e.py [--rounds 7] [--only mlp_fit,lstm_fit]

Installs Keras 2.2.4 and tf_keras 2.21 on first use into cached side
directories (`pip --no-deps --target`; never into the environment). The last
line printed is the result as JSON. This is a benchmark, not a test.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')

import numpy as np  # noqa: E402

import e2e_workloads  # noqa: E402
import e2e_worlds  # noqa: E402

WORLDS = e2e_worlds.WORLDS
CHECK_TOLERANCE = 1e-3  # Relative: float32 kernels, orders of summation.


# --- The child: one world, answering one JSON request per line ------------


def child_main(world_name):
  # The protocol gets its own copy of stdout; anything the libraries print
  # goes to stderr (the child's log file).
  protocol = os.fdopen(os.dup(1), 'w')
  os.dup2(2, 1)
  sys.stdout = sys.stderr

  def reply(**message):
    protocol.write(json.dumps(message) + '\n')
    protocol.flush()

  world = e2e_worlds.enter(world_name)
  reply(ready=True, tensorflow=world.tf.__version__,
        keras=getattr(world.keras, '__version__', '?'))
  workload = None
  for line in sys.stdin:
    request = json.loads(line)
    try:
      if request['cmd'] == 'setup':
        if workload is not None:
          workload = None
          world.clear_session()
        workload = e2e_workloads.BY_NAME[request['workload']]()
        reply(check=workload.setup(world))
      elif request['cmd'] == 'run':
        seconds, check = workload.run()
        reply(seconds=seconds, check=check)
    except Exception:  # pylint: disable=broad-except
      reply(error=traceback.format_exc())


class Child:
  """Drives one world's child process."""

  def __init__(self, world, log_dir):
    self.world = world
    self.log_path = os.path.join(log_dir, f'{world}.log')
    self.log = open(self.log_path, 'w', encoding='utf-8')
    self.process = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), '--child', world],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
        text=True)
    self.versions = self._read()

  def _read(self):
    line = self.process.stdout.readline()
    if not line:
      raise RuntimeError(f'The {self.world} world exited:\n{self.log_tail()}')
    message = json.loads(line)
    if 'error' in message:
      raise RuntimeError(f'The {self.world} world failed:\n{message["error"]}')
    return message

  def log_tail(self):
    self.log.flush()
    with open(self.log_path, encoding='utf-8', errors='replace') as f:
      return f.read()[-3000:]

  def ask(self, **request):
    self.process.stdin.write(json.dumps(request) + '\n')
    self.process.stdin.flush()
    return self._read()

  def close(self):
    self.process.stdin.close()
    self.process.wait()
    self.log.close()


# --- Statistics ---------------------------------------------------------------


def paired_ratios(samples, reference='tf_kbackend'):
  """Per-round ratios of `reference`'s time to each other world's (and best).

  Args:
    samples: {world: [seconds per round]}, rounds aligned.
    reference: the world in the numerator.

  Returns:
    {other_world or 'best': [ratio per round]}, 'best' dividing by the
    faster of the compared worlds (tf1, tf_keras; not a baseline) in that
    round.

  >>> paired_ratios({'tf_kbackend': [1, 2], 'tf1': [2, 2], 'tf_keras': [4, 1]})
  {'tf1': [0.5, 1.0], 'tf_keras': [0.25, 2.0], 'best': [0.5, 2.0]}
  """
  others = [w for w in samples if w != reference]
  ratios = {w: [r / o for r, o in zip(samples[reference], samples[w])]
            for w in others}
  compared = [w for w in others if w in WORLDS]
  ratios['best'] = [
      r / min(samples[w][i] for w in compared)
      for i, r in enumerate(samples[reference])]
  return ratios


def largest_difference(checks, reference='tf_kbackend'):
  """The largest relative difference of any world's check values from the
  reference's: max |a - b| / max(|b|, 1).

  >>> largest_difference({'tf_kbackend': [1.0, 10.0], 'tf1': [1.001, 10.0]})
  0.001...
  """
  base = np.asarray(checks[reference], dtype=np.float64)
  worst = 0.0
  for world, values in checks.items():
    values = np.asarray(values, dtype=np.float64)
    if values.shape != base.shape:
      return float('inf')
    if world != reference and values.size:
      worst = max(worst, float(np.max(
          np.abs(values - base) / np.maximum(np.abs(base), 1.0))))
  return worst


def summarize(name, label, unit, scale, samples, first, last):
  """One workload's figures; `samples` = {world: [(wall, cpu) per round]}."""
  wall = {w: [s[0] for s in v] for w, v in samples.items()}
  cpu = {w: [s[1] for s in v] for w, v in samples.items()}
  ratios, cpu_ratios = paired_ratios(wall), paired_ratios(cpu)
  others = [w for w in samples if w != 'tf_kbackend']
  return {
      'workload': name, 'label': label, 'unit': unit,
      'median': {w: float(np.median(s)) * scale for w, s in wall.items()},
      'vs': {w: float(np.median(ratios[w])) for w in others},
      'vs_best': float(np.median(ratios['best'])),
      'vs_best_range': [float(min(ratios['best'])),
                        float(max(ratios['best']))],
      'cpu_median': {w: float(np.median(s)) * scale for w, s in cpu.items()},
      'cpu_vs': {w: float(np.median(cpu_ratios[w])) for w in others},
      'cpu_vs_best': float(np.median(cpu_ratios['best'])),
      'check_diff': largest_difference(first),
      'final_check_diff': largest_difference(last),
      'checks': first,
      'final_checks': last,
  }


# --- The run --------------------------------------------------------------


def _rotated(worlds, round_index):
  k = round_index % len(worlds)
  return worlds[k:] + worlds[:k]


def measure_workload(children, workload_class, rounds, log):
  worlds = list(children)
  first = {}
  for world, child in children.items():
    first[world] = child.ask(cmd='setup', workload=workload_class.name)['check']
  samples = {w: [] for w in worlds}
  last = {}
  for round_index in range(rounds):
    for world in _rotated(worlds, round_index):
      answer = children[world].ask(cmd='run')
      samples[world].append(answer['seconds'])  # (wall, cpu)
      last[world] = [answer['check']]
  log(f'  {workload_class.name}: done')
  return summarize(workload_class.name, workload_class.label,
                   workload_class.unit, workload_class.scale, samples, first,
                   last)


def measure_cold_start(worlds, rounds, log):
  script = os.path.abspath(__file__)
  samples = {w: [] for w in worlds}
  first, last = {}, {}
  for world in worlds:  # Warm-up (file caches), and the check.
    first[world] = [e2e_workloads.time_cold_start(script, world)[1]]
  for round_index in range(rounds):
    for world in _rotated(worlds, round_index):
      seconds, loss = e2e_workloads.time_cold_start(script, world)
      samples[world].append(seconds)
      last[world] = [loss]
  log(f'  {e2e_workloads.COLD_START_NAME}: done')
  return summarize(e2e_workloads.COLD_START_NAME,
                   e2e_workloads.COLD_START_LABEL, 's', 1.0, samples, first,
                   last)


def print_table(results, worlds, cpu=False):
  """The wall-clock table (with range and checks), or the CPU-time one."""
  key = 'cpu_' if cpu else ''
  others = [w for w in worlds if w != 'tf_kbackend']
  header = (f'{"workload":<20} {"unit":>8} ' +
            ' '.join(f'{w:>11}' for w in worlds) + ' ' +
            ' '.join(f'{"vs " + w:>11}' for w in others) + f' {"vs best":>8}')
  if not cpu:
    header += f' {"(range)":>11} {"check diff":>10}'
  print(header)
  print('-' * len(header))
  for r in results:
    line = (f'{r["workload"]:<20} {r["unit"]:>8} ' +
            ' '.join(f'{r[key + "median"][w]:>11.4g}' for w in worlds) + ' ' +
            ' '.join(f'{r[key + "vs"][w]:>11.2f}' for w in others) +
            f' {r[key + "vs_best"]:>8.2f}')
    if not cpu:
      low, high = r['vs_best_range']
      flag = '' if r['check_diff'] <= CHECK_TOLERANCE else ' !'
      line += (f' {f"{low:.2f}-{high:.2f}":>11} '
               f'{r["check_diff"]:>10.1e}{flag}')
    print(line)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  names = [w.name for w in e2e_workloads.WORKLOADS] + [
      e2e_workloads.COLD_START_NAME]
  parser.add_argument('--rounds', type=int, default=7,
                      help='interleaved rounds per workload (default 7)')
  parser.add_argument('--only', help='comma-separated workloads, of: ' +
                      ', '.join(names))
  parser.add_argument('--worlds', default=','.join(WORLDS),
                      help='comma-separated worlds to compare with '
                      'tf_kbackend (default: all)')
  parser.add_argument('--baseline', metavar='SOURCE_TREE',
                      help='add a world running tf_kbackend from this source '
                      'tree (e.g. a git worktree of an earlier commit), to '
                      'measure a change')
  parser.add_argument('--json', help='also write the result to this file')
  parser.add_argument('--child', help=argparse.SUPPRESS)
  parser.add_argument('--cold', help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.child:
    child_main(args.child)
    return
  if args.cold:
    e2e_workloads.cold_start_main(args.cold)
    return
  selected = args.only.split(',') if args.only else names
  unknown = sorted(set(selected) - set(names))
  if unknown:
    parser.error(f'unknown workload(s) {unknown}; expected some of {names}')
  worlds = ['tf_kbackend'] + [w for w in args.worlds.split(',')
                              if w != 'tf_kbackend']
  if set(worlds) - set(WORLDS) or len(worlds) < 2:
    parser.error(f'--worlds: expected some of {WORLDS[1:]}; received '
                 f'{args.worlds!r}')
  if args.baseline:
    os.environ[e2e_worlds.BASELINE_ENV] = os.path.abspath(args.baseline)
    worlds.append(e2e_worlds.BASELINE)

  def log(message):
    print(message, file=sys.stderr, flush=True)

  load_start = os.getloadavg()
  started = time.time()
  sites = e2e_worlds.prepare()
  log(f'side directories: {sites}')
  log_dir = tempfile.mkdtemp(prefix='bench_e2e_')
  children = {w: Child(w, log_dir) for w in worlds}
  results = []
  try:
    for workload_class in e2e_workloads.WORKLOADS:
      if workload_class.name in selected:
        results.append(measure_workload(children, workload_class,
                                        args.rounds, log))
  except RuntimeError:
    for child in children.values():
      log(f'--- {child.world} log tail ---\n{child.log_tail()}')
    raise
  versions = {w: c.versions for w, c in children.items()}
  for child in children.values():
    child.close()
  if e2e_workloads.COLD_START_NAME in selected:
    results.append(measure_cold_start(worlds, args.rounds, log))
  load_end = os.getloadavg()

  summary = {
      'bench': 'e2e', 'rounds': args.rounds,
      'python': platform.python_version(), 'cpus': os.cpu_count(),
      'load_average_start': [round(x, 2) for x in load_start],
      'load_average_end': [round(x, 2) for x in load_end],
      'seconds': round(time.time() - started, 1),
      'worlds': worlds,
      'versions': versions,
      'results': results,
  }
  tf_version = versions['tf_kbackend']['tensorflow']
  print(f'End to end, {args.rounds} interleaved rounds per workload; '
        f'TensorFlow {tf_version}, Python {summary["python"]}, '
        f'{summary["cpus"]} CPUs')
  print(f'Load average (1/5/15 min) at start: '
        f'{", ".join(f"{x:.2f}" for x in load_start)}; at end: '
        f'{", ".join(f"{x:.2f}" for x in load_end)}')
  print('Wall-clock time: medians of each world; ratios are medians of '
        'per-round ratios (< 1: tf_kbackend faster); "best" is the faster of '
        'tf1 and tf_keras in each round, (range) the spread of that ratio '
        'over rounds; check diff: largest relative difference of any '
        "world's first-step losses / predictions from tf_kbackend's.")
  print()
  print_table(results, worlds)
  print()
  print('CPU time (all threads of each world\'s process; the work done, less '
        'sensitive than wall time to other jobs on the machine):')
  print()
  print_table(results, worlds, cpu=True)
  print()
  for r in results:
    print(f'  {r["workload"]}: {r["label"]}')
  print()
  if args.json:
    with open(args.json, 'w', encoding='utf-8') as f:
      json.dump(summary, f, indent=2)
  print(json.dumps(summary))


if __name__ == '__main__':
  main()
