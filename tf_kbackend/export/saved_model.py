"""Symbolic tensors of the Keras graph -> a TF2 SavedModel with a signature.

How: the ops the outputs need (walking back to the inputs, as `K.function`
does: `tf_kbackend.tf_backend.compiler`) are copied as a `GraphDef` into a
new `tf.function` whose arguments are the inputs, with a None batch
dimension. Each variable they read becomes a new `tf.Variable` holding its
value at export time (the Keras graph refers to variables by handle only,
so the SavedModel gets its own); the learning-phase placeholder becomes the
constant `learning_phase` (0, test, by default). Updates are not exported:
a serving signature computes outputs and changes nothing.
"""

import os
import re
import shutil
import tempfile

import tensorflow as tf

from tf_kbackend.tf_backend import compiler
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import provenance
from tf_kbackend.tf_backend import training_phase

SERVING_KEY = 'serving_default'
_VALID_NAME = re.compile(r'[A-Za-z0-9.][A-Za-z0-9_.\-/]*')


def _signature_name(name):
  """A valid signature key from a tensor name ('dense_1/input:0')."""
  name = name.split(':')[0].replace('/', '_')
  name = re.sub(r'[^A-Za-z0-9_.\-]', '_', name)
  return name if _VALID_NAME.fullmatch(name) else f'x_{name}'


def _names(given, defaults, what):
  if given is None:
    names, seen = [], set()
    for name in defaults:
      unique, n = name, 1
      while unique in seen:
        n += 1
        unique = f'{name}_{n}'
      seen.add(unique)
      names.append(unique)
    return names
  given = list(given)
  if len(given) != len(defaults):
    raise ValueError(
        f'{len(defaults)} {what} names are needed, one per {what}. '
        f'Received {len(given)}: {given}.')
  for name in given:
    if not isinstance(name, str) or not _VALID_NAME.fullmatch(name):
      raise ValueError(
          f'Each {what} name must be a string of letters, digits and _ . - / '
          f'that starts with a letter, a digit or a dot. Received: {name!r}.')
  if len(set(given)) != len(given):
    raise ValueError(f'The {what} names must differ. Received: {given}.')
  return given


def _symbolic_output(output, position):
  if provenance.derivation(output) is not None:
    output = provenance.rederive(output, graph_lib.get_graph())
  if isinstance(output, (tf.SparseTensor, tf.IndexedSlices)) or not (
      graph_lib.is_symbolic(output)) or isinstance(output, tf.Operation):
    raise ValueError(
        f'Output {position} must be a symbolic tensor of the Keras graph '
        f'(computed from placeholders); sparse tensors, ops and concrete '
        f'values cannot be exported. Received: {output!r}.')
  graph_lib.check_in_current_graph(output, f'Output {position}')
  return output


def _check_input(tensor, position):
  if isinstance(tensor, tf.SparseTensor) or not graph_lib.is_symbolic(
      tensor) or isinstance(tensor, tf.Operation):
    raise ValueError(
        f'Input {position} must be a dense placeholder (or another symbolic '
        f'tensor) of the Keras graph; sparse placeholders cannot be '
        f'exported. Received: {tensor!r}.')
  graph_lib.check_in_current_graph(tensor, f'Input {position}')


def _input_spec(tensor, name):
  shape = tensor.shape
  if shape.rank is None:
    raise ValueError(
        f'Input {name!r} ({tensor.name}) has an unknown rank; a serving '
        f'signature needs one. Give the placeholder a shape.')
  dims = shape.as_list()
  if dims:
    dims[0] = None  # The batch dimension.
  return tf.TensorSpec(dims, tensor.dtype, name=name)


def _variable_dtype(capture_name, needed):
  """The dtype of the variable behind a captured resource handle."""
  for op in needed.values():
    if any(t.name == capture_name for t in op.inputs):
      try:
        return tf.as_dtype(op.get_attr('dtype'))
      except ValueError:
        continue
  raise ValueError(
      f'Cannot tell the dtype of the resource {capture_name!r} the outputs '
      f'read; only variables can be exported.')


class _Exported(tf.Module):
  """What the SavedModel holds: the variables and the serving function."""

  def __init__(self, variables):
    super().__init__(name='tf_kbackend_export')
    self.exported_variables = list(variables)


def _build(inputs, outputs, input_names, output_names, learning_phase):
  graph = graph_lib.get_graph()
  for position, tensor in enumerate(inputs):
    _check_input(tensor, position)
  feeds = [t for t in inputs if not training_phase.is_learning_phase(t)]
  outputs = [_symbolic_output(o, i) for i, o in enumerate(outputs)]
  if not outputs:
    raise ValueError('Nothing to export: give at least one output.')
  input_names = _names(input_names, [_signature_name(t.name) for t in feeds],
                       'input')
  output_names = _names(output_names,
                        [f'output_{i}' for i in range(len(outputs))],
                        'output')
  fed_names = {t.name for t in inputs}
  captures = compiler.capture_map(graph)
  needed = compiler.needed_ops([o.op for o in outputs if o.name not in
                                fed_names], fed_names)
  missing = compiler.missing_feeds(needed, fed_names, captures)
  if missing:
    listed = ', '.join(compiler.describe_placeholder(t) for t in missing)
    raise ValueError(
        f'The outputs depend on placeholder(s) {listed}, which are not '
        f'among the inputs: list them as inputs.')
  graph_def = compiler.subgraph_def(graph, needed.values())
  consumed = {t.name for op in needed.values() for t in op.inputs}
  consumed.update(t.name for op in needed.values() if op.type == 'Placeholder'
                  for t in op.outputs)
  # The learning phase, fed (an input) or left to its default (needed).
  phase = [t for t in inputs if training_phase.is_learning_phase(t)] + [
      op.outputs[0] for op in needed.values()
      if training_phase.is_learning_phase(op.outputs[0])]
  phase = [t for t in phase if t.name in consumed]

  variables, replacements = {}, {}
  for name in (n for n in captures if n.split(':')[0] in needed):
    external = captures[name]
    if external.dtype == tf.resource:
      key = id(external)
      if key not in variables:
        dtype = _variable_dtype(name, needed)
        value = tf.raw_ops.ReadVariableOp(resource=external, dtype=dtype)
        variables[key] = tf.Variable(
            value, trainable=False,
            name=re.sub(r'[^A-Za-z0-9_]', '_', name.split(':')[0]))
      replacements[name] = variables[key]
    else:
      replacements[name] = external  # A constant: saved as one.
  module = _Exported(variables.values())
  specs = [_input_spec(t, n) for t, n in zip(feeds, input_names)]
  returned = [o for o in outputs if o.name not in fed_names]

  def serve(*args):
    fed = {t.name: arg for t, arg in zip(feeds, args)}
    input_map = {n: v for n, v in fed.items() if n in consumed}
    for tensor in phase:
      input_map[tensor.name] = tf.constant(bool(learning_phase))
    inner = tf.compat.v1.get_default_graph()
    for name, value in replacements.items():
      # import_graph_def maps to tensors of this graph: captured, as
      # compile_subgraph does (the handles of tracked variables are saved
      # with the model).
      input_map[name] = inner.capture(
          value.handle if isinstance(value, tf.Variable) else value)
    results = dict(zip(
        [o.name for o in returned],
        tf.graph_util.import_graph_def(
            graph_def, input_map=input_map,
            return_elements=[o.name for o in returned], name='k')
        if returned else []))
    return {name: tf.identity(fed.get(o.name, results.get(o.name)),
                              name=name)
            for name, o in zip(output_names, outputs)}

  serve.__name__ = 'serve'
  module.serve = tf.function(serve, input_signature=specs, autograph=False)
  return module, module.serve.get_concrete_function()


def export_tensors(inputs, outputs, export_dir, input_names=None,
                   output_names=None, learning_phase=0, overwrite=False):
  """Writes a SavedModel computing `outputs` from `inputs`.

  Args:
    inputs: placeholders (or other symbolic tensors) of the Keras graph;
      the learning-phase placeholder, if listed, is not an input of the
      signature: it is fixed to `learning_phase`.
    outputs: symbolic tensors computed from `inputs` (and variables).
    export_dir: the directory to write.
    input_names: signature names of the inputs (default: the placeholders'
      names, e.g. 'x' for 'x:0').
    output_names: signature names of the outputs (default: 'output_0', ...).
    learning_phase: 0 (test, default) or 1 (train), wherever the outputs
      read the learning phase.
    overwrite: replace `export_dir` if it exists.

  Returns:
    The concrete serving function (its `structured_input_signature` and
    `structured_outputs` describe the signature).

  Raises:
    ValueError: for inputs or outputs that cannot be exported, wrong
      names, a placeholder the outputs need that is not an input, or an
      existing `export_dir` without `overwrite`; nothing is written then.

  >>> import tempfile, os
  >>> x = placeholder(shape=(None, 2), name='x')
  >>> w = variable([[1.0], [2.0]])
  >>> path = os.path.join(tempfile.mkdtemp(), 'model')
  >>> serving = export_tensors([x], [dot(x, w)], path, output_names=['y'])
  >>> loaded = tf.saved_model.load(path).signatures['serving_default']
  >>> loaded(x=tf.constant([[1.0, 1.0], [0.0, 1.0]]))['y'].numpy()
  array([[3.],
         [2.]], dtype=float32)
  """
  if learning_phase not in (0, 1):
    raise ValueError(f'learning_phase must be 0 (test) or 1 (train). '
                     f'Received: {learning_phase!r}.')
  export_dir = os.path.abspath(os.fspath(export_dir))
  if os.path.exists(export_dir) and not overwrite:
    raise ValueError(
        f'{export_dir} exists: choose a new directory, or pass '
        f'overwrite=True to replace it.')
  module, serving = _build(list(inputs), list(outputs), input_names,
                           output_names, learning_phase)
  parent = os.path.dirname(export_dir)
  os.makedirs(parent, exist_ok=True)
  # Written beside the target and renamed into place: a failed export
  # leaves no half-written model (and an existing one untouched).
  staging = tempfile.mkdtemp(prefix='.export-', dir=parent)
  try:
    tf.saved_model.save(module, staging, signatures={SERVING_KEY: serving})
    if os.path.exists(export_dir):
      shutil.rmtree(export_dir)
    os.rename(staging, export_dir)
  finally:
    shutil.rmtree(staging, ignore_errors=True)
  return serving


def export_function(function, export_dir, input_names=None,
                    output_names=None, learning_phase=0, overwrite=False):
  """Writes a SavedModel computing a `K.function`'s outputs (not its updates).

  Args:
    function: a `K.function` (its `inputs` and `outputs` are exported).
    export_dir: the directory to write.
    input_names: as for `export_tensors`.
    output_names: as for `export_tensors`.
    learning_phase: as for `export_tensors`.
    overwrite: replace `export_dir` if it exists.

  Returns:
    The concrete serving function.

  Raises:
    ValueError: as `export_tensors`; also for a function with a
      `feed_dict`, whose fixed feeds a signature cannot hold.

  >>> import tempfile, os
  >>> x = placeholder(shape=(None, 3), name='features')
  >>> predict = function([x, learning_phase()],
  ...                    [in_train_phase(x * 0.0, softmax(x))])
  >>> path = os.path.join(tempfile.mkdtemp(), 'model')
  >>> _ = export_function(predict, path, output_names=['probabilities'])
  >>> serve = tf.saved_model.load(path).signatures['serving_default']
  >>> serve(features=tf.constant([[0.0, 0.0, 0.0]]))['probabilities'].numpy()
  array([[0.333..., 0.333..., 0.333...]], dtype=float32)
  """
  inputs = getattr(function, 'inputs', None)
  outputs = getattr(function, 'outputs', None)
  if inputs is None or outputs is None:
    raise TypeError(f'export_function takes a K.function (with inputs and '
                    f'outputs). Received: {function!r}.')
  if getattr(function, 'feed_dict', None):
    raise ValueError(
        'This K.function has a feed_dict; a serving signature cannot hold '
        'fixed feeds. Build K.function(inputs, outputs) without it, feeding '
        'those values as inputs.')
  if not isinstance(outputs, (list, tuple)):
    outputs = [outputs]
  return export_tensors(inputs, outputs, export_dir, input_names,
                        output_names, learning_phase, overwrite)
