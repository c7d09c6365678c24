"""The bad-input corpus: tests/fixtures/bad/<case>/, each a small project and its expected run.

A case folder holds only what differs from ``_default`` (a one-chapter project that
passes the check); ``expected.txt`` starts with the command line (``$ citepress
...``) and the exit code (``exit N``), then ``---`` and the exact output (standard
output, then standard error), with the project folder written as ``<project>`` and
timings as ``N.NN``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "fixtures" / "bad"
DEFAULT = CORPUS / "_default"
_SECONDS = re.compile(r"\d+\.\d\d s")


@dataclass(frozen=True)
class Expected:
    """What a case's run must give."""

    args: list[str]
    exit: int
    output: str


def cases() -> list[str]:
    """Every case of the corpus, by name."""
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))


def project(case: str, dest: Path) -> Path:
    """The case's project, laid out in ``dest``: the default with the case's files over it."""
    folder = CORPUS / case
    overrides = {p.relative_to(folder).parts[0] for p in folder.iterdir()} - {"expected.txt"}
    shutil.copytree(DEFAULT, dest, ignore=lambda _, names: [n for n in names if n in overrides])
    shutil.copytree(folder, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt"))
    if case.startswith("project-no-manuscript"):
        shutil.rmtree(dest / "manuscript", ignore_errors=True)
    return dest


def expected(case: str) -> Expected:
    """The case's expected.txt, read."""
    text = (CORPUS / case / "expected.txt").read_text(encoding="utf-8")
    head, _, output = text.partition("---\n")
    lines = head.splitlines()
    return Expected(lines[0].removeprefix("$ citepress ").split(), int(lines[1].split()[1]), output)


def run(root: Path, args: list[str]) -> tuple[int, str]:
    """Run citepress in ``root``; the exit code and the normalised output."""
    done = subprocess.run(
        [sys.executable, "-m", "citepress.cli", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "NO_COLOR": "1",
            "SOURCE_DATE_EPOCH": "1764000000",
            "CITEPRESS_CACHE_DIR": os.environ.get("CITEPRESS_CACHE_DIR", str(root / ".cache")),
        },
        check=False,
        timeout=120,
    )
    output = (done.stdout + done.stderr).replace(str(root), "<project>")
    return done.returncode, _SECONDS.sub("N.NN s", output)
