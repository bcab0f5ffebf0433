"""Export to TensorFlow 2 SavedModel and TFLite, for today's serving stacks.

A `K.function`, symbolic tensors of the Keras graph, or a legacy Keras 2.x
model (an object, or an HDF5 file loaded with legacy Keras on tf_kbackend)
becomes a SavedModel whose `serving_default` signature has named inputs
and outputs and a None batch dimension. It holds the variables' values at
export time and runs with plain `tf.saved_model.load` (or TF Serving), in
a process that never imports tf_kbackend or legacy Keras;
`convert_to_tflite` converts it with `tf.lite.TFLiteConverter`.

    from tf_kbackend import export
    export.export_function(predict, 'exported/mlp')     # a K.function
    export.export_model_file('model.h5', 'exported/m')  # legacy Keras, HDF5
    export.convert_to_tflite('exported/mlp', 'mlp.tflite')

The command line: `tf-kbackend export` (docs/export.md).

This package is not imported by `import tf_kbackend`: import it as
`from tf_kbackend import export`. It works on the TensorFlow backend.
"""

from tf_kbackend.export.keras_model import (
    export_keras_model, export_model_file, load_custom_objects)
from tf_kbackend.export.saved_model import (
    SERVING_KEY, export_function, export_tensors)
from tf_kbackend.export.tflite import convert_to_tflite

__all__ = ['SERVING_KEY', 'convert_to_tflite', 'export_function',
           'export_keras_model', 'export_model_file', 'export_tensors',
           'load_custom_objects']
