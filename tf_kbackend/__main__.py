"""`python -m tf_kbackend COMMAND ...`: the `tf-kbackend` command.

The command lives in `tf_kbackend_cli`, which starts without importing
TensorFlow; through this entry point tf_kbackend (and so TensorFlow) is
imported first, which is slower but otherwise the same.
"""

import sys

from tf_kbackend_cli import app

if __name__ == '__main__':
  sys.exit(app.main())
