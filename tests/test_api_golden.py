"""Every legacy backend name exists, with a compatible signature, in both backends.

The golden list (tests/golden/legacy_backend_api.txt) holds the 166 names
of the legacy keras.backend with their Keras 2.2.4 / 2.3.1 signatures.
Compatible means: every legacy parameter is accepted under the same name,
in the same position if it was positional, with the same default; extra
parameters must have defaults.
"""

import ast
import inspect
import os
import re

import pytest

import tf_kbackend
import tf_kbackend.numpy_backend as numpy_backend
import tf_kbackend.tf_backend as tf_backend

GOLDEN = os.path.join(os.path.dirname(__file__), 'golden',
                      'legacy_backend_api.txt')
CHECKLIST = os.path.join(os.path.dirname(__file__), '..', '..', 'shared',
                         'reference', 'legacy_backend_api.md')


def _entries():
  entries = []
  with open(GOLDEN) as f:
    for line in f:
      line = line.strip()
      if line and not line.startswith('#'):
        entries.append(line)
  return entries


ENTRIES = _entries()
_NO_DEFAULT = object()


def _parse(entry):
  """(name, [(param, default or _NO_DEFAULT, kind)]) from 'f(a, b=1, **c)'."""
  match = re.fullmatch(r'(\w+)(?:\((.*)\))?', entry)
  name, params = match.group(1), match.group(2)
  if params is None:
    return name, None
  args = ast.parse(f'def f({params}): pass').body[0].args
  positional = args.args
  defaults = [_NO_DEFAULT] * (len(positional) - len(args.defaults)) + [
      ast.literal_eval(d) for d in args.defaults]
  parsed = [(a.arg, d, 'positional') for a, d in zip(positional, defaults)]
  if args.vararg:
    parsed.append((args.vararg.arg, _NO_DEFAULT, 'var_positional'))
  if args.kwarg:
    parsed.append((args.kwarg.arg, _NO_DEFAULT, 'var_keyword'))
  return name, parsed


def test_golden_has_166_names():
  assert len(ENTRIES) == 166


@pytest.mark.skipif(not os.path.exists(CHECKLIST),
                    reason='shared/ checklist not beside the checkout')
def test_golden_matches_the_shared_checklist():
  with open(CHECKLIST) as f:
    names = set(re.findall(r'^- `(?:class )?(\w+)', f.read(), re.M))
  assert names == {_parse(e)[0] for e in ENTRIES}


def _check_signature(fn, params):
  signature = inspect.signature(fn)
  actual = list(signature.parameters.values())
  positional = [p for p in actual if p.kind in (p.POSITIONAL_ONLY,
                                                p.POSITIONAL_OR_KEYWORD)]
  for index, (name, default, kind) in enumerate(params):
    if kind == 'var_keyword':
      assert any(p.kind == p.VAR_KEYWORD for p in actual), (
          f'{fn.__name__} must accept **{name}')
      continue
    if kind == 'var_positional':
      continue
    assert index < len(positional) and positional[index].name == name, (
        f'{fn.__name__}: parameter {index} should be {name!r}; signature is '
        f'{signature}')
    if default is not _NO_DEFAULT:
      assert positional[index].default == default, (
          f'{fn.__name__}: default of {name} should be {default}; signature '
          f'is {signature}')
  legacy_names = {name for name, _, _ in params}
  for p in actual:
    if p.name not in legacy_names and p.kind not in (p.VAR_POSITIONAL,
                                                     p.VAR_KEYWORD):
      assert p.default is not p.empty, (
          f'{fn.__name__}: extra parameter {p.name} needs a default')


@pytest.mark.parametrize('backend', [tf_backend, numpy_backend, tf_kbackend],
                         ids=['tf_backend', 'numpy_backend', 'flat'])
@pytest.mark.parametrize('entry', ENTRIES, ids=lambda e: _parse(e)[0])
def test_name_and_signature(backend, entry):
  name, params = _parse(entry)
  assert hasattr(backend, name), f'{backend.__name__} lacks {name}'
  assert name in backend.__all__
  obj = getattr(backend, name)
  if params is None:  # backend, get_graph, name_scope, ... called bare
    assert callable(obj)
    return
  if inspect.isclass(obj):
    obj = obj.__init__
    params = [('self', _NO_DEFAULT, 'positional')] + params
  _check_signature(obj, params)


def test_tf_kbackend_is_a_valid_legacy_external_backend():
  # Legacy Keras' rule for KERAS_BACKEND=some.module.
  from tf_kbackend import loader  # pylint: disable=g-import-not-at-top
  loader.validate_backend_module(tf_kbackend)
  for entry in loader.REQUIRED_ENTRIES:
    assert entry in vars(tf_kbackend)
