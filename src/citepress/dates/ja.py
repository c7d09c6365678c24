"""Find the dates written in Japanese prose and read each one as EDTF.

No library reads Japanese narrative dates (二桁の年, 全角数字, 初旬, month-day
dates whose year comes from the story so far), so this is written by hand; the
calendar arithmetic and EDTF validation are left to :mod:`citepress.dates`.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
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
    # Not 3000年以上前 / 約2000年前 / 100年後 ("years ago", "later"): durations; 2001年前半 is.
    rf"(?P<yo>{_D}{{4}})年(?![間代]|以上|前(?!半)|後(?!半)|ほど|余)",
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
    # What the date is the time of (dates/roles.py): only an "event" charges a citation.
    role: str = "event"


@dataclass
class Narrative:
    """The year and month the story has reached, for dates that omit them."""

    year: int | None = None
    month: int | None = None
    source: str = ""


def compile_forms(
    events: dict[str, str],
    forms: list[str],
    event_guard: tuple[str, str],
    form_guard: tuple[str, str],
) -> re.Pattern[str]:
    """One regular expression for every date form of a language, named events first.

    Each guard is the (lookbehind, lookahead) that keeps a match from starting or
    ending inside a number or word.
    """
    names = "|".join(re.escape(name) for name in sorted(events, key=len, reverse=True))
    before, after = event_guard
    event = [rf"{before}(?P<event>{names}){after}"] if names else []
    return re.compile("|".join(event + [form_guard[0] + p + form_guard[1] for p in forms]))


def compile_pattern(events: dict[str, str]) -> re.Pattern[str]:
    """The one regular expression for every Japanese date form, named events first."""
    return compile_forms(events, _PATTERNS, (r"(?<![0-9.])", r"(?![0-9])"), (_AFTER_NUMBER, ""))


# How a language reads one match: its value, and whether the story gave part of it.
Reader = Callable[[re.Match[str], Narrative], tuple[DateValue, bool]]
# Whether a match is a source's date, and the outlet it belongs to.
SourceOf = Callable[[str, re.Match[str]], tuple[bool, str | None]]


def find_dates(
    text: str, narrative: Narrative, pattern: re.Pattern[str], read: Reader, source: SourceOf
) -> list[FoundDate]:
    """The dates in ``text``, read in order, updating ``narrative`` as the story moves.

    A source's date does not move the story; a named event is a reference.
    """
    found = []
    for match in pattern.finditer(text):
        is_source, outlet = source(text, match)
        kind: Kind = "source" if is_source else "event"
        if match.groupdict().get("event"):
            kind = "reference"
        context = narrative.source
        state = narrative if kind != "source" else Narrative(**vars(narrative))
        try:
            value, inferred = read(match, state)
            error, unresolved = None, False
        except DateError as exc:
            value, inferred, error = None, False, str(exc)
            unresolved = isinstance(exc, Unresolved)
        outlet = outlet if kind == "source" else None
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


def find(
    text: str, narrative: Narrative, pattern: re.Pattern[str], events: dict[str, str]
) -> list[FoundDate]:
    """Find the dates in ``text`` (one block), updating ``narrative`` as the story moves."""
    return find_dates(
        text, narrative, pattern, lambda match, state: _read(match, state, events), _source
    )


def _source(text: str, match: re.Match[str]) -> tuple[bool, str | None]:
    """A date in （） right after its outlet's name: 「イズヴェスチヤ（2001年10月25日）」."""
    if not _parenthesised(text, match):
        return False, None
    return True, _outlet(text, match)


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
