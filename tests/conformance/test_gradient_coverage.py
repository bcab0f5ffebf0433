"""Every differentiable op has a gradient check against finite differences.

The table-driven checks (`checker.check_gradient`) of each conformance
module are collected here; ops checked by focused tests (rnn, map_fn and
the folds, whose step functions do not fit a `Case`) are listed with the
test doing it. An op added to the API must land in one of the two or in
NOT_DIFFERENTIABLE, or this test fails.
"""

from tests.conformance import checker
from tests.conformance import test_bridge_ops
from tests.conformance import test_conv_ops
from tests.conformance import test_ctc_ops
from tests.conformance import test_math_ops
from tests.conformance import test_nn_ops
from tests.conformance import test_shape_ops
import tf_kbackend.tf_backend as K

# Checked by focused tests with checker.numeric_gradient.
FOCUSED_GRADIENT_TESTS = {
    'rnn': 'test_control_flow.py::TestRnnGradients',
    'map_fn': 'test_control_flow.py::TestMapFn::'
              'test_symbolic_none_dims_with_placeholder_weight_and_gradients',
    'foldl': 'test_control_flow.py::TestFolds::test_gradients_through_fold',
    'foldr': 'test_control_flow.py::TestFolds::test_gradients_through_fold',
}

# Ops whose output has no useful gradient (integer, boolean, piecewise
# constant or random results), and the bridge's non-op names.
NOT_DIFFERENTIABLE = {
    'argmax', 'argmin', 'equal', 'not_equal', 'greater', 'greater_equal',
    'less', 'less_equal', 'any', 'all', 'round', 'sign', 'in_top_k',
    'one_hot', 'arange', 'ctc_decode',
    'ctc_label_dense_to_sparse', 'random_normal', 'random_uniform',
    'random_binomial', 'truncated_normal', 'dropout',
}
# Differentiable ops of the bridge, checked in test_bridge_ops.py.
BRIDGE_OPS = {'cast', 'identity', 'switch', 'in_train_phase',
              'in_test_phase', 'print_tensor'}

# The ops of the conformance modules (the rest of the API is the bridge).
OP_MODULES = ('math_ops', 'shape_ops', 'nn_ops', 'conv_ops', 'random_ops',
              'control_flow', 'ctc_ops')


def _op_names():
  from tf_kbackend.tf_backend import (  # pylint: disable=g-import-not-at-top
      control_flow, conv_ops, ctc_ops, math_ops, nn_ops, random_ops,
      shape_ops)
  modules = (math_ops, shape_ops, nn_ops, conv_ops, random_ops,
             control_flow, ctc_ops)
  return {name for module in modules for name in module.__all__}


def _table_checked():
  cases = (checker.gradient_cases(test_math_ops.CASES) +
           checker.gradient_cases(test_shape_ops.CASES) +
           checker.gradient_cases(test_shape_ops.LIST_CASES) +
           checker.gradient_cases(test_nn_ops.CASES) +
           list(test_conv_ops.GRAD_CASES) +
           checker.gradient_cases(test_ctc_ops.CASES) +
           checker.gradient_cases(test_bridge_ops.CASES))
  aliases = {'_listed_concatenate': 'concatenate', '_listed_stack': 'stack'}
  return {aliases.get(case.op, case.op) for case in cases}


def test_every_differentiable_op_has_a_gradient_check():
  ops = _op_names() | BRIDGE_OPS
  assert len(ops) > 100
  checked = _table_checked() | set(FOCUSED_GRADIENT_TESTS)
  unchecked = sorted(ops - checked - NOT_DIFFERENTIABLE)
  assert not unchecked, f'ops without a gradient check: {unchecked}'


def test_the_exemptions_are_real_ops():
  assert NOT_DIFFERENTIABLE <= _op_names()
  assert all(hasattr(K, name) for name in FOCUSED_GRADIENT_TESTS)
