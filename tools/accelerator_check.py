"""Runs the tests and the benchmarks on whatever accelerator is present.

    python tools/accelerator_check.py              # everything
    python tools/accelerator_check.py --quick      # device tests, short bench
    python tools/accelerator_check.py --detect-only

Steps, each in a subprocess of this interpreter:

1. detect: the devices TensorFlow sees (GPU/TPU with their names and
   compute capability; CPU otherwise) and whether XLA compiles there;
2. tests: the default tier (`pytest`), then the device tests with the slow
   tier included (`pytest -m "slow or not slow"` on tests/test_distribute.py,
   test_devices.py, test_xla.py: on a GPU machine they run
   `multi_gpu_model` unchanged and MirroredStrategy on the GPUs);
3. benchmarks: benchmarks/bench_function.py (K.function per call against
   tf.function and TF1 Session.run, and K.function with XLA), and
   benchmarks/bench_e2e.py when the repository has it.

Prints a summary: device names, test outcomes and the benchmark ratios.
Exits non-zero if a step failed. Without an accelerator it runs all the
same and says the figures are CPU figures.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEVICE_TESTS = ['tests/test_distribute.py', 'tests/test_devices.py',
                'tests/test_xla.py']

_DETECT = r'''
import json
import tensorflow as tf
report = {'tensorflow': tf.__version__, 'accelerators': []}
for kind in ('GPU', 'TPU'):
  for device in tf.config.list_physical_devices(kind):
    details = {}
    try:
      details = tf.config.experimental.get_device_details(device)
    except (ValueError, RuntimeError):
      pass
    report['accelerators'].append({
        'kind': kind, 'name': device.name,
        'device_name': details.get('device_name', ''),
        'compute_capability': details.get('compute_capability')})
report['logical'] = [d.name for d in tf.config.list_logical_devices()]
report['cuda_build'] = tf.test.is_built_with_cuda()
try:
  double = tf.function(lambda x: x * 2.0, jit_compile=True)
  report['xla'] = float(double(tf.constant(1.0))) == 2.0
except Exception as e:  # pylint: disable=broad-except
  report['xla'] = f'unavailable: {type(e).__name__}: {e}'[:200]
print('DETECT ' + json.dumps(report))
'''


def _env():
  env = dict(os.environ)
  env.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
  return env


def detect():
  """What TensorFlow sees here, as a dict."""
  result = subprocess.run([sys.executable, '-c', _DETECT], cwd=ROOT,
                          env=_env(), capture_output=True, text=True,
                          timeout=300, check=False)
  for line in result.stdout.splitlines():
    if line.startswith('DETECT '):
      return json.loads(line[len('DETECT '):])
  raise RuntimeError(f'device detection failed:\n{result.stderr[-3000:]}')


def _step(name, command, timeout):
  print(f'\n=== {name}: {" ".join(command)}', flush=True)
  start = time.time()
  try:
    result = subprocess.run(command, cwd=ROOT, env=_env(), text=True,
                            capture_output=True, timeout=timeout,
                            check=False)
    output, code = result.stdout + result.stderr, result.returncode
  except subprocess.TimeoutExpired as e:
    output, code = f'{e.stdout or ""}\ntimed out after {timeout} s', -1
  tail = output.strip().splitlines()[-15:]
  print('\n'.join(tail), flush=True)
  return {'step': name, 'returncode': code,
          'seconds': round(time.time() - start, 1), 'tail': tail}


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--detect-only', action='store_true',
                      help='only report the devices')
  parser.add_argument('--quick', action='store_true',
                      help='device tests only, short benchmark')
  parser.add_argument('--skip-tests', action='store_true')
  parser.add_argument('--skip-bench', action='store_true')
  parser.add_argument('--json', help='also write the summary to this file')
  args = parser.parse_args(argv)

  report = detect()
  accelerators = report['accelerators']
  if accelerators:
    names = ', '.join(f'{a["kind"]} {a["device_name"] or a["name"]}'
                      for a in accelerators)
  else:
    names = 'none (CPU only: the figures below are CPU figures)'
  print(f'TensorFlow {report["tensorflow"]}; accelerators: {names}; '
        f'logical devices: {", ".join(report["logical"])}; XLA: '
        f'{report["xla"]}', flush=True)
  summary = {'devices': report, 'steps': []}
  if not args.detect_only:
    if not args.skip_tests:
      if not args.quick:
        summary['steps'].append(_step(
            'default tier', [sys.executable, '-m', 'pytest', '-q',
                             '-p', 'no:randomly'], timeout=3600))
      summary['steps'].append(_step(
          'device tests (slow tier included)',
          [sys.executable, '-m', 'pytest', '-q', '-p', 'no:randomly', '-m',
           'slow or not slow'] + DEVICE_TESTS, timeout=3600))
    if not args.skip_bench:
      summary['bench'] = _bench(args.quick, summary['steps'])
  _print_summary(summary, names)
  if args.json:
    with open(args.json, 'w', encoding='utf-8') as f:
      json.dump(summary, f, indent=2)
  return 1 if any(s['returncode'] != 0 for s in summary['steps']) else 0


def _bench(quick, steps):
  with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, 'bench.json')
    repeats, calls = ('2', '20') if quick else ('7', '200')
    steps.append(_step('benchmarks/bench_function.py', [
        sys.executable, 'benchmarks/bench_function.py', '--repeats', repeats,
        '--calls', calls, '--json', path], timeout=3600))
    medians = {}
    if os.path.exists(path):
      with open(path, encoding='utf-8') as f:
        medians = json.load(f)
  if os.path.exists(os.path.join(ROOT, 'benchmarks', 'bench_e2e.py')):
    steps.append(_step('benchmarks/bench_e2e.py', [
        sys.executable, 'benchmarks/bench_e2e.py'], timeout=3600))
  return medians


def _print_summary(summary, names):
  print('\n=== summary', flush=True)
  print(f'accelerators: {names}')
  for step in summary['steps']:
    outcome = 'ok' if step['returncode'] == 0 else (
        f'FAILED ({step["returncode"]})')
    last = step['tail'][-1] if step['tail'] else ''
    print(f'{step["step"]}: {outcome} in {step["seconds"]} s  {last}')
  for workload, row in summary.get('bench', {}).items():
    ratios = [f'K/tf.function {row["K.function"] / row["tf.function"]:.2f}',
              f'K/Session.run {row["K.function"] / row["Session.run"]:.2f}']
    if 'XLA/K.function' in row:
      ratios.append(f'XLA/K {row["XLA/K.function"]:.2f}')
    print(f'{workload:<10} K.function {row["K.function"]:.1f} us  ' +
          '  '.join(ratios))


if __name__ == '__main__':
  sys.exit(main())
