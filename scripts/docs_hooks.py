"""mkdocs hooks: the reference's tables, made from the registries when the docs are built.

A page holds a marker (``<!-- generated: codes -->``) where a table belongs; the
table is made here from the one place that declares it, so no page can drift from
the code: the diagnostic codes from ``citepress.diagnostics.Code``, the editions from
``citepress.editions.EDITIONS``, the settings from ``citepress.config``'s schemas,
and the module map from the floors of
``pyproject.toml``'s import-linter contract and each module's docstring.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "citepress"
MARKER = re.compile(r"<!-- generated: ([a-z]+) -->")


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace each marker with its table (mkdocs calls this for every page)."""
    return MARKER.sub(lambda found: TABLES[found.group(1)](), markdown)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codes() -> str:
    """The diagnostic codes: default severity, what each means, why that default."""
    from citepress.diagnostics import Code  # noqa: PLC0415 -- the docs' own build

    rows = ["| code | default | what it means | why this default |", "|---|---|---|---|"]
    for code in Code:
        rows.append(f"| `{code}` | {code.severity} | {_cell(code.summary)} | {_cell(code.why)} |")
    return "\n".join(rows)


def editions() -> str:
    """The editions a build can make, in the registry's order."""
    from citepress.editions import EDITIONS  # noqa: PLC0415

    rows = ["| `--format` | what it makes | its templates |", "|---|---|---|"]
    for edition in EDITIONS:
        rows.append(f"| `{edition.name}` | {edition.summary} | `templates/{edition.templates}` |")
    return "\n".join(rows)


def settings() -> str:
    """Every setting: its table, key, default and what it does (``config``'s schemas)."""
    from citepress import config  # noqa: PLC0415

    rows = ["| table | key | default | what it does |", "|---|---|---|---|"]
    tables = (
        ("tool.citepress", config.SCHEMA),
        ("tool.citepress.pdf", config.PDF_SCHEMA),
        ("tool.citepress.print", config.PRINT_SCHEMA),
    )
    for table, schema in tables:
        for option in schema:
            shown = json.dumps(option.default)  # as TOML writes it: "A5", false, 300
            default = "unset" if option.default in (None, "", {}) else f"`{shown}`"
            rows.append(f"| `[{table}]` | `{option.key}` | {default} | {_cell(option.doc)} |")
    return "\n".join(rows)


def floors() -> list[list[str]]:
    """The floors of the layers contract, top first, each as its packages or modules."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = project["tool"]["importlinter"]["contracts"][0]
    return [re.split(r"\s*[|:]\s*", layer) for layer in contract["layers"]]


def summary(path: Path) -> str:
    """The first line of a module's docstring."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.splitlines()[0] if doc else ""


def modules() -> str:
    """Every module, floor by floor from the top, with the first line of its docstring."""
    lines = []
    for floor in floors():
        lines.append(f"| **{' · '.join(name.removeprefix('citepress.') for name in floor)}** | |")
        for name in floor:
            relative = Path(*name.split(".")[1:])
            folder = PACKAGE / relative
            paths = sorted(folder.rglob("*.py")) if folder.is_dir() else [folder.with_suffix(".py")]
            for path in paths:
                shown = path.relative_to(PACKAGE).as_posix()
                lines.append(f"| `{shown}` | {_cell(summary(path))} |")
    return "\n".join(["| module | what it is |", "|---|---|", *lines])


TABLES = {"codes": codes, "editions": editions, "modules": modules, "settings": settings}
