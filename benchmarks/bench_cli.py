"""How long `tf-kbackend --help` takes, as a whole process.

Runs, interleaved (so that a machine's drift affects all alike), each
command `--repeats` times after one warm-up run, and prints the minimum,
median and maximum wall time of each:

- `python -c pass`: the interpreter's own start-up, the floor;
- `tf-kbackend --help`: the console script (tf_kbackend_cli, no TensorFlow);
- `python -m tf_kbackend --help`: through the package, which imports
  TensorFlow first (what `tf-kbackend --help` cost before the command moved
  to tf_kbackend_cli).

    python benchmarks/bench_cli.py [--repeats 5]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def _commands():
  script = os.path.join(os.path.dirname(sys.executable), 'tf-kbackend')
  console = [script] if os.path.exists(script) else [
      sys.executable, '-m', 'tf_kbackend_cli']
  return {
      'python -c pass': [sys.executable, '-c', 'pass'],
      'tf-kbackend --help': console + ['--help'],
      'python -m tf_kbackend --help': [sys.executable, '-m', 'tf_kbackend',
                                       '--help'],
  }


def _time(command, env):
  start = time.perf_counter()
  subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL, check=True)
  return time.perf_counter() - start


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--repeats', type=int, default=5)
  args = parser.parse_args()
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
  commands = _commands()
  times = {name: [] for name in commands}
  for command in commands.values():
    _time(command, env)  # Warm-up: the file system cache.
  for _ in range(args.repeats):
    for name, command in commands.items():
      times[name].append(_time(command, env))
  print(f'{"command":32s} {"min":>8s} {"median":>8s} {"max":>8s}  (s, '
        f'{args.repeats} runs)')
  for name, values in times.items():
    print(f'{name:32s} {min(values):8.3f} {statistics.median(values):8.3f} '
          f'{max(values):8.3f}')


if __name__ == '__main__':
  main()
