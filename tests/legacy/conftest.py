"""The `legacy` tier: Keras 2.2.4's own tests on tf_kbackend (see suite.py).

Run it with `python -m pytest -m legacy tests/legacy` (it downloads Keras
2.2.4 and its source distribution at test time); the default run skips it.
The per-file and total counts are printed in the terminal summary.
"""

from tests.legacy import suite

# The harness is a plugin for the Keras test processes, not a test module.
collect_ignore = ['harness']


def pytest_terminal_summary(terminalreporter):
  for title, text in suite.SUMMARIES:
    terminalreporter.section(title)
    for line in text.splitlines():
      terminalreporter.write_line(line)
