"""Where the TF1 names do not behave as in TF1 (docs/tf1_api.md#deviations).

Each test pins one documented difference, so that a change of behaviour
shows up here and in the docs together.
"""

import os
import threading

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend as K
from tf_kbackend.tf1 import variables as tf1_variables
from tf_kbackend.tf_backend import variables as tf_variables


def test_deviation_tensorflow_2_classes_are_kept():
  # tf.Variable is TF2's class; TF1 code constructing one gets a tf_kbackend
  # variable, TF1 arguments included.
  v = tf.Variable(1.0, collections=['mine'], name='v')
  assert isinstance(v, tf.Variable) and tf.Variable is tf.compat.v2.Variable
  assert tf.get_collection('mine') == [v] and v not in tf.global_variables()
  # tf.data's classes are TF2's (no make_one_shot_iterator method);
  # the function form works, eagerly: get_next() is the next element now.
  dataset = tf.data.Dataset.from_tensor_slices(np.arange(3))
  assert not hasattr(dataset, 'make_one_shot_iterator')
  iterator = tf.data.make_one_shot_iterator(dataset)
  assert [int(iterator.get_next()) for _ in range(3)] == [0, 1, 2]


def test_deviation_variable_methods_assign_at_once():
  w = tf.Variable(1.0)
  update = w.assign(5.0)  # TF2's method: assigns now
  assert K.get_value(w) == 5.0
  tf.assign(w, 7.0)  # TF1's function: an op, assigning when run
  assert K.get_value(w) == 5.0
  del update


def test_deviation_large_constant_initial_values_are_not_kept():
  big = tf.Variable(np.zeros(tf1_variables.KEPT_INITIAL_VALUE_SIZE + 1,
                             'float32'))
  small = tf.Variable(np.zeros(4, 'float32'))
  K.set_value(big, np.ones(tf1_variables.KEPT_INITIAL_VALUE_SIZE + 1))
  K.set_value(small, np.ones(4))
  tf.Session().run(tf.global_variables_initializer())
  assert K.get_value(small).sum() == 0.0
  assert K.get_value(big).min() == 1.0  # left as it was


def test_deviation_seeded_initializer_op_built_again_repeats_its_draw():
  w = tf.Variable(tf.random_normal([5], seed=3))
  sess = tf.Session()
  sess.run(tf.global_variables_initializer())
  first = K.get_value(w)
  tf.reset_default_graph()  # a new graph: a new initializer op
  tf.Session().run(tf1_variables.variables_initializer([w]))
  np.testing.assert_array_equal(K.get_value(w), first)


def test_deviation_variables_created_elsewhere_are_not_listed():
  from tf_kbackend import tf1  # pylint: disable=g-import-not-at-top
  tf1.disable()
  before = K.variable(1.0)
  tf1.enable()
  made = []
  thread = threading.Thread(target=lambda: made.append(tf.Variable(1.0)))
  thread.start()
  thread.join()
  assert before not in tf.global_variables()
  # Another thread: TensorFlow's variable, not listed.
  assert not isinstance(made[0], tf_variables.KerasVariable)
  assert made[0] not in tf.global_variables()
  # K.variable from another thread is listed.
  thread = threading.Thread(target=lambda: made.append(K.variable(2.0)))
  thread.start()
  thread.join()
  assert made[1] in tf.global_variables()


def test_deviation_partial_run_is_refused():
  with pytest.raises(NotImplementedError, match='Session.run'):
    tf.Session().partial_run_setup([], [])


def test_deviation_compat_v1_stays_tensorflows():
  # The TF1 names are tf.<name>; tf.compat.v1 is TensorFlow's own, which
  # refuses eager execution.
  with pytest.raises(RuntimeError, match='eager'):
    tf.compat.v1.placeholder(tf.float32)


def test_deviation_queues_run_eagerly_on_concrete_values():
  queue = tf.FIFOQueue(3, tf.float32)
  queue.enqueue(1.0)  # at once, not an op to run
  assert queue.size().numpy() == 1
  assert float(queue.dequeue()) == 1.0


def test_deviation_file_writer_writes_at_once(tmp_path):
  writer = tf.summary.FileWriter(str(tmp_path), max_queue=100,
                                 flush_secs=1000)
  writer.add_summary(tf.Summary(value=[
      tf.Summary.Value(tag='a', simple_value=1.0)]), 0)
  events = list(tf.train.summary_iterator(writer.path))  # before close
  assert [v.tag for e in events for v in e.summary.value] == ['a']
  writer.close()


def test_saver_round_trip_and_checkpoint_files(tmp_path):
  w = tf.Variable(np.float32([1.0, 2.0]), name='w')
  step = tf.train.get_or_create_global_step()
  saver = tf.train.Saver(max_to_keep=2)
  sess = tf.Session()
  paths = []
  for value in range(3):
    K.set_value(step, value)
    paths.append(saver.save(sess, str(tmp_path / 'model'), global_step=step))
  assert paths[-1] == str(tmp_path / 'model-2')
  assert tf.train.latest_checkpoint(str(tmp_path)) == paths[-1]
  assert not os.path.exists(paths[0] + '.index')  # max_to_keep
  # TensorFlow's own checkpoint reader sees the TF1 names.
  names = dict(tf.train.list_variables(paths[-1]))
  assert names == {'w': [2], 'global_step': []}
  assert not os.path.exists(paths[-1] + '.meta')  # no meta graph (deviation)
  K.set_value(w, [0.0, 0.0])
  saver.restore(sess, paths[-1])
  np.testing.assert_array_equal(K.get_value(w), [1.0, 2.0])
  assert K.get_value(step) == 2
