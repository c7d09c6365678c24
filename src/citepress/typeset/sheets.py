"""What a book's stylesheet asks that its parts, laid out apart, cannot give.

A book is laid out chapter by chapter (publish/chapters.py) unless its stylesheet
numbers across chapters: CSS counters that run from one chapter into the next,
pages chosen by their number in the document (``@page :nth(3)``; a page group's
``:nth(1 of chapter)`` is fine), or a stylesheet the parts cannot read here
(``<link rel=stylesheet>``, ``@import``). The head is read with the standard
library's HTML parser and each stylesheet with tinycss2 (WeasyPrint's own CSS
parser), so escapes, comments and nesting are read as the layout will read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

import tinycss2

COUNTERS = "its stylesheet sets CSS counters, which may run across chapters"
NUMBERED = "its stylesheet chooses pages by their number"
LINKED = "its stylesheet is linked or imported"


class _Head(HTMLParser):
    """The text of each ``<style>`` and whether a stylesheet is linked."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.styles: list[str] = []
        self.linked = False
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style":
            self._in_style = True
            self.styles.append("")
        elif tag == "link" and "stylesheet" in (dict(attrs).get("rel") or "").lower().split():
            self.linked = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles[-1] += data


def across_chapters(head: str) -> str:
    """Why the stylesheets in ``head`` may number across chapters ("" when they do not)."""
    parser = _Head()
    parser.feed(head)
    parser.close()
    if parser.linked:
        return LINKED
    for css in parser.styles:
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        reason = _reason(rules)
        if reason:
            return reason
    return ""


def _reason(nodes: Iterable[Any]) -> str:
    """The first reason found among rules and declarations, nested ones included."""
    for node in nodes:
        if node.type == "declaration" and _counts(node):
            return COUNTERS
        if node.type == "at-rule" and node.lower_at_keyword == "import":
            return LINKED
        if node.type == "at-rule" and node.lower_at_keyword == "page" and _numbered(node.prelude):
            return NUMBERED
        content = getattr(node, "content", None)
        if node.type in ("at-rule", "qualified-rule") and content is not None:
            inner = tinycss2.parse_blocks_contents(
                content, skip_comments=True, skip_whitespace=True
            )
            reason = _reason(inner)
            if reason:
                return reason
    return ""


def _counts(declaration: Any) -> bool:
    """A counter set or incremented; a reset of anything but the page counter."""
    name = declaration.lower_name
    if name in ("counter-increment", "counter-set"):
        return True
    if name != "counter-reset":
        return False
    value = [token for token in declaration.value if token.type != "whitespace"]
    first = value[0] if value else None
    return not (first is not None and first.type == "ident" and first.lower_value == "page")


def _numbered(prelude: Iterable[Any]) -> bool:
    """A page selector ``:nth(…)`` that counts the document's pages, not a group's."""
    for token in prelude:
        if token.type == "function" and token.lower_name == "nth":
            words = {t.lower_value for t in token.arguments if t.type == "ident"}
            if "of" not in words:
                return True
    return False
