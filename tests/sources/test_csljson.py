"""CSL JSON and CSL YAML bibliographies: read, checked with positions, printed as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citepress.diagnostics import Code
from tests.runcli import cli
from tests.sources.test_one_reading import codes, html_edition, make

ITEMS = """[
  {
    "id": "zot1",
    "type": "article-journal",
    "title": "A Mathematical Theory of Communication",
    "container-title": "Bell System Technical Journal",
    "author": [{"family": "Shannon", "given": "Claude E."}],
    "issued": {"date-parts": [[1948, 7]]},
    "page": "379-423"
  },
  {
    "id": "bad-date",
    "type": "book",
    "title": "Bad",
    "author": [{"family": "Z"}],
    "issued": {"date-parts": [[2006, 2, 30]]}
  }
]
"""
YAML = """references:
- id: yam1
  type: book
  title: Computability
  author:
  - family: Turing
    given: Alan
  issued:
    date-parts:
    - [1937]
"""


def _project(tmp_path: Path, files: dict[str, str], body: str) -> Path:
    root = make(tmp_path, body)
    for name, text in files.items():
        (root / "bib" / name).write_text(text, encoding="utf-8")
    listed = ", ".join(f'"bib/{name}"' for name in ["refs.bib", *files])
    severity = '[tool.citepress.severity]\n"ref.unused" = "note"\n'
    (root / "pyproject.toml").write_text(
        f"[tool.citepress]\nbibliography = [{listed}]\n{severity}", encoding="utf-8"
    )
    return root


@pytest.mark.slow
def test_csl_json_and_yaml_are_read_checked_and_printed(tmp_path: Path) -> None:
    files = {"more.json": ITEMS, "extra.yaml": YAML}
    root = _project(tmp_path, files, "S [@zot1]. B [@bad-date]. Y [@yam1].\n")
    assert codes(root) == [(Code.DATE_INVALID, 12, 1)]  # the item whose id is on line 12
    notes = re.findall(r'class="note">(.*?)</li>', html_edition(root, "--force"))
    text = [re.sub(r"<[^>]+>", "", note) for note in notes]
    assert text[0].startswith("1.Claude E. Shannon, “A Mathematical Theory of Communication,”")
    assert "379–423" in text[0] and text[2] == "3.Alan Turing, Computability (1937)."


def test_a_broken_or_unknown_bibliography_is_an_error_not_an_empty_one(tmp_path: Path) -> None:
    files = {"broken.json": '[{"id": "x",', "odd.ris": "TY  - JOUR\n", "noid.yaml": "- title: T\n"}
    root = _project(tmp_path, files, "Text [@a].\n")
    done = cli(root, "check")
    assert done.returncode == 1
    assert "bib/broken.json:1:13: error: not CSL JSON" in done.stdout
    assert "bib/odd.ris:1:1: error: not a bibliography format citepress reads" in done.stdout
    assert "bib/noid.yaml:1:1: error: a CSL item without an id [bib.syntax]" in done.stdout


def test_a_bibliography_that_fails_to_parse_is_one_error_not_one_per_citation(
    tmp_path: Path,
) -> None:
    """Before: the file's error, then a ref.undefined for every citation of its items."""
    broken = ITEMS.replace('"type": "book",', '"type": "book"', 1)  # a comma missing
    root = _project(tmp_path, {"more.json": broken}, "S [@zot1]. B [@bad-date]. S [@zot1].\n")
    done = cli(root, "check")
    assert done.returncode == 1
    assert "bib/more.json:14:5: error: not CSL JSON: Expecting ',' delimiter" in done.stdout
    assert "ref.undefined" not in done.stdout
    assert done.stdout.splitlines()[-1].startswith("1 error,")


def test_a_broken_file_hides_only_its_own_keys(tmp_path: Path) -> None:
    """The file's keys are still found in its text: a typo of another key is an error."""
    broken = ITEMS.replace('"type": "book",', '"type": "book"', 1)
    root = _project(tmp_path, {"more.json": broken}, "S [@zot1]. T [@zot2-typo].\n")
    done = cli(root, "check")
    assert "citation key 'zot1'" not in done.stdout  # declared in the broken file
    assert "citation key 'zot2-typo' is not in the bibliography" in done.stdout


def test_a_forthcoming_csl_item_is_not_in_the_future(tmp_path: Path) -> None:
    """CSL's status is biblatex's pubstate: a forthcoming item may be dated after the edition."""
    item = '[{"id": "next", "type": "book", "title": "T", "author": [{"family": "Z"}],'
    item += ' "issued": {"date-parts": [[2099]]}, "status": "forthcoming"}]'
    root = _project(tmp_path, {"next.json": item}, "Soon [@next].\n")
    assert codes(root) == []
