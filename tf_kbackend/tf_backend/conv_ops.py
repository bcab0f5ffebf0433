"""Convolutions and pooling: conv1d/2d/3d, transposed, separable, depthwise, local."""

import tensorflow as tf

from tf_kbackend.tf_backend import graph as graph_lib

__all__ = []
