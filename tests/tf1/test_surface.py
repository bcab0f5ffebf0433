"""The whole `tf.compat.v1` surface under the TF1 names.

Enumerated from TensorFlow itself (not a hand-picked list): every TF1 name
resolves on the real `tensorflow` module, or deliberately raises an error
naming what to use; TF2 code keeps TF2's objects; `disable()` restores
everything; the shipped catalog is current.
"""

import json
import os
import re
import sys
import types

import numpy as np
import pytest
import tensorflow as tf

from tf_kbackend import tf1
from tf_kbackend.tf1 import catalog
from tf_kbackend.tf1 import surface
from tf_kbackend.tf1.unavailable import TF1NameError

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


def _resolve(name):
  value = tf
  for attribute in name.split('.')[1:]:
    value = getattr(value, attribute)
  return value


def _v1_names():
  """Every public name of tf.compat.v1, walked afresh from TensorFlow."""
  return [name for name, _ in surface.walk()]


def test_every_tf1_name_resolves_or_raises_deliberately():
  names = _v1_names()
  statuses = {name: entry['status']
              for name, entry in catalog.catalog()['names'].items()}
  resolved, deliberate = [], []
  for name in names:
    try:
      value = _resolve(name)
    except TF1NameError:
      deliberate.append(name)
      continue
    resolved.append(name)
    if statuses.get(name) == 'raises':
      # Resolves (scripts import it), and says what to use when used.
      with pytest.raises(TF1NameError, match='not available with '
                         'tf_kbackend'):
        value() if callable(value) else value.anything  # noqa: B018
  # Names under a module that raises raise as well, by design.
  for name in deliberate:
    assert statuses.get(name) == 'raises' or any(
        statuses.get(name[:i]) == 'raises'
        for i in [m.start() for m in re.finditer(r'\.', name)]), name
  print(f'\ntf.compat.v1: {len(names)} names; {len(resolved)} resolve '
        f'({sum(statuses.get(n) == "raises" for n in resolved)} of them '
        f'stand-ins that raise when used), {len(deliberate)} raise on '
        f'access')
  assert len(resolved) + len(deliberate) == len(names)
  assert len(names) > 3000
  assert len(deliberate) + sum(
      statuses.get(n) == 'raises' for n in resolved) < 150


@pytest.mark.parametrize('name', [
    'tf.Session', 'tf.InteractiveSession', 'tf.ConfigProto', 'tf.GPUOptions',
    'tf.placeholder', 'tf.placeholder_with_default', 'tf.get_variable',
    'tf.variable_scope', 'tf.global_variables_initializer',
    'tf.get_default_graph', 'tf.reset_default_graph', 'tf.set_random_seed',
    'tf.log', 'tf.to_float', 'tf.to_int32', 'tf.random_shuffle',
    'tf.py_func', 'tf.sparse_tensor_to_dense', 'tf.train.AdamOptimizer',
    'tf.train.GradientDescentOptimizer', 'tf.summary.FileWriter',
    'tf.summary.merge_all', 'tf.Summary', 'tf.logging.info',
    'tf.app.flags', 'tf.gfile.Exists', 'tf.losses.mean_squared_error',
    'tf.nn.softmax_cross_entropy_with_logits_v2', 'tf.get_default_session',
    'tf.train.Saver', 'tf.Dimension', 'tf.AUTO_REUSE', 'tf.GraphKeys'])
def test_issue_names_resolve(name):
  assert _resolve(name) is not None
  assert catalog.catalog()['names'][name]['status'] in ('works', 'deviation')


def test_tf2_code_keeps_tf2_objects():
  tf1.disable()
  before = {}
  for name, _ in surface.walk():
    try:
      before[name] = _resolve(name)
    except AttributeError:
      pass
  tf1.enable()
  replaced = 0
  for name, original in before.items():
    value = _resolve(name)
    if value is original:
      continue
    replaced += 1
    # Either TF1-only territory (a module of TF1's replacing a lazy Keras 3
    # module, and its members), or routed: TF2 code gets the original.
    routed_to = getattr(value, '__tf2__', None)
    assert routed_to is original or isinstance(
        _resolve(name.rpartition('.')[0]) if name.count('.') > 1 else tf,
        surface.TF1Module) or isinstance(value, surface.TF1Module), name
  assert replaced > 100
  # Called from TF2 code, a routed name is TF2's function.
  namespace = {'__name__': 'keras.src.fake_module', 'tf': tf}
  exec(  # pylint: disable=exec-used
      'def call():\n'
      '  return tf.nn.dropout(tf.ones((1000,)), 0.9, seed=1)\n',
      namespace)
  dropped = namespace['call']().numpy()
  assert (dropped == 0).mean() > 0.8  # TF2: rate=0.9 drops 90%


def test_tf1_code_gets_tf1_signatures():
  kept = tf.nn.dropout(tf.ones((1000,)), 0.9, seed=1).numpy()
  assert (kept == 0).mean() < 0.2  # TF1: keep_prob=0.9 keeps 90%
  x = np.arange(6.0, dtype='float32').reshape(2, 3)
  np.testing.assert_allclose(tf.reduce_sum(x, 1, keep_dims=True),
                             x.sum(1, keepdims=True))
  np.testing.assert_allclose(tf.reduce_mean(x, reduction_indices=[0]),
                             x.mean(0))
  mean, variance = tf.nn.moments(tf.constant(x), [1], keep_dims=True)
  assert mean.shape == (2, 1) and variance.shape == (2, 1)
  np.testing.assert_allclose(tf.nn.softmax(x, dim=0),
                             np.exp(x) / np.exp(x).sum(0), rtol=1e-6)
  np.testing.assert_array_equal(tf.argmax(x, dimension=1), [2, 2])
  np.testing.assert_array_equal(tf.expand_dims(x, dim=0).shape, (1, 2, 3))
  labels = np.eye(3, dtype='float32')[[0, 2]]
  loss = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=x,
                                                 dim=-1)
  expected = -np.log(np.exp(x) / np.exp(x).sum(1, keepdims=True))
  np.testing.assert_allclose(loss, [expected[0, 0], expected[1, 2]],
                             rtol=1e-5)
  # tf.while_loop gave a lone loop variable back unwrapped; tf.cond took
  # fn1 / fn2.
  i = tf.while_loop(lambda v: v < 5, lambda v: v + 1, [tf.constant(0)])
  assert int(i) == 5
  assert float(tf.cond(tf.constant(True), fn1=lambda: 1.0,
                       fn2=lambda: 2.0)) == 1.0
  # No gradient into the labels (TF1's softmax_cross_entropy_with_logits).
  p = tf.placeholder(tf.float32, [3])
  loss = tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=p)
  assert tf.gradients(loss, [p])[0] is not None
  assert tf.gradients(loss, [p], stop_gradients=None)[0] is not None
  labels_only = tf.nn.softmax_cross_entropy_with_logits(
      labels=p, logits=tf.constant([1.0, 2.0, 3.0]))
  assert tf.gradients(labels_only, [p])[0] is None
  # tf.nn.in_top_k took (predictions, targets, k) in TF1.
  np.testing.assert_array_equal(
      tf.nn.in_top_k(x, np.array([2, 0]), 1), [True, False])


def test_disable_restores_tensorflow_as_it_was():
  tf1.disable()
  snapshot = {}
  for name, _ in surface.walk():
    parent = name.rpartition('.')[0]
    try:
      module = _resolve(parent) if parent != 'tf' else tf
    except AttributeError:
      continue
    if isinstance(module, types.ModuleType) and id(module) not in snapshot:
      snapshot[id(module)] = (module, dict(vars(module)))
  snapshot[id(tf)] = (tf, dict(vars(tf)))
  modules_before = set(sys.modules)
  tf1.enable()
  assert hasattr(tf, 'Session')
  tf1.disable()
  for module, attributes in snapshot.values():
    assert dict(vars(module)) == attributes, module.__name__
  assert set(sys.modules) - modules_before == set()
  assert not hasattr(tf, 'contrib')
  tf1.enable()  # What the fixture expects to turn off.


def test_catalog_is_current_and_well_formed():
  with open(catalog.PATH, encoding='utf-8') as f:
    shipped = f.read()
  assert shipped == catalog.dumps(), (
      'tf_kbackend/data/tf1_names.json is stale: run python '
      'tools/gen_tf1_catalog.py')
  data = json.loads(shipped)
  assert data['tensorflow'] == tf.__version__
  with open(os.path.join(REPO, 'docs', 'tf1_api.md'), encoding='utf-8') as f:
    anchors = set(re.findall(r'<a id="([\w-]+)"></a>', f.read()))
  for name, entry in data['names'].items():
    assert set(entry) == {'status', 'doc', 'note'}, name
    assert entry['status'] in ('works', 'deviation', 'raises'), name
    if entry['status'] == 'deviation':
      assert entry['doc'].startswith('docs/tf1_api.md#'), name
      assert entry['doc'].split('#')[1] in anchors, (name, entry['doc'])
    if entry['status'] == 'raises':
      assert entry['note'], name
  counts = catalog.counts(data)
  assert counts['works'] > 800 and counts['raises'] > 50


def test_contrib_raises_naming_the_replacement():
  with pytest.raises(AttributeError, match='keras.layers'):
    tf.contrib.layers  # noqa: B018
  assert not hasattr(tf.contrib, 'slim')
  with pytest.raises(ModuleNotFoundError, match='keras.layers'):
    import tensorflow.contrib.slim  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
  from tensorflow.contrib.tensorboard.plugins import projector  # pylint: disable=g-import-not-at-top
  config = projector.ProjectorConfig()
  config.embeddings.add().tensor_name = 'embedding'
  assert config.embeddings[0].tensor_name == 'embedding'


def test_unavailable_names_say_what_to_use():
  with pytest.raises(NotImplementedError, match='tf.Session'):
    tf.train.MonitoredTrainingSession()

  class Hook(tf.train.SessionRunHook):
    pass

  with pytest.raises(TF1NameError, match='sess.run'):
    Hook()
  with pytest.raises(TF1NameError, match='tf.data'):
    tf.train.shuffle_batch([1], 2, 10, 5)
  with pytest.raises(TF1NameError, match='keras.layers'):
    tf.layers.conv3d_transpose  # noqa: B018
  assert tf.train.start_queue_runners() == []


def test_mode_switches_are_accepted_and_warn_once():
  from tf_kbackend.tf1 import modes  # pylint: disable=g-import-not-at-top
  modes._warned.clear()  # pylint: disable=protected-access
  with pytest.warns(modes.TF1ModeWarning, match='eager execution'):
    tf.disable_eager_execution()
  assert tf.executing_eagerly()
  tf.disable_eager_execution()  # Once only: no second warning (error here).


def _train_keras_3():
  import keras  # pylint: disable=g-import-not-at-top
  keras.utils.set_random_seed(3)
  model = keras.Sequential([keras.Input((4,)),
                            keras.layers.Dense(8, activation='relu'),
                            keras.layers.Dropout(0.2),
                            keras.layers.Dense(1)])
  model.compile(optimizer='adam', loss='mse')
  x = np.random.RandomState(0).rand(64, 4).astype('float32')
  model.fit(x, x.sum(1), epochs=2, batch_size=16, verbose=0)
  return model.get_weights()


def test_keras_3_trains_the_same_with_the_names_on():
  """TF2 code in the same process (Keras 3, tf.function) is untouched."""
  with_names = _train_keras_3()
  tf1.disable()
  try:
    without = _train_keras_3()
  finally:
    tf1.enable()
  for a, b in zip(with_names, without):
    np.testing.assert_array_equal(a, b)

  @tf.function
  def traced(a):
    return tf.reduce_sum(tf.nn.dropout(a, 0.5, seed=1) * 0.0 + a, 0)

  np.testing.assert_allclose(traced(tf.ones((3, 2))), [3.0, 3.0])
