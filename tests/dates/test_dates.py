"""Dates: EDTF parsing, Japanese date reading, and properties that must always hold."""

from __future__ import annotations

import datetime as dt

import pytest
from edtf import parse_edtf
from hypothesis import given, settings
from hypothesis import strategies as st

from citepress.dates import ja as jadates
from citepress.dates.edtf import DateError, parse
from citepress.sources import bib as bibliography
from citepress.sources import manuscript

EVENTS = {"9.11": "2001-09-11"}
PATTERN = jadates.compile_pattern(EVENTS)
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def read(text: str, narrative: jadates.Narrative | None = None) -> list[tuple[str, str]]:
    found = jadates.find(text, narrative or jadates.Narrative(), PATTERN, EVENTS)
    return [(f.surface, str(f.value) if f.value else f"! {f.error}") for f in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2001年10月25日", [("2001年10月25日", "2001-10-25")]),
        ("99年４月", [("99年４月", "1999-04")]),
        ("10月１～３日", [("10月１～３日", "2001-10-01/2001-10-03")]),
        ("１月初旬", [("１月初旬", "2001-01-01/2001-01-10")]),
        ("２月下旬", [("２月下旬", "2001-02-21/2001-02-28")]),
        ("2002年春頃", [("2002年春頃", "2002-03~/2002-05~")]),
        ("2000年の５月", [("2000年の５月", "2000-05")]),
        ("17日から24日まで", [("17日から24日", "2001-10-17/2001-10-24")]),
        ("1980年代", [("1980年代", "198X")]),
        ("9.11以前", [("9.11", "2001-09-11")]),
        ("25年にわたり、６ヶ月ごとに、１年間、７～15年存続、約２週間", []),
        ("2002年2月30日", [("2002年2月30日", "! '2002-02-30': February 2002 has 28 days")]),
    ],
)
def test_japanese_dates(text: str, expected: list[tuple[str, str]]) -> None:
    assert read(text, jadates.Narrative(2001, 10)) == expected


def test_month_day_takes_the_year_of_the_story() -> None:
    narrative = jadates.Narrative()
    assert read("9.11直後、９月24日に", narrative) == [
        ("9.11", "2001-09-11"),
        ("９月24日", "2001-09-24"),
    ]


def test_a_day_with_no_month_is_left_unplaced() -> None:
    (found,) = jadates.find("12日には", jadates.Narrative(), PATTERN, EVENTS)
    assert found.value is None and found.unresolved


def test_source_dates_do_not_move_the_story() -> None:
    narrative = jadates.Narrative(1999, 4)
    found = jadates.find("ニューヨーク・タイムズ（2001年10月25日）は", narrative, PATTERN, EVENTS)
    assert found[0].kind == "source" and found[0].outlet == "ニューヨーク・タイムズ"
    assert (narrative.year, narrative.month) == (1999, 4)


@pytest.mark.parametrize(
    "text", ["2002-02-30", "2002-13", "0000", "2001-10-03/2001-10-01", "../..", "", "2001-1"]
)
def test_invalid_edtf(text: str) -> None:
    with pytest.raises(DateError):
        parse(text)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)), st.booleans())
def test_japanese_date_round_trips(day: dt.date, fullwidth: bool) -> None:
    text = f"{day.year:04d}年{day.month}月{day.day}日"
    text = text.translate(FULLWIDTH) if fullwidth else text
    (found,) = jadates.find(text, jadates.Narrative(), PATTERN, EVENTS)
    assert found.value is not None
    assert (found.value.lower, found.value.upper) == (day, day)
    again = parse(found.value.edtf)
    assert (again.lower, again.upper) == (day, day)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1000, 1, 1)), st.integers(0, 40), st.sampled_from(["", "?", "~"]))
def test_edtf_ranges_round_trip(start: dt.date, length: int, mark: str) -> None:
    end = min(start + dt.timedelta(days=length), dt.date(9999, 12, 31))
    text = f"{start.isoformat()}{mark}/{end.isoformat()}{mark}"
    value = parse(text)
    assert (value.lower, value.upper) == (start, end)
    assert parse(value.edtf) == value


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("0123456789０１２３年月日～から初旬春頃の（）9.11 ")),
        max_size=40,
    )
)
def test_date_reader_never_crashes(text: str) -> None:
    for found in jadates.find(text, jadates.Narrative(), PATTERN, EVENTS):
        assert found.value is not None or found.error


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list('@{}(),="#%\n abc0123=misc string comment')), max_size=80)
)
def test_bibliography_parser_never_crashes(text: str) -> None:
    entries, diagnostics = bibliography.parse(text, "x.bib")
    assert all(d.path == "x.bib" and d.line >= 1 for d in diagnostics)
    assert isinstance(entries, list)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("-#[]@{}()`~:\n abc年月日12")), max_size=80))
@pytest.mark.slow
def test_manuscript_parser_never_crashes(text: str) -> None:
    doc, _ = manuscript.parse("---\ntitle: t\nauthor: a\nlang: ja\n---\n" + text, "x.md")
    assert all(c.note >= 1 for c in doc.citations)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=dt.date(1, 1, 1)), st.integers(1, 3), st.sampled_from(["", "?", "~", "%"])
)
@pytest.mark.slow
def test_plain_fast_path_agrees_with_the_edtf_library(day: dt.date, parts: int, mark: str) -> None:
    text = day.isoformat()[: {1: 4, 2: 7, 3: 10}[parts]] + mark
    ours = parse(text)
    theirs = parse_edtf(text)
    assert (ours.lower, ours.upper) == (
        dt.date(*theirs.lower_strict()[:3]),
        dt.date(*theirs.upper_strict()[:3]),
    )
