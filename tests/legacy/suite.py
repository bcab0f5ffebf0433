"""Runs Keras 2.2.4's own test files on tf_kbackend (the `legacy` test tier).

What it does, in order (each step is skipped when its result is already in
the work directory):

1. installs `keras==2.2.4` and the packages its tests import into a side
   directory (`<work>/site`, `pip install --no-deps --target`), never into
   the environment running tf_kbackend;
2. downloads Keras 2.2.4's source distribution (`pip download --no-deps
   --no-binary :all: keras==2.2.4`) and unpacks its `tests/` directory
   only (Keras itself comes from the side directory);
3. runs each selected test file in its own pytest process under
   `tf-kbackend run` (so with tf_kbackend as Keras's backend, reporting
   'tensorflow'), with `tests/legacy/harness/keras_legacy_harness.py` as a
   pytest plugin, and reads back every test's outcome.

The work directory is `$TF_KBACKEND_LEGACY_DIR`, by default
`<tmp>/tf_kbackend_legacy`. `python tests/legacy/suite.py [files...]` runs
it outside pytest and prints the table.
"""

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

KERAS_VERSION = '2.2.4'
# Installed into the side directory with --no-deps: Keras and what its
# tests import that this environment may lack.
SIDE_PACKAGES = (
    f'keras=={KERAS_VERSION}', 'keras_applications==1.0.8',
    'keras_preprocessing==1.1.2', 'pyyaml', 'pillow', 'pandas',
    'python-dateutil', 'pytz', 'tzdata')
# Needed too; taken from the running environment when it has them.
OPTIONAL_FROM_ENV = ('h5py', 'scipy', 'six')

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
# Single tests of those files that download something.
NETWORK_TESTS = {
    'integration_tests/imagenet_utils_test.py::test_decode_predictions':
        'downloads imagenet_class_index.json',
}

BACKEND_TEST = 'keras/backend/backend_tf_kbackend_test.py'

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


def ensure_side_site(root=None):
  """Installs legacy Keras (and its tests' imports) into `<root>/site`.

  With tf_kbackend's installer (`tf-kbackend install-keras`), which adds
  what the environment lacks of `OPTIONAL_FROM_ENV` itself.
  """
  from tf_kbackend_cli import keras_install  # pylint: disable=g-import-not-at-top
  site = os.path.join(root or work_dir(), 'site')
  extra = [p for p in SIDE_PACKAGES
           if p.split('==')[0] not in ('keras', 'keras_applications',
                                       'keras_preprocessing', 'pyyaml')]
  return keras_install.install(KERAS_VERSION, target=site, extra=extra,
                               select=False).directory


def ensure_keras_tests(root=None):
  """Downloads Keras's sdist and unpacks its tests/ into `<root>/keras-tests`."""
  root = root or work_dir()
  tests_root = os.path.join(root, f'keras-{KERAS_VERSION}-tests')
  marker = os.path.join(tests_root, '.tf_kbackend_complete')
  if os.path.exists(marker):
    return os.path.join(tests_root, 'tests')
  download = os.path.join(root, 'sdist')
  os.makedirs(download, exist_ok=True)
  archive = os.path.join(download, f'Keras-{KERAS_VERSION}.tar.gz')
  if not os.path.exists(archive):
    _pip('download', '--no-deps', '--no-binary', ':all:', '--dest', download,
         f'keras=={KERAS_VERSION}')
  if os.path.exists(tests_root):
    shutil.rmtree(tests_root)
  prefix = f'Keras-{KERAS_VERSION}/tests/'
  with tarfile.open(archive) as tar:
    members = [m for m in tar.getmembers()
               if m.name.startswith(prefix) and '__pycache__' not in m.name
               and not m.name.endswith('.pyc')]
    for member in members:
      member.name = member.name[len(f'Keras-{KERAS_VERSION}/'):]
    tar.extractall(tests_root, members=members, filter='data')
  tests = os.path.join(tests_root, 'tests')
  adapt_backend_test(tests)
  with open(marker, 'w', encoding='utf-8') as f:
    f.write('ok')
  return tests


def adapt_backend_test(tests):
  """Writes the adapted copy of backend_test.py next to the original."""
  original = os.path.join(tests, 'keras', 'backend', 'backend_test.py')
  with open(original, encoding='utf-8') as f:
    text = f.read()
  for old, new, _ in BACKEND_TEST_ADAPTATIONS:
    if text.count(old) != 1:
      raise RuntimeError(
          f'backend_test.py adaptation no longer applies: {old!r} occurs '
          f'{text.count(old)} times.')
    text = text.replace(old, new)
  header = ('# Keras 2.2.4 tests/keras/backend/backend_test.py, adapted at run '
            'time by tf_kbackend\'s\n# tests/legacy/suite.py '
            '(BACKEND_TEST_ADAPTATIONS).\n')
  with open(os.path.join(tests, BACKEND_TEST), 'w', encoding='utf-8') as f:
    f.write(header + text)


def _count_defined_tests(path):
  with open(path, encoding='utf-8') as f:
    return len(re.findall(r'^def test', f.read(), flags=re.M))


def run_file(tests, site, relative, keras_home, timeout=1800):
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
      sys.executable, '-m', 'tf_kbackend', 'run', '-m', 'pytest', relative,
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


def run_files(files=TARGET_FILES, jobs=None, progress=None):
  """Sets up (if needed) and runs `files`; returns a list of FileResults."""
  site = ensure_side_site()
  tests = ensure_keras_tests()
  jobs = jobs or int(os.environ.get('TF_KBACKEND_LEGACY_JOBS', '2'))
  keras_home = tempfile.mkdtemp(prefix='tf_kbackend_legacy_home_')
  with open(os.path.join(keras_home, 'keras.json'), 'w',
            encoding='utf-8') as f:
    json.dump({'floatx': 'float32', 'epsilon': 1e-07,
               'image_data_format': 'channels_last',
               'backend': 'tf_kbackend'}, f)
  results = {}
  with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
    futures = {pool.submit(run_file, tests, site, f, keras_home): f
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
  files = tuple(argv) or TARGET_FILES
  results = run_files(
      files, progress=lambda r: print(
          f'{r.path}: {r.passed} passed, {r.failed} failed, {r.skipped} '
          f'skipped ({r.seconds:.0f} s)', flush=True))
  print(format_table(results, f'Keras {KERAS_VERSION} tests on tf_kbackend'))
  print(format_failures(results))
  return 0


if __name__ == '__main__':
  sys.exit(main(sys.argv[1:]))
