"""Property-based checks: ops against the numpy reference on random inputs.

Hypothesis draws the shapes (rank 0-4, sides 1-4), which dimensions the
placeholders leave unknown (None), axes, keepdims, broadcasting partners,
dtypes and values; each drawn call goes through the conformance checker
(`tests/conformance/checker.py`): eagerly, and symbolically through
`K.function`, against `tf_kbackend.numpy_backend`, with its per-dtype
tolerances and static-shape check.

Derandomized (a fixed sequence of examples, no example database), so a run
is reproducible and CI never flakes. Two settings profiles: the default tier
runs `FAST` (a handful of examples per property, seconds in all); the slow
tier (`pytest -m slow tests/test_properties.py`) runs the same properties
under `THOROUGH`.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tf_kbackend.numpy_backend as KNP
import tf_kbackend.tf_backend as KTF
from tests.conformance import checker

FAST = 'tf_kbackend-fast'
THOROUGH = 'tf_kbackend-thorough'
_COMMON = dict(derandomize=True, database=None, deadline=None,
               print_blob=True,
               suppress_health_check=[HealthCheck.too_slow,
                                      HealthCheck.data_too_large])
settings.register_profile(FAST, max_examples=8, **_COMMON)
settings.register_profile(THOROUGH, max_examples=300, **_COMMON)

PROFILES = [pytest.param(FAST, id='fast'),
            pytest.param(THOROUGH, id='thorough', marks=pytest.mark.slow)]

FLOATS = ('float32', 'float64')
ALL_FLOATS = ('float16', 'float32', 'float64')


def check(profile, strategy):
  """Checks every `Case` that `strategy` draws, under `profile`."""

  @settings(settings.get_profile(profile))
  @given(strategy)
  def run(case):
    KTF.clear_session()
    KNP.clear_session()
    checker.check_case(case)

  run()


# Strategies.

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4)


@st.composite
def symbolic_shape(draw, shape):
  """`shape` with some dimensions unknown (None), as a placeholder has."""
  return tuple(None if draw(st.booleans()) else d for d in shape)


@st.composite
def values(draw, kind='normal'):
  """Input values: a callable the checker calls, seeded by Hypothesis."""
  seed = draw(st.integers(0, 2**16))

  def make(shape, dtype, rng):
    del rng
    rng = np.random.RandomState(seed)
    if kind == 'positive':
      return rng.uniform(0.1, 3.0, shape)
    if kind == 'away_from_zero':
      return rng.uniform(0.2, 3.0, shape) * rng.choice([-1, 1], shape)
    return rng.standard_normal(shape) * 2.0

  make.__name__ = f'{kind}_seed{seed}'
  return make


def _axis(draw, rank, allow_none=True, allow_list=True):
  """None, an axis (possibly negative), or a list of distinct axes."""
  choices = ['int']
  if allow_none:
    choices.append('none')
  if allow_list and rank > 1:
    choices.append('list')
  kind = draw(st.sampled_from(choices)) if rank else 'none'
  if kind == 'none':
    return None
  if kind == 'int':
    return draw(st.integers(-rank, rank - 1))
  axes = draw(st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank,
                       unique=True))
  return [a - rank if draw(st.booleans()) else a for a in axes]


UNARY = {  # op -> value kind
    'abs': 'away_from_zero', 'square': 'normal', 'sqrt': 'positive',
    'exp': 'normal', 'log': 'positive', 'tanh': 'normal',
    'sigmoid': 'normal', 'hard_sigmoid': 'away_from_zero',
    'softplus': 'normal', 'softsign': 'normal', 'relu': 'away_from_zero',
    'elu': 'away_from_zero', 'sin': 'normal', 'cos': 'normal',
    'sign': 'away_from_zero', 'round': 'away_from_zero',
}


@st.composite
def unary_cases(draw):
  op = draw(st.sampled_from(sorted(UNARY)))
  shape = draw(shapes)
  kwargs = {}
  if op == 'relu':
    kwargs = {'alpha': draw(st.sampled_from([0.0, 0.1, 0.3])),
              'max_value': draw(st.sampled_from([None, 1.5, 6.0]))}
  return checker.Case(
      op, [shape], kwargs=kwargs, dtypes=(draw(st.sampled_from(ALL_FLOATS)),),
      values=draw(values(UNARY[op])),
      symbolic_shapes=[draw(symbolic_shape(shape))])


BINARY = ('maximum', 'minimum', 'equal', 'not_equal', 'greater',
          'greater_equal', 'less', 'less_equal')


@st.composite
def binary_cases(draw):
  op = draw(st.sampled_from(BINARY + ('pow',)))
  if op == 'pow':  # K.pow(x, a): a number.
    shape = draw(shapes)
    return checker.Case(
        'pow', [shape], args=(draw(st.sampled_from([2, 3, 0.5, -1.0])),),
        dtypes=(draw(st.sampled_from(FLOATS)),),
        values=draw(values('positive')),
        symbolic_shapes=[draw(symbolic_shape(shape))])
  pair = draw(hnp.mutually_broadcastable_shapes(
      num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3))
  left, right = pair.input_shapes
  kind = draw(values('normal'))
  return checker.Case(
      op, [left, right], dtypes=(draw(st.sampled_from(FLOATS)),),
      values=[kind, draw(values('normal'))],
      # Unknown dims only where no broadcasting happens (TF1's rule too:
      # a None dim is assumed to match).
      symbolic_shapes=[left, right])


REDUCTIONS = ('sum', 'mean', 'max', 'min', 'prod', 'var', 'std', 'logsumexp')


@st.composite
def reduction_cases(draw):
  shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1,
                                max_side=4))
  rank = len(shape)
  op = draw(st.sampled_from(REDUCTIONS + ('argmax', 'argmin', 'cumsum',
                                          'cumprod', 'softmax',
                                          'l2_normalize')))
  if op in ('argmax', 'argmin', 'cumsum', 'cumprod', 'softmax',
            'l2_normalize'):
    kwargs = {'axis': draw(st.integers(-rank, rank - 1))}
  else:
    kwargs = {'axis': _axis(draw, rank),
              'keepdims': draw(st.booleans())}
  return checker.Case(
      op, [shape], kwargs=kwargs, dtypes=(draw(st.sampled_from(FLOATS)),),
      values=draw(values('positive' if op == 'cumprod' else 'normal')),
      symbolic_shapes=[draw(symbolic_shape(shape))])


@st.composite
def shape_cases(draw):
  shape = list(draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1,
                                     max_side=4)))
  rank = len(shape)
  op = draw(st.sampled_from(['permute_dimensions', 'reshape', 'expand_dims',
                             'squeeze', 'flatten', 'batch_flatten',
                             'repeat_elements', 'tile', 'reverse',
                             'concatenate', 'transpose']))
  args, kwargs, shapes_in, pack = (), {}, None, False
  if op == 'permute_dimensions':
    args = (tuple(draw(st.permutations(range(rank)))),)
  elif op == 'reshape':
    target = list(reversed(shape))
    target[draw(st.integers(0, rank - 1))] = -1
    args = (tuple(target),)
  elif op == 'expand_dims':
    args = (draw(st.integers(-rank - 1, rank)),)
  elif op == 'squeeze':
    axis = draw(st.integers(0, rank - 1))
    shape[axis] = 1
    args = (axis - rank if draw(st.booleans()) else axis,)
  elif op == 'batch_flatten' and rank < 2:
    shape.append(2)
  elif op == 'repeat_elements':
    args = (draw(st.integers(1, 3)), draw(st.integers(-rank, rank - 1)))
  elif op == 'tile':
    args = (draw(st.lists(st.integers(1, 3), min_size=rank,
                          max_size=rank)),)
  elif op == 'reverse':
    axes = _axis(draw, rank, allow_none=False)
    args = (axes,)
  elif op == 'concatenate':
    axis = draw(st.integers(-rank, rank - 1))
    other = list(shape)
    other[axis] = draw(st.integers(1, 3))
    shapes_in, pack = [tuple(shape), tuple(other)], True
    kwargs = {'axis': axis}
  shapes_in = shapes_in or [tuple(shape)]
  if op in ('reshape', 'tile', 'squeeze', 'batch_flatten', 'flatten'):
    # Ops whose result shape follows from the static shape: known dims.
    symbolic = list(shapes_in)
  else:
    symbolic = [draw(symbolic_shape(s)) for s in shapes_in]
    if op == 'concatenate':  # The concatenated axis stays known.
      symbolic = [tuple(d if i != kwargs['axis'] % rank else s[i]
                        for i, d in enumerate(sym))
                  for sym, s in zip(symbolic, shapes_in)]
  return checker.Case(
      op, shapes_in, args=args, kwargs=kwargs,
      dtypes=(draw(st.sampled_from(ALL_FLOATS)),),
      values=draw(values('normal')), symbolic_shapes=symbolic,
      pack_inputs=pack)


@st.composite
def dot_cases(draw):
  batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1,
                                max_side=3))
  n, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
  left, right = tuple(batch) + (n,), (n, m)
  return checker.Case(
      'dot', [left, right], dtypes=(draw(st.sampled_from(FLOATS)),),
      values=draw(values('normal')),
      symbolic_shapes=[draw(symbolic_shape(left))[:-1] + (n,), right])


@pytest.mark.parametrize('profile', PROFILES)
def test_unary_elementwise(profile):
  check(profile, unary_cases())


@pytest.mark.parametrize('profile', PROFILES)
def test_binary_broadcasting(profile):
  check(profile, binary_cases())


@pytest.mark.parametrize('profile', PROFILES)
def test_reductions_and_axis_ops(profile):
  check(profile, reduction_cases())


@pytest.mark.parametrize('profile', PROFILES)
def test_shape_ops(profile):
  check(profile, shape_cases())


@pytest.mark.parametrize('profile', PROFILES)
def test_dot(profile):
  check(profile, dot_cases())
