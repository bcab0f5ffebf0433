"""Build script. Metadata lives in setup.cfg; this file picks TensorFlow.

tf_kbackend needs TensorFlow >= 2.16, which PyPI ships under several
distribution names: `tensorflow` (the default here), `tensorflow-cpu` (no
CUDA libraries, a quarter of the download), `tensorflow-macos`,
`tf-nightly`... pip cannot know that one satisfies another, so requiring
`tensorflow` beside an installed `tensorflow-cpu` would install both. Name
the one you use in the environment variable TF_KBACKEND_TF_PACKAGE:

    TF_KBACKEND_TF_PACKAGE=tensorflow-cpu pip install tf_kbackend

If it is unset and an installed TensorFlow distribution is visible to the
build (pip --no-build-isolation, or setup.py develop), that one is used.
"""

import importlib.metadata
import os

from setuptools import setup
from setuptools.command.build_py import build_py

_TF_DISTRIBUTIONS = ('tensorflow', 'tensorflow-cpu', 'tensorflow-gpu',
                     'tensorflow-macos', 'tensorflow-intel', 'tf-nightly',
                     'tf-nightly-cpu')
_TF_VERSION = '>=2.16'


def _tensorflow_requirement():
  chosen = os.environ.get('TF_KBACKEND_TF_PACKAGE', '').strip()
  if not chosen:
    for name in _TF_DISTRIBUTIONS:
      try:
        importlib.metadata.version(name)
      except importlib.metadata.PackageNotFoundError:
        continue
      chosen = name
      break
  return (chosen or 'tensorflow') + _TF_VERSION


# A `.pth` line Python's `site` runs at start-up: `import
# tf_kbackend_legacy_hint; tf_kbackend_legacy_hint.install()`, which
# explains a failed import of legacy Keras when tf_kbackend is not selected,
# and makes `TF_KBACKEND_TF1=1` take effect at `import tensorflow` (see that
# module). Wheels carry it at their root, so it lands in site-packages;
# editable installs do not.
_HINT_PTH = 'tf_kbackend_legacy_hint.pth'


class _BuildPyWithHint(build_py):
  """build_py, plus the `.pth` file at the root of the build."""

  def run(self):
    super().run()
    here = os.path.dirname(os.path.abspath(__file__))
    self.copy_file(os.path.join(here, _HINT_PTH),
                   os.path.join(self.build_lib, _HINT_PTH))

  def get_outputs(self, include_bytecode=True):
    return super().get_outputs(include_bytecode) + [
        os.path.join(self.build_lib, _HINT_PTH)]


# platformdirs: the per-user data directory of install-keras; packaging:
# its dependency check (both small, well kept, and already in most
# environments: pip vendors them, TensorFlow requires packaging).
setup(
    install_requires=[
        'numpy>=1.23', 'absl-py>=1.0', 'scipy>=1.9', 'platformdirs>=2.6',
        'packaging>=20', _tensorflow_requirement()
    ],
    cmdclass={'build_py': _BuildPyWithHint},
)
