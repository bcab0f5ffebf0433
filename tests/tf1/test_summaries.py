"""TF1 summaries and FileWriter, checked with TensorBoard's own event reader."""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend as K

event_accumulator = pytest.importorskip(
    'tensorboard.backend.event_processing.event_accumulator')


def _read(logdir):
  accumulator = event_accumulator.EventAccumulator(
      str(logdir), size_guidance={'scalars': 0, 'histograms': 0, 'images': 0,
                                  'tensors': 0})
  accumulator.Reload()
  return accumulator


def test_summary_ops_merged_and_written(tmp_path):
  x = tf.placeholder(tf.float32, [None, 4], name='x')
  w = tf.Variable(np.float32([1.0, 2.0, 3.0, 4.0]), name='w')
  loss = tf.reduce_mean(tf.square(x * w))
  tf.summary.scalar('loss', loss)
  tf.summary.histogram('weights', w)
  tf.summary.image('picture', tf.reshape(x, [-1, 2, 2, 1]), max_outputs=1)
  tf.summary.scalar('lr', 0.5, family='train')
  merged = tf.summary.merge_all()
  assert merged.dtype == tf.string and merged.graph is K.get_graph()
  sess = tf.Session()
  writer = tf.summary.FileWriter(str(tmp_path), sess.graph)
  for step in range(3):
    sess.run(tf.assign(w, w * 2.0))
    summary = sess.run(merged, {x: np.ones((2, 4), 'float32')})
    writer.add_summary(summary, step)
  writer.add_summary(tf.Summary(value=[
      tf.Summary.Value(tag='accuracy', simple_value=0.75)]), 3)
  writer.close()

  events = _read(tmp_path)
  tags = events.Tags()
  assert set(tags['scalars']) >= {'loss', 'accuracy', 'train/train/lr'}
  assert tags['histograms'] == ['weights']
  assert tags['images'] == ['picture/image']  # one image: no index
  assert tags['graph']
  # The values were read when run: w doubles before each step.
  losses = [e.value for e in events.Scalars('loss')]
  expected = [np.mean((np.float32([1, 2, 3, 4]) * 2**(s + 1))**2)
              for s in range(3)]
  np.testing.assert_allclose(losses, expected, rtol=1e-5)
  assert [e.step for e in events.Scalars('loss')] == [0, 1, 2]
  histogram = events.Histograms('weights')[-1].histogram_value
  assert histogram.min == 8.0 and histogram.max == 32.0
  assert histogram.num == 4 and histogram.sum == 80.0
  assert events.Scalars('accuracy')[0].value == 0.75
  image = events.Images('picture/image')[0]
  assert (image.width, image.height) == (2, 2)
  graph_def = events.Graph()
  assert any(node.name == 'x' for node in graph_def.node)


def test_merge_and_summary_collections(tmp_path):
  a = tf.summary.scalar('a', tf.constant(1.0), collections=['mine'])
  b = tf.summary.scalar('b', tf.constant(2.0), collections=['mine'])
  assert tf.summary.merge_all() is None  # nothing in SUMMARIES
  merged = tf.summary.merge([a, b])
  summary = tf.Summary.FromString(tf.Session().run(merged))
  assert {v.tag: v.simple_value for v in summary.value} == {'a': 1.0,
                                                            'b': 2.0}
  assert tf.get_collection('mine') == [a, b]


def test_file_writer_event_kinds_and_reopen(tmp_path):
  with tf.summary.FileWriter(str(tmp_path)) as writer:
    writer.add_session_log(tf.SessionLog(status=tf.SessionLog.START), 0)
    writer.add_run_metadata(tf.RunMetadata(), 'step0', 0)
    assert writer.get_logdir() == str(tmp_path)
  with pytest.raises(RuntimeError, match='closed'):
    writer.add_summary(tf.Summary(), 1)
  writer.reopen()
  writer.add_summary(tf.Summary(value=[
      tf.Summary.Value(tag='after', simple_value=1.0)]), 1)
  writer.close()
  events = _read(tmp_path)
  assert events.Tags()['run_metadata'] == ['step0']
  assert events.Scalars('after')[0].value == 1.0
  with pytest.raises(TypeError, match='tf.Summary'):
    writer.add_summary('not a summary')


def test_tf2_arguments_go_to_tf2_summaries(tmp_path):
  writer = tf.summary.create_file_writer(str(tmp_path))
  with writer.as_default():
    assert tf.summary.scalar('tf2', 3.0, step=1)
  writer.flush()
  tensors = _read(tmp_path).Tensors('tf2')
  assert float(tf.make_ndarray(tensors[0].tensor_proto)) == 3.0
