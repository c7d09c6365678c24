"""Dates in English prose: read into the same timeline and checks as Japanese ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from citepress.dates import en
from citepress.dates.ja import Narrative
from citepress.diagnostics import Code
from tests.runcli import cli
from tests.sources.test_one_reading import codes, make


def read(text: str, narrative: Narrative | None = None) -> list[tuple[str, str, str]]:
    story = narrative or Narrative()
    found = en.find(text, story, en.compile_pattern({}), {})
    return [(f.surface, str(f.value), f.kind) for f in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On 25 October 2001 they met.", ("25 October 2001", "2001-10-25")),
        ("It began in March 2002.", ("March 2002", "2002-03")),
        ("On October 25, 2001, they met.", ("October 25, 2001", "2001-10-25")),
        ("By the autumn of 2001 it was over.", ("the autumn of 2001", "2001-09/2001-11")),
        ("As in the 1990s.", ("the 1990s", "199X")),
        ("Talks began in 1999.", ("in 1999", "1999")),
        ("On 3 Sept. 2001 they met.", ("3 Sept. 2001", "2001-09-03")),
    ],
)
def test_the_forms_english_prose_writes(text: str, expected: tuple[str, str]) -> None:
    assert [(s, v) for s, v, _ in read(text)] == [expected]


def test_the_year_is_carried_forward_and_a_month_day_needs_one() -> None:
    story = Narrative()
    assert read("On 7 October they spoke.", story)[0][1] == "None"  # no year yet
    assert read("On 25 October 2001 they met. On 7 November they spoke.", story) == [
        ("25 October 2001", "2001-10-25", "event"),
        ("7 November", "2001-11-07", "event"),
    ]


def test_a_parenthesised_date_after_an_outlet_is_the_sources() -> None:
    found = en.find(
        "They met (The New York Times, October 25, 2001).",
        Narrative(),
        en.compile_pattern({}),
        {},
    )
    assert [(f.kind, f.outlet, str(f.value)) for f in found] == [
        ("source", "The New York Times", "2001-10-25")
    ]


BIB = """@article{nyt, author={X}, title={Talks}, journaltitle={The New York Times},
  date={2001-11}}
@misc{b, author={Y}, title={Visit}, date={2001-10-20}}
"""


def test_english_dates_feed_the_same_checks(tmp_path: Path) -> None:
    body = (
        "On 25 October 2001 the ministers met (The New York Times, October 25, 2001).[@nyt]\n"
        "On 7 November they spoke again, as one source says.[@b]\n"
    )
    root = make(tmp_path, body, BIB)
    assert codes(root) == [(Code.DATE_SOURCE_MISMATCH, 7, 59), (Code.DATE_BEFORE_EVENT, 8, 53)]
    shown = cli(root, "dates").stdout
    assert "「7 November」 -> 2001-11-07 (year from the story" in shown
