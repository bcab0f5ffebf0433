"""Sparse placeholders and feeds."""

import numpy as np
import pytest
import scipy.sparse
import tensorflow as tf

import tf_kbackend.tf_backend as K

DENSE = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0]], 'float32')
WEIGHTS = np.arange(6, dtype='float32').reshape(3, 2)


@pytest.fixture
def sparse_dot():
  sp = K.placeholder(shape=(None, 3), sparse=True, name='sp')
  return sp, K.function([sp], [K.dot(sp, K.variable(WEIGHTS))])


@pytest.mark.parametrize('make_feed', [
    lambda: scipy.sparse.csr_matrix(DENSE),
    lambda: scipy.sparse.coo_matrix(DENSE),
    lambda: tf.sparse.from_dense(DENSE),
    lambda: tf.compat.v1.SparseTensorValue([[0, 1], [1, 0], [1, 2]],
                                           [2.0, 1.0, 3.0], [2, 3]),
    lambda: ([[0, 1], [1, 0], [1, 2]], [2.0, 1.0, 3.0], [2, 3]),
], ids=['csr', 'coo', 'SparseTensor', 'SparseTensorValue', 'tuple'])
def test_sparse_feeds(sparse_dot, make_feed):
  _, f = sparse_dot
  np.testing.assert_allclose(f([make_feed()])[0], DENSE @ WEIGHTS)


def test_batch_size_varies(sparse_dot):
  _, f = sparse_dot
  big = scipy.sparse.random(17, 3, density=0.3, format='csr',
                            random_state=0, dtype=np.float32)
  np.testing.assert_allclose(f([big])[0], big.toarray() @ WEIGHTS, rtol=1e-6)


def test_wrong_dense_shape_names_the_placeholder(sparse_dot):
  _, f = sparse_dot
  with pytest.raises(ValueError, match="'sp.*shape \\(None, 3\\)"):
    f([scipy.sparse.csr_matrix(np.ones((2, 4)))])


def test_dense_feed_for_sparse_is_refused(sparse_dot):
  _, f = sparse_dot
  with pytest.raises(ValueError, match='scipy.sparse'):
    f([DENSE])


def test_is_sparse_and_to_dense():
  sp = K.placeholder(shape=(2, 3), sparse=True)
  assert K.is_sparse(sp) and not K.is_sparse(K.to_dense(sp))
  out = K.function([sp], [K.to_dense(sp)])([scipy.sparse.csr_matrix(DENSE)])
  np.testing.assert_array_equal(out[0], DENSE)
  eager = tf.sparse.from_dense(DENSE)
  np.testing.assert_array_equal(K.eval(K.to_dense(eager)), DENSE)
  np.testing.assert_array_equal(K.eval(eager), DENSE)


def test_concatenate_sparse_placeholders():
  a = K.placeholder(shape=(None, 2), sparse=True)
  b = K.placeholder(shape=(None, 3), sparse=True)
  both = K.concatenate([a, b], axis=1)
  assert K.is_sparse(both)
  out = K.function([a, b], [K.to_dense(both)])(
      [scipy.sparse.csr_matrix(DENSE[:, :2]),
       scipy.sparse.csr_matrix(DENSE)])[0]
  np.testing.assert_array_equal(out, np.hstack([DENSE[:, :2], DENSE]))


def test_sparse_int_values():
  sp = K.placeholder(shape=(None, 3), sparse=True, dtype='int32')
  out = K.function([sp], [K.to_dense(sp)])(
      [scipy.sparse.csr_matrix(DENSE.astype('int32'))])[0]
  assert out.dtype == np.int32
  np.testing.assert_array_equal(out, DENSE.astype('int32'))
