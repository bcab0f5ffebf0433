"""What `check` knows: the status of a name on tf_kbackend.

Read from data files shipped in `tf_kbackend/data/` (found without
importing tf_kbackend):

- `check_knowledge.json` (tools/gen_check_data.py): every legacy backend
  name (the golden API list, which is tf_kbackend's flat namespace), with
  the deviation pages that document it; the extra names of
  `keras.backend.tensorflow_backend`; the legacy Keras names that do not
  work (docs/legacy_keras.md, "What does not work").
- `tf2_names.json` (tools/gen_check_data.py): the names of TensorFlow 2's
  `tf` namespace.
- `tf1_names.json` (tools/gen_tf1_catalog.py, from tf_kbackend's TF1 layer):
  the TF1 names tf_kbackend provides, with their status. Optional: without
  it, TF1-only names are `unknown`.
"""

import dataclasses
import json
import os

from tf_kbackend_cli import version as version_lib

WORKS, DEVIATION, UNSUPPORTED, UNKNOWN = (
    'works', 'deviation', 'unsupported', 'unknown')
STATUSES = (UNSUPPORTED, UNKNOWN, DEVIATION, WORKS)
# The TF1 catalog's statuses, as check reports them.
_TF1_STATUS = {'works': WORKS, 'deviation': DEVIATION, 'raises': UNSUPPORTED}
_NEEDS_LIBRARY = ('needs the legacy Keras library: tf-kbackend install-keras, '
                  'then tf-kbackend run')


@dataclasses.dataclass
class Verdict:
  """The status of one name, and what to tell the user about it."""
  status: str
  note: str = ''
  docs: tuple = ()


def data_path(name):
  """The path of a file of `tf_kbackend/data/`."""
  return os.path.join(version_lib.package_dir(), 'data', name)


def _load(name, required=True):
  try:
    with open(data_path(name), encoding='utf-8') as f:
      return json.load(f)
  except FileNotFoundError:
    if required:
      raise
    return None


class Knowledge:
  """The statuses `check` reports, from the data files.

  Args:
    knowledge, tf2, tf1: the parsed data files (default: read from
      `tf_kbackend/data/`; `tf1` may be None: no TF1 catalog).
  """

  def __init__(self, knowledge=None, tf2=None, tf1=None, tf1_path=None):
    self._knowledge = knowledge or _load('check_knowledge.json')
    self._tf2 = tf2 or _load('tf2_names.json')
    if tf1 is None and tf1_path is None:
      tf1 = _load('tf1_names.json', required=False)
    elif tf1 is None:
      with open(tf1_path, encoding='utf-8') as f:
        tf1 = json.load(f)
    self._tf1 = (tf1 or {}).get('names', {})
    self.has_tf1_catalog = tf1 is not None
    self._tf2_names = set(self._tf2['names'])
    self._tf2_modules = set(self._tf2['modules'])
    self._tf2_opaque = tuple(self._tf2['opaque'])
    self.tensorflow_version = self._tf2['tensorflow']

  def backend(self, name):
    """A `keras.backend` name (`K.name`)."""
    entry = self._knowledge['backend'].get(name)
    if entry is not None:
      if entry['status'] == DEVIATION:
        return Verdict(DEVIATION, 'works, with a documented difference',
                       tuple(entry['docs']))
      return Verdict(WORKS)
    if name in ('tf', 'tensorflow_backend'):
      return Verdict(WORKS, 'keras.backend.tf is the tensorflow module'
                     if name == 'tf' else '')
    if name in self._knowledge['tensorflow_backend']:
      return Verdict(
          WORKS, f'a name of keras.backend.tensorflow_backend: use it from '
          f'there (keras.backend.tensorflow_backend.{name})')
    return Verdict(
        UNSUPPORTED, f'tf_kbackend has no {name}, and neither had the '
        f'keras.backend of Keras 2.2.4 / 2.3.1 (a typo, or a name of '
        f'another library?): see the API reference for what there is')

  def tensorflow_backend(self, name):
    """A `keras.backend.tensorflow_backend` name."""
    if name in self._knowledge['tensorflow_backend']:
      return Verdict(WORKS)
    return self.backend(name)

  def keras(self, name):
    """A name of the legacy Keras library, such as `keras.layers.Dense`."""
    parts = name.split('.')
    if parts[:2] == ['keras', 'backend'] or name == 'keras':
      return Verdict(WORKS, 'tf_kbackend (the legacy library\'s, or the '
                     'stand-in of tf-kbackend run)' if len(parts) > 1 else (
                         'keras.backend works without the legacy library; '
                         'the rest ' + _NEEDS_LIBRARY))
    for known, entry in self._knowledge['keras_unsupported'].items():
      module, _, last = known.rpartition('.')
      if parts[-1] == last and name.startswith(module + '.'):
        return Verdict(UNSUPPORTED,
                       f'{entry["why"]}. Instead: {entry["instead"]}')
    return Verdict(WORKS, _NEEDS_LIBRARY)

  def tensorflow(self, name):
    """A TensorFlow name written from `tf`: `tf.Session`, `tf.nn.relu`...

    Returns:
      `(verdict, reported name)`: the name as far as it was recognized
      (`tf.train.AdamOptimizer` for `tf.train.AdamOptimizer.minimize`).
    """
    parts = name.split('.')
    for end in range(len(parts), 1, -1):
      prefix = '.'.join(parts[:end])
      entry = self._tf1.get(prefix)
      if entry is not None:
        status = _TF1_STATUS.get(entry.get('status'), UNKNOWN)
        docs = (entry['doc'],) if entry.get('doc') else ()
        return Verdict(status, entry.get('note', ''), docs), prefix
    for end in range(len(parts), 1, -1):
      prefix = '.'.join(parts[:end])
      if prefix in self._tf2_names or prefix.startswith(
          tuple(o + '.' for o in self._tf2_opaque)) or (
              prefix in self._tf2_opaque):
        return Verdict(WORKS, 'a TensorFlow 2 name'), prefix
      if prefix in self._tf2_modules:
        if end == len(parts):
          return Verdict(WORKS, 'a TensorFlow 2 module'), prefix
        unknown = '.'.join(parts[:end + 1])
        return self._unknown_tensorflow(unknown), unknown
    return self._unknown_tensorflow('.'.join(parts[:2])), '.'.join(parts[:2])

  def _unknown_tensorflow(self, name):
    where = ("tf_kbackend's TF1 catalog" if self.has_tf1_catalog else
             'the TF1 catalog (tf_kbackend/data/tf1_names.json, not '
             'installed)')
    return Verdict(UNKNOWN, f'not a name of TensorFlow '
                   f'{self.tensorflow_version}, nor of {where}: a TF1 name '
                   f'that tf_kbackend does not provide, or a typo')
