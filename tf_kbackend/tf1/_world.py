"""Where a TF1 function builds: the Keras graph, a graph of the user's, or now.

TF1 had one world: every function built into the default graph. tf_kbackend
has three, and a TF1 function under the TF1 names picks one by its
arguments and where it is called:

- in a graph the user entered (`with tf.Graph().as_default():`) or while a
  `tf.function` traces, TF1 functions are TensorFlow's own `tf.compat.v1`
  (that graph is TF1's default graph there);
- on tensors of the Keras graph, or for what only means graph building
  (placeholders, summaries, update ops, collections, variable scopes), they
  build in the Keras graph;
- on concrete values, they run eagerly (values computed from variables
  remember how, see `tf_backend/provenance.py`).
"""

import contextlib
import functools

import tensorflow as tf

from tf_kbackend.tf_backend import graph as graph_lib


def in_foreign_graph():
  """True while building a graph that is not the Keras graph.

  A `tf.Graph` the user made default, or a `tf.function` being traced.

  >>> in_foreign_graph()
  False
  >>> with tf.Graph().as_default():
  ...   in_foreign_graph()
  True
  """
  return not tf.executing_eagerly() and not graph_lib.in_symbolic_scope()


def refers_to_keras_graph(*values):
  """True if any (nested) value is a tensor or op of the Keras graph."""
  for value in values:
    if isinstance(value, (list, tuple)):
      if refers_to_keras_graph(*value):
        return True
    elif isinstance(value, dict):
      if refers_to_keras_graph(*value.values()):
        return True
    elif graph_lib.is_symbolic(value) and graph_lib.get_graph() is getattr(
        value, 'graph', None):
      return True
    elif isinstance(value, (tf.SparseTensor, tf.IndexedSlices)) and (
        graph_lib.is_symbolic(value)):
      return True
  return False


_variable_creator = None


def set_variable_creator(creator):
  """The creator `keras_graph()` installs (see tf1/variables.py)."""
  global _variable_creator
  _variable_creator = creator


@contextlib.contextmanager
def keras_graph():
  """Builds in the Keras graph, as TF1 built in its default graph.

  Variables created inside (`tf.get_variable`, `tf.Variable`, an
  optimizer's slots) are tf_kbackend variables: eager, and listed in the
  Keras graph's `GLOBAL_VARIABLES` collection as TF1 listed them.

  >>> with keras_graph() as graph:
  ...   c = tf.constant(1.0)
  >>> c.graph is graph
  True
  """
  with graph_lib.symbolic_scope() as graph:
    if _variable_creator is None:
      yield graph
      return
    with tf.variable_creator_scope(_variable_creator):
      yield graph


def graph_function(fn):
  """Wraps a TF1 function that only ever meant graph building.

  It builds in the Keras graph (`keras_graph`), or, in a graph of the
  user's, is `fn` itself.

  >>> @graph_function
  ... def zero():
  ...   return tf.constant(0.0)
  >>> graph_lib.is_symbolic(zero())
  True
  """

  @functools.wraps(fn)
  def graph_function_wrapper(*args, **kwargs):
    if in_foreign_graph():
      return fn(*args, **kwargs)
    with keras_graph():
      return fn(*args, **kwargs)

  graph_function_wrapper.__wrapped_tf1__ = fn
  return graph_function_wrapper


@contextlib.contextmanager
def graph_context_manager(cm_fn, *args, **kwargs):
  """Enters `cm_fn(*args, **kwargs)` in the Keras graph for its whole block."""
  if in_foreign_graph():
    with cm_fn(*args, **kwargs) as value:
      yield value
    return
  with keras_graph():
    with cm_fn(*args, **kwargs) as value:
      yield value
