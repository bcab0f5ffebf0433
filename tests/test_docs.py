"""The documentation: its Python examples run, its generated parts are
current, and the site builds with strict link and docstring checks."""

import os
import re
import subprocess
import sys
import textwrap

import pytest

import tf_kbackend.tf_backend as K

ROOT = os.path.join(os.path.dirname(__file__), '..')


def _python_blocks(path):
  with open(os.path.join(ROOT, path)) as f:
    return re.findall(r'```python\n(.*?)```', f.read(), re.S)


@pytest.mark.parametrize('path', ['README.md', 'docs/getting_started.md'])
def test_python_blocks_run_in_order(path, capsys):
  blocks = _python_blocks(path)
  assert blocks, f'{path} has no python examples'
  namespace = {}
  for block in blocks:
    exec(compile(block, path, 'exec'), namespace)  # pylint: disable=exec-used
  assert 'Tensor' in capsys.readouterr().out or path == 'README.md'
  K.clear_session()


def test_generated_pages_are_current():
  # docs/api/, docs/deviations.md and what `tf-kbackend check` reads.
  result = subprocess.run(
      [sys.executable, os.path.join(ROOT, 'tools', 'gen_docs.py'), '--check'],
      capture_output=True, text=True)
  assert result.returncode == 0, result.stdout + result.stderr


def _defined_tests():
  """Test function and class names, and test module names."""
  names = set()
  for folder, _, files in os.walk(os.path.join(ROOT, 'tests')):
    for name in files:
      if name.endswith('.py'):
        names.add(name[:-3])
        with open(os.path.join(folder, name)) as f:
          names.update(re.findall(r'def (test_\w+)', f.read()))
  return names


def test_every_test_named_on_the_deviations_page_exists():
  # legacy_keras.md names legacy Keras' own tests, which the legacy tier
  # downloads at run time; every other area names tests of this repository.
  named = set()
  notes = os.path.join(ROOT, 'docs', 'deviations')
  for name in os.listdir(notes):
    if name.endswith('.md') and name != 'legacy_keras.md':
      with open(os.path.join(notes, name)) as f:
        named.update(re.findall(r'\b(test_\w+)', f.read()))
  assert len(named) > 50
  missing = sorted(n for n in named - _defined_tests()
                   if not n.endswith('_'))  # a glob such as test_numpy_*
  assert not missing, f'deviations.md names tests that do not exist: {missing}'


def _mkdocs(arguments, cwd):
  return subprocess.run([sys.executable, '-m', 'mkdocs', *arguments],
                        cwd=cwd, capture_output=True, text=True, timeout=600,
                        check=False)


def test_site_builds_strictly(tmp_path):
  # mkdocs.yml: strict, with every link, anchor and API docstring checked.
  result = _mkdocs(['build', '--strict', '--site-dir', str(tmp_path)], ROOT)
  assert result.returncode == 0, result.stdout + result.stderr
  for page in ('index.html', 'api/math_ops/index.html', 'export/index.html',
               'migration/index.html', 'deviations/index.html'):
    assert (tmp_path / page).exists(), page
  math = (tmp_path / 'api' / 'math_ops' / 'index.html').read_text()
  assert 'id="tf_kbackend.tf_backend.math_ops.batch_dot"' in math
  # Doctest examples are shown as code.
  assert '<span class="go">array([[17.], [53.]])</span>' in math


def test_site_build_fails_on_a_broken_link_or_a_missing_docstring(tmp_path):
  import yaml  # pylint: disable=g-import-not-at-top
  with open(os.path.join(ROOT, 'mkdocs.yml'), encoding='utf-8') as f:
    config = yaml.safe_load(f)
  docs = tmp_path / 'docs'
  docs.mkdir()
  (docs / 'index.md').write_text(
      '# Home\n\n[gone](missing.md), [nowhere](#no-such-heading), '
      '[api](api.md)\n')
  (docs / 'api.md').write_text(
      '# API\n\n::: fixture_module\n    options:\n      members:\n'
      '        - documented\n        - undocumented\n        - absent\n')
  (tmp_path / 'fixture_module.py').write_text(textwrap.dedent('''\
      def documented():
        """Has one."""


      def undocumented():
        pass
      '''))
  (tmp_path / 'mkdocs.yml').write_text(yaml.safe_dump({
      'site_name': 'fixture', 'strict': True, 'plugins': [],
      'validation': config['validation'],
      'hooks': [os.path.join(ROOT, path) for path in config['hooks']],
  }))
  result = _mkdocs(['build', '--site-dir', str(tmp_path / 'site')],
                   str(tmp_path))
  assert result.returncode != 0
  log = result.stdout + result.stderr
  assert "contains a link 'missing.md', but the target is not found" in log
  assert "'#no-such-heading'" in log
  assert 'api.md: fixture_module.undocumented has no docstring.' in log
  assert "api.md: fixture_module has no member 'absent'." in log
  assert 'fixture_module.documented' not in log
