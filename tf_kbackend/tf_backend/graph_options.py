"""The graph optimizer (Grappler) settings of the functions K.function compiles.

TensorFlow optimizes a function's graph when it first runs it, with the
process's Grappler settings passed along with each call. Its defaults run
every optimizer twice, plus three that find nothing to do in the graphs
legacy Keras builds on a CPU, and on a big training graph that costs more
than all the rest of the first step (ResNet50: ~60% of it). `K.function`'s
calls carry adjusted settings, for its own functions only (a user's
`tf.function`s keep the process's settings):

- one round of the optimizers, not two (`meta_optimizer_iterations`). The
  second round changed a handful of `Const`/`Shape` nodes in the optimized
  graphs of the MLP, convnet and LSTM training functions of
  benchmarks/bench_e2e.py and nothing that runs per step;
- no memory optimizer (`memory_optimization`): by default it only rewrites
  nodes marked for recomputation or host swapping, which legacy graphs
  never mark;
- no TFG (MLIR) pass pipeline (`disable_tfg_optimizer`): attribute
  consolidation, sorting and shape inference for export, no rewrite;
- no layout optimizer (`layout_optimizer`) when no GPU is visible: on CPU
  it converts nothing unless asked to (`cpu_layout_conversion`).

A setting the user chose (`tf.config.optimizer.set_experimental_options`,
anything but its default) is kept. The environment variable
`TF_KBACKEND_GRAPPLER=tensorflow` keeps TensorFlow's settings throughout
(`TF_KBACKEND_GRAPPLER=fast`, or unset, is the above).
"""

import itertools
import os

import tensorflow as tf

from tf_kbackend import _tf_private

GRAPPLER_ENV = 'TF_KBACKEND_GRAPPLER'
GRAPPLER_VALUES = ('fast', 'tensorflow')


def grappler_mode():
  """'fast' (the default) or 'tensorflow', from `$TF_KBACKEND_GRAPPLER`.

  Raises:
    ValueError: for any other value, naming the variable.

  >>> grappler_mode()
  'fast'
  """
  value = os.environ.get(GRAPPLER_ENV, '') or 'fast'
  if value not in GRAPPLER_VALUES:
    raise ValueError(
        f'{GRAPPLER_ENV} must be one of {", ".join(GRAPPLER_VALUES)}. '
        f'Received: {value!r}.')
  return value


def function_call_attrs():
  """The attributes K.function passes when it calls its compiled functions.

  TensorFlow's call attributes (`_tf_private.function_call_attrs`), with
  the `config_proto` Grappler settings of the module docstring.

  >>> attrs = dict(zip(*[iter(function_call_attrs())] * 2))
  >>> proto = tf.compat.v1.ConfigProto.FromString(attrs['config_proto'])
  >>> proto.graph_options.rewrite_options.meta_optimizer_iterations == (
  ...     proto.graph_options.rewrite_options.ONE)
  True
  """
  attrs = _tf_private.function_call_attrs()
  if grappler_mode() == 'tensorflow':
    return attrs
  pairs = dict(zip(attrs[::2], attrs[1::2]))
  if 'config_proto' not in pairs:
    return attrs
  proto = tf.compat.v1.ConfigProto.FromString(pairs['config_proto'])
  rewrite = proto.graph_options.rewrite_options
  if rewrite.meta_optimizer_iterations == rewrite.DEFAULT_NUM_ITERS:
    rewrite.meta_optimizer_iterations = rewrite.ONE
  if rewrite.memory_optimization == rewrite.DEFAULT_MEM_OPT:
    rewrite.memory_optimization = rewrite.NO_MEM_OPT
  rewrite.disable_tfg_optimizer = True
  if (rewrite.layout_optimizer == rewrite.DEFAULT and
      not tf.config.list_logical_devices('GPU')):
    rewrite.layout_optimizer = rewrite.OFF
  pairs['config_proto'] = proto.SerializeToString()
  return tuple(itertools.chain(*pairs.items()))
