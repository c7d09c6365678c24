"""Shared fixtures: the repository root and the real chapter."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "manuscript" / "chapter-03.md"
RECEIVED = ROOT / "manuscript" / "received" / "000_a43d17ad4809da45.txt"
BIB = ROOT / "bib" / "chapter-03.bib"


@pytest.fixture
def root() -> Path:
    return ROOT
