"""Generates the two assembled documentation pages.

- docs/api.md, the API reference: every name of the legacy API
  (tests/golden/legacy_backend_api.txt, grouped as in the legacy checklist)
  with its signature and docstring, as the TensorFlow implementation
  defines them.
- docs/deviations.md: the deviation notes of each area
  (docs/deviations/*.md, kept beside the code they describe) on one page.

Run after changing a docstring or a deviation note:

    python tools/gen_docs.py          # rewrite both pages
    python tools/gen_docs.py --check  # exit 1 if either is stale
"""

import argparse
import inspect
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
GOLDEN = os.path.join(ROOT, 'tests', 'golden', 'legacy_backend_api.txt')
OUTPUT = os.path.join(ROOT, 'docs', 'api.md')
DEVIATIONS_DIR = os.path.join(ROOT, 'docs', 'deviations')
DEVIATIONS = os.path.join(ROOT, 'docs', 'deviations.md')
# Order of the areas on the deviations page; others follow alphabetically.
DEVIATION_ORDER = ('bridge', 'math', 'shape', 'nn', 'conv', 'control_flow',
                   'numpy_backend', 'legacy_keras')


def _sections():
  """[(section title, [names])] in checklist order."""
  sections = []
  with open(GOLDEN) as f:
    for line in f:
      line = line.strip()
      if line.startswith('# ') and not line.startswith('# Every') and (
          not line.startswith('# Generated')):
        sections.append((line[2:], []))
      elif line and not line.startswith('#'):
        sections[-1][1].append(re.match(r'\w+', line).group(0))
  return sections


def _anchor(name):
  return name.lower()


def _signature(obj):
  target = obj.__init__ if inspect.isclass(obj) else obj
  try:
    signature = str(inspect.signature(target))
  except (TypeError, ValueError):
    return '(...)'
  return signature.replace('(self, ', '(').replace('(self)', '()')


def _docstring(obj):
  doc = inspect.getdoc(obj) or '(undocumented)'
  # Doctest examples read as code blocks.
  lines, in_example = [], False
  for line in doc.splitlines():
    is_example = line.lstrip().startswith(('>>>', '...')) or (
        in_example and line.strip() and not line.startswith(
            ('Args:', 'Returns:', 'Raises:', 'Yields:')))
    if is_example and not in_example:
      lines.append('```python')
    if not is_example and in_example:
      lines.append('```')
    in_example = is_example
    lines.append(line.strip() if is_example else line)
  if in_example:
    lines.append('```')
  return '\n'.join(lines)


def render():
  sys.path.insert(0, ROOT)
  import tf_kbackend.tf_backend as backend  # pylint: disable=g-import-not-at-top
  out = ['# API reference', '',
         'Every name of the legacy `keras.backend`, as `tf_kbackend` defines '
         'it (`import tf_kbackend as K`). Generated from the docstrings by '
         '`tools/gen_docs.py`; examples are doctests. Differences from '
         'legacy Keras: [deviations.md](deviations.md).', '']
  sections = _sections()
  for title, names in sections:
    out.append(f'- **{title}**: ' + ', '.join(
        f'[`{n}`](#{_anchor(n)})' for n in names))
  for title, names in sections:
    out += ['', f'## {title}', '']
    for name in names:
      obj = getattr(backend, name)
      kind = 'class ' if inspect.isclass(obj) else ''
      out += [f'### {name}', '', f'`{kind}{name}{_signature(obj)}`', '',
              _docstring(obj), '']
  return '\n'.join(out).rstrip() + '\n'


def _demote(markdown):
  """One heading level down, so each area is a section of the page."""
  return re.sub(r'^(#+) ', r'#\1 ', markdown, flags=re.M)


def render_deviations():
  names = sorted(f[:-3] for f in os.listdir(DEVIATIONS_DIR)
                 if f.endswith('.md'))
  names.sort(key=lambda n: (DEVIATION_ORDER.index(n)
                            if n in DEVIATION_ORDER else len(DEVIATION_ORDER)))
  out = ['# Deviations from legacy Keras', '',
         'Every place where tf_kbackend behaves differently from the legacy '
         'Keras 2.2.4 / 2.3.1 TensorFlow backend, with the reason and the '
         'test that pins the actual behaviour. Assembled by '
         '`tools/gen_docs.py` from `docs/deviations/*.md`; edit those.', '']
  for name in names:
    with open(os.path.join(DEVIATIONS_DIR, name + '.md')) as f:
      out += [_demote(f.read().strip()), '']
  return '\n'.join(out).rstrip() + '\n'


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--check', action='store_true')
  args = parser.parse_args()
  pages = {OUTPUT: render(), DEVIATIONS: render_deviations()}
  stale = []
  for path, text in pages.items():
    if args.check:
      with open(path) as f:
        if f.read() != text:
          stale.append(os.path.relpath(path, ROOT))
    else:
      with open(path, 'w') as f:
        f.write(text)
  if stale:
    print(f'stale: {", ".join(stale)}: run python tools/gen_docs.py')
    sys.exit(1)


if __name__ == '__main__':
  main()
