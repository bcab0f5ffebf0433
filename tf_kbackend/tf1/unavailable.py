"""TF1 names that deliberately raise, each with what to use instead.

Some of TF1 cannot mean anything with eager execution on and no TF1 runtime
(queue-based input pipelines, `MonitoredSession` and its hooks, readers),
or needs a library TensorFlow 2 no longer ships (`tf.contrib`, `tf.layers`
and `tf.nn.rnn_cell`, which need `tf_keras`). Under the TF1 names they
resolve, so that scripts import and run up to their first use, and using
them raises an error that names the replacement. `tf.contrib` is a package
whose only member is `tensorflow.contrib.tensorboard.plugins.projector`,
which Keras 2.2.4's `TensorBoard` callback imports.
"""

import importlib.abc
import sys
import types


class TF1NameError(AttributeError, NotImplementedError):
  """A TF1 name that tf_kbackend deliberately does not provide.

  An `AttributeError` (so `hasattr` answers False, as for a missing name)
  and a `NotImplementedError`.
  """


def message(name, note):
  """The error text for `name`: what it was, and what to use instead."""
  return (f'{name} is not available with tf_kbackend (TensorFlow 2, eager '
          f'execution on): {note}')


class _Unavailable:
  """A function-like TF1 name that raises on use."""

  def __init__(self, name, note):
    self._tf1_name = name
    self._tf1_note = note
    self.__name__ = name.rpartition('.')[2]
    self.__doc__ = message(name, note)

  def __call__(self, *args, **kwargs):
    raise TF1NameError(message(self._tf1_name, self._tf1_note))

  def __getattr__(self, attribute):
    if attribute.startswith('__'):
      raise AttributeError(attribute)
    raise TF1NameError(message(self._tf1_name, self._tf1_note))

  def __repr__(self):
    return f'<unavailable TF1 name {self._tf1_name}>'


def unavailable_class(name, note):
  """A TF1 class name: subclassable, raising when instantiated.

  >>> Hook = unavailable_class('tf.train.SessionRunHook', 'use a loop.')
  >>> Hook()
  Traceback (most recent call last):
  ...
  tf_kbackend.tf1.unavailable.TF1NameError: tf.train.SessionRunHook is not available ...
  """

  def __new__(cls, *args, **kwargs):
    raise TF1NameError(message(name, note))

  return type(name.rpartition('.')[2], (), {
      '__new__': __new__, '__doc__': message(name, note),
      '__module__': 'tf_kbackend.tf1.unavailable',
  })


def unavailable(name, note, is_class=False):
  """The stand-in for the unavailable TF1 name `name`."""
  if is_class:
    return unavailable_class(name, note)
  return _Unavailable(name, note)


class UnavailableModule(types.ModuleType):
  """A TF1 module name whose members raise `TF1NameError` with `note`."""

  def __init__(self, name, note, module_name=None):
    super().__init__(module_name or name.replace('tf.', 'tensorflow.', 1))
    self._tf1_name = name
    self._tf1_note = note
    self.__doc__ = message(name, note)

  def __getattr__(self, attribute):
    if attribute.startswith('__'):
      raise AttributeError(attribute)
    raise TF1NameError(message(f'{self._tf1_name}.{attribute}',
                               self._tf1_note))


# tf.contrib: what each of its best-known submodules became.
CONTRIB_NOTES = {
    'layers': 'use Keras layers (keras.layers) or backend ops (K.*).',
    'slim': 'use Keras layers (keras.layers) or backend ops (K.*).',
    'rnn': 'use Keras recurrent layers (keras.layers.LSTM, GRU) or K.rnn.',
    'keras': 'use the keras package (legacy Keras runs on tf_kbackend).',
    'distributions': 'use tensorflow_probability.distributions.',
    'learn': 'use Keras models (model.fit) or tf.Session + sess.run.',
    'data': 'use tf.data.',
    'training': 'use tf.train.*Optimizer with sess.run.',
    'framework': 'use the TensorFlow core API (tf.*).',
    'seq2seq': 'use Keras layers (keras.layers) and K.rnn.',
    'crf': 'use tensorflow_addons.text (crf_log_likelihood).',
    'image': 'use tf.image.',
    'opt': 'use tf.train.*Optimizer or Keras optimizers.',
    'metrics': 'use tf.metrics (TF1 names) or Keras metrics.',
    'summary': 'use tf.summary (TF1 names).',
}
CONTRIB_NOTE = ('tf.contrib was removed in TensorFlow 2; only '
                'tf.contrib.tensorboard.plugins.projector is provided (for '
                'Keras 2.2.4\'s TensorBoard callback).')


class ContribModule(types.ModuleType):
  """`tf.contrib`: a package whose members raise, naming what to use."""

  def __init__(self, name='tensorflow.contrib', tf1_name='tf.contrib'):
    super().__init__(name)
    self.__path__ = []
    self.__package__ = name
    self._tf1_name = tf1_name
    self.__doc__ = CONTRIB_NOTE

  def __getattr__(self, attribute):
    if attribute.startswith('__'):
      raise AttributeError(attribute)
    note = CONTRIB_NOTES.get(attribute, CONTRIB_NOTE)
    raise TF1NameError(message(f'{self._tf1_name}.{attribute}', note))


def _projector_attribute(attribute):
  try:
    from tensorboard.plugins import projector  # pylint: disable=g-import-not-at-top
  except ImportError as e:
    raise TF1NameError(message(
        f'tf.contrib.tensorboard.plugins.projector.{attribute}',
        'it needs the tensorboard package: pip install tensorboard.')) from e
  if attribute == 'visualize_embeddings':
    return _visualize_embeddings
  return getattr(projector, attribute)


def _visualize_embeddings(summary_writer, config):
  """TF1's `projector.visualize_embeddings(writer, config)`.

  Writes `projector_config.pbtxt` in the writer's log directory, as TF1
  did (TensorBoard's version of the function takes the directory).
  """
  from tensorboard.plugins import projector  # pylint: disable=g-import-not-at-top
  logdir = (summary_writer.get_logdir()
            if hasattr(summary_writer, 'get_logdir') else summary_writer)
  projector.visualize_embeddings(logdir, config)


class ProjectorModule(types.ModuleType):
  """`tensorflow.contrib.tensorboard.plugins.projector`, from TensorBoard."""

  def __init__(self):
    super().__init__('tensorflow.contrib.tensorboard.plugins.projector')
    self.__doc__ = ('TF1\'s embedding projector configuration '
                    '(ProjectorConfig, visualize_embeddings), served by the '
                    'tensorboard package.')

  def __getattr__(self, attribute):
    if attribute.startswith('__'):
      raise AttributeError(attribute)
    return _projector_attribute(attribute)


class _ContribFinder(importlib.abc.MetaPathFinder):
  """Refuses `import tensorflow.contrib.<x>` with the note for `<x>`."""

  def find_spec(self, fullname, path, target=None):
    if not fullname.startswith('tensorflow.contrib.'):
      return None
    if fullname in sys.modules:
      return None
    top = fullname.split('.')[2]
    note = CONTRIB_NOTES.get(top, CONTRIB_NOTE)
    raise ModuleNotFoundError(
        message(fullname.replace('tensorflow.', 'tf.', 1), note),
        name=fullname)


def contrib_modules():
  """The `tf.contrib` package and its projector modules, by module name."""
  contrib = ContribModule()
  tensorboard = ContribModule('tensorflow.contrib.tensorboard',
                              'tf.contrib.tensorboard')
  plugins = ContribModule('tensorflow.contrib.tensorboard.plugins',
                          'tf.contrib.tensorboard.plugins')
  projector = ProjectorModule()
  # Plain attributes: found before __getattr__.
  contrib.__dict__['tensorboard'] = tensorboard
  tensorboard.__dict__['plugins'] = plugins
  plugins.__dict__['projector'] = projector
  return {
      'tensorflow.contrib': contrib,
      'tensorflow.contrib.tensorboard': tensorboard,
      'tensorflow.contrib.tensorboard.plugins': plugins,
      'tensorflow.contrib.tensorboard.plugins.projector': projector,
  }


CONTRIB_FINDER = _ContribFinder()


_PIPELINE = ('queue-based input pipelines need TF1\'s runtime: feed numpy '
             'arrays with feed_dict, or use tf.data.')
_MONITORED = ('use a tf.Session with sess.run in a loop (and tf.train.Saver '
              'or Keras model.save_weights to save).')
_READER = 'use tf.data (tf.data.TFRecordDataset, TextLineDataset...).'
_LAYERS = ('it needs the tf_keras package, which TensorFlow 2 no longer '
           'ships: use Keras layers (keras.layers) on the tensors, backend '
           'ops (K.*), or the functional tf.layers.dense, conv2d, '
           'max_pooling2d, average_pooling2d, flatten, dropout and '
           'batch_normalization, which tf_kbackend provides.')
_RNN = ('it needs the tf_keras package, which TensorFlow 2 no longer ships: '
        'use Keras recurrent layers (keras.layers.LSTM, GRU) or K.rnn.')
_SAVED_MODEL = ('TF1 SavedModel building needs a TF1 session: use '
                'tf.saved_model.save, or `tf-kbackend export`.')
_META_GRAPH = ('meta graphs are TF1 session state: rebuild the model in '
               'code and restore weights with tf.train.Saver or Keras.')

# Exact names -> what to use instead.
NAMES = {
    'tf.layers': _LAYERS,
    'tf.nn.rnn_cell': _RNN,
    'tf.nn.dynamic_rnn': _RNN,
    'tf.nn.static_rnn': _RNN,
    'tf.nn.bidirectional_dynamic_rnn': _RNN,
    'tf.nn.static_bidirectional_rnn': _RNN,
    'tf.nn.static_state_saving_rnn': _RNN,
    'tf.nn.raw_rnn': _RNN,
    'tf.train.MonitoredSession': _MONITORED,
    'tf.train.MonitoredTrainingSession': _MONITORED,
    'tf.train.SingularMonitoredSession': _MONITORED,
    'tf.train.Supervisor': _MONITORED,
    'tf.train.Scaffold': _MONITORED,
    'tf.train.SessionManager': _MONITORED,
    'tf.train.SessionCreator': _MONITORED,
    'tf.train.ChiefSessionCreator': _MONITORED,
    'tf.train.WorkerSessionCreator': _MONITORED,
    'tf.train.basic_train_loop': _MONITORED,
    'tf.train.LooperThread': _MONITORED,
    'tf.train.Server': 'distributed TF1 servers are not supported.',
    'tf.train.replica_device_setter': 'distributed TF1 is not supported.',
    'tf.train.SyncReplicasOptimizer': 'distributed TF1 is not supported.',
    'tf.train.QueueRunner': _PIPELINE,
    'tf.train.add_queue_runner': _PIPELINE,
    'tf.train.queue_runner': _PIPELINE,
    'tf.train.batch': _PIPELINE,
    'tf.train.batch_join': _PIPELINE,
    'tf.train.shuffle_batch': _PIPELINE,
    'tf.train.shuffle_batch_join': _PIPELINE,
    'tf.train.maybe_batch': _PIPELINE,
    'tf.train.maybe_batch_join': _PIPELINE,
    'tf.train.maybe_shuffle_batch': _PIPELINE,
    'tf.train.maybe_shuffle_batch_join': _PIPELINE,
    'tf.train.input_producer': _PIPELINE,
    'tf.train.string_input_producer': _PIPELINE,
    'tf.train.range_input_producer': _PIPELINE,
    'tf.train.slice_input_producer': _PIPELINE,
    'tf.train.limit_epochs': _PIPELINE,
    'tf.train.match_filenames_once': 'use tf.io.gfile.glob.',
    'tf.train.import_meta_graph': _META_GRAPH,
    'tf.train.export_meta_graph': _META_GRAPH,
    'tf.saved_model.builder': _SAVED_MODEL,
    'tf.saved_model.Builder': _SAVED_MODEL,
    'tf.saved_model.simple_save': _SAVED_MODEL,
    'tf.saved_model.loader': _SAVED_MODEL,
    'tf.saved_model.main_op': _SAVED_MODEL,
    'tf.saved_model.main_op_with_restore': _SAVED_MODEL,
    'tf.TFRecordReader': _READER,
    'tf.TextLineReader': _READER,
    'tf.WholeFileReader': _READER,
    'tf.IdentityReader': _READER,
    'tf.FixedLengthRecordReader': _READER,
    'tf.LMDBReader': _READER,
    'tf.ReaderBase': _READER,
    'tf.feature_column.input_layer': _LAYERS,
    'tf.feature_column.linear_model': _LAYERS,
    'tf.feature_column.shared_embedding_columns': _LAYERS,
}

_SESSION_HANDLES = ('session tensor handles need TF1\'s runtime: keep the '
                    'value in Python (sess.run returns it).')
_FROM_CHECKPOINT = ('it changes TF1 initializers: restore after building, with '
                    'tf.train.Saver(var_list).restore(sess, path).')
NAMES.update({
    'tf.get_session_handle': _SESSION_HANDLES,
    'tf.get_session_tensor': _SESSION_HANDLES,
    'tf.delete_session_tensor': _SESSION_HANDLES,
    'tf.data.make_initializable_iterator': (
        'use tf.data.make_one_shot_iterator (eager: get_next() is the next '
        'element), or iterate the dataset in Python.'),
    'tf.graph_util.convert_variables_to_constants': (
        'freezing a TF1 session graph is not supported: export with '
        'tf.saved_model.save.'),
    'tf.train.init_from_checkpoint': _FROM_CHECKPOINT,
    'tf.train.warm_start': _FROM_CHECKPOINT,
    'tf.profiler.Profiler': 'use TensorFlow 2\'s tf.profiler.experimental.',
    'tf.profiler.profile': 'use TensorFlow 2\'s tf.profiler.experimental.',
    'tf.profiler.advise': 'use TensorFlow 2\'s tf.profiler.experimental.',
    'tf.profiler.write_op_log': 'use TensorFlow 2\'s tf.profiler.experimental.',
})

# Name prefixes of whole families.
PREFIXES = {
    'tf.train.': ('Hook', 'SessionRun', 'CheckpointSaverListener'),
}


def note_for(name):
  """What to use instead of `name`, if tf_kbackend does not provide it."""
  parts = name.split('.')
  for end in range(len(parts), 1, -1):
    note = NAMES.get('.'.join(parts[:end]))
    if note is not None:
      return note
  for prefix, markers in PREFIXES.items():
    if name.startswith(prefix) and any(m in name for m in markers):
      return _MONITORED
  return None
