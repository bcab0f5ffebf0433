"""Keras 2.2.4's fit under MultiWorkerMirroredStrategy, one worker's part.

Run (under legacy Keras 2.2.4) once per worker with its TF_CONFIG:

    python -m tf_kbackend run multi_worker_fit.py

Trains a small convnet with an embedding (its gradient is IndexedSlices)
under the strategy, then the same model in this process alone, and
prints `RESULT {json}` with both losses and the largest weight difference.
"""

import json


def main():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  strategy = tf.distribute.MultiWorkerMirroredStrategy(
      communication_options=tf.distribute.experimental.CommunicationOptions(
          timeout_seconds=120))
  import numpy as np  # pylint: disable=g-import-not-at-top
  import keras  # pylint: disable=g-import-not-at-top
  from keras.layers import Conv1D, Dense, Embedding, GlobalMaxPooling1D  # pylint: disable=g-import-not-at-top
  from keras.models import Sequential  # pylint: disable=g-import-not-at-top

  rng = np.random.RandomState(0)
  x = rng.randint(0, 50, (600, 12))
  y = np.eye(3)[(x[:, 0] > 25).astype(int) + (x[:, 1] > 40).astype(int)]

  def build():
    model = Sequential([Embedding(50, 8, input_length=12),
                        Conv1D(16, 3, activation='relu'),
                        GlobalMaxPooling1D(), Dense(3, activation='softmax')])
    model.compile(loss='categorical_crossentropy',
                  optimizer=keras.optimizers.RMSprop(lr=0.01))
    return model

  reference = build()
  initial = [np.random.RandomState(1).randn(*w.shape).astype('float32') * 0.2
             for w in reference.get_weights()]
  with strategy.scope():
    model = build()
    model.set_weights(initial)
    history = model.fit(x, y, batch_size=50, epochs=2, shuffle=False,
                        verbose=0)
  reference.set_weights(initial)
  expected = reference.fit(x, y, batch_size=50, epochs=2, shuffle=False,
                           verbose=0)
  print('RESULT ' + json.dumps({
      'replicas': strategy.num_replicas_in_sync,
      'loss': [float(v) for v in history.history['loss']],
      'one_process_loss': [float(v) for v in expected.history['loss']],
      'max_weight_difference': max(
          float(np.abs(a - b).max())
          for a, b in zip(model.get_weights(), reference.get_weights())),
  }), flush=True)


if __name__ == '__main__':
  main()
