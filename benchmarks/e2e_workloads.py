"""The workloads of the end-to-end benchmark, written once for every world.

Each workload is a class with

- `setup(world)`: builds its model with the benchmark's own weights (the same
  arrays in every world: `model.set_weights`, drawn from a fixed seed by
  weight shape and name), runs it once untimed (tracing, first-call costs)
  and returns check values, numbers every world must agree on (first-step
  losses, predictions);
- `run()`: one timed unit; returns `((wall, cpu), check)`: its wall-clock
  seconds, the CPU seconds of the process meanwhile (all threads: the work
  done, less sensitive to other jobs on a shared machine than wall time),
  and `check`, a number computed by the unit (a loss, a sum of
  predictions).

Every model uses only layers and settings whose numerics are the same in
Keras 2.2.4 and tf_keras (no dropout: its random draws differ; LSTM with
`recurrent_activation='sigmoid'`, which means the same in both, where
Keras 2.2.4's default `hard_sigmoid` does not); fit runs with
`shuffle=False`, so every world sees the batches in the same order.
"""

import resource
import subprocess
import sys
import time

import numpy as np

LR = 0.001


def weights_like(model, seed=1):
  """Deterministic weights for `model`, by shape and name only.

  Kernels are Glorot-uniform; batch-norm scales and variances are near 1,
  other vectors near 0.
  """
  rng = np.random.RandomState(seed)
  values = []
  # In `set_weights` order: layer by layer (`model.weights` puts every
  # trainable weight first).
  for weight in [w for layer in model.layers for w in layer.weights]:
    shape = tuple(int(d) for d in weight.shape)
    name = weight.name
    if len(shape) >= 2:
      receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
      fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
      limit = np.sqrt(6.0 / (fan_in + fan_out))
      value = rng.uniform(-limit, limit, shape)
    elif 'gamma' in name or 'variance' in name:
      value = rng.uniform(0.8, 1.2, shape)
    else:
      value = rng.uniform(-0.05, 0.05, shape)
    values.append(value.astype('float32'))
  return values


def one_hot(rng, n, classes=10):
  return np.eye(classes, dtype='float32')[rng.randint(0, classes, n)]


def clock():
  """(wall, process CPU) seconds now."""
  return np.array([time.perf_counter(), time.process_time()])


def _timed(fn):
  start = clock()
  result = fn()
  return tuple(clock() - start), result


def _as_loss(value):
  """A `train_on_batch` / `fit` result as one float."""
  if isinstance(value, (list, tuple)):
    value = value[0]
  return float(np.asarray(value))


class Workload:
  """Base: a model, its data, and a timed unit of work on it."""

  name = ''
  label = ''
  unit = 's'          # What one measurement is, for the table.
  scale = 1.0         # Seconds -> the unit shown.

  def setup(self, world):
    raise NotImplementedError

  def run(self):
    raise NotImplementedError


def mlp(world):
  layers = world.keras.layers
  return world.keras.models.Sequential([
      layers.Dense(512, activation='relu', input_shape=(784,)),
      layers.Dense(512, activation='relu'),
      layers.Dense(10, activation='softmax'),
  ])


def convnet(world):
  """mnist_cnn's convnet, without its dropout layers."""
  layers = world.keras.layers
  return world.keras.models.Sequential([
      layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)),
      layers.Conv2D(64, (3, 3), activation='relu'),
      layers.MaxPooling2D(pool_size=(2, 2)),
      layers.Flatten(),
      layers.Dense(128, activation='relu'),
      layers.Dense(10, activation='softmax'),
  ])


def lstm(world, vocabulary=2000, length=40):
  layers = world.keras.layers
  return world.keras.models.Sequential([
      layers.Embedding(vocabulary, 32, input_length=length),
      layers.LSTM(64, recurrent_activation='sigmoid'),
      layers.Dense(1, activation='sigmoid'),
  ])


def dense_stack(world, depth=50, width=64):
  layers = world.keras.layers
  model_layers = [layers.Dense(width, activation='relu',
                               input_shape=(width,))]
  model_layers += [layers.Dense(width, activation='relu')
                   for _ in range(depth - 2)]
  model_layers.append(layers.Dense(10, activation='softmax'))
  return world.keras.models.Sequential(model_layers)


def _compiled(world, model, loss='categorical_crossentropy'):
  model.set_weights(weights_like(model))
  model.compile(optimizer=world.adam(LR), loss=loss)
  return model


class TrainOnBatch(Workload):
  """MLP 784-512-512-10, `train_on_batch` with Adam, batch 128."""

  name = 'mlp_train_on_batch'
  label = 'MLP 784-512-512-10 train_on_batch, Adam, b128'
  unit = 'ms/step'
  calls = 20
  scale = 1e3 / calls

  def setup(self, world):
    rng = np.random.RandomState(0)
    self.batches = [(rng.rand(128, 784).astype('float32'), one_hot(rng, 128))
                    for _ in range(4)]
    self.model = _compiled(world, mlp(world))
    return [_as_loss(self.model.train_on_batch(x, y))
            for x, y in self.batches]

  def run(self):
    def steps():
      loss = None
      for i in range(self.calls):
        x, y = self.batches[i % len(self.batches)]
        loss = self.model.train_on_batch(x, y)
      return _as_loss(loss)
    return _timed(steps)


class Fit(Workload):
  """`fit` for one epoch; subclasses give the model and data."""

  unit = 's/epoch'
  batch_size = 128
  loss = 'categorical_crossentropy'

  def make(self, world, rng):
    raise NotImplementedError

  def setup(self, world):
    rng = np.random.RandomState(0)
    model, self.x, self.y = self.make(world, rng)
    self.model = _compiled(world, model, self.loss)
    # The first epoch (untimed) builds and traces the training function.
    return [self._epoch()]

  def _epoch(self):
    history = self.model.fit(self.x, self.y, batch_size=self.batch_size,
                             epochs=1, verbose=0, shuffle=False)
    return float(history.history['loss'][0])

  def run(self):
    return _timed(self._epoch)


class FitMLP(Fit):
  name = 'mlp_fit'
  label = 'same MLP fit, 1 epoch of 2048, b128'

  def make(self, world, rng):
    return mlp(world), rng.rand(2048, 784).astype('float32'), one_hot(
        rng, 2048)


class FitConvnet(Fit):
  name = 'convnet_fit'
  label = 'mnist_cnn-style convnet fit, 1 epoch of 512, b128'

  def make(self, world, rng):
    return convnet(world), rng.rand(512, 28, 28, 1).astype('float32'), (
        one_hot(rng, 512))


class FitLSTM(Fit):
  name = 'lstm_fit'
  label = 'Embedding + LSTM(64) fit, seq 40, 1 epoch of 512, b32'
  batch_size = 32
  loss = 'binary_crossentropy'

  def make(self, world, rng):
    x = rng.randint(0, 2000, (512, 40)).astype('int32')
    y = rng.randint(0, 2, (512, 1)).astype('float32')
    return lstm(world), x, y


class PredictConvnet(Workload):
  """The convnet's `predict` on 1024 images, batch 256."""

  name = 'convnet_predict'
  label = 'convnet predict, 1024 images, b256'
  unit = 's/call'

  def setup(self, world):
    rng = np.random.RandomState(0)
    self.x = rng.rand(1024, 28, 28, 1).astype('float32')
    self.model = _compiled(world, convnet(world))
    predictions = self.model.predict(self.x, batch_size=256)
    return [float(v) for v in predictions[:4].ravel()]

  def run(self):
    return _timed(lambda: float(
        self.model.predict(self.x, batch_size=256).sum()))


class Build(Workload):
  """Model construction + compile + first training step, on a fresh session.

  Timed, from an empty session to the first step's loss: building the
  model, setting its weights (so that the first loss is the same in every
  world; it is also where the TF1 world runs its variable initializers),
  compiling it and its first `train_on_batch` (which creates the
  optimizer's variables and the training function). Not timed:
  `clear_session()` before.
  """

  unit = 's'

  def make(self, world):
    raise NotImplementedError

  def setup(self, world):
    self.world = world
    return [self.run()[1]]  # The first build (warm-up) is the check.

  def run(self):
    world = self.world
    world.clear_session()
    start = clock()
    model = self.make(world)
    model.set_weights(weights_like(model))
    model.compile(optimizer=world.adam(LR), loss='categorical_crossentropy')
    loss = model.train_on_batch(self.x, self.y)
    return tuple(clock() - start), _as_loss(loss)


class BuildDenseStack(Build):
  name = 'build_dense50'
  label = 'build + compile + first step: 50-layer Dense(64) stack'

  def setup(self, world):
    rng = np.random.RandomState(0)
    self.x, self.y = rng.rand(32, 64).astype('float32'), one_hot(rng, 32)
    return super().setup(world)

  def make(self, world):
    return dense_stack(world)


class BuildResNet50(Build):
  name = 'build_resnet50'
  label = 'build + compile + first step: ResNet50 (64x64, 10 classes), b8'

  def setup(self, world):
    rng = np.random.RandomState(0)
    self.x = rng.rand(8, 64, 64, 3).astype('float32')
    self.y = one_hot(rng, 8)
    return super().setup(world)

  def make(self, world):
    return world.resnet50(weights=None, input_shape=(64, 64, 3), classes=10)


WORKLOADS = (TrainOnBatch, FitMLP, FitConvnet, FitLSTM, PredictConvnet,
             BuildDenseStack, BuildResNet50)
BY_NAME = {w.name: w for w in WORKLOADS}

# Cold start: a fresh interpreter runs this, timed from outside as a whole
# process: set up the world, build and compile a small MLP, one training step.
COLD_START_NAME = 'cold_start'
COLD_START_LABEL = ('cold start: empty interpreter to first train_on_batch '
                    '(small MLP)')


def cold_start_main(world_name):
  """The body of the cold-start process (see `cold_start_command`)."""
  import e2e_worlds  # pylint: disable=g-import-not-at-top
  world = e2e_worlds.enter(world_name)
  layers = world.keras.layers
  model = world.keras.models.Sequential([
      layers.Dense(64, activation='relu', input_shape=(32,)),
      layers.Dense(10, activation='softmax'),
  ])
  model = _compiled(world, model)
  rng = np.random.RandomState(0)
  loss = model.train_on_batch(rng.rand(16, 32).astype('float32'),
                              one_hot(rng, 16))
  print(_as_loss(loss))


def _children_cpu():
  usage = resource.getrusage(resource.RUSAGE_CHILDREN)
  return usage.ru_utime + usage.ru_stime


def time_cold_start(script, world_name):
  """(wall, CPU) seconds of a fresh `python script --cold WORLD`; its loss."""
  start, cpu_start = time.perf_counter(), _children_cpu()
  done = subprocess.run([sys.executable, script, '--cold', world_name],
                        capture_output=True, text=True, check=False)
  seconds = (time.perf_counter() - start, _children_cpu() - cpu_start)
  if done.returncode != 0:
    raise RuntimeError(f'cold start of {world_name} failed:\n'
                       f'{done.stderr[-3000:]}')
  return seconds, float(done.stdout.strip().splitlines()[-1])
