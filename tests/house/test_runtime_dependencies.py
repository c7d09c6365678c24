"""Every module the package imports, at any depth or inside any function, is installed
by ``pip install citepress``: the standard library, the package itself, or a runtime
dependency (``[project] dependencies``), never a dev extra.

Before pypdf was declared, an installed citepress (``pipx install .``) ended
``citepress proof`` with "ModuleNotFoundError: No module named 'pypdf'", and
``build --format print`` refused to run, though both are documented: pypdf was a
dev dependency only, which the tests (run with the dev extras) could not see.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "citepress"


def _imported_top_levels() -> dict[str, str]:
    """Each top-level module imported in the package -> one file that imports it."""
    found: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], path.relative_to(ROOT).as_posix())
    return found


def _runtime_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0] for req in project["dependencies"]}
    wanted = {_normal(name) for name in names}
    # What the runtime dependencies themselves require is installed with them.
    seen: set[str] = set()
    while wanted - seen:
        name = (wanted - seen).pop()
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for req in requires:
            if "extra ==" not in req:
                wanted.add(_normal(re.split(r"[<>=!~\[; (]", req, maxsplit=1)[0]))
    return wanted


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_import_of_the_package_is_a_runtime_dependency() -> None:
    runtime = _runtime_distributions()
    owners = metadata.packages_distributions()
    missing = {}
    for module, where in sorted(_imported_top_levels().items()):
        if module in sys.stdlib_module_names or module == "citepress":
            continue
        distributions = {_normal(d) for d in owners.get(module, [])}
        if not distributions & runtime:
            missing[module] = where
    assert missing == {}


def test_one_pdf_library() -> None:
    """pikepdf writes every PDF the package edits: the merge, the print-shop PDF, the proof."""
    libraries = {"pikepdf", "pypdf", "PyPDF2", "fitz", "pdfrw", "borb", "reportlab"}
    assert libraries & set(_imported_top_levels()) == {"pikepdf"}
