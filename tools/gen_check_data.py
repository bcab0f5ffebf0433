"""Generates what `tf-kbackend check` knows, from the project's own sources.

Two files under tf_kbackend/data/ (shipped with the package, read by
`tf_kbackend_cli.check` without importing TensorFlow):

- check_knowledge.json: the status of every legacy backend name and of the
  legacy Keras names known not to work:
  - the backend names: the golden API list
    (tests/golden/legacy_backend_api.txt), which must equal tf_kbackend's
    flat namespace; a name is a *deviation*, with links, where a
    docs/deviations/*.md page documents it (the rule: `_documented_names`);
  - the names `keras.backend.tensorflow_backend` has beyond them
    (`tf_kbackend.legacy.tensorflow_backend`);
  - the legacy Keras names that do not work on tf_kbackend: the table of
    the "What does not work" section of docs/legacy_keras.md.
- tf2_names.json: every public name of the installed TensorFlow 2's `tf`
  namespace (modules walked; `tf.compat`, `tf.keras`, `tf.raw_ops`... kept
  whole), so that `check` can tell a TensorFlow 2 name from one that only
  TF1 had. TF1 names themselves come from tf_kbackend/data/tf1_names.json,
  the TF1 layer's catalog (tools/gen_tf1_catalog.py).

    python tools/gen_check_data.py          # rewrite both
    python tools/gen_check_data.py --check  # exit 1 if either is stale
"""

import argparse
import json
import os
import re
import sys
import types
import unicodedata

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
GOLDEN = os.path.join(ROOT, 'tests', 'golden', 'legacy_backend_api.txt')
DEVIATIONS_DIR = os.path.join(ROOT, 'docs', 'deviations')
LEGACY_PAGE = os.path.join(ROOT, 'docs', 'legacy_keras.md')
DATA = os.path.join(ROOT, 'tf_kbackend', 'data')
KNOWLEDGE = os.path.join(DATA, 'check_knowledge.json')
TF2_NAMES = os.path.join(DATA, 'tf2_names.json')
# Pages about something other than the TensorFlow implementation's API:
# the numpy reference backend, legacy Keras's own test suite, and the TF1
# names (whose statuses come from the TF1 catalog).
NOT_ABOUT_THE_API = ('numpy_backend.md', 'legacy_keras.md', 'tf1_names.md')
UNSUPPORTED_SECTION = 'What does not work'
# Namespaces of `tf` kept whole (not walked): they mirror other APIs.
TF2_OPAQUE = ('tf.compat', 'tf.keras', 'tf.raw_ops', 'tf.estimator')


def golden_names():
  names = []
  with open(GOLDEN, encoding='utf-8') as f:
    for line in f:
      line = line.strip()
      if line and not line.startswith('#'):
        names.append(re.match(r'\w+', line).group(0))
  return names


def slugify(text):
  """The anchor MkDocs (Python-Markdown's toc) gives a heading."""
  text = re.sub(r'`([^`]*)`', r'\1', text)
  text = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore')
  text = re.sub(r'[^\w\s-]', '', text.decode('ascii')).strip().lower()
  return re.sub(r'[-\s]+', '-', text)


_CODE = re.compile(r'`([^`]+)`')
_CODE_NAME = re.compile(r'(?:K\.|keras\.backend\.)?([A-Za-z_]\w*)(?:\(.*\))?')


def _code_names(text, api, outside_parentheses=False):
  """API names written as code: `name`, `K.name`, `name(...)`.

  With `outside_parentheses`, code inside a parenthesized aside (an
  example, "(`placeholder(shape=None)`)") does not count.
  """
  spans = _CODE.findall(text)
  if outside_parentheses:
    masked = _CODE.sub(lambda m: f'\0{spans.index(m.group(1))}\0', text)
    while True:
      stripped = re.sub(r'\([^()]*\)', '', masked)
      if stripped == masked:
        break
      masked = stripped
    spans = [spans[int(i)] for i in re.findall(r'\0(\d+)\0', masked)]
  found = []
  for span in spans:
    match = _CODE_NAME.fullmatch(span.strip())
    if match and match.group(1) in api:
      found.append(match.group(1))
  return found


def _sections(markdown, levels=('## ',)):
  """[(heading or None, body lines)], split at headings of `levels`."""
  sections, heading, body = [], None, []
  for line in markdown.splitlines():
    if line.startswith(levels):
      sections.append((heading, body))
      heading, body = line.split(' ', 1)[1].strip(), []
    else:
      body.append(line)
  sections.append((heading, body))
  return sections


def _heading_names(heading, api):
  names = _code_names(heading, api)
  words = re.split(r'\s*(?:,|\band\b)\s*', _CODE.sub('', heading).strip())
  if all(w.lower() in api for w in words if w):
    names += [w.lower() for w in words if w]
  return names


def _documented_names(markdown, api):
  """{name: anchor or ''} of the API names a deviations page documents.

  The rule: a page's sections are its `##` and `###` headings; the text
  before the first (title and scope) does not count, unless the page has
  none, in which case the page is one section; sections about the numpy
  reference ("numpy" in the heading) do not count. A section documents:
  the names written as code in its heading (`` `batch_dot` ``), or all the
  words of a heading that is only a list of names (`## rnn`, `## Dropout`,
  `## map_fn, foldl, foldr`); the names written as code in the first cell
  of its table rows and at the start of its list items, outside
  parenthesized asides; and, in a section without tables or lists whose
  heading names nothing, the names written as code in its text.
  """
  sections = _sections(markdown, ('## ', '### '))
  if len(sections) > 1:
    sections = sections[1:]
  found = {}
  for heading, body in sections:
    if heading and 'numpy' in heading.lower():
      continue
    anchor = slugify(heading) if heading else ''
    names = _heading_names(heading, api) if heading else []
    rows = [line for line in body if line.startswith('|')]
    items = [line[2:] for line in body if line.startswith('- ')]
    for row in rows:
      first_cell = row.strip('|').split('|')[0]
      names += _code_names(first_cell, api, outside_parentheses=True)
    for item in items:
      names += _code_names(item.split(':')[0], api, outside_parentheses=True)
    if not names and not rows and not items:
      names += _code_names('\n'.join(body), api)
    for name in names:
      found.setdefault(name, anchor)
  return found


def backend_statuses(api):
  statuses = {name: {'status': 'works', 'docs': []} for name in api}
  for page in sorted(os.listdir(DEVIATIONS_DIR)):
    if not page.endswith('.md') or page in NOT_ABOUT_THE_API:
      continue
    with open(os.path.join(DEVIATIONS_DIR, page), encoding='utf-8') as f:
      documented = _documented_names(f.read(), set(api))
    for name, anchor in documented.items():
      link = f'docs/deviations/{page}' + (f'#{anchor}' if anchor else '')
      statuses[name]['status'] = 'deviation'
      statuses[name]['docs'].append(link)
  return statuses


def _cells(row):
  return [cell.strip() for cell in row.strip().strip('|').split('|')]


def keras_unsupported():
  """{dotted name: {why, instead}} from docs/legacy_keras.md's table."""
  with open(LEGACY_PAGE, encoding='utf-8') as f:
    sections = dict(_sections(f.read())[1:])
  body = sections.get(UNSUPPORTED_SECTION)
  if body is None:
    raise ValueError(f'{LEGACY_PAGE} has no "## {UNSUPPORTED_SECTION}" '
                     f'section.')
  rows = [line for line in body if line.startswith('|')][2:]
  if not rows:
    raise ValueError(f'The "{UNSUPPORTED_SECTION}" section of {LEGACY_PAGE} '
                     f'has no table (| Name | Why | Instead |).')
  found = {}
  for row in rows:
    names, why, instead = _cells(row)
    for name in _CODE.findall(names):
      found[name] = {'why': why.replace('`', ''),
                     'instead': instead.replace('`', '')}
  return found


def tensorflow_backend_names(api):
  from tf_kbackend.legacy import tensorflow_backend  # pylint: disable=g-import-not-at-top
  names = set(getattr(tensorflow_backend, '__all__', ()))
  for name, value in vars(tensorflow_backend).items():
    if name.startswith('__'):
      continue
    defined_here = getattr(value, '__module__', None) == (
        tensorflow_backend.__name__)
    if defined_here or (isinstance(value, types.ModuleType) and
                        not name.startswith('_')):
      names.add(name)
  return sorted(names - set(api))


def render_knowledge():
  sys.path.insert(0, ROOT)
  import tf_kbackend  # pylint: disable=g-import-not-at-top
  missing = set(golden_names()) - set(tf_kbackend.__all__)
  if missing:
    raise ValueError('Names of the golden API list missing from '
                     f'tf_kbackend.__all__: {sorted(missing)}')
  # The legacy names plus tf_kbackend's own additions (e.g. FeedError).
  api = sorted(tf_kbackend.__all__)
  knowledge = {
      'about': 'Generated by tools/gen_check_data.py from '
               'tests/golden/legacy_backend_api.txt, tf_kbackend\'s '
               'namespaces, docs/deviations/*.md and docs/legacy_keras.md. '
               'Do not edit.',
      'backend': backend_statuses(api),
      'tensorflow_backend': tensorflow_backend_names(api),
      'keras_unsupported': keras_unsupported(),
  }
  return json.dumps(knowledge, indent=1, sort_keys=True) + '\n'


def render_tf2_names():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  names, modules, seen = set(), set(), set()

  def walk(module, prefix):
    if id(module) in seen:
      return
    seen.add(id(module))
    for name in dir(module):
      if name.startswith('_'):
        continue
      full = f'{prefix}.{name}'
      if full in TF2_OPAQUE:
        continue
      try:
        value = getattr(module, name)
      except Exception:  # pylint: disable=broad-except
        continue  # A lazily loaded module that does not load here.
      if isinstance(value, types.ModuleType):
        # The public API modules; others (tensorflow.python..., reached
        # through an attribute) are not part of the `tf` namespace.
        if value.__name__.startswith('tensorflow._api.'):
          modules.add(full)
          walk(value, full)
      else:
        names.add(full)

  walk(tf, 'tf')
  data = {
      'about': 'Generated by tools/gen_check_data.py from the installed '
               'TensorFlow. Do not edit.',
      'tensorflow': tf.__version__,
      'opaque': sorted(TF2_OPAQUE),
      'modules': sorted(modules),
      'names': sorted(names),
  }
  return json.dumps(data, indent=0, sort_keys=True) + '\n'


def write_or_check(files, check, stale=None):
  """Writes {path: text}, or with `check` exits 1 naming the stale ones.

  Args:
    files: {path: text} of the generated files.
    check: compare instead of writing.
    stale: stale paths found already (relative to the repository).
  """
  stale = list(stale or [])
  for path, text in files.items():
    if check:
      try:
        with open(path, encoding='utf-8') as f:
          current = f.read()
      except OSError:
        current = None
      if current != text:
        stale.append(os.path.relpath(path, ROOT))
    else:
      os.makedirs(os.path.dirname(path), exist_ok=True)
      with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
  if stale:
    print(f'stale: {", ".join(stale)}: run python tools/gen_docs.py')
    sys.exit(1)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--check', action='store_true')
  args = parser.parse_args()
  os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
  write_or_check({KNOWLEDGE: render_knowledge(), TF2_NAMES: render_tf2_names()},
                 args.check)


if __name__ == '__main__':
  main()
