"""One fixture per diagnostic code, each with the exact report expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from citepress.diagnostics import CODES
from tests.checkfixtures import FIXTURES, make_project, run_text

CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def test_every_code_has_a_fixture() -> None:
    assert sorted(CODES) == CASES


@pytest.mark.parametrize("code", CASES)
def test_fixture_gives_exactly_the_expected_report(code: str, tmp_path: Path) -> None:
    expected = (FIXTURES / code / "expected.txt").read_text(encoding="utf-8")
    assert f"[{code}]" in expected
    assert f": {CODES[code].severity}: " in expected.split(f"[{code}]")[0].splitlines()[-1]
    assert run_text(make_project(FIXTURES / code, tmp_path)) == expected
