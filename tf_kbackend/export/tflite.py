"""SavedModel -> TFLite, with TensorFlow's own converter."""

import os

import tensorflow as tf


def convert_to_tflite(export_dir, tflite_path, select_tf_ops=False):
  """Converts a SavedModel (such as `export_function` writes) to TFLite.

  Args:
    export_dir: the SavedModel directory.
    tflite_path: the .tflite file to write.
    select_tf_ops: also allow TensorFlow ops that have no TFLite builtin
      (the model then needs the Flex delegate to run).

  Returns:
    The size of the written file, in bytes.

  Raises:
    ValueError: if `export_dir` holds no SavedModel.

  >>> import os, tempfile
  >>> from tf_kbackend.export import export_tensors
  >>> folder = tempfile.mkdtemp()
  >>> x = placeholder(shape=(None, 2), name='x')
  >>> _ = export_tensors([x], [x * 2.0], os.path.join(folder, 'm'))
  >>> convert_to_tflite(os.path.join(folder, 'm'),
  ...                   os.path.join(folder, 'm.tflite')) > 0
  True
  """
  export_dir = os.fspath(export_dir)
  if not tf.saved_model.contains_saved_model(export_dir):
    raise ValueError(f'{export_dir} holds no SavedModel.')
  converter = tf.lite.TFLiteConverter.from_saved_model(export_dir)
  if select_tf_ops:
    converter.target_spec.supported_ops = [
        tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
  flatbuffer = converter.convert()
  temporary = f'{tflite_path}.partial'
  with open(temporary, 'wb') as f:
    f.write(flatbuffer)
  os.replace(temporary, tflite_path)
  return len(flatbuffer)
