"""`K.function`, `K.gradients` and `K.stop_gradient`."""

import numpy as np
import tensorflow as tf

from tf_kbackend import _tf_private
from tf_kbackend import api_contract
from tf_kbackend import config
from tf_kbackend.tf_backend import compiler
from tf_kbackend.tf_backend import feeds as feeds_lib
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import graph_options

# Set by tf_kbackend.distribute (the bridge does not import it):
# distributed_gradients(loss, variables) for a variable list holding
# tf.distribute variables.
distributed_gradients = None


def _label(tensor, position, function_name):
  role = f'input {position} of K.function {function_name!r}'
  if isinstance(tensor, tf.SparseTensor):
    return f'placeholder {tensor.values.name!r} ({role})'
  name = getattr(tensor, 'name', repr(tensor))
  return f'placeholder {name!r} ({role})'


def _check_fed(tensor, position, function_name):
  if not graph_lib.is_symbolic(tensor) or isinstance(tensor, tf.Operation):
    raise ValueError(
        f'Input {position} of K.function {function_name!r} must be a '
        f'placeholder (or another symbolic tensor to feed). Received: '
        f'{tensor!r}.')
  graph_lib.check_in_current_graph(
      tensor, f'Input {position} of K.function {function_name!r}')


def _follow_variables(value):
  """A concrete value derived from variables, re-derived symbolically.

  TF1 semantics: `K.function([], [K.sum(W)])` reads W at each call.
  """
  return graph_lib.rederive(value)


def _as_fetch(output, position, function_name):
  """An output as the compiler takes it (dense, or sparse kept whole)."""
  output = _follow_variables(output)
  if isinstance(output, tf.IndexedSlices):
    with graph_lib.symbolic_scope():
      return tf.convert_to_tensor(output)
  if graph_lib.is_symbolic(output):
    if isinstance(output, tf.Operation):
      raise ValueError(
          f'Output {position} of K.function {function_name!r} is an op, '
          f'which has no value: pass it in `updates` instead. Received: '
          f'{output.name!r}.')
    graph_lib.check_in_current_graph(
        output, f'Output {position} of K.function {function_name!r}')
  return output


def _variable_handles(variable):
  """The handles holding a variable's value: one per local replica of a
  `tf.distribute` variable (each is updated), else the variable's own."""
  if isinstance(variable, tf.distribute.DistributedValues):
    return [component.handle for component in
            variable.distribute_strategy.experimental_local_results(variable)]
  return [variable.handle]


def _flatten_updates(updates):
  flat = []
  for update in updates or ():
    if isinstance(update, list):
      flat.extend(_flatten_updates(update))
    else:
      flat.append(update)
  return flat


def _check_update_shape(variable, value, position, function_name):
  """A (variable, value) update whose static shapes disagree is refused.

  Shapes known only when the function runs (None dimensions) are checked
  then, before any variable changes (see `compiler`).
  """
  if isinstance(value, (tf.Tensor, tf.Variable, tf.SparseTensor)):
    shape = value.shape
  else:
    shape = tf.TensorShape(np.shape(value))
  if not variable.shape.is_compatible_with(shape):
    raise ValueError(
        f'Update {position} of K.function {function_name!r}: cannot assign '
        f'a value of shape {compiler.shape_text(shape)} to variable '
        f'{variable.name!r} of shape {compiler.shape_text(variable.shape)}.')


def _collect_updates(updates, function_name):
  """Splits `updates` into variable `Update`s and other ops to run."""
  graph = graph_lib.get_graph()
  captures = compiler.capture_map(graph)
  found, other_ops = [], []
  for position, update in enumerate(_flatten_updates(updates)):
    if isinstance(update, tuple):
      if len(update) != 2 or not isinstance(update[0], tf.Variable):
        raise ValueError(
            f'Update {position} of K.function {function_name!r} must be an '
            f'update op or a (variable, new_value) tuple. Received: '
            f'{update!r}.')
      variable, value = update
      value = _follow_variables(value)
      _check_update_shape(variable, value, position, function_name)
      if graph_lib.is_symbolic(value):
        graph_lib.check_in_current_graph(
            value, f'Update {position} of K.function {function_name!r}')
        if value.dtype != variable.dtype:
          with graph_lib.symbolic_scope():
            value = tf.cast(value, variable.dtype)
      for handle in _variable_handles(variable):
        found.append(compiler.Update('AssignVariableOp', handle, value,
                                     variable.dtype, name=variable.name,
                                     shape=variable.shape))
      continue
    op = getattr(update, 'op', update)
    if not isinstance(op, tf.Operation):
      raise ValueError(
          f'Update {position} of K.function {function_name!r} must be an '
          f'update op (such as K.update_add(...)) or a (variable, new_value) '
          f'tuple. Received: {update!r}.')
    graph_lib.check_in_current_graph(
        op, f'Update {position} of K.function {function_name!r}')
    other_ops.extend(compiler.updates_from_assign_op(op, captures, found))
  return found, other_ops


class Function:
  """A compiled graph function: `Function(inputs, outputs, updates)([values])`.

  Built by `function()`; see there. Calling it feeds `inputs`, computes
  `outputs` and applies `updates`, returning numpy arrays.

  >>> x = placeholder(shape=(2,))
  >>> f = Function([x], [x * 2.0], name='double')
  >>> f([[1.0, 2.0]])[0], f.name
  (array([2., 4.], dtype=float32), 'double')
  """

  def __init__(self, inputs, outputs, updates=None, name=None,
               **session_kwargs):
    # Built under the graph lock: other threads' building, and their
    # clear_session(), wait (calling is lock-free).
    with graph_lib.graph_lock():
      self._build(inputs, outputs, updates, name, session_kwargs)

  def _build(self, inputs, outputs, updates, name, session_kwargs):
    args = api_contract.function_arguments(inputs, outputs, name,
                                           session_kwargs)
    self.name = args.name
    self.inputs = args.inputs
    self.outputs = args.outputs
    self.updates = updates
    self.feed_dict = args.feed_dict
    self.jit_compile = args.jit_compile
    self._single_output = args.single_output
    outputs, fetches, description = args.outputs, args.fetches, args.description

    fixed_feeds = list(args.feed_dict)
    fed = self.inputs + fixed_feeds
    for position, tensor in enumerate(fed):
      _check_fed(tensor, position, self.name)
    labels = [_label(t, i, self.name) for i, t in enumerate(fed)]
    self._converters = [
        feeds_lib.converter(tensor, label) for tensor, label in zip(fed, labels)
    ]
    # Keras 2.3.1's feed_dict is read at each call (legacy Keras kept the
    # caller's dict, not a copy).
    self._fixed_feed_converters = list(
        zip(self._converters[len(self.inputs):], fixed_feeds))
    feed_tensors, feed_specs = [], []
    for tensor in fed:
      parts, specs = feeds_lib.feed_tensors_and_specs(tensor)
      feed_tensors.extend(parts)
      feed_specs.extend(specs)

    fetches_in = [_as_fetch(o, i, self.name) for i, o in enumerate(outputs)]
    self._sparse_outputs = [isinstance(o, tf.SparseTensor) for o in fetches_in]
    self._has_sparse_outputs = any(self._sparse_outputs)
    flat_fetches = []
    for fetch in fetches_in:
      if isinstance(fetch, tf.SparseTensor):
        flat_fetches.extend([fetch.indices, fetch.values, fetch.dense_shape])
      else:
        flat_fetches.append(fetch)
    found, other_ops = _collect_updates(list(updates or []) + list(fetches),
                                        self.name)
    compile_args = dict(
        feeds=feed_tensors, feed_specs=feed_specs, fetches=flat_fetches,
        updates=found, fetch_ops=other_ops, name=self.name, what=description,
        jit_compile=args.jit_compile,
        sparse_feeds=[part.name for tensor in fed
                      if isinstance(tensor, tf.SparseTensor)
                      for part in (tensor.indices, tensor.values,
                                   tensor.dense_shape)])
    self._updates_found = found
    self._use(compiler.compile_subgraph(**compile_args))
    self._attrs = graph_options.function_call_attrs()
    # The update arithmetic is fused (XLA) when the function is called a
    # second time: a function called once never pays XLA's compilation.
    self._fusion_pending = None
    self._called = False
    if (found and not args.jit_compile and not self._regular_call and
        config.fuse_updates()):
      self._fusion_pending = (graph_lib.get_graph(), compile_args)

  def _use(self, concrete):
    self._concrete = concrete
    # A function run on the replicas of a tf.distribute strategy captures
    # values TensorFlow computes at each call (collective instance keys):
    # it takes the regular call, which computes them.
    self._regular_call = getattr(concrete, compiler.REGULAR_CALL, False)
    # What the call path needs, swapped in one assignment (threads); the
    # concrete function with it, so that a call in flight keeps it
    # registered when the fused one replaces it.
    self._target = (
        concrete, compiler.registered_name(concrete),
        [] if self._regular_call else list(concrete.captured_inputs),
        len(concrete.outputs))

  def _fuse_updates(self):
    """Recompiles with the update arithmetic fused (`fused_updates`)."""
    with graph_lib.graph_lock():
      pending, self._fusion_pending = self._fusion_pending, None
      # A function of a graph since cleared keeps its first compilation.
      if pending is None or pending[0] is not graph_lib.get_graph():
        return
      try:
        concrete = compiler.compile_subgraph(**pending[1], fuse_updates=True)
      except (ValueError, TypeError, NotImplementedError, tf.errors.OpError):
        return  # An optimization only: the first compilation serves.
      if concrete is not None:
        self._use(concrete)

  def _calls_seen(self):
    seen, self._called = self._called, True
    return seen

  def _pack(self, results):
    if self._has_sparse_outputs:
      packed, i = [], 0
      for sparse in self._sparse_outputs:
        if sparse:
          packed.append(tf.compat.v1.SparseTensorValue(
              *(t.numpy() for t in results[i:i + 3])))
          i += 3
        else:
          packed.append(results[i].numpy())
          i += 1
    else:
      packed = [t.numpy() for t in results]
    return packed[0] if self._single_output else packed

  def __call__(self, inputs):
    """Feeds `inputs` (a list, one value per input) and returns the outputs.

    Raises:
      ValueError: for the wrong number of inputs; `FeedError` (a
        ValueError) for a value whose shape or dtype does not fit its
        placeholder; a ValueError for an update value whose shape is not
        its variable's (no variable changes then).
    """
    api_contract.check_call_inputs(self.name, inputs, self.inputs)
    args = []
    for convert, value in zip(self._converters, inputs):
      args.extend(convert(value))
    for convert, tensor in self._fixed_feed_converters:
      args.extend(convert(self.feed_dict[tensor]))
    if self._fusion_pending is not None and self._calls_seen():
      self._fuse_updates()
    concrete, function_name, captured, num_outputs = self._target
    try:
      if self._regular_call or _tf_private.tape_is_recording():
        return self._pack(concrete(*args))
      args.extend(captured)
      results = _tf_private.execute_function(
          function_name, args, self._attrs, num_outputs)
    except tf.errors.InvalidArgumentError as e:
      error = compiler.update_shape_error(e, self._updates_found, self.name)
      if error is None:
        raise
      raise error from None
    return self._pack(results or [])


def function(inputs, outputs, updates=None, name=None, **kwargs):
  """Compiles a function from symbolic inputs to outputs, with updates.

  The subgraph from `inputs` to `outputs` and `updates` is compiled once
  into a TensorFlow function (None dimensions do not cause retracing) and
  each call runs it with minimal Python overhead.

  Args:
    inputs: a list of placeholders (or other symbolic tensors) to feed,
      possibly including `learning_phase()` and sparse placeholders.
    outputs: a list of tensors to return (or a single tensor, to return a
      single array). Variables return their value.
    updates: update ops (`update_add(...)`, ...) or `(variable, new_value)`
      tuples, applied after the outputs are computed: the outputs see the
      variables' values from before the call.
    name: a name for the function.
    **kwargs: Keras 2.3.1's `feed_dict` (fixed extra feeds) and `fetches`
      (extra ops to run); TF1's `options` and `run_metadata` are ignored;
      `jit_compile=True` compiles the function with XLA (default:
      `tf_kbackend.config.jit_compile()`, set by the environment variable
      `TF_KBACKEND_JIT_COMPILE` or the keras.json key
      `"tf_kbackend_jit_compile"`).

  Returns:
    A `Function`: call it with a list of values, one per input (numpy
    arrays, lists, numbers, eager tensors); it returns a list of numpy
    arrays. Under a `tf.distribute` strategy (variables created in its
    scope), each call runs on every replica, on its share of the fed
    batch; see docs/distribute.md.

  Raises:
    ValueError: for an output that depends on a placeholder not in
      `inputs`, a tensor of a cleared session, or an unknown keyword.

  >>> x = placeholder(shape=(None, 2))
  >>> w = variable([[1.0], [2.0]])
  >>> f = function([x], [dot(x, w)], updates=[update_add(w, [[1.0], [1.0]])])
  >>> f([np.array([[1.0, 1.0]])])[0]  # uses w before the update
  array([[3.]], dtype=float32)
  >>> f([np.array([[1.0, 1.0]])])[0]
  array([[5.]], dtype=float32)
  """
  return Function(inputs, outputs, updates=updates, name=name, **kwargs)


def gradients(loss, variables):
  """Returns the gradients of `loss` with respect to `variables`.

  Args:
    loss: a symbolic scalar (or tensor, summed) of the Keras graph.
    variables: a variable, placeholder or intermediate tensor, or a list.

  Returns:
    A list of symbolic gradient tensors, None where `loss` does not depend
    on the variable (as legacy Keras).

  Raises:
    ValueError: if `loss` is a concrete value not computed from variables;
      differentiate those with `tf.GradientTape`.

  >>> x = placeholder(shape=(3,))
  >>> g = gradients(sum(square(x)), [x])[0]
  >>> function([x], [g])([np.array([1.0, 2.0, 3.0])])[0]
  array([2., 4., 6.], dtype=float32)
  """
  # A loss computed eagerly from variables is differentiated as TF1 did:
  # re-derived symbolically, with every derived target re-derived to the
  # very tensors the loss is built from.
  loss = _follow_variables(loss)
  if not graph_lib.is_symbolic(loss):
    raise ValueError(
        f'K.gradients needs a symbolic loss (computed from placeholders or '
        f'variables, or built inside K.symbolic / K.name_scope). Received '
        f'the concrete value {loss!r}; to differentiate concrete values use '
        f'tf.GradientTape.')
  graph_lib.check_in_current_graph(loss, 'The loss passed to K.gradients')
  variable_list = list(variables) if isinstance(variables,
                                                (list, tuple)) else [variables]
  variable_list = [_follow_variables(v) for v in variable_list]
  # The lock for the whole backward pass: it walks the graph's structure.
  with graph_lib.graph_lock():
    if distributed_gradients is not None and any(
        isinstance(v, tf.distribute.DistributedValues) for v in variable_list):
      return distributed_gradients(loss, variable_list)
    with graph_lib.symbolic_scope():
      return tf.compat.v1.gradients(loss, variable_list,
                                    colocate_gradients_with_ops=True)


@graph_lib.graph_op
def stop_gradient(variables):
  """Returns `variables` with gradients stopped (a tensor or a list).

  >>> x = placeholder(shape=(2,))
  >>> gradients(sum(x * stop_gradient(x)), [x])[0] is not None
  True
  """
  if isinstance(variables, (list, tuple)):
    return [tf.stop_gradient(v) for v in variables]
  return tf.stop_gradient(variables)
