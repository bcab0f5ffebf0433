"""`tf-kbackend check PATH ... [--format json] [--strict]`."""

import sys

from tf_kbackend_cli.check import knowledge as knowledge_lib
from tf_kbackend_cli.check import report as report_lib


def main(options):
  """Runs `check`; returns the exit status (see `Report.exit_status`)."""
  try:
    knowledge = knowledge_lib.Knowledge(tf1_path=options.tf1_catalog)
    report = report_lib.check(options.paths, knowledge)
  except FileNotFoundError as e:
    sys.stderr.write(f'tf-kbackend check: {e}\n')
    return 2
  sys.stdout.write(report.as_json() if options.format == 'json' else
                   report.as_text())
  return report.exit_status(strict=options.strict)
