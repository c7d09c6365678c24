"""A number and its unit stay on one line: 「2001年５ / 月」 never splits.

Japanese text may break between any two characters, a number and the 年, 月 or 日
after it included; a note's date is then read as two fragments. Each number with
its unit is set in a span that does not break inside (``class="unit"``, styled
``white-space: nowrap`` by each edition), which changes the markup, never the text.
No CSS does this in every reading system (Chromium's ``word-break: auto-phrase``
is Chromium's alone), so it is done here, on the element trees of the text and notes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# Half- or full-width digits, then a unit of date, count or money the notes use.
# A match starts only where a number starts (the lookbehind) and takes its digits
# without backtracking (possessive): a run of a million digits costs one pass.
UNIT = re.compile(
    r"(?<![0-9０-９.,，．])[0-9０-９][0-9０-９.,，．]*+(?:[～〜][0-9０-９]++)?"
    r"(?:年|月|日|名|機|ドル|万|億|か月|ヶ月|カ月|%|％)"
)
SKIP = frozenset({"code", "math", "a"})  # not prose; a link's text is its own unit


def tie(element: ET.Element) -> None:
    """Wrap each number-and-unit in ``element``'s text (not in code, math or links).

    The children are rebuilt in one pass per element (inserting spans one by one
    was quadratic in the number of children).
    """
    if element.tag in SKIP:
        return
    children: list[ET.Element] = []
    if element.text and UNIT.search(element.text):
        pieces = _pieces(element.text)
        element.text = pieces[0] if isinstance(pieces[0], str) else ""
        children += _spans(pieces)
    for child in list(element):
        tie(child)
        children.append(child)
        if child.tail and UNIT.search(child.tail):
            pieces = _pieces(child.tail)
            child.tail = pieces[0] if isinstance(pieces[0], str) else ""
            children += _spans(pieces)
    element[:] = children


def _pieces(text: str) -> list[str | ET.Element]:
    """``text`` as plain text, unit spans and text, alternately (text first, maybe "")."""
    out: list[str | ET.Element] = []
    last = 0
    for match in UNIT.finditer(text):
        out.append(text[last : match.start()])
        span = ET.Element("span", {"class": "unit"})
        span.text = match.group()
        out.append(span)
        last = match.end()
    out.append(text[last:])
    return out


def _spans(pieces: list[str | ET.Element]) -> list[ET.Element]:
    """The spans, each carrying the text after it as its tail."""
    spans: list[ET.Element] = []
    for piece in pieces[1:]:
        if isinstance(piece, ET.Element):
            spans.append(piece)
        elif spans:
            spans[-1].tail = piece
    return spans
