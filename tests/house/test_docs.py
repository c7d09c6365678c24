"""The documentation: a newcomer's README, and a reference that builds and matches the code.

The reference (``docs/``, mkdocs) is built in strict mode: a broken link or anchor,
or a page missing from the navigation, fails. Its tables of codes, editions and
modules are made from the registries when it is built (scripts/docs_hooks.py);
what stays written by hand is tested against the code here.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from citepress import config
from citepress.diagnostics import Code
from citepress.sources.manuscript import PANDOC_KEYS
from tests.conftest import ROOT

DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "src" / "citepress"


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_the_reference_builds_in_strict_mode(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    codes = (site / "codes" / "index.html").read_text(encoding="utf-8")
    assert all(f"<code>{code}</code>" in codes for code in Code)
    modules = (site / "modules" / "index.html").read_text(encoding="utf-8")
    for path in PACKAGE.rglob("*.py"):
        assert path.relative_to(PACKAGE).as_posix() in modules, path
    assert "<!-- generated" not in codes + modules
    settings = (site / "settings" / "index.html").read_text(encoding="utf-8")
    for option in (*config.SCHEMA, *config.PDF_SCHEMA, *config.PRINT_SCHEMA):
        assert f"<code>{option.key}</code>" in settings, option.key
        assert option.doc, option.key


def test_the_readme_is_a_newcomers_page() -> None:
    """At most 250 lines, the two commands first, and a way into the reference."""
    assert len(README.splitlines()) <= 250
    assert README.split("```")[1].split() == ["sh", "make", "make", "test"]
    for link in re.findall(r"\]\((docs/[^)]+)\)", README):
        assert (ROOT / link).is_file(), link


def test_every_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert sorted(re.findall(r": (\S+\.md)$", nav, re.M)) == sorted(
        path.name for path in DOCS.glob("*.md")
    )


def test_every_code_has_an_example() -> None:
    rows = re.findall(r"^\| `([a-z]+\.[a-z-]+)` \| (.+) \|$", _page("codes.md"), re.M)
    assert sorted(code for code, _ in rows) == sorted(str(code) for code in Code)
    for code, example in rows:
        assert f"[{code}]" in example or "never" in example, code


def test_every_setting_is_documented() -> None:
    settings = _page("settings.md")
    for option in (*config.SCHEMA, *config.PDF_SCHEMA):
        key = re.escape(option.key)
        found = re.search(rf"^(?:{key} = |\[tool\.citepress\.{key}\])", settings, re.M)
        assert found, option.key


def test_the_metadata_pandoc_would_obey_is_named_as_the_code_has_it() -> None:
    """The keys the check page says are refused are refused; ``csl`` is ours."""
    text = " ".join(_page("check.md").split())
    sentence = text[text.index("Metadata pandoc would obey") :].split("is `md.metadata`")[0]
    named = re.findall(r"`([a-z-]+)`", sentence)
    assert named and set(named) <= set(PANDOC_KEYS)
    assert "csl" not in PANDOC_KEYS


def test_every_module_says_what_it_is() -> None:
    """The module map is made from the first line of each module's docstring."""
    for path in PACKAGE.rglob("*.py"):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()[0]) > 10, path
