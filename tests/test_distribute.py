"""Devices and tf.distribute, in processes of their own.

Logical devices (`tf.config.set_logical_device_configuration`) must be
configured before TensorFlow initializes its runtime, which this test
process has already done; and a `MultiWorkerMirroredStrategy` worker owns
its process. So every check here runs in subprocesses: the examples of
docs/distribute.md, exactly as written there (the placement log turned on
for the placement example; Keras' GPU names translated for
`multi_gpu_model` on a machine without GPUs, see
tests/distribute_scripts/gpu_names_on_cpus.py), and
tests/distribute_scripts/mirrored_checks.py. All of them start together
when the module's first test asks for its run (a module fixture), so the
file takes about the time of the slowest.

Each check compares with training on one device: the tolerances are those
of float32 sums taken in another order (the all-reduce), a few ulps of
the values compared.
"""

import ast
import concurrent.futures
import json
import os
import re
import socket
import subprocess
import sys

import pytest

from tests.support import legacy_keras

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(REPO, 'docs', 'distribute.md')
SCRIPTS = os.path.join(REPO, 'tests', 'distribute_scripts')
TIMEOUT_S = 300
# float32 training compared with one device: sums in another order.
TOLERANCE = 2e-5


def doc_examples():
  """The examples of docs/distribute.md: name -> source."""
  with open(DOC, encoding='utf-8') as f:
    text = f.read()
  return dict(re.findall(
      r'<!-- example: (\w+) -->\n```python\n(.*?)```', text, re.S))


def _has_gpus(count=1):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return len(tf.config.list_physical_devices('GPU')) >= count


def _env(**extra):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
  for name in ('KERAS_BACKEND', 'TF_CONFIG', 'TF_KBACKEND_JIT_COMPILE'):
    env.pop(name, None)
  env.update(extra)
  return env


def _legacy_env(**extra):
  return legacy_keras.env_with_legacy_keras('2.2.4', _env(**extra))


def _run(command, env, **kwargs):
  return subprocess.run(command, cwd=REPO, env=env, capture_output=True,
                        text=True, timeout=TIMEOUT_S, check=False, **kwargs)


def _free_ports(count):
  sockets = []
  for _ in range(count):
    s = socket.socket()
    s.bind(('localhost', 0))
    sockets.append(s)
  ports = [s.getsockname()[1] for s in sockets]
  for s in sockets:
    s.close()
  return ports


def _run_workers(script, count=2, legacy=False):
  """Runs `script` as `count` local workers of one cluster (loopback)."""
  cluster = {'worker': [f'localhost:{p}' for p in _free_ports(count)]}
  command = [sys.executable, script]
  if legacy:
    command = [sys.executable, '-m', 'tf_kbackend', 'run', script]
  processes = []
  for index in range(count):
    config = {'cluster': cluster, 'task': {'type': 'worker', 'index': index}}
    env = (_legacy_env if legacy else _env)(TF_CONFIG=json.dumps(config))
    processes.append(subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True))
  results = []
  try:
    for process in processes:
      out, err = process.communicate(timeout=TIMEOUT_S)
      results.append(subprocess.CompletedProcess(process.args,
                                                 process.returncode, out, err))
  finally:
    for process in processes:
      if process.poll() is None:
        process.kill()
        process.wait()
  return results


def _jobs(folder):
  """The runs: name -> a function returning its CompletedProcess(es)."""
  examples = doc_examples()
  paths = {}
  for name, source in examples.items():
    prelude = ''
    if name == 'placement':
      prelude = ('import tensorflow as tf\n'
                 'tf.debugging.set_log_device_placement(True)\n')
    paths[name] = os.path.join(folder, f'{name}.py')
    with open(paths[name], 'w', encoding='utf-8') as f:
      f.write(prelude + source)
  dump = os.path.join(folder, 'xla_dump')
  run_legacy = [sys.executable, '-m', 'tf_kbackend', 'run']
  return {
      'multi_worker': lambda: _run_workers(paths['multi_worker']),
      'checks': lambda: _run(
          [sys.executable, os.path.join(SCRIPTS, 'mirrored_checks.py')],
          _env()),
      'multi_gpu_model': lambda: _run(
          run_legacy + [os.path.join(SCRIPTS, 'gpu_names_on_cpus.py'),
                        paths['multi_gpu_model'], '2'],
          _legacy_env(TF_CPP_MIN_LOG_LEVEL='0')),
      'mirrored_fit': lambda: _run(run_legacy + [paths['mirrored_fit']],
                                   _legacy_env()),
      'mirrored_fit_xla': lambda: (_run(
          run_legacy + [paths['mirrored_fit']],
          _legacy_env(TF_KBACKEND_JIT_COMPILE='1',
                      XLA_FLAGS=f'--xla_dump_to={dump}')), dump),
      'placement': lambda: _run([sys.executable, paths['placement']],
                                _env(TF_CPP_MIN_LOG_LEVEL='0')),
      'mirrored_function': lambda: _run(
          [sys.executable, paths['mirrored_function']], _env()),
  }


@pytest.fixture(scope='module')
def runs(tmp_path_factory, legacy_keras_env):
  """Futures of every run, all started at once."""
  del legacy_keras_env  # Installed (once) before the runs start.
  jobs = _jobs(str(tmp_path_factory.mktemp('distribute')))
  with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as pool:
    yield {name: pool.submit(job) for name, job in jobs.items()}


def _output(result):
  assert result.returncode == 0, (
      f'{result.args} exited with {result.returncode}:\n{result.stdout[-3000:]}'
      f'\n{result.stderr[-5000:]}')
  return result.stdout


def _number(pattern, text):
  match = re.search(pattern, text)
  assert match, f'no match for {pattern!r} in:\n{text[-3000:]}'
  return float(match.group(1))


def _numbers(pattern, text):
  match = re.search(pattern, text)
  assert match, f'no match for {pattern!r} in:\n{text[-3000:]}'
  return [float(v) for v in match.group(1).split()]


def _result_line(text):
  lines = [line for line in text.splitlines() if line.startswith('RESULT ')]
  assert lines, f'no RESULT line in:\n{text[-3000:]}'
  return json.loads(lines[-1][len('RESULT '):])


def _placements(text):
  """TensorFlow's placement log: compiled op name -> (type, device)."""
  return {name: (op_type, device) for name, op_type, device in re.findall(
      r'^(?:k/)?(\S+): \((\w+)\): (\S+)$', text, re.M)}


def test_examples_are_on_the_page():
  assert set(doc_examples()) == {'placement', 'multi_gpu_model',
                                 'mirrored_function', 'mirrored_fit',
                                 'multi_worker', 'xla'}


def test_placement_example(runs):
  out = _output(runs['placement'].result())
  devices = ast.literal_eval(re.search(r'^devices: (.*)$', out, re.M).group(1))
  # Two CPUs here; the CPU and a GPU where there is one.
  first, last = devices[0], devices[-1]
  assert first == '/device:CPU:0' and last != first
  assert f'h on {last} | y on {first}' in out
  assert 'y = [6. 6.]' in out
  placed = _placements(out)
  # The placer put the compiled function's ops where the scopes said.
  local = '/job:localhost/replica:0/task:0'
  assert placed['MatMul'] == ('MatMul', local + last)
  assert placed['Relu'] == ('Relu', local + last)
  assert placed['Sum'] == ('Sum', local + first)


def test_multi_gpu_model_example(runs):
  result = runs['multi_gpu_model'].result()
  out = _output(result)
  replicas = _numbers(r'2 replicas: loss ([\d. ]+)', out)
  one_device = _numbers(r'one device: loss ([\d. ]+)', out)
  assert replicas[-1] < replicas[0]
  assert max(abs(a - b) for a, b in zip(replicas, one_device)) < TOLERANCE
  assert _number(r'max \|weights - one-device weights\| = (\S+)',
                 out) < TOLERANCE
  report = _result_line(out)
  assert report['listed'] == ['/device:CPU:0', '/device:CPU:1',
                              '/device:CPU:2']
  # In the compiled train function: replica i's ops on (logical) device
  # i + 1, forward and backward; the merge on CPU 0.
  matmuls = report['placed']['MatMul']
  assert matmuls.get('/device:CPU:1') == matmuls.get('/device:CPU:2') >= 2
  assert set(report['placed']['ConcatV2']) == {'/device:CPU:0'}
  # And the placer honoured it.
  placed = _placements(out)
  for replica in (0, 1):
    names = [n for n, (t, _) in placed.items()
             if n.startswith(f'replica_{replica}/') and t == 'MatMul']
    assert len(names) == 2, sorted(placed)
    assert {placed[n][1] for n in names} == {
        f'/job:localhost/replica:0/task:0/device:CPU:{replica + 1}'}


def _check_one_device_equality(out, what='one-device'):
  replicas = _numbers(r'replicas: \d+, loss ([\d. ]+)', out)
  one_device = _numbers(r'one device: loss ([\d. ]+)', out)
  assert replicas[-1] < replicas[0]
  assert max(abs(a - b) for a, b in zip(replicas, one_device)) < TOLERANCE
  assert _number(rf'max \|weights - {what} weights\| = (\S+)',
                 out) < TOLERANCE
  return replicas


def test_mirrored_function_example(runs):
  out = _output(runs['mirrored_function'].result())
  loss = _number(r'replicas: \d+, final loss (\S+)', out)
  assert abs(loss - _number(r'one device: final loss (\S+)', out)) < TOLERANCE
  assert loss < 0.4  # It learned (chance: 0.69).
  assert _number(r'max \|weights - one-device weights\| = (\S+)',
                 out) < TOLERANCE


def test_mirrored_fit_example(runs):
  _check_one_device_equality(_output(runs['mirrored_fit'].result()))


def test_mirrored_fit_example_with_xla(runs):
  result, dump = runs['mirrored_fit_xla'].result()
  losses = _check_one_device_equality(_output(result))
  plain = _numbers(r'replicas: \d+, loss ([\d. ]+)',
                   _output(runs['mirrored_fit'].result()))
  assert max(abs(a - b) for a, b in zip(losses, plain)) < 1e-4
  # XLA compiled Keras' train function: per replica, before and after the
  # gradient all-reduce, and the one-device one whole.
  modules = ' '.join(os.listdir(dump))
  assert 'train_function_replica_a' in modules
  assert 'train_function_replica_b' in modules
  assert re.search(r'inference_train_function_\d+', modules)


def test_multi_worker_example(runs):
  workers = runs['multi_worker'].result()
  outputs = [_output(w) for w in workers]
  for index, out in enumerate(outputs):
    loss = _number(rf'worker {index} of 2 replicas: final loss ([\d.]+)', out)
    assert abs(loss - _number(r'one process: final loss ([\d.]+)', out)) < TOLERANCE
    assert _number(r'max \|weights - one-process weights\| = (\S+)',
                   out) < TOLERANCE
    assert loss < 2.0  # It learned (chance: 2.08).


@pytest.fixture(scope='module')
def report(runs):
  """What tests/distribute_scripts/mirrored_checks.py measured."""
  return _result_line(_output(runs['checks'].result()))


class TestMirroredChecks:
  """tests/distribute_scripts/mirrored_checks.py: three replicas."""

  @pytest.mark.parametrize('variant', ['replicas', 'replicas_xla'])
  def test_training_equals_one_device(self, report, variant):
    # Batches of 32, 1 and 7 rows: uneven shares, replicas with no rows.
    differences = report[variant]
    assert differences['shapes_equal']  # Per-sample outputs gathered.
    for what in ('losses', 'predictions', 'gradients', 'weights'):
      assert differences[what] < TOLERANCE, (what, differences)

  def test_counters_count_once(self, report):
    assert report['iterations'] == [5, 5]  # Not once per replica.
    assert report['samples'] == [96, 96]  # Integer deltas summed.

  def test_replicas_run_on_their_devices(self, report):
    devices = [f'/job:localhost/replica:0/task:0/device:CPU:{i}'
               for i in range(3)]
    assert report['component_devices'] == devices
    assert report['components_equal']
    assert report['matmul_devices'] == {d: 2 for d in devices}

  def test_batch_norm_moving_statistics(self, report):
    batch_norm = report['batch_norm']
    assert batch_norm['mean_vs_one_device'] < 1e-6
    assert batch_norm['variance_vs_mean_of_replica_variances'] < 1e-6
    # Each replica normalizes with its own batch: the variance differs.
    assert batch_norm['variance_vs_one_device'] > 1e-3

  def test_set_strategy(self, report):
    assert report['set_strategy'] == {
        'distributed': True, 'after_reset_distributed': False,
        'components_after_set_value': [[3.0, 4.0]] * 3, 'eval': 14.0,
        'hashable': True}

  def test_foreign_variable_is_refused(self, report):
    message = report['foreign_variable_error']
    assert message and 'not one of its variables' in message
    assert 'strategy.scope()' in message


# --- Slow tier -------------------------------------------------------------


@pytest.mark.slow
def test_multi_worker_keras_fit(legacy_keras_env):
  """Keras 2.2.4's fit of a convnet with an embedding, on two workers."""
  del legacy_keras_env
  workers = _run_workers(os.path.join(SCRIPTS, 'multi_worker_fit.py'),
                         legacy=True)
  for worker in workers:
    report = _result_line(_output(worker))
    assert report['replicas'] == 2
    assert report['loss'][-1] < report['loss'][0]
    assert max(abs(a - b) for a, b in zip(
        report['loss'], report['one_process_loss'])) < TOLERANCE
    assert report['max_weight_difference'] < TOLERANCE


# --- On real GPUs (skipped without them) ---------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not _has_gpus(), reason='needs a GPU')
def test_multi_gpu_model_unchanged_on_gpus(tmp_path, legacy_keras_env):
  """The example, unchanged, on two GPUs (one GPU split in two)."""
  del legacy_keras_env
  script = tmp_path / 'multi_gpu_model.py'
  prelude = ''
  if not _has_gpus(2):
    prelude = (
        'import tensorflow as tf\n'
        'tf.config.set_logical_device_configuration(\n'
        '    tf.config.list_physical_devices("GPU")[0],\n'
        '    [tf.config.LogicalDeviceConfiguration(memory_limit=2048)] * 2)\n')
  script.write_text(prelude + 'import tensorflow as tf\n'
                    'tf.debugging.set_log_device_placement(True)\n' +
                    doc_examples()['multi_gpu_model'])
  out = _output(_run([sys.executable, '-m', 'tf_kbackend', 'run',
                      str(script)], _legacy_env(TF_CPP_MIN_LOG_LEVEL='0')))
  assert _number(r'max \|weights - one-device weights\| = (\S+)', out) < 1e-4
  placed = _placements(out)
  for replica in (0, 1):
    devices = {d for n, (t, d) in placed.items()
               if n.startswith(f'replica_{replica}/') and t == 'MatMul'}
    assert devices == {f'/job:localhost/replica:0/task:0/device:GPU:{replica}'}


@pytest.mark.slow
@pytest.mark.skipif(not _has_gpus(2), reason='needs two GPUs')
@pytest.mark.parametrize('example', ['mirrored_function', 'mirrored_fit'])
def test_mirrored_examples_on_gpus(tmp_path, legacy_keras_env, example):
  """The examples, unchanged: MirroredStrategy over all the GPUs."""
  del legacy_keras_env
  script = tmp_path / f'{example}.py'
  script.write_text(doc_examples()[example])
  command = [sys.executable, str(script)]
  env = _env()
  if example == 'mirrored_fit':
    command = [sys.executable, '-m', 'tf_kbackend', 'run', str(script)]
    env = _legacy_env()
  out = _output(_run(command, env))
  assert _number(r'max \|weights - one-device weights\| = (\S+)', out) < 1e-4


# --- In this process: one replica, for what fails before anything runs ---


class TestRefusals:
  """A strategy of one replica on this process's CPU."""

  @pytest.fixture(autouse=True)
  def strategy(self):
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    import tf_kbackend.tf_backend as K  # pylint: disable=g-import-not-at-top
    K.clear_session()
    yield tf.distribute.MirroredStrategy(['/cpu:0'])
    K.clear_session()

  def test_one_replica_runs_and_gradients_are_dense(self, strategy):
    import numpy as np  # pylint: disable=g-import-not-at-top
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    import tf_kbackend.tf_backend as K  # pylint: disable=g-import-not-at-top
    with strategy.scope():
      table = K.variable(np.arange(12.0).reshape(6, 2))
      indices = K.placeholder(shape=(None,), dtype='int32')
      loss = K.sum(K.gather(table, indices))
      gradient, = K.gradients(loss, [table])
      f = K.function([indices], [loss, gradient],
                     updates=[K.update_sub(table, gradient)])
    # A gather's gradient (IndexedSlices without a strategy) is dense.
    assert isinstance(gradient, tf.Tensor)
    total, dense = f([np.array([1, 1, 4])])
    assert float(total) == 2 + 3 + 2 + 3 + 8 + 9
    np.testing.assert_array_equal(dense[1], [2.0, 2.0])
    np.testing.assert_array_equal(K.get_value(table)[1], [0.0, 1.0])

  def test_sparse_inputs_are_refused(self, strategy):
    import tf_kbackend.tf_backend as K  # pylint: disable=g-import-not-at-top
    with strategy.scope():
      w = K.variable([[1.0], [2.0]])
      x = K.placeholder(shape=(None, 2), sparse=True)
      with pytest.raises(ValueError, match='cannot split sparse inputs'):
        K.function([x], [K.dot(x, w)])

  def test_gradients_of_gradients_are_refused(self, strategy):
    import tf_kbackend.tf_backend as K  # pylint: disable=g-import-not-at-top
    with strategy.scope():
      w = K.variable([1.0, 2.0])
      x = K.placeholder(shape=(None, 2))
      gradient, = K.gradients(K.sum(K.square(x * w)), [w])
      second, = K.gradients(K.sum(K.square(gradient)), [w])
      with pytest.raises(ValueError, match='gradients of gradients'):
        K.function([x], [second])

  def test_two_strategies_are_refused(self, strategy):
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    import tf_kbackend.tf_backend as K  # pylint: disable=g-import-not-at-top
    with strategy.scope():
      a = K.variable(1.0, name='a')
    with tf.distribute.MirroredStrategy(['/cpu:0']).scope():
      b = K.variable(2.0, name='b')
    x = K.placeholder(shape=())
    with pytest.raises(ValueError, match='2 different tf.distribute'):
      K.function([x], [x * a + b])

  def test_updating_a_foreign_variable_is_refused(self, strategy):
    import tf_kbackend.tf_backend as K  # pylint: disable=g-import-not-at-top
    with strategy.scope():
      w = K.variable(1.0)
    counter = K.variable(0.0)
    x = K.placeholder(shape=())
    with pytest.raises(ValueError, match='updates a variable that is not'):
      K.function([x], [x * w], updates=[K.update_add(counter, 1.0)])
