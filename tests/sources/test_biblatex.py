"""biblatex semantics where they decide a fact: months, inheritance, ids, sets, other dates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citepress import check
from citepress import config as project
from citepress.diagnostics import Code
from citepress.sources.bib import months
from tests.sources.test_one_reading import codes, html_edition, make


def _notes(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", n) for n in re.findall(r'class="note">(.*?)</li>', page)]


def test_month_spellings_reference_managers_write() -> None:
    spellings = {"7": 7, "jul": 7, "{July}": 7, "Jul.": 7, "January": 1, "Sept": 9, "sep": 9}
    assert {raw: months.number(raw) for raw in spellings} == spellings
    assert [months.number(raw) for raw in ("13", "0", "Ju", "Juli", "")] == [None] * 5


MONTHS = """@article{a, author={X}, title={One}, journaltitle={J}, year={2001}, month=jul,
  date={2001-07}}
@article{b, author={X}, title={Two}, journaltitle={J}, year={2001}, month={July},
  date={2001-07}}
@article{c, author={X}, title={Three}, journaltitle={J}, month={Jul.}, date={2001-07-04}}
@article{d, author={X}, title={Four}, journaltitle={J}, month={January}, date={2001-01}}
@article{e, author={X}, title={Five}, journaltitle={J}, year={2001}, month={Sept}}
@article{f, author={X}, title={Six}, journaltitle={J}, month={Sept}, date={2001-10}}
"""


@pytest.mark.slow
def test_month_names_agree_with_date_and_reach_the_note(tmp_path: Path) -> None:
    root = make(tmp_path, "A [@a] B [@b] C [@c] D [@d] E [@e] F [@f].\n", MONTHS)
    assert codes(root) == [(Code.DATE_LEGACY_MISMATCH, 8, 56)]  # Sept is not 2001-10
    notes = _notes(html_edition(root, "--force"))
    assert notes[4] == "5.X, “Five,” J, September 2001."


INHERITANCE = """@incollection{ch, author={W}, title={Chapter}, crossref={bk}, pages={1--10}}
@book{bk, editor={E}, title={The Book}, publisher={P}, date={2004}}
@online{o, author={O}, title={Web}, date={2005}, doi={10.1/x}}
@online{p, author={O}, title={Preprint}, date={2005}, eprint={2101.00001}}
"""


@pytest.mark.slow
def test_inherited_and_alternative_fields_are_not_missing(tmp_path: Path) -> None:
    """The chapter's booktitle and date come from its book; a doi or eprint is a url."""
    root = make(tmp_path, "C [@ch]. O [@o]. P [@p].\n", INHERITANCE)
    assert codes(root) == []  # no bib.missing-field, and the book is not unused
    notes = _notes(html_edition(root))
    assert notes[0] == "1.W, “Chapter,” in The Book, ed. E (P, 2004)."


KEYS = """@article{a, author={X}, title={One}, journaltitle={J}, date={2001}, ids={oldkey}}
@article{b, author={Y}, title={Two}, journaltitle={J}, date={2002}}
@article{c, author={Z}, title={Three}, journaltitle={J}, date={2003}}
@set{s, entryset={b,c}}
"""


@pytest.mark.slow
def test_an_alias_cites_its_entry_and_a_set_its_members(tmp_path: Path) -> None:
    root = make(tmp_path, "A [@oldkey]. S [@s].\n", KEYS)
    assert codes(root) == []  # oldkey is a, and b and c are cited through s
    assert _notes(html_edition(root)) == [
        "1.X, “One,” J, 2001.",
        "2.Y, “Two,” J, 2002; Z, “Three,” J, 2003.",
    ]


OTHER = """@online{a, author={X}, title={A}, date={2006-02-01}, url={https://e.org},
  urldate={2006-02-30}}
@online{b, author={X}, title={B}, date={2006-03-01}, url={https://e.org},
  urldate={2006-01-01}}
@book{c, author={X}, title={C}, date={1900}, origdate={1850-13}}
@misc{d, author={X}, title={D}, date={2001}, eventdate={2001-10-05/2001-10-01}}
"""


def test_other_dates_are_checked(tmp_path: Path) -> None:
    root = make(tmp_path, "[@a] [@b] [@c] [@d]\n", OTHER)
    found = [(code, line) for code, line, _ in codes(root)]
    assert found == [(Code.DATE_INVALID, n) for n in (2, 5, 6)]
    # b was read online before its date: online-first publication, a note, not an error.
    notes = [d for d in check.run(project.load(root)).diagnostics if d.severity == "note"]
    assert [(d.code, d.line) for d in notes if d.code is not Code.REF_UNUSED] == [
        (Code.DATE_ONLINE_FIRST, 4)
    ]


@pytest.mark.slow
def test_an_annotation_prints_only_when_asked(tmp_path: Path) -> None:
    bib = "@misc{a, author={X}, title={T}, date={2001}, annotation={My private remark}}\n"
    root = make(tmp_path, "Text [@a].\n", bib)
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    # In Japanese, our own style, which prints an entry's annote when it has one.
    (root / "manuscript" / "chapter.md").write_text(
        "---\ntitle: T\nauthor: A\nlang: ja\n---\n\nText [@a].\n", encoding="utf-8"
    )
    assert "My private remark" not in html_edition(root)
    (root / "pyproject.toml").write_text(
        text.replace("[tool.citepress]\n", "[tool.citepress]\nannotations = true\n", 1),
        encoding="utf-8",
    )
    assert "My private remark" in html_edition(root)


@pytest.mark.slow
def test_titles_keep_the_case_the_author_wrote(tmp_path: Path) -> None:
    """pandoc's reader sentence-cased English titles ("Literate programming", in ja notes)."""
    bib = "@misc{a, author={X}, title={George Meredith and the Novel}, date={2001}}\n"
    root = make(tmp_path, "Text [@a].\n", bib)
    chapter = root / "manuscript" / "chapter.md"
    chapter.write_text(chapter.read_text().replace("lang: en", "lang: ja"), encoding="utf-8")
    assert "「George Meredith and the Novel」" in html_edition(root)


@pytest.mark.slow
def test_and_others_reads_in_the_books_language(tmp_path: Path) -> None:
    bib = "@misc{a, author={John Smith and others}, title={Many}, date={2006}}\n"
    root = make(tmp_path, "Text [@a].\n", bib)
    assert "John Smith et al." in html_edition(root)
    chapter = root / "manuscript" / "chapter.md"
    chapter.write_text(chapter.read_text().replace("lang: en", "lang: ja"), encoding="utf-8")
    page = html_edition(root)
    assert "John Smith・ほか" in page and "others" not in page


@pytest.mark.slow
def test_a_year_before_the_common_era(tmp_path: Path) -> None:
    """date = {-0049} is EDTF for 50 BC (year 0 is 1 BC); it rendered 「50紀元後年」."""
    bib = "@book{a, author={Caesar}, title={Commentarii}, date={-0049}}\n"
    root = make(tmp_path, "Text [@a].\n", bib)
    assert codes(root) == []
    assert "(50 BC)" in html_edition(root)
    chapter = root / "manuscript" / "chapter.md"
    chapter.write_text(chapter.read_text().replace("lang: en", "lang: ja"), encoding="utf-8")
    # The words of the note, whatever markup keeps 50年 on one line.
    assert "紀元前50年" in re.sub(r"<[^>]+>", "", html_edition(root))


def test_a_year_range_is_a_date_for_the_checks(tmp_path: Path) -> None:
    """year = {2001/2003} (biblatex's range) dates the entry: it may not postdate the edition."""
    bib = (
        "@book{a, author={X}, title={Y}, year={2001/2003}}\n"
        "@book{b, author={X}, title={Z}, year={2090/2091}}\n"
    )
    root = make(tmp_path, "Text [@a] [@b].\n", bib)
    assert codes(root) == [(Code.DATE_FUTURE, 2, 1)]
