"""The real chapter: its bibliography, its citations, and what the check says of it."""

from __future__ import annotations

import json
import re

import pypandoc

from citepress import check
from citepress import config as project
from citepress.sources import bib as bibliography
from citepress.sources import manuscript
from tests.conftest import BIB, CHAPTER, ROOT

# What an entry may say: only what the chapter gives (see docs/bibliography.md).
ALLOWED_FIELDS = {
    "speaker",
    "journaltitle",
    "howpublished",
    "date",
    "eventdate",
    "annotation",
    "missing",
}


def entries() -> list[bibliography.Entry]:
    parsed, diagnostics = bibliography.parse(BIB.read_text(encoding="utf-8"), "bib")
    assert diagnostics == []
    return parsed


def test_31_entries_each_cited_once_in_note_order() -> None:
    doc, _ = manuscript.parse(CHAPTER.read_text(encoding="utf-8"), "ch")
    keys = [c.key for c in doc.citations]
    assert len(entries()) == 31
    assert keys == [e.key for e in entries()]
    assert [c.note for c in doc.citations] == list(range(1, 32))


def test_entries_hold_only_what_the_chapter_gives() -> None:
    for entry in entries():
        assert set(entry.fields) <= ALLOWED_FIELDS, entry.key
        assert {"author", "title"} <= set(entry.missing), entry.key
        # An entry without a date says so (the full rule: tests/check/test_notes_ja.py).
        assert "date" in entry.fields or "date" in entry.missing, entry.key
        assert entry.fields["annotation"], entry.key


def test_keys_explain_themselves() -> None:
    for entry in entries():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+){2,}", entry.key), entry.key


def test_pandoc_reads_the_same_citations() -> None:
    text = CHAPTER.read_text(encoding="utf-8")
    ast = json.loads(pypandoc.convert_text(text, "json", format="markdown", sandbox=True))
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("t") == "Cite":
                found.extend(c["citationId"] for c in node["c"][0])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(ast["blocks"])
    doc, _ = manuscript.parse(text, "ch")
    assert found == [c.key for c in doc.citations]


def test_check_on_the_chapter_has_no_errors_and_only_known_warnings() -> None:
    result = check.run(project.load(ROOT))
    assert [d for d in result.diagnostics if d.severity == "error"] == []
    incomplete = [d for d in result.diagnostics if d.code == "bib.incomplete"]
    assert len(incomplete) == 31
    others = [(d.codes, d.line, d.column) for d in result.diagnostics if d.code != "bib.incomplete"]
    # 「１月初旬」 after 10月７日 in section 2: read with the story's year it is 2001-01,
    # nine months back and before 9.11 (another month or year may be meant): one
    # problem, so one finding with both codes.
    assert others == [(("date.backwards", "date.outside-section"), 71, 55)]
