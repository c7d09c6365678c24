"""Find the dates written in Japanese prose and read each one as EDTF.

No library reads Japanese narrative dates (二桁の年, 全角数字, 初旬, month-day
dates whose year comes from the story so far), so this is written by hand; the
calendar arithmetic and EDTF validation are left to :mod:`citepress.dates`.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from citepress.dates.edtf import DateError, DateValue, from_parts, parse

Kind = Literal["event", "source", "reference"]
_D = "[0-9０-９]"
_AFTER_NUMBER = r"(?<![0-9０-９.．])"
_PART = r"(?P<{0}>初旬|上旬|中旬|下旬)"
_DAYS = r"(?P<{0}>{1}{{1,2}})(?:～(?P<{0}2>{1}{{1,2}}))?日(?!間)"
_PATTERNS = [
    rf"(?P<y>{_D}{{4}}|{_D}{{2}})年の?(?P<m>{_D}{{1,2}})月(?!間)"
    rf"(?:{_DAYS.format('d', _D)}|{_PART.format('p')})?",
    rf"(?P<sy>{_D}{{4}})年(?P<season>春|夏|秋|冬)(?P<approx>頃|ごろ)?",
    rf"(?P<decade>{_D}{{3}})0年代",
    rf"(?P<yo>{_D}{{4}})年(?![間代])",
    rf"(?P<yo2>{_D}{{2}})年(?=以来|から|に(?!わた)|の(?!間))",
    rf"(?P<m2>{_D}{{1,2}})月(?!間)(?:{_DAYS.format('md', _D)}|{_PART.format('p2')})?",
    rf"(?P<da>{_D}{{1,2}})日(?:から|～)(?P<db>{_D}{{1,2}})日",
    rf"(?P<day>{_D}{{1,2}})日(?!間)",
]
_PART_DAYS = {"初旬": (1, 10), "上旬": (1, 10), "中旬": (11, 20), "下旬": (21, 31)}
_SEASONS = {"春": (3, 5), "夏": (6, 8), "秋": (9, 11), "冬": (12, 14)}
_NAME_BEFORE = re.compile(r"([^\s、。，,「」『』（）()]+)$")


class Unresolved(DateError):
    """A date that omits its year or month where the story has not stated one yet."""


@dataclass(frozen=True)
class FoundDate:
    """A date as written, where it stands, and how it was read."""

    surface: str
    start: int
    end: int
    kind: Kind
    value: DateValue | None
    inferred: bool = False
    error: str | None = None
    outlet: str | None = None
    context: str = ""
    unresolved: bool = False  # not wrong: the story gave no year or month to place it by


@dataclass
class Narrative:
    """The year and month the story has reached, for dates that omit them."""

    year: int | None = None
    month: int | None = None
    source: str = ""


def compile_pattern(events: dict[str, str]) -> re.Pattern[str]:
    """The one regular expression for every date form, named events first."""
    names = "|".join(re.escape(name) for name in sorted(events, key=len, reverse=True))
    event = [rf"(?<![0-9.])(?P<event>{names})(?![0-9])"] if names else []
    body = "|".join(event + [_AFTER_NUMBER + p for p in _PATTERNS])
    return re.compile(body)


def find(
    text: str, narrative: Narrative, pattern: re.Pattern[str], events: dict[str, str]
) -> list[FoundDate]:
    """Find the dates in ``text`` (one block), updating ``narrative`` as the story moves."""
    found = []
    for match in pattern.finditer(text):
        kind: Kind = "source" if _parenthesised(text, match) else "event"
        if match.groupdict().get("event"):
            kind = "reference"
        context = narrative.source
        state = narrative if kind != "source" else Narrative(**vars(narrative))
        try:
            value, inferred = _read(match, state, events)
            error, unresolved = None, False
        except DateError as exc:
            value, inferred, error = None, False, str(exc)
            unresolved = isinstance(exc, Unresolved)
        outlet = _outlet(text, match) if kind == "source" else None
        found.append(
            FoundDate(
                match.group(0),
                match.start(),
                match.end(),
                kind,
                value,
                inferred,
                error,
                outlet,
                context if inferred else "",
                unresolved,
            )
        )
        if kind != "source" and value is not None:
            narrative.source = f"{match.group(0)} → {value}"
    return found


def _parenthesised(text: str, match: re.Match[str]) -> bool:
    return (
        text[match.start() - 1 : match.start()] in "（("
        and match.start() > 0
        and (text[match.end() : match.end() + 1] in ("）", ")"))
    )


def _outlet(text: str, match: re.Match[str]) -> str | None:
    # An outlet's name is short: looking back 60 characters, not to the block's start,
    # keeps the $-anchored search from being quadratic in a long block.
    name = _NAME_BEFORE.search(text[max(0, match.start() - 61) : match.start() - 1])
    return name.group(1) if name else None


def _num(value: str | None) -> int | None:
    return int(unicodedata.normalize("NFKC", value)) if value else None


def _year(value: str | None) -> int | None:
    """Expand a two-digit year: 30-99 are 19xx, 00-29 are 20xx."""
    year = _num(value)
    if year is not None and value is not None and len(value) == 2:
        year += 1900 if year >= 30 else 2000
    return year


def _read(
    match: re.Match[str], narrative: Narrative, events: dict[str, str]
) -> tuple[DateValue, bool]:
    g = match.groupdict()
    if g.get("event"):
        value = parse(events[g["event"] or ""])
        narrative.year, narrative.month = value.lower.year, value.lower.month
        return value, False
    if g["sy"]:
        return _season(_year(g["sy"]) or 0, g["season"] or "", bool(g["approx"]), narrative)
    if g["decade"]:
        return parse(f"{unicodedata.normalize('NFKC', g['decade'])}X"), False
    if g["yo"] or g["yo2"]:
        narrative.year, narrative.month = _year(g["yo"] or g["yo2"]), None
        return from_parts(narrative.year or 0), False
    explicit_year = _year(g["y"])
    month = _num(g["m"] or g["m2"])
    if explicit_year is None and month is None:
        return _day_only(g, narrative)
    year = explicit_year if explicit_year is not None else narrative.year
    if year is None:
        raise Unresolved("cannot place: no year is stated before it")
    narrative.year, narrative.month = year, month
    return _month_day(year, month or 1, g), explicit_year is None


def _month_day(year: int, month: int, g: dict[str, str | None]) -> DateValue:
    day, day2 = _num(g["d"] or g["md"]), _num(g["d2"] or g["md2"])
    part = g["p"] or g["p2"]
    if part:
        first, last = _PART_DAYS[part]
        last = min(last, calendar.monthrange(year, month)[1]) if 1 <= month <= 12 else last
        return _range(year, month, first, last)
    if day is None:
        return from_parts(year, month)
    if day2 is None:
        return from_parts(year, month, day)
    return _range(year, month, day, day2)


def _range(year: int, month: int, first: int, last: int) -> DateValue:
    start, end = from_parts(year, month, first), from_parts(year, month, last)
    return parse(f"{start}/{end}")


def _day_only(g: dict[str, str | None], narrative: Narrative) -> tuple[DateValue, bool]:
    if narrative.year is None or narrative.month is None:
        raise Unresolved("cannot place: no month is stated before this day")
    first = _num(g["day"] or g["da"]) or 0
    last = _num(g["db"])
    if last is None:
        return from_parts(narrative.year, narrative.month, first), True
    return _range(narrative.year, narrative.month, first, last), True


def _season(year: int, season: str, approx: bool, narrative: Narrative) -> tuple[DateValue, bool]:
    narrative.year, narrative.month = year, None
    first, last = _SEASONS[season]
    mark = "~" if approx else ""
    end_year, last = (year + 1, last - 12) if last > 12 else (year, last)
    return parse(f"{year:04d}-{first:02d}{mark}/{end_year:04d}-{last:02d}{mark}"), False
