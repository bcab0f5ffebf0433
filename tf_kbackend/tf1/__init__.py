"""TF1 names beside Keras: TF1-era scripts unchanged, with eager left on.

Legacy Keras code was written next to TensorFlow 1: `tf.Session`,
`tf.placeholder`, `tf.train.AdamOptimizer(...).minimize(loss)`,
`tf.summary.FileWriter`, `tf.log`... When the TF1 names are on,
`import tensorflow as tf` gives such code a `tf` whose TF1-only names
resolve and mean what they meant in TF1, on tf_kbackend's world: they build
in the Keras graph on its tensors, run eagerly on concrete values, and
`sess.run` / `K.function` run what they build. TF2 code in the same process
(TensorFlow itself, Keras 3, tf_kbackend) keeps TF2's `tf` unchanged.

How to turn them on (docs/tf1_api.md):

- `tf-kbackend run script.py` does (`tf_kbackend.legacy.install`);
- for plain `python`: `TF_KBACKEND_TF1=1`, or `"tf_kbackend_tf1": true` in
  keras.json (the variable wins), takes effect when tf_kbackend is
  imported (directly, or by legacy Keras selecting it);
- in code: `tf_kbackend.tf1.enable()`, undone by `disable()`.

Modules: `surface` (the whole `tf.compat.v1` surface and what each name
becomes), `switch` (enable/disable), `_world` (where a TF1 function
builds), `sessions`, `variables`, `optimizers`, `summaries`,
`checkpoints`, `layers`, `modes` (the implementations), `tensors` (TF1
tensor behaviours), `unavailable` (names that raise, saying what to use),
`catalog` (the name catalog for `tf-kbackend check`).
"""

import contextlib

from tf_kbackend.tf1.switch import disable, enable, is_enabled

__all__ = ['disable', 'enable', 'enabled', 'is_enabled']


@contextlib.contextmanager
def enabled():
  """A block with the TF1 names on (restored as they were after it).

  >>> import tensorflow as tf
  >>> with enabled():
  ...   hasattr(tf, 'Session')
  True
  >>> hasattr(tf, 'Session')
  False
  """
  was_enabled = is_enabled()
  enable()
  try:
    yield
  finally:
    if not was_enabled:
      disable()
