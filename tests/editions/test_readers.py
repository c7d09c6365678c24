"""What readers meet besides the text: a cover, metadata, notes that pop up, the contents."""

from __future__ import annotations

import re
import shutil
import zipfile
from html import unescape
from pathlib import Path

import pytest

from citepress import config as project
from citepress.config import ProjectError
from citepress.publish import build
from tests import outputs as ed
from tests.conftest import ROOT

# Slow (EPUB readers' views built): not in `make quick`.
pytestmark = pytest.mark.slow


def _opf(epub: Path) -> str:
    with zipfile.ZipFile(epub) as archive:
        return archive.read("EPUB/package.opf").decode()


def test_the_epub_has_a_cover_image_drawn_from_the_title_page(editions: dict[str, Path]) -> None:
    from PIL import Image  # noqa: PLC0415

    opf = _opf(editions["epub"])
    assert 'href="cover.jpg" media-type="image/jpeg" properties="cover-image"' in opf
    assert '<meta name="cover" content="cover-image"/>' in opf  # EPUB 2 readers, Kindle
    assert '<itemref idref="cover" linear="no"/>' in opf
    with zipfile.ZipFile(editions["epub"]) as archive:
        with Image.open(archive.open("EPUB/cover.jpg")) as cover:
            assert cover.size == (1600, 2560)
            # Not a blank page: the title is drawn in ink on the paper colour.
            assert len(cover.convert("L").getcolors(1 << 16) or []) > 50
        page = archive.read("EPUB/cover.xhtml").decode()
    assert 'alt="表紙: 米ロ関係と中央アジア, 松井 弘明"' in page


def test_the_cover_breaks_a_title_in_balanced_lines() -> None:
    from citepress.editions.cover import lines  # noqa: PLC0415

    width = len  # one unit per character
    assert lines("米ロ関係と中央アジア", width, 9, "ja") == ["米ロ関係と", "中央アジア"]
    assert lines("A Study of Notes", width, 12, "en") == ["A Study", "of Notes"]
    # A closing bracket or 。 never starts a line.
    assert all(not line.startswith("」") for line in lines("「米ロ関係」と中央", width, 5, "ja"))


def test_epub_declares_accessibility_conformance_and_page_direction(
    editions: dict[str, Path],
) -> None:
    opf = _opf(editions["epub"])
    assert (
        '<meta property="dcterms:conformsTo">EPUB Accessibility 1.1 - WCAG 2.2 Level AA</meta>'
        in opf
    )
    assert "displayTransformability" in opf
    assert '<spine page-progression-direction="ltr">' in opf


def test_notes_are_footnotes_that_e_readers_pop_up(editions: dict[str, Path]) -> None:
    root = ed.epub_chapter(editions["epub"])
    notes = [a for a in root.iter(f"{ed.XHTML}aside") if a.get(ed.EPUB_TYPE) == "footnote"]
    assert len(notes) == 31
    assert all(a.get("role") == "doc-footnote" and a.get("id") for a in notes)
    refs = [a for a in root.iter(f"{ed.XHTML}a") if a.get(ed.EPUB_TYPE) == "noteref"]
    assert {a.get("href") for a in refs} == {f"#{a.get('id')}" for a in notes}


def test_publisher_and_date_come_from_the_books_settings(tmp_path: Path) -> None:
    copy = tmp_path / "book"
    for name in ("manuscript", "bib", "templates"):
        shutil.copytree(ROOT / name, copy / name, symlinks=True)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text += '\n[tool.citepress.book]\npublisher = "Example Press"\ndate = "2026-12"\n'
    (copy / "pyproject.toml").write_text(text, encoding="utf-8")
    result = build.build(project.load(copy), formats=["epub"], out_dir=tmp_path / "out")
    opf = _opf(result.written["epub"])
    assert "<dc:publisher>Example Press</dc:publisher>" in opf
    assert "<dc:date>2026-12</dc:date>" in opf


def test_the_chapter_has_no_publisher_or_date_it_was_not_given(editions: dict[str, Path]) -> None:
    opf = _opf(editions["epub"])
    assert "dc:publisher" not in opf and "dc:date" not in opf


@pytest.mark.parametrize("date", ["2026-13", "26", "2026/12", "tomorrow", "2026\\n"])
def test_a_bad_publication_date_is_refused(date: str, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.citepress.book]\ndate = "{date}"\n', encoding="utf-8"
    )
    with pytest.raises(ProjectError, match="date must be YYYY"):
        project.load(tmp_path)


def test_html_opens_with_the_chapter_and_its_contents_follow(editions: dict[str, Path]) -> None:
    html = editions["html"].read_text(encoding="utf-8")
    title, toc, text = (
        html.index(s) for s in ('class="chapter-title"', 'class="toc"', "はじめに</h2>")
    )
    assert title < toc < text


def test_font_stacks_name_the_japanese_faces_readers_have(editions: dict[str, Path]) -> None:
    css = editions["html"].read_text(encoding="utf-8")
    for face in (
        "Noto Serif JP",
        "Source Han Serif JP",
        "Hiragino Mincho ProN",
        "Yu Mincho",
        "BIZ UDPMincho",
        "Noto Sans JP",
        "Hiragino Sans",
        "Yu Gothic",
    ):
        assert f'"{face}"' in css, face
    assert re.search(r"\.noteref \{[^}]*line-height: 0;", css)


def _page_starts(html: str) -> dict[int, str]:
    """The text after each page-break marker (white space and markup aside)."""
    body = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    found = {}
    for match in re.finditer(r'<span id="page-(\d+)" class="pagebreak"[^>]*?(?:/>|></span>)', body):
        after = re.sub(r"<[^>]+>", "", body[match.end() : match.end() + 800])
        found[int(match.group(1))] = re.sub(r"\s+", "", after)[:8]
    return found


def test_the_html_and_epub_carry_the_print_editions_page_numbers(
    editions: dict[str, Path],
) -> None:
    pdf = editions["pdf"]
    pages = int(re.search(r"Pages:\s+(\d+)", ed.pdf_info(pdf)).group(1))  # type: ignore[union-attr]
    starts = _page_starts(editions["html"].read_text(encoding="utf-8"))
    assert sorted(starts) == list(range(1, pages + 1))  # every page shows manuscript text
    for number, text in starts.items():
        first = ed.squeeze(ed.pdf_text(pdf, "-f", str(number), "-l", str(number), *ed.BODY_AREA))
        if number == 1 or first.startswith("注編注"):
            assert text in first  # the chapter title or the notes' heading comes first
        elif first.startswith("（注"):
            assert first.split("）", 1)[1].startswith(text)  # a note's label, then its text
        else:
            assert first.startswith(text), (number, text, first[:12])
    with zipfile.ZipFile(editions["epub"]) as archive:
        chapter = archive.read("EPUB/chapter-03.xhtml").decode()
        nav = archive.read("EPUB/nav.xhtml").decode()
    assert chapter.count('epub:type="pagebreak"') == pages
    assert _page_starts(chapter) == starts
    listed = re.findall(r'<li><a href="chapter-03.xhtml#page-(\d+)">(\d+)</a></li>', nav)
    assert [int(a) for a, b in listed if a == b] == list(range(1, pages + 1))
    assert 'epub:type="page-list"' in nav
    assert '<meta property="pageBreakSource">' in _opf(editions["epub"])


def test_an_epub_alone_still_gets_the_page_numbers(tmp_path: Path) -> None:
    result = build.build(project.load(ROOT), formats=["epub"], out_dir=tmp_path)
    assert not (tmp_path / "chapter-03.pdf").exists()
    with zipfile.ZipFile(result.written["epub"]) as archive:
        assert archive.read("EPUB/chapter-03.xhtml").count(b'epub:type="pagebreak"') >= 18


def test_a_notes_number_never_splits_from_its_unit(editions: dict[str, Path]) -> None:
    """「2001年５ / 月」 split in the notes at 390 px; each number-unit is one nowrap span."""
    html = editions["html"].read_text(encoding="utf-8")
    notes = html[html.index('class="endnotes"') :]
    for unit in ("2001年", "５月", "11～12日", "10月", "１日"):
        assert f'<span class="unit">{unit}</span>' in notes, unit
    assert re.search(r"\.unit \{ white-space: nowrap; \}", html)
    with zipfile.ZipFile(editions["epub"]) as archive:
        assert b'<span class="unit">2001\xe5\xb9\xb4</span>' in archive.read(
            "EPUB/chapter-03.xhtml"
        )


def test_tie_keeps_the_text_and_leaves_code_math_and_links_alone() -> None:
    import xml.etree.ElementTree as ET  # noqa: PLC0415

    from citepress.book.units import tie  # noqa: PLC0415

    note = ET.fromstring(
        '<div>約1000名、<em>10月５日</em>と<code>5月</code>、<a href="#x">3日</a>、2.5%</div>'
    )
    before = "".join(note.itertext())
    tie(note)
    assert "".join(note.itertext()) == before
    units = [span.text for span in note.iter("span")]
    assert units == ["1000名", "10月", "５日", "2.5%"]


def _stream_with_markers(html: str) -> tuple[str, dict[int, int]]:
    """The HTML's text without white space (math left out) and where each page marker is."""
    body = re.sub(r"<math.*?</math>", "", html[html.index("<body") :], flags=re.S)
    stream, marks = "", {}
    for piece in re.finditer(r'<span id="page-(\d+)"[^>]*></span>|<[^>]+>|[^<]+', body):
        if piece.group(1):
            marks[int(piece.group(1))] = len(stream)
        elif not piece.group(0).startswith("<"):
            stream += "".join(unescape(piece.group(0)).split())
    return stream, marks


@pytest.mark.parametrize("fixture", ["english-book", "page-edges"])
def test_page_numbers_hold_with_figures_math_notes_and_hyphens(
    fixture: str, tmp_path: Path
) -> None:
    """Figures and two chapters (english-book); hyphenated lines and math drawn as
    pictures at page starts (page-edges), where markers drifted by up to 82 characters."""
    book = tmp_path / "book"
    shutil.copytree(ROOT / "tests" / "fixtures" / fixture, book)
    result = build.build(project.load(book), formats=["html", "pdf"], out_dir=tmp_path / "out")
    stream, marks = _stream_with_markers(result.written["html"].read_text(encoding="utf-8"))
    pages = int(re.search(r"Pages:\s+(\d+)", ed.pdf_info(result.written["pdf"])).group(1))  # type: ignore[union-attr]
    assert len(marks) >= pages - 3  # a title page, contents or blank verso may show no text
    for number, at in marks.items():
        top = ed.squeeze(
            ed.pdf_text(result.written["pdf"], "-f", str(number), "-l", str(number), *ed.BODY_AREA)
        ).replace("\u2010", "")
        # The page's first words are the marker's, or follow a chapter title or a
        # note's label that the templates set before them.
        assert stream[at : at + 10] in top[:80], (number, stream[at : at + 10], top[:40])


def test_page_numbers_hold_when_the_author_wrote_word_joiners(tmp_path: Path) -> None:
    """The layout's count leaves out the print edition's own joiners (typeset/jlreq), so
    the text's count must leave out the author's too: a joiner every five characters
    put 9 of 11 markers on the wrong character."""
    book = tmp_path / "book"
    (book / "manuscript").mkdir(parents=True)
    (book / "bib").mkdir()
    (book / "bib" / "refs.bib").write_text("", encoding="utf-8")
    (book / "pyproject.toml").write_text("[tool.citepress]\n", encoding="utf-8")
    # No repeating pattern: a marker on the wrong character must not find its words.
    ideographs = [chr(0x4E00 + (n * 7919) % 20000) for n in range(7200)]
    text = "\u2060".join("".join(ideographs[i : i + 5]) for i in range(0, 7200, 5))
    paragraphs = "\n\n".join(text[n * 1000 : (n + 1) * 1000] + "。" for n in range(12))
    (book / "manuscript" / "ch.md").write_text(
        f"---\ntitle: 語の連結\nauthor: 著者\nlang: ja\n---\n\n{paragraphs}\n", encoding="utf-8"
    )
    result = build.build(project.load(book), formats=["html", "pdf"], out_dir=tmp_path / "out")
    stream, marks = _stream_with_markers(result.written["html"].read_text(encoding="utf-8"))
    assert len(marks) > 5
    for number, at in marks.items():
        top = ed.squeeze(
            ed.pdf_text(result.written["pdf"], "-f", str(number), "-l", str(number), *ed.BODY_AREA)
        )
        assert ed.squeeze(stream[at:])[:10] in top[:40], (number, stream[at : at + 10], top[:20])
