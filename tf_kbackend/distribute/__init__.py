"""Legacy code on several devices and machines: `tf.distribute` strategies.

Create the variables under a strategy and legacy training runs
data-parallel, with TensorFlow's own engine:

    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
      ...  # K.variable, layers, models, optimizers, K.function, model.fit

Variables `K.variable` creates under the strategy (its `scope()`, or the
process-wide `set_strategy(strategy)`) are the strategy's distributed
(mirrored) variables. A `K.function` using them runs on every replica, on
its share of the fed batch, and all-reduces the gradients `K.gradients`
returned before the updates apply them, so N replicas at batch B/N train
like one device at batch B. See `replicated` for the rules, and
docs/distribute.md.

Importing `tf_kbackend` (with its TensorFlow backend) installs this
package's hooks into the bridge; the bridge never imports it.
"""

from tf_kbackend.distribute import gradients as _gradients
from tf_kbackend.distribute import replicated as _replicated
from tf_kbackend.distribute import variables as _variables
from tf_kbackend.distribute.variables import get_strategy, set_strategy
from tf_kbackend.tf_backend import compiler as _compiler
from tf_kbackend.tf_backend import keras_function as _keras_function
from tf_kbackend.tf_backend import variables as _bridge_variables

__all__ = ['get_strategy', 'set_strategy']


def _install():
  _compiler.replicated_compiler = _replicated.compile_replicated
  _keras_function.distributed_gradients = _gradients.distributed_gradients
  _bridge_variables.distributed_variable = _variables.distributed_variable


_install()
