"""Building, evaluating, updating and clearing from many threads at once.

TF1 let any thread build into the default graph; tf_kbackend's one Keras
graph must take the same from real threads, with the results a single
thread gets. Each check runs a worker in THREADS threads started together
(a barrier), with Python's thread switch interval cut to 10 us so that
threads interleave inside graph building, not only between calls (at the
default 5 ms, races that exist show up rarely). Before the graph lock
(graph.py), the first two checks failed in most runs with "'NoneType'
object is not iterable" from TensorFlow's `FuncGraph.as_default`, tensors
landing in another thread's graph, or "OrderedDict mutated during
iteration".

The default tier runs a few iterations per thread (seconds); the slow tier
(`pytest -m slow tests/test_threads.py`) repeats every check with many
more.
"""

import collections
import sys
import threading
import time
import traceback

import numpy as np
import pytest

import tf_kbackend.tf_backend as K

THREADS = 8
ITERATIONS = 4  # per thread, default tier
SLOW_ITERATIONS = 40


@pytest.fixture(autouse=True)
def _fast_thread_switches():
  previous = sys.getswitchinterval()
  sys.setswitchinterval(1e-5)
  K.clear_session()
  yield
  sys.setswitchinterval(previous)
  K.clear_session()


@pytest.fixture(params=[
    pytest.param(ITERATIONS, id='default'),
    pytest.param(SLOW_ITERATIONS, id='many', marks=pytest.mark.slow),
])
def iterations(request):
  return request.param


def run_in_threads(worker, threads=THREADS):
  """Runs `worker(index)` in `threads` threads started together.

  Returns:
    The workers' results, by index.

  Raises:
    AssertionError: listing every exception a worker raised, with its
      traceback.
  """
  barrier = threading.Barrier(threads)
  results = [None] * threads
  errors = []

  def run(index):
    try:
      barrier.wait()
      results[index] = worker(index)
    except BaseException:  # pylint: disable=broad-except
      errors.append(traceback.format_exc())

  pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
  for thread in pool:
    thread.start()
  for thread in pool:
    thread.join()
  if errors:
    kinds = collections.Counter(e.strip().splitlines()[-1] for e in errors)
    raise AssertionError(
        f'{len(errors)} worker(s) failed: {dict(kinds)}\n\n{errors[0]}')
  return results


def assert_same(actual, expected):
  assert len(actual) == len(expected)
  for a, e in zip(actual, expected):
    if isinstance(e, (list, tuple)):
      assert_same(a, e)
    else:
      np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-6)


class TestBuildingFromThreads:

  def test_variables_derived_values_and_eval(self, iterations):
    # The first report: K.variable, then K.eval of an op on it
    # (re-derived in the graph), from 8 threads.
    def worker(index):
      out = []
      for i in range(iterations):
        base = float(index * 100 + i)
        v = K.variable(np.full((3,), base))
        out.append(K.eval(K.square(v)))
        out.append(K.eval(v * 2.0 + 1.0))
        K.set_value(v, np.full((3,), -base))
        out.append(K.get_value(v))
      return out

    results = run_in_threads(worker)
    for index, result in enumerate(results):
      expected = []
      for i in range(iterations):
        base = float(index * 100 + i)
        expected += [np.full(3, base**2), np.full(3, 2 * base + 1),
                     np.full(3, -base)]
      assert_same(result, expected)

  def test_placeholders_ops_gradients_and_functions(self, iterations):
    # The second report: building placeholders, ops and a
    # K.function at the same time, right after clear_session().
    def build_and_run(index, i):
      rng = np.random.RandomState(index * 1000 + i)
      w0 = rng.rand(4, 3)
      x = K.placeholder(shape=(None, 4), name=f'x{index}')
      w = K.variable(w0, name=f'w{index}')
      with K.name_scope(f'block{index}'):
        h = K.tanh(K.dot(x, w))
        loss = K.mean(K.square(h - 1.0))
      grad = K.gradients(loss, [w])[0]
      lr = K.variable(0.1)
      f = K.function([x, K.learning_phase()],
                     [loss, K.in_train_phase(h * 2.0, h)],
                     updates=[K.update_sub(w, lr * grad)])
      data = rng.rand(5, 4)
      first = f([data, 1])
      second = f([data, 0])
      return [first[0], first[1], second[0], second[1], K.get_value(w)]

    def worker(index):
      return [build_and_run(index, i) for i in range(iterations)]

    expected = [worker(index) for index in range(THREADS)]  # One thread.
    K.clear_session()
    assert_same(run_in_threads(worker), expected)

  def test_uids_and_variable_names_stay_unique(self, iterations):
    def worker(index):
      del index
      uids = [K.get_uid('dense') for _ in range(iterations * 10)]
      names = [K.variable(0.0, name='kernel').name
               for _ in range(iterations)]
      return uids, names

    results = run_in_threads(worker)
    uids = [u for r in results for u in r[0]]
    names = [n for r in results for n in r[1]]
    assert sorted(uids) == list(range(1, len(uids) + 1))
    assert len(set(names)) == len(names)

  def test_name_scopes_and_control_dependencies_are_per_thread(self):
    # Each thread sees its own name scope and control inputs, also while
    # another thread is inside its block.
    inside = threading.Barrier(THREADS)

    def worker(index):
      v = K.variable(0.0)
      with K.name_scope(f'thread{index}'):
        inside.wait()  # Every thread is in its scope now.
        with K.control_dependencies([K.update_add(v, float(index))]):
          y = K.identity(v)
        name = y.name
      return name, float(K.eval(y)), K.eval(v)

    for index, (name, value, after) in enumerate(run_in_threads(worker)):
      assert name.startswith(f'thread{index}/'), name
      assert value == float(index) and after == float(index)

  def test_learning_phase_scope_is_per_thread(self):
    inside = threading.Barrier(THREADS)

    def worker(index):
      phase = index % 2
      with K.learning_phase_scope(phase):
        inside.wait()
        seen = K.learning_phase()
        inside.wait()
      return seen, K.is_symbolic(K.learning_phase())

    for index, (seen, symbolic_after) in enumerate(run_in_threads(worker)):
      assert seen == index % 2
      assert symbolic_after


class TestRunningFromThreads:

  def test_one_function_with_updates(self, iterations):
    # Every call's update lands: the total is exact.
    counter = K.variable(0.0)
    x = K.placeholder(shape=(None,))
    f = K.function([x], [K.sum(x)], updates=[K.update_add(counter, 1.0)])

    def worker(index):
      return [f([np.full(4, float(index))])[0] for _ in range(iterations)]

    results = run_in_threads(worker)
    assert_same(results, [[4.0 * index] * iterations
                          for index in range(THREADS)])
    assert K.get_value(counter) == THREADS * iterations

  def test_session_run_and_eval_share_their_cache(self, iterations):
    x = K.placeholder(shape=(2,))
    w = K.variable([1.0, 2.0])
    y = x * w
    total = K.sum(w)
    session = K.get_session()

    def worker(index):
      out = []
      for i in range(iterations):
        value = [float(index), float(i)]
        out.append(session.run([y, {'t': total}],
                               feed_dict={x: value}))
        out.append(session.run(y, feed_dict={x.name: value}))
        out.append(K.eval(total))
      return out

    for index, result in enumerate(run_in_threads(worker)):
      for i in range(iterations):
        product = np.array([index * 1.0, i * 2.0])
        run_list, run_name, evaluated = result[3 * i:3 * i + 3]
        assert_same([run_list[0], run_list[1]['t']], [product, 3.0])
        assert_same([run_name, evaluated], [product, 3.0])

  def test_set_value_and_reads_from_threads(self, iterations):
    # Each thread owns a variable; writes and reads never mix them up.
    variables = [K.variable(np.zeros((2, 2))) for _ in range(THREADS)]
    read_all = K.function([], [K.sum(v) for v in variables])

    def worker(index):
      for i in range(iterations):
        K.batch_set_value([(variables[index], np.full((2, 2), float(i)))])
        assert K.get_value(variables[index])[0, 0] == float(i)
        read_all([])
      return K.get_value(variables[index])

    results = run_in_threads(worker)
    assert_same(results, [np.full((2, 2), iterations - 1.0)] * THREADS)


class TestClearSessionFromThreads:

  def test_builders_see_results_or_the_documented_error(self, iterations):
    # clear_session() in one thread while others build: a builder either
    # completes (its result is correct: compiled functions keep working)
    # or is told that its tensors belong to a reset graph; never anything
    # else, such as a tensor of another thread's graph.
    done = threading.Event()
    outcomes = collections.Counter()

    def clear():
      while not done.is_set():
        K.clear_session()
        time.sleep(0.002)

    def worker(index):
      for i in range(iterations * 3):
        value = float(index + i)
        try:
          x = K.placeholder(shape=(None,))
          v = K.variable(value)
          f = K.function([x], [K.sum(x * v)])
        except ValueError as e:
          assert 'clear_session()' in str(e), e
          outcomes['reset'] += 1
          continue
        np.testing.assert_allclose(f([np.ones(3)])[0], 3 * value)
        outcomes['built'] += 1

    clearer = threading.Thread(target=clear)
    clearer.start()
    try:
      run_in_threads(worker, threads=THREADS - 1)
    finally:
      done.set()
      clearer.join()
    assert sum(outcomes.values()) == (THREADS - 1) * iterations * 3
    # After the storm, building works as usual.
    x = K.placeholder(shape=())
    assert K.function([x], [x + 1.0])([1.0])[0] == 2.0
