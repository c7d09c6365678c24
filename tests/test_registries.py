"""The registries are the one place: codes, checks, editions, settings, and the module map."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from citepress import config
from citepress.check.registry import CHECKS
from citepress.cli import parser
from citepress.diagnostics import Code
from citepress.editions import EDITIONS, NAMES, registry
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _code_rows() -> dict[str, tuple[str, str, str]]:
    rows = re.findall(
        r"^\| `([a-z]+\.[a-z-]+)` \| (error|warning|query|note) \| (.+?) \| (.+?) \|",
        README,
        re.M,
    )
    return {
        code: (severity, meaning.replace("\\|", "|"), why.replace("\\|", "|"))
        for code, severity, meaning, why in rows
    }


def test_the_readme_code_table_is_the_registry() -> None:
    """Each code's default severity, meaning and the reason for its severity."""
    rows = _code_rows()
    assert sorted(rows) == sorted(str(code) for code in Code)
    for code in Code:
        assert rows[code] == (code.severity, code.summary, code.why), code


def test_every_check_is_a_function_of_the_analysis() -> None:
    assert len(CHECKS) == len(set(CHECKS))
    assert all(callable(check) for check in CHECKS)


def test_the_editions_are_one_list_and_the_cli_offers_them() -> None:
    assert tuple(registry()) == NAMES
    assert [e.name for e in EDITIONS] == list(NAMES)
    help_text = " ".join((parser().format_help() + _build_help()).split())
    for edition in EDITIONS:
        assert edition.summary in help_text
        assert callable(edition.load().render)
        assert not edition.in_worker or callable(edition.load().finish)


def _build_help() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "citepress.cli", "build", "--help"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def test_every_setting_is_documented_in_the_readme() -> None:
    for option in (*config.SCHEMA, *config.PDF_SCHEMA):
        key = re.escape(option.key)
        found = re.search(rf"^(?:{key} = |\[tool\.citepress\.{key}\])", README, re.M)
        assert found, option.key


def test_the_module_map_lists_every_module_with_code() -> None:
    block = README.split("<!-- modules:start -->")[1].split("<!-- modules:end -->")[0]
    listed = set(re.findall(r"^\s*(\S+\.py)\b", block, re.M))
    package = ROOT / "src" / "citepress"
    with_code = {
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if len(p.read_text(encoding="utf-8").strip().splitlines()) > 1  # not a docstring only
    }
    assert with_code - listed == set()


def test_paths_in_the_module_map_exist() -> None:
    block = README.split("<!-- modules:start -->")[1].split("<!-- modules:end -->")[0]
    for name in re.findall(r"^\s*(\S+\.py)\b", block, re.M):
        assert (Path(ROOT / "src" / "citepress") / name).is_file(), name
