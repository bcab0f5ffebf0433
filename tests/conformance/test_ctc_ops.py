"""Conformance tests of the CTC ops: TensorFlow vs the numpy reference.

The table runs `ctc_batch_cost` and `ctc_decode` eagerly and symbolically
(None batch) through the generic checker, with gradients of the loss; the
classes below pin hand-computed values, legacy Keras' own test values,
the sparse labels, the beam search and errors.
"""

import numpy as np
import pytest
import scipy.sparse
import tensorflow as tf

import tf_kbackend.numpy_backend as KNP
import tf_kbackend.tf_backend as KTF
from tests.conformance import checker
from tests.conformance.checker import Case

# ---------------------------------------------------------------------------
# Inputs: valid labels and lengths, probabilities with the blank last.


def probabilities(shape, dtype, rng):
  """Softmax outputs, well separated (no ties between paths)."""
  logits = 2.0 * rng.standard_normal(shape)
  values = np.exp(logits - logits.max(axis=-1, keepdims=True))
  return (values / values.sum(axis=-1, keepdims=True)).astype(dtype)


def fixed(values):
  """An input kind giving `values` whatever the dtype asked for."""
  return lambda shape, dtype, rng: np.asarray(values).astype(dtype).reshape(
      shape)


# Three samples, 6 time steps, 4 classes + blank (class 4). Sample 0 has a
# repeated label (which needs a blank between), sample 2 is padded with -1
# and gets only 3 time steps.
LABELS = [[1, 2, 2, 0], [3, 0, 1, 0], [2, -1, -1, -1]]
LABEL_LENGTH = [[4], [2], [1]]
INPUT_LENGTH = [[6], [5], [3]]
LOSS_VALUES = [fixed(LABELS), probabilities, fixed(INPUT_LENGTH),
               fixed(LABEL_LENGTH)]
INTS = ['int32', None, 'int32', 'int32']

DECODE_LENGTH = [6, 4, 1]
DECODE_VALUES = [probabilities, fixed(DECODE_LENGTH)]

# TensorFlow's CTC kernels agree with exact float64 arithmetic to ~1e-8
# only (relative), in float64 too.
CTC_FLOAT64 = (1e-7, 1e-7)

CASES = [
    Case('ctc_batch_cost', [(3, 4), (3, 6, 5), (3, 1), (3, 1)],
         input_dtypes=INTS, values=LOSS_VALUES, grad=False),
    Case('ctc_batch_cost', [(3, 4), (3, 6, 5), (3, 1), (3, 1)],
         dtypes=('float64',), input_dtypes=INTS, values=LOSS_VALUES,
         grad_args=[1], tolerance=CTC_FLOAT64, name='f64'),
    # Keras models feed the labels as floats.
    Case('ctc_batch_cost', [(3, 4), (3, 6, 5), (3, 1), (3, 1)],
         input_dtypes=[None, None, 'int64', 'float32'], values=LOSS_VALUES,
         grad=False, name='float_labels'),
    Case('ctc_batch_cost', [(3, 4), (3, 6, 5), (3, 1), (3, 1)],
         input_dtypes=INTS, values=LOSS_VALUES, grad=False,
         symbolic_shapes=[(None, None), (None, None, 5), (None, 1), (None, 1)],
         name='unknown_time'),
    Case('ctc_decode', [(3, 6, 5), (3,)], input_dtypes=[None, 'int32'],
         values=DECODE_VALUES, dtypes=('float32', 'float64'), grad=False,
         tolerance=CTC_FLOAT64),
    Case('ctc_decode', [(3, 6, 5), (3,)], input_dtypes=[None, 'int32'],
         values=DECODE_VALUES, grad=False,
         symbolic_shapes=[(None, None, 5), (None,)], name='unknown_time'),
    Case('ctc_decode', [(3, 6, 5), (3,)], input_dtypes=[None, 'int32'],
         values=DECODE_VALUES, kwargs={'greedy': False}, grad=False,
         tolerance=(1e-5, 1e-4)),
    Case('ctc_decode', [(3, 6, 5), (3,)], input_dtypes=[None, 'int64'],
         values=DECODE_VALUES, grad=False,
         kwargs={'greedy': False, 'beam_width': 4, 'top_paths': 3},
         tolerance=(1e-5, 1e-4)),
    Case('ctc_decode', [(3, 6, 5), (3,)], input_dtypes=[None, 'int64'],
         values=DECODE_VALUES, dtypes=('float64',), grad=False,
         kwargs={'greedy': False, 'beam_width': 4, 'top_paths': 3},
         tolerance=CTC_FLOAT64, name='f64'),
    Case('ctc_decode', [(3, 6, 5), (3,)], input_dtypes=[None, 'int32'],
         values=DECODE_VALUES, grad=False, tolerance=(1e-5, 1e-4),
         kwargs={'greedy': False, 'beam_width': 2, 'top_paths': 2,
                 'merge_repeated': True}),
]


@pytest.mark.parametrize('case', CASES, ids=str)
def test_matches_reference(case):
  checker.check_case(case)


@pytest.mark.parametrize('case', checker.gradient_cases(CASES), ids=str)
def test_gradient(case):
  checker.check_gradient(case)


# ---------------------------------------------------------------------------
# ctc_label_dense_to_sparse.


def sparse_parts(value):
  """(indices, values, dense_shape) of a SparseTensor(Value) or coo_matrix."""
  if scipy.sparse.issparse(value):
    return (np.stack([value.row, value.col], axis=1), value.data,
            np.asarray(value.shape))
  if isinstance(value, tf.SparseTensor):
    value = tf.compat.v1.SparseTensorValue(
        value.indices.numpy(), value.values.numpy(), value.dense_shape.numpy())
  return (np.asarray(value.indices).reshape((-1, 2)),
          np.asarray(value.values), np.asarray(value.dense_shape))


def assert_same_sparse(actual, expected, what):
  for part, a, e in zip(('indices', 'values', 'dense_shape'),
                        sparse_parts(actual), sparse_parts(expected)):
    np.testing.assert_array_equal(a, e, err_msg=f'{what}: {part}')


class TestDenseToSparse:

  LABELS = np.array([[1, 2, 0, -1], [0, -1, -1, -1], [3, 3, 3, 3]], 'int32')
  LENGTHS = np.array([3, 1, 4], 'int32')

  def test_hand_computed(self):
    expected = tf.compat.v1.SparseTensorValue(
        [[0, 0], [0, 1], [0, 2], [1, 0], [2, 0], [2, 1], [2, 2], [2, 3]],
        [1, 2, 0, 0, 3, 3, 3, 3], [3, 4])
    reference = KNP.ctc_label_dense_to_sparse(self.LABELS, self.LENGTHS)
    assert scipy.sparse.issparse(reference)
    assert_same_sparse(reference, expected, 'numpy')
    # Label 0 is an explicit entry, not an absent one.
    assert reference.nnz == 8
    eager = KTF.ctc_label_dense_to_sparse(self.LABELS, self.LENGTHS)
    assert isinstance(eager, tf.SparseTensor)
    assert eager.values.dtype == tf.int32 and eager.indices.dtype == tf.int64
    assert_same_sparse(eager, expected, 'eager')

  def test_symbolic_none_dims(self):
    labels = KTF.placeholder(shape=(None, None), dtype='int32')
    lengths = KTF.placeholder(shape=(None,), dtype='int32')
    sparse = KTF.ctc_label_dense_to_sparse(labels, lengths)
    assert KTF.is_sparse(sparse)
    result = KTF.function([labels, lengths], [sparse])(
        [self.LABELS, self.LENGTHS])[0]
    assert_same_sparse(result, KNP.ctc_label_dense_to_sparse(
        self.LABELS, self.LENGTHS), 'symbolic')

  def test_zero_and_overlong_lengths(self):
    # Length 0 keeps nothing; a length past the row keeps the whole row.
    lengths = np.array([0, 0, 9], 'int64')
    expected = KNP.ctc_label_dense_to_sparse(self.LABELS, lengths)
    np.testing.assert_array_equal(expected.data, [3, 3, 3, 3])
    assert_same_sparse(KTF.ctc_label_dense_to_sparse(self.LABELS, lengths),
                       expected, 'eager')

  def test_lengths_of_shape_samples_1(self):
    lengths = self.LENGTHS[:, None]
    assert_same_sparse(KTF.ctc_label_dense_to_sparse(self.LABELS, lengths),
                       KNP.ctc_label_dense_to_sparse(self.LABELS, lengths),
                       '(samples, 1) lengths')

  @pytest.mark.parametrize('B', [KTF, KNP], ids=['tf', 'numpy'])
  def test_errors(self, B):
    with pytest.raises(ValueError, match='labels should have shape'):
      B.ctc_label_dense_to_sparse(np.zeros((2, 3, 1), 'int32'), [1, 1])
    with pytest.raises(ValueError, match='label_lengths should have shape'):
      B.ctc_label_dense_to_sparse(np.zeros((2, 3), 'int32'),
                                  np.ones((2, 2), 'int32'))


# ---------------------------------------------------------------------------
# ctc_batch_cost.


def both_backends_loss(*args):
  tf_loss = KTF.eval(KTF.ctc_batch_cost(*args))
  np_loss = KNP.ctc_batch_cost(*args)
  return tf_loss, np_loss


class TestBatchCost:

  def test_two_steps_by_hand(self):
    # Classes: 'a' (0), 'b' (1), blank (2). Label 'a' over 2 steps: paths
    # a a, a -, - a; label 'ab': the single path a b.
    y_pred = np.array([[[0.6, 0.1, 0.3], [0.2, 0.3, 0.5]],
                       [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]], 'float32')
    # The logits log(y + eps) go through a softmax: y + eps, renormalized.
    eps = KTF.epsilon()
    p = (y_pred.astype(np.float64) + eps) / (1 + 3 * eps)
    expected = -np.log([
        p[0, 0, 0] * p[0, 1, 0] + p[0, 0, 0] * p[0, 1, 2] +
        p[0, 0, 2] * p[0, 1, 0],
        p[1, 0, 0] * p[1, 1, 1],
    ])[:, None]
    args = (np.array([[0, -1], [0, 1]]), y_pred, np.array([[2], [2]]),
            np.array([[1], [2]]))
    tf_loss, np_loss = both_backends_loss(*args)
    assert tf_loss.shape == np_loss.shape == (2, 1)
    np.testing.assert_allclose(tf_loss, expected, rtol=1e-6)
    np.testing.assert_allclose(np_loss, expected, rtol=1e-6)

  def test_unnormalized_inputs_are_renormalized(self):
    y_pred = np.array([[[0.6, 0.1, 0.3], [0.2, 0.3, 0.5]]])
    args = (np.array([[0]]), y_pred, np.array([[2]]), np.array([[1]]))
    for B in (KTF, KNP):
      np.testing.assert_allclose(
          KTF.eval(B.ctc_batch_cost(args[0], y_pred * 3.0, *args[2:])),
          KTF.eval(B.ctc_batch_cost(*args)), rtol=1e-5)

  def test_legacy_values(self):
    # Keras 2.x backend_test.test_ctc (from TensorFlow's own CTC test).
    label_lens = np.expand_dims(np.asarray([5, 4]), 1)
    input_lens = np.expand_dims(np.asarray([5, 5]), 1)
    labels = np.asarray([[0, 1, 2, 1, 0], [0, 1, 1, 0, -1]])
    inputs = np.asarray(
        [[[0.633766, 0.221185, 0.0917319, 0.0129757, 0.0142857, 0.0260553],
          [0.111121, 0.588392, 0.278779, 0.0055756, 0.00569609, 0.010436],
          [0.0357786, 0.633813, 0.321418, 0.00249248, 0.00272882, 0.0037688],
          [0.0663296, 0.643849, 0.280111, 0.00283995, 0.0035545, 0.00331533],
          [0.458235, 0.396634, 0.123377, 0.00648837, 0.00903441, 0.00623107]],
         [[0.30176, 0.28562, 0.0831517, 0.0862751, 0.0816851, 0.161508],
          [0.24082, 0.397533, 0.0557226, 0.0546814, 0.0557528, 0.19549],
          [0.230246, 0.450868, 0.0389607, 0.038309, 0.0391602, 0.202456],
          [0.280884, 0.429522, 0.0326593, 0.0339046, 0.0326856, 0.190345],
          [0.423286, 0.315517, 0.0338439, 0.0393744, 0.0339315, 0.154046]]],
        dtype=np.float32)
    k_args = [KTF.variable(labels, dtype='int32'),
              KTF.variable(inputs, dtype='float32'),
              KTF.variable(input_lens, dtype='int32'),
              KTF.variable(label_lens, dtype='int32')]
    result = KTF.eval(KTF.ctc_batch_cost(*k_args))
    np.testing.assert_allclose(result[:, 0], [3.34211, 5.42262], atol=1e-5)
    np.testing.assert_allclose(
        KNP.ctc_batch_cost(labels, inputs, input_lens, label_lens)[:, 0],
        [3.34211, 5.42262], atol=1e-5)
    # Batch of one.
    single = KTF.eval(KTF.ctc_batch_cost(labels[:1], inputs[:1],
                                         input_lens[:1], label_lens[:1]))
    np.testing.assert_allclose(single[:, 0], [3.34211], atol=1e-5)

  def test_float16(self):
    rng = np.random.RandomState(0)
    y_pred = probabilities((3, 6, 5), 'float16', rng)
    args = (np.array(LABELS), y_pred, np.array(INPUT_LENGTH),
            np.array(LABEL_LENGTH))
    tf_loss, np_loss = both_backends_loss(*args)
    # TensorFlow's CTC has no float16 kernels: computed (and returned) in
    # float32.
    assert tf_loss.dtype == np_loss.dtype == np.float32
    np.testing.assert_allclose(tf_loss, np_loss, rtol=1e-5)
    decoded, log_prob = KTF.ctc_decode(y_pred, np.array([6, 5, 3]))
    assert KTF.dtype(log_prob) == 'float32'
    (tf_decoded, tf_log_prob), (np_decoded, np_log_prob) = decode_both(
        y_pred, np.array([6, 5, 3]))
    np.testing.assert_array_equal(tf_decoded[0], np_decoded[0])
    np.testing.assert_allclose(tf_log_prob, np_log_prob, rtol=1e-5)

  def test_lengths_of_shape_samples(self):
    rng = np.random.RandomState(2)
    args = [np.array(LABELS), probabilities((3, 6, 5), 'float32', rng),
            np.array(INPUT_LENGTH), np.array(LABEL_LENGTH)]
    expected = KNP.ctc_batch_cost(*args)
    flat_lengths = args[:2] + [args[2][:, 0], args[3][:, 0]]
    for B in (KTF, KNP):
      np.testing.assert_allclose(
          KTF.eval(B.ctc_batch_cost(*flat_lengths)), expected, rtol=1e-5)

  def test_null_labels_and_infeasible_labels(self):
    # With 3 classes, labels 2 (the blank) and up are null labels, which
    # TensorFlow drops at the end of a sequence. Two equal labels in two
    # steps are impossible (a blank must separate them): infinite loss.
    y_pred = np.random.RandomState(0).uniform(0.1, 1, (1, 2, 3))
    y_pred = y_pred.astype('float32')
    def loss(B, labels):
      labels = np.array([labels])
      return KTF.eval(B.ctc_batch_cost(
          labels, y_pred, np.array([[2]]), np.array([[labels.shape[1]]])
      )).item()
    for B in (KTF, KNP):
      assert loss(B, [0, 2]) == pytest.approx(loss(KNP, [0]), rel=1e-5)
      assert loss(B, [1, 3]) == pytest.approx(loss(KNP, [1]), rel=1e-5)
      assert loss(B, [1, 1]) == np.inf

  @pytest.mark.parametrize('labels', [[-1, 0], [2, 0]], ids=['negative',
                                                            'null_first'])
  def test_invalid_labels(self, labels):
    args = (np.array([labels]), np.full((1, 3, 3), 1 / 3, 'float32'),
            np.array([[3]]), np.array([[2]]))
    with pytest.raises(tf.errors.InvalidArgumentError):
      KTF.eval(KTF.ctc_batch_cost(*args))
    with pytest.raises(ValueError, match='labels'):
      KNP.ctc_batch_cost(*args)

  def test_gradient_wrt_y_pred_two_steps(self):
    # Tiny, with a variable y_pred: K.gradients vs finite differences.
    rng = np.random.RandomState(1)
    y_val = probabilities((1, 2, 3), 'float64', rng)
    labels, lengths = np.array([[1]]), np.array([[2]])
    y = KTF.variable(y_val, dtype='float64')
    with KTF.name_scope('ctc'):  # Symbolic, for K.gradients.
      loss = KTF.sum(KTF.ctc_batch_cost(labels, y, lengths, np.array([[1]])))
    grad = KTF.eval(KTF.gradients(loss, [y])[0])
    numeric = checker.numeric_gradient(
        lambda v: float(KNP.ctc_batch_cost(labels, v[0], lengths,
                                           np.array([[1]]))[0, 0]),
        [y_val.copy()], 0)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------
# ctc_decode.


def decode_both(y_pred, input_length, **kwargs):
  decoded, log_prob = KTF.ctc_decode(y_pred, input_length, **kwargs)
  tf_result = [KTF.eval(d) for d in decoded], KTF.eval(log_prob)
  return tf_result, KNP.ctc_decode(y_pred, input_length, **kwargs)


class TestGreedyDecode:

  # Keras 2.x backend_test.test_ctc_decode_greedy: time x classes.
  SEQUENCE_0 = [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.4, 0.6],
                [0.0, 0.0, 0.4, 0.6], [0.0, 0.9, 0.1, 0.0],
                [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
  SEQUENCE_1 = [[0.1, 0.9, 0.0, 0.0], [0.0, 0.9, 0.1, 0.0],
                [0.0, 0.0, 0.1, 0.9], [0.0, 0.9, 0.1, 0.1],
                [0.9, 0.1, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]

  def test_legacy_example_by_hand(self):
    y_pred = np.array([self.SEQUENCE_0, self.SEQUENCE_1], 'float32')
    input_length = np.array([4, 5], 'int32')
    # Best classes 0 3 3 1 -> [0, 1]; 1 1 3 1 0 -> [1, 1, 0] (3 is blank).
    expected_decoded = [[0, 1, -1], [1, 1, 0]]
    eps = KTF.epsilon()
    expected_log_prob = -np.array([
        [np.sum(np.log(np.array([1.0, 0.6, 0.6, 0.9]) + eps))],
        [np.sum(np.log(np.array([0.9] * 5) + eps))]])
    (tf_decoded, tf_log_prob), (np_decoded, np_log_prob) = decode_both(
        y_pred, input_length)
    for decoded in (tf_decoded, np_decoded):
      assert len(decoded) == 1
      np.testing.assert_array_equal(decoded[0], expected_decoded)
    np.testing.assert_allclose(tf_log_prob, expected_log_prob, rtol=1e-5)
    np.testing.assert_allclose(np_log_prob, expected_log_prob, rtol=1e-5)
    assert tf_log_prob.shape == (2, 1) and tf_decoded[0].dtype == np.int64

  def test_lengths_of_shape_samples_1(self):
    y_pred = np.array([self.SEQUENCE_0, self.SEQUENCE_1], 'float32')
    (tf_decoded, tf_log_prob), (np_decoded, _) = decode_both(
        y_pred, np.array([[4], [5]]))
    np.testing.assert_array_equal(tf_decoded[0], [[0, 1, -1], [1, 1, 0]])
    np.testing.assert_array_equal(np_decoded[0], tf_decoded[0])

  def test_all_blank_decodes_to_empty(self):
    y_pred = np.array([[[0.1, 0.9], [0.2, 0.8]]] * 2, 'float32')
    (tf_decoded, _), (np_decoded, _) = decode_both(y_pred, np.array([2, 1]))
    assert tf_decoded[0].shape == np_decoded[0].shape == (2, 0)

  def test_symbolic(self):
    y_pred = np.array([self.SEQUENCE_0, self.SEQUENCE_1], 'float32')
    y = KTF.placeholder(shape=(None, None, 4))
    length = KTF.placeholder(shape=(None,), dtype='int32')
    decoded, log_prob = KTF.ctc_decode(y, length)
    assert KTF.int_shape(decoded[0]) == (None, None)
    results = KTF.function([y, length], decoded + [log_prob])(
        [y_pred, np.array([4, 5])])
    np.testing.assert_array_equal(results[0], [[0, 1, -1], [1, 1, 0]])


class TestBeamSearchDecode:

  def test_legacy_two_beams(self):
    # Keras 2.x backend_test.test_ctc_decode_beam_search: the log
    # probabilities are TensorFlow's own test values.
    probs = np.asarray(
        [[0.30999, 0.309938, 0.0679938, 0.0673362, 0.0708352, 0.173908],
         [0.215136, 0.439699, 0.0370931, 0.0393967, 0.0381581, 0.230517],
         [0.199959, 0.489485, 0.0233221, 0.0251417, 0.0233289, 0.238763],
         [0.279611, 0.452966, 0.0204795, 0.0209126, 0.0194803, 0.20655],
         [0.51286, 0.288951, 0.0243026, 0.0220788, 0.0219297, 0.129878]],
        dtype=np.float32) + 2.0
    # Unnormalized exp(p + 2), padded with two zero steps past the length.
    y_pred = np.exp(np.concatenate([probs, np.zeros((2, 6), 'float32')]))
    y_pred = KTF.variable(y_pred[np.newaxis])
    tf_result, np_result = decode_both(
        KTF.eval(y_pred), np.array([5], 'int32'), greedy=False,
        beam_width=2, top_paths=2)
    for decoded, log_prob in (tf_result, np_result):
      assert len(decoded) == 2
      np.testing.assert_array_equal(decoded[0], [[1, 0]])
      np.testing.assert_array_equal(decoded[1], [[1]])
      np.testing.assert_allclose(log_prob, [[-5.811451, -6.63339]],
                                 rtol=1e-5)

  @pytest.mark.parametrize('merge_repeated,expected',
                           [(True, [[0, 1]]), (False, [[0, 0, 1, 1]])])
  def test_legacy_merge_repeated(self, merge_repeated, expected):
    # Keras 2.3.1 test_ctc_decode_beam_search_no_merge, None dims.
    blank, a, b = [0, 0, 1], [1, 0, 0], [0, 1, 0]
    input_prob = np.array([[blank, a, blank, a, b, blank, b]], 'float32')
    y = KTF.placeholder(shape=(None, None, None))
    length = KTF.placeholder(shape=(None,), dtype='int64')
    paths, _ = KTF.ctc_decode(y, length, greedy=False, beam_width=1,
                              top_paths=1, merge_repeated=merge_repeated)
    decoded = KTF.function([y, length], paths)([input_prob, np.array([7])])
    np.testing.assert_array_equal(decoded[0], expected)
    np_decoded, _ = KNP.ctc_decode(input_prob, np.array([7]), greedy=False,
                                   beam_width=1, merge_repeated=merge_repeated)
    np.testing.assert_array_equal(np_decoded[0], expected)

  def test_two_steps_by_hand(self):
    # Classes 'a' (0), blank (1). Prefixes after 2 steps: '' (- -),
    # 'a' (a a, a -, - a), 'aa' impossible without a blank between.
    y_pred = np.array([[[0.6, 0.4], [0.3, 0.7]]])
    p = (y_pred[0].astype(np.float64) + KTF.epsilon()) / (
        1 + 2 * KTF.epsilon())
    expected = np.log([[p[0, 0] * p[1, 0] + p[0, 0] * p[1, 1] +
                        p[0, 1] * p[1, 0], p[0, 1] * p[1, 1]]])
    tf_result, np_result = decode_both(y_pred.astype('float32'),
                                       np.array([2]), greedy=False,
                                       beam_width=3, top_paths=2)
    for decoded, log_prob in (tf_result, np_result):
      np.testing.assert_array_equal(decoded[0], [[0]])
      assert decoded[1].shape == (1, 0)
      np.testing.assert_allclose(log_prob, expected, rtol=1e-5)

  @pytest.mark.parametrize('seed', range(3))
  def test_exhaustive_beam_gives_exact_prefix_probabilities(self, seed):
    # 3 steps, 3 labels: at most 40 prefixes, so a beam of 40 prunes
    # nothing and both backends must find the exact top 6 prefixes.
    rng = np.random.RandomState(seed)
    y_pred = probabilities((2, 3, 4), 'float64', rng)
    tf_result, np_result = decode_both(y_pred, np.array([3, 2]),
                                       greedy=False, beam_width=40,
                                       top_paths=6)
    checker.assert_close(tf_result, np_result, CTC_FLOAT64, 'exhaustive')

  def test_pruned_beams_agree_on_clear_inputs(self):
    # One path dominates each sample: pruning cannot change the top paths.
    rng = np.random.RandomState(10)
    best = rng.randint(0, 5, size=(2, 6))
    logits = rng.uniform(0, 0.5, (2, 6, 5)) + 4.0 * np.eye(5)[best]
    y_pred = (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True))
    for beam_width, top_paths in ((1, 1), (2, 2), (3, 3)):
      tf_result, np_result = decode_both(
          y_pred.astype('float32'), np.array([6, 4]), greedy=False,
          beam_width=beam_width, top_paths=top_paths)
      checker.assert_close(tf_result, np_result, (1e-5, 1e-4),
                           f'beam_width={beam_width}')

  def test_tensorflow_pruning_can_drop_a_better_prefix(self):
    # Pins a TensorFlow (hence legacy Keras) beam search quirk, see
    # docs/deviations/control_flow.md: when a prefix and its parent are
    # both evicted in one step, the prefix's extensions are never tried.
    # At step 3 of this input, beam width 2, TensorFlow keeps 'aa' and
    # loses 'acb', which the reference keeps: its second path then
    # differs and TensorFlow's is less probable.
    y_pred = np.exp(np.array([[
        [-0.0967, -2.8009, -3.4809, -7.4009],
        [-1.3427, -1.4975, -0.9535, -2.0420],
        [-2.0672, -2.9340, -4.6073, -0.2103],
        [-1.8729, -0.2164, -3.5355, -4.4449],
        [-3.1221, -5.1244, -0.0667, -4.2336]]], 'float32'))
    (tf_decoded, tf_log_prob), (np_decoded, np_log_prob) = decode_both(
        y_pred, np.array([5]), greedy=False, beam_width=2, top_paths=2)
    np.testing.assert_array_equal(tf_decoded[0], [[0, 1, 2]])
    np.testing.assert_array_equal(np_decoded[0], [[0, 1, 2]])
    np.testing.assert_allclose(tf_log_prob[0, 0], np_log_prob[0, 0],
                               rtol=1e-5)
    np.testing.assert_array_equal(tf_decoded[1], [[0, 0, 2]])
    np.testing.assert_array_equal(np_decoded[1], [[0, 2, 1, 2]])
    assert tf_log_prob[0, 1] < np_log_prob[0, 1] - 1.0
    # A wider beam finds the reference's path in both.
    (tf_decoded, _), (np_decoded, _) = decode_both(
        y_pred, np.array([5]), greedy=False, beam_width=3, top_paths=2)
    np.testing.assert_array_equal(tf_decoded[1], np_decoded[1])

  @pytest.mark.parametrize('B', [KTF, KNP], ids=['tf', 'numpy'])
  def test_top_paths_above_beam_width(self, B):
    with pytest.raises(ValueError, match='top_paths'):
      B.ctc_decode(np.full((1, 2, 3), 1 / 3, 'float32'), np.array([2]),
                   greedy=False, beam_width=1, top_paths=2)


class TestNumpyBackendSymbolic:
  """The numpy backend's lazy world: placeholders through KNP.function."""

  def test_loss_and_decoding(self):
    rng = np.random.RandomState(3)
    y_val = probabilities((3, 6, 5), 'float64', rng)
    labels = KNP.placeholder(shape=(None, None), dtype='int32')
    y_pred = KNP.placeholder(shape=(None, None, 5), dtype='float64')
    input_length = KNP.placeholder(shape=(None, 1), dtype='int32')
    label_length = KNP.placeholder(shape=(None, 1), dtype='int32')
    loss = KNP.ctc_batch_cost(labels, y_pred, input_length, label_length)
    decoded, log_prob = KNP.ctc_decode(y_pred, input_length[:, 0],
                                       greedy=False, beam_width=3,
                                       top_paths=2)
    assert KNP.is_symbolic(loss) and KNP.is_symbolic(log_prob)
    f = KNP.function([labels, y_pred, input_length, label_length],
                     [loss, log_prob] + list(decoded))
    feeds = [np.array(LABELS), y_val, np.array(INPUT_LENGTH),
             np.array(LABEL_LENGTH)]
    expected_decoded, expected_log_prob = KNP.ctc_decode(
        y_val, np.array(INPUT_LENGTH)[:, 0], greedy=False, beam_width=3,
        top_paths=2)
    checker.assert_close(
        f(feeds), [KNP.ctc_batch_cost(*feeds), expected_log_prob] +
        expected_decoded, checker.TOLERANCES['float64'], 'numpy symbolic')
