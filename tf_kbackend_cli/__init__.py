"""The `tf-kbackend` command, apart from the library so that it starts fast.

`import tf_kbackend` imports TensorFlow (seconds), and it must: the order in
which tf_kbackend, TensorFlow and a legacy Keras are imported is what makes
legacy Keras work (docs/legacy_keras.md). The command lives in this small
package instead, which imports nothing heavy: parsing, `--help`,
`--version`, usage errors, `check` and `install-keras` never import
TensorFlow; `run`, `export` and `info` import it when they start working.

    tf-kbackend COMMAND ...            # the console script
    python -m tf_kbackend_cli ...      # the same
    python -m tf_kbackend ...          # the same, after importing tf_kbackend

Modules: `app` (the parser and the commands), `runner` (`run`),
`keras_install` and `datadir` (`install-keras`), `check` (the migration
report), `info`, `export_command`, `version`.
"""
