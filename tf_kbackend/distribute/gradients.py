"""`K.gradients` with respect to distributed variables.

Legacy optimizers take their gradients with `K.gradients(loss, params)` and
build their updates from them. Under a strategy each replica computes that
loss on its own share of the batch, so its gradients are partial: the
replicated compiler all-reduces exactly these tensors (the ones returned
here) before anything reads them, so every replica applies the same,
whole-batch gradient to its component of each variable.

A distributed variable is differentiated through its components (the
Keras graph reads one of them; which one depends on the device scope when
the read was built), summing the partial gradients; the result is made
dense, as the all-reduce is (legacy optimizers turned `IndexedSlices` into
dense tensors in their update arithmetic anyway).
"""

import threading
import weakref

import tensorflow as tf

from tf_kbackend.tf_backend import graph as graph_lib

# Keras graph -> names of the gradient tensors to all-reduce.
_REDUCED = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def reduced_gradient_names(graph):
  """Names of the tensors of `graph` that replicas must all-reduce."""
  return _REDUCED.get(graph, frozenset())


def distributed_gradients(loss, variables):
  """`K.gradients(loss, variables)` where some variables are distributed.

  Args:
    loss: a symbolic scalar of the Keras graph.
    variables: the list of variables (distributed or not) and tensors.

  Returns:
    A list, one gradient (or None) per entry of `variables`; gradients
    with respect to distributed variables are dense tensors marked for the
    all-reduce.
  """
  targets, spans = [], []
  for variable in variables:
    if isinstance(variable, tf.distribute.DistributedValues):
      components = variable.distribute_strategy.experimental_local_results(
          variable)
      spans.append((len(targets), len(components), True))
      targets.extend(components)
    else:
      spans.append((len(targets), 1, False))
      targets.append(variable)
  graph = graph_lib.get_graph()
  with graph_lib.symbolic_scope():
    partial = tf.compat.v1.gradients(loss, targets,
                                     colocate_gradients_with_ops=True)
    results, names = [], set()
    for start, count, distributed in spans:
      if not distributed:
        results.append(partial[start])
        continue
      parts = [tf.convert_to_tensor(g) for g in partial[start:start + count]
               if g is not None]
      if not parts:
        results.append(None)
        continue
      # An op of its own: the all-reduce goes between it and its readers.
      gradient = tf.identity(parts[0] if len(parts) == 1 else tf.add_n(parts))
      names.add(gradient.name)
      results.append(gradient)
  with _LOCK:
    _REDUCED[graph] = _REDUCED.get(graph, frozenset()) | names
  return results
