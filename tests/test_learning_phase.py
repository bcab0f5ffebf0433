"""The learning phase, in_train_phase / in_test_phase, switch, dropout."""

import numpy as np
import pytest

import tf_kbackend.tf_backend as K


class TestLearningPhase:

  def test_symbolic_scalar_defaulting_to_test(self):
    phase = K.learning_phase()
    assert K.is_symbolic(phase) and K.ndim(phase) == 0
    assert K.learning_phase() is phase
    assert not K.eval(phase)  # 0: test

  @pytest.mark.parametrize('fed, expected', [
      (1, 2.0), (0, 1.0), (True, 2.0), (np.array(1), 2.0), (1.0, 2.0)])
  def test_fed_as_a_function_input(self, fed, expected):
    x = K.placeholder(shape=())
    out = K.in_train_phase(x * 2.0, x)
    f = K.function([x, K.learning_phase()], [out])
    assert f([1.0, fed])[0] == expected

  def test_unfed_means_test(self):
    x = K.placeholder(shape=())
    f = K.function([x], [K.in_train_phase(x * 2.0, x)])
    assert f([1.0])[0] == 1.0

  def test_set_learning_phase_fixes_it(self):
    K.set_learning_phase(1)
    assert K.learning_phase() == 1
    x = K.placeholder(shape=())
    out = K.in_train_phase(lambda: x * 2.0, lambda: x)
    assert K.function([x], [out])([1.0])[0] == 2.0
    K.set_learning_phase(0)
    assert K.in_train_phase(1.0, 2.0) == 2.0

  @pytest.mark.parametrize('bad', [2, -1, 0.5, 'train', None, True])
  def test_invalid_values(self, bad):
    with pytest.raises(ValueError, match='0 or 1'):
      K.set_learning_phase(bad)
    assert K.is_symbolic(K.learning_phase())

  def test_scope_restores(self):
    with K.learning_phase_scope(1):
      assert K.learning_phase() == 1
      with K.learning_phase_scope(0):
        assert K.learning_phase() == 0
      assert K.learning_phase() == 1
    assert K.is_symbolic(K.learning_phase())

  def test_clear_session_resets(self):
    K.set_learning_phase(1)
    K.clear_session()
    assert K.is_symbolic(K.learning_phase())

  def test_in_train_phase_marks_uses_learning_phase(self):
    x = K.placeholder(shape=())
    assert K.in_train_phase(x, x * 2.0)._uses_learning_phase is True

  def test_explicit_training_argument(self):
    assert K.in_train_phase(1.0, 2.0, training=1) == 1.0
    assert K.in_test_phase(1.0, 2.0, training=1) == 2.0
    assert K.in_test_phase(1.0, 2.0, training=0) == 1.0
    flag = K.placeholder(shape=(), dtype='bool')
    out = K.in_test_phase(K.constant(1.0), K.constant(2.0), training=flag)
    assert K.function([flag], [out])([False])[0] == 1.0

  def test_only_the_chosen_callable_runs(self):
    counter = K.variable(0.0)
    x = K.placeholder(shape=())

    def train_branch():
      with K.control_dependencies([K.update_add(counter, 1.0)]):
        return K.identity(x)

    f = K.function([x, K.learning_phase()],
                   [K.in_train_phase(train_branch, x)])
    f([1.0, 0])
    f([1.0, 0])
    f([1.0, 1])
    assert K.get_value(counter) == 1.0


class TestDropoutFollowsThePhase:

  def test_dropout_in_train_phase(self):
    x = K.placeholder(shape=(1000,))
    out = K.in_train_phase(K.dropout(x, 0.5, seed=1), x)
    f = K.function([x, K.learning_phase()], [out])
    ones = np.ones(1000)
    train = f([ones, 1])[0]
    assert set(np.unique(train)) <= {0.0, 2.0}
    assert 400 < np.count_nonzero(train) < 600
    np.testing.assert_array_equal(f([ones, 0])[0], ones)

  def test_dropout_itself_always_drops(self):
    out = K.eval(K.dropout(np.ones(1000, 'float32'), 0.5, seed=3))
    assert 0 < np.count_nonzero(out) < 1000


class TestSwitch:

  def test_scalar_condition_picks_a_branch(self):
    c = K.placeholder(shape=(), dtype='bool')
    f = K.function([c], [K.switch(c, K.constant(1.0), K.constant(2.0))])
    assert f([True])[0] == 1.0 and f([False])[0] == 2.0

  def test_numeric_condition_is_cast(self):
    assert K.eval(K.switch(K.constant(0.0), 1.0, 2.0)) == 2.0

  def test_tensor_condition_indexes_leading_axes(self):
    cond = np.array([True, False])
    a, b = np.ones((2, 3)), np.zeros((2, 3))
    np.testing.assert_array_equal(K.eval(K.switch(cond, a, b)),
                                  [[1, 1, 1], [0, 0, 0]])
    x = K.placeholder(shape=(None, 3))
    c = K.placeholder(shape=(None,), dtype='bool')
    f = K.function([c, x], [K.switch(c, x, -x)])
    np.testing.assert_array_equal(f([cond, a])[0], [[1, 1, 1], [-1, -1, -1]])

  def test_condition_rank_above_branches(self):
    with pytest.raises(ValueError, match='Rank of `condition`'):
      K.switch(np.ones((2, 2), bool), np.ones(2), np.zeros(2))
