"""The Japanese notes in the text's own conventions, and the `missing` rule of the .bib.

The notes tell EDTF's qualifiers apart (頃, （推定）, 頃（推定）), write one-digit months
and days full-width and ranges with ～ as the chapter does, join names with 、, put
an agency before the speaker it quotes, and label a newspaper's event date so that
it is not read as the issue date.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from citepress.book import csl, jadate
from citepress.ground import pandoc
from citepress.sources import bib as bibliography
from tests import outputs as ed
from tests.conftest import BIB

# An exact source date: a day, or an interval of days (2001-09-11/2001-09-12).
EXACT_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?")


@pytest.fixture(scope="module")
def notes(editions: dict[str, Path]) -> dict[int, str]:
    """The HTML edition's notes by number (the other editions print the same)."""
    return dict(ed.html_notes(editions["html"]))


def entries() -> list[bibliography.Entry]:
    parsed, diagnostics = bibliography.parse(BIB.read_text(encoding="utf-8"), "bib")
    assert diagnostics == []
    return parsed


def needed(entry: bibliography.Entry) -> list[str]:
    """What a complete citation needs that the entry lacks (docs/bibliography.md)."""
    fields = entry.fields
    article = entry.entry_type.lower() == "article"
    rules = [
        ("author", "author" not in fields),
        ("title", "title" not in fields),
        ("journaltitle", "journaltitle" not in fields and "howpublished" not in fields),
        ("date", not EXACT_DAY.fullmatch(fields.get("date", ""))),
        ("pages", article and "pages" not in fields),
    ]
    return [name for name, lacking in rules if lacking]


# The rendered notes -------------------------------------------------------------------


def test_the_three_qualifiers_print_apart(notes: dict[int, str]) -> None:
    assert "2002年１月（推定）" in notes[11]  # 2002-01?: given by the paragraph
    assert "2002年４月頃" in notes[26]  # 2002-04~: この会議の直後
    assert "2002年12月頃（推定）" in notes[30]  # 2002-12%: 同時期, in the next paragraph
    assert "2002年（推定）" in notes[20] and "2002年頃" not in notes[20]
    assert "頃" not in notes[11] + notes[20]


def test_dates_are_written_as_the_text_writes_them(notes: dict[int, str]) -> None:
    assert "2001年５月。" in notes[2]
    assert "2001年９月24日" in notes[4]
    assert "2001年９月～10月１日" in notes[5]  # ９月の段階で … 10月１日には
    assert "2001年９月11～12日" in notes[3]
    assert "2002年４月11～12日（推定）" in notes[25]  # from the previous paragraph
    dates = "".join(notes.values())
    assert not re.search(r"年[0-9]月|月[0-9]日|\d–\d", dates)


def test_names_are_joined_with_the_japanese_comma(notes: dict[int, str]) -> None:
    assert notes[5].startswith(
        "カリモフ・ウズベキスタン大統領、アドブラジズ・カリモフ外務大臣、2001年"
    )
    assert "国家安全保障会議、" not in notes[5]  # a step in the process, not a speaker
    assert all("；" not in text for text in notes.values())


def test_an_agency_comes_before_the_speaker_it_quotes(notes: dict[int, str]) -> None:
    assert notes[16].startswith("インタファクス（在カザフスタン・アメリカ大使館の情報）。")


def test_a_newspapers_event_date_is_labelled(notes: dict[int, str]) -> None:
    assert notes[12].startswith("『イズヴェスチヤ』、報道された出来事の日付：2002年１月（推定）。")
    assert notes[12].endswith("〔未詳：著者、題名、掲載日、ページ〕")


def test_the_notes_say_what_is_still_unidentified(notes: dict[int, str]) -> None:
    assert notes[1].endswith("〔未詳：著者、題名、媒体、日付〕")
    # An exact day: only the author, the title and the outlet are still unknown.
    assert notes[4].endswith("〔未詳：著者、題名、媒体〕")
    assert notes[16].endswith("〔未詳：著者、題名、日付〕")  # the agency is named
    assert notes[18].endswith("〔未詳：著者、題名、掲載日、ページ〕")


def test_note_14_gives_every_speakers_point(notes: dict[int, str]) -> None:
    points = ("多年にわたり駐留する", "生活の一部とみなすべきだ", "１億1000万ドル", "訓練を提供")
    for point in points:
        assert point in notes[14], point


# The bibliography -----------------------------------------------------------------------


def test_every_entry_lists_what_a_complete_citation_still_needs() -> None:
    for entry in entries():
        assert entry.missing == needed(entry), entry.key


def test_the_newspapers_date_is_the_events_not_the_issues() -> None:
    izvestia = {entry.key: entry for entry in entries()}["izvestia-khanabad-lease"]
    assert "date" not in izvestia.fields
    assert izvestia.fields["eventdate"] == "2002-01?"


def test_the_corrected_entries() -> None:
    by_key = {entry.key: entry for entry in entries()}
    assert "国家安全保障会議" not in by_key["uzbekistan-airspace-2001-10-01"].fields["speaker"]
    assert by_key["rushailo-almaty-2002-04"].fields["date"] == "2002-04-11?/2002-04-12?"
    assert by_key["malashenko-military-redivision"].fields["date"] == "2002-12%"


# The date module ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "marks", "expected"),
    [
        ([[2001]], (), "2001年"),
        ([[2001, 5]], (), "2001年５月"),
        ([[2001, 12]], ("?",), "2001年12月（推定）"),
        ([[2002, 4]], ("~",), "2002年４月頃"),
        ([[2002, 12]], ("%",), "2002年12月頃（推定）"),
        ([[2001, 10, 1]], (), "2001年10月１日"),
        ([[2002, 4, 11], [2002, 4, 12]], (), "2002年４月11～12日"),
        ([[2002, 4, 11], [2002, 4, 12]], ("?", "?"), "2002年４月11～12日（推定）"),
        ([[2002, 4, 11], [2002, 4, 12]], ("?", ""), "2002年４月11日（推定）～12日"),
        ([[2001, 9, 30], [2001, 10, 2]], (), "2001年９月30日～10月２日"),
        ([[2001, 12], [2002, 1]], (), "2001年12月～2002年１月"),
        ([[2002, 3], [2002, 5]], (), "2002年３～５月"),
        ([[2001], [2002]], (), "2001～2002年"),
        ([[2001, 9], [2001, 10, 2]], (), "2001年９月～10月２日"),
        ([[2002, 4], [2002, 4]], ("~", "~"), "2002年４月頃"),
    ],
)
def test_japanese_dates(parts: list[list[int]], marks: tuple[str, ...], expected: str) -> None:
    assert jadate.date_text(parts, marks) == expected


@pytest.mark.parametrize(
    ("edtf", "expected"),
    [
        ("2002-04~", {"literal": "2002年４月頃", "date-parts": [[2002, 4]]}),
        (
            "2002-04-11?/2002-04-12?",
            {"literal": "2002年４月11～12日（推定）", "date-parts": [[2002, 4, 11], [2002, 4, 12]]},
        ),
        ("2001-21", {"literal": "2001年春"}),  # seasons as before
        ("-0049", {"literal": "紀元前50年"}),
        ("2001-33", {"literal": "2001年１～３月", "date-parts": [[2001, 1], [2001, 3]]}),
    ],
)
def test_a_japanese_csl_date_is_a_literal_with_its_parts(edtf: str, expected: object) -> None:
    assert csl.csl_date(edtf, "ja") == expected


@pytest.mark.parametrize(
    ("edtf", "expected"),
    [
        ("2002-01?", {"date-parts": [[2002, 1]], "circa": True}),
        ("2002-04~", {"date-parts": [[2002, 4]], "circa": True}),
        ("2002-12%", {"date-parts": [[2002, 12]], "circa": True}),
        ("2002-04-11/2002-04-12", {"date-parts": [[2002, 4, 11], [2002, 4, 12]]}),
        ("2001-21", {"literal": "Spring 2001"}),
        ("-0049", {"date-parts": [[-50]]}),
    ],
)
def test_english_dates_are_unchanged(edtf: str, expected: object) -> None:
    assert csl.csl_date(edtf, "en-GB") == expected


def test_missing_fields_in_each_language() -> None:
    fields = ["author", "title", "journaltitle", "date", "pages"]
    assert csl.missing_text(fields, "ja") == "未詳：著者、題名、媒体、日付、ページ"
    assert csl.missing_text(fields, "ja", "article") == "未詳：著者、題名、媒体、掲載日、ページ"
    assert csl.missing_text(fields, "en", "article") == (
        "not yet identified: author, title, outlet, issue date, page"
    )


def test_citeproc_prints_the_literal_and_sorts_by_the_parts(tmp_path: Path) -> None:
    # The literals sort the other way round from the dates: the order must be the dates'.
    late, early = csl.csl_date("2002-04~"), csl.csl_date("1999-12?")
    assert late is not None and early is not None
    late["literal"] = "A" + late["literal"]
    items = [
        {"id": "late", "type": "document", "title": "late", "issued": late},
        {"id": "early", "type": "document", "title": "early", "issued": early},
    ]
    references = tmp_path / "references.json"
    references.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    style = Path(csl.__file__).parent.parent / "templates" / "csl" / "citepress-note-ja.csl"
    text = "---\nnocite: '@*'\n---\n\n本文。\n"
    args = ["--citeproc", f"--csl={style}", f"--bibliography={references}", "--to=plain"]
    out = pandoc.run(args, text)
    assert out.index("1999年12月（推定）") < out.index("A2002年４月頃")
