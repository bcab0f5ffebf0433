"""pytest plugin for runs of Keras 2.2.4's own test files (the legacy tier).

Loaded with `-p keras_legacy_harness` into each pytest process that
`tests/legacy/suite.py` starts under `tf-kbackend run`. It holds what the
*test runner* needs to run 2018 test code on today's pytest, and nothing
that legacy Keras or user code would need (that is in tf_kbackend.legacy):

- `pytest.warns(None)`: pytest 8 removed it; Keras's tests use it to record
  warnings without expecting any (test_training.py). It becomes a plain
  warnings recorder again, as in pytest < 8.
- `h5py.File(name)` without a mode: h5py 3 opens read-only, h5py 2 (which
  the tests were written for) opened with mode 'a' (test_model_saving.py
  builds in-memory files that way, and reads their image through h5py 2's
  `File.fid`, now `File.id`). The test code gets h5py 2's default and name.
- Outcome recording: every test's outcome (and a one-line reason for each
  failure) is written as JSON to `$TF_KBACKEND_LEGACY_REPORT` at the end,
  for the per-file and total counts.
"""

import json
import os

import pytest
from _pytest import recwarn

_REPORT_ENV = 'TF_KBACKEND_LEGACY_REPORT'


def _install_warns_none():
  original = pytest.warns
  if getattr(original, '_keras_legacy_harness', False):
    return

  def warns(expected_warning=Warning, *args, **kwargs):
    if expected_warning is None and not args and not kwargs:
      return recwarn.WarningsRecorder(_ispytest=True)
    return original(expected_warning, *args, **kwargs)

  warns._keras_legacy_harness = True  # pylint: disable=protected-access
  warns.__doc__ = original.__doc__
  pytest.warns = warns


def _install_h5py2_default_mode():
  try:
    import h5py  # pylint: disable=g-import-not-at-top
  except ImportError:
    return
  if getattr(h5py.File, '_keras_legacy_harness', False):
    return
  original = h5py.File

  class File(original):  # pylint: disable=invalid-name
    _keras_legacy_harness = True

    def __init__(self, name, mode=None, *args, **kwargs):
      super().__init__(name, 'a' if mode is None else mode, *args, **kwargs)

    @property
    def fid(self):
      """h5py 2's name of the low-level file id (`File.id` in h5py 3)."""
      return self.id

  File.__name__ = File.__qualname__ = 'File'
  h5py.File = File


class _Recorder:
  """Collects one outcome per test id, and collection errors per file."""

  def __init__(self):
    self.outcomes = {}
    self.reasons = {}
    self.collect_errors = {}

  def _set(self, nodeid, outcome, reason=None):
    # A failing teardown turns a passed test into an error; a skip or a
    # failure in setup is the test's outcome.
    if self.outcomes.get(nodeid) in ('failed', 'error'):
      return
    self.outcomes[nodeid] = outcome
    if reason:
      self.reasons[nodeid] = reason

  @staticmethod
  def _reason(report):
    text = str(getattr(report, 'longreprtext', '') or report.longrepr or '')
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith('E ')]
    return (errors[-1] if errors else lines[-1] if lines else '')[:300]

  @pytest.hookimpl
  def pytest_runtest_logreport(self, report):
    if report.when == 'call':
      if hasattr(report, 'wasxfail'):
        outcome = 'xfailed' if report.skipped else 'xpassed'
        self._set(report.nodeid, outcome)
      elif report.failed:
        self._set(report.nodeid, 'failed', self._reason(report))
      else:
        self._set(report.nodeid, report.outcome)
    elif report.failed:
      self._set(report.nodeid, 'error', self._reason(report))
    elif report.skipped and report.when == 'setup':
      reason = report.longrepr[2] if isinstance(report.longrepr,
                                                tuple) else ''
      self._set(report.nodeid, 'skipped', str(reason)[:300])

  @pytest.hookimpl
  def pytest_collectreport(self, report):
    if report.failed:
      self.collect_errors[report.nodeid] = self._reason(report)

  @pytest.hookimpl
  def pytest_sessionfinish(self, session):
    del session
    path = os.environ.get(_REPORT_ENV)
    if not path:
      return
    with open(path, 'w', encoding='utf-8') as f:
      json.dump({'outcomes': self.outcomes, 'reasons': self.reasons,
                 'collect_errors': self.collect_errors}, f, indent=1)


def pytest_configure(config):
  _install_warns_none()
  _install_h5py2_default_mode()
  config.pluginmanager.register(_Recorder(), 'keras_legacy_recorder')
