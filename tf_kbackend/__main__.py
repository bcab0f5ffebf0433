"""`python -m tf_kbackend run script.py [args]`: see `tf_kbackend.cli`."""

import sys

from tf_kbackend import cli

if __name__ == '__main__':
  sys.exit(cli.main())
