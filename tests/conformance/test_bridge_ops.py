"""The bridge's ops against the numpy reference, with gradients."""

import pytest

from tests.conformance import checker
from tests.conformance.checker import Case

CASES = [
    Case('cast', [(3, 4)], args=('float64',), dtypes=('float32', 'float16')),
    Case('cast', [(3, 4)], args=('int32',), dtypes=('float32',), grad=False,
         values='away_from_zero'),
    Case('identity', [(2, 3)], dtypes=('float32', 'float64', 'int32')),
    # The float32 result defeats float64 finite differences: values only.
    Case('cast_to_floatx', [(2, 3)], dtypes=('float64',), grad=False),
    Case('zeros_like', [(2, 3)], dtypes=('float32', 'int32')),
    Case('ones_like', [(2, 3)], dtypes=('float32', 'int64')),
    Case('print_tensor', [(2,)], kwargs={'message': 'value: '}),
    Case('switch', [(3,), (3, 2), (3, 2)], input_dtypes=['bool', None, None],
         values=['bool', 'normal', 'normal'], grad_args=[1, 2],
         name='leading_axis_condition'),
    Case('in_train_phase', [(2, 3), (2, 3)], kwargs={'training': 1}),
    Case('in_test_phase', [(2, 3), (2, 3)], kwargs={'training': 1}),
    Case('transpose', [(2, 3)]),
]


@pytest.mark.parametrize('case', CASES, ids=str)
def test_matches_reference(case, capfd):
  checker.check_case(case)
  capfd.readouterr()  # print_tensor's output


@pytest.mark.parametrize('case', checker.gradient_cases(CASES), ids=str)
def test_gradient(case, capfd):
  checker.check_gradient(case)
  capfd.readouterr()
