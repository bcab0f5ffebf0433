"""Conformance tests of the nn ops: TensorFlow vs the numpy reference.

The table runs each deterministic op eagerly and symbolically (None batch)
through the generic checker, plus gradients; the classes below pin legacy
formulas, epsilon clipping, axis handling, errors, and dropout (random,
so checked statistically and by its invariants, in both worlds).
"""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend.numpy_backend as KNP
import tf_kbackend.tf_backend as KTF
from tests.conformance import checker
from tests.conformance.checker import Case

FLOATS = ('float16', 'float32', 'float64')
BACKENDS = pytest.mark.parametrize('K', [KTF, KNP], ids=['tf', 'numpy'])


def _uniform(low, high):
  return lambda shape, dtype, rng: rng.uniform(low, high, shape)


def _classes(n):
  """Integer class indices in [0, n)."""
  return lambda shape, dtype, rng: rng.randint(0, n, shape)


def _ints(shape, dtype, rng):
  return rng.randint(-5, 6, shape)


def _one_hot(shape, dtype, rng):
  return np.eye(shape[-1])[rng.randint(0, shape[-1], shape[:-1])]


RELU_PARAMS = [  # (alpha, max_value, threshold), as in legacy tests.
    (0.0, None, 0.0), (0.1, None, 0.0), (0.0, 5.0, 0.0), (0.0, None, 0.8),
    (0.1, 5.0, 0.0), (0.1, None, 0.8), (0.0, 5.0, 0.8), (0.1, 5.0, 0.8),
    (0.1, 0.0, 0.8), (0.1, 5.0, -2.8), (0.1, 9.0, 0.8), (0.0, 6.0, 0.0),
    (0.0, None, -2.8), (1.5, None, 0.0),
]
# (0.1, None, 0.0): float64 alpha must not round through float32 (the
# LeakyRelu kernel's attribute): -0.1, not -0.10000000149011612.
RELU_ALL_DTYPES = [(0.0, None, 0.0), (0.1, None, 0.0), (0.1, 5.0, 0.8),
                   (0.1, 5.0, -2.8)]

ACTIVATION_CASES = [
    Case('relu', [(4, 6)], kwargs={'alpha': a, 'max_value': m, 'threshold': t},
         dtypes=FLOATS if (a, m, t) in RELU_ALL_DTYPES else ('float32',),
         values=_uniform(-6.0, 10.0))
    for a, m, t in RELU_PARAMS
] + [
    Case('relu', [(3, 4)], dtypes=('int32', 'int64'), values=_ints,
         name='int'),
    Case('elu', [(4, 10)], dtypes=FLOATS),
    Case('elu', [(4, 10)], kwargs={'alpha': 0.5}, dtypes=FLOATS),
    Case('softplus', [(4, 10)], dtypes=FLOATS),
    Case('softplus', [(3, 4)], values=_uniform(-60.0, 60.0), name='large'),
    Case('softsign', [(4, 10)], dtypes=FLOATS),
    Case('sigmoid', [(4, 2)], dtypes=FLOATS),
    Case('hard_sigmoid', [(4, 5)], dtypes=FLOATS, values=_uniform(-4.0, 4.0)),
    Case('tanh', [(4, 2)], dtypes=FLOATS),
    Case('softmax', [(4, 10)], dtypes=FLOATS),
    Case('softmax', [(4, 5, 3)], kwargs={'axis': 1}, dtypes=FLOATS),
    Case('softmax', [(2, 3, 4, 5)], kwargs={'axis': 2}),
    Case('softmax', [(4, 5, 3)], kwargs={'axis': -2}),
    Case('softmax', [(4, 5, 3)], kwargs={'axis': 0}),
    Case('softmax', [(6,)], name='rank1'),
    Case('softmax', [(2, 3)], values=_uniform(-500.0, 500.0), grad=False,
         name='large'),
]

LOSS_CASES = [
    # categorical_crossentropy: soft and one-hot targets, both axes.
    Case('categorical_crossentropy', [(4, 3), (4, 3)], dtypes=FLOATS,
         values=['unit', 'unit']),
    Case('categorical_crossentropy', [(4, 3), (4, 3)], values=[_one_hot, 'unit'],
         grad_args=[1], name='one_hot'),
    Case('categorical_crossentropy', [(4, 3), (4, 3)], dtypes=FLOATS,
         kwargs={'from_logits': True}, values=['unit', 'normal']),
    Case('categorical_crossentropy', [(2, 3, 4), (2, 3, 4)],
         kwargs={'axis': 1}, values=['unit', 'unit']),
    Case('categorical_crossentropy', [(2, 3, 4), (2, 3, 4)],
         kwargs={'axis': -2}, values=['unit', 'unit']),
    Case('categorical_crossentropy', [(2, 3, 2, 2), (2, 3, 2, 2)],
         kwargs={'axis': 1}, values=['unit', 'unit'], name='channels_first'),
    Case('categorical_crossentropy', [(2, 3, 2, 2), (2, 3, 2, 2)],
         kwargs={'axis': 1, 'from_logits': True}, values=['unit', 'normal'],
         name='channels_first'),
    Case('categorical_crossentropy', [(2, 4, 3), (2, 4, 3)],
         values=['unit', 'unit'], name='timesteps'),
    # sparse_categorical_crossentropy: int targets of any kind and shape.
    Case('sparse_categorical_crossentropy', [(4,), (4, 3)], dtypes=FLOATS,
         values=[_classes(3), 'unit'], input_dtypes=['int32', None]),
    Case('sparse_categorical_crossentropy', [(4, 1), (4, 3)],
         values=[_classes(3), 'unit'], input_dtypes=['int64', None],
         name='trailing_1'),
    Case('sparse_categorical_crossentropy', [(4,), (4, 3)],
         values=[_classes(3), 'unit'], input_dtypes=['uint8', None],
         name='uint8'),
    Case('sparse_categorical_crossentropy', [(4,), (4, 3)],
         values=[_classes(3), 'unit'], input_dtypes=['float32', None],
         grad_args=[1], name='float_target'),
    Case('sparse_categorical_crossentropy', [(4,), (4, 5)], dtypes=FLOATS,
         kwargs={'from_logits': True}, values=[_classes(5), 'normal'],
         input_dtypes=['int32', None]),
    Case('sparse_categorical_crossentropy', [(2, 3), (2, 3, 4)],
         values=[_classes(4), 'unit'], input_dtypes=['int32', None],
         name='timesteps'),
    Case('sparse_categorical_crossentropy', [(2, 3, 1), (2, 3, 4)],
         values=[_classes(4), 'unit'], input_dtypes=['int32', None],
         name='timesteps_trailing_1'),
    Case('sparse_categorical_crossentropy', [(2, 4), (2, 3, 4)],
         kwargs={'axis': 1}, values=[_classes(3), 'unit'],
         input_dtypes=['int32', None]),
    Case('sparse_categorical_crossentropy', [(2, 4), (2, 3, 4)],
         kwargs={'axis': -2, 'from_logits': True},
         values=[_classes(3), 'normal'], input_dtypes=['int32', None]),
    Case('sparse_categorical_crossentropy', [(2, 2, 3), (2, 4, 2, 3)],
         kwargs={'axis': 1}, values=[_classes(4), 'unit'],
         input_dtypes=['int32', None], name='channels_first'),
    # binary_crossentropy.
    Case('binary_crossentropy', [(4, 2), (4, 2)], dtypes=FLOATS,
         values=['unit', 'unit']),
    Case('binary_crossentropy', [(4, 2), (4, 2)], dtypes=FLOATS,
         kwargs={'from_logits': True}, values=['unit', 'normal']),
    Case('binary_crossentropy', [(2, 3, 2), (2, 3, 2)],
         values=[_classes(2), 'unit'], name='hard_targets'),
    Case('binary_crossentropy', [(3, 2), (3, 2)], kwargs={'from_logits': True},
         values=['unit', _uniform(-80.0, 80.0)], name='large_logits'),
]

NORM_CASES = [
    # normalize_batch_in_training(x, gamma, beta, reduction_axes).
    Case('normalize_batch_in_training', [(5, 3), (3,), (3,)], args=([0],),
         dtypes=FLOATS, symbolic_shapes=[(None, 3), (3,), (3,)]),
    Case('normalize_batch_in_training', [(3, 2, 2, 2), (2,), (2,)],
         args=([0, 1, 2],), symbolic_shapes=[(None, 2, 2, 2), (2,), (2,)],
         name='channels_last'),
    Case('normalize_batch_in_training', [(3, 2, 2, 2), (2,), (2,)],
         args=([0, 2, 3],), symbolic_shapes=[(None, 2, 2, 2), (2,), (2,)],
         name='channels_first'),
    Case('normalize_batch_in_training', [(3, 2, 2, 2), (2,), (2,)],
         args=([0, 2, 3],), symbolic_shapes=[(None, 2, None, None), (2,), (2,)],
         name='channels_first_none_spatial'),
    Case('normalize_batch_in_training', [(3, 2, 2), (2, 2), (2, 2)],
         args=([0],), kwargs={'epsilon': 1e-5},
         symbolic_shapes=[(None, 2, 2), (2, 2), (2, 2)], name='per_feature'),
    Case('normalize_batch_in_training', [(3, 4, 2), (4,), (4,)],
         args=([0, -1],), symbolic_shapes=[(None, 4, 2), (4,), (4,)],
         name='negative_axis'),
    Case('normalize_batch_in_training', [(4, 2, 3)], args=(None, None, [0, 1]),
         dtypes=FLOATS, name='no_gamma_beta'),
    Case('normalize_batch_in_training', [(3, 2, 2, 2)],
         args=(None, None, [0, 2, 3]), name='channels_first_no_gamma_beta'),
    Case('normalize_batch_in_training', [(4, 3), (3,)], args=(None, [0]),
         symbolic_shapes=[(None, 3), (3,)], name='gamma_only'),
    # batch_normalization(x, mean, var, beta, gamma, axis): legacy shapes.
    Case('batch_normalization', [(3, 2, 4, 5), (1, 2, 1, 1), (1, 2, 1, 1),
                                 (1, 2, 1, 1), (1, 2, 1, 1)],
         kwargs={'axis': 1}, dtypes=FLOATS,
         values=['normal', 'normal', 'positive', 'normal', 'normal'],
         symbolic_shapes=[(None, 2, 4, 5)] + [(1, 2, 1, 1)] * 4),
    Case('batch_normalization', [(3, 2, 4, 5), (1, 1, 1, 5), (1, 1, 1, 5),
                                 (1, 1, 1, 5), (1, 1, 1, 5)],
         kwargs={'axis': -1},
         values=['normal', 'normal', 'positive', 'normal', 'normal'],
         symbolic_shapes=[(None, 2, 4, 5)] + [(1, 1, 1, 5)] * 4),
    Case('batch_normalization', [(3, 2, 4), (1, 2, 1), (1, 2, 1), (1, 2, 1),
                                 (1, 2, 1)],
         kwargs={'axis': 1},
         values=['normal', 'normal', 'positive', 'normal', 'normal'],
         symbolic_shapes=[(None, 2, 4)] + [(1, 2, 1)] * 4),
    Case('batch_normalization', [(3, 2, 4), (4,), (4,), (4,), (4,)],
         kwargs={'axis': -1}, dtypes=FLOATS,
         values=['normal', 'normal', 'positive', 'normal', 'normal'],
         symbolic_shapes=[(None, 2, 4)] + [(4,)] * 4),
    Case('batch_normalization', [(3, 2, 2, 2), (2,), (2,), (2,), (2,)],
         kwargs={'axis': 1},
         values=['normal', 'normal', 'positive', 'normal', 'normal'],
         symbolic_shapes=[(None, 2, None, None)] + [(2,)] * 4,
         name='channels_first_1d_params'),
    Case('batch_normalization', [(3, 2, 2, 2), (2,), (2,)], args=(None, None),
         kwargs={'axis': 1, 'epsilon': 1e-2},
         values=['normal', 'normal', 'positive'],
         symbolic_shapes=[(None, 2, 2, 2), (2,), (2,)], name='no_beta_gamma'),
    Case('batch_normalization', [(4, 3), (3,), (3,), (3,), (3,)],
         values=['normal', 'normal', 'positive', 'normal', 'normal'],
         symbolic_shapes=[(None, 3)] + [(3,)] * 4, name='dense'),
]

CASES = ACTIVATION_CASES + LOSS_CASES + NORM_CASES


@pytest.mark.parametrize('case', CASES, ids=str)
def test_matches_reference(case):
  checker.check_case(case)


@pytest.mark.parametrize('case', checker.gradient_cases(CASES), ids=str)
def test_gradient(case):
  checker.check_gradient(case)


class TestActivations:
  """Hand-computed values of the legacy formulas and edge cases."""

  @BACKENDS
  def test_relu_formula(self, K):
    x = np.array([-3.0, -1.0, 0.5, 0.8, 1.0, 4.0, 7.0], 'float32')
    # x > threshold keeps x (clipped to [0, max_value]); below it,
    # -alpha * (threshold - x); exactly at the threshold, 0.
    expected = [-0.38, -0.18, -0.03, 0.0, 1.0, 4.0, 5.0]
    y = K.relu(x, alpha=0.1, max_value=5.0, threshold=0.8)
    np.testing.assert_allclose(KTF.eval(y) if K is KTF else y, expected,
                               rtol=1e-6, atol=1e-7)

  @BACKENDS
  def test_relu_negative_threshold_without_max_value_keeps_negatives(self, K):
    # Legacy TF backend: between a negative threshold and 0, x passes
    # unclipped when there is no max_value, and is clipped to 0 with one.
    x = np.array([-3.0, -1.0, 2.0], 'float32')
    y = K.relu(x, threshold=-2.0)
    z = K.relu(x, threshold=-2.0, max_value=10.0)
    if K is KTF:
      y, z = KTF.eval(y), KTF.eval(z)
    np.testing.assert_array_equal(y, [0.0, -1.0, 2.0])
    np.testing.assert_array_equal(z, [0.0, 0.0, 2.0])

  @BACKENDS
  def test_hard_sigmoid_segments(self, K):
    y = K.hard_sigmoid(np.array([-10.0, -2.5, -1.0, 0.0, 2.5, 10.0]))
    np.testing.assert_allclose(KTF.eval(y) if K is KTF else y,
                               [0.0, 0.0, 0.3, 0.5, 1.0, 1.0], atol=1e-12)

  def test_activations_keep_dtype(self):
    for name in ('relu', 'elu', 'softmax', 'softplus', 'softsign', 'sigmoid',
                 'hard_sigmoid', 'tanh'):
      for dtype in FLOATS:
        x = np.ones((2, 3), dtype)
        assert KTF.dtype(getattr(KTF, name)(x)) == dtype, name
        assert getattr(KNP, name)(x).dtype == dtype, name

  @BACKENDS
  def test_softmax_rank1_is_accepted(self, K):
    # The legacy backend accepted 1-D input; only keras.activations.softmax
    # refused it.
    y = K.softmax(np.array([0.0, np.log(3.0)]))
    np.testing.assert_allclose(KTF.eval(y) if K is KTF else y, [0.25, 0.75])

  @BACKENDS
  def test_softmax_errors(self, K):
    with pytest.raises(ValueError, match='rank 1 or more'):
      K.softmax(np.float32(1.0))
    with pytest.raises(ValueError, match='axis=2'):
      K.softmax(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match='axis=-3'):
      K.softmax(np.ones((2, 3)), axis=-3)

  def test_softmax_symbolic_none_axis(self):
    x = KTF.placeholder(shape=(None, None))
    y = KTF.softmax(x, axis=0)
    value = np.random.RandomState(0).standard_normal((3, 4)).astype('float32')
    np.testing.assert_allclose(KTF.function([x], [y])([value])[0],
                               KNP.softmax(value, axis=0), rtol=1e-5)


class TestCategoricalCrossentropy:

  @BACKENDS
  def test_output_is_renormalized(self, K):
    target = np.array([[0.0, 1.0]], 'float32')
    output = np.array([[1.0, 3.0]], 'float32')  # sums to 4: 0.75 for class 1
    y = K.categorical_crossentropy(target, output)
    np.testing.assert_allclose(KTF.eval(y) if K is KTF else y,
                               [-np.log(0.75)], rtol=1e-6)

  @BACKENDS
  def test_epsilon_clips_probabilities(self, K):
    target = np.array([[1.0, 0.0, 0.0]], 'float32')
    output = np.array([[0.0, 0.5, 0.5]], 'float32')
    evaluate = (lambda t: KTF.eval(t)) if K is KTF else (lambda t: t)
    loss = evaluate(K.categorical_crossentropy(target, output))
    np.testing.assert_allclose(loss, [-np.log(1e-7)], rtol=1e-4)
    K.set_epsilon(1e-3)
    loss = evaluate(K.categorical_crossentropy(target, output))
    np.testing.assert_allclose(loss, [-np.log(1e-3)], rtol=1e-5)

  @BACKENDS
  def test_probability_one_gives_finite_loss(self, K):
    target = np.array([[0.0, 1.0], [1.0, 0.0]], 'float32')
    output = np.array([[0.0, 1.0], [0.0, 1.0]], 'float32')
    y = K.categorical_crossentropy(target, output)
    y = KTF.eval(y) if K is KTF else y
    assert np.all(np.isfinite(y))
    assert y[0] < 1e-6 and y[1] > 15.0

  @BACKENDS
  def test_from_logits_is_stable(self, K):
    target = np.array([[0.0, 1.0]], 'float32')
    logits = np.array([[1000.0, -1000.0]], 'float32')
    y = K.categorical_crossentropy(target, logits, from_logits=True)
    np.testing.assert_allclose(KTF.eval(y) if K is KTF else y, [2000.0])

  def test_from_logits_uses_axis(self):
    # Keras 2.2.4 ignored `axis` with logits; 2.3.1 (and we) honour it.
    rng = np.random.RandomState(0)
    target = rng.uniform(size=(2, 3, 4)).astype('float32')
    logits = rng.standard_normal((2, 3, 4)).astype('float32')
    y = KTF.eval(KTF.categorical_crossentropy(target, logits, True, axis=1))
    expected = -np.sum(target * np.log(KNP.softmax(logits, axis=1)), axis=1)
    np.testing.assert_allclose(y, expected, rtol=1e-5)
    assert y.shape == (2, 4)

  @BACKENDS
  @pytest.mark.parametrize('axis', [2, -3, 5])
  def test_bad_axis(self, K, axis):
    with pytest.raises(ValueError, match=f'axis={axis}'):
      K.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 3)), axis=axis)

  def test_int_target_follows_output_dtype(self):
    y = KTF.categorical_crossentropy(np.array([[0, 1]]),
                                     np.array([[0.5, 0.5]], 'float64'))
    assert KTF.dtype(y) == 'float64'


class TestSparseCategoricalCrossentropy:

  @BACKENDS
  def test_hand_value(self, K):
    # Probabilities are clipped and logged, then log-softmaxed: in effect
    # renormalized, unlike the dense loss's explicit division.
    y = K.sparse_categorical_crossentropy(np.array([2, 0]),
                                          np.array([[0.2, 0.2, 0.4],
                                                    [0.2, 0.3, 0.5]]))
    np.testing.assert_allclose(KTF.eval(y) if K is KTF else y,
                               [-np.log(0.5), -np.log(0.2)], rtol=1e-6)

  @BACKENDS
  def test_epsilon(self, K):
    output = np.array([[0.0, 1.0]], 'float32')
    evaluate = (lambda t: KTF.eval(t)) if K is KTF else (lambda t: t)
    loss = evaluate(K.sparse_categorical_crossentropy(np.array([0]), output))
    assert np.isfinite(loss).all()
    np.testing.assert_allclose(loss, [-np.log(1e-7)], rtol=1e-3)
    K.set_epsilon(1e-2)
    loss = evaluate(K.sparse_categorical_crossentropy(np.array([0]), output))
    np.testing.assert_allclose(loss, [-np.log(1e-2 / (1e-2 + 0.99))],
                               rtol=1e-5)

  def test_symbolic_static_shapes(self):
    cases = [((None, 4, 1), (None, 4, 5), -1, (None, 4)),
             ((None, 4), (None, 4, 5), -1, (None, 4)),
             ((None, 1), (None, 5), -1, (None,)),
             ((None, 5), (None, 3, 5), 1, (None, 5)),
             ((None, 2, 2), (None, 3, 2, 2), 1, (None, 2, 2))]
    for target_shape, output_shape, axis, expected in cases:
      target = KTF.placeholder(shape=target_shape, dtype='int32')
      output = KTF.placeholder(shape=output_shape)
      y = KTF.sparse_categorical_crossentropy(target, output, axis=axis)
      assert KTF.int_shape(y) == expected, (target_shape, output_shape)

  @BACKENDS
  @pytest.mark.parametrize('axis', [3, -4])
  def test_bad_axis(self, K, axis):
    with pytest.raises(ValueError, match=f'axis={axis}'):
      K.sparse_categorical_crossentropy(np.zeros((2, 4)), np.ones((2, 3, 4)),
                                        axis=axis)

  def test_unknown_rank_needs_last_axis(self):
    with KTF.get_graph().as_default():
      output = tf.compat.v1.placeholder(tf.float32, shape=None)
    target = KTF.placeholder(shape=(None,), dtype='int32')
    with pytest.raises(ValueError, match='rank of `output` is unknown'):
      KTF.sparse_categorical_crossentropy(target, output, axis=1)
    y = KTF.sparse_categorical_crossentropy(target, output)
    value = KTF.function([target, output], [y])(
        [np.array([1]), np.array([[0.25, 0.75]], 'float32')])[0]
    np.testing.assert_allclose(value, [-np.log(0.75)], rtol=1e-6)


class TestBinaryCrossentropy:

  @BACKENDS
  def test_epsilon_and_extremes(self, K):
    # float64: in float32, 1 - 1e-7 rounds to 1 - 1.19e-7.
    target = np.array([1.0, 0.0, 1.0, 0.0])
    output = np.array([0.0, 1.0, 1.0, 0.0])
    evaluate = (lambda t: KTF.eval(t)) if K is KTF else (lambda t: t)
    loss = evaluate(K.binary_crossentropy(target, output))
    assert np.isfinite(loss).all()
    # Clipped to eps: -log(eps) when wrong, -log(1 - eps) ~ 0 when right.
    np.testing.assert_allclose(loss, [-np.log(1e-7)] * 2 + [0.0] * 2,
                               rtol=1e-6, atol=1e-6)
    K.set_epsilon(0.1)
    loss = evaluate(K.binary_crossentropy(target, output))
    np.testing.assert_allclose(loss, [-np.log(0.1)] * 2 + [-np.log(0.9)] * 2,
                               rtol=1e-5)

  @BACKENDS
  def test_hand_value(self, K):
    y = K.binary_crossentropy(np.array([0.3]), np.array([0.8]))
    expected = -(0.3 * np.log(0.8) + 0.7 * np.log(0.2))
    np.testing.assert_allclose(KTF.eval(y) if K is KTF else y, [expected],
                               rtol=1e-12)

  @BACKENDS
  def test_float16_extremes_are_finite(self, K):
    # Pins docs/deviations/nn.md: float16 losses are computed in float32,
    # where 1 - epsilon() < 1 (in float16 it rounds to 1: inf or nan).
    target = np.array([[1.0, 0.0], [0.0, 1.0]], 'float16')
    output = np.array([[1.0, 0.0], [1.0, 0.0]], 'float16')
    evaluate = (lambda t: KTF.eval(t)) if K is KTF else (lambda t: t)
    for loss in (K.binary_crossentropy(target, output),
                 K.categorical_crossentropy(target, output),
                 K.sparse_categorical_crossentropy(np.array([0, 1]), output)):
      value = evaluate(loss)
      assert value.dtype == np.float16
      assert np.all(np.isfinite(value)), value
    # 1 - 1e-7 in float32 is 1 - 1.19e-7: -log(1.19e-7) = 15.94.
    np.testing.assert_allclose(
        evaluate(K.binary_crossentropy(target, output))[1], [15.94, 16.12],
        rtol=2e-3)

  def test_target_follows_output_dtype(self):
    y = KTF.binary_crossentropy(np.array([1.0, 0.0]),
                                np.array([0.5, 0.5], 'float32'))
    assert KTF.dtype(y) == 'float32'


class TestBatchNormalization:

  @BACKENDS
  @pytest.mark.parametrize('axes,shape', [([0], (6, 3)),
                                          ([0, 1, 2], (3, 2, 2, 4)),
                                          ([0, 2, 3], (3, 4, 2, 2))])
  def test_normalized_statistics(self, K, axes, shape):
    x = np.random.RandomState(0).uniform(1.0, 3.0, shape)
    y, mean, var = K.normalize_batch_in_training(x, None, None, axes,
                                                 epsilon=0.0)
    if K is KTF:
      y, mean, var = KTF.eval(y), KTF.eval(mean), KTF.eval(var)
    axes = tuple(axes)
    np.testing.assert_allclose(y.mean(axes), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axes), 1.0, rtol=1e-10)
    np.testing.assert_allclose(mean, x.mean(axes), rtol=1e-12)
    np.testing.assert_allclose(var, x.var(axes), rtol=1e-12)  # biased

  def test_normalize_batch_returns_biased_variance(self):
    # Pins docs/deviations/nn.md: Keras 2.2.4's fused path (4-D inputs on
    # TF1) returned the Bessel-corrected variance; we return the biased one
    # for every rank, as its other paths and Keras 2.3.1 on TF2 did.
    x = np.random.RandomState(1).standard_normal((2, 3, 3, 4))
    _, _, var = KTF.normalize_batch_in_training(x, None, None, [0, 1, 2])
    np.testing.assert_allclose(KTF.eval(var), x.var((0, 1, 2)), rtol=1e-12)

  def test_gamma_beta_applied_per_channel(self):
    x = np.random.RandomState(2).standard_normal((3, 2, 2, 2))
    gamma, beta = np.array([2.0, 3.0]), np.array([-1.0, 1.0])
    y, _, _ = KTF.normalize_batch_in_training(
        KTF.variable(x), KTF.variable(gamma), KTF.variable(beta), [0, 2, 3],
        epsilon=0.0)
    y = KTF.eval(y)
    np.testing.assert_allclose(y.mean((0, 2, 3)), beta, atol=1e-6)
    np.testing.assert_allclose(y.std((0, 2, 3)), gamma, rtol=1e-6)

  @BACKENDS
  def test_bad_reduction_axes(self, K):
    with pytest.raises(ValueError, match='reduction_axes'):
      K.normalize_batch_in_training(np.ones((2, 3)), None, None,
                                    'per-activation')
    with pytest.raises(ValueError, match='axis=2'):
      K.normalize_batch_in_training(np.ones((2, 3)), None, None, [0, 2])

  @BACKENDS
  def test_batch_normalization_formula(self, K):
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    y = K.batch_normalization(x, np.array([1.0, 2.0]), np.array([4.0, 16.0]),
                              np.array([0.5, -0.5]), np.array([2.0, 1.0]),
                              epsilon=0.0)
    np.testing.assert_allclose(KTF.eval(y) if K is KTF else y,
                               [[0.5, -0.5], [2.5, 0.5]])

  @BACKENDS
  def test_batch_normalization_1d_params_follow_axis(self, K):
    # Pins docs/deviations/nn.md: a 1-D parameter applies along `axis`.
    x = np.zeros((1, 2, 3, 3))
    y = K.batch_normalization(x, np.array([1.0, -1.0]), np.zeros(2), None,
                              None, axis=1, epsilon=1.0)
    y = KTF.eval(y) if K is KTF else y
    np.testing.assert_allclose(y[0, 0], -1.0)
    np.testing.assert_allclose(y[0, 1], 1.0)

  def test_batch_normalization_positional_legacy_order(self):
    # 2.2.4 and 2.3.1 share the order (x, mean, var, beta, gamma, axis, eps).
    x = np.ones((2, 3), 'float32')
    y = KTF.batch_normalization(x, np.zeros(3), np.ones(3), np.ones(3),
                                np.full(3, 2.0), -1, 0.0)
    np.testing.assert_allclose(KTF.eval(y), np.full((2, 3), 3.0))


class TestDropout:
  """Dropout is random: checked by its invariants and statistics."""

  X = np.random.RandomState(0).uniform(1.0, 2.0, (100, 100)).astype('float32')

  @BACKENDS
  @pytest.mark.parametrize('level', [-0.5, 1.0, 1.5])
  def test_level_out_of_range(self, K, level):
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
      K.dropout(self.X, level=level)

  @BACKENDS
  @pytest.mark.parametrize('level', [0.2, 0.5, 0.9])
  def test_fraction_and_exact_scaling(self, K, level):
    y = K.dropout(self.X, level, seed=123)
    y = KTF.eval(y) if K is KTF else y
    assert y.dtype == np.float32
    dropped = y == 0
    assert abs(dropped.mean() - level) < 0.02
    # Exactly x times 1/(1-level) rounded to float32.
    scale = np.float32(1.0 / (1.0 - level))
    np.testing.assert_array_equal(y[~dropped], self.X[~dropped] * scale)

  @BACKENDS
  def test_level_zero_is_identity(self, K):
    y = K.dropout(self.X, 0.0)
    np.testing.assert_array_equal(KTF.eval(y) if K is KTF else y, self.X)

  @BACKENDS
  def test_noise_shape_broadcasts(self, K):
    x = np.ones((4, 50, 3), 'float32')
    for noise_shape in [(4, 1, 3), (None, 1, None), [4, 1, 3]]:
      y = K.dropout(x, 0.5, noise_shape=noise_shape, seed=7)
      y = KTF.eval(y) if K is KTF else y
      # The same decision for every entry along the broadcast axis.
      assert np.all(y == y[:, :1, :])
      assert set(np.unique(y).tolist()) == {0.0, 2.0}

  def test_same_seed_same_mask_eagerly(self):
    a = KTF.eval(KTF.dropout(self.X, 0.5, seed=11))
    b = KTF.eval(KTF.dropout(self.X, 0.5, seed=11))
    c = KTF.eval(KTF.dropout(self.X, 0.5, seed=12))
    np.testing.assert_array_equal(a, b)
    assert np.mean(a != c) > 0.3

  def test_no_seed_fresh_mask_and_numpy_seed_reproducible(self):
    a = KTF.eval(KTF.dropout(self.X, 0.5))
    b = KTF.eval(KTF.dropout(self.X, 0.5))
    assert np.mean(a != b) > 0.3
    np.random.seed(5)
    c = KTF.eval(KTF.dropout(self.X, 0.5))
    np.random.seed(5)
    d = KTF.eval(KTF.dropout(self.X, 0.5))
    np.testing.assert_array_equal(c, d)

  @pytest.mark.parametrize('seed', [None, 3])
  def test_symbolic_fresh_mask_per_call(self, seed):
    x = KTF.placeholder(shape=(None, 100))
    f = KTF.function([x], [KTF.dropout(x, 0.3, seed=seed)])
    a, b = f([self.X])[0], f([self.X])[0]
    assert np.mean((a == 0) != (b == 0)) > 0.2
    for y in (a, b):
      assert abs(np.mean(y == 0) - 0.3) < 0.02
      np.testing.assert_allclose(y[y != 0], (self.X / 0.7)[y != 0], rtol=1e-6)

  def test_symbolic_noise_shape_from_shape_tensor(self):
    x = KTF.placeholder(shape=(None, 50, 3))
    noise_shape = (KTF.shape(x)[0], 1, 3)
    y = KTF.dropout(x, 0.5, noise_shape=noise_shape)
    assert KTF.int_shape(y) == (None, 50, 3)
    value = KTF.function([x], [y])([np.ones((4, 50, 3), 'float32')])[0]
    assert np.all(value == value[:, :1, :])

  def test_symbolic_level(self):
    x = KTF.placeholder(shape=(None, 100))
    level = KTF.placeholder(shape=(), dtype='float32')
    f = KTF.function([x, level], [KTF.dropout(x, level)])
    assert np.mean(f([self.X, 0.75])[0] == 0) > 0.7
    np.testing.assert_array_equal(f([self.X, 0.0])[0], self.X)

  def test_in_train_phase_with_fed_learning_phase(self):
    x = KTF.placeholder(shape=(None, 100))
    y = KTF.in_train_phase(lambda: KTF.dropout(x, 0.5), x)
    f = KTF.function([x, KTF.learning_phase()], [y])
    train = f([self.X, 1])[0]
    assert abs(np.mean(train == 0) - 0.5) < 0.03
    np.testing.assert_allclose(train[train != 0], (2 * self.X)[train != 0],
                               rtol=1e-6)
    np.testing.assert_array_equal(f([self.X, 0])[0], self.X)
    # Default (not fed): the test phase.
    np.testing.assert_array_equal(KTF.function([x], [y])([self.X])[0], self.X)

  def test_in_train_phase_fixed_phase(self):
    with KTF.learning_phase_scope(1):
      y = KTF.in_train_phase(lambda: KTF.dropout(self.X, 0.5, seed=1), self.X)
    assert np.mean(KTF.eval(y) == 0) > 0.4

  def test_gradient_is_mask_times_scale(self):
    x = KTF.placeholder(shape=(None, 100))
    y = KTF.dropout(x, 0.25)
    grad = KTF.gradients(KTF.sum(y), [x])[0]
    out, g = KTF.function([x], [y, grad])([self.X])
    np.testing.assert_allclose(g, np.where(out != 0, 1 / 0.75, 0.0),
                               rtol=1e-6)

  @pytest.mark.parametrize('dtype', FLOATS)
  def test_dtypes(self, dtype):
    x = self.X.astype(dtype)
    y = KTF.dropout(x, 0.5, seed=1)
    assert KTF.dtype(y) == dtype
    assert KNP.dropout(x, 0.5, seed=1).dtype == dtype

  @pytest.mark.parametrize('seed', [None, 3])
  def test_numpy_symbolic_fresh_mask_per_call(self, seed):
    x = KNP.placeholder(shape=(None, 100))
    f = KNP.function([x], [KNP.dropout(x, 0.3, seed=seed)])
    a, b = f([self.X])[0], f([self.X])[0]
    assert np.mean((a == 0) != (b == 0)) > 0.2
    for y in (a, b):
      assert abs(np.mean(y == 0) - 0.3) < 0.02

  def test_numpy_in_train_phase_with_fed_learning_phase(self):
    x = KNP.placeholder(shape=(None, 100))
    y = KNP.in_train_phase(lambda: KNP.dropout(x, 0.5), x)
    f = KNP.function([x, KNP.learning_phase()], [y])
    assert abs(np.mean(f([self.X, 1])[0] == 0) - 0.5) < 0.03
    np.testing.assert_array_equal(f([self.X, 0])[0], self.X)


class TestReluKernels:
  """Legacy Keras' test_relu_tf_ops: the dedicated TF kernels are used."""

  @pytest.mark.parametrize('kwargs, op_type', [
      ({}, 'Relu'), ({'alpha': 0.2}, 'LeakyRelu'), ({'max_value': 6}, 'Relu6'),
      ({'alpha': 0.2, 'max_value': 6.0}, None)])
  def test_op_types(self, kwargs, op_type):
    x = KTF.placeholder(shape=(None, 3))
    out = KTF.relu(x, **kwargs)
    if op_type is not None:
      assert out.op.type == op_type
    values = np.array([[-2.0, 3.0, 8.0]], 'float32')
    np.testing.assert_allclose(KTF.function([x], [out])([values])[0],
                               KNP.relu(values, **kwargs), rtol=1e-6)
