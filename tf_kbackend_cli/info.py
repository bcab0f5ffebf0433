"""`tf-kbackend info`: what tf_kbackend runs with, and why.

Versions (tf_kbackend, Python, NumPy, TensorFlow, the environment's `keras`
and the legacy Keras releases of `install-keras`), the backend selected and
what selected it (`KERAS_BACKEND`, keras.json or the default), keras.json's
path and values, and the devices TensorFlow sees. Imports tf_kbackend (and
so TensorFlow) for the last three.
"""

import importlib.metadata
import importlib.util
import json
import os
import platform
import sys

from tf_kbackend_cli import datadir
from tf_kbackend_cli import version as version_lib

_TF_DISTRIBUTIONS = ('tensorflow', 'tensorflow-cpu', 'tensorflow-gpu',
                     'tensorflow-macos', 'tensorflow-intel', 'tf-nightly',
                     'tf-nightly-cpu')


def _distribution_version(name):
  try:
    return importlib.metadata.version(name)
  except importlib.metadata.PackageNotFoundError:
    return None


def _tensorflow_distribution():
  for name in _TF_DISTRIBUTIONS:
    version = _distribution_version(name)
    if version is not None:
      return name, version
  return None, None


def _environment_keras():
  """The `keras` that `import keras` would import here, and what it is."""
  version = _distribution_version('keras')
  spec = importlib.util.find_spec('keras')
  location = os.path.dirname(spec.origin) if spec and spec.origin else None
  if version is None:
    kind = 'not installed'
  elif version.split('.')[0] == '2' and tuple(
      int(p) for p in version.split('.')[:2]) < (2, 4):
    kind = 'legacy Keras (multi-backend): installed in the environment'
  elif int(version.split('.')[0]) >= 3:
    kind = 'Keras 3 (TensorFlow\'s)'
  else:
    kind = 'tf.keras-era Keras 2 (no multi-backend backend)'
  return {'version': version, 'kind': kind, 'location': location}


def _install_keras(options):
  data = datadir.data_dir(options.data_dir)
  try:
    version, directory, reason = datadir.resolve_keras(options.keras,
                                                       options.data_dir)
    run_uses = (f'legacy Keras {version} from {directory} ({reason})'
                if directory else reason)
  except ValueError as e:
    run_uses = str(e)
  return {
      'data_dir': data,
      'installed': datadir.installed_versions(options.data_dir),
      'selected': datadir.selected_version(options.data_dir),
      'run_uses': run_uses,
  }


def _keras_json_path():
  """Where tf_kbackend.config reads keras.json (config.keras_dir's rule)."""
  if 'KERAS_HOME' in os.environ:
    return os.path.join(os.environ['KERAS_HOME'], 'keras.json')
  base = os.path.expanduser('~')
  if not os.access(base, os.W_OK):
    base = '/tmp'
  return os.path.join(base, '.keras', 'keras.json')


def _read_json(path):
  try:
    with open(path, encoding='utf-8') as f:
      return json.load(f)
  except FileNotFoundError:
    return None
  except (OSError, ValueError) as e:
    return f'unreadable: {e}'


def _backend(result):
  """Imports tf_kbackend; fills the backend, keras.json and devices."""
  # Read before the import, which writes a default keras.json if there is
  # none (as legacy Keras did).
  path = _keras_json_path()
  raw = _read_json(path)
  try:
    import tf_kbackend  # pylint: disable=g-import-not-at-top
  except ImportError as e:  # Includes loader.BackendError.
    result['backend'] = {'error': f'{type(e).__name__}: {e}'}
    return
  from tf_kbackend import config  # pylint: disable=g-import-not-at-top
  from tf_kbackend import loader  # pylint: disable=g-import-not-at-top
  if config.config_path() != path:
    path = config.config_path()
    raw = _read_json(path)
  configured = config.configured_backend()
  if os.environ.get('KERAS_BACKEND'):
    why = 'the environment variable KERAS_BACKEND'
  elif isinstance(raw, dict) and raw.get('backend') == configured:
    why = f'the "backend" key of {path}'
  elif raw is None:
    why = ('the default (no KERAS_BACKEND, and no keras.json: tf_kbackend '
           'wrote a default one, as legacy Keras did)')
  else:
    why = 'the default (no KERAS_BACKEND, no valid "backend" in keras.json)'
  result['backend'] = {
      'configured': configured,
      'why': why,
      'implementation': tf_kbackend.backend(),
      'module': loader.BUILTIN_BACKENDS.get(configured, (configured,))[0],
  }
  result['keras_json'] = {
      'path': path,
      'existed': raw is not None,
      'values': raw,
      'in_effect': {
          'floatx': config.floatx(), 'epsilon': config.epsilon(),
          'image_data_format': config.image_data_format(),
          'backend': configured,
      },
  }
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  result['tensorflow']['version'] = tf.__version__
  result['devices'] = [f'{d.device_type}: {d.name}'
                       for d in tf.config.list_physical_devices()]


def collect(options):
  """The information `info` prints, as a dict."""
  tf_name, tf_version = _tensorflow_distribution()
  result = {
      'tf_kbackend': {'version': version_lib.version(),
                      'location': version_lib.package_dir()},
      'python': {'version': platform.python_version(),
                 'executable': sys.executable},
      'numpy': _distribution_version('numpy'),
      'tensorflow': {'distribution': tf_name, 'version': tf_version},
      'keras_in_environment': _environment_keras(),
      'install_keras': _install_keras(options),
      'report_as': os.environ.get('TF_KBACKEND_REPORT_AS'),
  }
  _backend(result)
  return result


def _text(result):
  lines = [
      f'tf_kbackend {result["tf_kbackend"]["version"]} '
      f'({result["tf_kbackend"]["location"]})',
      f'Python      {result["python"]["version"]} '
      f'({result["python"]["executable"]})',
      f'NumPy       {result["numpy"]}',
      f'TensorFlow  {result["tensorflow"]["version"]} '
      f'({result["tensorflow"]["distribution"]})',
  ]
  keras = result['keras_in_environment']
  lines.append(f'keras       {keras["version"] or "-"}: {keras["kind"]}' +
               (f' ({keras["location"]})' if keras['location'] else ''))
  side = result['install_keras']
  lines += [
      f'install-keras directory  {side["data_dir"]}',
      f'  installed: {", ".join(side["installed"]) or "none"}'
      f'{"; selected: " + side["selected"] if side["selected"] else ""}',
      f'  tf-kbackend run uses: {side["run_uses"]}',
  ]
  backend = result['backend']
  if 'error' in backend:
    lines.append(f'backend     cannot be loaded: {backend["error"]}')
    return '\n'.join(lines) + '\n'
  lines.append(f'backend     {backend["configured"]} -> {backend["module"]} '
               f'(selected by {backend["why"]})')
  keras_json = result['keras_json']
  lines.append(f'keras.json  {keras_json["path"]}' + (
      f': {json.dumps(keras_json["values"])}' if keras_json['existed'] else
      ' (did not exist)'))
  lines.append(f'  in effect: {json.dumps(keras_json["in_effect"])}')
  if result['report_as']:
    lines.append(f'TF_KBACKEND_REPORT_AS={result["report_as"]}')
  lines.append(f'devices     {", ".join(result["devices"]) or "none"}')
  return '\n'.join(lines) + '\n'


def main(options):
  """`tf-kbackend info`; returns the exit status (1 if the backend fails)."""
  result = collect(options)
  if options.format == 'json':
    sys.stdout.write(json.dumps(result, indent=2) + '\n')
  else:
    sys.stdout.write(_text(result))
  return 1 if 'error' in result['backend'] else 0
