"""A stylesheet that numbers across chapters, read with parsers (typeset/sheets.py).

The regexes this replaced read a comment or a string as CSS (a book laid out whole
for nothing), missed an escaped ``:nt\\68()``, and took ``<link rel=icon>`` for a
stylesheet.
"""

from __future__ import annotations

import pytest

from citepress.typeset.sheets import COUNTERS, LINKED, NUMBERED, across_chapters

CASES = {
    "a counter incremented": ("<style>.x { counter-increment: heads }</style>", COUNTERS),
    "a counter set in a margin box": (
        "<style>@page { @bottom-right { counter-set: n 2 } }</style>",
        COUNTERS,
    ),
    "a counter in a media rule": (
        "<style>@media print { p { counter-increment: x } }</style>",
        COUNTERS,
    ),
    "a counter reset": ("<style>body { counter-reset: chapter }</style>", COUNTERS),
    "the page counter reset": ("<style>@page { counter-reset: page 1 }</style>", ""),
    "a page by its number": ("<style>@page :nth(3) { margin: 0 }</style>", NUMBERED),
    "an escaped :nth()": ("<style>@page :nt\\68(3) { margin: 0 }</style>", NUMBERED),
    "a page group's first page": ("<style>@page :nth(1 of chapter) { margin: 0 }</style>", ""),
    "a linked stylesheet": ('<link rel="stylesheet" href="x.css">', LINKED),
    "an imported stylesheet": ('<style>@import "x.css";</style>', LINKED),
    "a comment": ("<style>/* counter-increment: x; @page :nth(2) */ p { color: red }</style>", ""),
    "a string": ('<style>p::after { content: "counter-increment: x" }</style>', ""),
    "an icon": ('<link rel="icon" href="x.png">', ""),
}


@pytest.mark.parametrize("name", CASES)
def test_what_numbers_across_chapters(name: str) -> None:
    head, reason = CASES[name]
    assert across_chapters(f"<head><title>t</title>{head}</head>") == reason
