"""The registries are the one place: checks and editions (codes, settings, modules: test_docs)."""

from __future__ import annotations

import subprocess
import sys

from citepress.check.registry import CHECKS
from citepress.cli import parser
from citepress.editions import EDITIONS, NAMES, registry
from tests.conftest import ROOT


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


def test_the_build_and_the_cache_name_no_edition() -> None:
    """They read each edition's part from the registry (``pages``), never its name."""
    from citepress.editions import page_source  # noqa: PLC0415

    assert page_source().in_worker
    for module in ("publish/build.py", "publish/cache.py"):
        text = (ROOT / "src" / "citepress" / module).read_text(encoding="utf-8")
        named = [name for name in NAMES if f'"{name}"' in text or f"'{name}'" in text]
        assert named == [], module
