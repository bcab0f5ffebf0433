"""Shapes as Python ints in legacy Keras's layer graph.

Legacy Keras computes some output shapes with numpy (`Flatten`:
`np.prod(input_shape[1:])`, hence `RepeatVector` after it...). Under NumPy 1
such a dim printed as `4608`; under NumPy 2 it prints as `np.int64(4608)`,
in `model.summary()` and wherever a shape is shown. When legacy Keras runs
on tf_kbackend, the shapes its layer graph records (`Node.input_shapes`,
`Node.output_shapes`: what `layer.input_shape`, `layer.output_shape` and
`model.summary()` show) are made Python ints; `K.int_shape` does the same
for the `_keras_shape` of tensors.

Imports neither TensorFlow nor Keras.
"""

import functools

from tf_kbackend import api_contract


def _plain(shapes):
  if not isinstance(shapes, list):
    return shapes
  return [api_contract.plain_shape(s) if isinstance(s, (tuple, list)) else s
          for s in shapes]


def patch_base_layer(module):
  """Post-import hook on `keras.engine.base_layer` (Keras 2.2 and 2.3).

  >>> import types
  >>> class Node:
  ...   def __init__(self, input_shapes, output_shapes):
  ...     self.input_shapes, self.output_shapes = input_shapes, output_shapes
  >>> module = types.SimpleNamespace(Node=Node)
  >>> patch_base_layer(module)
  >>> import numpy as np
  >>> Node([(None, 3)], [(None, np.int64(4608))]).output_shapes
  [(None, 4608)]
  """
  node_class = getattr(module, 'Node', None)
  if node_class is None or getattr(node_class, '_tf_kbackend_plain_shapes',
                                   False):
    return
  original = node_class.__init__

  @functools.wraps(original)
  def __init__(self, *args, **kwargs):
    original(self, *args, **kwargs)
    self.input_shapes = _plain(getattr(self, 'input_shapes', None))
    self.output_shapes = _plain(getattr(self, 'output_shapes', None))

  node_class.__init__ = __init__
  node_class._tf_kbackend_plain_shapes = True  # pylint: disable=protected-access
