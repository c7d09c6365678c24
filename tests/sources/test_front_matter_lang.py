"""A chapter's ``lang`` is a BCP 47 tag, as its pyproject.toml twin must be (#29).

``lang: ../../../outside/secret`` passed the check, and went into every edition's lang
attributes and the EPUB's dc:language (an invalid EPUB).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from tests.runcli import cli

BAD = "---\ntitle: T\nauthor: A\nlang: ../../../outside/secret\n---\n\nText.\n"


def _project(root: Path) -> Path:
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "c.md").write_text(BAD, encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.citepress]\nbibliography = []\n", encoding="utf-8")
    return root


def test_a_lang_that_is_no_language_tag_is_an_error_at_its_line(tmp_path: Path) -> None:
    done = cli(_project(tmp_path), "check")
    assert done.returncode == 1
    assert "manuscript/c.md:4:1: error: lang '../../../outside/secret' is not a BCP 47" in (
        done.stdout
    )


@pytest.mark.slow
def test_a_forced_build_writes_und_not_the_text(tmp_path: Path) -> None:
    root = _project(tmp_path)
    done = cli(root, "build", "--format", "epub", "--force", "--no-cache")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(root / "build" / "c.epub") as epub:
        text = " ".join(epub.read(n).decode("utf-8", "replace") for n in epub.namelist()
                        if n.endswith((".opf", ".xhtml")))  # fmt: skip
    assert "outside" not in text
    assert re.search(r"<dc:language>und</dc:language>", text)
