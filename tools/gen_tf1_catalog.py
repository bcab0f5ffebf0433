"""Writes tf_kbackend/data/tf1_names.json, the TF1 name catalog.

Generated from the TF1 layer itself (`tf_kbackend.tf1.catalog`): one entry
per TF1 name that differs from TensorFlow 2's `tf`, with its status
("works", "deviation" with a docs/tf1_api.md link, or "raises" with what
to use instead). `tf-kbackend check` reads it. Run after changing the TF1
layer:

    python tools/gen_tf1_catalog.py          # rewrite the file
    python tools/gen_tf1_catalog.py --check  # exit 1 if it is stale
"""

import argparse
import os
import sys

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))

from tf_kbackend.tf1 import catalog  # noqa: E402


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--check', action='store_true',
                      help='exit 1 if the file is not current')
  options = parser.parse_args(argv)
  text = catalog.dumps()
  if options.check:
    try:
      with open(catalog.PATH, encoding='utf-8') as f:
        current = f.read()
    except OSError:
      current = None
    if current != text:
      print(f'{catalog.PATH} is stale: run python tools/gen_tf1_catalog.py')
      return 1
    return 0
  os.makedirs(os.path.dirname(catalog.PATH), exist_ok=True)
  with open(catalog.PATH, 'w', encoding='utf-8') as f:
    f.write(text)
  counts = catalog.counts()
  print(f'wrote {catalog.PATH}: {counts}')
  return 0


if __name__ == '__main__':
  sys.exit(main())
