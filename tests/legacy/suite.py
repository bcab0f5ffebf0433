"""Runs legacy Keras's own test files on tf_kbackend (the `legacy` test tier).

Two releases: Keras 2.2.4 (the test files issue 4 names, plus its
`backend_test.py` adapted) and Keras 2.3.1 (every test file of its suite
that needs no network, see `EXCLUDED`). For a release, in order (each step
is skipped when its result is already in the work directory):

1. installs `keras==VERSION` and the packages its tests import into a side
   directory (`<work>/site-VERSION`, `pip install --no-deps --target`),
   never into the environment running tf_kbackend;
2. downloads the release's source distribution (`pip download --no-deps
   --no-binary :all: keras==VERSION`) and unpacks its `tests/` directory
   only (Keras itself comes from the side directory);
3. runs each selected test file in its own pytest process under
   `tf-kbackend run` (so with tf_kbackend as Keras's backend, reporting
   'tensorflow' unless told otherwise), with
   `tests/legacy/harness/keras_legacy_harness.py` as a pytest plugin, and
   reads back every test's outcome.

The work directory is `$TF_KBACKEND_LEGACY_DIR`, by default
`<tmp>/tf_kbackend_legacy`. `python tests/legacy/suite.py [--keras 2.3.1]
[--report-as module] [files...]` runs it outside pytest and prints the table.
"""

import argparse
import concurrent.futures
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HARNESS_DIR = os.path.join(HERE, 'harness')

KERAS_VERSIONS = ('2.2.4', '2.3.1')
KERAS_VERSION = '2.2.4'  # The default release.
# Installed into the side directory with --no-deps: Keras and what its
# tests import that this environment may lack.
COMMON_SIDE_PACKAGES = (
    'keras_applications==1.0.8', 'keras_preprocessing==1.1.2', 'pyyaml',
    'pillow', 'pandas', 'python-dateutil', 'pytz', 'tzdata')
EXTRA_SIDE_PACKAGES = {
    '2.2.4': (),
    # Keras 2.3.1's test_training.py, metrics_functional_test.py and
    # data_utils_test.py retry their timing-sensitive tests with it.
    '2.3.1': ('flaky',),
}
SIDE_PACKAGES = (f'keras=={KERAS_VERSION}',) + COMMON_SIDE_PACKAGES
# Needed too; taken from the running environment when it has them.
OPTIONAL_FROM_ENV = ('h5py', 'scipy', 'six')


def side_packages(version):
  """What `ensure_side_site` installs for Keras `version`."""
  return ((f'keras=={version}',) + COMMON_SIDE_PACKAGES +
          EXTRA_SIDE_PACKAGES[version])


# The test files issue 4 names (relative to the sdist's tests/ directory).
LAYER_FILES = tuple(f'keras/layers/{name}.py' for name in (
    'advanced_activations_test', 'convolutional_recurrent_test',
    'convolutional_test', 'core_test', 'cudnn_recurrent_test',
    'embeddings_test', 'local_test', 'merge_test', 'noise_test',
    'normalization_test', 'pooling_test', 'recurrent_test',
    'wrappers_test'))
TARGET_FILES = LAYER_FILES + (
    'keras/engine/test_topology.py',
    'keras/engine/test_training.py',
    'keras/test_sequential_model.py',
    'keras/losses_test.py',
    'keras/metrics_test.py',
    'keras/optimizers_test.py',
    'keras/initializers_test.py',
    'keras/constraints_test.py',
    'keras/regularizers_test.py',
    'keras/activations_test.py',
    'test_model_saving.py',
    # Integration tests that need no network download (applications_test
    # and test_datasets download weights and data sets).
    'integration_tests/imagenet_utils_test.py',
    'integration_tests/test_image_data_tasks.py',
    'integration_tests/test_temporal_data_tasks.py',
    'integration_tests/test_tensorflow_integration.py',
    'integration_tests/test_vector_data_tasks.py',
    'integration_tests/preprocessing/image_test.py',
    'integration_tests/preprocessing/sequence_test.py',
    'integration_tests/preprocessing/text_test.py',
)
# Keras's backend_test.py, adapted (see below), is written next to it.
BACKEND_TEST = 'keras/backend/backend_tf_kbackend_test.py'

# Keras 2.3.1: every file pytest discovers in its tests/ (test_*.py,
# *_test.py) runs, except these (path: why).
EXCLUDED = {
    'docs/test_doc_auto_generation.py':
        'builds Keras\'s documentation site (needs markdown and the docs/ '
        'sources, not in the test directory)',
    'test_api.py': 'compares Keras\'s public signatures with a snapshot '
                   '(needs the pyux package); not about the backend',
    'integration_tests/applications_test.py': 'downloads model weights',
    'integration_tests/test_datasets.py': 'downloads data sets',
    'keras/datasets/datasets_test.py': 'downloads data sets',
    'keras/utils/vis_utils_test.py': 'needs pydot and the graphviz program',
    'keras/wrappers/scikit_learn_test.py':
        'needs scikit-learn (the wrapper is not about the backend)',
    'keras/backend/backend_test.py':
        f'runs adapted, as {BACKEND_TEST}: Theano and CNTK, which it names '
        f'directly, do not install (BACKEND_TEST_ADAPTATIONS_231)',
}
# Single tests of the selected files that download something.
NETWORK_TESTS = {
    'integration_tests/imagenet_utils_test.py::test_decode_predictions':
        'downloads imagenet_class_index.json',
}


def discover_files(tests):
  """The test files of a release's `tests/` that the tier runs.

  For 2.2.4 the fixed list `TARGET_FILES`; for later releases every file
  pytest's default discovery collects, less `EXCLUDED`.
  """
  found = []
  for directory, subdirectories, names in os.walk(tests):
    subdirectories.sort()
    for name in sorted(names):
      if name.endswith('.py') and (
          name.startswith('test_') or name.endswith('_test.py')):
        relative = os.path.relpath(os.path.join(directory, name), tests)
        relative = relative.replace(os.sep, '/')
        if relative not in EXCLUDED:
          found.append(relative)
  return tuple(sorted(found))


def target_files(version=KERAS_VERSION):
  """The files `run_files` runs for `version` by default."""
  if version == '2.2.4':
    return TARGET_FILES
  return discover_files(ensure_keras_tests(version=version))



# (title, text) of the tables to print in pytest's terminal summary.
SUMMARIES = []

# Keras 2.2.4's tests/keras/backend/backend_test.py, adapted: the backend
# under test is tf_kbackend's TensorFlow implementation, the reference its
# numpy implementation. (original, replacement, why) -- each original must
# occur exactly once.
BACKEND_TEST_ADAPTATIONS = (
    ('import reference_operations as KNP',
     'from keras_backend_test_adapter import KNP, reference_in_place_of',
     'the reference is tf_kbackend.numpy_backend (with the two helpers of '
     'Keras\'s reference_operations.py that are not backend functions, '
     'rnn and separable_conv, written on top of it: '
     'tests/legacy/harness/keras_backend_test_adapter.py)'),
    ('    from keras.backend import tensorflow_backend as KTF',
     '    import tf_kbackend.tf_backend as KTF',
     'the backend under test is tf_kbackend\'s TensorFlow implementation'),
    ('except ImportError:\n    KC = None',
     'except ImportError:\n    KC = reference_in_place_of(\'cntk\')',
     'CNTK does not install on current Python: where the test names it '
     'directly, the numpy reference stands in its place'),
    ('except ImportError:\n    KTH = None',
     'except ImportError:\n    KTH = reference_in_place_of(\'theano\')',
     'Theano does not install on current Python: where the test names it '
     'directly ([KTH, KTF] comparisons), the numpy reference stands in its '
     'place, as in Keras 2.3\'s version of this test'),
    ('        with pytest.raises(NotImplementedError):\n'
     '            self._helper_bilinear(data_format, 4, 4)',
     '        self._helper_bilinear(data_format, 4, 4)',
     'the NotImplementedError was Theano\'s (bilinear resizing by 2 only); '
     'with the numpy reference in Theano\'s place, factor 4 is compared '
     'with TensorFlow instead'),
    ("zth, _, _ = KTH.normalize_batch_in_training(xth, None, None,\n"
     "                                                        "
     "reduction_axes='per-activation')",
     'zth, _, _ = KTH.normalize_batch_in_training(xth, None, None,\n'
     '                                                        '
     'reduction_axes=[0, 1, 2, 3])',
     '\'per-activation\' is a Theano-only reduction mode; the numpy '
     'reference in Theano\'s place gets the axes of the TensorFlow call'),
    ("assert var.dtype.name == '%s_ref' % dtype",
     'assert var.dtype.name == dtype',
     'TF1 reference variables reported dtypes such as float32_ref; TF2 '
     'variables (and issue 2) say float32'),
)

# Keras 2.3.1's backend_test.py, adapted: it already tests the backend of
# `keras.backend` (tf_kbackend's, through keras.backend.tensorflow_backend)
# against Keras's own numpy_backend. Only where it names Theano or CNTK
# directly does the numpy reference stand in, as for 2.2.4. It runs in
# place of the original, in the suite's file list (`EXCLUDED` names it).
BACKEND_TEST_ADAPTATIONS_231 = (
    ("    from keras.backend import cntk_backend as KC\n"
     "except ImportError:\n    KC = None",
     "    from keras.backend import cntk_backend as KC\n"
     "except ImportError:\n"
     "    from keras_backend_test_adapter import reference_in_place_of\n"
     "    KC = reference_in_place_of('cntk')",
     'CNTK does not install on current Python: where the test names it '
     'directly, tf_kbackend.numpy_backend stands in its place'),
    ("    from keras.backend import theano_backend as KTH\n"
     "except ImportError:\n    KTH = None",
     "    from keras.backend import theano_backend as KTH\n"
     "except ImportError:\n"
     "    from keras_backend_test_adapter import reference_in_place_of\n"
     "    KTH = reference_in_place_of('theano')",
     'Theano does not install on current Python: where the test names it '
     'directly ([KTH, KTF] comparisons in test_function, test_gradient, '
     'test_print_tensor, test_resize_images_bilinear), '
     'tf_kbackend.numpy_backend stands in its place'),
    ('        with pytest.raises(NotImplementedError):\n'
     '            self._helper_bilinear(data_format, 4, 4)',
     '        self._helper_bilinear(data_format, 4, 4)',
     'the NotImplementedError was Theano\'s (bilinear resizing by 2 only); '
     'with the numpy reference in Theano\'s place, factor 4 is compared '
     'with TensorFlow instead'),
)
ADAPTATIONS = {'2.2.4': BACKEND_TEST_ADAPTATIONS,
               '2.3.1': BACKEND_TEST_ADAPTATIONS_231}


@dataclasses.dataclass
class FileResult:
  """Outcomes of one test file."""
  path: str
  outcomes: dict
  reasons: dict
  collect_errors: dict
  returncode: int
  seconds: float
  log_tail: str = ''

  def count(self, *kinds):
    return sum(1 for o in self.outcomes.values() if o in kinds)

  @property
  def passed(self):
    return self.count('passed', 'xfailed')

  @property
  def failed(self):
    return self.count('failed', 'error', 'xpassed') + self.uncollected

  @property
  def skipped(self):
    return self.count('skipped')

  @property
  def uncollected(self):
    """Tests lost to a collection error (counted from `def test_`)."""
    return self.collect_test_count if self.collect_errors and (
        not self.outcomes) else 0

  collect_test_count: int = 0


def work_dir():
  return os.environ.get('TF_KBACKEND_LEGACY_DIR') or os.path.join(
      tempfile.gettempdir(), 'tf_kbackend_legacy')


def _pip(*args):
  command = [sys.executable, '-m', 'pip', '--disable-pip-version-check',
             *args]
  result = subprocess.run(command, capture_output=True, text=True,
                          check=False)
  if result.returncode != 0:
    raise RuntimeError(f'{" ".join(command)} failed:\n{result.stdout}\n'
                       f'{result.stderr}')
  return result


def _check_version(version):
  if version not in KERAS_VERSIONS:
    raise ValueError(f'Keras version must be one of '
                     f'{", ".join(KERAS_VERSIONS)}. Received: {version!r}.')


def ensure_side_site(root=None, version=KERAS_VERSION):
  """Installs legacy Keras (and its tests' imports) into `<root>/site-VERSION`.

  With tf_kbackend's installer (`tf-kbackend install-keras`), which adds
  what the environment lacks of `OPTIONAL_FROM_ENV` itself.
  """
  _check_version(version)
  from tf_kbackend_cli import keras_install  # pylint: disable=g-import-not-at-top
  site = os.path.join(root or work_dir(), f'site-{version}')
  extra = [p for p in side_packages(version)
           if p.split('==')[0] not in ('keras', 'keras_applications',
                                       'keras_preprocessing', 'pyyaml')]
  return keras_install.install(version, target=site, extra=extra,
                               select=False).directory


def ensure_keras_tests(root=None, version=KERAS_VERSION):
  """Downloads Keras's sdist; unpacks its tests/ into `<root>/keras-VERSION-tests`."""
  _check_version(version)
  root = root or work_dir()
  tests_root = os.path.join(root, f'keras-{version}-tests')
  marker = os.path.join(tests_root, '.tf_kbackend_complete')
  if os.path.exists(marker):
    return os.path.join(tests_root, 'tests')
  download = os.path.join(root, 'sdist')
  os.makedirs(download, exist_ok=True)
  archive = os.path.join(download, f'Keras-{version}.tar.gz')
  if not os.path.exists(archive):
    _pip('download', '--no-deps', '--no-binary', ':all:', '--dest', download,
         f'keras=={version}')
  if os.path.exists(tests_root):
    shutil.rmtree(tests_root)
  prefix = f'Keras-{version}/tests/'
  with tarfile.open(archive) as tar:
    members = [m for m in tar.getmembers()
               if m.name.startswith(prefix) and '__pycache__' not in m.name
               and not m.name.endswith('.pyc')]
    for member in members:
      member.name = member.name[len(f'Keras-{version}/'):]
    tar.extractall(tests_root, members=members, filter='data')
  tests = os.path.join(tests_root, 'tests')
  adapt_backend_test(tests, version)
  with open(marker, 'w', encoding='utf-8') as f:
    f.write('ok')
  return tests


def adapt_backend_test(tests, version=KERAS_VERSION):
  """Writes the adapted copy of backend_test.py next to the original."""
  original = os.path.join(tests, 'keras', 'backend', 'backend_test.py')
  with open(original, encoding='utf-8') as f:
    text = f.read()
  for old, new, _ in ADAPTATIONS[version]:
    if text.count(old) != 1:
      raise RuntimeError(
          f'backend_test.py adaptation no longer applies: {old!r} occurs '
          f'{text.count(old)} times.')
    text = text.replace(old, new)
  header = (f'# Keras {version} tests/keras/backend/backend_test.py, adapted '
            f'at run time by\n# tf_kbackend\'s tests/legacy/suite.py '
            f'(ADAPTATIONS).\n')
  with open(os.path.join(tests, BACKEND_TEST), 'w', encoding='utf-8') as f:
    f.write(header + text)


def _count_defined_tests(path):
  with open(path, encoding='utf-8') as f:
    return len(re.findall(r'^\s*def test', f.read(), flags=re.M))


def run_file(tests, site, relative, keras_home, timeout=1800,
             report_as='tensorflow'):
  """Runs one test file in its own pytest process; returns a FileResult."""
  handle, report = tempfile.mkstemp(prefix='legacy_report_', suffix='.json')
  os.close(handle)
  env = dict(os.environ)
  env.pop('KERAS_BACKEND', None)
  env.update(
      PYTHONPATH=os.pathsep.join([site, HARNESS_DIR, REPO]),
      KERAS_HOME=keras_home,
      TF_CPP_MIN_LOG_LEVEL='2',
      TF_KBACKEND_LEGACY_REPORT=report,
      # The legacy library is `site`, not the user's `install-keras` one.
      TF_KBACKEND_KERAS='none',
      PYTHONDONTWRITEBYTECODE='1',
      # Keras's multiprocessing tests fork; keep each child to one thread.
      OMP_NUM_THREADS=env.get('OMP_NUM_THREADS', '2'),
  )
  command = [
      sys.executable, '-m', 'tf_kbackend', 'run', '--report-as', report_as,
      '-m', 'pytest', relative,
      '-p', 'keras_legacy_harness', '-c', os.devnull, '--rootdir', tests,
      '-p', 'no:cacheprovider', '-q', '-rN', '--tb=short',
      '-W', 'ignore::DeprecationWarning', '-W', 'ignore::SyntaxWarning']
  for nodeid in NETWORK_TESTS:
    if nodeid.startswith(relative + '::'):
      command += ['--deselect', nodeid]
  start = time.monotonic()
  try:
    process = subprocess.run(command, cwd=tests, env=env, capture_output=True,
                             text=True, timeout=timeout, check=False)
    returncode, log = process.returncode, process.stdout + process.stderr
  except subprocess.TimeoutExpired as e:
    returncode = -9
    log = f'timed out after {timeout} s\n' + str(e.stdout or '')[-2000:]
  seconds = time.monotonic() - start
  try:
    with open(report, encoding='utf-8') as f:
      data = json.load(f)
  except (OSError, ValueError):
    data = {'outcomes': {}, 'reasons': {},
            'collect_errors': {relative: f'no report; exit {returncode}'}}
  finally:
    if os.path.exists(report):
      os.remove(report)
  return FileResult(
      path=relative, outcomes=data['outcomes'], reasons=data['reasons'],
      collect_errors=data['collect_errors'], returncode=returncode,
      seconds=seconds, log_tail=log[-4000:],
      collect_test_count=_count_defined_tests(os.path.join(tests, relative)))


def run_files(files=None, jobs=None, progress=None, version=KERAS_VERSION,
              report_as='tensorflow'):
  """Sets up (if needed) and runs `files`; returns a list of FileResults.

  Args:
    files: paths relative to the release's tests/ (default:
      `target_files(version)`).
    jobs: files run at once (default `$TF_KBACKEND_LEGACY_JOBS`, else 2).
    progress: called with each FileResult as it completes.
    version: the Keras release, one of `KERAS_VERSIONS`.
    report_as: 'tensorflow' or 'module', what `keras.backend.backend()`
      answers (`tf-kbackend run --report-as`).
  """
  site = ensure_side_site(version=version)
  tests = ensure_keras_tests(version=version)
  files = tuple(files) if files else target_files(version)
  jobs = jobs or int(os.environ.get('TF_KBACKEND_LEGACY_JOBS', '2'))
  keras_home = tempfile.mkdtemp(prefix='tf_kbackend_legacy_home_')
  with open(os.path.join(keras_home, 'keras.json'), 'w',
            encoding='utf-8') as f:
    json.dump({'floatx': 'float32', 'epsilon': 1e-07,
               'image_data_format': 'channels_last',
               'backend': 'tf_kbackend'}, f)
  results = {}
  with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
    futures = {pool.submit(run_file, tests, site, f, keras_home,
                           report_as=report_as): f
               for f in files}
    for future in concurrent.futures.as_completed(futures):
      result = future.result()
      results[result.path] = result
      if progress:
        progress(result)
  shutil.rmtree(keras_home, ignore_errors=True)
  return [results[f] for f in files]


def format_table(results, title):
  """Per-file and total counts as a text table."""
  width = max(len(r.path) for r in results)
  lines = [title, f'{"file":<{width}}  passed  failed  skipped  seconds']
  for r in results:
    lines.append(f'{r.path:<{width}}  {r.passed:>6}  {r.failed:>6}  '
                 f'{r.skipped:>7}  {r.seconds:>7.0f}')
  passed = sum(r.passed for r in results)
  failed = sum(r.failed for r in results)
  skipped = sum(r.skipped for r in results)
  ran = passed + failed
  lines.append(f'{"TOTAL":<{width}}  {passed:>6}  {failed:>6}  {skipped:>7}  '
               f'{sum(r.seconds for r in results):>7.0f}')
  if ran:
    lines.append(f'pass rate: {passed}/{ran} run = {100.0 * passed / ran:.1f}%'
                 f' ({passed}/{ran + skipped} collected = '
                 f'{100.0 * passed / (ran + skipped):.1f}%)')
  return '\n'.join(lines)


def format_failures(results):
  lines = []
  for r in results:
    for path, reason in r.collect_errors.items():
      lines.append(f'COLLECT ERROR {path}: {reason}')
    for nodeid, outcome in sorted(r.outcomes.items()):
      if outcome in ('failed', 'error', 'xpassed'):
        lines.append(f'{outcome.upper()} {nodeid}: '
                     f'{r.reasons.get(nodeid, "")}')
  return '\n'.join(lines)


def main(argv):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--keras', default=KERAS_VERSION, choices=KERAS_VERSIONS)
  parser.add_argument('--report-as', default='tensorflow',
                      choices=('tensorflow', 'module'))
  parser.add_argument('files', nargs='*')
  options = parser.parse_args(argv)
  results = run_files(
      options.files, version=options.keras, report_as=options.report_as,
      progress=lambda r: print(
          f'{r.path}: {r.passed} passed, {r.failed} failed, {r.skipped} '
          f'skipped ({r.seconds:.0f} s)', flush=True))
  print(format_table(results, f'Keras {options.keras} tests on tf_kbackend '
                              f'(reported as {options.report_as!r})'))
  print(format_failures(results))
  return 0


if __name__ == '__main__':
  sys.exit(main(sys.argv[1:]))
