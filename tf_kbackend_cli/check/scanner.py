"""What a Python file uses of legacy Keras, its backend and TensorFlow.

Static: the file is parsed with `ast`, never run or imported. Names are
followed through imports and simple aliases:

- `from keras import backend as K`, `import keras.backend as K`,
  `import keras` (then `keras.backend.x`), `from keras.backend import x`,
  `import tf_kbackend as K`, `K = keras.backend`: `K.x` is the backend
  name `x`;
- `keras.backend.tensorflow_backend` and its names likewise;
- `import tensorflow as tf` (or `tensorflow.compat.v1`, `K.tf`...):
  `tf.train.AdamOptimizer` is the TensorFlow name `tf.train.AdamOptimizer`;
- every `import keras...` / `from keras... import ...` is a legacy Keras
  import (`from keras.layers import Dense`: `keras.layers.Dense`), and
  `keras.layers.Dense` written out a legacy Keras name.

A name is reported where it is written as an attribute chain from an
imported module (`K.placeholder`, `tf.nn.relu`) or imported by name
(`from keras.backend import placeholder`: at the import). Bindings are
per file and ignore scopes: a local variable that reuses the name `K` for
something else is still taken for the backend.
"""

import ast
import dataclasses
import os

BACKEND, TENSORFLOW_BACKEND, KERAS, TENSORFLOW = (
    'backend name', 'keras.backend.tensorflow_backend name', 'keras import',
    'tensorflow name')
SYNTAX = 'syntax error'


@dataclasses.dataclass
class Use:
  """One use of a name: what kind, which name, where."""
  kind: str
  name: str
  line: int
  column: int = 0
  path: str = ''

  @property
  def display(self):
    """The name as a report shows it."""
    if self.kind == BACKEND:
      return f'K.{self.name}'
    if self.kind == TENSORFLOW_BACKEND:
      return f'keras.backend.tensorflow_backend.{self.name}'
    return self.name


def _own_modules():
  """tf_kbackend's own modules (export, legacy, ...), found on disk."""
  try:
    from tf_kbackend_cli import version  # pylint: disable=g-import-not-at-top
    root = version.package_dir()
  except ImportError:
    return frozenset()
  return frozenset(
      name[:-3] if name.endswith('.py') else name
      for name in os.listdir(root)
      if name.endswith('.py') or os.path.isfile(
          os.path.join(root, name, '__init__.py')))


_OWN_MODULES = _own_modules()


def _canonical(dotted):
  """One spelling per module: tf_kbackend is keras.backend, K.tf is tf.

  tf_kbackend's own modules (`tf_kbackend.export`...) are not backend names.
  """
  parts = dotted.split('.')
  if parts[0] == 'tf_kbackend' and len(parts) > 1 and (
      parts[1] in _OWN_MODULES):
    return dotted
  for alias, target in (('tf_kbackend', 'keras.backend'),
                        ('keras.backend.tensorflow_backend.tf', 'tensorflow'),
                        ('keras.backend.tf', 'tensorflow')):
    if dotted == alias or dotted.startswith(alias + '.'):
      return target + dotted[len(alias):]
  return dotted


def _classify(dotted):
  """(kind, name) of a use of `dotted`, or None for a module itself."""
  dotted = _canonical(dotted)
  parts = dotted.split('.')
  if parts[0] == 'tensorflow':
    return (TENSORFLOW, 'tf.' + '.'.join(parts[1:])) if len(parts) > 1 else (
        None)
  if parts[0] != 'keras':
    return None
  if parts[1:3] == ['backend', 'tensorflow_backend']:
    return (TENSORFLOW_BACKEND, parts[3]) if len(parts) > 3 else None
  if parts[1:2] == ['backend']:
    return (BACKEND, parts[2]) if len(parts) > 2 else None
  return (KERAS, dotted) if len(parts) > 1 else None


_TRACKED_ROOTS = ('keras', 'tensorflow', 'tf_kbackend')


def _tracked(dotted):
  return dotted.split('.')[0] in _TRACKED_ROOTS


def _chain(node):
  """['K', 'placeholder'] for `K.placeholder`; None if not Name.attr...."""
  attributes = []
  while isinstance(node, ast.Attribute):
    attributes.append(node.attr)
    node = node.value
  if not isinstance(node, ast.Name):
    return None
  return [node.id] + attributes[::-1]


class _Scanner:

  def __init__(self):
    self.bindings = {}
    self.uses = []

  def _add(self, dotted, node, module_kind=None):
    found = _classify(dotted)
    if found is None and module_kind is not None:
      found = module_kind
    if found is not None:
      self.uses.append(Use(found[0], found[1], node.lineno,
                           node.col_offset))

  def imports(self, tree):
    for node in ast.walk(tree):
      if isinstance(node, ast.Import):
        for alias in node.names:
          if not _tracked(alias.name):
            continue
          if alias.asname:
            self.bindings[alias.asname] = alias.name
          else:
            root = alias.name.split('.')[0]
            self.bindings[root] = root
          self._import_use(_canonical(alias.name), node)
      elif isinstance(node, ast.ImportFrom):
        if node.level or not node.module or not _tracked(node.module):
          continue
        for alias in node.names:
          if alias.name == '*':
            self._import_use(_canonical(node.module), node)
            continue
          full = f'{node.module}.{alias.name}'
          self.bindings[alias.asname or alias.name] = full
          self._import_use(_canonical(full), node)

  def _import_use(self, dotted, node):
    if dotted.split('.')[0] == 'keras':
      self._add(dotted, node, module_kind=(KERAS, dotted))
    else:
      self._add(dotted, node)

  def aliases(self, tree):
    """`K = keras.backend`: simple assignments of a tracked module."""
    assignments = [node for node in ast.walk(tree)
                   if isinstance(node, ast.Assign) and len(node.targets) == 1
                   and isinstance(node.targets[0], ast.Name)]
    for _ in range(2):  # An alias of an alias.
      for node in assignments:
        chain = _chain(node.value)
        if chain and chain[0] in self.bindings:
          target = _canonical('.'.join([self.bindings[chain[0]]] + chain[1:]))
          if _classify(target) is None or target == 'tensorflow':
            self.bindings[node.targets[0].id] = target

  def attributes(self, tree):
    inner = set()
    for node in ast.walk(tree):
      if isinstance(node, ast.Attribute) and isinstance(node.value,
                                                        ast.Attribute):
        inner.add(id(node.value))
    for node in ast.walk(tree):
      if not isinstance(node, ast.Attribute) or id(node) in inner:
        continue
      chain = _chain(node)
      if chain and chain[0] in self.bindings:
        self._add('.'.join([self.bindings[chain[0]]] + chain[1:]), node)


def scan_source(source, path=''):
  """The `Use`s of one file's source, in order.

  Raises:
    SyntaxError: if the source is not Python 3.

  >>> [u.display for u in scan_source(
  ...     'import tensorflow as tf\\n'
  ...     'from keras import backend\\n'
  ...     'K = backend\\n'
  ...     'opt = tf.train.AdamOptimizer(0.1)\\n'
  ...     'x = K.placeholder((2,)); sess = K.tf.Session()\\n')]
  ['keras.backend', 'tf.train.AdamOptimizer', 'K.placeholder', 'tf.Session']
  """
  tree = ast.parse(source, filename=path or '<source>')
  scanner = _Scanner()
  scanner.imports(tree)
  scanner.aliases(tree)
  scanner.attributes(tree)
  for use in scanner.uses:
    use.path = path
  return sorted(scanner.uses, key=lambda u: (u.line, u.column))
