"""One problem, one finding: findings at one place merge, and the advice presumes nothing."""

from __future__ import annotations

import json
from typing import Any

from citepress.diagnostics import Code, Diagnostic, apply_severities, make
from citepress.report import formatters
from tests.conftest import ROOT
from tests.runcli import cli


def _at_first_of_january() -> list[dict[str, Any]]:
    done = cli(ROOT, "check", "--format", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)["diagnostics"]
    return [d for d in found if d["line"] == 71 and d["column"] == 55]


def test_the_chapters_early_january_is_one_finding_with_both_facts() -> None:
    """「１月初旬」 was reported twice at manuscript line 71:55 (backwards and outside)."""
    (finding,) = _at_first_of_january()
    assert finding["code"] == "date.backwards"
    assert finding["also"] == ["date.outside-section"]
    assert "270 days before" in finding["message"]
    assert "outside the period 2001-09-11/.." in finding["message"]
    # The advice names the possibilities; it no longer presumes the year slipped.
    assert "another month or another year may be meant" in finding["message"]
    assert "if another year is meant, write the year" not in finding["message"]


def test_merged_finding_takes_the_most_severe_setting_of_its_codes() -> None:
    first = make(Code.DATE_BACKWARDS, "a", "ch.md", 3, 4)
    second = make(Code.REF_UNUSED, "b", "ch.md", 3, 4)
    (merged,) = apply_severities([first, second], {Code.REF_UNUSED: "error"})
    assert merged.severity == "error"
    # The most severe by default comes first (a warning before a query).
    assert merged.codes == (Code.REF_UNUSED, Code.DATE_BACKWARDS)
    assert merged.message == "b; a"


def test_findings_elsewhere_or_of_one_code_stay_apart() -> None:
    found = [
        make(Code.MD_FRONT_MATTER, "no 'author'", "ch.md", 1, 1),
        make(Code.MD_FRONT_MATTER, "no 'lang'", "ch.md", 1, 1),
        make(Code.REF_UNUSED, "c", "refs.bib", 1, 1),
        make(Code.MD_NO_CHAPTER, "d", "manuscript"),
        make(Code.REF_COUNT, "e", "manuscript"),
    ]
    assert len(apply_severities(found, {})) == 5


def test_every_output_names_every_code_of_a_merged_finding() -> None:
    merged = Diagnostic(
        Code.DATE_BACKWARDS, "warning", "m", "ch.md", 2, 3, also=(Code.DATE_OUTSIDE_SECTION,)
    )
    assert "[date.backwards, date.outside-section]" in formatters.text([merged])
    sarif = json.loads(formatters.sarif([merged]))["runs"][0]["results"][0]
    assert sarif["properties"]["alsoRuleIds"] == ["date.outside-section"]
    assert "title=date.backwards%2C date.outside-section" in formatters.github([merged])
