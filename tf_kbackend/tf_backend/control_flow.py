"""Control flow: rnn, map_fn, foldl, foldr."""

import tensorflow as tf

from tf_kbackend.tf_backend import graph as graph_lib

__all__ = []
