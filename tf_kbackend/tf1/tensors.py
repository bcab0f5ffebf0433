"""TF1 behaviours of tensors, variables and derived values, for TF1 code.

While the TF1 names are on:

- tensors of the Keras graph have no `__len__`, as in TF <= 1.13:
  `hasattr(t, '__len__')` is False (libraries of that era tell a list of
  model outputs from one tensor that way) and `len(t)` raises a TypeError;
- static shapes answer TF1-style to TF1 code: for tensors of the Keras graph
  and tf_kbackend variables, `t.shape[i]` and `t.get_shape()[i]` are TF1's
  `Dimension` objects (`.value`, `None` for an unknown size) and iterating a
  shape yields them, while TF2 code (tf_kbackend, TensorFlow, Keras 3) still
  gets ints and None from the same shape;
- concrete values computed from variables (which stand for TF1 graph
  tensors, see `tf_backend/provenance.py`) are hashable by identity, as TF1
  tensors were (legacy Keras keeps its losses in a set).
"""

import sys

import tensorflow as tf

from tf_kbackend import _tf_private
from tf_kbackend.tf1 import surface
from tf_kbackend.tf_backend import provenance
from tf_kbackend.tf_backend import variables as tf_variables

_Dimension = tf.compat.v1.Dimension
_TensorShape = tf.TensorShape


def _tf1_code(depth):
  """True if the code `depth` frames above the caller is TF1 code."""
  module = sys._getframe(depth + 1).f_globals.get('__name__', '')  # pylint: disable=protected-access
  return not module.startswith(surface.TF2_CALLERS)


def _is_keras_graph(graph):
  return hasattr(graph, '_tf_kbackend_generation')


class TF1Shape(_TensorShape):
  """A `tf.TensorShape` that gives TF1 code `Dimension` objects.

  Indexing and iterating from TF1 code yield `tf.Dimension`s (`.value`);
  from TF2 code, ints and None, as any TF2 shape.

  >>> shape = TF1Shape([None, 3])
  >>> shape[1]  # asked by tf_kbackend itself: TF2 code
  3
  """

  def __getitem__(self, key):
    result = super().__getitem__(key)
    if not _tf1_code(1):
      return result
    if isinstance(result, _TensorShape):
      return TF1Shape(result)
    return _Dimension(result)

  def __iter__(self):
    if not _tf1_code(1):
      return super().__iter__()
    if self.rank is None:
      raise ValueError('Cannot iterate over a shape with unknown rank.')
    return iter(self.dims)


class NoLenError(AttributeError, TypeError):
  """`len()` of a graph tensor, which TF1 (<= 1.13) tensors did not have.

  An AttributeError, so that `hasattr(t, '__len__')` is False, and a
  TypeError, as `len()` of an object without a length.
  """


class _NoLenForKerasTensors:
  """`__len__` descriptor: absent for Keras-graph tensors, TF2's otherwise."""

  def __init__(self, original):
    self.original = original

  def __get__(self, tensor, owner=None):
    if tensor is not None and _is_keras_graph(tensor.graph):
      raise NoLenError(
          f'object of type {type(tensor).__name__!r} has no len(): a tensor '
          f'of the Keras graph has no length, as in TensorFlow 1 (use '
          f'K.int_shape(x)[0] or tf.shape(x)[0]).')
    return self.original.__get__(tensor, owner)


class _Installed:
  undo = []


def _set(cls, name, value):
  _Installed.undo.append((cls, name, cls.__dict__.get(name)))
  setattr(cls, name, value)


def install():
  """Turns on the TF1 behaviours above."""
  symbolic = _tf_private.SymbolicTensor
  shape_property = symbolic.shape

  def shape(self):
    value = shape_property.fget(self)
    if _tf1_code(1) and _is_keras_graph(self.graph):
      return TF1Shape(value)
    return value

  def get_shape(self):
    value = shape_property.fget(self)
    if _tf1_code(1) and _is_keras_graph(self.graph):
      return TF1Shape(value)
    return value

  _set(symbolic, 'shape', property(shape, doc=shape_property.__doc__))
  _set(symbolic, 'get_shape', get_shape)
  _set(symbolic, '__len__', _NoLenForKerasTensors(symbolic.__len__))

  variable_cls = tf_variables.KerasVariable
  variable_shape = variable_cls.shape

  def variable_shape_tf1(self):
    value = variable_shape.fget(self)
    return TF1Shape(value) if _tf1_code(1) else value

  def variable_get_shape(self):
    value = variable_shape.fget(self)
    return TF1Shape(value) if _tf1_code(1) else value

  _set(variable_cls, 'shape', property(variable_shape_tf1))
  _set(variable_cls, 'get_shape', variable_get_shape)

  eager = _tf_private.EagerTensor
  eager_hash = eager.__hash__

  def __hash__(self):
    if provenance.derivation(self) is not None:
      return id(self)
    return eager_hash(self)

  _set(eager, '__hash__', __hash__)


def uninstall():
  """Undoes `install()`."""
  while _Installed.undo:
    cls, name, old = _Installed.undo.pop()
    if old is None:
      delattr(cls, name)
    else:
      setattr(cls, name, old)
