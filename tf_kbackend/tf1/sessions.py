"""TF1 sessions, the default graph, placeholders, seeds and gradients.

Under the TF1 names:

- `tf.Session()` / `tf.InteractiveSession()` are tf_kbackend sessions
  (`K.get_session()`'s kind): `sess.run` computes tensors, ops, variables
  and initializers of the Keras graph; `with tf.Session() as sess:` and
  `sess.as_default()` make it the default session (`tf.get_default_session()`,
  `tensor.eval()`, `op.run()`), `InteractiveSession` from its creation; a
  `config=` is applied as `K.set_session` applies one. A session of another
  graph (`tf.Session(graph=g)`, or inside `with g.as_default():`) is
  TensorFlow's own TF1 session on that graph.
- `tf.get_default_graph()` is the Keras graph (outside graphs the user
  entered); `tf.reset_default_graph()` is `K.clear_session()`.
- `tf.placeholder(dtype, shape, name)` is `K.placeholder`.
- `tf.set_random_seed(seed)` seeds TensorFlow's eager ops, the Keras graph
  and the seeds tf_kbackend's random ops draw (`K.random_normal`, Keras
  initializers, dropout), so a seeded program draws the same values.
- `tf.gradients` is `K.gradients` (with TF1's extra arguments).
"""

import numpy as np
import tensorflow as tf

from tf_kbackend.tf1 import _world
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import keras_function
from tf_kbackend.tf_backend import random_ops
from tf_kbackend.tf_backend import session as session_lib
from tf_kbackend.tf_backend import tensors


def _is_keras_graph(graph):
  return hasattr(graph, '_tf_kbackend_generation')


def _foreign(graph):
  """True if a session for `graph` must be TensorFlow's own."""
  if graph is not None:
    return not _is_keras_graph(graph)
  return _world.in_foreign_graph()


class Session(session_lib.Session):
  """TF1's `tf.Session`, on the Keras graph.

  Args:
    target: accepted, as TF1's (there is no distributed runtime here).
    graph: None or the Keras graph; another graph gets TensorFlow's own TF1
      session.
    config: a `tf.ConfigProto`, applied as `K.set_session` applies it.

  >>> x = tensors.placeholder(shape=(2,))
  >>> with Session() as sess:
  ...   sess.run(x * 3.0, feed_dict={x: [1.0, 2.0]})
  array([3., 6.], dtype=float32)
  """

  def __new__(cls, target='', graph=None, config=None):
    if _foreign(graph):
      return tf.compat.v1.Session(target, graph, config)
    return super().__new__(cls)

  def __init__(self, target='', graph=None, config=None):
    del target, graph
    if config is not None:
      session_lib._apply_config(config)  # pylint: disable=protected-access
    super().__init__(config=config)
    self._closed = False
    self._default_scopes = []

  def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
    """As `K.get_session().run`; raises RuntimeError once closed, as TF1."""
    if self._closed:
      raise RuntimeError('Attempted to use a closed Session.')
    return super().run(fetches, feed_dict, options, run_metadata)

  def close(self):
    """Closes the session: later `run` calls raise, as in TF1."""
    self._closed = True

  def as_default(self):
    """A context manager making this the default session (`tf.get_default_session`)."""
    # TensorFlow's own default-session stack, which `Tensor.eval()` and
    # `Operation.run()` read; it accepts any session-like object.
    return tf.compat.v1.Session.as_default(self)

  def __enter__(self):
    scope = self.as_default()
    scope.__enter__()  # pylint: disable=unnecessary-dunder-call
    self._default_scopes.append(scope)
    return self

  def __exit__(self, *exc_info):
    if self._default_scopes:
      self._default_scopes.pop().__exit__(*exc_info)
    self.close()

  @property
  def graph_def(self):
    """The Keras graph's `GraphDef`, as TF1's `sess.graph_def`."""
    return self.graph.as_graph_def()

  def partial_run_setup(self, *args, **kwargs):
    raise NotImplementedError(
        'Session.partial_run is not supported by tf_kbackend: run the '
        'fetches together with Session.run.')

  partial_run = partial_run_setup

  @staticmethod
  def reset(target, containers=None, config=None):
    """Accepted, as TF1's (there are no remote containers to reset)."""
    del target, containers, config


class InteractiveSession(Session):
  """TF1's `tf.InteractiveSession`: a `Session` that is the default one.

  From its creation until `close()`, `tensor.eval()` and `op.run()` use it.

  >>> sess = InteractiveSession()
  >>> tf.compat.v1.get_default_session() is sess
  True
  >>> sess.close()
  """

  def __init__(self, target='', graph=None, config=None):
    super().__init__(target, graph, config)
    self._interactive_scope = self.as_default()
    self._interactive_scope.__enter__()  # pylint: disable=unnecessary-dunder-call

  def close(self):
    super().close()
    scope, self._interactive_scope = self._interactive_scope, None
    if scope is not None:
      try:
        scope.__exit__(None, None, None)
      except AssertionError:
        pass  # Another default session was entered after this one.


def get_default_graph():
  """The Keras graph, or the graph being built if the user entered one.

  >>> from tf_kbackend.tf1 import sessions
  >>> sessions.get_default_graph() is graph_lib.get_graph()
  True
  """
  if tf.executing_eagerly():
    return graph_lib.get_graph()
  return tf.compat.v1.get_default_graph()


def reset_default_graph():
  """`K.clear_session()`: a new, empty Keras graph, as TF1's new graph."""
  if not tf.executing_eagerly():
    # TF1 refused this inside a graph block; TensorFlow still does.
    return tf.compat.v1.reset_default_graph()
  graph_lib.clear_session()
  return None


def _keras_shape(shape):
  if shape is None:
    return None
  shape = tf.TensorShape(shape)
  return None if shape.rank is None else tuple(shape.as_list())


def placeholder(dtype, shape=None, name=None):
  """TF1's `tf.placeholder`: a Keras placeholder (`K.placeholder`).

  Usable in `feed_dict`, `K.function` and Keras' `Input(tensor=...)`.

  >>> from tf_kbackend.tf1 import sessions
  >>> x = sessions.placeholder(tf.float32, shape=[None, 3], name='x')
  >>> int_shape(x), x.dtype.name, is_placeholder(x)
  ((None, 3), 'float32', True)
  """
  if _world.in_foreign_graph():
    return tf.compat.v1.placeholder(dtype, shape=shape, name=name)
  return _raw(tensors.placeholder(shape=_keras_shape(shape),
                                  dtype=tf.as_dtype(dtype).name, name=name))


def _raw(placeholder_):
  """A Keras placeholder without Keras' attributes, as TF1's raw tensors.

  Legacy Keras reads `_keras_shape` where a tensor has one, and only a
  Keras placeholder had: a TF1 placeholder of unknown shape called through
  a model must not claim a shape of None.
  """
  tensor = getattr(placeholder_, 'values', placeholder_)
  for attribute in ('_keras_shape', '_uses_learning_phase'):
    for value in {id(placeholder_): placeholder_, id(tensor): tensor}.values():
      if attribute in getattr(value, '__dict__', {}):
        delattr(value, attribute)
  return placeholder_


def sparse_placeholder(dtype, shape=None, name=None):
  """TF1's `tf.sparse_placeholder`: a sparse Keras placeholder."""
  if _world.in_foreign_graph() or graph_lib.is_symbolic(shape):
    return tf.compat.v1.sparse_placeholder(dtype, shape=shape, name=name)
  return _raw(tensors.placeholder(shape=_keras_shape(shape),
                                  dtype=tf.as_dtype(dtype).name, sparse=True,
                                  name=name))


def placeholder_with_default(input, shape, name=None):  # pylint: disable=redefined-builtin
  """TF1's `tf.placeholder_with_default`, in the Keras graph.

  >>> x = placeholder_with_default([1.0, 2.0], shape=[2])
  >>> session_lib.get_session().run(x * 2.0)
  array([2., 4.], dtype=float32)
  """
  if _world.in_foreign_graph():
    return tf.compat.v1.placeholder_with_default(input, shape, name=name)
  with _world.keras_graph():
    return tf.compat.v1.placeholder_with_default(input, shape, name=name)


def set_random_seed(seed):
  """TF1's graph-level seed, for everything tf_kbackend draws.

  Seeds TensorFlow's eager random ops (`tf.random.set_seed`), the Keras
  graph's random ops and the seeds tf_kbackend's own random ops pick when
  given none, so a program seeded once draws the same values at each run.

  >>> set_random_seed(3)
  >>> a = random_ops.random_normal((2,)).numpy()
  >>> set_random_seed(3)
  >>> bool((random_ops.random_normal((2,)).numpy() == a).all())
  True
  """
  if not tf.executing_eagerly():
    return tf.compat.v1.set_random_seed(seed)
  tf.random.set_seed(seed)
  graph_lib.get_graph().seed = seed
  random_ops.seed_from(None if seed is None else np.random.RandomState(
      int(seed) % (2**32)))
  return None


def get_seed(op_seed):
  """TF1's `tf.get_seed`: the (graph seed, op seed) an op would use."""
  if _world.in_foreign_graph():
    return tf.compat.v1.get_seed(op_seed)
  with _world.keras_graph():
    return tf.compat.v1.get_seed(op_seed)


def _follow(value):
  if isinstance(value, (list, tuple)):
    return [_follow(v) for v in value]
  return keras_function._follow_variables(value)  # pylint: disable=protected-access


def gradients(ys, xs, grad_ys=None, name='gradients',
              colocate_gradients_with_ops=False, gate_gradients=False,
              aggregation_method=None, stop_gradients=None,
              unconnected_gradients=tf.UnconnectedGradients.NONE):
  """TF1's `tf.gradients`: `K.gradients`, with TF1's further arguments.

  `ys` may be a list (their sum is differentiated); values computed
  eagerly from variables are differentiated as the graph computations they
  stand for, as `K.gradients` does.

  >>> from tf_kbackend.tf1 import sessions
  >>> x = tensors.placeholder(shape=(2,))
  >>> g, = sessions.gradients(tf.reduce_sum(x * x), [x])
  >>> keras_function.function([x], [g])([[1.0, 2.0]])[0]
  array([2., 4.], dtype=float32)
  """
  del colocate_gradients_with_ops
  if _world.in_foreign_graph():
    return tf.compat.v1.gradients(
        ys, xs, grad_ys=grad_ys, name=name, gate_gradients=gate_gradients,
        aggregation_method=aggregation_method, stop_gradients=stop_gradients,
        unconnected_gradients=unconnected_gradients)
  plain = (grad_ys is None and stop_gradients is None and
           aggregation_method is None and not gate_gradients and
           unconnected_gradients == tf.UnconnectedGradients.NONE)
  if plain and not isinstance(ys, (list, tuple)):
    return keras_function.gradients(ys, xs)
  with _world.keras_graph():
    return tf.compat.v1.gradients(
        _follow(ys), _follow(xs), grad_ys=_follow(grad_ys), name=name,
        colocate_gradients_with_ops=True, gate_gradients=gate_gradients,
        aggregation_method=aggregation_method,
        stop_gradients=_follow(stop_gradients),
        unconnected_gradients=unconnected_gradients)


def hessians(ys, xs, name='hessians', colocate_gradients_with_ops=False,
             gate_gradients=False, aggregation_method=None):
  """TF1's `tf.hessians`, built in the Keras graph."""
  del colocate_gradients_with_ops
  if _world.in_foreign_graph():
    return tf.compat.v1.hessians(ys, xs, name=name,
                                 gate_gradients=gate_gradients,
                                 aggregation_method=aggregation_method)
  with _world.keras_graph():
    return tf.compat.v1.hessians(_follow(ys), _follow(xs), name=name,
                                 gate_gradients=gate_gradients,
                                 aggregation_method=aggregation_method)


def control_dependencies(control_inputs):
  """TF1's `tf.control_dependencies`: with ops of the Keras graph, a block
  building in it under those dependencies (`K.control_dependencies`)."""
  if control_inputs is not None and _world.refers_to_keras_graph(
      control_inputs):
    return graph_lib.control_dependencies(control_inputs)
  return tf.control_dependencies(control_inputs)


def name_scope(name, default_name=None, values=None):
  """TF1's `tf.name_scope(name, default_name, values)`.

  As in TF1, where a name scope only ever meant graph building, the block
  builds in the Keras graph (like `K.name_scope`) and names its ops
  `name/...`.

  >>> from tf_kbackend.tf1 import sessions
  >>> with sessions.name_scope('block'):
  ...   y = tf.constant(1.0) * 2.0
  >>> y.name.startswith('block/')
  True
  """
  return _world.graph_context_manager(tf.compat.v1.name_scope, name,
                                      default_name, values)


def colocate_with(op, ignore_existing=False):
  """TF1's `tf.colocate_with`, in the Keras graph."""
  return _world.graph_context_manager(tf.compat.v1.colocate_with, op,
                                      ignore_existing)


def container(container_name):
  """TF1's `tf.container`, in the Keras graph."""
  return _world.graph_context_manager(tf.compat.v1.container, container_name)


def start_queue_runners(sess=None, coord=None, daemon=True, start=True,
                        collection=tf.compat.v1.GraphKeys.QUEUE_RUNNERS):
  """TF1's `tf.train.start_queue_runners`: there are none to start (the
  queue-based input pipelines are not provided); returns []."""
  del sess, coord, daemon, start, collection
  return []


DEVIATIONS = {
    'tf.Session': ('sessions', 'No partial_run; run options and run_metadata '
                   'are ignored.'),
    'tf.InteractiveSession': ('sessions', 'No partial_run; run options and '
                              'run_metadata are ignored.'),
}

NAMES = {
    'tf.train.start_queue_runners': start_queue_runners,
    'tf.Session': Session,
    'tf.InteractiveSession': InteractiveSession,
    'tf.get_default_graph': get_default_graph,
    'tf.reset_default_graph': reset_default_graph,
    'tf.placeholder': placeholder,
    'tf.sparse_placeholder': sparse_placeholder,
    'tf.sparse.placeholder': sparse_placeholder,
    'tf.placeholder_with_default': placeholder_with_default,
    'tf.set_random_seed': set_random_seed,
    'tf.random.set_random_seed': set_random_seed,
    'tf.get_seed': get_seed,
    'tf.random.get_seed': get_seed,
    'tf.gradients': gradients,
    'tf.hessians': hessians,
    'tf.control_dependencies': control_dependencies,
    'tf.name_scope': name_scope,
    'tf.colocate_with': colocate_with,
    'tf.container': container,
}
