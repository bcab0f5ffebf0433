"""`tf-kbackend install-keras`: legacy Keras beside Keras 3, never over it.

TensorFlow 2.16+ depends on Keras 3, installed as the package `keras`; the
legacy library (2.2.4, 2.3.1) is also the package `keras`, so `pip install
keras==2.2.4` into the environment replaces the Keras 3 that TensorFlow
needs (and `pip check` then reports the conflict). This module installs
the legacy library, and the keras_applications / keras_preprocessing
releases it imports, into a side directory of tf_kbackend's per-user data
directory (`tf_kbackend_cli.datadir`) with `pip install --no-deps
--target`, into a staging directory renamed into place once complete.
`tf-kbackend run` puts that directory first on the path; the environment
itself is never modified.

What the legacy library needs besides (NumPy, SciPy, h5py, six, PyYAML) is
taken from the environment where it is installed there (TensorFlow brings
h5py and six, tf_kbackend NumPy and SciPy), else installed into the side
directory too. After installing, every requirement of every distribution
in the side directory is checked against the side directory and the
environment (`check_dependencies`), as `pip check` does for an
environment.

Importing this module imports neither TensorFlow nor tf_kbackend.
"""

import dataclasses
import datetime
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile

from tf_kbackend_cli import datadir

DEFAULT_VERSION = '2.2.4'

# keras_applications 1.0.8 and keras_preprocessing 1.1.2 are the last
# releases of both and satisfy what Keras 2.2.4 and 2.3.1 require
# (keras_applications>=1.0.6, keras_preprocessing>=1.0.5); they are the
# releases the legacy test tier runs Keras 2.2.4's own tests with.
RELEASES = {
    '2.2.4': ('keras==2.2.4', 'keras_applications==1.0.8',
              'keras_preprocessing==1.1.2'),
    '2.3.1': ('keras==2.3.1', 'keras_applications==1.0.8',
              'keras_preprocessing==1.1.2'),
}
# Imported by the legacy library; used from the environment if there.
SUPPORT_PACKAGES = ('pyyaml', 'h5py', 'scipy', 'six')


class InstallError(RuntimeError):
  """pip failed, or the installed packages miss a requirement."""


@dataclasses.dataclass
class Installation:
  """What `install` did."""
  version: str
  directory: str
  packages: list
  installed_now: bool


def _canonical(name):
  return name.lower().replace('_', '-').replace('.', '-')


def _find_distribution(name, paths=None):
  """The distribution called `name` on `paths` (default sys.path), or None."""
  wanted = _canonical(name)
  for dist in importlib.metadata.distributions(
      **({} if paths is None else {'path': paths})):
    if _canonical(dist.metadata['Name'] or '') == wanted:
      return dist
  return None


def missing_support_packages():
  """The packages of `SUPPORT_PACKAGES` the environment does not have."""
  return [name for name in SUPPORT_PACKAGES if _find_distribution(name) is None]


def check_dependencies(directory):
  """`pip check` for a side directory on top of the environment.

  Args:
    directory: a `pip install --target` directory.

  Returns:
    A list of problems, as sentences; empty when every requirement of every
    distribution in `directory` is met by a distribution in `directory` or
    in the environment.
  """
  from packaging.requirements import Requirement  # pylint: disable=g-import-not-at-top
  problems = []
  environment = {'extra': ''}
  for dist in importlib.metadata.distributions(path=[directory]):
    owner = f'{dist.metadata["Name"]} {dist.version}'
    for line in dist.requires or ():
      requirement = Requirement(line)
      if requirement.marker is not None and not requirement.marker.evaluate(
          environment):
        continue
      found = (_find_distribution(requirement.name, [directory]) or
               _find_distribution(requirement.name))
      if found is None:
        problems.append(f'{owner} requires {requirement}, which is not '
                        f'installed.')
      elif not requirement.specifier.contains(found.version,
                                              prereleases=True):
        problems.append(f'{owner} requires {requirement}, but '
                        f'{found.metadata["Name"]} {found.version} is '
                        f'installed.')
  return problems


def packages_for(version, extra=()):
  """The pip requirements `install` passes for `version`.

  >>> packages_for('2.2.4')[:3]
  ('keras==2.2.4', 'keras_applications==1.0.8', 'keras_preprocessing==1.1.2')
  """
  if version not in RELEASES:
    raise ValueError(
        f'Unknown legacy Keras version {version!r}: install-keras knows '
        f'{", ".join(sorted(RELEASES))}.')
  return RELEASES[version] + tuple(missing_support_packages()) + tuple(extra)


def _pip_install(staging, packages, log):
  command = [sys.executable, '-m', 'pip', '--disable-pip-version-check',
             'install', '--no-deps', '--target', staging, *packages]
  if log is not None:
    log(' '.join(command))
  result = subprocess.run(command, capture_output=True, text=True,
                          check=False)
  if result.returncode != 0:
    raise InstallError(
        f'{" ".join(command)} failed (exit status {result.returncode}):\n'
        f'{result.stdout[-3000:]}\n{result.stderr[-3000:]}')


def install(version=DEFAULT_VERSION, data=None, target=None, extra=(),
            force=False, select=True, log=None):
  """Installs legacy Keras `version` into its side directory.

  Args:
    version: '2.2.4' or '2.3.1'.
    data: the data directory (default: see `tf_kbackend_cli.datadir`).
    target: install exactly there instead (the legacy test tier does).
    extra: more pip requirements to install beside it (with --no-deps).
    force: reinstall even if a complete installation is there.
    select: make it the version `tf-kbackend run` uses by default.
    log: a callable taking progress lines, or None.

  Returns:
    An `Installation`.

  Raises:
    ValueError: for an unknown version.
    InstallError: if pip fails or a requirement is not met; nothing is
      left in place then (a previous installation stays as it was).
  """
  packages = list(packages_for(version, extra))
  directory = os.path.abspath(target or datadir.keras_dir(version, data))
  if datadir.is_complete(directory) and not force:
    if select and target is None:
      datadir.select(version, data)
    return Installation(version, directory, packages, False)
  parent = os.path.dirname(directory)
  os.makedirs(parent, exist_ok=True)
  # Staged beside the target and renamed into place: a process running
  # legacy Keras from the directory meanwhile never sees a half-installed
  # one, nor does a concurrent install.
  staging = tempfile.mkdtemp(prefix=f'.{os.path.basename(directory)}.',
                             dir=parent)
  try:
    _chmod_as_umask(staging)
    _pip_install(staging, packages, log)
    problems = check_dependencies(staging)
    if problems:
      raise InstallError('The installed packages do not fit together:\n  ' +
                         '\n  '.join(problems))
    manifest = {
        'keras': version,
        'packages': packages,
        'python': sys.version.split()[0],
        'installed': datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec='seconds'),
    }
    with open(os.path.join(staging, datadir.MANIFEST), 'w',
              encoding='utf-8') as f:
      json.dump(manifest, f, indent=2)
    _move_into_place(staging, directory, force)
  finally:
    shutil.rmtree(staging, ignore_errors=True)
  if select and target is None:
    datadir.select(version, data)
  return Installation(version, directory, packages, True)


def _chmod_as_umask(directory):
  """mkdtemp's directories are private (0700): give the usual mode."""
  umask = os.umask(0)
  os.umask(umask)
  os.chmod(directory, 0o777 & ~umask)


def _move_into_place(staging, directory, force):
  old = None
  if os.path.exists(directory):
    if datadir.is_complete(directory) and not force:
      return  # Another process finished first: keep its copy.
    old = tempfile.mkdtemp(prefix=f'.{os.path.basename(directory)}.old.',
                           dir=os.path.dirname(directory))
    os.rmdir(old)
    os.rename(directory, old)
  try:
    os.rename(staging, directory)
  except OSError:
    if datadir.is_complete(directory):
      return  # Another process finished first: keep its copy.
    if old is not None:  # Put the previous installation back.
      os.rename(old, directory)
      old = None
    raise
  finally:
    if old is not None:
      shutil.rmtree(old, ignore_errors=True)


def main(options):
  """`tf-kbackend install-keras [VERSION]`; returns the exit status."""
  quiet = options.quiet

  def log(line):
    if not quiet:
      print(f'tf-kbackend install-keras: {line}', file=sys.stderr)

  try:
    done = install(options.keras_version, data=options.data_dir,
                   force=options.force, select=not options.no_select,
                   log=log)
  except (InstallError, OSError) as e:
    print(f'tf-kbackend install-keras: {e}', file=sys.stderr)
    return 1
  if quiet:
    print(done.directory)
    return 0
  state = 'installed' if done.installed_now else 'already installed'
  print(f'Legacy Keras {done.version} {state} in {done.directory}')
  print(f'  packages: {", ".join(done.packages)}')
  selected = datadir.selected_version(options.data_dir)
  if selected == done.version:
    print('  tf-kbackend run uses it (select another with --keras VERSION '
          'or $TF_KBACKEND_KERAS).')
  else:
    print(f'  tf-kbackend run uses {selected or "none"} by default; this '
          f'one with --keras {done.version}.')
  print('  The environment was not changed: its keras is still '
        f'{_environment_keras()}.')
  return 0


def _environment_keras():
  dist = _find_distribution('keras')
  return f'Keras {dist.version}' if dist is not None else 'not installed'
