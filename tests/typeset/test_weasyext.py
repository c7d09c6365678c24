"""Inter-character justification (JLREQ 3.8) in WeasyPrint, and the version pin."""

from __future__ import annotations

from pathlib import Path

import pytest

from citepress.typeset import grid, layout, weasyext
from tests.outputs import PdfLine, body_height, pdf_lines

A5 = grid.for_page("A5", "ja")


def paragraph_ends(pages: list[list[PdfLine]], height: float) -> list[tuple[PdfLine, bool]]:
    """Each body line with whether it ends its paragraph.

    A paragraph ends where the next body line is indented (1 em), or further down
    than one line (a heading or the end of the text in between), or is on a page
    that begins otherwise (a heading); the last body line of all ends one too.
    """
    body = [[line for line in page if line.height == height] for page in pages]
    flat = [(number, line) for number, page in enumerate(body) for line in page]
    out = []
    for index, (number, line) in enumerate(flat):
        if index + 1 == len(flat):
            out.append((line, True))
            continue
        next_number, following = flat[index + 1]
        em = A5.font_size
        start = min(item.set_from(em) for item in body[next_number])
        indented = following.set_from(em) > start + 4
        if next_number == number:
            ends = indented or following.top - line.top > A5.pitch + 0.5
        else:  # across pages: the next page's first line of all is a body line
            ends = indented or pages[next_number][1:2] != [following]
        out.append((line, ends))
    return out


def paragraph_html(text: str, width_mm: float) -> str:
    """One justified Japanese paragraph, 10 pt, set solid, on a small page (10 mm margins)."""
    return (
        '<html lang="ja"><style>@page { size: 120mm 80mm; margin: 10mm }'
        "body { margin: 0; font: 10pt 'Noto Serif CJK JP'; text-align: justify;"
        f" font-kerning: none }} p {{ width: {width_mm}mm }}</style>"
        f"<p>{text}</p></html>"
    )


@pytest.fixture(scope="module")
def chapter_pages(editions: dict[str, Path]) -> list[list[PdfLine]]:
    return pdf_lines(editions["pdf"])


def test_every_line_but_a_paragraphs_last_is_full_to_the_measure(
    chapter_pages: list[list[PdfLine]],
) -> None:
    """The issue's test: on the chapter, every such line ends within 0.5 pt of the measure."""
    height = body_height(chapter_pages)
    lines = paragraph_ends(chapter_pages, height)
    full = [line for line, last in lines if not last]
    assert len(full) > 300
    em = A5.font_size
    edge = {  # the text block's right edge: its left edge (a margin) and the measure
        number: min(line.set_from(em) for line in page if line.height == height) + A5.measure
        for number, page in enumerate(chapter_pages, start=1)
        if any(line.height == height for line in page)
    }
    short = [
        (line.page, line.text[-8:], round(edge[line.page] - line.set_to(em), 2))
        for line in full
        if abs(edge[line.page] - line.set_to(em)) > 0.5
    ]
    assert short == []


def test_a_paragraphs_last_line_is_not_justified(chapter_pages: list[list[PdfLine]]) -> None:
    """Justified, every last line would reach the measure; set solid, few happen to."""
    height = body_height(chapter_pages)
    em = A5.font_size
    lasts = [line for line, last in paragraph_ends(chapter_pages, height) if last]
    left = {line.page: line.set_from(em) for line, _ in paragraph_ends(chapter_pages, height)}
    full = [line for line in lasts if abs(left[line.page] + A5.measure - line.set_to(em)) < 0.5]
    assert len(lasts) > 40
    assert len(full) < 0.25 * len(lasts)


def test_the_text_block_starts_at_the_margin(chapter_pages: list[list[PdfLine]]) -> None:
    """No browser body margin: the text starts where the folio does (the page's margin)."""
    height = body_height(chapter_pages)
    for number, page in enumerate(chapter_pages, start=1):
        body = [line.set_from(A5.font_size) for line in page if line.height == height]
        if body:
            margin = A5.inside if number % 2 else A5.outside  # page 1 is a recto
            # 0.11 pt off where a line starts with a halved bracket: WeasyPrint writes
            # glyph offsets 1024/1000 too large (patches/ fixes that upstream).
            assert min(body) == pytest.approx(margin, abs=0.15)


def test_which_characters_take_the_slack() -> None:
    expands = weasyext.expands
    assert expands("あ", "い", "う", cjk=True)  # kana and ideographs
    assert expands("あ", "Ａ", "い", cjk=True)  # a full-width letter
    assert not expands("a", "b", "c", cjk=True)  # a Latin word keeps its spacing
    assert not expands("1", "2", "3", cjk=True)
    assert not expands("「", "一", "国", cjk=True)  # nothing after an opening bracket
    assert not expands("一", "国", "」", cjk=True)  # nor before a closing one
    assert not expands("一", "国", "、", cjk=True)
    assert not expands("あ", "。", "い", cjk=True)  # punctuation itself
    assert expands("a", " ", "b", cjk=True)  # a space, in any language
    assert expands("a", " ", "b", cjk=False)
    assert not expands("あ", "い", "う", cjk=False)  # other languages: spaces only


def test_a_japanese_line_is_justified_between_characters_not_inside_latin(
    tmp_path: Path,
) -> None:
    """A narrow paragraph: full lines, and the Latin word and digits keep their width."""
    text = "国際関係の研究ではNATOの2001年の決定と「集団安全保障条約」の運用が論じられてきた。" * 3
    html = (
        '<html lang="ja"><style>@page { size: 120mm 80mm; margin: 10mm }'
        "body { margin: 0; font: 10pt 'Noto Serif CJK JP'; text-align: justify;"
        " font-kerning: none } p { width: 95.5mm }</style>"
        f"<p>{text}</p><p>NATO</p></html>"
    )
    document = layout.lay_out(html, [])
    path = tmp_path / "p.pdf"
    path.write_bytes(layout.pdf_bytes(document))
    lines = pdf_lines(path)[0]
    right = 10 * 72 / 25.4 + 95.5 * 72 / 25.4
    assert len(lines) > 4
    for line in lines[:-2]:  # all but the paragraph's last and the lone NATO
        assert line.right == pytest.approx(right, abs=0.5), line.text
    assert lines[-2].right < right - 20
    spaced = "".join(_spaced_text(document))
    assert "国際関係" in spaced
    assert not any(char.isascii() for char in spaced)  # NATO, 2001: their own spacing
    assert "「" not in spaced  # nothing after an opening bracket: the bracket gets none


def _spaced_text(document: object) -> list[str]:
    """The characters the justification gave letter spacing to."""
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    found = []
    for page in document.pages:  # type: ignore[attr-defined]
        for box in page._page_box.descendants():
            ranges = getattr(getattr(box, "pango_layout", None), "inter_character", None)
            if isinstance(box, boxes.TextBox) and ranges:
                data = box.text.encode()
                found += [data[start:end].decode() for start, end, units in ranges if units]
    return found


def test_an_untested_weasyprint_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extensions patch WeasyPrint's private functions: another version stops the build."""
    real = weasyext.metadata.version

    def version(name: str) -> str:
        return "71.0" if name == "weasyprint" else real(name)

    monkeypatch.setattr(weasyext.metadata, "version", version)
    with pytest.raises(weasyext.UntestedWeasyPrint, match=r"weasyprint 70\.0.*has 71\.0"):
        weasyext.check_versions()


def test_the_installed_versions_are_the_tested_ones() -> None:
    weasyext.check_versions()


def test_page_references_are_built_once_per_page_count() -> None:
    """pydyf's page_references, asked for once per structure element, is not rebuilt each time."""
    import pydyf  # noqa: PLC0415

    weasyext.apply()
    document = pydyf.PDF()
    for _ in range(3):
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = document.page_references
    assert first is document.page_references  # the same tuple: not rebuilt
    assert first == tuple(f"{n} 0 R".encode() for n in document.pages["Kids"][::3])
    document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert len(document.page_references) == 4  # a page added: rebuilt


@pytest.mark.parametrize(
    ("patch", "package"),
    [
        ("weasyprint-70.0-inter-character-justification.patch", "weasyprint"),
        ("pydyf-0.13.0-page-references.patch", "pydyf"),
        ("tinyhtml5-2.1.0-chars-until-cache.patch", "tinyhtml5"),  # book/html5fix.py
    ],
)
def test_the_upstream_patches_apply_to_the_pinned_packages(
    patch: str, package: str, tmp_path: Path
) -> None:
    """patches/ holds the same change as WeasyPrint's, pydyf's and tinyhtml5's own code:
    it must still apply to the versions weasyext.py and html5fix.py are pinned to."""
    import importlib  # noqa: PLC0415
    import shutil  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    from tests.conftest import ROOT  # noqa: PLC0415

    installed = Path(importlib.import_module(package).__file__ or "").parent
    shutil.copytree(installed, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(
        ["git", "apply", "--check", f"--include={package}/*", str(ROOT / "patches" / patch)],
        cwd=tmp_path,
        check=True,
    )


def test_marks_at_a_lines_edges_are_set_in_half_an_em(tmp_path: Path) -> None:
    """JLREQ 3.1.5, 3.1.6: 「 at a line's head flush with the text block, 」 。 or 、 at
    its end flush with the measure (the halt form; pdftotext boxes each as a whole em)."""
    words = "「集団安全保障」の条約は、各国の支持を受けた。" * 6
    html = paragraph_html(words, 90)
    path = tmp_path / "edges.pdf"
    path.write_bytes(layout.pdf_bytes(layout.lay_out(html, [])))
    lines = pdf_lines(path)[0]
    left, right = 10 * 72 / 25.4, (10 + 90) * 72 / 25.4
    em = 10.0
    heads = [line for line in lines if line.text[:1] == "「"]
    ends = [line for line in lines[:-1] if line.text[-1:] in weasyext.LINE_END]
    assert heads and ends
    for line in heads:
        assert line.set_from(em) == pytest.approx(left, abs=0.15), line.text
    for line in ends:
        assert line.set_to(em) == pytest.approx(right, abs=0.5), line.text


def test_a_variation_selector_stays_with_its_character(tmp_path: Path) -> None:
    """辻 + U+E0100 is the two-dot 辻: justified, the pair is spaced as one cluster and
    the selector reaches the PDF (it was drawn as nothing, and the one-dot 辻 printed)."""
    import subprocess  # noqa: PLC0415

    text = ("辻\U000e0100" * 12 + "辻" * 12 + "あいうえお") * 4 + "終わり。"
    html = paragraph_html(text, 95.5)
    path = tmp_path / "ivs.pdf"
    path.write_bytes(layout.pdf_bytes(layout.lay_out(html, [])))
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert out.count("\U000e0100") == 48
    lines = pdf_lines(path)[0]
    right = (10 + 95.5) * 72 / 25.4
    assert all(line.right == pytest.approx(right, abs=0.5) for line in lines[:-1])


def test_a_line_stretched_absurdly_is_left_alone(tmp_path: Path) -> None:
    """A template may ask for a ten-million-pixel line justified to its end: no Pango
    integer overflow (an internal error before), the line is simply not spread."""
    html = (
        '<html lang="ja"><style>p { width: 10000000px; text-align: justify;'
        " text-align-last: justify; font-kerning: none }</style><p>あいうえお。</p></html>"
    )
    assert layout.pdf_bytes(layout.lay_out(html, [])).startswith(b"%PDF")
