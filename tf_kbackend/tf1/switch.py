"""Turning the TF1 names on and off, reversibly.

`enable()` installs the plan of `surface` into the real `tensorflow` module
and its submodules (so `import tensorflow as tf` anywhere, legacy Keras'
own code and `K.tf` included, sees the TF1 names), registers `tf.contrib`
in `sys.modules`, and turns on the TF1 behaviours of variables and of the
Keras graph's tensors (`tensors`). `disable()` undoes all of it: every
attribute set is put back as it was.
"""

import sys
import threading

import tensorflow as tf

from tf_kbackend.tf1 import surface
from tf_kbackend.tf1 import tensors
from tf_kbackend.tf1 import unavailable
from tf_kbackend.tf1 import variables

_MISSING = object()


class _Patches:
  """Attribute assignments that can be undone, last first."""

  def __init__(self):
    self._undo = []

  def set(self, target, attribute, value):
    old = target.__dict__.get(attribute, _MISSING) if hasattr(
        target, '__dict__') else getattr(target, attribute, _MISSING)
    setattr(target, attribute, value)
    self._undo.append((target, attribute, old))

  def set_module(self, name, module):
    self._undo.append((sys.modules, name, sys.modules.get(name, _MISSING)))
    sys.modules[name] = module

  def undo(self):
    while self._undo:
      target, attribute, old = self._undo.pop()
      if target is sys.modules:
        if old is _MISSING:
          sys.modules.pop(attribute, None)
        else:
          sys.modules[attribute] = old
      elif old is _MISSING:
        try:
          delattr(target, attribute)
        except AttributeError:
          pass
      else:
        setattr(target, attribute, old)


class _State:
  lock = threading.RLock()
  patches = None


def _parent(name):
  value = tf
  for attribute in name.split('.')[1:-1]:
    value = getattr(value, attribute)
  return value


def is_enabled():
  """True while the TF1 names are on."""
  return _State.patches is not None


def enable():
  """Turns the TF1 names on (does nothing if they are on)."""
  with _State.lock:
    if _State.patches is not None:
      return
    patches = _Patches()
    try:
      for entry in surface.plan():
        if entry.value is None:
          continue
        patches.set(_parent(entry.name), entry.name.rpartition('.')[2],
                    entry.value)
      contrib = unavailable.contrib_modules()
      for name, module in contrib.items():
        patches.set_module(name, module)
      patches.set(tf, 'contrib', contrib['tensorflow.contrib'])
      if unavailable.CONTRIB_FINDER not in sys.meta_path:
        sys.meta_path.insert(0, unavailable.CONTRIB_FINDER)
      variables.install()
      tensors.install()
    except BaseException:
      patches.undo()
      raise
    _State.patches = patches


def disable():
  """Turns the TF1 names off: `tensorflow` is as it was before `enable()`."""
  with _State.lock:
    patches, _State.patches = _State.patches, None
    if patches is None:
      return
    tensors.uninstall()
    variables.uninstall()
    if unavailable.CONTRIB_FINDER in sys.meta_path:
      sys.meta_path.remove(unavailable.CONTRIB_FINDER)
    patches.undo()
