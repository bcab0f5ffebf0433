"""The TF1 name catalog: what each TF1 name does under tf_kbackend.

`tf_kbackend/data/tf1_names.json` (written by `tools/gen_tf1_catalog.py`,
read by `tf-kbackend check`) lists every TF1 name that differs from
TensorFlow 2's `tf` (the whole `tf.compat.v1` surface, plus `tf.contrib`),
keyed as a script writes it (`tf.train.AdamOptimizer`):

    {"tensorflow": "2.21.0",
     "names": {"tf.Session": {"status": "works", "doc": "", "note": ""},
               ...}}

`status` is "works" (TF1 meaning), "deviation" (works, with a difference
documented at `doc`, a docs/tf1_api.md link) or "raises" (deliberately
raises; `note` says what to use instead). Names identical in TF1 and TF2
are not listed.
"""

import collections
import json
import os

import tensorflow as tf

from tf_kbackend.tf1 import surface

PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), 'data', 'tf1_names.json')


def catalog():
  """The catalog, as a dict (see the module docstring).

  >>> entry = catalog()['names']['tf.placeholder']
  >>> entry['status']
  'works'
  """
  names = {}
  for entry in surface.plan():
    if entry.status is None:
      continue
    names[entry.name] = {'status': entry.status, 'doc': entry.doc,
                         'note': entry.note}
  return {'tensorflow': tf.__version__, 'names': dict(sorted(names.items()))}


def counts(entries=None):
  """How many TF1 names work, deviate or raise: {'works': n, ...}.

  >>> set(counts()) == {'works', 'deviation', 'raises'}
  True
  """
  names = (entries or catalog())['names']
  return dict(collections.Counter(e['status'] for e in names.values()))


def dumps(data=None):
  """The catalog file's text: valid JSON, one name per line."""
  data = data or catalog()
  lines = [f'  {json.dumps(name)}: {json.dumps(entry)}'
           for name, entry in data['names'].items()]
  return ('{\n "tensorflow": ' + json.dumps(data['tensorflow']) +
          ',\n "names": {\n' + ',\n'.join(lines) + '\n }\n}\n')


def load():
  """The catalog as shipped (`tf_kbackend/data/tf1_names.json`)."""
  with open(PATH, encoding='utf-8') as f:
    return json.load(f)
