"""The bibliography reader: reading, values, positions, what the parser loses, inheritance."""

from __future__ import annotations

from pathlib import Path

import pytest

from citepress.book import csl
from citepress.diagnostics import Code, Diagnostic
from citepress.ground import pandoc
from citepress.sources import bib
from citepress.sources.bib.inherit import check_inheritance, crossref_cycles
from citepress.sources.bib.values import EXPANSION_FACTOR, MAX_VALUE
from tests.conftest import ROOT

REAL = ROOT / "tests" / "fixtures" / "real"


def load_text(folder: Path, text: str | bytes) -> tuple[bib.Bibliography, list[Diagnostic]]:
    """Write ``text`` to folder/refs.bib and load it as the project's bibliography."""
    path = folder / "refs.bib"
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return bib.load(folder, [(path, "refs.bib")])


def found(diags: list[Diagnostic]) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in diags]


# Reading -------------------------------------------------------------------------------


def test_a_missing_file_is_unreadable_and_listed_as_failed(tmp_path: Path) -> None:
    result, diags = bib.load(tmp_path, [(tmp_path / "gone.bib", "gone.bib")])
    assert [(d.code, d.message, d.path) for d in diags] == [
        (Code.IO_UNREADABLE, "no such file", "gone.bib")
    ]
    assert result.failed == ["gone.bib"] and result.entries == []


def test_a_file_that_is_not_utf8_is_a_bib_encoding_error(tmp_path: Path) -> None:
    result, diags = load_text(tmp_path, b"@misc{a,\n  title = {Caf\xe9},\n}\n")
    assert found(diags) == [(Code.BIB_ENCODING, 2, 15)]
    assert result.failed == ["refs.bib"]


def test_a_link_out_of_the_project_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.bib"
    outside.write_text("@misc{secret, title = {S}}\n", encoding="utf-8")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "refs.bib").symlink_to(outside)
    result, diags = bib.load(tmp_path / "p", [(tmp_path / "p" / "refs.bib", "refs.bib")])
    assert [d.code for d in diags] == [Code.IO_UNREADABLE]
    assert result.entries == [] and result.failed == ["refs.bib"]


def test_a_form_feed_is_white_space(tmp_path: Path) -> None:
    text = "@misc{a,\n  title = {A\fB},\n}\n\f\n@misc{b,\n  title = {C},\n}\n"
    result, diags = load_text(tmp_path, text)
    assert diags == []
    assert [(e.key, e.fields, e.where()) for e in result.entries] == [
        ("a", {"title": "A B"}, (1, 1)),
        ("b", {"title": "C"}, (5, 1)),
    ]


# Positions -----------------------------------------------------------------------------


def test_biblatex_chicago_notes_test_loses_no_entry() -> None:
    """biblatex-chicago's own test file: 'Cp.\\' ends a line; nothing after it is lost."""
    path = REAL / "biblatex-chicago-notes-test.bib"
    result, diags = bib.load(ROOT, [(path, "notes-test.bib")])
    assert not [d for d in diags if d.code in (Code.BIB_DROPPED, Code.BIB_SYNTAX)]
    assert diags == []
    assert len(result.entries) == 12
    coolidge, cotton = result.entries[:2]
    assert "Manual}. Cp.\\ \\texttt{weed:flat\\-iron}" in coolidge.fields["annote"]
    assert cotton.key == "cotton:manufacture" and cotton.where() == (58, 1)
    assert result.by_key()["dunn:revolutions"].where("publisher") == (241, 3)
    assert cotton.fields["author"] == "{Cotton Manufacturer}"


def test_a_backslash_at_the_end_of_a_line_keeps_later_positions_exact() -> None:
    text = (
        "@misc{a,\n  note = {Cp.\\\n  b},\n  title = {T},\n}\n\n"
        "@misc{b,\n  title = {U},\n  date = {2001-10-32},\n}\n"
    )
    entries, diags = bib.parse(text, "x.bib")
    assert diags == []
    first, second = entries
    assert first.fields["note"] == "Cp.\\ b" and first.where("title") == (4, 3)
    assert second.where() == (7, 1) and second.where("date") == (9, 3)


def test_fields_are_placed_by_name_not_by_the_entry_key() -> None:
    entries, _ = bib.parse("@misc{title, note = {N},\n title = {T}}\n", "x.bib")
    assert entries[0].field_lines == {"note": (1, 14), "title": (2, 2)}


def test_a_field_set_twice_in_different_case_is_a_duplicate() -> None:
    entries, diags = bib.parse("@misc{a,\n  title = {Y},\n  Title = {Z},\n}\n", "x.bib")
    assert found(diags) == [(Code.BIB_DUPLICATE_FIELD, 3, 3)]
    assert diags[0].message == "entry 'a' sets 'title' more than once"
    assert entries[0].fields == {"title": "Z"}


# What the parser loses -----------------------------------------------------------------


def test_an_entry_swallowed_by_an_unclosed_block_is_dropped_at_its_own_line() -> None:
    text = "@misc{a, title = {T}}\n\n@ misc{lost, title = {L}}\n@misc{b, title = {U}}\n"
    entries, diags = bib.parse(text, "x.bib")
    assert [e.key for e in entries] == ["a", "b"]
    assert found(diags) == [(Code.BIB_DROPPED, 3, 1)]


def test_a_key_in_two_files_is_a_duplicate_and_the_first_wins(tmp_path: Path) -> None:
    (tmp_path / "one.bib").write_text("@misc{a, title = {One}}\n", encoding="utf-8")
    (tmp_path / "two.bib").write_text("\n@misc{a, title = {Two}}\n@misc{A, title = {X}}\n")
    paths = [(tmp_path / "one.bib", "one.bib"), (tmp_path / "two.bib", "two.bib")]
    result, diags = bib.load(tmp_path, paths)
    assert [(d.code, d.path, d.line, d.message) for d in diags] == [
        (Code.BIB_DUPLICATE_KEY, "two.bib", 2, "duplicate entry key 'a' (first at one.bib:1)"),
        (Code.BIB_DUPLICATE_KEY, "two.bib", 3, "key 'A' differs only in case from 'a' (one.bib:1)"),
    ]
    assert [(e.key, e.fields["title"]) for e in result.entries] == [("a", "One"), ("A", "X")]


def test_entries_on_percent_lines_are_commented_out_not_parsed(tmp_path: Path) -> None:
    result, diags = load_text(tmp_path, "% @misc{gone,\n%   title = {G},\n% }\n")
    assert diags == [] and result.entries == []
    assert result.commented == {"gone": "refs.bib:1"}


# Values --------------------------------------------------------------------------------


def test_an_at_string_may_be_built_from_earlier_ones_and_month_macros() -> None:
    text = (
        '@string{jgr = "J. Geophys. Res."}\n'
        '@string{jgrl = jgr # " Letters"}\n'
        '@string{when = "2001-" # oct}\n'
        "@article{a,\n  journaltitle = jgrl,\n  date = when,\n}\n"
    )
    entries, diags = bib.parse(text, "x.bib")
    assert diags == []
    assert entries[0].fields == {"journaltitle": "J. Geophys. Res. Letters", "date": "2001-10"}


def test_an_at_string_sees_only_the_macros_defined_before_it() -> None:
    text = '@string{late = early # "x"}\n@string{early = "y"}\n@misc{k, title = late # early}\n'
    entries, diags = bib.parse(text, "x.bib")
    assert [(d.code, d.line, d.message) for d in diags] == [
        (Code.BIB_UNDEFINED_STRING, 1, "@string 'late' uses undefined @string 'early'")
    ]
    assert entries[0].fields == {"title": "earlyxy"}  # entries see every @string of the file


def test_spaces_at_the_edge_of_a_macro_count() -> None:
    entries, diags = bib.parse('@string{ny = "New York "}\n@misc{k, title = ny # "Times"}\n', "x")
    assert diags == [] and entries[0].fields == {"title": "New York Times"}


def test_a_value_past_1_mb_is_refused_where_it_would_be_built() -> None:
    half = "x" * (MAX_VALUE // 2 + 1)
    text = f"@string{{half = {{{half}}}}}\n@misc{{a, title = half # half, note = {{n}}}}\n"
    entries, diags = bib.parse(text, "x.bib")
    assert found(diags) == [(Code.BIB_TOO_LARGE, 2, 10)]
    assert diags[0].message == (
        "field 'title' of 'a' would be 1,048,578 characters long once its @string macros "
        "are expanded; a value may have at most 1,048,576 (1 MB)"
    )
    assert entries[0].fields == {"note": "n"} and entries[0].damaged


def test_a_string_that_doubles_itself_stops_at_1_mb() -> None:
    lines = ['@string{s0 = "xxxxxxxxxxxxxxxxxxxx"}']  # 20 characters, 4 times more a line
    lines += [f"@string{{s{n} = s{n - 1} # s{n - 1} # s{n - 1} # s{n - 1}}}" for n in range(1, 40)]
    text = "\n".join([*lines, "@misc{a, title = s39}", ""])
    entries, diags = bib.parse(text, "x.bib")
    assert found(diags) == [(Code.BIB_TOO_LARGE, 9, 1), (Code.BIB_TOO_LARGE, 41, 10)]
    assert diags[0].message.startswith("@string 's8' would be 1,310,720 characters long")
    assert (
        diags[1].message == "field 'title' of 'a' uses @string 's39', which is too large to expand"
    )
    assert entries[0].fields == {}


def test_a_1_mb_string_used_20000_times_gives_errors_not_a_memory_error(tmp_path: Path) -> None:
    big = "x" * MAX_VALUE
    uses = "".join(f"@misc{{e{n}, title = big}}\n" for n in range(20_000))
    text = f"@string{{big = {{{big}}}}}\n{uses}"
    result, diags = load_text(tmp_path, text)
    too_large = [d for d in diags if d.code == Code.BIB_TOO_LARGE]
    built = [e for e in result.entries if "title" in e.fields]
    assert len(result.entries) == 20_000 and len(too_large) + len(built) == 20_000
    assert len(too_large) > 19_990  # a few uses fit the file's expansion budget, no more
    assert sum(len(e.fields["title"]) for e in built) <= EXPANSION_FACTOR * len(text) + MAX_VALUE
    assert too_large[0].message.startswith(f"field 'title' of 'e{len(built)}' is not expanded")
    assert {d.code for d in diags} == {Code.BIB_TOO_LARGE}


# Inheritance ---------------------------------------------------------------------------

LOOPS = """@misc{a,
  crossref = {b},
}
@misc{b,
  crossref = {a},
}
@misc{c,
  title = {C},
  crossref = {c},
}
@misc{d,
  crossref = {a},
}
@misc{x,
  xdata = {z, y},
}
@misc{y,
  xdata = {x},
}
@misc{z,
  title = {Z},
}
"""


def test_crossref_and_xdata_loops_are_each_found_once() -> None:
    entries, _ = bib.parse(LOOPS, "x.bib")
    loops = crossref_cycles(bib.Bibliography(entries))
    assert [[e.key for e in loop] for loop in loops] == [["a", "b"], ["c"], ["x", "y"]]
    assert [
        (d.code, d.line, d.column, d.message) for d in check_inheritance(bib.Bibliography(entries))
    ] == [
        (
            Code.BIB_CROSSREF_CYCLE,
            2,
            3,
            "crossref of 'a' leads back to 'a' (a → b → a); biblatex cannot inherit in a loop",
        ),
        (
            Code.BIB_CROSSREF_CYCLE,
            9,
            3,
            "crossref of 'c' leads back to 'c' (c → c); biblatex cannot inherit in a loop",
        ),
        (
            Code.BIB_CROSSREF_CYCLE,
            15,
            3,
            "xdata of 'x' leads back to 'x' (x → y → x); biblatex cannot inherit in a loop",
        ),
    ]


def test_a_loop_of_100000_crossrefs_needs_no_recursion() -> None:
    count = 100_000
    entries = [
        bib.Entry(f"e{n}", "misc", "x.bib", n + 1, 1, {"crossref": f"e{(n + 1) % count}"})
        for n in range(count)
    ]
    entries.append(bib.Entry("tail", "misc", "x.bib", count + 1, 1, {"crossref": "e0"}))
    (loop,) = crossref_cycles(bib.Bibliography(entries))
    assert len(loop) == count and loop[0].key == "e0"
    (diag,) = check_inheritance(bib.Bibliography(entries))
    assert "(e0 → e1 → e2 → e3 → e4 → … 99990 more … → e99995 →" in diag.message


def test_a_forced_build_drops_the_inheritance_of_entries_in_a_loop() -> None:
    from bibtexparser.entrypoint import parse_string  # noqa: PLC0415

    entries, _ = bib.parse(LOOPS, "x.bib")
    written = csl.bibtex(bib.Bibliography(entries))
    fields = {e.key: e.fields_dict for e in parse_string(written).entries}
    # Inheritance is resolved before pandoc (biblatex's rules), and dropped in a loop:
    # pandoc gets every entry whole, with no crossref or xdata to follow.
    assert [k for k, f in fields.items() if "crossref" in f or "xdata" in f] == []
    assert fields["c"]["title"].value == "{C}"  # braced: pandoc keeps its case
    items = pandoc.bibtex_to_csl(written)  # without the loops, pandoc's reader finishes
    assert sorted(item["id"] for item in items) == ["a", "b", "c", "d", "x", "y", "z"]


# Dates in the editions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("edtf", "expected"),
    [
        ("2001-21", {"literal": "2001年春"}),
        ("2001-22", {"literal": "2001年夏"}),
        ("2001-24", {"literal": "2001年冬"}),
        ("2001-27", {"literal": "2001年秋"}),
        ("2001-29", {"literal": "2001年春"}),
        ("2001-32", {"literal": "2001年冬"}),
        ("2001-33", {"literal": "2001年１～３月", "date-parts": [[2001, 1], [2001, 3]]}),
        ("2001-36", {"literal": "2001年10～12月", "date-parts": [[2001, 10], [2001, 12]]}),
        ("2001-38", {"literal": "2001年５～８月", "date-parts": [[2001, 5], [2001, 8]]}),
        ("2001-41", {"literal": "2001年７～12月", "date-parts": [[2001, 7], [2001, 12]]}),
        ("2001-33/2001-10", {"literal": "2001年１～10月", "date-parts": [[2001, 1], [2001, 10]]}),
        ("2001-10", {"literal": "2001年10月", "date-parts": [[2001, 10]]}),
    ],
)
def test_edtf_seasons_and_quarters_are_never_months_21_to_41(edtf: str, expected: object) -> None:
    assert csl.csl_date(edtf) == expected
