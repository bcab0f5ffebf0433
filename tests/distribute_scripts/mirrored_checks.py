"""What a K.function does on the replicas of a MirroredStrategy.

Run as `python mirrored_checks.py` (a process of its own: it splits the
CPU into three logical devices before TensorFlow starts). Each check runs
the same computation on one device and on three replicas (an odd count:
uneven shares of the batch) and records what the test asserts; the last
line printed is `RESULT {json}`. One strategy per process: TensorFlow's
collectives of two MirroredStrategy objects over different device sets
clash in one process (their group keys both start at 1).
"""

import json


def main():  # pylint: disable=too-many-locals,too-many-statements
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.config.set_logical_device_configuration(
      tf.config.list_physical_devices('CPU')[0],
      [tf.config.LogicalDeviceConfiguration()] * 3)
  import tf_kbackend as K  # pylint: disable=g-import-not-at-top
  from tf_kbackend import distribute  # pylint: disable=g-import-not-at-top

  three = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1', '/cpu:2'])
  result = {}
  rng = np.random.RandomState(0)
  data_x = rng.randn(96, 5).astype('float32')
  data_y = rng.randn(96, 2).astype('float32')
  initial = [rng.randn(5, 2).astype('float32'), np.zeros(2, 'float32')]

  def regression(batches, jit_compile=False):
    """Momentum SGD on a linear model: losses, predictions, weights,
    gradients fetched as outputs, an iteration counter and a counter of
    samples (an integer update computed from the batch)."""
    x = K.placeholder(shape=(None, 5))
    y = K.placeholder(shape=(None, 2))
    w, b = params = [K.variable(v) for v in initial]
    iterations = K.variable(0, dtype='int64')
    samples = K.variable(0, dtype='int32')
    prediction = K.dot(x, w) + b
    loss = K.mean(K.square(prediction - y))
    grads = K.gradients(loss, params)
    moments = [K.zeros(K.int_shape(p)) for p in params]
    updates = [K.update_add(iterations, 1),
               K.update_add(samples, K.shape(x)[0])]
    for p, g, m in zip(params, grads, moments):
      velocity = 0.9 * m - 0.05 * g
      updates += [K.update(m, velocity), K.update(p, p + velocity)]
    step = K.function([x, y], [loss, prediction, grads[0]], updates=updates,
                      jit_compile=jit_compile)
    outputs = [step([data_x[a:b_], data_y[a:b_]]) for a, b_ in batches]
    return {
        'losses': [float(o[0]) for o in outputs],
        'predictions': [o[1] for o in outputs],
        'gradients': [o[2] for o in outputs],
        'weights': [K.get_value(p) for p in params],
        'iterations': int(K.get_value(iterations)),
        'samples': int(K.get_value(samples)),
        'step': step,
        'params': params,
    }

  def compare(reference, other):
    return {
        'losses': max(abs(a - b) for a, b in zip(reference['losses'],
                                                 other['losses'])),
        'predictions': max(float(np.abs(a - b).max()) for a, b in zip(
            reference['predictions'], other['predictions'])),
        'gradients': max(float(np.abs(a - b).max()) for a, b in zip(
            reference['gradients'], other['gradients'])),
        'weights': max(float(np.abs(a - b).max()) for a, b in zip(
            reference['weights'], other['weights'])),
        'shapes_equal': all(a.shape == b.shape for a, b in zip(
            reference['predictions'], other['predictions'])),
    }

  # Batches of 32 (11 + 11 + 10 rows), 1 row (two replicas have none),
  # 7 rows (3 + 2 + 2).
  batches = [(0, 32), (32, 64), (64, 65), (65, 72), (72, 96)]
  reference = regression(batches)
  K.clear_session()
  with three.scope():
    mirrored = regression(batches)
  result['replicas'] = compare(reference, mirrored)
  result['iterations'] = [reference['iterations'], mirrored['iterations']]
  result['samples'] = [reference['samples'], mirrored['samples']]
  components = [three.experimental_local_results(p)
                for p in mirrored['params']]
  result['components_equal'] = all(
      np.array_equal(c[0].numpy(), other.numpy())
      for c in components for other in c[1:])
  result['component_devices'] = [c.device for c in components[0]]
  graph = mirrored['step']._concrete.graph  # pylint: disable=protected-access
  matmul_devices = {}
  for op in graph.get_operations():
    if op.type == 'MatMul':
      matmul_devices[op.device] = matmul_devices.get(op.device, 0) + 1
  result['matmul_devices'] = matmul_devices

  K.clear_session()
  with three.scope():
    result['replicas_xla'] = compare(reference,
                                     regression(batches, jit_compile=True))

  # BatchNormalization's updates: moving averages of batch statistics,
  # built as Keras 2.2.4 builds them (moving_average_update).
  K.clear_session()
  batch = data_x[:32]

  def batch_norm(strategy):
    with strategy.scope() if strategy else _nothing():
      x = K.placeholder(shape=(None, 5))
      gamma, beta = K.ones((5,)), K.zeros((5,))
      moving_mean, moving_variance = K.zeros((5,)), K.ones((5,))
      _, mean, variance = K.normalize_batch_in_training(x, gamma, beta, [0])
      step = K.function([x], [], updates=[
          K.moving_average_update(moving_mean, mean, 0.9),
          K.moving_average_update(moving_variance, variance, 0.9)])
      step([batch])
      return K.get_value(moving_mean), K.get_value(moving_variance)

  one_mean, one_variance = batch_norm(None)
  K.clear_session()
  three_mean, three_variance = batch_norm(three)
  shares = np.array_split(batch, 3)
  # Each replica's batch variance, weighted by its share of the batch.
  expected_variance = 0.9 + 0.1 * sum(
      len(s) / len(batch) * s.var(axis=0) for s in shares)
  result['batch_norm'] = {
      'mean_vs_one_device': float(np.abs(one_mean - three_mean).max()),
      'variance_vs_mean_of_replica_variances': float(
          np.abs(three_variance - expected_variance).max()),
      'variance_vs_one_device': float(np.abs(one_variance -
                                             three_variance).max()),
  }

  # set_strategy: variables created outside any scope.
  K.clear_session()
  distribute.set_strategy(three)
  v = K.variable([1.0, 2.0])
  distribute.set_strategy(None)
  u = K.variable([1.0])
  K.set_value(v, [3.0, 4.0])
  result['set_strategy'] = {
      'distributed': isinstance(v, tf.distribute.DistributedValues),
      'after_reset_distributed': isinstance(u, tf.distribute.DistributedValues),
      'components_after_set_value': [
          c.numpy().tolist() for c in three.experimental_local_results(v)],
      'eval': float(K.eval(K.sum(v * 2.0))),
      'hashable': len({v, v}) == 1 and v == v and v != u,
  }

  # A variable not created under the strategy is refused, by name.
  x = K.placeholder(shape=(None, 2))
  try:
    K.function([x], [K.sum(x * v) + K.sum(u)])([np.ones((4, 2))])
    result['foreign_variable_error'] = None
  except ValueError as e:
    result['foreign_variable_error'] = str(e)

  print('RESULT ' + json.dumps(result), flush=True)


class _nothing:  # pylint: disable=invalid-name

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    return False


if __name__ == '__main__':
  main()
