"""Raw HTML, rewritten: only tags we understand reach pandoc's output, written by us.

pandoc passes raw HTML through, and an HTML parser reads the author's raw markup
and pandoc's own as one document: an unclosed ``<style>`` would swallow the rest
of the chapter, a raw ``<li>`` or ``</ol>`` would rearrange pandoc's list of notes.
So raw HTML is never passed on as written. Each piece is tokenised, and rebuilt
from the tokens: text (escaped again), comments dropped, and only the tags of a
small phrasing allowlist (``RAW_TAGS``: span, em, a, div, p…), re-emitted by us
with their kept attributes, quoted by us, nested at most ``MAX_DEPTH`` deep and
closed only when open. Everything else is removed, and the check reports it
(md.dropped) from the very same rewriting. A ``<`` that does not start a tag we
can read is text: it shows, escaped, and hides nothing.

Elements whose content is not text to print (script, style, svg, math…) go with
their content when it is closed in the same piece; alone, the tag goes.

A small tokeniser of our own, not an HTML parser: its output is ours, so no
parser can read it as anything but what we wrote.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape, unescape
from typing import Any

from citepress.sources.allowlist import CLEAN_CONTENT, MATH_TAGS, kept_attribute
from citepress.sources.walk import nodes

FORMATS = frozenset({"html", "html4", "html5"})
# What raw HTML may hold: phrasing markup and simple blocks, no structure that an
# HTML parser closes or moves by itself (lists, tables, headings, forms).
RAW_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "cite", "code", "del", "dfn",
    "div", "em", "i", "ins", "kbd", "mark", "p", "q", "rp", "rt", "ruby", "s", "samp",
    "small", "span", "strong", "sub", "sup", "u", "var", "wbr", "hr",
})  # fmt: skip
VOID = frozenset({"br", "wbr", "hr"})
# Structure an HTML parser closes and moves by itself: Markdown writes it safely.
_MARKDOWN_HAS = frozenset({
    "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td",
    "th", "caption", "colgroup", "col", "h1", "h2", "h3", "h4", "h5", "h6", "figure",
    "figcaption", "section", "pre",
})  # fmt: skip
# Elements whose content is not text to print: removed with it, when closed.
SWALLOWING = frozenset(
    CLEAN_CONTENT | MATH_TAGS | {"textarea", "title", "xmp", "noembed", "noframes", "plaintext"}
)
MAX_DEPTH = 50  # raw elements open at once (HTML parsers are quadratic on deep nesting)
# Linear: no nested quantifiers; a tag we read cannot hold < or >.
_TOKEN = re.compile(r"<!--|<(/?)([A-Za-z][A-Za-z0-9:-]{0,63})((?:\s[^<>]*)?)(/?)>")
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]{1,100})(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


@dataclass
class Rewritten:
    """A piece of raw HTML as the editions will hold it, and what it lost."""

    html: str = ""
    removed: list[tuple[str, str]] = field(default_factory=list)  # (message, needle)
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)  # #targets of its links


@dataclass
class Rewriter:
    """Rewrites a chapter's raw pieces in reading order; open elements carry over."""

    open: list[str] = field(default_factory=list)
    _closings: dict[str, list[int]] = field(default_factory=dict)  # the current piece's

    def rewrite(self, html: str) -> Rewritten:
        """``html`` rebuilt from the tokens we read (see the module's docstring)."""
        out = Rewritten()
        parts: list[str] = []
        at = 0
        tokens = list(_TOKEN.finditer(html))
        self._closings = _closings(tokens)
        for token in tokens:
            if token.start() < at:  # inside a comment or a swallowed element
                continue
            start, end = token.span()
            parts.append(_text(html[at:start]))
            at = end
            if token.group() == "<!--":
                close = html.find("-->", end)
                at = len(html) if close < 0 else close + 3
                continue
            at = max(at, self._tag(html, token, parts, out))
        parts.append(_text(html[at:]))
        out.html = "".join(parts)
        return out

    def _tag(self, html: str, token: re.Match[str], parts: list[str], out: Rewritten) -> int:
        """Handle one tag; returns where reading goes on (past a swallowed element)."""
        closing, name, attributes = token.group(1), token.group(2).lower(), token.group(3)
        if name in SWALLOWING:
            return self._swallow(html, token, name, bool(closing), out)
        if name not in RAW_TAGS:
            if not closing:
                out.removed.append(_not_kept(name, token.group()))
            return token.end()
        if closing:
            parts.append(self._close(name))
        elif len(self.open) >= MAX_DEPTH and name not in VOID:
            message = f"raw <{name}> nested more than {MAX_DEPTH} deep is removed"
            out.removed.append((message, token.group()))
        else:
            parts.append(self._open(name, attributes, token.group(), out))
        return token.end()

    def _swallow(
        self, html: str, token: re.Match[str], name: str, closing: bool, out: Rewritten
    ) -> int:
        if closing:  # its opening tag was reported
            return token.end()
        ends = self._closings.get(name, [])
        found = bisect_left(ends, token.end())
        if found == len(ends):
            out.removed.append((_alone(name), token.group()))
            return token.end()
        out.removed.append((f"raw <{name}> is removed with its content", token.group()))
        return ends[found]

    def _open(self, name: str, text: str, whole: str, out: Rewritten) -> str:
        kept = []
        for attribute, value in _pairs(text):
            if not kept_attribute(name, attribute, value):
                what = f"{attribute}={value!r}" if value else attribute
                out.removed.append((f"the attribute {what} on raw <{name}> is removed", whole))
                continue
            kept.append(f' {attribute}="{escape(value, quote=True)}"')
            if attribute == "id" and value:
                out.ids.add(value)
            elif attribute == "href" and value.startswith("#") and name == "a":
                out.links.append(value[1:])
        if name not in VOID:
            self.open.append(name)
        return f"<{name}{''.join(kept)}>"

    def _close(self, name: str) -> str:
        """Close ``name`` and what was opened inside it, if it is open; else nothing."""
        if name in VOID or name not in self.open:
            return ""
        closed = []
        while self.open:
            top = self.open.pop()
            closed.append(f"</{top}>")
            if top == name:
                break
        return "".join(closed)


def _closings(tokens: list[re.Match[str]]) -> dict[str, list[int]]:
    """Where each closing tag of a piece ends, by name (bisected: linear overall)."""
    found: dict[str, list[int]] = {}
    for token in tokens:
        if token.group(1):
            found.setdefault(token.group(2).lower(), []).append(token.end())
    return found


def _text(text: str) -> str:
    """Text between tags, escaped again: a stray < or & is printed, never read as markup."""
    return escape(unescape(text), quote=False) if text else ""


def _not_kept(name: str, whole: str) -> tuple[str, str]:
    if name == "img":
        return "a raw <img> is removed: write ![alt](assets/file.png) instead", whole
    if name in _MARKDOWN_HAS:
        advice = "write lists, tables and headings in Markdown"
        return f"raw <{name}> is removed (its text is kept): {advice}", whole
    return f"raw <{name}> is removed (its text is kept)", whole


def _alone(name: str) -> str:
    if name in MATH_TAGS:
        return f"raw MathML <{name}> is removed (its text is kept): write math as $…$"
    return f"raw <{name}> is removed (the text after it is kept)"


def _pairs(text: str) -> Iterator[tuple[str, str]]:
    for match in _ATTRIBUTE.finditer(text):
        value = next((v for v in match.groups()[1:] if v is not None), "")
        yield match.group(1).lower(), unescape(value)


def raw_pieces(tree: Any) -> Iterator[list[Any]]:
    """The ``[format, text]`` of every raw piece of the tree, in reading order."""
    return (node["c"] for node in nodes(tree) if node["t"] in ("RawInline", "RawBlock"))


def rewrite_all(tree: Any) -> list[tuple[list[Any], Rewritten]]:
    """Every raw HTML piece of a chapter's tree and its rewriting, in reading order.

    The check reads its facts from these (by the piece's identity), and the editions
    print them: one rewriting, the same for both.
    """
    rewriter = Rewriter()
    return [(p, rewriter.rewrite(p[1])) for p in raw_pieces(tree) if p[0] in FORMATS]


def neutralise(tree: Any) -> None:
    """Rewrite every raw HTML piece of a chapter's tree, in place (before pandoc writes)."""
    for piece, rewritten in rewrite_all(tree):
        piece[1] = rewritten.html
