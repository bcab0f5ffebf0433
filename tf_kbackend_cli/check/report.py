"""The report of `check`: names found, their status, and where they are used."""

import dataclasses
import json
import os
import textwrap
import tokenize

from tf_kbackend_cli import version as version_lib
from tf_kbackend_cli.check import knowledge as knowledge_lib
from tf_kbackend_cli.check import scanner

# Directories never searched: environments and caches hold other people's
# code (a virtualenv holds Keras 3, TensorFlow...).
SKIPPED_DIRS = ('.git', '.hg', '.svn', '.tox', '.nox', '.venv', 'venv',
                '__pycache__', 'node_modules', 'site-packages', 'build',
                'dist', '.eggs')


@dataclasses.dataclass
class Entry:
  """One name: its status and every use."""
  name: str
  kind: str
  verdict: knowledge_lib.Verdict
  uses: list = dataclasses.field(default_factory=list)


def python_files(paths):
  """The .py files of `paths` (files, or directories searched), sorted.

  Raises:
    FileNotFoundError: naming a path that does not exist.
  """
  found = []
  for path in paths:
    if os.path.isfile(path):
      found.append(path)
    elif os.path.isdir(path):
      for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and
                         not d.endswith('.egg-info'))
        found.extend(os.path.join(folder, f) for f in sorted(files)
                     if f.endswith('.py'))
    else:
      raise FileNotFoundError(f'No such file or directory: {path!r}')
  return list(dict.fromkeys(os.path.normpath(p) for p in found))


def _verdict(knowledge, use):
  if use.kind == scanner.BACKEND:
    return knowledge.backend(use.name), use.display
  if use.kind == scanner.TENSORFLOW_BACKEND:
    return knowledge.tensorflow_backend(use.name), use.display
  if use.kind == scanner.KERAS:
    return knowledge.keras(use.name), use.display
  return knowledge.tensorflow(use.name)


@dataclasses.dataclass
class Report:
  """What `check` found in a set of files."""
  paths: list
  files: list
  entries: list
  knowledge: knowledge_lib.Knowledge

  def count(self, status):
    """(names, uses) with `status`."""
    entries = [e for e in self.entries if e.verdict.status == status]
    return len(entries), sum(len(e.uses) for e in entries)

  def exit_status(self, strict=False):
    """1 if something unsupported (or, if `strict`, unknown) is used."""
    failing = [knowledge_lib.UNSUPPORTED] + (
        [knowledge_lib.UNKNOWN] if strict else [])
    return 1 if any(self.count(s)[0] for s in failing) else 0

  def as_dict(self):
    return {
        'tool': 'tf-kbackend check',
        'tf_kbackend': version_lib.version(),
        'tensorflow_names': self.knowledge.tensorflow_version,
        'tf1_catalog': self.knowledge.has_tf1_catalog,
        'paths': self.paths,
        'files': self.files,
        'summary': {
            status: dict(zip(('names', 'uses'), self.count(status)))
            for status in knowledge_lib.STATUSES
        },
        'names': [{
            'name': e.name,
            'kind': e.kind,
            'status': e.verdict.status,
            'note': e.verdict.note,
            'docs': list(e.verdict.docs),
            'uses': [{'path': u.path, 'line': u.line, 'column': u.column}
                     for u in e.uses],
        } for e in self.entries],
    }

  def as_json(self):
    return json.dumps(self.as_dict(), indent=2) + '\n'

  def as_text(self):
    total_uses = sum(len(e.uses) for e in self.entries)
    counts = ', '.join(f'{self.count(s)[0]} {s}'
                       for s in knowledge_lib.STATUSES)
    lines = [f'tf-kbackend check: {len(self.files)} files; '
             f'{len(self.entries)} names used {total_uses} times: {counts}']
    if not self.knowledge.has_tf1_catalog:
      lines.append('(no TF1 catalog installed: TF1-only TensorFlow names '
                   'are reported as unknown)')
    for status in knowledge_lib.STATUSES:
      entries = [e for e in self.entries if e.verdict.status == status]
      if not entries:
        continue
      names, uses = self.count(status)
      lines += ['', f'{status} ({names} names, {uses} uses)']
      for entry in entries:
        detail = entry.verdict.note
        if entry.verdict.docs:
          detail = (detail + ': ' if detail else '') + ', '.join(
              entry.verdict.docs)
        lines.append(f'  {entry.name}  [{entry.kind}]' +
                     (f'  {detail}' if detail else ''))
        where = ', '.join(f'{u.path}:{u.line}' for u in entry.uses)
        lines += textwrap.wrap(where, 100, initial_indent='      ',
                               subsequent_indent='      ',
                               break_on_hyphens=False)
    return '\n'.join(lines) + '\n'


def check(paths, knowledge=None):
  """Scans `paths` and returns the `Report`.

  Raises:
    FileNotFoundError: naming a path that does not exist.
  """
  knowledge = knowledge or knowledge_lib.Knowledge()
  files = python_files(paths)
  entries = {}
  for path in files:
    try:
      with tokenize.open(path) as f:  # Honours a PEP 263 coding line.
        uses = scanner.scan_source(f.read(), path)
    except (SyntaxError, UnicodeDecodeError) as e:
      line = getattr(e, 'lineno', None) or 1
      message = getattr(e, 'msg', None) or str(e)
      key = ('syntax error', scanner.SYNTAX)
      if key not in entries:
        entries[key] = Entry('not Python 3', scanner.SYNTAX,
                             knowledge_lib.Verdict(
                                 knowledge_lib.UNSUPPORTED,
                                 'the file does not parse as Python 3 (legacy '
                                 'code may be Python 2: port it first, e.g. '
                                 'with 2to3), so nothing in it was checked'))
      entries[key].uses.append(scanner.Use(scanner.SYNTAX, message, line, 0,
                                           path))
      continue
    for use in uses:
      verdict, name = _verdict(knowledge, use)
      key = (use.kind, name)
      if key not in entries:
        entries[key] = Entry(name, use.kind, verdict)
      entries[key].uses.append(use)
  order = {s: i for i, s in enumerate(knowledge_lib.STATUSES)}
  ranked = sorted(entries.values(), key=lambda e: (
      order[e.verdict.status], e.kind != scanner.SYNTAX, e.name))
  return Report(list(paths), files, ranked, knowledge)
