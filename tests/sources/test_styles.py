"""The citation style: chosen by the project, a chapter or the language; the check follows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citepress.diagnostics import Code
from citepress.sources import cslstyle, styles
from tests.runcli import cli
from tests.sources.test_one_reading import codes, html_edition, make


def _text(page: str) -> str:
    return re.sub(r"<[^>]+>", "", page)


def _settings(root: Path, lines: str) -> None:
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    text = text.replace("[tool.citepress]\n", f"[tool.citepress]\n{lines}\n", 1)
    (root / "pyproject.toml").write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_an_english_book_is_cited_in_chicago_notes_by_default(tmp_path: Path) -> None:
    page = _text(html_edition(make(tmp_path, "Text [@a].\n")))
    assert "X, “Real Title,” 2001." in page  # title case, as the style asks


@pytest.mark.slow
def test_an_author_date_style_cites_in_the_text_and_counts_no_citation_notes(
    tmp_path: Path,
) -> None:
    root = make(tmp_path, "Text [@a] and a note.^[Mine.]\n")
    _settings(root, 'csl = "apa"\nexpected-notes = 1')
    assert codes(root) == []  # one note: the footnote; the citation makes none
    page = html_edition(root)
    assert "Text (X, 2001)" in _text(page)
    assert page.count('class="note"') == 1 and 'role="doc-bibliography"' in page


@pytest.mark.slow
def test_a_chapter_overrides_the_books_style(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n")
    text = (root / "manuscript" / "chapter.md").read_text(encoding="utf-8")
    (root / "manuscript" / "chapter.md").write_text(
        text.replace("lang: en\n", "lang: en\ncsl: apa\n"), encoding="utf-8"
    )
    assert "Text (X, 2001)" in _text(html_edition(root))


def test_a_dependent_style_is_its_parent() -> None:
    style = styles.official("nature-digest")
    assert style.path.name == "nature.csl" and style.name == "nature-digest (nature)"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"no-such-style"', "no official CSL style has the id 'no-such-style'"),
        ('"../outside.csl"', "lies outside the project"),
        ('"Bad Id"', "is not a style id"),
    ],
)
def test_an_unknown_style_is_a_settings_error(tmp_path: Path, value: str, message: str) -> None:
    root = make(tmp_path, "Text [@a].\n")
    _settings(root, f"csl = {value}")
    done = cli(root, "check")
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_a_chapters_bad_style_is_a_front_matter_error(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n")
    text = (root / "manuscript" / "chapter.md").read_text(encoding="utf-8")
    (root / "manuscript" / "chapter.md").write_text(
        text.replace("lang: en\n", "lang: en\ncsl: nope-nope\n"), encoding="utf-8"
    )
    assert codes(root) == [(Code.MD_FRONT_MATTER, 5, 1)]


@pytest.mark.slow
def test_every_official_independent_style_but_one_passes_our_checks() -> None:
    """Our reader refuses anything that could name a file or URL; real styles must pass."""
    folder = styles.official("apa").folder
    refused = []
    for path in sorted(folder.glob("*.csl")):
        try:
            cslstyle.read(folder, path)
        except cslstyle.StyleError as exc:
            refused.append(str(exc).split(":")[0])
    # A macro named in French with an accent: not a plain keyword, refused.
    assert refused == ["universite-gustave-eiffel-arts-numeriques-et-cultures-visuelles.csl"]
