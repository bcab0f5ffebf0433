"""The numpy reference backend never imports TensorFlow.

It is the test oracle of the TensorFlow implementation, so it must not
share code with it: checked statically (no module under
tf_kbackend/numpy_backend imports tensorflow, the TF implementation or the
TF-private helpers) and dynamically (a process selecting the numpy backend
runs a small training step and has not imported tensorflow at the end).
"""

import ast
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

import tf_kbackend.numpy_backend

_PACKAGE_DIR = pathlib.Path(tf_kbackend.numpy_backend.__file__).parent
_MODULES = sorted(_PACKAGE_DIR.glob('*.py'))
# What a numpy backend module may import from tf_kbackend itself.
_ALLOWED_INTERNAL = ('tf_kbackend.config', 'tf_kbackend.api_contract',
                     'tf_kbackend.numpy_backend')


def _imported_modules(path):
  """Every module name an import statement of the file names (any depth)."""
  tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
  names = []
  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      names.extend(alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
      if node.level:
        raise AssertionError(f'{path.name}: relative import at line '
                             f'{node.lineno}; use absolute imports.')
      names.append(node.module)
      names.extend(f'{node.module}.{alias.name}' for alias in node.names)
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
          and node.func.attr == 'import_module' and node.args and
          isinstance(node.args[0], ast.Constant)):
      names.append(node.args[0].value)
  return names


def test_the_package_has_modules_to_check():
  assert {'graph.py', 'tensors.py', 'keras_function.py'} <= {
      p.name for p in _MODULES}


@pytest.mark.parametrize('path', _MODULES, ids=lambda p: p.name)
def test_module_imports_no_tensorflow(path):
  for name in _imported_modules(path):
    root = name.split('.')[0]
    assert root not in ('tensorflow', 'tf_keras', 'keras'), (
        f'{path.name} imports {name}')
    if root == 'tf_kbackend':
      assert name.startswith(_ALLOWED_INTERNAL) or name == 'tf_kbackend', (
          f'{path.name} imports {name}: the numpy backend may only use '
          f'{_ALLOWED_INTERNAL}')


def test_the_static_check_would_catch_an_import(tmp_path):
  bad = tmp_path / 'bad.py'
  bad.write_text('def f():\n  from tensorflow import nn\n  return nn\n')
  assert 'tensorflow' in _imported_modules(bad)


_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tf_kbackend as K
    # A linear model trained two steps with K.function, K.gradients and
    # update ops: placeholders, variables, the learning phase, sessions.
    x = K.placeholder(shape=(None, 2))
    y = K.placeholder(shape=(None, 1))
    w = K.variable([[0.5], [-0.5]])
    prediction = K.in_train_phase(K.dot(x, w), K.dot(x, w) * 0.0)
    loss = K.mean(K.square(prediction - y))
    grad, = K.gradients(loss, [w])
    train = K.function([x, y, K.learning_phase()], [loss],
                       updates=[K.update_sub(w, 0.02 * grad)])
    xs = np.array([[1.0, 2.0], [3.0, 4.0]])
    ys = np.array([[1.0], [2.0]])
    losses = [float(train([xs, ys, 1])[0]) for _ in range(2)]
    session_value = K.get_session().run(loss, {x: xs, y: ys})
    print(json.dumps({
        'backend': K.backend(),
        'losses': losses,
        'session_value': float(session_value),
        'tensorflow': sorted(m for m in sys.modules
                             if m == 'tensorflow' or m.startswith(
                                 ('tensorflow.', 'tf_kbackend.tf_backend'))),
    }))
""")


def test_numpy_backend_runs_without_importing_tensorflow(tmp_path):
  env = {k: v for k, v in os.environ.items()
         if k not in ('TF_KBACKEND_LEGACY_ALIAS',)}
  env.update(KERAS_BACKEND='numpy', KERAS_HOME=str(tmp_path))
  env['PYTHONPATH'] = os.pathsep.join(p for p in sys.path if p)
  process = subprocess.run(
      [sys.executable, '-c', _SCRIPT], env=env, cwd=str(tmp_path),
      capture_output=True, text=True, timeout=300, check=False)
  assert process.returncode == 0, process.stderr
  result = json.loads(process.stdout.strip().splitlines()[-1])
  assert result['backend'] == 'numpy'
  assert result['tensorflow'] == []
  # Hand-computed: w = [0.5, -0.5] predicts [-0.5, -0.5]: the mean squared
  # error is (1.5**2 + 2.5**2) / 2 = 4.25 and the gradient [-9, -13]; the
  # step gives w = [0.68, -0.24], predicting [0.2, 1.08]: a loss of
  # (0.8**2 + 0.92**2) / 2 = 0.7432.
  assert result['losses'] == pytest.approx([4.25, 0.7432], rel=1e-5)
  # The session reads the weights after the two updates (test phase: 0).
  assert result['session_value'] == pytest.approx((1.0 + 4.0) / 2, rel=1e-6)
