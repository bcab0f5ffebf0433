"""`python -m tf_kbackend_cli COMMAND ...`: the `tf-kbackend` command."""

import sys

from tf_kbackend_cli import app

if __name__ == '__main__':
  sys.exit(app.main())
