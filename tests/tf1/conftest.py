"""Fixtures of the TF1-names tests: the names on for each test, then off.

Every test here runs with `tf_kbackend.tf1` enabled and leaves the process
as it found it (the autouse fixture disables the names and checks that
TensorFlow's namespace is back to TF2's).
"""

import pytest
import tensorflow as tf

from tf_kbackend import tf1


@pytest.fixture(autouse=True)
def tf1_names():
  """The TF1 names, on for the test."""
  assert not tf1.is_enabled(), 'a previous test left the TF1 names on'
  tf1.enable()
  try:
    yield
  finally:
    tf1.disable()
  assert not hasattr(tf, 'Session')
