"""The EPUB's cover: drawn within bounds from a template a pull request may change."""

from __future__ import annotations

import pytest

from citepress.editions import cover

GOOD = {
    "width": 1600, "height": 2560, "margin": 170, "background": "#f4f1ea", "ink": "#1c1c1e",
    "accent": "#8a2a1e", "top": 0.3, "label": {"font": "Noto Sans CJK JP", "size": 64},
    "title": {"font": "Noto Serif CJK JP:bold", "size": 132},
    "author": {"font": "Noto Serif CJK JP", "size": 76},
}  # fmt: skip


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("width", 10**6),
        ("height", "2560"),
        ("background", "red; x"),
        ("top", True),
        ("title", {"font": 12, "size": 100}),
        ("title", {"font": "Noto:file=/etc/passwd", "size": 100}),
        ("author", "Noto Serif"),
    ],
)
def test_a_bad_template_value_is_refused(key: str, value: object) -> None:
    with pytest.raises(cover.CoverError):
        cover._checked({**GOOD, key: value}, "epub/cover.yaml")


def test_a_family_fontconfig_does_not_have_is_an_error_not_tofu() -> None:
    with pytest.raises(cover.CoverError, match="no installed font for 'Nonexistent Face'"):
        cover._font("Nonexistent Face")
    path, _ = cover._font("Noto Serif CJK JP:bold")
    assert path.startswith("/usr/share/fonts/")


def test_closing_marks_never_make_a_line_grow_without_end() -> None:
    """A title of 12,000 ー took 157 s: each joined the line however wide it was."""
    width = len
    for line in cover.lines("ー" * 160, width, 9, "ja"):
        assert len(line) <= 10
