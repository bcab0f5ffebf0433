"""Bad input, in one table: the error, the words it must hold, the state kept.

Each row is a `Bad`: a call that must fail, the exception type it must
raise (legacy code catches `ValueError` / `TypeError`), words its message
must contain (the culprit, what was expected, what was received), and a
snapshot of the state that the failed call must leave unchanged (a
variable's value, a setting, the number of ops in the graph...). Every row
runs on the TensorFlow implementation and, unless marked otherwise, on the
numpy reference: both must refuse the same input. A new validation is one
more row.

Every message is also checked for what a user should never see: numpy
scalar reprs (`np.int64(3)`), private names (`_FeedError`), TensorFlow's
internal function names (`{{function_node ...}}`).
"""

import dataclasses
import re
import warnings
from typing import Any, Callable, Sequence

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend
from tf_kbackend import config
import tf_kbackend.numpy_backend as KNP
import tf_kbackend.tf_backend as KTF

BACKENDS = {'tf': KTF, 'numpy': KNP}


@dataclasses.dataclass
class Bad:
  """One bad call.

  Attributes:
    id: the test id.
    call: `call(K, ctx)` makes the bad call; `ctx` is what `setup` made.
    error: the exception type it must raise.
    words: substrings the message must contain.
    setup: `setup(K)` builds what the call needs (default: nothing).
    state: `state(K, ctx)` snapshots what must not change (default:
      nothing); compared with ==, arrays element-wise.
    backends: which implementations the row runs on.
  """
  id: str
  call: Callable[[Any, Any], Any]
  error: type
  words: Sequence[str]
  setup: Callable[[Any], Any] = lambda K: None
  state: Callable[[Any, Any], Any] = lambda K, ctx: None
  backends: Sequence[str] = ('tf', 'numpy')


def _ctx(**kwargs):
  return type('Ctx', (), kwargs)


# Setups.


def _dense_function(K):
  x = K.placeholder(shape=(None, 3), name='features')
  return _ctx(x=x, f=K.function([x], [x * 2.0], name='double'))


def _phase_function(K):
  phase = K.learning_phase()
  return _ctx(f=K.function([phase], [K.in_train_phase(K.constant(1.0),
                                                      K.constant(0.0))],
                           name='phased'))


def _sparse_function(K):
  x = K.placeholder(shape=(2, 3), sparse=True, name='sparse_in')
  return _ctx(f=K.function([x], [K.to_dense(x)], name='densify'))


def _variables(K):
  return _ctx(v=K.variable(np.ones((2, 2)), name='weights'),
              w=K.variable(np.zeros((2,)), name='bias'))


def _fed_update(K):
  ctx = _variables(K)
  x = K.placeholder(shape=(None, None), name='new_weights')
  ctx.f = K.function([x], [], name='assign_fed',
                     updates=[(ctx.w, K.constant([5.0, 5.0])), (ctx.v, x)])
  return ctx


def _fed_update_op(K):
  ctx = _variables(K)
  x = K.placeholder(shape=(None, None), name='new_weights')
  ctx.f = K.function([x], [], name='update_op',
                     updates=[K.update_add(ctx.w, K.constant([5.0, 5.0])),
                              K.update(ctx.v, x * 2.0)])
  return ctx


def _values(K, ctx):
  return [K.get_value(ctx.v), K.get_value(ctx.w), K.int_shape(ctx.v)]


def _session(K):
  x = K.placeholder(shape=(2,), name='fed')
  return _ctx(x=x, y=x * 2.0, session=K.get_session())


def _op_count(K, ctx):
  del ctx
  graph = K.get_graph()
  if hasattr(graph, 'get_operations'):
    return len(graph.get_operations())
  return len(graph.placeholders)


def _settings(K, ctx):
  del ctx
  return (K.epsilon(), K.floatx(), K.image_data_format())


ROWS = [
    # Feeding K.function.
    Bad('feed_wrong_shape', lambda K, c: c.f([np.ones((2, 4))]),
        tf_kbackend.FeedError, ["'features:0'", '(2, 4)', '(None, 3)'],
        setup=_dense_function),
    Bad('feed_wrong_rank', lambda K, c: c.f([np.ones(3)]),
        tf_kbackend.FeedError, ['features', '(3,)', '(None, 3)'],
        setup=_dense_function),
    Bad('feed_string_for_float', lambda K, c: c.f([np.array([['a'] * 3])]),
        tf_kbackend.FeedError, ['features', 'float32'],
        setup=_dense_function),
    Bad('feed_complex_for_float',
        lambda K, c: c.f([np.ones((1, 3), np.complex64)]),
        tf_kbackend.FeedError, ['features', 'complex64', 'float32'],
        setup=_dense_function),
    Bad('feed_ragged_list', lambda K, c: c.f([[[1.0, 2.0, 3.0], [1.0]]]),
        tf_kbackend.FeedError, ['features'], setup=_dense_function),
    Bad('feed_count', lambda K, c: c.f([np.ones((1, 3)), np.ones((1, 3))]),
        ValueError, ["'double'", 'expects 1 input', 'received 2'],
        setup=_dense_function),
    Bad('feed_not_a_list', lambda K, c: c.f(np.ones((1, 3))),
        TypeError, ["'double'", 'list or tuple', 'ndarray'],
        setup=_dense_function),
    Bad('feed_sparse_dense_shape',
        lambda K, c: c.f([(np.array([[0, 0]]), np.array([1.0]),
                           np.array([3, 5]))]),
        tf_kbackend.FeedError, ['sparse_in', '(3, 5)', '(2, 3)'],
        setup=_sparse_function),
    Bad('feed_sparse_not_sparse', lambda K, c: c.f([[1.0, 2.0]]),
        tf_kbackend.FeedError, ['sparse', 'sparse_in', 'expected'],
        setup=_sparse_function),
    # The learning phase: fed 0/1/bool, set 0/1.
    Bad('learning_phase_fed_2', lambda K, c: c.f([2]),
        tf_kbackend.FeedError, ['learning phase', '0 or 1', 'Received: 2'],
        setup=_phase_function),
    Bad('learning_phase_fed_half', lambda K, c: c.f([0.5]),
        tf_kbackend.FeedError, ['learning phase', '0 or 1', '0.5'],
        setup=_phase_function),
    Bad('learning_phase_fed_text', lambda K, c: c.f(['train']),
        tf_kbackend.FeedError, ['learning phase', "'train'"],
        setup=_phase_function),
    Bad('learning_phase_fed_vector', lambda K, c: c.f([[1, 1]]),
        tf_kbackend.FeedError, ['learning phase', '[1, 1]'],
        setup=_phase_function),
    Bad('set_learning_phase_2', lambda K, c: K.set_learning_phase(2),
        ValueError, ['learning phase', '0 or 1', '2'],
        state=lambda K, c: K.is_symbolic(K.learning_phase())),
    Bad('set_learning_phase_bool', lambda K, c: K.set_learning_phase(True),
        ValueError, ['learning phase', 'True'],
        state=lambda K, c: K.is_symbolic(K.learning_phase())),
    Bad('learning_phase_scope_3',
        lambda K, c: K.learning_phase_scope(3).__enter__(),
        ValueError, ['learning phase', '3'],
        state=lambda K, c: K.is_symbolic(K.learning_phase())),
    # Updates: shapes must fit the variable, or nothing changes.
    Bad('update_fed_wrong_shape', lambda K, c: c.f([np.ones((3, 3))]),
        ValueError, ["'weights", '(3, 3)', '(2, 2)'],
        setup=_fed_update, state=_values),
    Bad('update_op_fed_wrong_shape', lambda K, c: c.f([np.ones((1, 4))]),
        ValueError, ["'weights", '(1, 4)', '(2, 2)'],
        setup=_fed_update_op, state=_values),
    Bad('update_static_wrong_shape',
        lambda K, c: K.function([], [], updates=[(c.v, np.ones((3, 3)))]),
        ValueError, ["'weights", '(3, 3)', '(2, 2)'],
        setup=_variables, state=_values),
    Bad('update_symbolic_wrong_shape',
        lambda K, c: K.function(
            [c.x], [], updates=[(c.v, K.reshape(c.x, (4,)))]),
        ValueError, ["'weights", '(4,)', '(2, 2)'],
        setup=lambda K: _ctx(**vars(_variables(K)),
                             x=K.placeholder(shape=(2, 2))),
        state=_values),
    Bad('update_op_wrong_shape', lambda K, c: K.update(c.v, np.ones(3)),
        ValueError, ["'weights", '(3,)', '(2, 2)'],
        setup=_variables, state=_values),
    Bad('update_not_a_variable',
        lambda K, c: K.function([], [], updates=[(np.ones(2), 1.0)]),
        ValueError, ['Update 0', '(variable, new_value)']),
    Bad('update_not_an_op', lambda K, c: K.function([], [], updates=[3]),
        ValueError, ['Update 0', 'update op', 'Received: 3']),
    Bad('update_add_on_constant',
        lambda K, c: K.update_add(np.ones(2), 1.0),
        ValueError, ['update_add', 'variable']),
    # set_value.
    Bad('set_value_wrong_shape',
        lambda K, c: K.set_value(c.v, np.ones((3, 3))),
        ValueError, ["'weights", '(3, 3)', '(2, 2)', 'unchanged'],
        setup=_variables, state=_values),
    Bad('set_value_not_numeric', lambda K, c: K.set_value(c.v, 'abc'),
        ValueError, ["'weights", "'abc'", 'float32'],
        setup=_variables, state=_values),
    Bad('batch_set_value_one_bad',
        lambda K, c: K.batch_set_value([(c.w, np.ones(2)),
                                        (c.v, np.ones(4))]),
        ValueError, ["'weights", '(4,)', '(2, 2)'],
        setup=_variables, state=_values),
    Bad('set_value_not_a_variable',
        lambda K, c: K.set_value(np.ones(2), np.zeros(2)),
        ValueError, ['set_value', 'variable']),
    # Sessions (TF1's errors: TypeError for feed keys).
    Bad('session_feed_unknown_name',
        lambda K, c: c.session.run(c.y, feed_dict={'nope:0': [1.0, 2.0]}),
        TypeError, ['Cannot interpret feed_dict key as Tensor', 'nope'],
        setup=_session),
    Bad('session_feed_not_a_tensor',
        lambda K, c: c.session.run(c.y, feed_dict={3: [1.0, 2.0]}),
        TypeError, ['Cannot interpret feed_dict key as Tensor', '3'],
        setup=_session),
    Bad('session_fetch_unknown_name',
        lambda K, c: c.session.run('nope:0'),
        ValueError, ['Fetch argument', "'nope:0'"], setup=_session),
    Bad('session_unfed_placeholder', lambda K, c: c.session.run(c.y),
        ValueError, ["'fed:0'", 'must be fed'], setup=_session),
    Bad('session_feed_wrong_shape',
        lambda K, c: c.session.run(c.y, feed_dict={c.x: [1.0, 2.0, 3.0]}),
        tf_kbackend.FeedError, ["'fed:0'", '(3,)', '(2,)'], setup=_session),
    Bad('eval_needs_a_feed',
        lambda K, c: K.eval(c.y), ValueError, ["'fed:0'", 'must be fed'],
        setup=_session),
    # Placeholders and variables.
    Bad('placeholder_ndim_negative', lambda K, c: K.placeholder(ndim=-1),
        ValueError, ['ndim', 'non-negative', '-1'], state=_op_count),
    Bad('placeholder_ndim_float', lambda K, c: K.placeholder(ndim=2.5),
        ValueError, ['ndim', '2.5'], state=_op_count),
    Bad('placeholder_negative_dim', lambda K, c: K.placeholder(shape=(-2, 3)),
        ValueError, ['placeholder', 'non-negative', '(-2, 3)'],
        state=_op_count),
    Bad('placeholder_shape_text', lambda K, c: K.placeholder(shape='abc'),
        ValueError, ['placeholder', 'shape', "'abc'"], state=_op_count),
    Bad('placeholder_dtype', lambda K, c: K.placeholder(shape=(2,),
                                                        dtype='float33'),
        TypeError, ['placeholder', "'float33'"], state=_op_count),
    Bad('variable_dtype', lambda K, c: K.variable(1.0, dtype='nope'),
        TypeError, ['variable', "'nope'"]),
    Bad('variable_value_text', lambda K, c: K.variable('abc'),
        ValueError, ['variable', "'abc'", 'float32']),
    Bad('stale_tensor_after_clear_session',
        lambda K, c: K.sum(c.x),
        ValueError, ["'old:0'", 'clear_session()'],
        setup=lambda K: _ctx(x=[K.placeholder(shape=(2,), name='old'),
                                K.clear_session()][0])),
    # K.function arguments.
    Bad('function_unknown_keyword',
        lambda K, c: K.function([c.x], [c.x], give_me='speed'),
        ValueError, ['give_me', 'Accepted'], setup=_dense_function),
    Bad('function_inputs_not_a_list',
        lambda K, c: K.function(c.x, [c.x]),
        TypeError, ['inputs', 'list or tuple'], setup=_dense_function),
    Bad('function_input_not_symbolic',
        lambda K, c: K.function([np.ones(3)], [c.x]),
        ValueError, ['Input 0', 'placeholder'], setup=_dense_function),
    Bad('function_needs_a_feed',
        lambda K, c: K.function([], [c.x * 2.0]),
        ValueError, ["'features:0'", 'must be fed'], setup=_dense_function),
    Bad('gradients_of_a_constant',
        lambda K, c: K.gradients(np.ones(2), [c.v]),
        ValueError, ['K.gradients', 'symbolic loss'], setup=_variables),
    # Settings: refused, and left as they were.
    Bad('set_epsilon_negative', lambda K, c: K.set_epsilon(-1e-7),
        ValueError, ['epsilon', '>= 0', '-1e-07'], state=_settings),
    Bad('set_epsilon_nan', lambda K, c: K.set_epsilon(float('nan')),
        ValueError, ['epsilon', 'finite', 'nan'], state=_settings),
    Bad('set_epsilon_inf', lambda K, c: K.set_epsilon(float('inf')),
        ValueError, ['epsilon', 'finite', 'inf'], state=_settings),
    Bad('set_epsilon_text', lambda K, c: K.set_epsilon('small'),
        ValueError, ['epsilon', 'number', "'small'"], state=_settings),
    Bad('set_epsilon_bool', lambda K, c: K.set_epsilon(True),
        ValueError, ['epsilon', 'True'], state=_settings),
    Bad('set_floatx', lambda K, c: K.set_floatx('float33'),
        ValueError, ['floatx', "'float33'", 'float64'], state=_settings),
    Bad('set_image_data_format',
        lambda K, c: K.set_image_data_format('nchw'),
        ValueError, ['data_format', "'nchw'", 'channels_last'],
        state=_settings),
    Bad('set_image_dim_ordering',
        lambda K, c: K.set_image_dim_ordering('xy'),
        ValueError, ['dim_ordering', "'xy'"], state=_settings),
    Bad('normalize_data_format',
        lambda K, c: K.normalize_data_format('NHWC'),
        ValueError, ['data_format', "'NHWC'"], state=_settings),
    # Ops.
    Bad('reshape_concrete',
        lambda K, c: K.reshape(c.v, (4, 5)),
        ValueError, ['reshape', '(2, 2)', '(4, 5)'],
        setup=_variables, state=_values),
    Bad('reshape_symbolic',
        lambda K, c: K.reshape(K.placeholder(shape=(2, 3)), (4, 5)),
        ValueError, ['reshape', '6', '20'], backends=('tf',)),
    Bad('switch_condition_rank',
        lambda K, c: K.switch(np.ones((2, 2, 2), bool), np.ones((2, 2)),
                              np.zeros((2, 2))),
        ValueError, ['condition', 'ndim(condition)=3']),
    Bad('conv_padding',
        lambda K, c: K.conv2d(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)),
                              padding='full'),
        ValueError, ['padding', "'full'", "'valid'"]),
    Bad('conv_strides',
        lambda K, c: K.conv2d(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)),
                              strides=(0, 1)),
        ValueError, ['strides', '(0, 1)']),
    Bad('pool_mode',
        lambda K, c: K.pool2d(np.ones((1, 4, 4, 1)), (2, 2),
                              pool_mode='median'),
        ValueError, ['pool_mode', "'median'"]),
]


@pytest.fixture(autouse=True)
def _fresh_state():
  saved = (config.epsilon(), config.floatx(), config.image_data_format())
  for K in BACKENDS.values():
    K.clear_session()
  yield
  config.set_epsilon(saved[0])
  config.set_floatx(saved[1])
  config.set_image_data_format(saved[2])


def _assert_equal_state(after, before):
  if isinstance(before, (list, tuple)):
    assert len(after) == len(before)
    for a, b in zip(after, before):
      _assert_equal_state(a, b)
  elif isinstance(before, np.ndarray):
    np.testing.assert_array_equal(after, before)
  else:
    assert after == before


# What no message should show a user.
_NEVER = re.compile(r'np\.(int|float)\d+\(|_FeedError|\{\{function_node|'
                    r'tf_kbackend\.(tf|numpy)_backend\.')


@pytest.mark.parametrize('backend', list(BACKENDS))
@pytest.mark.parametrize('row', ROWS, ids=lambda row: row.id)
def test_bad_input_is_refused_and_changes_nothing(row, backend):
  if backend not in row.backends:
    pytest.skip(f'{row.id}: not applicable to the {backend} backend')
  K = BACKENDS[backend]
  ctx = row.setup(K)
  before = row.state(K, ctx)
  with pytest.raises(row.error) as caught:
    row.call(K, ctx)
  message = str(caught.value)
  for word in row.words:
    assert word in message, f'{word!r} missing from: {message}'
  assert not _NEVER.search(message), message
  _assert_equal_state(row.state(K, ctx), before)


def test_feed_error_is_public_and_a_value_error():
  assert tf_kbackend.FeedError is KTF.FeedError is KNP.FeedError
  assert issubclass(tf_kbackend.FeedError, ValueError)
  assert tf_kbackend.FeedError.__module__ == 'tf_kbackend.api_contract'
  assert 'FeedError' in tf_kbackend.__all__


def test_update_shape_is_checked_before_any_write():
  # The shape check comes before every write of the call, including writes
  # to other variables (all or nothing), and a good call then works.
  ctx = _fed_update(KTF)
  with pytest.raises(ValueError):
    ctx.f([np.ones((3, 3))])
  ctx.f([np.full((2, 2), 7.0)])
  np.testing.assert_array_equal(KTF.get_value(ctx.v), np.full((2, 2), 7.0))
  np.testing.assert_array_equal(KTF.get_value(ctx.w), [5.0, 5.0])
  assert KTF.get_value(ctx.v).shape == (2, 2)
  # `K.dot` with it still works (it failed far away before the check).
  assert KTF.eval(KTF.dot(ctx.v, KTF.constant(np.ones((2, 1))))).shape == (
      2, 1)


def test_fed_learning_phase_accepts_what_legacy_keras_fed():
  ctx = _phase_function(KTF)
  for train in (1, True, 1.0, np.int64(1), np.bool_(True), tf.constant(1)):
    assert ctx.f([train])[0] == 1.0
  for test in (0, False, 0.0, np.float32(0.0)):
    assert ctx.f([test])[0] == 0.0


def test_int_shape_is_plain_ints():
  x = KTF.placeholder(shape=(None, 4))
  x._keras_shape = (None, np.int64(4))  # As legacy Keras's Flatten sets it.
  shape = KTF.int_shape(x)
  assert shape == (None, 4) and type(shape[1]) is int
  assert repr(shape) == '(None, 4)'


class TestWarningsPointAtTheCaller:
  """Warnings name the caller's file and line, not tf_kbackend's."""

  def test_set_session_setting_without_equivalent(self):
    session_config = tf.compat.v1.ConfigProto()
    session_config.gpu_options.per_process_gpu_memory_fraction = 0.5
    with pytest.warns(UserWarning, match='per_process_gpu_memory_fraction'
                      ) as caught:
      KTF.set_session(tf.compat.v1.Session(config=session_config))
    assert caught[0].filename == __file__

  def test_keras_json_invalid_key(self, tmp_path, monkeypatch):
    (tmp_path / 'keras.json').write_text('{"floatx": "float33"}')
    monkeypatch.setenv('KERAS_HOME', str(tmp_path))
    try:
      with pytest.warns(config.ConfigWarning, match='"floatx"') as caught:
        config.load_config()
      assert caught[0].filename == __file__
    finally:
      monkeypatch.delenv('KERAS_HOME')
      with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        config.load_config()

  def test_keras_json_integer_epsilon_names_the_key(self, tmp_path,
                                                    monkeypatch):
    (tmp_path / 'keras.json').write_text('{"epsilon": 1}')
    monkeypatch.setenv('KERAS_HOME', str(tmp_path))
    try:
      with pytest.warns(config.ConfigWarning,
                        match=r'"epsilon".*1\.0') as caught:
        settings = config.load_config()
      assert settings['epsilon'] == 1.0
      assert caught[0].filename == __file__
    finally:
      monkeypatch.delenv('KERAS_HOME')
      with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        config.load_config()

  def test_backend_alias(self, monkeypatch):
    from tf_kbackend import loader  # pylint: disable=g-import-not-at-top
    monkeypatch.setenv(loader.LEGACY_ALIAS_ENV, '1')
    with pytest.warns(UserWarning, match='theano') as caught:
      loader.resolve('theano')
    assert caught[0].filename == __file__


LEGACY_SUMMARY = '''
from keras.layers import Conv2D, Dense, Flatten, RepeatVector
from keras.models import Sequential
import keras.backend as K
model = Sequential([Conv2D(4, 3, input_shape=(8, 8, 1)), Flatten(),
                    RepeatVector(2), Flatten(), Dense(3)])
model.summary()
print('int_shape', K.int_shape(model.layers[1].output))
print('output_shape', model.layers[2].output_shape)
'''


def test_legacy_model_summary_shows_plain_ints(legacy_keras_env, tmp_path):
  # Keras 2.2.4's Flatten computes its output size with np.prod; under
  # NumPy 2 the summary showed (None, np.int64(144)).
  import subprocess  # pylint: disable=g-import-not-at-top
  import sys  # pylint: disable=g-import-not-at-top
  script = tmp_path / 'summary.py'
  script.write_text(LEGACY_SUMMARY)
  result = subprocess.run(
      [sys.executable, '-m', 'tf_kbackend', 'run', str(script)],
      env=legacy_keras_env, capture_output=True, text=True, timeout=300,
      check=False)
  assert result.returncode == 0, result.stderr[-3000:]
  out = result.stdout
  assert 'np.int' not in out, out
  assert '(None, 144)' in out and '(None, 2, 144)' in out and (
      '(None, 288)' in out)
  assert 'int_shape (None, 144)' in out
  assert 'output_shape (None, 2, 144)' in out
