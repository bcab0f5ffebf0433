"""One generic checker for every op: TensorFlow implementation vs numpy oracle.

An op's behaviour is described by `Case` records (one per combination of
shapes, kwargs and dtypes worth checking); `check_case` runs the op

1. eagerly, on numpy inputs, and
2. symbolically, on placeholders whose batch dimension is None, through
   `K.function`,

and compares both with the numpy reference (`tf_kbackend.numpy_backend`)
with a per-dtype tolerance; it also checks that the symbolic result's static
shape agrees with the reference's shape wherever it is known.
`check_gradient` compares `K.gradients` (symbolic path) with central finite
differences of the numpy reference.

Typical use, in tests/conformance/test_<module>.py:

    CASES = [
        Case('sum', [(3, 4)], kwargs={'axis': -1, 'keepdims': True}),
        Case('dot', [(2, 3), (4, 3, 5)], name='theano_nd'),
    ]

    @pytest.mark.parametrize('case', CASES, ids=str)
    def test_matches_reference(case):
      checker.check_case(case)
"""

import dataclasses
from typing import Any, Callable, Optional, Sequence, Tuple

import numpy as np

import tf_kbackend.numpy_backend as KNP
import tf_kbackend.tf_backend as KTF

# (rtol, atol) per dtype. float16 carries ~3 decimal digits.
TOLERANCES = {
    'float16': (2e-2, 2e-2),
    'float32': (1e-5, 1e-5),
    'float64': (1e-10, 1e-10),
}
EXACT = (0, 0)
GRADIENT_TOLERANCE = (1e-4, 1e-5)  # float64 analytic vs central differences.


def _values(kind, shape, dtype, rng):
  """Random inputs of a named kind."""
  if callable(kind):
    return np.asarray(kind(shape, dtype, rng)).astype(dtype)
  if kind == 'normal':
    values = rng.standard_normal(shape)
  elif kind == 'positive':
    values = rng.uniform(0.1, 2.0, shape)
  elif kind == 'unit':  # in (0, 1), e.g. probabilities
    values = rng.uniform(0.05, 0.95, shape)
  elif kind == 'int':
    values = rng.randint(0, 5, shape)
  elif kind == 'bool':
    values = rng.uniform(size=shape) > 0.5
  elif kind == 'away_from_zero':  # sign, abs, round: no ties, no kinks
    values = rng.uniform(0.2, 2.0, shape) * rng.choice([-1, 1], shape)
  else:
    raise ValueError(f'Unknown input kind {kind!r}.')
  return np.asarray(values).astype(dtype)


@dataclasses.dataclass
class Case:
  """One op call to check.

  Attributes:
    op: the backend function's name (the same in both backends).
    shapes: one shape per tensor argument (passed first, positionally).
    args: more positional arguments after the tensors (axes, sizes...),
      passed unchanged to both backends.
    kwargs: keyword arguments, passed unchanged to both backends.
    dtypes: dtypes to check; each tensor argument gets this dtype unless
      `input_dtypes` fixes it per argument (e.g. int indices).
    input_dtypes: per-argument dtype overrides (None keeps the case dtype).
    values: input kind ('normal', 'positive', 'unit', 'int', 'bool',
      'away_from_zero') or a callable (shape, dtype, rng) -> array; a list
      gives one per argument.
    symbolic_shapes: shapes to declare the placeholders with; by default
      each shape with its first dimension None (if it has one).
    grad: check the gradient w.r.t. float arguments (those listed in
      `grad_args`, default all float ones).
    grad_args: indices of the arguments to differentiate.
    tolerance: (rtol, atol) overriding TOLERANCES for every dtype.
    name: a suffix for the test id.
    symbolic: whether to run the symbolic check at all.
    pack_inputs: pass the tensors as ONE list argument (concatenate,
      stack, ...) instead of positionally.
  """
  op: str
  shapes: Sequence[Tuple[Optional[int], ...]]
  args: Sequence[Any] = ()
  kwargs: dict = dataclasses.field(default_factory=dict)
  dtypes: Sequence[str] = ('float32',)
  input_dtypes: Optional[Sequence[Optional[str]]] = None
  values: Any = 'normal'
  symbolic_shapes: Optional[Sequence[Tuple[Optional[int], ...]]] = None
  grad: bool = True
  grad_args: Optional[Sequence[int]] = None
  tolerance: Optional[Tuple[float, float]] = None
  name: str = ''
  symbolic: bool = True
  pack_inputs: bool = False

  def call(self, backend, tensors):
    """Calls the op of `backend` on `tensors` with the case's arguments."""
    fn = getattr(backend, self.op)
    if self.pack_inputs:
      return fn(list(tensors), *self.args, **self.kwargs)
    return fn(*tensors, *self.args, **self.kwargs)

  def __str__(self):
    parts = [self.op] + ['x'.join(map(str, s)) or 'scalar' for s in self.shapes]
    if self.kwargs:
      parts.append(','.join(f'{k}={v}' for k, v in sorted(self.kwargs.items())))
    if self.name:
      parts.append(self.name)
    return '-'.join(parts)


def make_inputs(case, dtype, seed=0):
  """The numpy inputs of `case` for `dtype`."""
  rng = np.random.RandomState(seed)
  kinds = case.values if isinstance(case.values, list) else [case.values] * len(
      case.shapes)
  dtypes = list(case.input_dtypes or [None] * len(case.shapes))
  return [
      _values(kind, shape, input_dtype or dtype, rng)
      for kind, shape, input_dtype in zip(kinds, case.shapes, dtypes)
  ]


def _flatten(value):
  if isinstance(value, (list, tuple)):
    return [leaf for item in value for leaf in _flatten(item)]
  return [value]


def _tolerance(case, dtype):
  if case.tolerance is not None:
    return case.tolerance
  return TOLERANCES.get(np.dtype(dtype).name, EXACT)


def assert_close(actual, expected, tolerance, what):
  """Compares (nested) results; shapes and values must agree."""
  actual_leaves, expected_leaves = _flatten(actual), _flatten(expected)
  if len(actual_leaves) != len(expected_leaves):
    raise AssertionError(
        f'{what}: {len(actual_leaves)} outputs, reference has '
        f'{len(expected_leaves)}.')
  rtol, atol = tolerance
  for i, (a, e) in enumerate(zip(actual_leaves, expected_leaves)):
    a, e = np.asarray(a), np.asarray(e)
    if a.shape != e.shape:
      raise AssertionError(
          f'{what}, output {i}: shape {a.shape}, reference shape {e.shape}.')
    if e.dtype.kind in 'biu' or e.dtype == bool:
      np.testing.assert_array_equal(a, e, err_msg=f'{what}, output {i}')
    else:
      np.testing.assert_allclose(
          a.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol,
          err_msg=f'{what}, output {i}')


def reference(case, inputs):
  """The numpy reference result for `inputs`."""
  return case.call(KNP, inputs)


def _symbolic_shape(case, i, shape):
  if case.symbolic_shapes is not None:
    return case.symbolic_shapes[i]
  return (None,) + tuple(shape[1:]) if len(shape) else tuple(shape)


def _check_static_shapes(symbolic_out, expected, what):
  for i, (out, exp) in enumerate(zip(_flatten(symbolic_out),
                                     _flatten(expected))):
    static = KTF.int_shape(out) if KTF.is_tensor(out) else None
    if static is None:
      continue
    exp_shape = np.shape(exp)
    if len(static) != len(exp_shape) or any(
        s is not None and s != e for s, e in zip(static, exp_shape)):
      raise AssertionError(
          f'{what}, output {i}: static shape {static} disagrees with the '
          f'reference result shape {exp_shape}.')


def check_case(case, dtypes=None):
  """Checks `case` eagerly and symbolically against the reference."""
  for dtype in dtypes or case.dtypes:
    inputs = make_inputs(case, dtype)
    expected = reference(case, inputs)
    tolerance = _tolerance(case, dtype)
    eager = case.call(KTF, inputs)
    eager_values = [KTF.eval(t) if KTF.is_tensor(t) else t
                    for t in _flatten(eager)]
    assert_close(eager_values, expected, tolerance, f'{case} [{dtype}] eager')

    if not case.symbolic:
      continue
    placeholders = [
        KTF.placeholder(shape=_symbolic_shape(case, i, x.shape),
                        dtype=x.dtype.name) for i, x in enumerate(inputs)
    ]
    symbolic_out = case.call(KTF, placeholders)
    _check_static_shapes(symbolic_out, expected, f'{case} [{dtype}] symbolic')
    outputs = _flatten(symbolic_out)
    results = KTF.function(placeholders, outputs)(inputs)
    assert_close(results, expected, tolerance, f'{case} [{dtype}] symbolic')


def numeric_gradient(f, inputs, index, eps=1e-6):
  """Central finite differences of scalar `f(inputs)` w.r.t. inputs[index]."""
  x = inputs[index]
  grad = np.zeros_like(x, dtype=np.float64)
  flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
  for j in range(flat_x.size):
    original = flat_x[j]
    flat_x[j] = original + eps
    plus = f(inputs)
    flat_x[j] = original - eps
    minus = f(inputs)
    flat_x[j] = original
    flat_grad[j] = (plus - minus) / (2 * eps)
  return grad


def check_gradient(case, seed=0):
  """Checks K.gradients (symbolic path) against finite differences.

  The loss is `sum(output * weights)` for fixed random weights, so every
  output element contributes with its own factor.
  """
  inputs = make_inputs(case, 'float64', seed)
  dtypes = list(case.input_dtypes or [None] * len(inputs))
  differentiable = [i for i, x in enumerate(inputs)
                    if x.dtype.kind == 'f' and dtypes[i] in (None, 'float64')]
  if case.grad_args is not None:
    differentiable = [i for i in case.grad_args if i in differentiable]
  expected = _flatten(reference(case, inputs))
  rng = np.random.RandomState(seed + 1)
  weights = [rng.uniform(0.5, 1.5, np.shape(e)) for e in expected]

  def reference_loss(values):
    outs = _flatten(reference(case, values))
    return float(sum(np.sum(np.asarray(o, np.float64) * w)
                     for o, w in zip(outs, weights)))

  placeholders = [
      KTF.placeholder(shape=_symbolic_shape(case, i, x.shape),
                      dtype=x.dtype.name) for i, x in enumerate(inputs)
  ]
  outs = _flatten(case.call(KTF, placeholders))
  loss = None
  for out, w in zip(outs, weights):
    if KTF.dtype(out) not in ('float16', 'float32', 'float64'):
      continue
    term = KTF.sum(KTF.cast(out, 'float64') * w)
    loss = term if loss is None else loss + term
  grads = KTF.gradients(loss, [placeholders[i] for i in differentiable])
  symbolic = KTF.function(placeholders, [
      g if g is not None else KTF.zeros_like(placeholders[i])
      for g, i in zip(grads, differentiable)
  ])(inputs)
  for g, i in zip(symbolic, differentiable):
    numeric = numeric_gradient(reference_loss, [x.copy() for x in inputs], i)
    rtol, atol = GRADIENT_TOLERANCE
    np.testing.assert_allclose(
        g, numeric, rtol=rtol, atol=atol,
        err_msg=f'{case}: gradient w.r.t. argument {i}')


def gradient_cases(cases):
  """The cases whose gradient should be checked."""
  return [c for c in cases if c.grad and any(
      d.startswith('float') for d in c.dtypes)]


def run_both_worlds(fn: Callable, inputs, placeholder_shapes=None):
  """Runs `fn(*tensors)` eagerly and through K.function; returns both."""
  eager = fn(*inputs)
  eager_values = [KTF.eval(t) if KTF.is_tensor(t) else t
                  for t in _flatten(eager)]
  placeholders = [
      KTF.placeholder(shape=(placeholder_shapes[i] if placeholder_shapes
                             else np.shape(x)), dtype=np.asarray(x).dtype.name)
      for i, x in enumerate(inputs)
  ]
  symbolic = KTF.function(placeholders, _flatten(fn(*placeholders)))(
      [np.asarray(x) for x in inputs])
  return eager_values, symbolic
