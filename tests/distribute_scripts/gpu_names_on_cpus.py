"""Runs a multi_gpu_model script on logical CPUs standing in for GPUs.

Usage (under legacy Keras 2.2.4):

    python -m tf_kbackend run gpu_names_on_cpus.py SCRIPT.py GPUS

Keras 2.2.4's `multi_gpu_model(model, gpus=N)` insists on devices named
'/gpu:0'...'/gpu:N-1': it checks that `K.get_session().list_devices()`
lists them and places replica i under `tf.device('/gpu:i')`. A machine
without GPUs has none, so this test-side adapter splits the CPU into N+1
logical devices and translates the names at the two places Keras spells
them, and nowhere else:

- Keras' availability check sees logical CPU i+1 listed as GPU i (the real
  list comes from tf_kbackend's `list_devices`, unchanged);
- `tf.device('/gpu:i')`, as Keras' code calls it, enters '/cpu:i+1'.

tf_kbackend itself is not told anything: it places ops where the (real,
CPU) device scopes say, which is what the test checks, from the compiled
train function's graph and from TensorFlow's placement log. On a machine
with GPUs the same script runs unchanged, without this adapter.

Prints one line `RESULT {json}` after the script's own output.
"""

import json
import runpy
import sys


def main():
  script, gpus = sys.argv[1], int(sys.argv[2])
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.config.set_logical_device_configuration(
      tf.config.list_physical_devices('CPU')[0],
      [tf.config.LogicalDeviceConfiguration()] * (gpus + 1))
  tf.debugging.set_log_device_placement(True)
  from keras.utils import multi_gpu_utils  # pylint: disable=g-import-not-at-top

  listed = multi_gpu_utils._get_available_devices  # pylint: disable=protected-access

  def cpus_listed_as_gpus():
    names = []
    for name in listed():
      kind, index = name.split(':')[-2:]
      if kind.upper() == 'CPU' and int(index) > 0:
        name = f'/device:GPU:{int(index) - 1}'
      names.append(name)
    return names

  real_device = tf.device

  def device(name):
    if isinstance(name, str) and name.lower().startswith('/gpu:'):
      name = f'/cpu:{int(name.split(":")[1]) + 1}'
    return real_device(name)

  multi_gpu_utils._get_available_devices = cpus_listed_as_gpus  # pylint: disable=protected-access
  tf.device = device
  namespace = runpy.run_path(script, run_name='__main__')
  tf.device = real_device

  function = namespace['parallel_model'].train_function._concrete  # pylint: disable=protected-access
  placed = {}
  for node in function.function_def.node_def:
    placed.setdefault(node.op, {}).setdefault(node.device, 0)
    placed[node.op][node.device] += 1
  print('RESULT ' + json.dumps({'listed': listed(), 'placed': placed}),
        flush=True)


if __name__ == '__main__':
  main()
