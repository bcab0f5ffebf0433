"""Smoke tests of the examples: legacy TF1-era scripts run unchanged.

Each example in examples/ is run as a user would run it, in a subprocess
through `python -m tf_kbackend run examples/<script>.py --quick`, and the
test checks what it printed: that it learned (the loss fell, accuracy
above chance, Q-values near the optimal ones...), not merely that it
exited. The lead's example (examples/mlp_placeholder_training.py, which
imports tf_kbackend itself) runs through plain `python`.

The subprocesses of the selected tests are started together, two at a
time (the examples are single-threaded at heart, and most of each run is
TensorFlow's import), so the whole file takes about the time of the
slowest half.
"""

import ast
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from tests.support import legacy_keras

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, 'examples')

# Script -> the command-line arguments of its smoke run.
LEGACY_SCRIPTS = {
    'mlp_batchnorm_adam.py': ['--quick'],
    'convnet_shapes.py': ['--quick'],
    'variational_autoencoder.py': ['--quick'],
    'neural_style_transfer.py': ['--quick'],
    'lstm_adding_problem.py': ['--quick'],
    'dqn_chain_walk.py': ['--quick'],
    'gan_1d_mixture.py': ['--quick'],
}
LEAD_SCRIPT = 'mlp_placeholder_training.py'
# TF1-era scripts beside Keras (docs/tf1_api.md): they use TensorFlow 1
# names and the real Keras 2.2.4 (installed once into a side directory by
# tests/support/legacy_keras.py).
TF1_LOGDIR = tempfile.mkdtemp(prefix='tf_kbackend_example_logs_')
TF1_SCRIPTS = {
    'keras_layers_on_tf_placeholders.py': ['--quick'],
    'keras_focal_loss_tensorboard.py': ['--quick', '--logdir', TF1_LOGDIR],
    'custom_layer_variable_scope_py_func.py': ['--quick'],
}
TIMEOUT_S = 300


def _command(script):
  path = os.path.join(EXAMPLES, script)
  if script == LEAD_SCRIPT:
    return [sys.executable, path, '--epochs', '2']
  arguments = TF1_SCRIPTS.get(script) or LEGACY_SCRIPTS[script]
  return [sys.executable, '-m', 'tf_kbackend', 'run', path] + arguments


def _run(script):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
  env.pop('KERAS_BACKEND', None)
  if script in TF1_SCRIPTS:
    env = legacy_keras.env_with_legacy_keras('2.2.4', env)
  return subprocess.run(_command(script), cwd=REPO, env=env,
                        capture_output=True, text=True, timeout=TIMEOUT_S)


@pytest.fixture(scope='module')
def runs(request):
  """Futures of the runs of every example selected in this session."""
  selected = []
  for item in request.session.items:
    callspec = getattr(item, 'callspec', None)
    if (getattr(item, 'module', None) is request.module and callspec is not None
        and 'script' in callspec.params):
      selected.append(callspec.params['script'])
  with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    yield {script: pool.submit(_run, script)
           for script in dict.fromkeys(selected)}


def _output(runs, script):
  result = runs[script].result()
  assert result.returncode == 0, (
      f'{script} exited with {result.returncode}:\n{result.stdout}\n'
      f'{result.stderr[-3000:]}')
  assert 'Traceback' not in result.stderr, result.stderr[-3000:]
  return result.stdout


def _floats(pattern, text):
  values = [float(v) for v in re.findall(pattern, text)]
  assert values, f'no match for {pattern!r} in:\n{text}'
  return values


def _one(pattern, text):
  match = re.search(pattern, text)
  assert match, f'no match for {pattern!r} in:\n{text}'
  return [float(g) for g in match.groups()]


# --- The scripts are legacy code: they use only `keras.backend`. --------


@pytest.mark.parametrize('name', sorted(LEGACY_SCRIPTS))
def test_example_is_a_legacy_backend_script(name):
  with open(os.path.join(EXAMPLES, name)) as f:
    source = f.read()
  tree = ast.parse(source)
  imported = set()
  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      imported.update(alias.name.split('.')[0] for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
      imported.add(node.module.split('.')[0])
  # Legacy code knows nothing of tf_kbackend, nor of TensorFlow 2.
  assert not imported & {'tf_kbackend', 'tensorflow'}, imported
  assert re.search(r'^from keras import backend as K$', source, re.M)
  docstring = ast.get_docstring(tree)
  assert docstring and 'tf-kbackend run examples/' + name in docstring
  assert "'--quick'" in source


@pytest.mark.parametrize('name', sorted(TF1_SCRIPTS))
def test_tf1_example_is_a_tf1_era_script(name):
  with open(os.path.join(EXAMPLES, name)) as f:
    source = f.read()
  tree = ast.parse(source)
  imported = set()
  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      imported.update(alias.name.split('.')[0] for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
      imported.add(node.module.split('.')[0])
  # TF1 code beside Keras: no tf_kbackend, no TensorFlow 2 API.
  assert {'tensorflow', 'keras'} <= imported and 'tf_kbackend' not in imported
  for tf2_only in ('tf.function', 'tf.GradientTape', 'tf.compat',
                   'tf.keras'):
    assert tf2_only not in source, tf2_only
  docstring = ast.get_docstring(tree)
  assert docstring and 'tf-kbackend run examples/' + name in docstring
  assert "'--quick'" in source or "'quick'" in source


# --- The runs. -----------------------------------------------------------


@pytest.mark.parametrize('script', [LEAD_SCRIPT])
def test_lead_mlp_placeholder_training(runs, script):
  out = _output(runs, script)
  losses = _floats(r'epoch \d+  loss ([\d.]+)', out)
  assert len(losses) == 2 and losses[-1] < losses[0]
  accuracy, = _one(r'test accuracy ([\d.]+)', out)
  assert accuracy > 0.5  # 10 classes: chance is 0.1


@pytest.mark.parametrize('script', [LEAD_SCRIPT])
def test_lead_script_is_seeded(runs, script, tmp_path):
  # docs/examples.md promises the same numbers on every run; the second
  # run also writes its predict function as a SavedModel (--export).
  first = _output(runs, script)
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
  env.pop('KERAS_BACKEND', None)
  export_dir = tmp_path / 'savedmodel'
  second = subprocess.run(
      _command(script) + ['--export', str(export_dir)], cwd=REPO, env=env,
      capture_output=True, text=True, timeout=TIMEOUT_S)
  assert second.returncode == 0, second.stderr[-3000:]
  assert second.stdout == first + (
      f'exported the predict function to {export_dir}\n')
  assert (export_dir / 'saved_model.pb').exists()


@pytest.mark.parametrize('script', ['mlp_batchnorm_adam.py'])
def test_mlp_batchnorm_adam(runs, script):
  out = _output(runs, script)
  losses = _floats(r'epoch \d+  loss ([\d.]+)', out)
  assert len(losses) == 6 and losses[-1] < 0.7 * losses[0]
  # At test time the network normalizes with the moving statistics: on
  # these features (offsets up to 50, scales up to 100) it only beats
  # chance (0.25) if the moving-average updates ran during training.
  accuracy, = _one(r'test accuracy ([\d.]+) \(moving statistics\)', out)
  assert accuracy > 0.6
  batch_accuracy, = _one(r'test accuracy ([\d.]+) \(batch statistics\)',
                         out)
  assert batch_accuracy > 0.6


@pytest.mark.parametrize('script', ['convnet_shapes.py'])
def test_convnet_shapes(runs, script):
  out = _output(runs, script)
  losses = _floats(r'epoch \d+  loss ([\d.]+)', out)
  assert len(losses) == 3 and losses[-1] < 0.7 * losses[0]
  accuracy, = _one(r'test accuracy ([\d.]+) \(chance 0.25\)', out)
  assert accuracy > 0.8
  per_shape = _floats(r'  (?:horizontal bar|vertical bar|cross|square)'
                      r' +([\d.]+)', out)
  assert len(per_shape) == 4 and min(per_shape) > 0.5


@pytest.mark.parametrize('script', ['variational_autoencoder.py'])
def test_variational_autoencoder(runs, script):
  out = _output(runs, script)
  losses = _floats(r'epoch \d+  loss ([\d.]+)', out)
  assert len(losses) == 8 and losses[-1] < 0.7 * losses[0]
  kl = _floats(r'kl ([\d.]+)', out)
  assert all(k > 0 for k in kl)  # the KL term is really in the loss
  mse, baseline = _one(r'test reconstruction mse ([\d.]+) \(mean-image '
                       r'baseline ([\d.]+)\)', out)
  assert mse < 0.5 * baseline
  # The 2-D code has learned where the blob is.
  row, col = _one(r'R\^2 ([\d.]+) \(row\), ([\d.]+) \(column\)', out)
  assert row > 0.5 and col > 0.5


@pytest.mark.parametrize('script', ['neural_style_transfer.py'])
def test_neural_style_transfer(runs, script):
  out = _output(runs, script)
  initial, = _one(r'initial loss ([\d.]+)', out)
  losses = _floats(r'iteration \d+  loss ([\d.]+)', out)
  assert len(losses) == 3
  # L-BFGS only ever keeps a better point: the loss and the gradient come
  # from one K.function and must agree for that to hold.
  assert all(b <= a for a, b in zip(losses, losses[1:]))
  assert losses[-1] < 0.5 * initial
  factor, = _one(r'style loss divided by ([\d.]+)', out)
  assert factor > 3


@pytest.mark.parametrize('script', ['lstm_adding_problem.py'])
def test_lstm_adding_problem(runs, script):
  out = _output(runs, script)
  mses = _floats(r'step \d+  mse ([\d.]+)', out)
  assert mses[-1] < 0.2 * mses[0]
  test_mse, baseline = _one(r'test mse ([\d.]+) \(baseline ([\d.]+)\)', out)
  # Always answering the mean scores the baseline; doing much better
  # takes remembering the two marked numbers through the sequence.
  assert test_mse < 0.2 * baseline


@pytest.mark.parametrize('script', ['dqn_chain_walk.py'])
def test_dqn_chain_walk(runs, script):
  out = _output(runs, script)
  rows = re.findall(r'^ +(\d+) +([-\d.]+) +([-\d.]+)  \| +([-\d.]+) +'
                    r'([-\d.]+)$', out, re.M)
  assert len(rows) == 4  # --quick: 5 states, the last one terminal
  learned_right = [float(r[2]) for r in rows]
  # Q(s, right) = gamma^(distance to the goal - 1) rises towards the goal.
  assert all(b > a for a, b in zip(learned_right, learned_right[1:]))
  for _, left, right, _, _ in rows:
    assert float(right) > float(left)
  assert 'greedy policy RRRR' in out
  error, = _one(r'max \|Q - Q\*\| ([\d.]+)', out)
  assert error < 0.1
  # The soft target updates ran at every step: the target network ends up
  # close to the online one (it starts from other random weights).
  lag, = _one(r'max \|Q_target - Q\| ([\d.]+)', out)
  assert lag < 0.1


@pytest.mark.parametrize('script', ['gan_1d_mixture.py'])
def test_gan_1d_mixture(runs, script):
  out = _output(runs, script)
  end, start = _one(r'W1 distance to the data at the end ([\d.]+) \(start '
                    r'([\d.]+)\)', out)
  assert end < 0.5 * start
  generated, _ = _one(r'below 0: generated ([\d.]+), real ([\d.]+)', out)
  assert 0.2 < generated < 0.8  # both modes, not one


@pytest.mark.parametrize('script', ['keras_layers_on_tf_placeholders.py'])
def test_keras_layers_on_tf_placeholders(runs, script):
  out = _output(runs, script)
  losses = _floats(r'epoch \d+  loss ([\d.]+)', out)
  assert len(losses) == 4 and losses[-1] < 0.3 * losses[0]
  accuracy, = _one(r'test accuracy ([\d.]+) \(chance 0.1\)', out)
  assert accuracy > 0.9


@pytest.mark.parametrize('script', ['keras_focal_loss_tensorboard.py'])
def test_keras_focal_loss_tensorboard(runs, script):
  out = _output(runs, script)
  losses = _floats(r'epoch \d+  loss ([\d.]+)', out)
  assert len(losses) == 12 and losses[-1] < 0.2 * losses[0]
  # The rare classes (5% each) are found, not sacrificed to the common one.
  recalls = _floats(r'class \d recall ([\d.]+)', out)
  assert len(recalls) == 4 and min(recalls) > 0.8
  # What the TensorBoard callback wrote, read by TensorBoard's own reader.
  event_accumulator = pytest.importorskip(
      'tensorboard.backend.event_processing.event_accumulator')
  events = event_accumulator.EventAccumulator(
      TF1_LOGDIR, size_guidance={'scalars': 0, 'histograms': 0})
  events.Reload()
  tags = events.Tags()
  assert [e.step for e in events.Scalars('loss')] == list(range(12))
  np.testing.assert_allclose([e.value for e in events.Scalars('loss')],
                             losses, rtol=0, atol=6e-5)  # printed %.4f
  assert 'dense_1/kernel_0_grad' in tags['histograms'] and tags['graph']
  assert len(events.Histograms('dense_1/kernel_0')) == 6  # every 2 epochs
  assert 'dense_1/kernel_0_1/image/0' in tags['images']


@pytest.mark.parametrize('script', ['custom_layer_variable_scope_py_func.py'])
def test_custom_layer_variable_scope_py_func(runs, script):
  out = _output(runs, script)
  losses = _floats(r'epoch \d+  loss ([\d.]+)', out)
  assert len(losses) == 15 and losses[-1] < 0.3 * losses[0]
  mse, baseline = _one(r'test mse ([\d.]+) \(baseline ([\d.]+)\)', out)
  assert mse < 0.2 * baseline
  assert 'evaluation model shares the weights: True (max |difference| 0)' in out
  assert 'variables in scope encoder: encoder/bias:0, encoder/kernel:0' in out
