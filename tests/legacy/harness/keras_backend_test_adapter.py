"""The reference side of Keras 2.2.4's backend_test.py, on tf_kbackend.

Keras 2.2.4's tests/keras/backend/backend_test.py compares each backend
with the others (TensorFlow, Theano, CNTK) and with a numpy module of its
own, `reference_operations`. `tests/legacy/suite.py` adapts a copy of it at
run time so that the backend under test is tf_kbackend's TensorFlow
implementation and every reference is tf_kbackend's numpy implementation:

- `KNP` is `tf_kbackend.numpy_backend`, plus the two helpers of Keras's
  `reference_operations` that are not backend functions, written here on
  top of `tf_kbackend.numpy_backend`: `rnn(x, weights, init, ...)` (a
  linear RNN given its weight matrices) and `separable_conv(...)`.
- Theano and CNTK do not install on current Python; where the test names
  them directly (`[KTH, KTF]` pairs, `KTH.variable(...)`), their place
  holds the numpy reference too (`reference_in_place_of('theano')`), as
  Keras 2.3's own version of this test did once Theano was gone.
"""

import numpy as np

import tf_kbackend.numpy_backend as _numpy_backend


def _rnn(x, w, init, go_backwards=False, mask=None, unroll=False,
         input_length=None):
  """A linear RNN (`reference_operations.rnn`) through `K.rnn` of numpy.

  Args:
    x: (samples, time, features) inputs.
    w: `[w_input, w_hidden or None, w_output or None]`.
    init: the initial state, or None without `w_hidden`.
    go_backwards, mask, unroll, input_length: as `K.rnn`; `mask` may be a
      tensor of the backend under test (evaluated here).

  Returns:
    `(last_output, outputs, states)`, `states` of shape (samples, 1, units)
    (the test reads the last one).
  """
  w_input, w_hidden, w_output = w
  if mask is not None and not isinstance(mask, np.ndarray):
    from keras import backend as K  # pylint: disable=g-import-not-at-top
    mask = K.eval(mask)

  def step(x_t, states):
    h = np.dot(x_t, w_input)
    if w_hidden is not None:
      h = h + np.dot(states[0], w_hidden)
    output = np.dot(h, w_output) if w_output is not None else h
    return output, ([h] if w_hidden is not None else [])

  initial = [init] if w_hidden is not None else []
  last, outputs, states = _numpy_backend.rnn(
      step, x, initial, go_backwards=go_backwards, mask=mask, unroll=unroll,
      input_length=input_length)
  last, outputs = np.asarray(last), np.asarray(outputs)
  if states:
    stacked = np.expand_dims(np.asarray(states[0]), 1)
  else:
    stacked = np.expand_dims(last, 1)
  return last, outputs, stacked


def _separable_conv(x, w1, w2, padding, data_format):
  """`reference_operations.separable_conv` through the numpy backend."""
  op = {3: _numpy_backend.separable_conv1d,
        4: _numpy_backend.separable_conv2d}[np.ndim(x)]
  return np.asarray(op(x, w1, w2, padding=padding, data_format=data_format))


class _Reference:
  """`tf_kbackend.numpy_backend` with the two reference-only helpers."""

  rnn = staticmethod(_rnn)
  separable_conv = staticmethod(_separable_conv)

  def __getattr__(self, name):
    return getattr(_numpy_backend, name)

  def __repr__(self):
    return '<tf_kbackend.numpy_backend as the reference>'


class _ReferenceInPlaceOf:
  """The numpy reference, standing where the test names Theano or CNTK."""

  # Theano's optional sparse support: absent, as in Keras's own CI runs
  # without it (the sparse tests then check TensorFlow alone).
  th_sparse_module = None

  def __init__(self, name):
    self._name = name

  def __getattr__(self, name):
    return getattr(_numpy_backend, name)

  def __repr__(self):
    return f'<tf_kbackend.numpy_backend in place of {self._name}>'


KNP = _Reference()


def reference_in_place_of(name):
  return _ReferenceInPlaceOf(name)
