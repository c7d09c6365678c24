"""One fixture per diagnostic code, each with the exact report expected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citepress.diagnostics import Code
from tests.badinputs import CORPUS
from tests.checkfixtures import FIXTURES, make_project, run_text

BY_NAME = {str(code): code for code in Code}
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


# internal.position reports a bug of ours: no input should produce it.
NEVER = {"internal.position"}


def _codes(line: str) -> list[str]:
    found = re.search(r"\[([^\]]+)\]$", line)
    return found.group(1).split(", ") if found else []


def test_every_code_has_a_fixture_or_a_bad_input_case() -> None:
    """A golden fixture here, or (for cases of several files) a case of the bad-input corpus."""
    corpus = " ".join(p.read_text(encoding="utf-8") for p in CORPUS.glob("*/expected.txt"))
    reported = {code for line in corpus.splitlines() for code in _codes(line)}
    missing = [c for c in Code if c not in CASES and c not in reported and c not in NEVER]
    assert missing == []


def test_fixture_folders_name_codes() -> None:
    assert set(CASES) <= {str(code) for code in Code}


@pytest.mark.parametrize("code", CASES)
def test_fixture_gives_exactly_the_expected_report(code: str, tmp_path: Path) -> None:
    expected = (FIXTURES / code / "expected.txt").read_text(encoding="utf-8")
    # The code stands alone, or in a finding that merges it with others at one place.
    line = next(ln for ln in expected.splitlines() if code in _codes(ln))
    assert f": {BY_NAME[code].severity}: " in line
    assert run_text(make_project(FIXTURES / code, tmp_path)) == expected
