"""What legacy code reached through `keras.backend`: the module-level names
of Keras 2.2.4's and 2.3.1's own `tensorflow_backend.py`, served by
`tf_kbackend.legacy.tensorflow_backend` with TF1 meaning, in both worlds.

The names are enumerated from the real Keras sources (installed in a side
directory by tests/support/legacy_keras.py); the real library using them
is checked in subprocesses at the end.
"""

import ast
import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend as K
from tf_kbackend.legacy import keras23
from tf_kbackend.legacy import tensorflow_backend as KTF
from tf_kbackend.legacy import tf1_modules
from tests.support import legacy_keras


@pytest.fixture(autouse=True)
def _fresh_graph():
  yield
  K.clear_session()


def _module_level_names(path):
  """Every name a module binds at its top level, conditionals included."""
  with open(path, encoding='utf-8') as f:
    tree = ast.parse(f.read())
  names = set()

  def visit(body):
    for node in body:
      if isinstance(node, (ast.Import, ast.ImportFrom)):
        if getattr(node, 'module', None) == '__future__':
          continue  # Compiler directives, not names code uses.
        names.update(a.asname or a.name.split('.')[0] for a in node.names)
      elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        names.add(node.name)
      elif isinstance(node, ast.Assign):
        names.update(t.id for t in node.targets if isinstance(t, ast.Name))
      elif isinstance(node, (ast.If, ast.Try)):
        visit(node.body)
        visit(node.orelse)
        for handler in getattr(node, 'handlers', ()):
          visit(handler.body)

  visit(tree.body)
  return names


@pytest.mark.parametrize('version', ['2.2.4', '2.3.1'])
def test_every_module_level_name_of_the_real_backend_resolves(version):
  path = os.path.join(legacy_keras.site(version), 'keras', 'backend',
                      'tensorflow_backend.py')
  names = _module_level_names(path)
  assert len(names) > 180, names  # The whole module, not a fragment.
  missing = sorted(n for n in names if not hasattr(KTF, n))
  assert not missing
  # The non-backend ones are listed (and documented) in LEGACY_NAMES.
  backend_functions = set(K.__all__) | {'Function', 'backend'}
  others = {n for n in names if n not in backend_functions}
  assert others <= set(KTF.LEGACY_NAMES) | set(dir(K)), sorted(
      others - set(KTF.LEGACY_NAMES))


def test_modules_and_aliases_are_what_the_original_imported():
  assert KTF.tf is tf
  assert KTF.py_sum is sum and KTF.py_all is all and KTF.py_any is any
  assert KTF.py_slice is slice and KTF.np is np and KTF.sys is sys
  assert KTF.ctc_ops is KTF.ctc
  assert KTF.config_pb2.ConfigProto is tf.compat.v1.ConfigProto
  assert KTF.config_pb2.RunOptions is tf.compat.v1.RunOptions
  assert KTF.tensor_array_ops.TensorArray is tf.TensorArray
  assert KTF.moving_averages.ExponentialMovingAverage is (
      tf.compat.v1.train.ExponentialMovingAverage)
  assert KTF.tf_keras_backend.get_graph is K.get_graph
  with warnings.catch_warnings():  # distutils's own deprecation warning.
    warnings.simplefilter('ignore', DeprecationWarning)
    assert KTF.StrictVersion('2.2.4') < KTF.StrictVersion('2.10.0')
  assert KTF.transpose_shape([8, 5, 6, 3], 'channels_first', (1, 2)) == [
      8, 3, 5, 6]
  assert KTF.has_arg(lambda x, **kw: x, 'mask', accept_all=True)
  assert not KTF.has_arg(lambda x, **kw: x, 'mask')
  assert [d.device_type for d in KTF.device_lib.list_local_devices()][0] in (
      'CPU', 'GPU')
  assert 'while_loop' in dir(KTF.control_flow_ops)
  with pytest.raises(AttributeError, match='no_such_name'):
    _ = KTF.control_flow_ops.no_such_name


# --- control flow, both worlds ------------------------------------------


def test_while_loop_over_keras_tensors_in_loop_vars_and_in_closures():
  x = K.placeholder(shape=(None, 3))
  n = K.shape(x)[0]
  # The condition reads `n` only through its closure.
  _, total = KTF.control_flow_ops.while_loop(
      lambda i, s: i < n, lambda i, s: (i + 1, s + K.sum(x[i])), [0, 0.0])
  assert K.is_symbolic(total) if hasattr(K, 'is_symbolic') else True
  data = np.arange(12, dtype='float32').reshape(4, 3)
  f = K.function([x], [total])
  assert f([data])[0] == pytest.approx(data.sum())
  assert f([data[:2]])[0] == pytest.approx(data[:2].sum())
  # Symbolic loop variables.
  _, last = KTF.control_flow_ops.while_loop(
      lambda i, v: i < 3, lambda i, v: (i + 1, v * 2.0), [0, x])
  np.testing.assert_allclose(K.function([x], [last])([data])[0], data * 8)


def test_while_loop_cond_case_on_concrete_values_run_eagerly():
  i, s = KTF.control_flow_ops.while_loop(
      lambda i, s: i < 4, lambda i, s: (i + 1, s + tf.cast(i, 'float32')),
      [0, 0.0])
  assert isinstance(s, tf.Tensor) and float(s) == 6.0 and int(i) == 4
  assert float(KTF.control_flow_ops.cond(tf.constant(True), lambda: 1.0,
                                         lambda: 2.0)) == 1.0
  out = KTF.control_flow_ops.case(
      [(tf.constant(False), lambda: 1), (tf.constant(True), lambda: 2)],
      default=lambda: 3)
  assert int(out) == 2


def test_cond_and_case_on_keras_tensors():
  x = K.placeholder(shape=(None,))
  y = KTF.control_flow_ops.cond(K.sum(x) > 0, lambda: x * 2.0, lambda: -x)
  z = KTF.control_flow_ops.case([(K.sum(x) > 10, lambda: x * 0.0)],
                                default=lambda: x + 1.0)
  f = K.function([x], [y, z])
  ys, zs = f([np.array([1.0, 2.0], 'float32')])
  np.testing.assert_allclose(ys, [2.0, 4.0])
  np.testing.assert_allclose(zs, [2.0, 3.0])
  ys, zs = f([np.array([-1.0, 20.0], 'float32')])
  np.testing.assert_allclose(ys, [-2.0, 40.0])
  np.testing.assert_allclose(zs, [0.0, 0.0])


def test_group_tuple_and_with_dependencies_order_updates_as_in_tf1():
  v = K.variable(0.0)
  x = K.placeholder(shape=())
  after = KTF.control_flow_ops.with_dependencies([K.update_add(v, 1.0)],
                                                  x * 2.0)
  f = K.function([x], [after])
  assert f([3.0])[0] == pytest.approx(6.0)
  assert K.get_value(v) == pytest.approx(1.0)
  group = KTF.control_flow_ops.group(K.update_add(v, 2.0),
                                     K.update_add(v, 3.0))
  assert isinstance(group, tf.Operation)
  K.get_session().run(group)
  assert K.get_value(v) == pytest.approx(6.0)


def test_functional_ops_both_worlds():
  data = np.arange(6, dtype='float32').reshape(3, 2)
  x = K.placeholder(shape=(None, 2))
  fold = KTF.functional_ops.foldl(lambda a, r: a + r, x)
  scan = KTF.functional_ops.scan(lambda a, r: a + r, x)
  mapped = KTF.functional_ops.map_fn(lambda r: r * 3.0, x)
  f = K.function([x], [fold, scan, mapped])
  out = f([data])
  np.testing.assert_allclose(out[0], data.sum(0))
  np.testing.assert_allclose(out[1], np.cumsum(data, 0))
  np.testing.assert_allclose(out[2], data * 3)
  np.testing.assert_allclose(
      KTF.functional_ops.foldr(lambda a, r: a + r, tf.constant(data)),
      data.sum(0))


def _iou_ignore_mask_reference(pred, true, mask, threshold):
  out = np.zeros(pred.shape[:2], 'float32')
  for b in range(pred.shape[0]):
    boxes = true[b][mask[b] > 0]
    for j, p in enumerate(pred[b]):
      best = 0.0
      for t in boxes:
        lo = np.maximum(p[:2], t[:2])
        hi = np.minimum(p[2:], t[2:])
        inter = np.prod(np.maximum(hi - lo, 0))
        union = np.prod(p[2:] - p[:2]) + np.prod(t[2:] - t[:2]) - inter
        best = max(best, inter / union)
      out[b, j] = float(best < threshold)
  return out


def _ignore_mask(pred, true, mask, threshold):
  """A YOLOv3-style loss fragment: per image, whether each predicted box
  overlaps no true box, with a while_loop over the batch writing a
  TensorArray (in TF1 style: built in a name scope, as Keras layers are)."""
  with K.name_scope('ignore_mask'):
    batch = K.shape(pred)[0]
    array = KTF.tensor_array_ops.TensorArray(K.dtype(pred), size=1,
                                             dynamic_size=True)
    keep = K.cast(mask, 'bool')

    def body(b, array):
      boxes = tf.boolean_mask(true[b], keep[b])
      p = K.expand_dims(pred[b], 1)
      lo = K.maximum(p[..., :2], boxes[..., :2])
      hi = K.minimum(p[..., 2:], boxes[..., 2:])
      inter = K.prod(K.maximum(hi - lo, 0.0), axis=-1)
      area_p = K.prod(p[..., 2:] - p[..., :2], axis=-1)
      area_t = K.prod(boxes[..., 2:] - boxes[..., :2], axis=-1)
      iou = inter / (area_p + area_t - inter)
      best = K.max(K.concatenate([iou, K.zeros_like(iou[:, :1])]), axis=-1)
      array = array.write(b, K.cast(best < threshold, K.dtype(pred)))
      return b + 1, array

    _, array = KTF.control_flow_ops.while_loop(lambda b, *rest: b < batch,
                                               body, [0, array])
    return array.stack()


def test_tensor_array_in_while_loop_as_a_yolo_loss_builds_it():
  rng = np.random.RandomState(0)
  lo = rng.uniform(0, 0.6, (2, 5, 2)).astype('float32')
  pred = np.concatenate([lo, lo + rng.uniform(0.1, 0.4, lo.shape)], -1)
  true = np.concatenate([lo[:, :3], lo[:, :3] + 0.3], -1)
  mask = np.array([[1, 1, 0], [0, 1, 0]], 'float32')
  expected = _iou_ignore_mask_reference(pred, true, mask, 0.5)
  assert 0 < expected.sum() < expected.size  # Both outcomes occur.
  p = K.placeholder(shape=(None, 5, 4))
  t = K.placeholder(shape=(None, 3, 4))
  m = K.placeholder(shape=(None, 3))
  out = _ignore_mask(p, t, m, 0.5)
  got = K.function([p, t, m], [out])([pred, true, mask])[0]
  np.testing.assert_allclose(got, expected)


# --- ops that change variables are ops, as in TF1 ------------------------


def test_state_ops_and_moving_averages_change_variables_when_run():
  v = K.variable([0.0, 10.0])
  assign = KTF.tf_state_ops.assign_add(v, [1.0, 1.0])
  average = KTF.moving_averages.assign_moving_average(v, [2.0, 2.0], 0.5)
  np.testing.assert_allclose(K.get_value(v), [0.0, 10.0])  # Not yet.
  K.get_session().run(assign)
  np.testing.assert_allclose(K.get_value(v), [1.0, 11.0])
  K.get_session().run(average)
  np.testing.assert_allclose(K.get_value(v), [1.5, 6.5])
  x = K.placeholder(shape=(2,))
  f = K.function([x], [], updates=[KTF.tf_state_ops.assign(v, x)])
  f([np.array([7.0, 8.0], 'float32')])
  np.testing.assert_allclose(K.get_value(v), [7.0, 8.0])


def test_math_ops_on_variables_stay_tied_to_them():
  w = K.variable([1.0, 2.0])
  total = KTF.tf_math_ops.reduce_sum(w)  # Concrete now...
  assert float(total) == 3.0
  K.set_value(w, [5.0, 5.0])
  assert float(K.eval(total)) == 10.0  # ...re-derived where TF1 re-read w.


def test_ctc_loss_both_worlds():
  rng = np.random.RandomState(1)
  logits = rng.randn(4, 1, 5).astype('float32')  # time, batch, classes
  labels = tf.SparseTensor([[0, 0], [0, 1]], [1, 2], [1, 2])
  eager = KTF.ctc.ctc_loss(labels, tf.constant(logits), [4])
  x = K.placeholder(shape=(4, 1, 5))
  symbolic = KTF.ctc_ops.ctc_loss(labels, x, [4])
  np.testing.assert_allclose(K.function([x], [symbolic])([logits])[0],
                             eager.numpy(), rtol=1e-5)


def test_ops_module_sees_the_keras_graph():
  assert KTF.tf_ops.get_default_graph() is K.get_graph()
  with K.name_scope('block'):
    assert KTF.tf_ops.get_default_graph() is K.get_graph()
  x = K.placeholder(shape=(2,))
  y = KTF.tf_ops.convert_to_tensor(x)
  assert y is x
  with KTF.tf_ops.name_scope('scoped'):
    z = x * 2.0
  assert z.name.startswith('scoped/')


# --- global state, read and written through tf_kbackend's ---------------


def test_session_global():
  assert KTF._SESSION is None  # pylint: disable=protected-access
  session = K.get_session()
  assert KTF._SESSION is session  # pylint: disable=protected-access
  KTF._SESSION = None  # pylint: disable=protected-access
  assert K.get_session() is not session
  config = tf.compat.v1.ConfigProto(allow_soft_placement=True)
  KTF._SESSION = tf.compat.v1.Session(config=config)  # pylint: disable=protected-access
  assert K.get_session().run(K.constant([2.0]))[0] == 2.0


def test_learning_phase_uid_and_manual_init_globals():
  graph = K.get_graph()
  assert KTF._GRAPH_LEARNING_PHASES[graph] is K.learning_phase()  # pylint: disable=protected-access
  assert list(KTF._GRAPH_LEARNING_PHASES) == [graph]  # pylint: disable=protected-access
  KTF._GRAPH_LEARNING_PHASES[graph] = 1  # pylint: disable=protected-access
  assert K.learning_phase() == 1
  with pytest.raises(KeyError, match='Keras graph'):
    KTF._GRAPH_LEARNING_PHASES[tf.Graph()] = 0  # pylint: disable=protected-access
  K.reset_uids()
  K.get_uid('dense')
  K.get_uid('dense')
  assert KTF._GRAPH_UID_DICTS[K.get_graph()]['dense'] == 2  # pylint: disable=protected-access
  assert KTF._GRAPH_UID_DICTS[K.get_graph()]['conv'] == 0  # pylint: disable=protected-access
  KTF._MANUAL_VAR_INIT = True  # pylint: disable=protected-access
  try:
    assert KTF._MANUAL_VAR_INIT is True  # pylint: disable=protected-access
  finally:
    KTF._MANUAL_VAR_INIT = False  # pylint: disable=protected-access


def test_symbolic_scope_flag():
  assert KTF._SYMBOLIC_SCOPE.value is False  # pylint: disable=protected-access
  with K.name_scope('x'):
    assert KTF._SYMBOLIC_SCOPE.value is True  # pylint: disable=protected-access
  with pytest.raises(TypeError, match='K.symbolic'):
    KTF._SYMBOLIC_SCOPE.value = True  # pylint: disable=protected-access


# --- private helpers user code borrowed ----------------------------------


def test_private_helpers_both_worlds():
  epsilon = KTF._to_tensor(1e-7, 'float32')  # pylint: disable=protected-access
  assert isinstance(epsilon, tf.Tensor) and not K.is_symbolic(epsilon)
  x = K.placeholder(shape=(None, 3))
  clipped = K.clip(x, KTF._to_tensor(0.5, x.dtype.base_dtype), 1.0)  # pylint: disable=protected-access
  np.testing.assert_allclose(
      K.function([x], [clipped])([np.array([[0.0, 0.7, 2.0]])])[0],
      [[0.5, 0.7, 1.0]])
  assert KTF._preprocess_padding('valid') == 'VALID'  # pylint: disable=protected-access
  with pytest.raises(ValueError, match='full'):
    KTF._preprocess_padding('full')  # pylint: disable=protected-access
  assert KTF._get_available_gpus() == [  # pylint: disable=protected-access
      f'/device:GPU:{i}' for i in range(
          len(tf.config.list_physical_devices('GPU')))]
  with tf.device('/cpu:0'):
    assert KTF._is_current_explicit_device('CPU')  # pylint: disable=protected-access
    assert not KTF._has_nchw_support()  # pylint: disable=protected-access
  with pytest.raises(ValueError, match='TPU'):
    KTF._is_current_explicit_device('TPU')  # pylint: disable=protected-access
  image = np.arange(24, dtype='float32').reshape(1, 2, 3, 4)
  nchw, fmt = KTF._preprocess_conv2d_input(tf.constant(image),  # pylint: disable=protected-access
                                           'channels_first', True)
  assert fmt == 'NHWC'
  np.testing.assert_array_equal(nchw, image.transpose(0, 2, 3, 1))
  gamma = K.constant([1.0, 1.0])
  beta = K.constant([0.0, 0.0])
  data = np.random.RandomState(2).randn(5, 2).astype('float32')
  for helper in (KTF._regular_normalize_batch_in_training,  # pylint: disable=protected-access
                 KTF._fused_normalize_batch_in_training):  # pylint: disable=protected-access
    normed, mean, var = helper(tf.constant(data), gamma, beta, [0])
    np.testing.assert_allclose(mean, data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(var, data.var(0), rtol=1e-4)
    np.testing.assert_allclose(normed, (data - data.mean(0)) / np.sqrt(
        data.var(0) + 1e-3), rtol=1e-4, atol=1e-5)


def test_tf1_module_rejects_unknown_names():
  with pytest.raises(ValueError, match='control_flow_ops'):
    tf1_modules.TF1Module('no_such_module')


# --- Keras 2.3's formulas -------------------------------------------------


def test_keras23_binary_crossentropy_both_worlds():
  rng = np.random.RandomState(3)
  target = (rng.rand(4, 3) > 0.5).astype('float32')
  probabilities = np.clip(rng.rand(4, 3), 0, 1).astype('float32')
  probabilities[0, :] = [0.0, 1.0, 1.0]  # At the clipping bounds.
  eps = 1e-7
  p = np.clip(probabilities, eps, 1 - eps)
  expected = -(target * np.log(p + eps) + (1 - target) * np.log(1 - p + eps))
  eager = keras23.binary_crossentropy(target, probabilities)
  np.testing.assert_allclose(eager, expected, rtol=1e-4)
  t = K.placeholder(shape=(None, 3))
  x = K.placeholder(shape=(None, 3))
  symbolic = keras23.binary_crossentropy(t, x)
  # Rows 1-3: away from the clipping bounds, where TensorFlow's graph
  # optimizer may reassociate `1 - p + eps` into `(1 + eps) - p` (a
  # different rounding of 1e-7).
  np.testing.assert_allclose(
      K.function([t, x], [symbolic])([target, probabilities])[0][1:],
      expected[1:], rtol=1e-4)
  # Of a sigmoid's output: the cross-entropy of its logits, which stays
  # exact where the probability rounds to 1.
  logits = K.placeholder(shape=(None, 3))
  of_sigmoid = keras23.binary_crossentropy(t, K.sigmoid(logits))
  big = np.array([[30.0, -30.0, 0.0]], 'float32')
  got = K.function([t, logits], [of_sigmoid])([np.zeros((1, 3)), big])[0]
  np.testing.assert_allclose(got, [[30.0, 0.0, np.log(2.0)]], rtol=1e-5,
                             atol=1e-6)
  with_logits = keras23.binary_crossentropy(t, logits, from_logits=True)
  np.testing.assert_allclose(
      K.function([t, logits], [with_logits])([np.zeros((1, 3)), big])[0],
      got, rtol=1e-6)


# --- the real Keras 2.2.4 and 2.3.1 -------------------------------------

_REAL_KERAS_PROBE = textwrap.dedent('''
    import json, sys
    import numpy as np
    import tensorflow
    import keras
    from keras import backend as K
    from keras.layers import Input, Lambda
    from keras.models import Model
    from keras.backend.tensorflow_backend import _to_tensor, set_session
    import keras.backend.tensorflow_backend as KTF
    namespace = (keras.backend if keras.__version__ == '2.2.4'
                 else keras.backend.load_backend)

    def doubled_rows(x):
        # The popular loss style: K.control_flow_ops.while_loop over the
        # batch, writing a TensorArray, inside a Lambda layer.
        n = K.shape(x)[0]
        array = KTF.tensor_array_ops.TensorArray(K.dtype(x), size=1,
                                                 dynamic_size=True)
        def body(i, array):
            return i + 1, array.write(i, x[i] * _to_tensor(2.0, K.dtype(x)))
        _, array = namespace.control_flow_ops.while_loop(
            lambda i, *rest: i < n, body, [0, array])
        return array.stack()

    inputs = Input((3,))
    model = Model(inputs, Lambda(doubled_rows)(inputs))
    data = np.arange(12, dtype='float32').reshape(4, 3)
    session = K.get_session()
    result = {
        'tf': namespace.tf is tensorflow,
        'public_names': sorted(
            n for n in KTF.LEGACY_NAMES
            if not n.startswith('_') and not hasattr(namespace, n)),
        'gpus': namespace._get_available_gpus() if hasattr(
            namespace, '_get_available_gpus') else 'missing',
        'session': KTF._SESSION is session,
        'bce': K.binary_crossentropy.__module__,
        'predicted': model.predict(data).tolist(),
    }
    from tensorflow.keras import layers as tf_keras_layers
    result['tf_keras_layers'] = tf_keras_layers is keras.layers
    if keras.__version__ == '2.3.1':
        from keras import metrics, optimizers
        from keras.layers import Dense
        from keras.models import Sequential
        # tf.keras, served by legacy Keras: an optimizer Keras wraps in its
        # TFOptimizer, as it wrapped TensorFlow 2.0's, and MeanIoU.
        net = Sequential([Dense(1, input_shape=(3,))])
        net.compile(tensorflow.keras.optimizers.SGD(learning_rate=0.05),
                    'mse')
        x = np.random.RandomState(0).rand(64, 3).astype('float32')
        y = x.sum(axis=1, keepdims=True)
        losses = net.fit(x, y, epochs=5, verbose=0).history['loss']
        iou = metrics.MeanIoU(num_classes=3)
        value = iou(K.constant([0, 1, 1, 2, 2]), K.constant([0, 1, 2, 2, 2]))
        result.update(
            wrapped=type(net.optimizer).__name__,
            loss_fell=bool(losses[-1] < losses[0] / 2),
            mean_iou=float(K.eval(value)),
            tensorboard=keras.callbacks.TensorBoard.__module__)
    print(json.dumps(result))
''')


def test_real_legacy_keras_reaches_them_through_keras_backend(tmp_path):
  script = tmp_path / 'probe.py'
  script.write_text(_REAL_KERAS_PROBE)
  runs = {}
  for version in ('2.2.4', '2.3.1'):  # 2.3.1 last: checked after the loop.
    home = tmp_path / version
    home.mkdir()
    env = legacy_keras.env_with_legacy_keras(version)
    env['KERAS_HOME'] = str(home)
    runs[version] = subprocess.Popen(
        [sys.executable, '-m', 'tf_kbackend', 'run', str(script)], env=env,
        cwd=str(tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
  data = np.arange(12, dtype='float32').reshape(4, 3)
  for version, process in runs.items():
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, f'{version}:\n{stderr[-3000:]}'
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result['tf'] and result['session'], version
    assert result['public_names'] == [], version
    assert result['gpus'] == [], version
    assert result['tf_keras_layers'], version  # tf.keras: legacy Keras.
    assert result['bce'] == ('tf_kbackend.tf_backend.nn_ops' if (
        version == '2.2.4') else 'tf_kbackend.legacy.keras23')
    np.testing.assert_allclose(result['predicted'], data * 2)
  result_231 = result
  assert result_231['wrapped'] == 'TFOptimizer' and result_231['loss_fell']
  # Confusion matrix [[1, 0, 0], [0, 1, 1], [0, 0, 2]]: IoUs 1, 1/2, 2/3.
  assert result_231['mean_iou'] == pytest.approx((1 + 1 / 2 + 2 / 3) / 3)
  # _is_tf_1() is True: Keras 2.3.1 takes its TF1 TensorBoard.
  assert result_231['tensorboard'] == 'keras.callbacks.tensorboard_v1'
