"""tf_kbackend: the legacy Keras 2.x backend API on TensorFlow 2.

Use it as `import tf_kbackend as K`, or run unchanged legacy Keras code with
`KERAS_BACKEND=tf_kbackend`. The namespace is flat, like `keras.backend`;
which implementation fills it is chosen, as in legacy Keras, by the
`KERAS_BACKEND` environment variable or the `backend` key of `keras.json`:
`tensorflow` (the default, tf_kbackend on TensorFlow 2), `numpy` (the numpy
reference implementation) or the name of an external backend module. See
`tf_kbackend.loader`.
"""

from tf_kbackend import config as _config
from tf_kbackend import legacy as _legacy
from tf_kbackend import loader as _loader

__version__ = '0.1.0'

if _legacy.invoked_as_run():
  # `tf-kbackend run` runs on tf_kbackend whatever the configuration names.
  _legacy.select_backend_for_run()

# TensorFlow's start-up imports any package named `keras`, which must not
# import this half-loaded package as its backend (legacy Keras) nor choke
# on KERAS_BACKEND=tf_kbackend (Keras 3): see tf_kbackend.legacy.
with _legacy.tensorflow_start_guard():
  _implementation, _backend_name = _loader.resolve(
      _config.configured_backend())


def backend():
  """Returns the name of the backend in use: 'tensorflow', 'numpy', or the
  external module's name.

  >>> backend()
  'tensorflow'
  """
  return _backend_name


__all__ = sorted(set(_loader.public_names(_implementation)) | {'backend'})
globals().update({
    name: getattr(_implementation, name)
    for name in __all__
    if name != 'backend'
})

if getattr(_implementation, '__name__', '') == 'tf_kbackend.tf_backend':
  # tf.distribute support: installs its hooks into the bridge (which does
  # not import it); see tf_kbackend.distribute.
  from tf_kbackend import distribute as _distribute  # noqa: F401,E402

# Legacy Keras may be importing tf_kbackend as its backend right now, or
# may select it later: see tf_kbackend.legacy (imports no Keras).
_legacy.on_import()

# TF1 names beside Keras, when asked for in the environment or keras.json
# (see tf_kbackend.tf1; `tf-kbackend run` turns them on itself).
if _backend_name == 'tensorflow' and _config.tf1_names():
  from tf_kbackend import tf1 as _tf1
  _tf1.enable()
