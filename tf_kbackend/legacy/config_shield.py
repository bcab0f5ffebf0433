"""Keeps a keras.json that TensorFlow's bundled Keras refuses from failing
`import tensorflow` when tf_kbackend is the one importing TensorFlow.

TensorFlow's start-up imports its own Keras (`tensorflow.python.keras`)
and Keras 3, and both read keras.json and refuse, failing the import,
values that tf_kbackend reads with a warning naming the key
(`"epsilon": 1`, `"floatx": "float33"`, a file that is not a JSON object;
see `tf_kbackend.config`). While tf_kbackend imports TensorFlow, `shield`
points `KERAS_HOME` at a temporary copy holding tf_kbackend's settings,
then restores it. The user's file is never written. A program that imports
TensorFlow before tf_kbackend is past helping: tf_kbackend's warning says
which key to fix.

Imports neither TensorFlow nor Keras.
"""

import contextlib
import json
import os
import tempfile

from tf_kbackend import config
from tf_kbackend.legacy import import_hooks


@contextlib.contextmanager
def shield():
  """Inside the block, TensorFlow's Keras reads an acceptable keras.json.

  Does nothing when the user's keras.json is acceptable to it (the usual
  case) or when it cannot create the temporary copy.

  >>> with shield():
  ...   pass
  """
  safe = config.tensorflow_safe_config()
  if safe is None:
    yield
    return
  try:
    home = tempfile.TemporaryDirectory(prefix='tf_kbackend_keras_home_')
    with open(os.path.join(home.name, 'keras.json'), 'w',
              encoding='utf-8') as f:
      json.dump(safe, f, indent=4)
  except OSError:
    yield  # No temporary directory: TensorFlow reads the user's file.
    return
  with home:
    with import_hooks.environment_variable('KERAS_HOME', home.name):
      yield
