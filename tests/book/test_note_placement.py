"""Where a note's marker stands beside punctuation, by the chapter's language (#30).

English and German set it after the full stop or comma ("volume.¹"), as Chicago
(14.26) and pandoc's default do; Japanese before the 。, as the author wrote it
(（注1）。). Before this, every language kept the marker before the punctuation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citepress.book.convert import notes_after_punctuation
from tests.sources.test_one_reading import html_edition, make

MARKER = r'<a class="noteref"[^>]*>[^<]*</a>'


def _chapter(tmp_path: Path, lang: str, body: str) -> str:
    root = make(tmp_path, body)
    chapter = root / "manuscript" / "chapter.md"
    chapter.write_text(chapter.read_text("utf-8").replace("lang: en", f"lang: {lang}"), "utf-8")
    return html_edition(root)


@pytest.mark.parametrize(
    ("lang", "body", "placed"),
    [
        (
            "en",
            "It is the same volume [@a]. And it cannot prove [@b], so.\n",
            [r"volume\.", r"prove,"],
        ),
        (
            "de",
            "Es ist derselbe Band [@a]. Und es beweist nichts [@b], also.\n",
            [r"Band\.", r"nichts,"],
        ),
    ],
)
def test_a_marker_goes_after_the_punctuation_in_english_and_german(
    tmp_path: Path, lang: str, body: str, placed: list[str]
) -> None:
    html = _chapter(tmp_path, lang, body)
    for before in placed:
        assert re.search(before + MARKER, html), before


def test_a_marker_stays_before_the_full_stop_in_japanese(tmp_path: Path) -> None:
    html = _chapter(tmp_path, "ja", "同じ巻である[@a]。証明できない[@b]、ので。\n")
    assert re.search("である" + MARKER + "。", html)
    assert re.search("できない" + MARKER + "、", html)


def test_the_rule_by_language() -> None:
    assert notes_after_punctuation("en") and notes_after_punctuation("de-DE")
    assert notes_after_punctuation("fr") and notes_after_punctuation("ko")
    assert not notes_after_punctuation("ja") and not notes_after_punctuation("zh-Hant")
