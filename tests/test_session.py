"""Sessions: K.get_session().run, K.set_session with a TF1 ConfigProto."""

import collections
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend.tf_backend as K


class TestRun:

  def test_fetch_structures(self):
    x = K.placeholder(shape=(2,), name='x')
    v = K.variable([10.0, 20.0])
    pair = collections.namedtuple('pair', 'a b')
    sess = K.get_session()
    out = sess.run({'sum': x + v, 'nested': [v, (x * 2.0,)],
                    'named': pair(a=x, b=3.0)}, feed_dict={x: [1.0, 2.0]})
    np.testing.assert_array_equal(out['sum'], [11.0, 22.0])
    np.testing.assert_array_equal(out['nested'][0], [10.0, 20.0])
    np.testing.assert_array_equal(out['nested'][1][0], [2.0, 4.0])
    assert isinstance(out['nested'][1], tuple)
    assert isinstance(out['named'], pair) and out['named'].b == 3.0

  def test_fetch_and_feed_by_name(self):
    x = K.placeholder(shape=(2,), name='named_input')
    y = K.square(x)
    out = K.get_session().run(y.name, feed_dict={'named_input:0': [3.0, 4.0]})
    np.testing.assert_array_equal(out, [9.0, 16.0])

  def test_update_ops_run_and_give_none(self):
    v = K.variable(1.0)
    sess = K.get_session()
    result = sess.run([K.update_add(v, 2.0), v])
    assert result[0] is None
    assert result[1] == 1.0  # read in the same call, before the update
    assert K.get_value(v) == 3.0

  def test_tf1_initializers_are_harmless(self):
    sess = K.get_session()
    assert sess.run(tf.compat.v1.global_variables_initializer()) is None
    assert sess.run(tf.compat.v1.local_variables_initializer()) is None
    assert sess.run(tf.compat.v1.variables_initializer([K.variable(1.0)])
                    ) is None

  def test_repeated_runs_reuse_the_compiled_function(self):
    x = K.placeholder(shape=())
    y = x * 2.0
    sess = K.get_session()
    sess.run(y, feed_dict={x: 1.0})
    from tf_kbackend.tf_backend import session as session_lib  # pylint: disable=g-import-not-at-top
    cached = dict(session_lib._State.compiled)  # pylint: disable=protected-access
    assert sess.run(y, feed_dict={x: 4.0}) == 8.0
    assert dict(session_lib._State.compiled) == cached  # pylint: disable=protected-access

  def test_sparse_fetch_gives_a_sparse_value(self):
    sp = K.placeholder(shape=(2, 3), sparse=True)
    value = tf.compat.v1.SparseTensorValue([[0, 1]], [5.0], [2, 3])
    out = K.get_session().run(sp, feed_dict={sp: value})
    np.testing.assert_array_equal(out.indices, [[0, 1]])
    np.testing.assert_array_equal(out.values, [5.0])

  def test_graph_close_and_context_manager(self):
    with K.get_session() as sess:
      assert sess.graph is K.get_graph()
      with sess.graph.as_default():
        y = K.constant(1.0) * 2.0
      assert K.is_symbolic(y)
      with sess.as_default():
        assert K.is_symbolic(K.constant(1.0))
    assert sess.run(K.constant(2.0)) == 2.0

  def test_make_callable(self):
    x = K.placeholder(shape=())
    f = K.get_session().make_callable(x + 1.0, [x])
    assert f(2.0) == 3.0

  def test_list_devices(self):
    names = [d.name for d in K.get_session().list_devices()]
    assert any('CPU' in n for n in names)

  def test_unfed_placeholder_is_named(self):
    x = K.placeholder(shape=(2,), name='must_feed')
    with pytest.raises(ValueError, match="'must_feed:0'"):
      K.get_session().run(x * 2.0)


class TestSetSession:

  def test_accepts_a_tf1_session_and_keeps_working(self):
    config = tf.compat.v1.ConfigProto()
    config.gpu_options.allow_growth = True  # no GPU here: nothing to do
    K.set_session(tf.compat.v1.Session(config=config))
    sess = K.get_session()
    assert sess.wrapped_session is not None
    assert sess.run(K.constant(3.0) * 2.0) == 6.0

  def test_accepts_its_own_session_type(self):
    mine = K.get_session()
    K.set_session(mine)
    assert K.get_session() is mine

  def test_clear_session_gives_a_new_session(self):
    first = K.get_session()
    K.clear_session()
    assert K.get_session() is not first

  def test_thread_settings_applied_before_devices_initialize(self):
    # In a fresh process: tf_kbackend's import must not initialize devices,
    # or TF2 would refuse these settings.
    script = textwrap.dedent('''
        import tensorflow as tf
        import tf_kbackend as K
        config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1,
                                          inter_op_parallelism_threads=2,
                                          allow_soft_placement=True)
        K.set_session(tf.compat.v1.Session(config=config))
        print(tf.config.threading.get_intra_op_parallelism_threads(),
              tf.config.threading.get_inter_op_parallelism_threads(),
              tf.config.get_soft_device_placement())
        ''')
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
    out = subprocess.run([sys.executable, '-c', script], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ['1', '2', 'True']

  def test_too_late_settings_warn(self):
    K.eval(K.constant(1.0))  # devices are initialized by now
    config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=3)
    if tf.config.threading.get_intra_op_parallelism_threads() == 3:
      pytest.skip('already set to 3 by another test')
    with pytest.warns(UserWarning, match='intra_op_parallelism_threads'):
      K.set_session(tf.compat.v1.Session(config=config))
