"""Build-time helpers of the documentation site (mkdocs.yml names this file).

- `DoctestExamples`, a griffe extension: the docstrings here end with
  `>>>` examples (run as doctests) rather than an `Examples:` section;
  it turns them into one, so that the site shows them as code.
- `on_page_markdown`, a MkDocs hook: every name an API page lists
  (`::: module` with `members:`) must exist and have a docstring; a
  missing one is logged as a warning, which `mkdocs build --strict` turns
  into a failed build. The names are read statically with griffe (the
  same loader mkdocstrings uses): building the site imports no TensorFlow.
"""

import logging
import re

import griffe

_LOG = logging.getLogger('mkdocs.hooks.tf_kbackend')
_DIRECTIVE = re.compile(r'^::: ([\w.]+)\n((?:    .*\n?)*)', re.M)
_MEMBER = re.compile(r'^ {8}- (\w+)\s*$', re.M)
_LOADER = {}


class DoctestExamples(griffe.Extension):
  """Wraps the trailing `>>>` lines of a docstring in an Examples section."""

  def on_instance(self, *, obj, **kwargs):  # pylint: disable=unused-argument
    docstring = obj.docstring
    if docstring is None or 'Examples:' in docstring.value:
      return
    lines = docstring.value.split('\n')
    for index, line in enumerate(lines):
      if line.startswith('>>>'):
        examples = ['    ' + text if text else '' for text in lines[index:]]
        docstring.value = '\n'.join(
            lines[:index] + ([''] if index and lines[index - 1] else []) +
            ['Examples:'] + examples)
        return


def _module(name):
  if name not in _LOADER:
    _LOADER[name] = griffe.load(name, search_paths=['.'],
                                docstring_parser='google')
  return _LOADER[name]


def on_page_markdown(markdown, page, **kwargs):  # pylint: disable=unused-argument
  """Warns about listed API names that are missing or undocumented."""
  for match in _DIRECTIVE.finditer(markdown):
    module = _module(match.group(1))
    for name in _MEMBER.findall(match.group(2)):
      member = module.members.get(name)
      if member is None:
        _LOG.warning(f'{page.file.src_path}: {match.group(1)} has no '
                     f'member {name!r}.')
        continue
      if member.is_alias:
        try:
          member = member.final_target
        except griffe.AliasResolutionError:
          _LOG.warning(f'{page.file.src_path}: cannot resolve '
                       f'{match.group(1)}.{name}.')
          continue
      if member.docstring is None or not member.docstring.value.strip():
        _LOG.warning(f'{page.file.src_path}: {member.path} has no '
                     f'docstring.')
  return markdown
