"""One fixture per diagnostic code, each with the exact report expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from citepress.diagnostics import Code
from tests.badinputs import CORPUS
from tests.checkfixtures import FIXTURES, make_project, run_text

BY_NAME = {str(code): code for code in Code}
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


# internal.position reports a bug of ours: no input should produce it.
NEVER = {"internal.position"}


def test_every_code_has_a_fixture_or_a_bad_input_case() -> None:
    """A golden fixture here, or (for cases of several files) a case of the bad-input corpus."""
    corpus = " ".join(p.read_text(encoding="utf-8") for p in CORPUS.glob("*/expected.txt"))
    missing = [c for c in Code if c not in CASES and f"[{c}]" not in corpus and c not in NEVER]
    assert missing == []


def test_fixture_folders_name_codes() -> None:
    assert set(CASES) <= {str(code) for code in Code}


@pytest.mark.parametrize("code", CASES)
def test_fixture_gives_exactly_the_expected_report(code: str, tmp_path: Path) -> None:
    expected = (FIXTURES / code / "expected.txt").read_text(encoding="utf-8")
    assert f"[{code}]" in expected
    assert f": {BY_NAME[code].severity}: " in expected.split(f"[{code}]")[0].splitlines()[-1]
    assert run_text(make_project(FIXTURES / code, tmp_path)) == expected
