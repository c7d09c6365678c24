"""The type area on a grid (行取り): whole characters across, whole lines down."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from citepress.typeset import grid
from tests.outputs import PdfLine, body_height, pdf_lines

MM = 72 / 25.4


@pytest.mark.parametrize("size", sorted(grid.SIZES))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_type_area_fills_the_page_with_its_margins(size: str, lang: str) -> None:
    area = grid.for_page(size, lang)
    width, height = (side * MM for side in grid.SIZES[size])
    across = area.inside + area.measure + area.outside
    down = area.head + area.lines * area.pitch + area.foot
    assert width - 0.002 <= across <= width  # never wider than the page
    assert height - 0.002 <= down <= height
    assert area.inside > area.outside > 0
    if lang == "ja":  # whole characters of the body face across
        assert area.measure == (area.chars or 0) * area.font_size


def test_a_line_of_36_characters_fits_the_measure(tmp_path: Path) -> None:
    """The margins are rounded down: rounded to nearest, the A5 type area came out
    0.0004 pt narrower than 36 characters and a full line broke one short."""
    from citepress.typeset import layout  # noqa: PLC0415

    area = grid.for_page("A5", "ja")
    text = "あ" * 35 + "。"
    html = (
        f'<html lang="ja"><style>@page {{ size: A5; margin: {area.head}pt {area.outside}pt '
        f"{area.foot}pt {area.inside}pt }} body {{ margin: 0; font: 9pt 'Noto Serif CJK JP';"
        f" font-kerning: none }}</style><p>{text}</p></html>"
    )
    path = tmp_path / "line.pdf"
    path.write_bytes(layout.pdf_bytes(layout.lay_out(html, [])))
    assert [line.text for line in pdf_lines(path)[0]] == [text]


def test_the_chapters_page_is_36_characters_by_30_lines() -> None:
    area = grid.for_page("A5", "ja")
    assert (area.chars, area.lines, area.pitch) == (36, 30, 16.2)


@pytest.fixture(scope="module")
def pages(editions: dict[str, Path]) -> list[list[PdfLine]]:
    return pdf_lines(editions["pdf"])


def test_every_body_line_sits_on_the_grid(pages: list[list[PdfLine]]) -> None:
    """The issue's test: every body line's baseline on the grid, within 0.5 pt, on every page."""
    area = grid.for_page("A5", "ja")
    height = body_height(pages)
    body = [line for page in pages for line in page if line.height == height]
    assert len(body) > 380  # the chapter: 397 lines of text
    # The lines' tops stand at one height above their baselines: the same phase.
    phases = [(line.top - area.head) % area.pitch for line in body]
    off = [
        (line.page, line.text[:8], round(phase - phases[0], 2))
        for line, phase in zip(body, phases, strict=True)
        if abs(phase - phases[0]) > 0.5
    ]
    assert off == []


def test_pages_are_full_unless_a_section_or_the_chapter_ends(pages: list[list[PdfLine]]) -> None:
    """Facing pages end on the same line: each page of text ends on the grid's last line,
    unless the next page opens a section (a heading) or the chapter's text ends."""
    area = grid.for_page("A5", "ja")
    height = body_height(pages)
    last_line = area.head + (area.lines - 1) * area.pitch
    text_pages = [page for page in pages if any(line.height == height for line in page)]
    short = []
    for page, following in itertools.pairwise(text_pages):
        body = [line for line in page if line.height == height]
        heading_next = [line for line in following[1:2] if line.height != height]
        if not heading_next and body[-1].top < last_line:
            short.append((body[-1].page, body[-1].text[:8]))
    assert short == []
