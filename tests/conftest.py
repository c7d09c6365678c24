"""Shared fixtures: the repository root and the real chapter."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from citepress import config as project
from citepress.publish import build

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "manuscript" / "chapter-03.md"
RECEIVED = ROOT / "manuscript" / "received" / "000_a43d17ad4809da45.txt"
BIB = ROOT / "bib" / "chapter-03.bib"
EPOCH = "1764000000"  # 2025-11-24T16:00:00Z


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Builds in the tests (in-process and the CLI they start) cache in a temporary folder."""
    os.environ["CITEPRESS_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three editions of the chapter, built once for the session (SOURCE_DATE_EPOCH set)."""
    out = tmp_path_factory.mktemp("editions")
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        result = build.build(project.load(ROOT), out_dir=out)
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return result.written
