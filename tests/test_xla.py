"""XLA: `K.function(..., jit_compile=True)` and its global default.

That XLA really compiles is shown three ways: the function carries
TensorFlow's must-compile attribute, an op XLA has no kernel for fails
with XLA's own error only when compiling (and only at the call, through
`K.function`'s thin call path), and (tests/test_distribute.py) XLA's dump
of compiled modules names Keras 2.2.4's train function when the switch
is set in the environment of an unchanged `fit`.
"""

import json
import os
import re

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend.tf_backend as K
from tf_kbackend import config
from tf_kbackend import numpy_backend

ROOT = os.path.join(os.path.dirname(__file__), '..')


@pytest.fixture(autouse=True)
def fresh_graph():
  K.clear_session()
  yield
  K.clear_session()


def _must_compile(function):
  attr = function._concrete.function_def.attr  # pylint: disable=protected-access
  return '_XlaMustCompile' in attr and attr['_XlaMustCompile'].b


def _mlp_training(jit_compile, steps=5):
  rng = np.random.RandomState(0)
  x = K.placeholder(shape=(None, 16))
  y = K.placeholder(shape=(None, 3))
  params = [K.variable(rng.randn(16, 32) * 0.3), K.zeros((32,)),
            K.variable(rng.randn(32, 3) * 0.3), K.zeros((3,))]
  w1, b1, w2, b2 = params
  out = K.softmax(K.dot(K.relu(K.dot(x, w1) + b1), w2) + b2)
  loss = K.mean(K.categorical_crossentropy(y, out))
  moments = [K.zeros(K.int_shape(p)) for p in params]
  updates = [K.update_add(K.variable(0, dtype='int64'), 1)]
  for p, g, m in zip(params, K.gradients(loss, params), moments):
    v = 0.9 * m - 0.1 * g
    updates += [K.update(m, v), K.update(p, p + v)]
  train = K.function([x, y], [loss, out], updates=updates,
                     jit_compile=jit_compile)
  data = np.random.RandomState(1).rand(steps, 40, 16).astype('float32')
  labels = np.eye(3, dtype='float32')[np.arange(40) % 3]
  outputs = [train([batch, labels]) for batch in data]
  # A last, smaller batch: XLA compiles the new shape.
  outputs.append(train([data[0][:7], labels[:7]]))
  return train, outputs, [K.get_value(p) for p in params]


class TestJitCompile:

  def test_compiled_with_xla_only_when_asked(self):
    x = K.placeholder(shape=(None,))
    assert _must_compile(K.function([x], [x * 2.0], jit_compile=True))
    assert not _must_compile(K.function([x], [x * 2.0]))

  def test_training_equals_the_unjitted_one(self):
    train, jitted, jitted_weights = _mlp_training(True)
    assert train.jit_compile and _must_compile(train)
    K.clear_session()
    _, plain, plain_weights = _mlp_training(False)
    for (loss_a, out_a), (loss_b, out_b) in zip(jitted, plain):
      np.testing.assert_allclose(loss_a, loss_b, rtol=1e-5, atol=1e-6)
      np.testing.assert_allclose(out_a, out_b, rtol=1e-5, atol=1e-6)
    for a, b in zip(jitted_weights, plain_weights):
      np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert jitted[-1][1].shape == (7, 3)

  def test_an_op_xla_cannot_compile_fails_with_xlas_error(self):
    x = K.placeholder(shape=(None,))
    lengths = tf.strings.length(tf.strings.as_string(x))
    np.testing.assert_array_equal(
        K.function([x], [lengths])([np.array([1.5, 10.0])])[0], [8, 9])
    jitted = K.function([x], [lengths], jit_compile=True)  # Builds fine.
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='XLA_CPU_JIT: AsString'):
      jitted([np.array([1.5, 10.0])])

  def test_updates_read_before_write_under_xla(self):
    counter = K.variable(0, dtype='int64')
    w = K.variable(1.0)
    f = K.function([], [K.cast(counter, 'float32'), w * 1.0],
                   updates=[K.update_add(counter, 1), K.update(w, w * 2.0)],
                   jit_compile=True)
    assert [[float(v) for v in f([])] for _ in range(3)] == [
        [0.0, 1.0], [1.0, 2.0], [2.0, 4.0]]

  @pytest.mark.parametrize('value', ['yes', 1, None.__class__])
  def test_invalid_argument(self, value):
    x = K.placeholder(shape=(2,))
    with pytest.raises(ValueError, match='jit_compile of K.function'):
      K.function([x], [x], jit_compile=value)

  def test_numpy_backend_accepts_it(self):
    x = numpy_backend.placeholder(shape=(2,))
    f = numpy_backend.function([x], [x * 2.0], jit_compile=True)
    np.testing.assert_array_equal(f([[1.0, 2.0]])[0], [2.0, 4.0])

  def test_doc_example_runs(self, capsys):
    with open(os.path.join(ROOT, 'docs', 'distribute.md')) as f:
      source = re.search(r'<!-- example: xla -->\n```python\n(.*?)```',
                         f.read(), re.S).group(1)
    exec(compile(source, 'distribute.md', 'exec'), {})  # pylint: disable=exec-used
    losses = [float(v) for v in capsys.readouterr().out.split()]
    assert len(losses) == 3 and losses[-1] < losses[0]


class TestDefaultSetting:

  def test_default_is_off(self, settings):
    del settings
    config.load_config()
    assert config.jit_compile() is False
    x = K.placeholder(shape=(2,))
    assert not K.function([x], [x]).jit_compile

  def test_setter_is_the_default_for_new_functions(self, settings):
    del settings
    config.set_jit_compile(True)
    x = K.placeholder(shape=(2,))
    f = K.function([x], [x * 2.0])
    assert f.jit_compile and _must_compile(f)
    assert not K.function([x], [x], jit_compile=False).jit_compile
    config.set_jit_compile(False)
    with pytest.raises(ValueError, match='True or False'):
      config.set_jit_compile('on')
    assert config.jit_compile() is False

  def test_keras_json_key(self, settings):
    path = settings / 'keras.json'
    content = json.dumps({'floatx': 'float32',
                          'tf_kbackend_jit_compile': True})
    path.write_text(content)
    config.load_config()
    assert config.jit_compile() is True
    assert path.read_text() == content  # Never rewritten.

  @pytest.mark.parametrize('text,expected', [
      ('1', True), ('true', True), ('ON', True), ('0', False),
      ('False', False), ('no', False)])
  def test_environment_wins_over_keras_json(self, settings, monkeypatch,
                                            text, expected):
    (settings / 'keras.json').write_text(json.dumps(
        {'tf_kbackend_jit_compile': not expected}))
    monkeypatch.setenv('TF_KBACKEND_JIT_COMPILE', text)
    config.load_config()
    assert config.jit_compile() is expected

  def test_invalid_environment_warns_and_falls_back(self, settings,
                                                    monkeypatch):
    (settings / 'keras.json').write_text(json.dumps(
        {'tf_kbackend_jit_compile': True}))
    monkeypatch.setenv('TF_KBACKEND_JIT_COMPILE', 'maybe')
    with pytest.warns(config.ConfigWarning,
                      match='environment variable TF_KBACKEND_JIT_COMPILE'):
      config.load_config()
    assert config.jit_compile() is True  # keras.json's value.

  def test_invalid_keras_json_value_warns(self, settings):
    path = settings / 'keras.json'
    path.write_text(json.dumps({'tf_kbackend_jit_compile': 'sometimes'}))
    with pytest.warns(config.ConfigWarning,
                      match='key "tf_kbackend_jit_compile"'):
      config.load_config()
    assert config.jit_compile() is False
    assert json.loads(path.read_text()) == {
        'tf_kbackend_jit_compile': 'sometimes'}

  def test_default_file_does_not_get_the_key(self, settings):
    config.load_config()
    assert 'tf_kbackend_jit_compile' not in json.loads(
        (settings / 'keras.json').read_text())
