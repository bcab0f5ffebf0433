"""TF1-era scripts in subprocesses: the real Keras 2.2.4 under `tf-kbackend run`,
and the opt-in for plain `python`.

The subprocesses of this module start together (two at a time) when the
first test asks for one, so the module costs about its slowest script.
"""

import concurrent.futures
import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.support import legacy_keras

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

# Keras 2.2.4, written as a TF1-era user wrote it: the ConfigProto/Session
# preamble, a loss in TF1 names, a TF1 optimizer, a regularizer of raw TF on
# the weights (the add_loss example), Keras layers on a
# tf.placeholder, and the TensorBoard callback with everything on.
KERAS_SCRIPT = '''
import json, os, sys
import numpy as np
import tensorflow as tf
from keras import backend as K
from keras.callbacks import TensorBoard
from keras.layers import Dense, Input
from keras.models import Model, Sequential

config = tf.ConfigProto()
config.gpu_options.allow_growth = True
K.set_session(tf.Session(config=config))
np.random.seed(1)
tf.set_random_seed(1)


def tf1_loss(y_true, y_pred):
    y_pred = tf.clip_by_value(y_pred, 1e-7, 1 - 1e-7)
    return -tf.reduce_mean(y_true * tf.log(y_pred) +
                           (1 - y_true) * tf.log(1 - y_pred), axis=-1)


x = np.random.rand(256, 8).astype('float32')
y = (x.sum(1, keepdims=True) > 4).astype('float32')
model = Sequential([Dense(16, activation='relu', input_shape=(8,)),
                    Dense(1, activation='sigmoid')])
model.add_loss(0.01 * tf.add_n([tf.reduce_sum(tf.square(w)) /
                                tf.cast(tf.size(w), tf.float32)
                                for w in model.trainable_weights]))
model.compile(optimizer=tf.train.AdamOptimizer(0.05), loss=tf1_loss,
              metrics=['acc'])
penalty = model.losses[0]
penalty_before = float(K.eval(penalty))
logdir = sys.argv[1]
history = model.fit(
    x, y, epochs=6, batch_size=32, verbose=0, validation_data=(x, y),
    callbacks=[TensorBoard(logdir, histogram_freq=1, write_graph=True,
                           write_grads=True, write_images=True)])
weights_term = np.mean([np.mean(np.square(w))
                        for w in model.get_weights()[::2]] +
                       [np.mean(np.square(b))
                        for b in model.get_weights()[1::2]]) * 0.04

# Keras layers on a TF1 placeholder, through Input(tensor=...).
images = tf.placeholder(tf.float32, shape=(None, 8))
inputs = Input(tensor=images)
outputs = Dense(2)(inputs)
two_heads = Model(inputs, [outputs, outputs])

# The embedding projector path: a tf.Variable assigned by slices fed with
# placeholders, tf.train.Saver, the contrib projector config.
from keras.layers import Embedding, Flatten
tokens = np.random.randint(0, 20, (64, 5))
embedder = Sequential([Embedding(20, 4, input_length=5), Flatten(), Dense(1)])
embedder.compile('sgd', 'mse')
embedding_dir = os.path.join(logdir, 'embeddings')
embedder.fit(tokens, np.random.rand(64, 1), epochs=1, verbose=0,
             callbacks=[TensorBoard(embedding_dir, embeddings_freq=1,
                                    embeddings_data=tokens[:16],
                                    batch_size=8)])
saved = tf.train.load_checkpoint(tf.train.latest_checkpoint(embedding_dir))
saved = saved.get_tensor('embedding_1_embedding')
looked_up = K.function([embedder.input], [embedder.layers[0].output])(
    [tokens[:16]])[0].reshape(16, 20)
with open(os.path.join(embedding_dir, 'projector_config.pbtxt')) as f:
    projector_config = f.read()

from tensorboard.backend.event_processing import event_accumulator
events = event_accumulator.EventAccumulator(
    logdir, size_guidance={'histograms': 0, 'images': 0, 'scalars': 0})
events.Reload()
tags = events.Tags()
print(json.dumps({
    'optimizer': type(model.optimizer).__name__,
    'loss': [float(v) for v in history.history['loss']],
    'acc': float(history.history['acc'][-1]),
    'penalty_before': penalty_before,
    'penalty_after': float(K.eval(penalty)),
    'penalty_expected': float(weights_term),
    'scalars': sorted(tags['scalars']),
    'histograms': sorted(tags['histograms']),
    'images': sorted(tags['images']),
    'graph': tags['graph'],
    'val_loss_steps': [e.step for e in events.Scalars('val_loss')],
    'kernel_histograms': len(events.Histograms('dense_1/kernel_0')),
    'placeholder_model_output': list(K.get_session().run(
        two_heads.outputs[0], {images: np.ones((3, 8), 'float32')}).shape),
    'embeddings_saved': bool(np.allclose(saved, looked_up)),
    'projector_config': projector_config,
    'output_has_len': hasattr(model.output, '__len__'),
    'outputs_have_len': hasattr(two_heads.output, '__len__'),
}))
'''

OPT_IN_SCRIPT = '''
import json
import tensorflow as tf
import tf_kbackend
print(json.dumps({'session': hasattr(tf, 'Session'),
                  'placeholder': hasattr(tf, 'placeholder')}))
'''


def _keras(tmp):
  script = os.path.join(tmp, 'keras_tf1.py')
  with open(script, 'w') as f:
    f.write(KERAS_SCRIPT)
  env = legacy_keras.env_with_legacy_keras('2.2.4')
  env['KERAS_HOME'] = tmp
  return subprocess.run(
      [sys.executable, '-m', 'tf_kbackend', 'run', script,
       os.path.join(tmp, 'logs')],
      cwd=tmp, env=env, capture_output=True, text=True, timeout=600)


def _opt_in(tmp, value):
  env = dict(os.environ, KERAS_HOME=tmp, TF_CPP_MIN_LOG_LEVEL='2',
             PYTHONPATH=REPO, TF_KBACKEND_TF1=value)
  env.pop('KERAS_BACKEND', None)
  with open(os.path.join(tmp, 'keras.json'), 'w') as f:
    json.dump({'tf_kbackend_tf1': True}, f)
  return subprocess.run([sys.executable, '-c', OPT_IN_SCRIPT], cwd=tmp,
                        env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
  jobs = {
      'keras': (_keras, (str(tmp_path_factory.mktemp('keras')),)),
      'opt_in_env': (_opt_in, (str(tmp_path_factory.mktemp('env')), '1')),
      'opt_out_env_wins': (_opt_in,
                           (str(tmp_path_factory.mktemp('off')), '0')),
  }
  with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    yield {name: pool.submit(fn, *args) for name, (fn, args) in jobs.items()}


def _result(runs, name):
  process = runs[name].result()
  assert process.returncode == 0, process.stderr[-4000:]
  return json.loads(process.stdout.strip().splitlines()[-1])


def test_keras_224_tf1_script_with_tensorboard(runs):
  result = _result(runs, 'keras')
  assert result['optimizer'] == 'TFOptimizer'
  losses = result['loss']
  assert losses[-1] < 0.8 * losses[0] and result['acc'] > 0.75
  # The raw-TF regularizer reads the weights when evaluated (not frozen at
  # build time): it moved with training and matches the final weights.
  assert result['penalty_after'] != result['penalty_before']
  assert result['penalty_after'] == pytest.approx(result['penalty_expected'],
                                                  rel=1e-4)
  assert {'loss', 'acc', 'val_loss', 'val_acc'} <= set(result['scalars'])
  assert result['val_loss_steps'] == list(range(6))
  for layer in ('dense_1', 'dense_2'):
    assert f'{layer}/kernel_0' in result['histograms']
    assert f'{layer}/kernel_0_grad' in result['histograms']
    assert f'{layer}_out' in result['histograms']
  # Keras 2.2.4 writes one per validation batch (256 / 32) and epoch.
  assert result['kernel_histograms'] == 6 * 8
  assert 'dense_1/kernel_0_1/image/0' in result['images']
  assert result['graph'] is True
  assert result['placeholder_model_output'] == [3, 2]
  assert result['embeddings_saved'] is True
  assert 'tensor_name: "embedding_1_embedding:0"' in result['projector_config']
  # TF <= 1.13: a tensor has no __len__; a list of outputs has one.
  assert result['output_has_len'] is False
  assert result['outputs_have_len'] is True


def test_opt_in_for_plain_python_environment_wins_over_keras_json(runs):
  assert _result(runs, 'opt_in_env') == {'session': True,
                                         'placeholder': True}
  assert _result(runs, 'opt_out_env_wins') == {'session': False,
                                               'placeholder': False}


def test_run_turns_the_names_on_unless_told_not_to(monkeypatch):
  from tf_kbackend import config, legacy, tf1  # pylint: disable=g-import-not-at-top
  tf1.disable()
  monkeypatch.setenv(config.TF1_ENV, '0')
  assert legacy._enable_tf1_names() == 'off (TF_KBACKEND_TF1=0)'  # pylint: disable=protected-access
  assert not tf1.is_enabled()
  monkeypatch.delenv(config.TF1_ENV)
  assert legacy._enable_tf1_names() == 'on'  # pylint: disable=protected-access
  assert tf1.is_enabled() and os.environ[config.TF1_ENV] == '1'


def test_opt_in_setting_validation(tmp_path, monkeypatch):
  from tf_kbackend import config  # pylint: disable=g-import-not-at-top
  monkeypatch.setenv('KERAS_HOME', str(tmp_path))
  monkeypatch.delenv(config.TF1_ENV, raising=False)
  assert config.tf1_names() is False
  (tmp_path / 'keras.json').write_text(json.dumps({'tf_kbackend_tf1': True}))
  assert config.tf1_names() is True
  (tmp_path / 'keras.json').write_text(json.dumps({'tf_kbackend_tf1': 'x'}))
  with pytest.warns(config.ConfigWarning, match='tf_kbackend_tf1'):
    assert config.tf1_names() is False
  assert json.loads((tmp_path / 'keras.json').read_text()) == {
      'tf_kbackend_tf1': 'x'}  # never rewritten
  monkeypatch.setenv(config.TF1_ENV, 'perhaps')
  with pytest.raises(ValueError, match=textwrap.dedent(
      'TF_KBACKEND_TF1 must be true or false')):
    config.tf1_names()
