"""One date model for the bibliography and the manuscript: EDTF strings with bounds.

Parsing is the ``edtf`` library's (Library of Congress EDTF, levels 0-2). Around
it, this module adds what a citation check needs and the library leaves out:
open interval ends (``..``), a reversed range as an error, year 0 refused, and
messages that say which part of the date is impossible.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

OPEN = ("..", "")
_YMD = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?[?~%]?$")
_DECADE = re.compile(r"^(\d{3})X$")
# Limits on what reaches the edtf library, which computes what it reads: 'Y1E99999999'
# is 10**99999999, a number it works on for hours. The longest real EDTF date is an
# interval of two qualified days with times, well under 100 characters; no calendar
# date needs an exponent above E9 or a year of more than 9 digits.
MAX_LENGTH = 100
MAX_EXPONENT = 9
MAX_DIGITS = 9
_EXPONENT = re.compile(r"E(\d+)")
_LONG_NUMBER = re.compile(rf"[YS]-?(\d{{{MAX_DIGITS + 1},}})")


class DateError(ValueError):
    """A date string that is not a valid, real EDTF date."""


@dataclass(frozen=True)
class DateValue:
    """A normalised EDTF date or interval with its earliest and latest day."""

    edtf: str
    lower: dt.date
    upper: dt.date

    def __str__(self) -> str:
        return self.edtf


def parse(text: str) -> DateValue:
    """Parse an EDTF date or interval; raise DateError saying what is wrong."""
    text = text.strip()
    if not text:
        raise DateError("the date is empty")
    _refuse_costly(text)
    # 2024-06-05T09:34:02+00:00 is EDTF level 0 (ISO 8601 with an offset), which the
    # edtf library refuses (it takes Z only); a source's date is the day.
    timed = _TIMESTAMP.match(text)
    return _parse_cached(timed.group(1) if timed else text)


_TIMESTAMP = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def _refuse_costly(text: str) -> None:
    """Refuse what would make the edtf library compute for hours: no date is that large."""
    if len(text) > MAX_LENGTH:
        raise DateError(
            f"the date is {len(text):,} characters long; an EDTF date has at most {MAX_LENGTH}"
        )
    for match in _EXPONENT.finditer(text):
        if int(match.group(1)) > MAX_EXPONENT:
            raise DateError(
                f"{text!r}: the exponent E{match.group(1)} is too large "
                f"(at most E{MAX_EXPONENT}: no calendar goes further)"
            )
    long_number = _LONG_NUMBER.search(text)
    if long_number is not None:
        raise DateError(
            f"{text!r}: {long_number.group()} has more than "
            f"{MAX_DIGITS} digits; no calendar goes that far"
        )


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> DateValue:
    if "/" in text:
        start, _, end = text.partition("/")
        if start in OPEN and end in OPEN:
            raise DateError(f"{text!r}: an interval needs at least one end")
        lower = dt.date.min if start in OPEN else _single(start).lower
        upper = dt.date.max if end in OPEN else _single(end).upper
        if start not in OPEN and end not in OPEN and _single(end).upper < _single(start).lower:
            raise DateError(f"{text!r}: the range ends before it starts")
        return DateValue(text, lower, upper)
    return _single(text)


def _single(text: str) -> DateValue:
    _explain_impossible(text)
    plain = _plain(text)
    if plain is not None:
        return plain
    from edtf import parse_edtf  # noqa: PLC0415 -- pyparsing import is slow; only when needed
    from edtf.parser.edtf_exceptions import EDTFParseException  # noqa: PLC0415

    try:
        value = parse_edtf(text)
    except EDTFParseException as exc:
        raise DateError(f"{text!r} is not an EDTF date (ISO 8601: 2001-10-30)") from exc
    except (TypeError, ValueError, OverflowError) as exc:  # bugs in the library on odd input
        raise DateError(f"{text!r} is not an EDTF date: {exc}") from exc
    try:
        return DateValue(text, _to_date(value.lower_strict()), _to_date(value.upper_strict()))
    except (TypeError, ValueError, OverflowError) as exc:
        raise DateError(f"{text!r} cannot be placed on a calendar: {exc}") from exc


def _explain_impossible(text: str) -> None:
    """Raise a clear DateError for a well-formed but impossible year-month-day."""
    match = _YMD.match(text)
    if not match:
        return
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if year <= 0:
        raise DateError(f"{text!r}: year {year} is not a year of the common era")
    if month is not None and not 1 <= month <= 12 and not 21 <= month <= 41:
        raise DateError(f"{text!r}: there is no month {month:02d}")
    if month is not None and day is not None and 1 <= month <= 12:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise DateError(f"{text!r}: {calendar.month_name[month]} {year} has {last} days")


def _plain(text: str) -> DateValue | None:
    """Bounds of a plain YYYY[-MM[-DD]] date, optionally qualified; None for anything else.

    The edtf library's pyparsing grammar takes ~10 ms a date; these plain forms are
    nearly all a chapter holds, and their bounds need no grammar (already validated
    by _explain_impossible). Every other form goes to the library.
    """
    decade = _DECADE.match(text)
    if decade is not None:  # 198X, the 1980s (the text's 1980年代): no grammar needed
        first = int(decade.group(1)) * 10
        if first == 0:
            return None
        return DateValue(text, dt.date(first, 1, 1), dt.date(first + 9, 12, 31))
    match = _YMD.match(text)
    if match is None or text.startswith("-"):
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if month is None:
        return DateValue(text, dt.date(year, 1, 1), dt.date(year, 12, 31))
    if not 1 <= month <= 12:
        return None  # seasons (21-41): the library knows them
    last = calendar.monthrange(year, month)[1]
    return DateValue(text, dt.date(year, month, day or 1), dt.date(year, month, day or last))


def _to_date(value: object) -> dt.date:
    if isinstance(value, float):  # the library marks an open end with +-inf
        return dt.date.max if value > 0 else dt.date.min
    year, month, day = value[:3]  # type: ignore[index]
    if year <= 0:
        raise ValueError(f"year {year} is before the common era")
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def from_parts(year: int, month: int | None = None, day: int | None = None) -> DateValue:
    """Build a date from parts, as EDTF; raise DateError when it does not exist."""
    text = f"{year:04d}"
    if month is not None:
        text += f"-{month:02d}"
    if day is not None:
        text += f"-{day:02d}"
    return parse(text)


# EDTF years before the common era: astronomical numbering, -0049 is 50 BC (year 0
# is 1 BC). Python's dates cannot hold them, so they are read apart: valid, printed
# as the style's language says, and left out of comparisons with the text's dates
# (which are all of the common era).
_BCE = re.compile(r"^(-\d{4}|0000)(?:-(\d{2}))?$")


def before_common_era(text: str) -> int | None:
    """The year BC that an EDTF date of a year (and month) before the common era names."""
    match = _BCE.match(text.strip())
    if match is None or (match.group(2) and not 1 <= int(match.group(2)) <= 12):
        return None
    return 1 - int(match.group(1))
