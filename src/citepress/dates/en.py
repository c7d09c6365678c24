"""Find the dates written in English prose and read each one as EDTF.

The same timeline as Japanese dates (dates/ja.py): "On 25 October 2001",
"October 25, 2001", "in March 2002", "the autumn of 2001", "the 1990s", and
month-day dates ("on 7 October", "October 7") whose year comes from the story
so far. A date in parentheses after an outlet's name ("(The New York Times,
25 October 2001)") is a source's date. Written by hand for the same reason as
the Japanese reader: date libraries parse one date string, not narrative that
carries its year forward; EDTF validation is left to :mod:`citepress.dates`.
"""

from __future__ import annotations

import calendar
import re

from citepress.dates.edtf import DateValue, from_parts, parse
from citepress.dates.ja import FoundDate, Narrative, Unresolved, compile_forms, find_dates

_MONTHS = {
    name: number
    for number, full in enumerate(calendar.month_name[1:], start=1)
    for name in {full.lower(), full[:3].lower(), "sept" if number == 9 else full.lower()}
}
# Only an abbreviation takes a dot ("Feb."): a full name's dot ends the sentence.
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"  # noqa: E501 -- one alternation
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_SEASONS = {
    "spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 14),
}  # fmt: skip
_PATTERNS = [
    rf"(?P<d>{_DAY})\s+(?:of\s+)?(?P<m>{_MONTH}),?\s+(?P<y>\d{{4}})",
    rf"(?P<m2>{_MONTH})\s+(?P<d2>{_DAY}),?\s+(?P<y2>\d{{4}})",
    rf"(?P<m3>{_MONTH})\s+(?:of\s+)?(?P<y3>\d{{4}})",
    r"(?:the\s+)?(?P<season>[Ss]pring|[Ss]ummer|[Aa]utumn|[Ff]all|[Ww]inter)"
    r"\s+(?:of\s+)?(?P<sy>\d{4})",
    r"the\s+(?P<decade>\d{3})0s",
    rf"(?P<d4>{_DAY})\s+(?:of\s+)?(?P<m4>{_MONTH})",
    rf"(?P<m5>{_MONTH})\s+(?P<d5>{_DAY})",
    r"(?:[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Dd]uring|[Ff]rom|[Tt]o|[Oo]f|[Ee]arly|[Ll]ate)"
    r"\s+(?P<yo>\d{4})",
    # A year set off by commas, as a reference written in the text gives it
    # ("Mostipak, Jesse, 2018, 'So you've been asked…', 24 February"): the year of
    # the month-day date that follows. After a word, not a number: "1500, 1750, 2000,
    # and 2250 grams" is no year.
    r"(?<=[A-Za-z.],\s)(?P<yc>(?:1[5-9]|20)\d{2})(?=,)",
]
_OUTLET = re.compile(r"\(([^()]{1,80}),\s*$")


def compile_pattern(events: dict[str, str]) -> re.Pattern[str]:
    """The one regular expression for every English date form, named events first."""
    guard = (r"(?<![\w.])", r"(?![\w])")
    return compile_forms(events, _PATTERNS, guard, guard)


def find(
    text: str, narrative: Narrative, pattern: re.Pattern[str], events: dict[str, str]
) -> list[FoundDate]:
    """Find the dates in ``text`` (one sentence), updating ``narrative`` as the story moves."""
    return find_dates(
        text,
        narrative,
        pattern,
        lambda match, state: _read(match.groupdict(), state, events),
        _source,
    )


def _source(text: str, match: re.Match[str]) -> tuple[bool, str | None]:
    outlet = _outlet(text, match)
    return outlet is not None, outlet


def _outlet(text: str, match: re.Match[str]) -> str | None:
    """The outlet a parenthesised date belongs to: "(The Times, 25 October 2001)"."""
    if text[match.end() : match.end() + 1] != ")":
        return None
    before = _OUTLET.search(text[max(0, match.start() - 82) : match.start()])
    return before.group(1).strip() if before else None


def _read(
    g: dict[str, str | None], narrative: Narrative, events: dict[str, str]
) -> tuple[DateValue, bool]:
    if g.get("event"):
        value = parse(events[g["event"] or ""])
        narrative.year, narrative.month = value.lower.year, value.lower.month
        return value, False
    if g["sy"]:
        return _season(int(g["sy"]), (g["season"] or "").lower(), narrative), False
    if g["decade"]:
        return parse(f"{g['decade']}X"), False
    if g["yo"] or g["yc"]:
        narrative.year, narrative.month = int(g["yo"] or g["yc"] or 0), None
        return from_parts(narrative.year), False
    year = g["y"] or g["y2"] or g["y3"]
    month = _month(g["m"] or g["m2"] or g["m3"] or g["m4"] or g["m5"])
    day = _day(g["d"] or g["d2"] or g["d4"] or g["d5"])
    if year is None and narrative.year is None:
        raise Unresolved("cannot place: no year is stated before it")
    resolved = int(year) if year else narrative.year or 0
    narrative.year, narrative.month = resolved, month
    value = from_parts(resolved, month, day) if day else from_parts(resolved, month)
    return value, year is None


def _month(name: str | None) -> int:
    return _MONTHS[(name or "").rstrip(".").lower()]


def _day(text: str | None) -> int | None:
    return int(re.sub(r"\D", "", text)) if text else None


def _season(year: int, season: str, narrative: Narrative) -> DateValue:
    narrative.year, narrative.month = year, None
    first, last = _SEASONS[season]
    end_year, last = (year + 1, last - 12) if last > 12 else (year, last)
    return parse(f"{year:04d}-{first:02d}/{end_year:04d}-{last:02d}")
