"""`tf-kbackend check PATH ...`: a static migration report.

Reads Python files with `ast` (no code is run, nothing is imported) and
lists every legacy backend name (`K.x`, `keras.backend.x`), legacy Keras
import and TensorFlow name a codebase uses, each with its status on
tf_kbackend:

- `works`: as in legacy Keras / TF1;
- `deviation`: works, with a documented difference (the link says which);
- `unsupported`: does not work (why, and what to use instead);
- `unknown`: a TensorFlow name that neither TensorFlow 2 nor tf_kbackend's
  TF1 catalog knows (a TF1-only name the catalog does not cover, or a typo).

The statuses come from data generated from the project itself
(tools/gen_check_data.py, tools/gen_tf1_catalog.py): see `knowledge`.

Modules: `scanner` (what a file uses), `knowledge` (the status of a name),
`report` (the text and JSON reports), `command` (the command).

>>> from tf_kbackend_cli.check import scanner
>>> [(u.kind, u.name, u.line) for u in scanner.scan_source(
...     'from keras import backend as K\\nx = K.placeholder((2,))\\n')]
[('keras import', 'keras.backend', 1), ('backend name', 'placeholder', 2)]
"""
