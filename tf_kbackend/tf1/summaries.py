"""TF1 summaries: summary ops in the Keras graph, event files TensorBoard reads.

Under the TF1 names, for TF1 code:

- `tf.summary.scalar/histogram/image/audio/text/tensor_summary` build the
  TF1 summary ops (the same kernels TF1 used) in the Keras graph, read
  their inputs (variables included) when run, and add themselves to the
  graph's `SUMMARIES` collection; `merge` and `merge_all` merge them;
  `sess.run(merged, feed_dict)` gives the serialized `tf.Summary`.
  A TF1 call with TF2's arguments (`step=`, `data=`...) is TF2's.
- `tf.summary.FileWriter(logdir, graph)` writes TensorBoard event files
  (`events.out.tfevents.*`, TFRecord files of `tf.Event` protos, written
  with `tf.io.TFRecordWriter`): `add_summary` (a serialized summary or a
  `tf.Summary(value=[...])`), `add_graph` (the Keras graph's `GraphDef`),
  `add_event`, `add_session_log`, `add_run_metadata`, `add_meta_graph`.
  Each event is flushed to the file when written.

Keras 2.2.4's `TensorBoard` callback (scalars, histograms, gradients,
`write_graph`, `write_images`) runs on these.
"""

import contextlib
import os
import re
import socket
import threading
import time

import numpy as np
import tensorflow as tf

from tf_kbackend.tf1 import _world

SUMMARIES = tf.compat.v1.GraphKeys.SUMMARIES
_TF2_ARGUMENTS = frozenset(('step', 'data', 'description', 'buckets',
                            'encoding'))


def _clean_tag(name):
  """A tag as TF1 made it: invalid characters replaced by '_'."""
  if name is None:
    return None
  cleaned = re.sub(r'[^-/\w\.]', '_', str(name))
  return cleaned.lstrip('/')


@contextlib.contextmanager
def _summary_scope(name, family):
  """Yields (tag, scope name) as TF1's `summary_scope` did."""
  name, family = _clean_tag(name), _clean_tag(family)
  base = name if family is None else f'{family}/{name}'
  graph = tf.compat.v1.get_default_graph()
  with graph.name_scope(base) as scope:
    tag = scope.rstrip('/')
    if family is not None:
      tag = f'{family}/{tag}'
    yield tag, scope.rstrip('/')


def _collect(op, collections, default=(SUMMARIES,)):
  graph = tf.compat.v1.get_default_graph()
  for key in (default if collections is None else collections):
    graph.add_to_collection(key, op)
  return op


def _v1_or_keras_graph(v1_name, build):
  """In a graph of the user's, TensorFlow's op; else `build` in the Keras graph."""

  def summary_op(*args, **kwargs):
    if _world.in_foreign_graph():
      return getattr(tf.compat.v1.summary, v1_name)(*args, **kwargs)
    with _world.keras_graph():
      return build(*args, **kwargs)

  summary_op.__name__ = v1_name
  summary_op.__doc__ = build.__doc__
  return summary_op


def _scalar(name, tensor, collections=None, family=None):
  """TF1's `tf.summary.scalar`: a scalar summary op (reads `tensor` when run)."""
  with _summary_scope(name, family) as (tag, scope):
    op = tf.raw_ops.ScalarSummary(tags=tag, values=tensor, name=scope)
  return _collect(op, collections)


def _histogram(name, values, collections=None, family=None):
  """TF1's `tf.summary.histogram`: a histogram summary op."""
  with _summary_scope(name, family) as (tag, scope):
    op = tf.raw_ops.HistogramSummary(tag=tag, values=values, name=scope)
  return _collect(op, collections)


def _image(name, tensor, max_outputs=3, collections=None, family=None):
  """TF1's `tf.summary.image`: an image summary op ([batch, h, w, c])."""
  with _summary_scope(name, family) as (tag, scope):
    op = tf.raw_ops.ImageSummary(tag=tag, tensor=tensor,
                                 max_images=max_outputs, name=scope)
  return _collect(op, collections)


def _audio(name, tensor, sample_rate, max_outputs=3, collections=None,
           family=None):
  """TF1's `tf.summary.audio`: an audio summary op."""
  with _summary_scope(name, family) as (tag, scope):
    sample_rate = tf.cast(sample_rate, tf.float32)
    op = tf.raw_ops.AudioSummaryV2(tag=tag, tensor=tensor,
                                   sample_rate=sample_rate,
                                   max_outputs=max_outputs, name=scope)
  return _collect(op, collections)


def _metadata(plugin_name=None, display_name=None, description=None):
  metadata = tf.compat.v1.SummaryMetadata()
  if plugin_name:
    metadata.plugin_data.plugin_name = plugin_name
  if display_name:
    metadata.display_name = display_name
  if description:
    metadata.summary_description = description
  return metadata.SerializeToString()


def _text(name, tensor, collections=None):
  """TF1's `tf.summary.text`: a text summary op (TensorBoard's text plugin)."""
  with _summary_scope(name, None) as (tag, scope):
    op = tf.raw_ops.TensorSummaryV2(
        tag=tag, tensor=tensor,
        serialized_summary_metadata=_metadata('text'), name=scope)
  return _collect(op, collections)


def _tensor_summary(name, tensor, summary_description=None, collections=None,
                    summary_metadata=None, family=None, display_name=None):
  """TF1's `tf.summary.tensor_summary`: a tensor summary op."""
  if summary_metadata is not None:
    serialized = summary_metadata.SerializeToString()
  else:
    serialized = _metadata(display_name=display_name,
                           description=summary_description)
  with _summary_scope(name, family) as (tag, scope):
    op = tf.raw_ops.TensorSummaryV2(
        tag=tag, tensor=tensor, serialized_summary_metadata=serialized,
        name=scope)
  return _collect(op, collections)


def _merge(inputs, collections=None, name=None):
  """TF1's `tf.summary.merge`: one serialized summary from several."""
  op = tf.raw_ops.MergeSummary(inputs=list(inputs), name=name)
  return _collect(op, collections, default=())


def _merge_all(key=SUMMARIES, scope=None, name=None):
  """TF1's `tf.summary.merge_all`: merges the collection `key` (None if empty)."""
  ops = tf.compat.v1.get_default_graph().get_collection(key, scope)
  if not ops:
    return None
  return tf.raw_ops.MergeSummary(inputs=ops, name=name)


def _tf2_style(args, kwargs):
  return bool(_TF2_ARGUMENTS.intersection(kwargs))


def _with_tf2_arguments(v1_name, tf1):
  """`tf1`, unless called with TF2's arguments: then TF2's function."""
  v2 = getattr(tf.summary, v1_name)

  def summary_function(*args, **kwargs):
    if _tf2_style(args, kwargs):
      return v2(*args, **kwargs)
    return tf1(*args, **kwargs)

  summary_function.__name__ = v1_name
  summary_function.__doc__ = tf1.__doc__
  return summary_function


scalar = _with_tf2_arguments('scalar', _v1_or_keras_graph('scalar', _scalar))
histogram = _with_tf2_arguments('histogram',
                                _v1_or_keras_graph('histogram', _histogram))
image = _with_tf2_arguments('image', _v1_or_keras_graph('image', _image))
audio = _with_tf2_arguments('audio', _v1_or_keras_graph('audio', _audio))
text = _with_tf2_arguments('text', _v1_or_keras_graph('text', _text))
tensor_summary = _v1_or_keras_graph('tensor_summary', _tensor_summary)
merge = _v1_or_keras_graph('merge', _merge)
merge_all = _v1_or_keras_graph('merge_all', _merge_all)


def _as_summary(summary):
  """A `tf.Summary` from a proto, its serialization or a string tensor."""
  if isinstance(summary, tf.compat.v1.Summary):
    return summary
  if isinstance(summary, tf.Tensor):
    summary = summary.numpy()
  if isinstance(summary, np.ndarray):
    summary = summary.item()
  if isinstance(summary, (bytes, bytearray)):
    return tf.compat.v1.Summary.FromString(bytes(summary))
  raise TypeError(
      f'FileWriter.add_summary takes a tf.Summary or its serialization (what '
      f'sess.run of a summary op returns). Received: {summary!r}.')


class FileWriter:
  """TF1's `tf.summary.FileWriter`: writes an event file TensorBoard reads.

  Args:
    logdir: the directory (created if needed).
    graph: a graph to write at once (`sess.graph`: the Keras graph).
    max_queue: accepted, as TF1's; events are written (and flushed) at once.
    flush_secs: accepted, as TF1's.
    graph_def: a `GraphDef` to write at once (TF1's deprecated argument).
    filename_suffix: appended to the event file's name.
    session: accepted, as TF1's.

  >>> import tempfile
  >>> writer = FileWriter(tempfile.mkdtemp())
  >>> writer.add_summary(tf.compat.v1.Summary(
  ...     value=[tf.compat.v1.Summary.Value(tag='loss', simple_value=0.5)]), 1)
  >>> writer.close()
  >>> os.path.basename(writer.path).startswith('events.out.tfevents.')
  True
  """

  _lock = threading.Lock()

  def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120,
               graph_def=None, filename_suffix=None, session=None):
    del max_queue, flush_secs, session
    self._logdir = os.fspath(logdir)
    tf.io.gfile.makedirs(self._logdir)
    self._suffix = filename_suffix or ''
    self._writer = None
    self.path = None
    self.reopen()
    if graph is not None or graph_def is not None:
      self.add_graph(graph, graph_def=graph_def)

  def _new_path(self):
    base = os.path.join(
        self._logdir, f'events.out.tfevents.{int(time.time()):010d}.'
        f'{socket.gethostname()}')
    path, count = base + self._suffix, 0
    while tf.io.gfile.exists(path):
      count += 1
      path = f'{base}.{count}{self._suffix}'
    return path

  def reopen(self):
    """Opens a new event file after `close()` (TF1's `reopen`)."""
    with self._lock:
      if self._writer is not None:
        return
      self.path = self._new_path()
      with tf.init_scope():
        self._writer = tf.io.TFRecordWriter(self.path)
    self.add_event(tf.compat.v1.Event(file_version='brain.Event:2'))

  def add_event(self, event):
    """Writes a `tf.Event` (its `wall_time` is set if missing)."""
    if not event.wall_time:
      event.wall_time = time.time()
    data = event.SerializeToString()
    with self._lock:
      if self._writer is None:
        raise RuntimeError(
            f'FileWriter for {self._logdir!r} is closed: call reopen() to '
            f'write to it again.')
      self._writer.write(data)
      self._writer.flush()

  def _event(self, global_step, **fields):
    event = tf.compat.v1.Event(**fields)
    if global_step is not None:
      event.step = int(global_step)
    self.add_event(event)

  def add_summary(self, summary, global_step=None):
    """Writes a summary: a `tf.Summary` or what `sess.run` of one returned."""
    self._event(global_step, summary=_as_summary(summary))

  def add_graph(self, graph, global_step=None, graph_def=None):
    """Writes a graph (`sess.graph`) or a `GraphDef` for TensorBoard."""
    if graph is not None:
      graph_def = graph.as_graph_def()
    if graph_def is None:
      raise ValueError('FileWriter.add_graph needs a graph or a graph_def. '
                       'Received neither.')
    self._event(global_step, graph_def=graph_def.SerializeToString())

  def add_meta_graph(self, meta_graph_def, global_step=None):
    """Writes a `MetaGraphDef`."""
    self._event(global_step,
                meta_graph_def=meta_graph_def.SerializeToString())

  def add_session_log(self, session_log, global_step=None):
    """Writes a `tf.SessionLog` (e.g. a restart marker)."""
    self._event(global_step, session_log=session_log)

  def add_run_metadata(self, run_metadata, tag, global_step=None):
    """Writes a `tf.RunMetadata` under `tag`."""
    tagged = tf.compat.v1.summary.TaggedRunMetadata(
        tag=tag, run_metadata=run_metadata.SerializeToString())
    self._event(global_step, tagged_run_metadata=tagged)

  def get_logdir(self):
    """The directory written to."""
    return self._logdir

  def flush(self):
    """Flushes the event file (each event is flushed when written anyway)."""
    with self._lock:
      if self._writer is not None:
        self._writer.flush()

  def close(self):
    """Flushes and closes the event file; `reopen()` starts a new one."""
    with self._lock:
      writer, self._writer = self._writer, None
    if writer is not None:
      writer.close()

  def __enter__(self):
    return self

  def __exit__(self, *exc_info):
    self.close()


class FileWriterCache:
  """TF1's `tf.summary.FileWriterCache`: one `FileWriter` per directory."""

  _writers = {}
  _lock = threading.Lock()

  @staticmethod
  def get(logdir):
    """The cached `FileWriter` for `logdir`, created on first use."""
    with FileWriterCache._lock:
      writer = FileWriterCache._writers.get(logdir)
      if writer is None:
        writer = FileWriter(logdir)
        FileWriterCache._writers[logdir] = writer
      return writer

  @staticmethod
  def clear():
    """Closes and forgets the cached writers."""
    with FileWriterCache._lock:
      writers = list(FileWriterCache._writers.values())
      FileWriterCache._writers.clear()
    for writer in writers:
      writer.close()


NAMES = {
    'tf.summary.scalar': scalar,
    'tf.summary.histogram': histogram,
    'tf.summary.image': image,
    'tf.summary.audio': audio,
    'tf.summary.text': text,
    'tf.summary.tensor_summary': tensor_summary,
    'tf.summary.merge': merge,
    'tf.summary.merge_all': merge_all,
    'tf.summary.FileWriter': FileWriter,
    'tf.summary.FileWriterCache': FileWriterCache,
}

DEVIATIONS = {
    'tf.summary.FileWriter': (
        'summaries', 'Events are written and flushed at once (max_queue '
        'and flush_secs are accepted and not needed).'),
}
