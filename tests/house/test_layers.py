"""The package's floors: no import runs up a floor, and no circle of imports at all.

The floors are declared once, in pyproject.toml's import-linter contract; the
README's module map and ground/__init__.py describe them. Imports made for type
checking only (``if TYPE_CHECKING:``) are not counted: they run no code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

from tests.conftest import ROOT


def circles(package: str) -> set[str]:
    """The modules of ``package`` that stand on a circle of imports.

    A module does when something it imports directly imports it back, however
    indirectly (grimp's ``chain_exists`` follows every path).
    """
    graph = grimp.build_graph(package, exclude_type_checking_imports=True, cache_dir=None)
    return {
        module
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    }


def test_no_import_runs_up_a_floor(capsys: pytest.CaptureFixture[str]) -> None:
    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out


def test_the_imports_have_no_circle() -> None:
    assert circles("citepress") == set()


def test_a_circle_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The finder itself: a package whose modules import each other in a ring."""
    package = tmp_path / "ringed"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from ringed import b\n")
    (package / "b.py").write_text("from ringed import c\n")
    (package / "c.py").write_text("import ringed.a\n")
    (package / "d.py").write_text("from ringed import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert circles("ringed") == {"ringed.a", "ringed.b", "ringed.c"}
    finally:
        for name in [name for name in sys.modules if name.startswith("ringed")]:
            del sys.modules[name]


def test_the_tests_are_laid_out_as_the_package() -> None:
    """A folder of tests a stage of the package, and two for what spans them."""
    tests = ROOT / "tests"
    assert sorted(p.name for p in tests.glob("test_*.py")) == []
    stages = {
        p.name for p in (ROOT / "src" / "citepress").iterdir() if (p / "__init__.py").is_file()
    }
    folders = {p.parent.name for p in tests.glob("*/test_*.py")}
    assert folders - stages == {"commands", "house"}
