"""Dates charge a citation only as the time of what it reports; sentences end where they do.

Each folder of fixtures/patterns is a pattern a real book showed (the corpus in
docs/check.md), written anew in our own words, with the exact report expected. Before
the segmenter and the date roles, by-year, since-year, reissued,
break-after-citation, other-clause, relative-clause, in-text-opens-sentence and
ja-span each gave a build-stopping date.before-event error; forthcoming and
book-date a date.future error; nested-citation blamed the wrong citation.
ja-digit-after-stop guards the choice of segmenter: sentencex alone reads
「。2010年」 as one sentence.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from citepress import check
from citepress import config as project
from citepress.dates import roles, sentences
from tests.checkfixtures import make_project, run_text
from tests.conftest import ROOT

PATTERNS = ROOT / "tests" / "fixtures" / "patterns"
CASES = sorted(p.name for p in PATTERNS.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_pattern_gives_exactly_the_expected_report(case: str, tmp_path: Path) -> None:
    expected = (PATTERNS / case / "expected.txt").read_text(encoding="utf-8")
    assert run_text(make_project(PATTERNS / case, tmp_path)) == expected


def test_the_patterns_include_true_queries() -> None:
    """The rules are not a switch that silences everything: an event still charges."""
    reports = {c: (PATTERNS / c / "expected.txt").read_text(encoding="utf-8") for c in CASES}
    assert "date.before-event" in reports["event-in-clause"]
    assert "date.before-event" in reports["ja-quotation"]
    assert "date.before-event" in reports["in-text-citation-looks-back"]


@pytest.mark.parametrize(
    ("text", "surface", "expected"),
    [
        ("By 2020 the theory was cited everywhere.", "By 2020", "span"),
        ("Since 1990, economists have built on it.", "Since 1990", "span"),
        ("Prices held until 2001 at the latest.", "until 2001", "span"),
        ("The book was reissued in 2012.", "in 2012", "work"),
        ("The language was first published in 2008.", "in 2008", "first"),
        ("The study was published in 2014.", "in 2014", "first"),
        ("Rates rose from 1990 to 2000.", "to 2000", "span"),
        ("Rates rose from 1990 to 2000.", "from 1990", "span"),
        ("In 2012 the port closed.", "In 2012", "event"),
        ("The port closed in 2012.", "in 2012", "event"),
    ],
)
def test_english_roles(text: str, surface: str, expected: str) -> None:
    start = text.index(surface)
    assert roles.role(text, start, start + len(surface), english=True) == expected


@pytest.mark.parametrize(
    ("text", "surface", "expected"),
    [
        ("2005年以降、電子化された。", "2005年", "span"),
        ("1990年以来、続いている。", "1990年", "span"),
        ("2001年まで続いた。", "2001年", "span"),
        ("2010年現在、三種ある。", "2010年", "span"),
        ("2012年に港は閉じた。", "2012年", "event"),
    ],
)
def test_japanese_roles(text: str, surface: str, expected: str) -> None:
    start = text.index(surface)
    assert roles.role(text, start, start + len(surface), english=False) == expected


def test_clauses_split_at_semicolons_and_relative_clauses_only() -> None:
    text = "In 2012 the port closed; its books, which date from 1900, are older."
    starts = roles.clause_starts(text, english=True)
    assert [text[s : s + 4] for s in starts] == ["its ", "whic", " are"]
    assert roles.clause_starts("In 2005, the team left.", english=True) == []


def test_sentences_of_each_script() -> None:
    def split(text: str, lang: str) -> list[str]:
        return [text[a:b] for a, b in sentences.spans(text, lang)]

    assert split("See p. 5 of Smith et al. 2001. Next one.", "en") == [
        "See p. 5 of Smith et al. 2001. ",
        "Next one.",
    ]
    assert split("明確になった。25日に会った。", "ja") == ["明確になった。", "25日に会った。"]
    assert split("彼は「本当か。」と言った。次。", "ja") == ["彼は「本当か。」と言った。", "次。"]
    # ICU counts UTF-16 units: a character beyond the BMP must not shift the bounds.
    assert split("絵😀です。次です。", "ja") == ["絵😀です。", "次です。"]


@pytest.mark.timeout(60)
@pytest.mark.slow
def test_a_paragraph_of_20000_cited_sentences_is_linear(tmp_path: Path) -> None:
    """1 MB in one paragraph, a citation a line: 150 s when _cite joined the pieces
    again for every citation; a few seconds now (pytest-timeout, not a timed assert)."""
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "bib").mkdir()
    keys = [f"k{i}" for i in range(100)]
    lines = [
        f"In {1900 + i % 99} site {i} kept a ledger of its cargo [@{keys[i % 100]}]."
        for i in range(20_000)
    ]
    head = "---\ntitle: Big\nauthor: A\nlang: en\n---\n\n"
    (tmp_path / "manuscript" / "big.md").write_text(
        head + "\n".join(lines) + "\n", encoding="utf-8"
    )
    entries = "".join(
        f"@book{{{k},\n  author = {{A, B}},\n  title = {{T}},\n  date = {{1950}},\n}}\n"
        for k in keys
    )
    (tmp_path / "bib" / "refs.bib").write_text(entries, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.citepress]\ncsl = "apa"\n', encoding="utf-8")
    result = check.run(project.load(tmp_path))
    assert sum(len(doc.citations) for doc in result.docs) == 20_000
    assert not [d for d in result.diagnostics if d.severity == "error"]


def _inside_its_line(report: str, root: Path) -> list[str]:
    """Findings whose line:column lies past the end of that line."""
    outside = []
    for line in report.splitlines():
        place = line.split(": ", 1)[0].split(":")
        if len(place) != 3 or not place[1].isdigit():
            continue
        text = (root / place[0]).read_text(encoding="utf-8").split("\n")
        number, column = int(place[1]), int(place[2])
        if number > len(text) or column > len(text[number - 1]) + 1:
            outside.append(line)
    return outside


@pytest.mark.parametrize("case", CASES)
def test_every_position_points_inside_its_line(case: str, tmp_path: Path) -> None:
    root = make_project(PATTERNS / case, tmp_path)
    assert _inside_its_line(run_text(root), root) == []


def test_table_cells_are_placed_in_the_table_whatever_the_caption(tmp_path: Path) -> None:
    """pandoc reads a table's caption first though it is written below: the search for
    the cells then began after the table, and every later block was misplaced (684 of
    2,365 blocks in one corpus book)."""
    body = (
        "| step | what |\n|------|------|\n| one  | sampling procedures |\n\n"
        ": Steps of a design\n\nLater, sampling procedures are discussed again.\n"
    )
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "manuscript" / "c.md").write_text(
        "---\ntitle: T\nauthor: A\nlang: en\n---\n\n" + body, encoding="utf-8"
    )
    (tmp_path / "pyproject.toml").write_text("[tool.citepress]\nbibliography = []\n")
    (doc,) = check.read(project.load(tmp_path)).docs
    places = {b.text: doc.position(b.start) for b in doc.blocks}
    assert places["sampling procedures"] == (9, 10)
    assert places["Later, sampling procedures are discussed again."] == (13, 1)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("unit", "language"), [("Mr. ", "it"), ("A. ", "it"), ("“a. ", "en"), ("！」と ", "ja")]
)
@pytest.mark.slow
def test_sentences_of_hostile_text_are_linear(unit: str, language: str) -> None:
    """sentencex took 63 s for 400 KB of "Mr. " in Italian (quadratic in a paragraph);
    the merge of quotations re-read its growing span. Windows and one look back now."""
    text = unit * (1_000_000 // len(unit))
    found = sentences.spans(text, language)
    assert found and found[-1][1] == len(text)


def test_a_panic_of_sentencex_is_not_a_crash() -> None:
    """ "A\\u00a0." made sentencex (Rust) panic: a BaseException through every command."""
    assert sentences.spans("See appendix A\u00a0. Then more.", "en")[-1][1] == 27


@pytest.mark.timeout(60)
@pytest.mark.slow
def test_a_sentence_of_20000_citations_is_linear(tmp_path: Path) -> None:
    """Each citation's stretch scanned every citation and date of its sentence: 24 s."""
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "bib").mkdir()
    body = "In 2020 " + "x [@a] " * 20_000 + "\n"
    (tmp_path / "manuscript" / "c.md").write_text(
        "---\ntitle: T\nauthor: A\nlang: en\n---\n\n" + body, encoding="utf-8"
    )
    (tmp_path / "bib" / "refs.bib").write_text("@book{a, author={A}, title={T}, date={2001}}\n")
    (tmp_path / "pyproject.toml").write_text('[tool.citepress]\ncsl = "apa"\n')
    result = check.run(project.load(tmp_path))
    # Only the first citation's stretch holds 「In 2020」.
    assert [d.code for d in result.diagnostics] == ["date.before-event"]


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_sentence_of_20000_dated_citations_is_linear(tmp_path: Path) -> None:
    """Each distinct stretch listed the sentence's date starts anew: quadratic."""
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "bib").mkdir()
    body = "in 2020 x [@a] " * 20_000 + "\n"
    (tmp_path / "manuscript" / "c.md").write_text(
        "---\ntitle: T\nauthor: A\nlang: en\n---\n\n" + body, encoding="utf-8"
    )
    (tmp_path / "bib" / "refs.bib").write_text("@book{a, author={A}, title={T}, date={2001}}\n")
    (tmp_path / "pyproject.toml").write_text('[tool.citepress]\ncsl = "apa"\n')
    result = check.run(project.load(tmp_path))
    # One query a citation, but where a 300 KB sentence with no full stop is cut in
    # windows for the segmenter (dates/sentences.WINDOW).
    assert len(result.diagnostics) > 19_000
