"""Numpy reference: CTC loss and decoding (numpy and scipy only).

Written from the CTC definitions (Graves et al., 2006): the loss is the
forward (alpha) recursion over the label sequence interleaved with blanks,
in log space; greedy decoding takes the best class per step, merges repeats
and drops blanks; beam search is the prefix beam search. As in the
TensorFlow backend, `y_pred` holds probabilities with the blank as the LAST
class, and `log(y_pred + epsilon())` is used as the logits.

Sparse results are `scipy.sparse.coo_matrix`es, which store explicit zeros,
so label 0 is kept.
"""

import numpy as np
import scipy.sparse

from tf_kbackend import config
from tf_kbackend.numpy_backend.graph import is_symbolic, lazy_op

__all__ = ['ctc_label_dense_to_sparse', 'ctc_batch_cost', 'ctc_decode']


def _lengths(lengths, what):
  lengths = np.asarray(lengths)
  if lengths.ndim == 2 and lengths.shape[1] == 1:
    lengths = lengths[:, 0]
  if lengths.ndim != 1:
    raise ValueError(
        f'{what} should have shape (samples,) or (samples, 1). Received: '
        f'shape {lengths.shape}.')
  return lengths.astype(np.int64)


@lazy_op
def ctc_label_dense_to_sparse(labels, label_lengths):
  """Keeps the first `label_lengths[i]` labels of each row, as a sparse matrix.

  Args:
    labels: (samples, max_length) dense labels.
    label_lengths: (samples,) the number of labels of each row.

  Returns:
    A `scipy.sparse.coo_matrix` of the shape of `labels`, entries in
    row-major order.

  >>> s = ctc_label_dense_to_sparse(np.array([[1, 2, 0], [3, 0, 0]]), [3, 1])
  >>> s.row.tolist(), s.col.tolist(), s.data.tolist()
  ([0, 0, 0, 1], [0, 1, 2, 0], [1, 2, 0, 3])
  """
  labels = np.asarray(labels)
  if labels.ndim != 2:
    raise ValueError(
        f'ctc_label_dense_to_sparse: labels should have shape (samples, '
        f'max_length). Received: shape {labels.shape}.')
  lengths = _lengths(label_lengths, 'ctc_label_dense_to_sparse: label_lengths')
  keep = np.arange(labels.shape[1])[np.newaxis, :] < lengths[:, np.newaxis]
  rows, cols = np.nonzero(keep)
  return scipy.sparse.coo_matrix((labels[rows, cols], (rows, cols)),
                                 shape=labels.shape)


def _log_softmax(x):
  shifted = x - np.max(x, axis=-1, keepdims=True)
  return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _logits(y_pred):
  # float16 inputs are computed in float32, as the TensorFlow backend does.
  y_pred = np.asarray(y_pred)
  dtype = np.float64 if y_pred.dtype == np.float64 else np.float32
  return np.log(y_pred.astype(dtype) + config.epsilon())


def _ctc_negative_log_likelihood(log_probs, labels):
  """-log P(labels | log_probs), log_probs (time, classes), blank last."""
  blank = log_probs.shape[1] - 1
  extended = np.full(2 * len(labels) + 1, blank)
  extended[1::2] = labels
  size = len(extended)
  alpha = np.full(size, -np.inf)
  alpha[0] = log_probs[0, blank]
  if size > 1:
    alpha[1] = log_probs[0, extended[1]]
  # A label may be reached from two back (skipping a blank) unless it
  # repeats the label before it.
  can_skip = np.zeros(size, bool)
  can_skip[2:] = (extended[2:] != blank) & (extended[2:] != extended[:-2])
  for t in range(1, log_probs.shape[0]):
    previous = alpha
    candidates = [previous,
                  np.concatenate([[-np.inf], previous[:-1]]),
                  np.where(can_skip,
                           np.concatenate([[-np.inf, -np.inf], previous[:-2]]),
                           -np.inf)]
    alpha = np.logaddexp.reduce(candidates, axis=0) + log_probs[t, extended]
  return -np.logaddexp(alpha[-1], alpha[-2] if size > 1 else -np.inf)


@lazy_op
def ctc_batch_cost(y_true, y_pred, input_length, label_length):
  """CTC loss of each sample.

  Args:
    y_true: (samples, max_label_length) labels.
    y_pred: (samples, time, classes) softmax output, blank last.
    input_length: (samples, 1) number of time steps of each sample.
    label_length: (samples, 1) number of labels of each sample.

  Returns:
    (samples, 1): the negative log likelihood of each sample's labels.
    As TensorFlow's CTC, the logits `log(y_pred + epsilon())` are
    normalized by a softmax first.

  >>> y_pred = np.array([[[0.5, 0.5], [0.5, 0.5]]])  # one class + blank
  >>> float(ctc_batch_cost([[0]], y_pred, [[2]], [[1]])[0, 0])  # 3 paths
  0.287...
  """
  logits = _logits(y_pred)
  log_probs = _log_softmax(logits)
  input_length = _lengths(input_length, 'ctc_batch_cost: input_length')
  label_length = _lengths(label_length, 'ctc_batch_cost: label_length')
  y_true = np.asarray(y_true)
  losses = []
  for i in range(log_probs.shape[0]):
    labels = y_true[i, :label_length[i]].astype(np.int64)
    labels = _check_labels(labels, log_probs.shape[-1], i)
    losses.append(_ctc_negative_log_likelihood(
        log_probs[i, :input_length[i]], labels))
  return np.asarray(losses, logits.dtype)[:, np.newaxis]


def _check_labels(labels, classes, sample):
  """The labels TensorFlow's CTC loss uses, or its run-time errors.

  Labels from the blank's index up are null labels: TensorFlow drops them
  at the end of a sequence and refuses them before a non-null label.
  """
  what = f'ctc_batch_cost: labels {labels.tolist()} of sample {sample}'
  if np.any(labels < 0):
    raise ValueError(f'{what}: labels must be non-negative.')
  null = labels >= classes - 1
  if np.any(null):
    first = int(np.argmax(null))
    if not np.all(null[first:]):
      raise ValueError(
          f'{what}: a label below {classes - 1} follows a null label (the '
          f'blank index or above).')
    labels = labels[:first]
  if not len(labels):
    raise ValueError(f'{what}: the label sequence is empty.')
  return labels

def _greedy(logits, length):
  best = np.argmax(logits[:length], axis=-1)
  score = -np.sum(np.max(logits[:length], axis=-1))
  blank = logits.shape[-1] - 1
  keep = np.ones(len(best), bool)
  keep[1:] = best[1:] != best[:-1]
  best = best[keep]
  return best[best != blank], score


def _add_paths(candidates, prefix, p_blank, p_label):
  """Adds paths ending in a blank / in the last label to `prefix`."""
  old_blank, old_label = candidates.get(prefix, (-np.inf, -np.inf))
  candidates[prefix] = (np.logaddexp(old_blank, p_blank),
                        np.logaddexp(old_label, p_label))


def _beam_search(log_probs, beam_width):
  """Prefix beam search; returns [(labels tuple, log probability)], best first.

  Each prefix carries the log probabilities of its paths ending in a blank
  and in its last label; only the `beam_width` best prefixes survive a step.
  """
  blank = log_probs.shape[1] - 1
  beams = {(): (0.0, -np.inf)}  # prefix -> (log p_blank, log p_label)
  for step in log_probs:
    candidates = {}
    for prefix, (p_blank, p_label) in beams.items():
      total = np.logaddexp(p_blank, p_label)
      _add_paths(candidates, prefix, total + step[blank], -np.inf)
      if prefix:  # The last label continues.
        _add_paths(candidates, prefix, -np.inf, p_label + step[prefix[-1]])
      for label in range(blank):
        # A repeated label needs a blank in between.
        source = p_blank if prefix and prefix[-1] == label else total
        _add_paths(candidates, prefix + (label,), -np.inf,
                   source + step[label])
    ranked = sorted(candidates.items(), key=lambda kv: -np.logaddexp(*kv[1]))
    beams = dict(ranked[:beam_width])
  return [(prefix, float(np.logaddexp(*p))) for prefix, p in sorted(
      beams.items(), key=lambda kv: -np.logaddexp(*kv[1]))]


def _merge_repeats(labels):
  return tuple(label for i, label in enumerate(labels)
               if i == 0 or labels[i - 1] != label)


def _pad(sequences):
  width = max((len(s) for s in sequences), default=0)
  dense = np.full((len(sequences), width), -1, np.int64)
  for i, sequence in enumerate(sequences):
    dense[i, :len(sequence)] = sequence
  return dense


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1,
               merge_repeated=False):
  """Decodes the output of a softmax (blank last).

  Args:
    y_pred: (samples, time, classes) probabilities.
    input_length: (samples,) number of time steps of each sample.
    greedy: best path decoding (the best class at each step, repeats
      merged, blanks dropped); otherwise prefix beam search.
    beam_width: the number of prefixes the beam search keeps.
    top_paths: the number of paths the beam search returns.
    merge_repeated: beam search: also merge repeated labels of a decoded
      path (which the path itself kept apart with a blank).

  Returns:
    A tuple `(decoded, log_probabilities)`: a list of `top_paths` int64
    arrays (samples, max decoded length) padded with -1, and (samples, 1)
    (greedy: minus the sum over steps of the best logit) or (samples,
    top_paths) (beam search: each path's log probability).

  >>> y_pred = np.array([[[0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.8, 0.1, 0.1]]])
  >>> decoded, _ = ctc_decode(y_pred, [3])
  >>> decoded[0]
  array([[1, 0]])
  """
  result = _ctc_decode(y_pred, input_length, greedy, beam_width, top_paths,
                       merge_repeated)
  if not is_symbolic(result):
    return result
  # The structure is known before the values: a list of symbols, not one
  # symbol whose length would have to be inferred.
  paths = 1 if greedy else top_paths
  return [result[0][k] for k in range(paths)], result[1]


@lazy_op
def _ctc_decode(y_pred, input_length, greedy, beam_width, top_paths,
                merge_repeated):
  logits = _logits(y_pred)
  lengths = _lengths(input_length, 'ctc_decode: input_length')
  samples = logits.shape[0]
  if greedy:
    results = [_greedy(logits[i], lengths[i]) for i in range(samples)]
    scores = np.asarray([[score] for _, score in results], logits.dtype)
    return [_pad([labels for labels, _ in results])], scores
  if top_paths > beam_width:
    raise ValueError(
        f'ctc_decode: top_paths must be at most beam_width. Received: '
        f'top_paths={top_paths}, beam_width={beam_width}.')
  paths = [[] for _ in range(top_paths)]
  scores = np.zeros((samples, top_paths), logits.dtype)
  for i in range(samples):
    best = _beam_search(_log_softmax(logits[i, :lengths[i]]), beam_width)
    if len(best) < top_paths:
      raise ValueError(
          f'ctc_decode: the beam search found {len(best)} path(s), fewer '
          f'than top_paths={top_paths}.')
    for k in range(top_paths):
      labels, score = best[k]
      paths[k].append(_merge_repeats(labels) if merge_repeated else labels)
      scores[i, k] = score
  return [_pad(p) for p in paths], scores
