"""Global settings of the legacy backend: `keras.json`, float type, epsilon.

This module imports neither TensorFlow nor any backend implementation, so
that every backend (TensorFlow, the numpy reference, an external module)
shares one copy of the settings and one validator per setting.

Where the settings come from, in order of precedence:

1. the setters (`set_floatx`, `set_epsilon`, ...), at run time;
2. the `KERAS_BACKEND` environment variable (backend name only);
3. `keras.json` in `$KERAS_HOME` or, without it, `~/.keras`;
4. the legacy defaults: `float32`, `1e-07`, `channels_last`, `tensorflow`.

tf_kbackend's own settings (`OWN_SETTINGS`: keras.json keys prefixed
`tf_kbackend_`, legacy Keras ignores them) come from their setter, else
their environment variable, which wins over keras.json, else the file,
else their default. They are never written to the file.

A missing `keras.json` gets the defaults; like legacy Keras, a default file
is written then, but only if none exists (never over an existing file) and
only where the directory is writable. A file that is not valid JSON, or a
key with an invalid value, is reported with a `ConfigWarning` naming the
file and the key, and the default is used: the file is never rewritten.
"""

import json
import math
import os

import numpy as np

from tf_kbackend import user_warnings

FLOATX_VALUES = ('float16', 'float32', 'float64')
DATA_FORMAT_VALUES = ('channels_first', 'channels_last')
DIM_ORDERING_VALUES = ('th', 'tf')

DEFAULTS = {
    'floatx': 'float32',
    'epsilon': 1e-07,
    'image_data_format': 'channels_last',
    'backend': 'tensorflow',
}


class ConfigWarning(UserWarning):
  """A `keras.json` that could not be used as written."""


def _check_floatx(value):
  if value not in FLOATX_VALUES:
    raise ValueError(
        f'Unknown floatx type: {value!r}. Accepted values: '
        f'{", ".join(FLOATX_VALUES)}.')
  return str(value)


def _check_epsilon(value):
  if isinstance(value, (bool, np.bool_)) or not isinstance(
      value, (int, float, np.integer, np.floating)):
    raise ValueError(
        f'epsilon must be a number, such as 1e-07. Received: {value!r}.')
  if not math.isfinite(value) or value < 0:
    # A negative fuzz factor turns every clip(x, epsilon, 1 - epsilon)
    # and `x + epsilon` guard against log(0) or division by 0 inside out.
    raise ValueError(
        f'epsilon must be a finite number >= 0, such as 1e-07. Received: '
        f'{value!r}.')
  return float(value)


def _check_data_format(value):
  if value not in DATA_FORMAT_VALUES:
    raise ValueError(
        f'Unknown data_format: {value!r}. Accepted values: '
        f'{", ".join(DATA_FORMAT_VALUES)}.')
  return str(value)


def _check_backend(value):
  if not isinstance(value, str) or not value:
    raise ValueError(
        f'backend must be a non-empty module name string, such as '
        f'"tensorflow". Received: {value!r}.')
  return value


# One validator per key: used by the file loader and the setters alike.
_VALIDATORS = {
    'floatx': _check_floatx,
    'epsilon': _check_epsilon,
    'image_data_format': _check_data_format,
    'backend': _check_backend,
}

_settings = dict(DEFAULTS)
_backend_source = [None]  # Where _settings['backend'] came from.


def _check_flag(value):
  """A boolean setting: JSON true/false, or an environment string."""
  if isinstance(value, (bool, np.bool_)):
    return bool(value)
  if isinstance(value, str) and value.strip().lower() in _FLAG_STRINGS:
    return _FLAG_STRINGS[value.strip().lower()]
  raise ValueError(
      f'expected true or false (in the environment: 1/0, true/false, '
      f'yes/no, on/off). Received: {value!r}.')


_FLAG_STRINGS = {'1': True, 'true': True, 'yes': True, 'on': True,
                 '0': False, 'false': False, 'no': False, 'off': False}

# tf_kbackend's own settings: keras.json key -> (environment variable,
# validator, default).
OWN_SETTINGS = {
    # K.function's default for jit_compile (XLA); see docs/distribute.md.
    'tf_kbackend_jit_compile': ('TF_KBACKEND_JIT_COMPILE', _check_flag, False),
    # K.function computes update arithmetic with XLA; see docs/performance.md.
    'tf_kbackend_fuse_updates': ('TF_KBACKEND_FUSE_UPDATES', _check_flag,
                                 True),
}
_own_settings = {key: default for key, (_, _, default) in OWN_SETTINGS.items()}


def _read_own_settings(raw, path):
  """tf_kbackend's settings from the environment, else `raw` (keras.json)."""
  entries = {}
  for key, (env_name, validate, default) in OWN_SETTINGS.items():
    sources = [(f'environment variable {env_name}', os.environ.get(env_name))]
    if key in raw:
      sources.append((f'key "{key}" in the Keras config file {path}',
                      raw[key]))
    for source, value in sources:
      if value is None or value == '':
        continue
      try:
        entries[key] = validate(value)
        break
      except ValueError as e:
        user_warnings.warn(
            f'Invalid value for {source}: {e} Ignored; using the next '
            f'source (environment, keras.json, default {default!r}).',
            ConfigWarning)
  return entries


def keras_dir():
  """Returns the directory holding `keras.json`.

  `$KERAS_HOME` when set, else `~/.keras`; like legacy Keras, `/tmp/.keras`
  when the home directory is not writable.

  >>> import os
  >>> os.path.basename(keras_dir()) in ('.keras',) or 'KERAS_HOME' in os.environ
  True
  """
  if 'KERAS_HOME' in os.environ:
    return os.environ['KERAS_HOME']
  base = os.path.expanduser('~')
  if not os.access(base, os.W_OK):
    base = '/tmp'
  return os.path.join(base, '.keras')


def config_path():
  """Returns the path of the `keras.json` this process reads."""
  return os.path.join(keras_dir(), 'keras.json')


def _read_config_file(path):
  """The valid entries of the JSON file at `path` (warning on others), and
  the file's JSON object itself ({} if unreadable)."""
  try:
    with open(path, encoding='utf-8') as f:
      raw = json.load(f)
  except (OSError, ValueError) as e:
    user_warnings.warn(
        f'Could not read the Keras config file {path}: {e}. Using the '
        f'defaults {DEFAULTS}; the file was left as it is.',
        ConfigWarning)
    return {}, {}
  if not isinstance(raw, dict):
    user_warnings.warn(
        f'The Keras config file {path} must hold a JSON object, such as '
        f'{json.dumps(DEFAULTS)}; it holds a {type(raw).__name__}. Using the '
        f'defaults; the file was left as it is.',
        ConfigWarning)
    return {}, {}
  entries = {}
  for key, validate in _VALIDATORS.items():
    if key not in raw:
      continue
    try:
      entries[key] = validate(raw[key])
    except ValueError as e:
      user_warnings.warn(
          f'Invalid value for key "{key}" in the Keras config file {path}: '
          f'{e} Using the default {DEFAULTS[key]!r}.',
          ConfigWarning)
      continue
    if key == 'epsilon' and not isinstance(raw[key], float):
      # TensorFlow's bundled Keras and legacy Keras refuse a JSON integer.
      user_warnings.warn(
          f'Key "epsilon" in the Keras config file {path} must be written as '
          f'a float, such as {float(raw[key])!r}: TensorFlow and legacy '
          f'Keras refuse {raw[key]!r} (an AssertionError or ValueError '
          f'when they are imported). Using {float(raw[key])!r}.',
          ConfigWarning)
  if 'image_data_format' not in raw and raw.get('image_dim_ordering') in (
      DIM_ORDERING_VALUES):
    # Keras 1 config files name the data format by its Theano/TF ordering.
    entries['image_data_format'] = _dim_ordering_to_data_format(
        raw['image_dim_ordering'])
  return entries, raw


def _write_default_config(path):
  """Writes the default `keras.json` if, and only if, none exists yet."""
  try:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Mode 'x' fails if the file exists, so a file written by another
    # process between our check and this call is never overwritten.
    with open(path, 'x', encoding='utf-8') as f:
      json.dump(DEFAULTS, f, indent=4)
  except OSError:
    pass  # Read-only or raced: the defaults in memory are what matter.


# What TensorFlow's bundled Keras (`tensorflow.python.keras` and Keras 3),
# which read keras.json while `import tensorflow` runs, accept; anything
# else fails that import (an AssertionError or a ValueError).
_TENSORFLOW_ACCEPTS = {
    'floatx': lambda value: value in FLOATX_VALUES,
    'epsilon': lambda value: isinstance(value, float),
    'image_data_format': lambda value: value in DATA_FORMAT_VALUES,
}


def _tensorflow_config_paths():
  """The keras.json files TensorFlow's bundled Keras reads at start-up."""
  paths = [config_path()]  # Keras 3 finds it as tf_kbackend does.
  if 'KERAS_HOME' not in os.environ:  # tensorflow.python.keras: no /tmp.
    paths.append(os.path.join(os.path.expanduser('~'), '.keras',
                              'keras.json'))
  return list(dict.fromkeys(paths))


def _refused_by_tensorflow(path):
  try:
    with open(path, encoding='utf-8') as f:
      raw = json.load(f)
  except (OSError, ValueError):
    return False  # Missing or not JSON: TensorFlow uses its defaults.
  if not isinstance(raw, dict):
    return True
  return any(key in raw and not accepts(raw[key])
             for key, accepts in _TENSORFLOW_ACCEPTS.items())


def tensorflow_safe_config():
  """A keras.json content for TensorFlow's start-up, if the user's would fail.

  TensorFlow's bundled Keras refuses, when `import tensorflow` runs,
  values that tf_kbackend accepts with a warning (`"epsilon": 1`,
  `"floatx": "float33"`...). When tf_kbackend imports TensorFlow it points
  TensorFlow at a copy holding tf_kbackend's settings instead (see
  `tf_kbackend.legacy.tensorflow_start_guard`); the user's file is never
  changed.

  Returns:
    None if every keras.json TensorFlow reads is acceptable to it; else a
    dict: the user's entries, with `floatx`, `epsilon` and
    `image_data_format` as tf_kbackend uses them.

  >>> import json, os, tempfile, unittest.mock
  >>> home = tempfile.mkdtemp()
  >>> with open(os.path.join(home, 'keras.json'), 'w') as f:
  ...   json.dump({'epsilon': 1, 'floatx': 'float32'}, f)
  >>> with unittest.mock.patch.dict(os.environ, {'KERAS_HOME': home}):
  ...   safe = tensorflow_safe_config()
  >>> type(safe['epsilon']), safe['floatx']
  (<class 'float'>, 'float32')
  """
  if not any(_refused_by_tensorflow(path)
             for path in _tensorflow_config_paths()):
    return None
  safe = {}
  try:
    with open(config_path(), encoding='utf-8') as f:
      raw = json.load(f)
    if isinstance(raw, dict):
      safe.update(raw)
  except (OSError, ValueError):
    pass
  safe.update(floatx=floatx(), epsilon=epsilon(),
              image_data_format=image_data_format())
  return safe


def load_config():
  """(Re)reads `keras.json` and `KERAS_BACKEND` into the global settings.

  Called once at import; call it again after changing the file or the
  environment.

  Returns:
    A dict of the settings in effect.

  >>> sorted(load_config())
  ['backend', 'epsilon', 'floatx', 'image_data_format']
  """
  path = config_path()
  settings = dict(DEFAULTS)
  raw = {}
  source = None
  if os.path.exists(path):
    entries, raw = _read_config_file(path)
    settings.update(entries)
    if 'backend' in entries:
      source = path
  else:
    _write_default_config(path)
  env_backend = os.environ.get('KERAS_BACKEND')
  if env_backend:
    settings['backend'] = env_backend
    source = 'KERAS_BACKEND'
  # Every key at once (no clear()): a thread reading a setting meanwhile
  # sees the old or the new value, never none.
  _settings.update(settings)
  _backend_source[0] = source
  _own_settings.clear()
  _own_settings.update(
      {key: default for key, (_, _, default) in OWN_SETTINGS.items()})
  _own_settings.update(_read_own_settings(raw, path))
  return dict(_settings)


def jit_compile():
  """Whether `K.function` compiles with XLA by default (`jit_compile`).

  From `set_jit_compile`, else the environment variable
  `TF_KBACKEND_JIT_COMPILE` (`1`/`0`, `true`/`false`...), else the
  keras.json key `"tf_kbackend_jit_compile"` (true/false), else False.
  Unchanged legacy code (`model.fit`) builds its functions with this
  default.

  >>> jit_compile()
  False
  """
  return _own_settings['tf_kbackend_jit_compile']


def _set_own_switch(key, setter, value):
  """Sets the boolean setting `key`; anything else raises, changing nothing."""
  if not isinstance(value, (bool, np.bool_)):
    raise ValueError(f'{setter} expects True or False. Received: {value!r}.')
  _own_settings[key] = bool(value)


def set_jit_compile(value):
  """Sets `K.function`'s default `jit_compile` for functions built later.

  Args:
    value: True or False.

  Raises:
    ValueError: for anything but a boolean; the setting is left unchanged.

  >>> set_jit_compile(True); jit_compile()
  True
  >>> set_jit_compile(False)
  """
  _set_own_switch('tf_kbackend_jit_compile', 'set_jit_compile', value)


def fuse_updates():
  """Whether `K.function` fuses its update arithmetic with XLA.

  The elementwise ops computing the new values of a function's variable
  updates (an optimizer's update rule) run as one XLA-compiled function,
  matrix products and convolutions staying on TensorFlow's kernels
  (docs/performance.md, "Fused update arithmetic"). From
  `set_fuse_updates`, else the environment variable
  `TF_KBACKEND_FUSE_UPDATES` (`1`/`0`, `true`/`false`...), else the
  keras.json key `"tf_kbackend_fuse_updates"` (true/false), else True.
  Applies to functions built later.

  >>> fuse_updates()
  True
  """
  return _own_settings['tf_kbackend_fuse_updates']


def set_fuse_updates(value):
  """Sets whether `K.function`s built later fuse their update arithmetic.

  Args:
    value: True or False.

  Raises:
    ValueError: for anything but a boolean; the setting is left unchanged.

  >>> set_fuse_updates(False); fuse_updates()
  False
  >>> set_fuse_updates(True)
  """
  _set_own_switch('tf_kbackend_fuse_updates', 'set_fuse_updates', value)


TF1_ENV = 'TF_KBACKEND_TF1'
TF1_CONFIG_KEY = 'tf_kbackend_tf1'
_TRUE_WORDS = ('1', 'true', 'yes', 'on')
_FALSE_WORDS = ('0', 'false', 'no', 'off')


def _check_switch(value):
  """A boolean setting: true/false (JSON), 1/0, or the words for them."""
  if isinstance(value, (bool, np.bool_)):
    return bool(value)
  if isinstance(value, (int, np.integer)) and value in (0, 1):
    return bool(value)
  if isinstance(value, str):
    word = value.strip().lower()
    if word in _TRUE_WORDS:
      return True
    if word in _FALSE_WORDS:
      return False
  raise ValueError(
      f'must be true or false (or 1 / 0). Received: {value!r}.')


def tf1_names():
  """Whether the TF1 names are asked for (see tf_kbackend.tf1).

  From `$TF_KBACKEND_TF1`, else the `"tf_kbackend_tf1"` key of keras.json,
  else False. The variable wins over the file. An invalid file value is
  reported with a `ConfigWarning` and ignored; the file is never written.

  Raises:
    ValueError: for an invalid `$TF_KBACKEND_TF1`, naming it.

  >>> import os
  >>> os.environ[TF1_ENV] = 'yes'; tf1_names()
  True
  >>> os.environ[TF1_ENV] = 'maybe'; tf1_names()
  Traceback (most recent call last):
  ...
  ValueError: TF_KBACKEND_TF1 must be true or false (or 1 / 0). Received: 'maybe'.
  >>> del os.environ[TF1_ENV]
  """
  env = os.environ.get(TF1_ENV, '')
  if env.strip():
    try:
      return _check_switch(env)
    except ValueError as e:
      raise ValueError(f'{TF1_ENV} {e}') from None
  path = config_path()
  try:
    with open(path, encoding='utf-8') as f:
      raw = json.load(f)
  except (OSError, ValueError):
    return False  # load_config reports unreadable files.
  if not isinstance(raw, dict) or TF1_CONFIG_KEY not in raw:
    return False
  try:
    return _check_switch(raw[TF1_CONFIG_KEY])
  except ValueError as e:
    user_warnings.warn(
        f'Invalid value for key "{TF1_CONFIG_KEY}" in the Keras config file '
        f'{path}: it {e} The TF1 names stay off; the file was left as it '
        f'is.', ConfigWarning)
    return False


def configured_backend():
  """Returns the backend name the settings ask for (env or keras.json)."""
  return _settings['backend']


def backend_source():
  """Where `configured_backend()` comes from, for messages.

  Returns:
    'KERAS_BACKEND' (the environment variable), the path of the keras.json
    that names it, or None for the default.

  >>> import os
  >>> backend_source() in ('KERAS_BACKEND', config_path(), None)
  True
  """
  return _backend_source[0]


def describe_backend_source():
  """`backend_source()` as words: where to change the backend name.

  >>> describe_backend_source().startswith(
  ...     ('the environment variable', 'the "backend" key', 'the default'))
  True
  """
  source = backend_source()
  if source == 'KERAS_BACKEND':
    return f'the environment variable KERAS_BACKEND={_settings["backend"]}'
  if source:
    return f'the "backend" key of {source}'
  return 'the default'


def floatx():
  """Returns the default float type, as a string.

  Returns:
    One of `'float16'`, `'float32'`, `'float64'`.

  >>> floatx()
  'float32'
  """
  return _settings['floatx']


def set_floatx(floatx):
  """Sets the default float type.

  Args:
    floatx: `'float16'`, `'float32'` or `'float64'`.

  Raises:
    ValueError: for any other value; the setting is left unchanged.

  >>> set_floatx('float64'); floatx()
  'float64'
  >>> set_floatx('float32')
  """
  _settings['floatx'] = _check_floatx(floatx)


def epsilon():
  """Returns the fuzz factor used in numeric expressions.

  >>> epsilon()
  1e-07
  """
  return _settings['epsilon']


def set_epsilon(e):
  """Sets the fuzz factor used in numeric expressions.

  Args:
    e: a finite number >= 0, the new epsilon.

  Raises:
    ValueError: if `e` is not a number, negative or not finite; the
      setting is left unchanged.

  >>> set_epsilon(1e-05); epsilon()
  1e-05
  >>> set_epsilon(1e-07)
  """
  _settings['epsilon'] = _check_epsilon(e)


def image_data_format():
  """Returns the default image data format convention.

  >>> image_data_format()
  'channels_last'
  """
  return _settings['image_data_format']


def set_image_data_format(data_format):
  """Sets the default image data format convention.

  Args:
    data_format: `'channels_first'` or `'channels_last'`.

  Raises:
    ValueError: for any other value; the setting is left unchanged.

  >>> set_image_data_format('channels_first'); image_data_format()
  'channels_first'
  >>> set_image_data_format('channels_last')
  """
  _settings['image_data_format'] = _check_data_format(data_format)


def normalize_data_format(value):
  """Checks a `data_format` argument, defaulting to `image_data_format()`.

  Args:
    value: `None`, `'channels_first'` or `'channels_last'` (any case).

  Returns:
    The data format, lower-cased.

  Raises:
    ValueError: for any other value.

  >>> normalize_data_format(None)
  'channels_last'
  >>> normalize_data_format('Channels_First')
  'channels_first'
  """
  if value is None:
    return image_data_format()
  if not isinstance(value, str) or value.lower() not in DATA_FORMAT_VALUES:
    raise ValueError(
        f'The `data_format` argument must be one of '
        f'{", ".join(DATA_FORMAT_VALUES)}. Received: data_format={value!r}.')
  return value.lower()


def _dim_ordering_to_data_format(dim_ordering):
  return 'channels_first' if dim_ordering == 'th' else 'channels_last'


def image_dim_ordering():
  """Legacy (Keras 1) name of the data format: `'th'` or `'tf'`.

  >>> image_dim_ordering()
  'tf'
  """
  return 'th' if image_data_format() == 'channels_first' else 'tf'


def set_image_dim_ordering(dim_ordering):
  """Legacy (Keras 1) setter: `'th'` is channels_first, `'tf'` channels_last.

  Raises:
    ValueError: for any value but `'th'` or `'tf'`.

  >>> set_image_dim_ordering('th'); image_data_format()
  'channels_first'
  >>> set_image_dim_ordering('tf')
  """
  if dim_ordering not in DIM_ORDERING_VALUES:
    raise ValueError(
        f'Unknown dim_ordering: {dim_ordering!r}. Accepted values: '
        f'{", ".join(DIM_ORDERING_VALUES)}.')
  set_image_data_format(_dim_ordering_to_data_format(dim_ordering))


def cast_to_floatx(x):
  """Casts a numpy array (or anything array-like) to the default float type.

  Args:
    x: a numpy array, list or number.

  Returns:
    A numpy array of dtype `floatx()`.

  >>> cast_to_floatx([1, 2]).dtype
  dtype('float32')
  """
  return np.asarray(x, dtype=floatx())


load_config()
