"""The editor's note (編注): the book's words on its notes, in every edition, from the settings."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from citepress import config as project
from citepress.book.convert import editors_note
from citepress.config import ProjectError
from citepress.publish import build
from citepress.sources.bib import Bibliography
from tests.conftest import ROOT
from tests.outputs import html_tree, pdf_text, squeeze

NOTE = "本章の原注は、受け取った本文に31の注番号が残るのみで"


def _note_paragraphs(tree: object) -> list[str]:
    found = tree.iterfind(".//div[@class='editors-note']/p")  # type: ignore[attr-defined]
    return ["".join(p.itertext()) for p in found]


def test_every_edition_carries_the_chapters_editors_note(editions: dict[str, Path]) -> None:
    html = _note_paragraphs(html_tree(editions["html"]))
    assert len(html) == 2 and html[0].startswith("編注 " + NOTE)
    with zipfile.ZipFile(editions["epub"]) as epub:
        xhtml = epub.read("EPUB/chapter-03.xhtml").decode()
    assert 'class="editors-note" role="note" aria-label="編注"' in xhtml
    assert NOTE in xhtml
    text = squeeze(pdf_text(editions["pdf"]))
    # In the PDF it heads the notes: after the heading 注, before （注1）.
    assert text.index("編注" + NOTE) < text.index("（注1）集団安保条約第１条")


def _chapter_bib() -> Bibliography:
    from citepress.sources.bib import load  # noqa: PLC0415

    root = ROOT
    bib, _ = load(root, [(root / "bib/chapter-03.bib", "bib/chapter-03.bib")])
    return bib


CATALOGUE = {"editors-note-default": "default words."}


def test_the_default_appears_only_when_an_entry_declares_fields_missing() -> None:
    assert editors_note(None, _chapter_bib(), CATALOGUE) == ["default words."]
    assert editors_note(None, Bibliography([]), CATALOGUE) == []
    assert editors_note(True, Bibliography([]), CATALOGUE) == ["default words."]
    assert editors_note(False, _chapter_bib(), CATALOGUE) == []
    assert editors_note("one\n\n two  lines\n", Bibliography([]), CATALOGUE) == [
        "one",
        "two lines",
    ]


@pytest.mark.parametrize(
    "value",
    [
        "editors-note = 3",
        'editors-note = ""',
        'editors-note = "a\\u0007b"',
        'editors-note = "a\\u0000b"',  # no XML can carry NUL: the EPUB would break
        'editors-note = "a\\u202eb"',  # a bidi override makes text read otherwise
        f'editors-note = "{"x" * 10_001}"',
    ],
)
def test_bad_settings_are_refused_with_the_key(value: str, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.citepress]\n{value}\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="editors-note"):
        project.load(tmp_path)


def test_false_leaves_it_out_of_every_edition(tmp_path: Path) -> None:
    root = ROOT
    copy = tmp_path / "book"
    for name in ("manuscript", "bib", "templates"):
        shutil.copytree(root / name, copy / name, symlinks=True)
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    settings = re.sub(r'editors-note = """.*?"""', "editors-note = false", text, flags=re.S)
    assert settings != text
    (copy / "pyproject.toml").write_text(settings, encoding="utf-8")
    result = build.build(project.load(copy), formats=["html", "epub"], out_dir=tmp_path / "out")
    assert _note_paragraphs(html_tree(result.written["html"])) == []
    with zipfile.ZipFile(result.written["epub"]) as epub:
        assert b'class="editors-note"' not in epub.read("EPUB/chapter-03.xhtml")
