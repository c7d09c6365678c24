"""Dates as a Japanese text writes them, for the notes of a Japanese edition.

The chapter writes 「2001年９月24日」 and 「10月１日」: a one-digit month or day in
full-width digits, two digits and years half-width; a range with 「～」, naming
only what changes (「2002年４月11～12日」, 「2001年９月30日～10月２日」,
「2001年12月～2002年１月」). CSL's numeric date form cannot write this, so a
Japanese edition's date goes to citeproc as a ``literal`` holding this text,
next to the ``date-parts`` citeproc still sorts by.

EDTF's qualifiers stay apart: ``~`` (approximate) prints 頃, ``?`` (uncertain:
inferred, here from the paragraph around the note) prints （推定）, and ``%``
(both) prints 頃（推定）.
"""

from __future__ import annotations

from typing import Any

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_UNITS = ("年", "月", "日")
APPROXIMATE = "頃"
UNCERTAIN = "（推定）"
RANGE = "～"


def number(value: int) -> str:
    """A month or day as the text writes it: one digit full-width (５), more half-width (10)."""
    digits = str(value)
    return digits.translate(_FULL_WIDTH) if len(digits) == 1 else digits


def qualifier(marks: str) -> str:
    """What EDTF's qualifiers ``marks`` add after a date: 頃, （推定）, 頃（推定） or nothing."""
    approximate = "~" in marks or "%" in marks
    uncertain = "?" in marks or "%" in marks
    return (APPROXIMATE if approximate else "") + (UNCERTAIN if uncertain else "")


def date_text(parts: list[list[int]], marks: tuple[str, ...] = ()) -> str:
    """One date or a closed interval, [[year, month?, day?], ...], as the text writes it.

    ``marks`` holds each end's EDTF qualifier (``""``, ``?``, ``~`` or ``%``). When
    both ends carry the same one, it follows the whole range (「2002年４月11～12日（推定）」);
    otherwise each end carries its own (「2002年４月11日（推定）～12日」).
    """
    ends = list(marks) + [""] * (len(parts) - len(marks))
    if len(parts) == 1 or (parts[0] == parts[1] and ends[0] == ends[1]):
        return _written(_pieces(parts[0])) + qualifier(ends[0])
    first, last = _pieces(parts[0]), _pieces(parts[1])
    shared = 0  # what the end repeats of the start is left out: 2001年９月30日～10月２日
    while shared < min(len(first), len(last)) - 1 and first[shared] == last[shared]:
        shared += 1
    rest = last[shared:]
    start = _written(first)
    if ends[0] != ends[1]:
        start += qualifier(ends[0])
    elif len(rest) == 1 and len(first) == shared + 1:
        start = start[: -len(first[-1][1])]  # one unit changes: 11～12日, not 11日～12日
    return start + RANGE + _written(rest) + qualifier(ends[1])


def csl_date(parts: list[list[int]], marks: tuple[str, ...] = ()) -> dict[str, Any]:
    """A CSL date citeproc prints as the text writes it and still sorts by its parts."""
    return {"literal": date_text(parts, marks), "date-parts": parts}


def _pieces(part: list[int]) -> list[tuple[str, str]]:
    """[2001, 9, 24] -> [('2001', '年'), ('９', '月'), ('24', '日')]: years stay half-width."""
    return [
        (str(value) if index == 0 else number(value), _UNITS[index])
        for index, value in enumerate(part)
    ]


def _written(pieces: list[tuple[str, str]]) -> str:
    return "".join(value + unit for value, unit in pieces)
