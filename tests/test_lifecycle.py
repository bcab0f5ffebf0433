"""clear_session, and memory staying flat across many sessions."""

import gc
import resource

import numpy as np
import pytest

import tf_kbackend.tf_backend as K


def _rss_mb():
  # ru_maxrss is the peak, in KiB on Linux: a growing peak means a leak.
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _build_call_clear(width=32):
  x = K.placeholder(shape=(None, width))
  w = K.variable(np.ones((width, 4)))
  f = K.function([x], [K.sum(K.relu(K.dot(x, w)))],
                 updates=[K.update_add(w, np.zeros((width, 4)))])
  out = f([np.ones((8, width))])[0]
  K.clear_session()
  return out


class TestClearSession:

  def test_resets_graph_uids_phase_and_caches(self):
    old_graph = K.get_graph()
    K.get_uid('dense')
    K.set_learning_phase(1)
    K.eval(K.sum(K.placeholder(shape=(2,))) * 0.0 + 1.0
           if False else K.constant(1.0))
    K.clear_session()
    assert K.get_graph() is not old_graph
    assert K.get_uid('dense') == 1
    assert K.is_symbolic(K.learning_phase())

  def test_variables_live_on(self):
    v = K.variable(3.0)
    K.clear_session()
    assert K.get_value(v) == 3.0
    x = K.placeholder(shape=())
    assert K.function([x], [x * v])([2.0])[0] == 6.0

  def test_functions_built_before_keep_working(self):
    x = K.placeholder(shape=())
    f = K.function([x], [x + 1.0])
    K.clear_session()
    assert f([1.0])[0] == 2.0

  def test_old_tensors_raise_naming_the_tensor(self):
    x = K.placeholder(shape=(2,), name='stale')
    K.clear_session()
    with pytest.raises(ValueError, match="'stale:0'.*clear_session"):
      K.sum(x)


class TestMemory:

  def _growth(self, iterations):
    for _ in range(20):  # warm up caches and allocator pools
      _build_call_clear()
    gc.collect()
    start = _rss_mb()
    for _ in range(iterations):
      _build_call_clear()
    gc.collect()
    return _rss_mb() - start

  def test_200_sessions_stay_flat(self):
    # Each iteration builds, compiles, calls and clears: ~0.5 MB of graph,
    # function and variable if anything leaked. Generous margin.
    assert self._growth(200) < 40.0

  @pytest.mark.slow
  def test_1000_sessions_stay_flat(self):
    assert self._growth(1000) < 60.0
