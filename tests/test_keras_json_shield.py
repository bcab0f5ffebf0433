"""A keras.json that TensorFlow's bundled Keras refuses does not fail the import.

TensorFlow's own Keras and Keras 3 read keras.json while `import
tensorflow` runs and refuse values tf_kbackend reads with a warning
(`"epsilon": 1`, `"floatx": "float33"`, a file that is not a JSON object).
When tf_kbackend imports TensorFlow (imported first, or under `tf-kbackend
run`), TensorFlow reads a corrected temporary copy
(`tf_kbackend/legacy/config_shield.py`); the user's file is never written,
`KERAS_HOME` is restored, and tf_kbackend's warning names the key to fix,
pointing at the program's line. Real subprocesses, each with its own
temporary KERAS_HOME.
"""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Prints what the process ended up with, as JSON on the last line.
# (TensorFlow's own Keras, and Keras 3 as its start-up loaded it: under
# `tf-kbackend run`, `keras` is then the stand-in.)
REPORT = '''
import json, os, sys
import tensorflow as tf
from tensorflow.python.keras import backend as tf_keras_backend
backend = sys.modules.get('tf_kbackend')
keras3 = sys.modules.get('keras.src.backend.config')
print(json.dumps({
    'keras_home': os.environ.get('KERAS_HOME'),
    'epsilon': backend.epsilon() if backend else None,
    'floatx': backend.floatx() if backend else None,
    'tf_keras_epsilon': tf_keras_backend.epsilon(),
    'keras3_epsilon': keras3.epsilon() if keras3 else None,
}))
'''


def _run(home, contents, argv, script):
  path = os.path.join(home, 'keras.json')
  with open(path, 'w', encoding='utf-8') as f:
    f.write(contents)
  script_path = os.path.join(home, 'program.py')
  with open(script_path, 'w', encoding='utf-8') as f:
    f.write(script)
  env = dict(os.environ, KERAS_HOME=home, TF_CPP_MIN_LOG_LEVEL='3',
             PYTHONPATH=REPO)
  env.pop('KERAS_BACKEND', None)
  result = subprocess.run([sys.executable, *argv, script_path], env=env,
                          capture_output=True, text=True, timeout=300,
                          check=False)
  with open(path, encoding='utf-8') as f:
    assert f.read() == contents, 'the user\'s keras.json was rewritten'
  assert sorted(os.listdir(home)) == ['keras.json', 'program.py']
  return result, script_path


def _report(result):
  assert result.returncode == 0, result.stderr[-3000:]
  return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_import_tensorflow_alone_fails_on_such_a_file(tmp_path):
  # Why the shield exists (if TensorFlow ever accepts these, it can go).
  result, _ = _run(str(tmp_path), '{"epsilon": 1}', [], 'import tensorflow\n')
  assert result.returncode != 0
  assert '_epsilon' in result.stderr or 'epsilon' in result.stderr


def test_tf_kbackend_first_shields_tensorflow(tmp_path):
  home = str(tmp_path)
  result, script = _run(home, '{"epsilon": 1, "floatx": "float32"}', [],
                        'import os\n\nimport tf_kbackend\n' + REPORT)
  report = _report(result)
  assert report == {'keras_home': home, 'epsilon': 1.0, 'floatx': 'float32',
                    'tf_keras_epsilon': 1.0, 'keras3_epsilon': 1.0}
  # The warning names the key and the fix, at the program's import line.
  assert f'{script}:3: ConfigWarning: Key "epsilon"' in result.stderr
  assert 'such as 1.0' in result.stderr


def test_tf_kbackend_run_shields_tensorflow(tmp_path):
  home = str(tmp_path)
  result, _ = _run(home, '{"floatx": "float33"}', ['-m', 'tf_kbackend', 'run'],
                   'import tf_kbackend\n' + REPORT)
  report = _report(result)
  assert report['keras_home'] == home
  assert report['floatx'] == 'float32' and report['tf_keras_epsilon'] == 1e-07
  assert 'Invalid value for key "floatx"' in result.stderr
  assert "'float33'" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize('contents, key', [
    ('[1, 2]', 'JSON object'),
    ('{"image_data_format": "nchw"}', '"image_data_format"'),
    ('{"epsilon": "tiny"}', '"epsilon"'),
    ('{"epsilon": true}', '"epsilon"'),
])
def test_other_refused_files(tmp_path, contents, key):
  home = str(tmp_path)
  result, _ = _run(home, contents, [], 'import tf_kbackend\n' + REPORT)
  report = _report(result)
  assert report['keras_home'] == home and report['epsilon'] == 1e-07
  assert key in result.stderr
