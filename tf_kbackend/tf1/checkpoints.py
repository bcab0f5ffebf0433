"""TF1's `tf.train.Saver`, on tf_kbackend variables.

Writes and reads TF1's name-based checkpoints (the V2 format: `prefix.index`
and `prefix.data-*`, read by `tf.train.load_checkpoint` and
`tf.train.list_variables`), keyed by variable names (`dense_1/kernel`), and
keeps the `checkpoint` state file `tf.train.latest_checkpoint` reads.
Saving and restoring happen at once (TF1 ran them as graph ops).
"""

import os

import tensorflow as tf

from tf_kbackend.tf1 import variables
from tf_kbackend.tf_backend import session as session_lib


def _checkpoint_name(variable):
  return variable.name.split(':')[0]


class Saver:
  """TF1's `tf.train.Saver`.

  Args:
    var_list: the variables to save: a list, a dict `{name: variable}`, or
      None for every variable of the Keras graph (`tf.global_variables()`).
    max_to_keep: how many recent checkpoints to keep (None or 0: all).
    **kwargs: TF1's other arguments, accepted (`write_version`, `sharded`,
      `keep_checkpoint_every_n_hours`, ...).

  >>> import tempfile
  >>> from tf_kbackend.tf_backend import variables as tf_variables
  >>> v = tf_variables.variable([1.0, 2.0], name='saved_v')
  >>> saver = Saver([v])
  >>> path = saver.save(None, os.path.join(tempfile.mkdtemp(), 'model'))
  >>> _ = v.assign([0.0, 0.0])
  >>> saver.restore(None, path)
  >>> v.numpy()
  array([1., 2.], dtype=float32)
  """

  def __init__(self, var_list=None, reshape=False, sharded=False,
               max_to_keep=5, keep_checkpoint_every_n_hours=10000.0,
               name=None, restore_sequentially=False, saver_def=None,
               builder=None, defer_build=False, allow_empty=False,
               write_version=2, pad_step_number=False,
               save_relative_paths=False, filename=None):
    del (reshape, sharded, keep_checkpoint_every_n_hours, name,
         restore_sequentially, saver_def, builder, defer_build, write_version,
         save_relative_paths, filename)
    self._var_list = var_list
    self._max_to_keep = max_to_keep
    self._allow_empty = allow_empty
    self._pad_step_number = pad_step_number
    self._last_checkpoints = []

  def _variables(self):
    """`{checkpoint name: variable}`, sorted by name."""
    var_list = self._var_list
    if var_list is None:
      var_list = variables.global_variables()
    if isinstance(var_list, dict):
      named = dict(var_list)
    else:
      named = {_checkpoint_name(v): v for v in var_list}
    if not named and not self._allow_empty:
      raise ValueError('Saver: there are no variables to save (create the '
                       'model first, or pass allow_empty=True).')
    return dict(sorted(named.items()))

  def save(self, sess, save_path, global_step=None, latest_filename=None,
           meta_graph_suffix='meta', write_meta_graph=True, write_state=True,
           strip_default_attrs=False, save_debug_info=False):
    """Saves the variables; returns the checkpoint prefix written.

    With `global_step` (a number, or a variable / tensor), the prefix is
    `save_path-<step>`. No `.meta` file is written (see docs/tf1_api.md).
    """
    del meta_graph_suffix, write_meta_graph, strip_default_attrs
    del save_debug_info
    if global_step is not None:
      if not isinstance(global_step, (int, float)):
        global_step = (sess or session_lib.get_session()).run(global_step)
      step = int(global_step)
      save_path = (f'{save_path}-{step:08d}' if self._pad_step_number else
                   f'{save_path}-{step}')
    named = self._variables()
    directory = os.path.dirname(save_path)
    if directory:
      tf.io.gfile.makedirs(directory)
    with tf.init_scope():
      if named:
        tf.raw_ops.SaveV2(
            prefix=save_path, tensor_names=list(named),
            shape_and_slices=[''] * len(named),
            tensors=[v.read_value() for v in named.values()])
    if save_path in self._last_checkpoints:
      self._last_checkpoints.remove(save_path)
    self._last_checkpoints.append(save_path)
    self._forget_old()
    if write_state:
      tf.compat.v1.train.update_checkpoint_state(
          directory or '.', save_path,
          all_model_checkpoint_paths=self._last_checkpoints,
          latest_filename=latest_filename)
    return save_path

  def _forget_old(self):
    if not self._max_to_keep:
      return
    while len(self._last_checkpoints) > self._max_to_keep:
      old = self._last_checkpoints.pop(0)
      for path in tf.io.gfile.glob(old + '.*'):
        tf.io.gfile.remove(path)

  def restore(self, sess, save_path):
    """Sets the variables to their values in the checkpoint `save_path`."""
    del sess
    if save_path is None:
      raise ValueError('Saver.restore: save_path is None (no checkpoint '
                       'found? tf.train.latest_checkpoint returns None then).')
    named = self._variables()
    with tf.init_scope():
      values = tf.raw_ops.RestoreV2(
          prefix=save_path, tensor_names=list(named),
          shape_and_slices=[''] * len(named),
          dtypes=[v.dtype.base_dtype for v in named.values()])
      for variable, value in zip(named.values(), values):
        variable.assign(value)

  @property
  def last_checkpoints(self):
    """The checkpoints kept, oldest first."""
    return list(self._last_checkpoints)

  def set_last_checkpoints(self, last_checkpoints):
    self._last_checkpoints = list(last_checkpoints)

  def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
    self._last_checkpoints = [p for p, _ in last_checkpoints_with_time]

  def recover_last_checkpoints(self, checkpoint_paths):
    self._last_checkpoints = list(checkpoint_paths)

  def build(self):
    """Accepted, as TF1's (there is no graph to build)."""

  def as_saver_def(self):
    raise NotImplementedError(
        'Saver.as_saver_def: tf_kbackend savers have no graph ops (save and '
        'restore run at once).')


NAMES = {'tf.train.Saver': Saver}

DEVIATIONS = {
    'tf.train.Saver': (
        'saver', 'Saves and restores at once; writes no .meta graph file.'),
}
