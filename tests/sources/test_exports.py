"""Real exports from reference managers (tests/fixtures/exports, sources in SOURCES.md).

Valid input gives no errors and no false warnings; each planted mistake gives
exactly one finding.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from citepress import check
from citepress import config as project
from citepress.sources.bib import parse
from tests.conftest import ROOT

EXPORTS = ROOT / "tests" / "fixtures" / "exports"
FILES = sorted(p.name for p in EXPORTS.iterdir() if p.suffix in (".bib", ".json"))
# The findings that are true of the files as their authors left them.
TRUE = {
    "zotero-better-bibtex.bib": ["bib.missing-field abramsonImprovingMultimodalInteractive2022a"],
    "zotero-bibtex.bib": [
        "bib.missing-field spencer_modelling_nodate",
        "bib.missing-field john_c._tully_nonadiabatic_1998",
        "bib.missing-field noauthor_notitle_nodate",
    ],
}


def _keys(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return [str(item["id"]) for item in json.loads(text)]
    return [entry.key for entry in parse(text, path.name)[0]]


def _project(tmp_path: Path, name: str, text: str, keys: list[str]) -> Path:
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "bib").mkdir()
    (tmp_path / "bib" / name).write_text(text, encoding="utf-8")
    cites = " ".join(f"[@{{{key}}}]" for key in keys)
    (tmp_path / "manuscript" / "chapter.md").write_text(
        f"---\ntitle: T\nauthor: A\nlang: en\n---\n\nText {cites}.\n", encoding="utf-8"
    )
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.citepress]\nbibliography = ["bib/{name}"]\n', encoding="utf-8"
    )
    return tmp_path


def _findings(root: Path) -> list[str]:
    found = check.run(project.load(root)).diagnostics
    return [f"{d.code} {_key(d.message)}" for d in found if d.severity != "note"]


def _key(message: str) -> str:
    quoted = re.search(r"'([^']+)'", message)
    return quoted.group(1) if quoted else message


@pytest.mark.parametrize("name", FILES)
def test_a_real_export_gives_no_false_finding(tmp_path: Path, name: str) -> None:
    path = EXPORTS / name
    root = _project(tmp_path, name, path.read_text(encoding="utf-8"), _keys(path))
    assert _findings(root) == TRUE.get(name, [])


PLANTED = [
    # (file, what to replace, with what, the one finding it must give)
    ("zotero-better-bibtex.bib", "date = {2020-05-15},", "date = {2020-05-35},", "date.invalid"),
    # Read before it appeared is online-first (a note); read after the edition, an error.
    ("zotero-better-bibtex.bib", "urldate = {2022-11-11},", "urldate = {2122-11-11},",
     "date.future"),
    ("jabref.bib", "year      = {2003}", "yeer      = {2003}", "bib.missing-field"),
    ("google-scholar.bib", "year={", "year={19", "date.invalid"),
    ("zotero-csl.json", '"2023",\n\t\t\t\t\t8,', '"2023",\n\t\t\t\t\t13,', "date.invalid"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "old", "new", "code"), PLANTED)
def test_a_planted_mistake_gives_exactly_one_finding(
    tmp_path: Path, name: str, old: str, new: str, code: str
) -> None:
    path = EXPORTS / name
    text = path.read_text(encoding="utf-8")
    assert old in text, "the planted mistake must change the file"
    root = _project(tmp_path, name, text.replace(old, new, 1), _keys(path))
    extra = [f for f in _findings(root) if f not in TRUE.get(name, [])]
    assert [f.split()[0] for f in extra] == [code], extra


def test_every_export_names_its_source() -> None:
    sources = (EXPORTS / "SOURCES.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in sources for name in FILES)


def test_zoteros_url_ids_are_placed_when_cited_bare(tmp_path: Path) -> None:
    """[@http://zotero.org/users/1/items/X]: a key of several punctuation characters in a row."""
    path = EXPORTS / "zotero-csl.json"
    root = _project(tmp_path, path.name, path.read_text(encoding="utf-8"), [])
    cites = " ".join(f"[@{key}]" for key in _keys(path))
    chapter = root / "manuscript" / "chapter.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("Text .", f"Text {cites}."))
    assert _findings(root) == []  # no internal.position: each key found where it stands
