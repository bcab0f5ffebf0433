"""TF1's `tf.train.*Optimizer`, training tf_kbackend variables.

Each is TensorFlow's own `tf.compat.v1.train` optimizer (same update
rules, slots and hyper-parameters), building in the Keras graph:
`opt.minimize(loss)` returns an op that `sess.run(train_op, feed_dict)`
and `K.function(..., updates=[train_op])` apply, and that by default trains
every trainable variable of the Keras graph, Keras layers' weights included
(`tf.trainable_variables()`). A loss computed eagerly from variables is
differentiated as the graph computation it stands for, as `K.gradients`
does. Keras 2.2.4's `TFOptimizer` (`model.compile(optimizer=
tf.train.AdamOptimizer())`) uses `compute_gradients` and `apply_gradients`.
"""

import tensorflow as tf

from tf_kbackend.tf1 import _world
from tf_kbackend.tf_backend import graph as graph_lib
from tf_kbackend.tf_backend import keras_function


def _loss_in_graph(loss):
  if callable(loss):
    return loss
  loss = keras_function._follow_variables(loss)  # pylint: disable=protected-access
  if not graph_lib.is_symbolic(loss):
    raise ValueError(
        f'Optimizer.minimize / compute_gradients needs a loss computed from '
        f'placeholders or variables (a tensor of the Keras graph). '
        f'Received the concrete value {loss!r}.')
  return loss


class _OptimizerType(type):
  """`isinstance(x, tf.train.Optimizer)` holds for every TF1 optimizer.

  As in TF1, where `tf.train.Optimizer` was the base of them all: also for
  TensorFlow's own `tf.compat.v1.train` optimizers.
  """

  def __instancecheck__(cls, instance):
    if cls is Optimizer:
      return isinstance(instance, tf.compat.v1.train.Optimizer)
    return super().__instancecheck__(instance)

  def __subclasscheck__(cls, subclass):
    if cls is Optimizer:
      return issubclass(subclass, tf.compat.v1.train.Optimizer)
    return super().__subclasscheck__(subclass)


class Optimizer(tf.compat.v1.train.Optimizer, metaclass=_OptimizerType):
  """TF1's `tf.train.Optimizer`, building its updates in the Keras graph.

  Subclasses written for TF1 (`_apply_dense`, `_create_slots`...) work as
  they did.
  """

  def compute_gradients(self, loss, var_list=None, *args, **kwargs):
    """TF1's `compute_gradients`, in the Keras graph."""
    if _world.in_foreign_graph():
      return super().compute_gradients(loss, var_list, *args, **kwargs)
    loss = _loss_in_graph(loss)
    with _world.keras_graph():
      return super().compute_gradients(loss, var_list, *args, **kwargs)

  def apply_gradients(self, grads_and_vars, global_step=None, name=None):
    """TF1's `apply_gradients`: an update op of the Keras graph."""
    if _world.in_foreign_graph():
      return super().apply_gradients(grads_and_vars, global_step, name)
    grads_and_vars = [
        (keras_function._follow_variables(g), v)  # pylint: disable=protected-access
        for g, v in grads_and_vars]
    with _world.keras_graph():
      return super().apply_gradients(grads_and_vars, global_step, name)

  def minimize(self, loss, global_step=None, var_list=None, *args, **kwargs):
    """TF1's `minimize`: an op that takes one training step when run.

    >>> from tf_kbackend.tf_backend import session, tensors, variables
    >>> w = variables.variable([3.0])
    >>> x = tensors.placeholder(shape=(1,))
    >>> step = GradientDescentOptimizer(0.5).minimize(
    ...     tf.reduce_sum(w * x), var_list=[w])
    >>> _ = session.get_session().run(step, feed_dict={x: [2.0]})
    >>> w.numpy()
    array([2.], dtype=float32)
    """
    if _world.in_foreign_graph():
      return super().minimize(loss, global_step, var_list, *args, **kwargs)
    loss = _loss_in_graph(loss)
    with _world.keras_graph():
      return super().minimize(loss, global_step, var_list, *args, **kwargs)


_OPTIMIZERS = ('GradientDescentOptimizer', 'MomentumOptimizer',
               'AdamOptimizer', 'AdagradOptimizer', 'AdagradDAOptimizer',
               'AdadeltaOptimizer', 'RMSPropOptimizer', 'FtrlOptimizer',
               'ProximalGradientDescentOptimizer',
               'ProximalAdagradOptimizer')


def _subclass(name):
  base = getattr(tf.compat.v1.train, name)
  return type(name, (Optimizer, base), {
      '__module__': __name__,
      '__doc__': f'TF1\'s `tf.train.{name}`, training tf_kbackend variables '
                 f'(see the module docstring).',
  })


for _name in _OPTIMIZERS:
  globals()[_name] = _subclass(_name)
del _name

NAMES = {'tf.train.Optimizer': Optimizer}
NAMES.update({f'tf.train.{name}': globals()[name] for name in _OPTIMIZERS})
