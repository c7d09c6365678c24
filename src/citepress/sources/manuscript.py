"""Read a Markdown chapter: front matter, blocks, citations, links and anchors.

Every object keeps the offset it came from, so diagnostics can name the file,
line and column. Pandoc does not report source positions for citations, so the
scanner below finds them itself, following pandoc's citation syntax; tests
compare its result with pandoc's own reading of the chapter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from citepress.diagnostics import Code, Diagnostic, make
from citepress.sources.locate import Locator, read_text

REQUIRED_FRONT_MATTER = ("title", "author", "lang")

_FENCE = re.compile(r"^(```+|~~~+)[^\n]*\n.*?(?:^\1[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
_LINK_DEST = re.compile(r"\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+\{([^}\n]*)\})?[ \t#]*$", re.MULTILINE)
_ATTR_ID = re.compile(r"(?:^|\s)#([\w:.-]+)")
_ATTR_KV = re.compile(r"([\w-]+)=(?:\"([^\"]*)\"|(\S+))")
_SPAN_ID = re.compile(r"\]\{[^}]*?#([\w:.-]+)[^}]*\}|^:::+\s*\{[^}]*?#([\w:.-]+)", re.MULTILINE)
_BRACKET = re.compile(r"\[([^\[\]\n]*)\]")
# pandoc: a key starts with a letter, digit or _, and may hold single internal
# punctuation characters from :.#$%&-+?<>~/ between word characters.
_KEY = r"\w(?:\w|[:.#$%&\-+?<>~/](?=\w))*"
_CITE = re.compile(rf"(?<![\w@])-?@(?:\{{([^}}\n]*)\}}|({_KEY}))")
_EMPTY_CITE = re.compile(r"\[\s*-?@\s*\]")


@dataclass(frozen=True)
class Citation:
    """One cited key; ``note`` is the endnote number of its citation group."""

    key: str
    offset: int
    note: int
    in_heading: bool = False


@dataclass(frozen=True)
class Link:
    """An internal link ``[text](#target)``."""

    target: str
    offset: int


@dataclass
class Block:
    """A heading or paragraph; ``text`` has line breaks removed, ``offsets`` map back."""

    kind: str
    text: str
    offsets: list[int]
    level: int = 0
    ident: str = ""
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Manuscript:
    """One chapter file, parsed."""

    path: str
    source: str
    front_matter: dict[str, Any]
    body_start: int
    locator: Locator
    blocks: list[Block] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    anchors: dict[str, int] = field(default_factory=dict)

    def position(self, offset: int) -> tuple[int, int]:
        """The (line, column) of an offset into the file."""
        return self.locator.position(offset)


def load(path: Path, display: str) -> tuple[Manuscript | None, list[Diagnostic]]:
    """Read and parse one chapter; problems come back as diagnostics."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [make(Code.MD_ENCODING, f"cannot read the file: {exc.strerror}", display)]
    text, error = read_text(data)
    if error is not None:
        line, column, message = error.split(":", 2)
        return None, [make(Code.MD_ENCODING, message.strip(), display, int(line), int(column))]
    return parse(text, display)


def parse(text: str, display: str) -> tuple[Manuscript, list[Diagnostic]]:
    """Parse the Markdown ``text`` of the file shown as ``display``."""
    front, body_start, diags = _front_matter(text, display)
    doc = Manuscript(display, text, front, body_start, Locator(text))
    masked = _mask(text, body_start)
    doc.blocks = _blocks(masked, body_start)
    doc.citations, cite_diags = _citations(doc, masked)
    doc.links = [
        Link(m.group(1)[1:], m.start(1))
        for m in _LINK_DEST.finditer(masked)
        if m.group(1).startswith("#")
    ]
    doc.anchors = _anchors(doc, masked)
    return doc, diags + cite_diags + _nesting(doc, masked)


MAX_NESTING = 50
_QUOTES = re.compile(r"^(?:[ \t]{0,3}>)+", re.MULTILINE)
_LIST_ITEM = re.compile(r"^([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]", re.MULTILINE)


def _nesting(doc: Manuscript, masked: str) -> list[Diagnostic]:
    """An error at the first line nesting block quotes or lists beyond MAX_NESTING.

    pandoc renders any depth, but the HTML it makes for thousands of levels
    (pathological input) is too deep for the HTML tools after it; no book needs
    more than a handful. List depth is estimated from indentation.
    """
    for pattern, what in ((_QUOTES, "block quotes"), (_LIST_ITEM, "lists")):
        for match in pattern.finditer(masked, doc.body_start):
            depth = match.group().count(">") if what == "block quotes" else _indent(match.group(1))
            if depth > MAX_NESTING:
                line, column = doc.position(match.start())
                message = f"{what} nested {depth} deep; at most {MAX_NESTING} can be rendered"
                return [make(Code.MD_NESTING, message, doc.path, line, column)]
    return []


def _indent(spaces: str) -> int:
    """List depth from an item's indentation: a level per two columns (tabs are four)."""
    return len(spaces.expandtabs(4)) // 2 + 1


def _front_matter(text: str, path: str) -> tuple[dict[str, Any], int, list[Diagnostic]]:
    if not text.startswith("---\n"):
        return (
            {},
            0,
            [
                make(
                    Code.MD_FRONT_MATTER, "the file does not start with '---' front matter", path, 1, 1
                )
            ],
        )
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        return (
            {},
            0,
            [make(Code.MD_FRONT_MATTER, "the front matter is never closed with '---'", path, 1, 1)],
        )
    body_start = 4 + end.end()
    try:
        data = yaml.safe_load(text[4 : 4 + end.start()])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 2, mark.column + 1) if mark else (2, 1)
        problem = getattr(exc, "problem", None) or str(exc)
        return (
            {},
            body_start,
            [make(Code.MD_FRONT_MATTER, f"invalid YAML: {problem}", path, line, column)],
        )
    if not isinstance(data, dict):
        return (
            {},
            body_start,
            [make(Code.MD_FRONT_MATTER, "the front matter is not a mapping", path, 2, 1)],
        )
    missing = [name for name in REQUIRED_FRONT_MATTER if not data.get(name)]
    diags = [
        make(Code.MD_FRONT_MATTER, f"the front matter has no {name!r}", path, 1, 1) for name in missing
    ]
    return data, body_start, diags


def _mask(text: str, body_start: int) -> str:
    """Blank out front matter, code and comments, keeping every offset in place."""

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    masked = re.sub(r"[^\n]", " ", text[:body_start]) + text[body_start:]
    for pattern in (_FENCE, _COMMENT, _INLINE_CODE):
        masked = pattern.sub(blank, masked)
    return masked


def _blocks(masked: str, body_start: int) -> list[Block]:
    blocks = []
    for match in re.finditer(r"[^\n]+(?:\n[^\n]*\S[^\n]*)*", masked[body_start:]):
        start = body_start + match.start()
        heading = _HEADING.match(match.group(0))
        if heading and "\n" not in match.group(0):
            text_start = start + heading.start(2)
            attrs = heading.group(3) or ""
            ident = _ATTR_ID.search(attrs)
            blocks.append(
                Block(
                    "heading",
                    heading.group(2),
                    list(range(text_start, start + heading.end(2))),
                    level=len(heading.group(1)),
                    ident=ident.group(1) if ident else "",
                    attrs={m.group(1): m.group(2) or m.group(3) for m in _ATTR_KV.finditer(attrs)},
                )
            )
            continue
        chars = [(start + i, c) for i, c in enumerate(match.group(0)) if c != "\n"]
        blocks.append(Block("paragraph", "".join(c for _, c in chars), [o for o, _ in chars]))
    return blocks


def _citations(doc: Manuscript, masked: str) -> tuple[list[Citation], list[Diagnostic]]:
    heading_spans = [
        (b.offsets[0], b.offsets[-1]) for b in doc.blocks if b.kind == "heading" and b.offsets
    ]
    diags = []
    for match in _EMPTY_CITE.finditer(masked):
        line, column = doc.position(match.start())
        diags.append(make(Code.REF_EMPTY, f"{match.group(0)} cites no key", doc.path, line, column))
    groups: list[list[tuple[str, int]]] = []
    seen: set[int] = set()
    for bracket in _BRACKET.finditer(masked):
        group = [
            (m.group(1) or m.group(2), bracket.start(1) + m.start())
            for m in _CITE.finditer(bracket.group(1))
        ]
        if group:
            groups.append(group)
            seen.update(offset for _, offset in group)
    for m in _CITE.finditer(masked):  # author-in-text citations: @key outside brackets
        if m.start() not in seen and masked[m.start() - 1 : m.start()] != "]":
            groups.append([(m.group(1) or m.group(2), m.start())])
    groups.sort(key=lambda g: g[0][1])
    citations = [
        Citation(key, offset, note, any(a <= offset <= b for a, b in heading_spans))
        for note, group in enumerate(groups, start=1)
        for key, offset in group
    ]
    return citations, diags


def _anchors(doc: Manuscript, masked: str) -> dict[str, int]:
    anchors = {b.ident: b.offsets[0] for b in doc.blocks if b.ident and b.offsets}
    for match in _SPAN_ID.finditer(masked):
        anchors.setdefault(match.group(1) or match.group(2), match.start())
    return anchors
