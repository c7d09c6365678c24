"""EDTF dates the edtf library would compute for hours are refused before it sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from citepress.dates.edtf import DateError, parse


def test_a_huge_exponent_is_refused_at_once() -> None:
    with pytest.raises(DateError, match=r"the exponent E99999999 is too large \(at most E9"):
        parse("Y1E99999999")


def test_a_small_exponent_still_reaches_the_library() -> None:
    # Y17E8 is the year 1,700,000,000: a valid EDTF date, beyond the calendar.
    with pytest.raises(DateError, match="cannot be placed on a calendar: year 1700000000"):
        parse("Y17E8")


def test_a_10000_character_date_is_refused_without_being_quoted() -> None:
    with pytest.raises(DateError) as error:
        parse("2001-10-30/" + "9" * 9_989)
    assert str(error.value) == "the date is 10,000 characters long; an EDTF date has at most 100"


@pytest.mark.parametrize("text", ["Y12345678901", "Y-1234567890", "1950S1234567890"])
def test_years_and_significant_digits_of_more_than_9_digits_are_refused(text: str) -> None:
    with pytest.raises(DateError, match="has more than 9 digits"):
        parse(text)


@pytest.mark.parametrize(
    "text", ["2001-10-30", "1950S2", "2001-21", "2001-41", "2001-33/2001-10-01"]
)
def test_ordinary_dates_pass_the_limits(text: str) -> None:
    assert str(parse(text)) == text


def test_a_month_of_thousands_of_digits_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    from citepress import check  # noqa: PLC0415
    from citepress import config as project  # noqa: PLC0415

    (tmp_path / "manuscript").mkdir()
    (tmp_path / "bib").mkdir()
    (tmp_path / "manuscript" / "c.md").write_text(
        "---\ntitle: T\nauthor: A\nlang: en\n---\n\nText [@a].\n", encoding="utf-8"
    )
    (tmp_path / "bib" / "refs.bib").write_text(
        "@misc{a, author = {X}, title = {Y}, date = {2001}, month = {" + "1" * 5000 + "}}\n",
        encoding="utf-8",
    )
    (tmp_path / "pyproject.toml").write_text("[tool.citepress]\n", encoding="utf-8")
    codes = [d.code for d in check.run(project.load(tmp_path)).diagnostics]
    assert "date.legacy-mismatch" in codes
