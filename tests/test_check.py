"""`tf-kbackend check` (tf_kbackend_cli.check) on a codebase with known uses.

The fixture codebase is written by the test (below, each use with the
status it must get); the TF1 catalog is a fixture in the agreed schema
(tf_kbackend/data/tf1_names.json, produced by the TF1 layer), so the TF1
path is tested whether or not the real catalog is installed. The data the
statuses come from is checked to be current (tools/gen_check_data.py).
"""

import json
import os
import subprocess
import sys

import pytest

from tf_kbackend_cli import app
from tf_kbackend_cli.check import knowledge as knowledge_lib
from tf_kbackend_cli.check import report as report_lib
from tf_kbackend_cli.check import scanner

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'tools'))
import gen_check_data  # noqa: E402  pylint: disable=g-import-not-at-top

CODEBASE = {
    'legacy_model.py': '''\
import numpy as np
import tensorflow as tf
from keras import backend as K
from keras.layers import Dense, CuDNNLSTM
from keras.callbacks import TensorBoard

x = K.placeholder(shape=(None, 3))
y = K.batch_dot(x, x, axes=1)
z = K.no_such_name(x)
sess = tf.Session()
opt = tf.train.AdamOptimizer(0.01).minimize
init = tf.contrib.layers.xavier_initializer()
h = tf.nn.relu(x)
w = tf.no_such_thing
p = K.tf.placeholder(tf.float32)
''',
    'pkg/aliases.py': '''\
import keras
import tf_kbackend as KB
from keras.backend import tensorflow_backend as KTF
from keras.backend.tensorflow_backend import set_session
import tensorflow.compat.v1 as tf1

kb = keras.backend
v = kb.variable(np.zeros(3))
a = keras.backend.placeholder(shape=(2,))
d = KB.dot(a, v)
gpus = KTF._get_available_gpus()
s = tf1.Session()
m = keras.models.Sequential()
''',
    'py2_script.py': 'print "hello, 2016"\n',
    '.venv/lib/site.py': 'from keras import backend as K\nK.nothing\n',
    'notes.txt': 'K.placeholder is not Python\n',
}

TF1_CATALOG = {
    'tensorflow': '2.21.0',
    'names': {
        'tf.Session': {'status': 'works', 'doc': '', 'note': ''},
        'tf.placeholder': {'status': 'works', 'doc': '', 'note': ''},
        'tf.train.AdamOptimizer': {
            'status': 'deviation', 'doc': 'docs/tf1_api.md#optimizers',
            'note': 'minimize() builds an update op'},
        'tf.contrib': {'status': 'raises', 'doc': '',
                       'note': 'tf.contrib is gone: use tf.keras or TF2 APIs'},
    },
}

# (name, kind, status, [(file, line)]) of every name the codebase uses.
EXPECTED = [
    ('not Python 3', scanner.SYNTAX, 'unsupported', [('py2_script.py', 1)]),
    ('K.no_such_name', scanner.BACKEND, 'unsupported',
     [('legacy_model.py', 9)]),
    ('keras.layers.CuDNNLSTM', scanner.KERAS, 'unsupported',
     [('legacy_model.py', 4)]),
    ('tf.contrib', scanner.TENSORFLOW, 'unsupported',
     [('legacy_model.py', 12)]),
    ('tf.no_such_thing', scanner.TENSORFLOW, 'unknown',
     [('legacy_model.py', 14)]),
    ('K.batch_dot', scanner.BACKEND, 'deviation', [('legacy_model.py', 8)]),
    ('K.dot', scanner.BACKEND, 'deviation', [('pkg/aliases.py', 10)]),
    # A deviation since K.placeholder(ndim=-1) raises (docs/deviations/bridge.md).
    ('K.placeholder', scanner.BACKEND, 'deviation',
     [('legacy_model.py', 7), ('pkg/aliases.py', 9)]),
    ('K.variable', scanner.BACKEND, 'deviation', [('pkg/aliases.py', 8)]),
    ('keras.backend.tensorflow_backend.set_session',
     scanner.TENSORFLOW_BACKEND, 'deviation', [('pkg/aliases.py', 4)]),
    ('tf.train.AdamOptimizer', scanner.TENSORFLOW, 'deviation',
     [('legacy_model.py', 11)]),
    ('keras', scanner.KERAS, 'works', [('pkg/aliases.py', 1)]),
    ('keras.backend', scanner.KERAS, 'works',
     [('legacy_model.py', 3), ('pkg/aliases.py', 2)]),
    ('keras.backend.tensorflow_backend', scanner.KERAS, 'works',
     [('pkg/aliases.py', 3)]),
    ('keras.backend.tensorflow_backend._get_available_gpus',
     scanner.TENSORFLOW_BACKEND, 'works', [('pkg/aliases.py', 11)]),
    # Works under tf-kbackend run with the TF1 names (docs/tf1_api.md).
    ('keras.callbacks.TensorBoard', scanner.KERAS, 'works',
     [('legacy_model.py', 5)]),
    ('keras.layers.Dense', scanner.KERAS, 'works', [('legacy_model.py', 4)]),
    ('keras.models.Sequential', scanner.KERAS, 'works',
     [('pkg/aliases.py', 13)]),
    ('tf.Session', scanner.TENSORFLOW, 'works', [('legacy_model.py', 10)]),
    ('tf.compat.v1', scanner.TENSORFLOW, 'works', [('pkg/aliases.py', 5)]),
    ('tf.compat.v1.Session', scanner.TENSORFLOW, 'works',
     [('pkg/aliases.py', 12)]),
    ('tf.float32', scanner.TENSORFLOW, 'works', [('legacy_model.py', 15)]),
    ('tf.nn.relu', scanner.TENSORFLOW, 'works', [('legacy_model.py', 13)]),
    ('tf.placeholder', scanner.TENSORFLOW, 'works', [('legacy_model.py', 15)]),
]


@pytest.fixture
def codebase(tmp_path):
  for relative, source in CODEBASE.items():
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
  catalog = tmp_path.parent / f'{tmp_path.name}-tf1_names.json'
  catalog.write_text(json.dumps(TF1_CATALOG))
  return tmp_path, str(catalog)


def _summary(entries_or_json, root):
  rows = []
  for entry in entries_or_json:
    rows.append((entry['name'], entry['kind'], entry['status'],
                 [(os.path.relpath(u['path'], root).replace(os.sep, '/'),
                   u['line']) for u in entry['uses']]))
  return rows


def test_known_findings_in_json(codebase, capsys):
  root, catalog = codebase
  status = app.main(['check', str(root), '--format', 'json',
                     '--tf1-catalog', catalog])
  assert status == 1  # Something unsupported is used.
  data = json.loads(capsys.readouterr().out)
  assert data['tf1_catalog'] is True
  assert [os.path.relpath(f, root) for f in data['files']] == [
      'legacy_model.py', 'py2_script.py', os.path.join('pkg', 'aliases.py')]
  assert _summary(data['names'], str(root)) == EXPECTED
  assert data['summary'] == {
      'unsupported': {'names': 4, 'uses': 4},
      'unknown': {'names': 1, 'uses': 1},
      'deviation': {'names': 6, 'uses': 7},
      'works': {'names': 13, 'uses': 14},
  }
  by_name = {e['name']: e for e in data['names']}
  assert by_name['K.batch_dot']['docs'] == [
      'docs/deviations/math.md#batch_dot-the-documented-rule-keras-231-plus-'
      '224s-matrix-axes']
  assert by_name['tf.train.AdamOptimizer']['docs'] == [
      'docs/tf1_api.md#optimizers']
  assert 'tf.contrib is gone' in by_name['tf.contrib']['note']
  assert 'Instead: keras.layers.GRU' in by_name['keras.layers.CuDNNLSTM'][
      'note']
  assert 'typo' in by_name['K.no_such_name']['note']
  assert 'install-keras' in by_name['keras.layers.Dense']['note']


def test_text_report(codebase, capsys):
  root, catalog = codebase
  assert app.main(['check', str(root / 'pkg'), '--tf1-catalog',
                   catalog]) == 0
  out = capsys.readouterr().out
  assert out.startswith('tf-kbackend check: 1 files; 11 names used 11 times: '
                        '0 unsupported, 0 unknown, 4 deviation, 7 works\n')
  path = os.path.join(str(root), 'pkg', 'aliases.py')
  assert (f'  K.dot  [backend name]  works, with a documented difference: '
          f'docs/deviations/math.md#extensions-legacy-raised\n      '
          f'{path}:10\n') in out


def test_exit_status_and_strict(codebase, capsys):
  root, catalog = codebase
  only_unknown = root / 'unknown_only.py'
  only_unknown.write_text('import tensorflow as tf\ntf.no_such_thing\n')
  assert app.main(['check', str(only_unknown), '--tf1-catalog',
                   catalog]) == 0
  assert app.main(['check', str(only_unknown), '--strict', '--tf1-catalog',
                   catalog]) == 1
  assert app.main(['check', str(root / 'missing.py')]) == 2
  assert "No such file or directory: '" in capsys.readouterr().err


def test_without_a_tf1_catalog_tf1_names_are_unknown(codebase):
  root, _ = codebase
  knowledge = knowledge_lib.Knowledge(tf1={'names': {}})
  knowledge.has_tf1_catalog = False
  report = report_lib.check([str(root / 'legacy_model.py')], knowledge)
  statuses = {e.name: e.verdict.status for e in report.entries}
  assert statuses['tf.Session'] == statuses['tf.contrib'] == 'unknown'
  assert statuses['tf.train.AdamOptimizer'] == 'unknown'
  assert statuses['tf.nn.relu'] == 'works'
  assert 'no TF1 catalog installed' in report.as_text()


def test_check_imports_no_tensorflow(codebase):
  root, catalog = codebase
  probe = ('import sys\nfrom tf_kbackend_cli import app\n'
           f'status = app.main(["check", {str(root)!r}, "--tf1-catalog", '
           f'{catalog!r}])\n'
           'print("RESULT", status, sorted(m for m in sys.modules if '
           'm.split(".")[0] in ("tensorflow", "tf_kbackend", "keras", '
           '"numpy")))\n')
  result = subprocess.run([sys.executable, '-c', probe], capture_output=True,
                          text=True, timeout=120, check=False)
  assert result.stdout.splitlines()[-1] == 'RESULT 1 []', result.stderr


# --- The data the statuses come from. ----------------------------------


# That the data is current: tests/test_docs.py (tools/gen_docs.py --check).


def test_every_deviation_link_points_at_a_heading():
  knowledge = knowledge_lib.Knowledge()
  links = {link for entry in knowledge._knowledge['backend'].values()  # pylint: disable=protected-access
           for link in entry['docs']}
  assert len(links) > 10
  for link in links:
    path, _, anchor = link.partition('#')
    with open(os.path.join(REPO, path), encoding='utf-8') as f:
      headings = [line.split(' ', 1)[1] for line in f
                  if line.startswith(('## ', '### '))]
    assert not anchor or anchor in {gen_check_data.slugify(h.strip())
                                    for h in headings}, link


def test_the_deviation_rule():
  page = '''# Area: where it differs

Scope: `dot`, `sum`, `mean` (all of them).

## `batch_dot`: the documented rule

| Input | Legacy | Here |
|---|---|---|
| unknown rank (`placeholder(shape=None)`) | crash | `ValueError` |

## rnn

Text naming `sum` in passing.

## Operand dtypes

Ops on floats: `K.exp`, `log(x)`, and `tf.sqrt` (not ours).

## Numpy reference choices

- `mean`: the reference keeps ints.

## Small extensions

- `one_hot` accepts more dtypes (unlike `gather`).
- `squeeze`: a list of axes; see `tile`.
'''
  api = {'dot', 'sum', 'mean', 'batch_dot', 'placeholder', 'rnn', 'exp',
         'log', 'sqrt', 'one_hot', 'gather', 'squeeze', 'tile'}
  assert gen_check_data._documented_names(page, api) == {  # pylint: disable=protected-access
      'batch_dot': 'batch_dot-the-documented-rule',
      'rnn': 'rnn',
      'exp': 'operand-dtypes',
      'log': 'operand-dtypes',
      'one_hot': 'small-extensions',
      'squeeze': 'small-extensions',
  }


@pytest.mark.parametrize('source, expected', [
    ('import keras.backend as K\nK.eval(1)\n', ['keras.backend', 'K.eval']),
    ('from keras.backend import *\n', ['keras.backend']),
    ('from keras.backend import placeholder as ph\nph()\n',
     ['K.placeholder']),
    ('import tensorflow.contrib.slim as slim\nslim.conv2d\n',
     ['tf.contrib.slim', 'tf.contrib.slim.conv2d']),
    ('from tensorflow import keras\nkeras.layers.Dense\n',
     ['tf.keras', 'tf.keras.layers.Dense']),
    ('from . import keras\nkeras.x\nimport numpy as K\nK.sum\n', []),
    ('import tf_kbackend as K\nfrom tf_kbackend import export, legacy\n'
     'import tf_kbackend.export\nK.sum\nexport.export_function\n',
     ['keras.backend', 'K.sum']),
    ('import keras\nK = keras.backend\nT = K.tf\nT.Session\n',
     ['keras', 'tf.Session']),
])
def test_scanner_follows_imports_and_aliases(source, expected):
  assert [u.display for u in scanner.scan_source(source)] == expected
