"""Connectionist temporal classification: loss and decoding.

As in legacy Keras, `y_pred` is a softmax output (samples, time, classes)
whose LAST class is the blank, and TensorFlow's CTC ops receive
`log(y_pred + epsilon())`, time major, as their logits.
"""

import tensorflow as tf

from tf_kbackend import config
from tf_kbackend.tf_backend import graph as graph_lib

__all__ = ['ctc_label_dense_to_sparse', 'ctc_batch_cost', 'ctc_decode']


def _lengths(lengths, what):
  """(samples,) int32 lengths, from (samples,) or (samples, 1)."""
  lengths = tf.convert_to_tensor(lengths)
  rank = lengths.shape.rank
  if rank == 2 and lengths.shape[1] in (1, None):
    lengths = tf.reshape(lengths, [-1])
  elif rank is not None and rank != 1:
    raise ValueError(
        f'{what} should have shape (samples,) or (samples, 1). Received: '
        f'shape {lengths.shape}.')
  return tf.cast(lengths, tf.int32)


def _logits(y_pred):
  """Time-major log(y_pred + epsilon); float16 computed in float32."""
  y_pred = tf.convert_to_tensor(y_pred)
  if y_pred.dtype not in (tf.float32, tf.float64):
    y_pred = tf.cast(y_pred, tf.float32)
  if y_pred.shape.rank is not None and y_pred.shape.rank != 3:
    raise ValueError(
        f'y_pred should have shape (samples, time, classes). Received: '
        f'shape {y_pred.shape}.')
  return tf.math.log(tf.transpose(y_pred, [1, 0, 2]) + config.epsilon())


@graph_lib.graph_op
def ctc_label_dense_to_sparse(labels, label_lengths):
  """Converts dense CTC labels to a sparse tensor of the valid labels.

  Args:
    labels: (samples, max_length) dense labels.
    label_lengths: (samples,) the number of labels in each row: the rest
      of a row (padding) is left out.

  Returns:
    A `tf.SparseTensor` of the shape of `labels` holding the first
    `label_lengths[i]` labels of each row i.

  >>> s = ctc_label_dense_to_sparse(np.array([[1, 2, 0], [3, 0, 0]]), [3, 1])
  >>> s.indices.numpy().tolist(), s.values.numpy().tolist()
  ([[0, 0], [0, 1], [0, 2], [1, 0]], [1, 2, 0, 3])
  """
  labels = tf.convert_to_tensor(labels)
  if labels.shape.rank is not None and labels.shape.rank != 2:
    raise ValueError(
        f'ctc_label_dense_to_sparse: labels should have shape (samples, '
        f'max_length). Received: shape {labels.shape}.')
  lengths = _lengths(label_lengths, 'ctc_label_dense_to_sparse: label_lengths')
  dense_shape = tf.shape(labels, out_type=tf.int64)
  keep = tf.sequence_mask(lengths, tf.cast(dense_shape[1], tf.int32))
  indices = tf.where(keep)
  return tf.SparseTensor(indices, tf.gather_nd(labels, indices), dense_shape)


@graph_lib.graph_op
def ctc_batch_cost(y_true, y_pred, input_length, label_length):
  """Runs the CTC loss on each sample.

  Args:
    y_true: (samples, max_label_length) labels (ints, or floats holding
      ints), padded beyond each sample's length.
    y_pred: (samples, time, classes) softmax output; the last class is the
      blank.
    input_length: (samples, 1) the number of time steps of each sample.
    label_length: (samples, 1) the number of labels of each sample.

  Returns:
    (samples, 1): the CTC loss (negative log likelihood) of each sample.
    The logits `log(y_pred + epsilon())` are normalized by a softmax, as
    TensorFlow's CTC does.

  >>> y_pred = np.array([[[0.5, 0.5], [0.5, 0.5]]], 'float32')
  >>> float(ctc_batch_cost([[0]], y_pred, [[2]], [[1]])[0, 0])  # 3 paths
  0.287...
  """
  logits = _logits(y_pred)
  label_length = _lengths(label_length, 'ctc_batch_cost: label_length')
  input_length = _lengths(input_length, 'ctc_batch_cost: input_length')
  sparse = ctc_label_dense_to_sparse(y_true, label_length)
  sparse = tf.SparseTensor(sparse.indices, tf.cast(sparse.values, tf.int32),
                           sparse.dense_shape)
  loss = tf.compat.v1.nn.ctc_loss(labels=sparse, inputs=logits,
                                  sequence_length=input_length)
  return tf.expand_dims(loss, 1)


@graph_lib.graph_op
def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1,
               merge_repeated=False):
  """Decodes the output of a softmax, by best path or beam search.

  Args:
    y_pred: (samples, time, classes) softmax output; the last class is the
      blank.
    input_length: (samples,) the number of time steps of each sample.
    greedy: best path decoding: the best class at each step, repeats
      merged, blanks dropped. Otherwise a beam search.
    beam_width: the beam search's width.
    top_paths: how many of the most probable paths the beam search returns.
    merge_repeated: beam search: also merge repeated labels of a decoded
      path (Keras 2.3.1; Keras 2.2.4 always merged them).

  Returns:
    A tuple `(decoded, log_probabilities)`: a list of one dense int64
    tensor per path, (samples, max decoded length), padded with -1; and
    for greedy decoding (samples, 1), minus the sum over time of the best
    logit, or for the beam search (samples, top_paths), each path's log
    probability.

  >>> y_pred = np.array([[[0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.8, 0.1, 0.1]]],
  ...                   'float32')
  >>> decoded, log_prob = ctc_decode(y_pred, [3])
  >>> decoded[0].numpy()
  array([[1, 0]])
  """
  logits = _logits(y_pred)
  input_length = _lengths(input_length, 'ctc_decode: input_length')
  if greedy:
    decoded, log_prob = tf.nn.ctc_greedy_decoder(
        logits, input_length, merge_repeated=True)
  else:
    if top_paths > beam_width:
      raise ValueError(
          f'ctc_decode: top_paths must be at most beam_width. Received: '
          f'top_paths={top_paths}, beam_width={beam_width}.')
    decoded, log_prob = tf.compat.v1.nn.ctc_beam_search_decoder(
        logits, input_length, beam_width=beam_width, top_paths=top_paths,
        merge_repeated=merge_repeated)
  return [tf.sparse.to_dense(path, default_value=-1) for path in decoded
         ], log_prob
