"""`tf.device` and `tf.name_scope` around symbolic code, as in TF1.

In eager mode these scopes set the eager context's device and scope name;
the Keras graph takes them when ops are built in it from eager code
(graph.eager_scopes). These tests need no second device: an op's device
is recorded whether or not the device exists (soft placement then runs it
where it can); placement on several real devices is checked in
tests/test_distribute.py, in subprocesses with logical devices.
"""

import numpy as np
import pytest
import tensorflow as tf

import tf_kbackend.tf_backend as K
from tf_kbackend.tf_backend import graph as graph_lib


@pytest.fixture(autouse=True)
def fresh_graph():
  K.clear_session()
  yield
  K.clear_session()


def _x():
  return K.placeholder(shape=(None, 2))


class TestDeviceScopes:

  def test_symbolic_op_gets_the_tf1_device_string(self):
    x = _x()
    with tf.device('/cpu:0'):
      z = K.sum(x)
    assert z.device == '/device:CPU:0'  # TF1's z.device

  @pytest.mark.parametrize('name', [
      '/cpu:0', 'cpu:0', '/CPU:0', '/device:CPU:0',
      '/job:localhost/replica:0/task:0/device:CPU:0'])
  def test_every_spelling_legacy_code_used(self, name):
    with tf.device(name):
      z = K.sum(_x())
    assert z.device == '/device:CPU:0'

  def test_list_devices_names_are_scopes(self):
    devices = K.get_session().list_devices()
    with tf.device(devices[0].name):
      z = K.sum(_x())
    assert z.device == devices[0].name

  def test_absent_device_is_recorded(self):
    with tf.device('/gpu:1'):
      z = K.sum(_x())
    assert z.device == '/device:GPU:1'

  def test_without_scope_no_device(self):
    assert K.sum(_x()).device == ''

  def test_nested_scopes_inner_wins_and_none_clears(self):
    x = _x()
    with tf.device('/cpu:0'):
      a = K.sum(x)
      with tf.device('/gpu:2'):
        b = K.sum(x)
      with tf.device(None):
        c = K.sum(x)
    assert (a.device, b.device, c.device) == ('/device:CPU:0',
                                              '/device:GPU:2', '')

  def test_raw_tf_ops_and_name_scopes_get_it_too(self):
    x = _x()
    with tf.device('/gpu:1'):
      relu = tf.nn.relu(x)  # A raw op on a Keras tensor.
      with K.name_scope('block'):
        doubled = x * 2.0
        with tf.device('/cpu:0'):  # Inside the graph: the graph's scope.
          inner = K.sum(doubled)
    assert relu.device == '/device:GPU:1'
    assert doubled.device == '/device:GPU:1'
    assert inner.device == '/device:CPU:0'

  def test_scope_entered_before_a_symbolic_scope(self):
    with tf.device('/gpu:1'):
      with graph_lib.symbolic_scope():
        y = K.constant(1.0) + 1.0
    assert y.device == '/device:GPU:1'

  def test_concrete_world_is_tensorflows(self):
    with tf.device('/cpu:0'):
      value = K.sum(np.ones(3, 'float32'))
    assert value.device.endswith('/device:CPU:0')
    assert float(value) == 3.0

  def test_compiled_function_keeps_devices_and_runs(self):
    x = _x()
    with tf.device('/cpu:0'):
      y = K.sum(x * 3.0)
    with tf.device('/gpu:7'):  # Absent: soft placement runs it anyway.
      z = y + 1.0
    f = K.function([x], [y, z])
    devices = {node.op: node.device
               for node in f._concrete.function_def.node_def}  # pylint: disable=protected-access
    assert devices['Sum'] == '/device:CPU:0'
    assert devices['Mul'] == '/device:CPU:0'
    assert devices['AddV2'] == '/device:GPU:7'
    np.testing.assert_allclose(f([np.ones((2, 2))]), [12.0, 13.0])


class TestEagerNameScope:

  def test_prefixes_symbolic_ops_as_in_tf1(self):
    x = _x()
    with tf.name_scope('replica_0'):
      y = K.sum(x)
      with K.name_scope('inner'):
        z = K.sum(x)
    assert y.name == 'replica_0/Sum:0'
    assert z.name == 'replica_0/inner/Sum:0'
    assert K.sum(x).name == 'Sum:0'  # Outside: no prefix.
