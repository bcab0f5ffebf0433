"""Generates the assembled documentation pages and the data derived from docs.

- docs/api/: the API reference, one page per module of the TensorFlow
  implementation holding legacy API names (the names it defines, in the
  order of the legacy checklist, tests/golden/legacy_backend_api.txt), plus
  the export API, and docs/api/index.md, every name by checklist section
  with its signature and summary. The pages name what to document; the
  site (MkDocs with mkdocstrings, `mkdocs build --strict`, see mkdocs.yml)
  renders each name's signature and docstring from the source.
- docs/deviations.md: the deviation notes of each area
  (docs/deviations/*.md, kept beside the code they describe) on one page,
  their relative links rewritten for the page's place.
- tf_kbackend/data/check_knowledge.json and tf2_names.json, which
  `tf-kbackend check` reads (tools/gen_check_data.py).

Run after changing a docstring, an API name or a deviation note:

    python tools/gen_docs.py          # rewrite them
    python tools/gen_docs.py --check  # exit 1 if any is stale (or an API
                                      # name has no docstring)
"""

import argparse
import inspect
import os
import posixpath
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
sys.path.insert(0, os.path.join(ROOT, 'tools'))
import gen_check_data  # noqa: E402  pylint: disable=g-import-not-at-top

GOLDEN = os.path.join(ROOT, 'tests', 'golden', 'legacy_backend_api.txt')
API_DIR = os.path.join(ROOT, 'docs', 'api')
DEVIATIONS_DIR = os.path.join(ROOT, 'docs', 'deviations')
DEVIATIONS = os.path.join(ROOT, 'docs', 'deviations.md')
# Order of the areas on the deviations page; others follow alphabetically.
DEVIATION_ORDER = ('bridge', 'math', 'shape', 'nn', 'conv', 'control_flow',
                   'numpy_backend', 'legacy_keras')
# Public APIs beside the legacy names: module -> page title.
EXTRA_MODULES = {'tf_kbackend.export': 'Export to SavedModel and TFLite'}


def _sections():
  """[(section title, [names])] in checklist order."""
  sections = []
  with open(GOLDEN, encoding='utf-8') as f:
    for line in f:
      line = line.strip()
      if line.startswith('# ') and not line.startswith('# Every') and (
          not line.startswith('# Generated')):
        sections.append((line[2:], []))
      elif line and not line.startswith('#'):
        sections[-1][1].append(re.match(r'\w+', line).group(0))
  return sections


def _signature(obj):
  target = obj.__init__ if inspect.isclass(obj) else obj
  try:
    signature = str(inspect.signature(target))
  except (TypeError, ValueError):
    return '(...)'
  return signature.replace('(self, ', '(').replace('(self)', '()')


def _summary(obj):
  doc = inspect.getdoc(obj) or ''
  return doc.split('\n\n')[0].replace('\n', ' ').strip()


def _page_name(module_name):
  return module_name.split('.')[-1] + '.md'


def _anchor(module_name, name):
  return f'{module_name}.{name}'


def _undocumented(objects):
  return sorted(name for name, obj in objects.items()
                if not (inspect.getdoc(obj) or '').strip())


def render_api():
  """{path: text} of the pages of docs/api/.

  Raises:
    ValueError: naming the API names that have no docstring.
  """
  sys.path.insert(0, ROOT)
  import importlib  # pylint: disable=g-import-not-at-top
  import tf_kbackend.tf_backend as backend  # pylint: disable=g-import-not-at-top
  sections = _sections()
  objects = {name: getattr(backend, name)
             for _, names in sections for name in names}
  by_module = {}
  for _, names in sections:
    for name in names:
      by_module.setdefault(objects[name].__module__, []).append(name)
  extra = {}
  for module_name in EXTRA_MODULES:
    module = importlib.import_module(module_name)
    extra[module_name] = [n for n in module.__all__
                          if callable(getattr(module, n))]
    objects.update({f'{module_name}.{n}': getattr(module, n)
                    for n in module.__all__ if callable(getattr(module, n))})
  missing = _undocumented(objects)
  if missing:
    raise ValueError(f'These API names have no docstring: {missing}')

  pages = {}
  index = ['# API reference', '',
           'Every name of the legacy `keras.backend`, as tf_kbackend defines '
           'it (`import tf_kbackend as K`), by the sections of the legacy '
           'checklist; each links to its module\'s page, where the site shows '
           'its signature and docstring (examples are doctests). Generated '
           'by `tools/gen_docs.py`. Differences from legacy Keras: '
           '[deviations](../deviations.md).', '']
  for title, names in sections:
    index += [f'## {title}', '', '| Name | Signature | Summary |',
              '|---|---|---|']
    for name in names:
      module_name = objects[name].__module__
      kind = 'class ' if inspect.isclass(objects[name]) else ''
      signature = _signature(objects[name]).replace('|', '\\|')
      summary = _summary(objects[name]).replace('|', '\\|')
      index.append(
          f'| [`{name}`]({_page_name(module_name)}#'
          f'{_anchor(module_name, name)}) | `{kind}{name}{signature}` | '
          f'{summary} |')
    index.append('')
  index += ['## Beyond the legacy API', '']
  for module_name, title in EXTRA_MODULES.items():
    index.append(f'- [{title}]({_page_name(module_name)}) '
                 f'(`{module_name}`): ' + ', '.join(
                     f'`{n}`' for n in extra[module_name]))
  pages[os.path.join(API_DIR, 'index.md')] = '\n'.join(index).rstrip() + '\n'

  titles = {module_name: None for module_name in by_module}
  titles.update(EXTRA_MODULES)
  members = dict(by_module, **extra)
  for module_name, names in members.items():
    module = importlib.import_module(module_name)
    first = (inspect.getdoc(module) or '').split('\n\n')[0].replace('\n', ' ')
    title = titles[module_name] or f'`{module_name}`'
    text = [f'# {title}', '', first, '',
            f'Module `{module_name}`. Generated by `tools/gen_docs.py`; '
            f'the site renders the signature and docstring of each name '
            f'below. [All names](index.md).', '',
            f'::: {module_name}', '    options:', '      members:']
    text += [f'        - {name}' for name in names]
    pages[os.path.join(API_DIR, _page_name(module_name))] = (
        '\n'.join(text) + '\n')
  return pages


def _demote(markdown):
  """One heading level down, so each area is a section of the page."""
  return re.sub(r'^(#+) ', r'#\1 ', markdown, flags=re.M)


def _relink(markdown, from_dir, to_dir):
  """Rewrites relative .md links written from `from_dir` for `to_dir`."""
  def fix(match):
    text, target = match.group(1), match.group(2)
    if re.match(r'[a-z]+:|#|/', target):
      return match.group(0)
    path, _, anchor = target.partition('#')
    moved = posixpath.relpath(posixpath.normpath(posixpath.join(from_dir,
                                                                path)),
                              to_dir)
    target = moved + (f'#{anchor}' if anchor else '')
    if text == match.group(2):  # A link written as its own target.
      text = target
    return f'[{text}]({target})'
  return re.sub(r'\[([^\]]*)\]\(([^)\s]+)\)', fix, markdown)


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
    with open(os.path.join(DEVIATIONS_DIR, name + '.md'),
              encoding='utf-8') as f:
      out += [_relink(_demote(f.read().strip()), 'deviations', '.'), '']
  return '\n'.join(out).rstrip() + '\n'


def render_all():
  """{path: text} of every generated file."""
  pages = render_api()
  pages[DEVIATIONS] = render_deviations()
  pages[gen_check_data.KNOWLEDGE] = gen_check_data.render_knowledge()
  pages[gen_check_data.TF2_NAMES] = gen_check_data.render_tf2_names()
  return pages


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--check', action='store_true')
  args = parser.parse_args()
  os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
  pages = render_all()
  stale = []
  generated_api = {os.path.join(API_DIR, f) for f in os.listdir(API_DIR)
                   } if os.path.isdir(API_DIR) else set()
  for path in sorted(generated_api - set(pages)):
    if args.check:
      stale.append(os.path.relpath(path, ROOT) + ' (no longer generated)')
    else:
      os.remove(path)
  gen_check_data.write_or_check(pages, args.check, stale)


if __name__ == '__main__':
  main()
