"""Build a throw-away project from a fixture folder and run the check on it."""

from __future__ import annotations

import shutil
from pathlib import Path

from citepress import check
from citepress import config as project
from citepress.report import formatters

FIXTURES = Path(__file__).parent / "fixtures" / "check"


def make_project(fixture: Path, dest: Path) -> Path:
    """Lay out ``fixture`` (chapter.md, refs.bib, settings.toml) as a project in ``dest``."""
    (dest / "manuscript").mkdir(parents=True)
    (dest / "bib").mkdir()
    shutil.copy(fixture / "chapter.md", dest / "manuscript" / "chapter.md")
    shutil.copy(fixture / "refs.bib", dest / "bib" / "refs.bib")
    settings = fixture / "settings.toml"
    extra = settings.read_text(encoding="utf-8") if settings.exists() else ""
    (dest / "pyproject.toml").write_text(
        '[tool.citepress]\nbibliography = ["bib/refs.bib"]\n' + extra, encoding="utf-8"
    )
    return dest


def run_text(root: Path) -> str:
    """The check's text report for the project at ``root``."""
    result = check.run(project.load(root))
    return formatters.text(result.diagnostics)
