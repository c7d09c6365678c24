"""Read a chapter once: front matter (ours), then pandoc's tree of the body (shared).

The front matter is read by us and never reaches pandoc. The body goes through
pandoc's markdown reader once; the check takes its facts from that tree
(:mod:`citepress.sources.tree`) and the editions render the very same tree, with
its metadata replaced by ours, so what the check passed is what is published.
Positions for messages come from aligning the tree with the source
(:mod:`citepress.sources.align`).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citepress.config import BCP47
from citepress.diagnostics import Code, Diagnostic, make
from citepress.ground.files import CONTROL, SourceError, control_message, read_text
from citepress.ground.locate import Locator
from citepress.ground.memo import OFF, Memo
from citepress.ground.yamlsafe import YamlError
from citepress.ground.yamlsafe import load as load_yaml
from citepress.sources import tree as trees
from citepress.sources import xref
from citepress.sources.align import CITE, LINK, Occurrences, TextAligner

REQUIRED_FRONT_MATTER = ("title", "author", "lang")
# Metadata pandoc (and citeproc) would obey. The front matter never reaches pandoc,
# so these would be silently ignored there: say so instead.
PANDOC_KEYS = (
    "bibliography", "references", "nocite", "citation-abbreviations", "filters",
    "header-includes", "include-before", "include-after", "link-citations",
    "link-bibliography", "notes-after-punctuation", "suppress-bibliography",
    "reference-section-title", "citation-style", "abbreviations",
)  # fmt: skip
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_BODY_YAML = re.compile(r"^---[ \t]*\n(?=[ \t]*\S)", re.MULTILINE)
_EMPTY_CITE = re.compile(r"\[\s*-?@\s*\]")


@dataclass(frozen=True)
class Citation:
    """One cited key; ``note`` is the number of the endnote it makes or stands in."""

    key: str
    offset: int
    note: int
    in_heading: bool = False
    xref: bool = False  # a cross-reference (@fig-x…), not a citation: ``note`` is 0
    in_text: bool = False  # written in the text (@a says…), not in brackets


@dataclass(frozen=True)
class ImageRef:
    """An image the chapter shows: its target as written, and where."""

    target: str
    offset: int


@dataclass(frozen=True)
class Link:
    """An internal link to ``#target``."""

    target: str
    offset: int


@dataclass
class Block:
    """A heading or paragraph; ``text`` as pandoc read it, ``offsets`` map it back."""

    kind: str
    text: str
    offsets: list[int]
    level: int = 0
    ident: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    start: int = 0


@dataclass
class Manuscript:
    """One chapter: its front matter, pandoc's tree of its body, and the facts of that tree."""

    path: str
    source: str
    front_matter: dict[str, Any]
    body_start: int
    locator: Locator
    tree: dict[str, Any] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    xrefs: list[Citation] = field(default_factory=list)  # @fig-x…, in reading order
    links: list[Link] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)
    targets: dict[str, str] = field(default_factory=dict)  # cross-reference id -> kind
    images: list[ImageRef] = field(default_factory=list)
    notes: int = 0
    footnotes: int = 0  # notes written as notes; an author-date style makes only these
    depth: int = 0
    has_control: bool = False
    # False when the tree nests too deep to be read whole (md.nesting): its facts are
    # partial, so checks that need them all (an entry never cited) hold back.
    complete: bool = True

    def position(self, offset: int) -> tuple[int, int]:
        """The (line, column) of an offset into the file."""
        return self.locator.position(offset)

    def tree_json(self) -> str:
        """The tree the editions render: the check's tree, with no metadata of its own."""
        clean = dict(self.tree, meta={})
        if self.has_control:
            clean = trees.strip_control(clean)
        return json.dumps(clean, ensure_ascii=False)


def load(
    root: Path, path: Path, display: str, deadline: float | None = None, memo: Memo = OFF
) -> tuple[Manuscript | None, list[Diagnostic]]:
    """Read and parse one chapter (confined to ``root``); problems come back as diagnostics."""
    return load_all(root, [(path, display)], deadline, memo)[0]


def load_all(
    root: Path, jobs: list[tuple[Path, str]], deadline: float | None = None, memo: Memo = OFF
) -> list[tuple[Manuscript | None, list[Diagnostic]]]:
    """Read and parse each (path, display name), confined to ``root``, in order.

    pandoc reads the bodies a build has neither kept nor remembered all at once, a
    process per core (ground/pandocbatch.py); ``deadline`` bounds them all.
    ``memo``: the build's, which may hold pandoc's reading of a body or the chapter.
    """
    from citepress.ground import pandocbatch  # noqa: PLC0415 -- only the binary's runner

    results: list[tuple[Manuscript | None, list[Diagnostic]]] = []
    pending: list[tuple[int, _Pending]] = []
    for path, display in jobs:
        try:
            text = read_text(root, path)
        except SourceError as exc:
            code = Code.MD_ENCODING if exc.kind == "encoding" else Code.IO_UNREADABLE
            results.append((None, [make(code, exc.message, display, exc.line, exc.column)]))
            continue
        kept = memo.recalled(("manuscript", display), (text,))
        started = kept if kept is not None else _start(text, display, deadline)
        if isinstance(started, _Pending):
            pending.append((len(results), started))
        results.append(started if not isinstance(started, _Pending) else (started.doc, []))
    reads = [pandocbatch.read_job(started.body, started.timeout) for _, started in pending]
    ran = pandocbatch.run_all(reads, deadline, memo)
    for (index, started), raw in zip(pending, ran, strict=True):
        found = _finish(started, raw)
        if found[0].complete:  # a chapter cut short (time, depth) is read again
            memo.remember(("manuscript", found[0].path), (found[0].source,), found)
        results[index] = found
    return results


# pandoc's markdown reader takes exponential time on square brackets nested in one
# paragraph (jgm/pandoc#1735, open since 2014): 12 nested pairs take over 20 s, 20
# unclosed ones as long. Prose never nests them past 3; past MAX_BRACKETS the
# chapter is refused before pandoc sees it. Fenced code is not inline-parsed, so
# its brackets do not count. Block quotes and raw <div>s nested by the hundred are
# super-linear for it too (1 MB of them: over 20 s); md.nesting would refuse them
# after the reading anyway, so they are refused before it. These are bounds on
# what pandoc is given, not facts: the facts still come from pandoc's tree.
MAX_BRACKETS = 5


def _markers(count: int) -> str:
    """A line that opens ``count`` block quotes or list items at once."""
    return rf"^[ \t]*(?:>[ \t]?|(?:[-*+]|\d{{1,9}}[.)])[ \t]+){{{count}}}"


_DEEP_LINE = _markers(trees.MAX_NESTING + 1)
_GUARD_TOKENS = re.compile(
    r"(?P<escaped>\\.)|(?P<bracket>[\[\]])|(?P<blank>\n[ \t]*\n)"
    r"|(?P<fence>^[ \t]{0,3}(?:```|~~~))|(?P<deep>" + _DEEP_LINE + r")|<(?P<div>/?)div\b",
    re.MULTILINE | re.IGNORECASE,
)


def _guard_message(kind: str) -> str:
    if kind == "[":
        return (
            f"square brackets nested more than {MAX_BRACKETS} deep in one paragraph "
            "(or left unclosed); pandoc's reader takes exponential time on that "
            "(jgm/pandoc#1735): close them, or escape one as \\["
        )
    what = {">": "block quotes", "<div": "raw <div> elements"}.get(kind, "lists")
    most = trees.MAX_NESTING
    return f"{what} nested more than {most} deep; at most {most} can be rendered"


@dataclass
class _Depths:
    """Bracket depth in the paragraph, raw <div> depth, inside a code fence or not."""

    brackets: int = 0
    divs: int = 0
    fenced: bool = False

    def step(self, token: re.Match[str]) -> str | None:
        """Account for one token; the kind of nesting that went too deep, if any."""
        kind = token.lastgroup
        if kind == "fence":
            self.fenced, self.brackets = not self.fenced, 0
        elif kind == "blank":
            self.brackets = 0
        elif self.fenced or kind == "escaped":
            return None
        elif kind == "deep":
            return token.group().lstrip(" \t")[0]
        elif kind == "div":
            self.divs = max(self.divs + (-1 if token.group("div") else 1), 0)
            return "<div" if self.divs > trees.MAX_NESTING else None
        elif kind == "bracket":
            self.brackets = max(self.brackets + (1 if token.group() == "[" else -1), 0)
            return "[" if self.brackets > MAX_BRACKETS else None
        return None


def _bracket_guard(doc: Manuscript) -> Diagnostic | None:
    """md.nesting before pandoc for what would keep pandoc busy for minutes (see above)."""
    depths = _Depths()
    for token in _GUARD_TOKENS.finditer(doc.source, doc.body_start):
        kind = depths.step(token)
        if kind is not None:
            return _guard(doc, token.start(), kind)
    return None


def _guard(doc: Manuscript, offset: int, kind: str) -> Diagnostic:
    line, column = doc.position(_first_text(doc, offset))
    return make(Code.MD_NESTING, _guard_message(kind), doc.path, line, column)


def parse(
    text: str, display: str, deadline: float | None = None
) -> tuple[Manuscript, list[Diagnostic]]:
    """Parse the Markdown ``text`` of the file shown as ``display``.

    ``deadline`` (a ``time.monotonic()`` value) bounds the whole check's reading.
    """
    from citepress.ground import pandoc  # noqa: PLC0415 -- only the binary's runner

    started = _start(text, display, deadline)
    if not isinstance(started, _Pending):
        return started
    try:
        raw: str | Exception = pandoc.markdown_to_json(started.body, started.timeout)
    except pandoc.PandocError as exc:
        raw = exc
    return _finish(started, raw)


@dataclass
class _Pending:
    """A chapter whose front matter is read and whose body pandoc has yet to read."""

    doc: Manuscript
    diags: list[Diagnostic]
    body: str
    timeout: float


def _start(
    text: str, display: str, deadline: float | None
) -> _Pending | tuple[Manuscript, list[Diagnostic]]:
    """The front matter read and the body made ready for pandoc; or the chapter, unread."""
    from citepress.ground import pandoc  # noqa: PLC0415 -- only the binary's runner

    front, body_start, diags = front_matter(text, display)
    doc = Manuscript(display, text, front, body_start, Locator(text))
    body = "\n" * text.count("\n", 0, body_start) + text[body_start:]
    guard = _bracket_guard(doc)
    if guard is not None:
        doc.complete = False
        return doc, [*diags, guard]
    timeout = pandoc.read_timeout(len(body))
    if deadline is not None:
        timeout = min(timeout, deadline - time.monotonic())
    if timeout <= 0:
        return _unread(doc, diags)
    return _Pending(doc, diags, body, timeout)


def _unread(doc: Manuscript, diags: list[Diagnostic]) -> tuple[Manuscript, list[Diagnostic]]:
    doc.complete = False
    message = "not read: the check spent its time budget on the chapters before it"
    return doc, [*diags, make(Code.IO_UNREADABLE, message, doc.path)]


def _finish(started: _Pending, raw: str | Exception) -> tuple[Manuscript, list[Diagnostic]]:
    """The chapter from pandoc's reading of its body (or pandoc's failure)."""
    from citepress.ground import pandocbatch  # noqa: PLC0415 -- only the binary's runner

    doc, diags = started.doc, started.diags
    if isinstance(raw, pandocbatch.BudgetSpent):
        return _unread(doc, diags)
    if isinstance(raw, Exception):
        doc.complete = False
        message = f"pandoc could not read it: {raw}"
        if "longer than" in str(raw):
            message += " (look for unclosed or nested [brackets]: jgm/pandoc#1735)"
        return doc, [*diags, make(Code.IO_UNREADABLE, message, doc.path)]
    try:
        doc.tree = json.loads(raw)
    except RecursionError:  # deeper than Python's JSON reader goes: far past MAX_NESTING
        doc.complete = False
        return doc, [*diags, _too_deep(doc, _deepest_line(doc))]
    xref.attach_equation_ids(doc.tree)
    xref.figure_divs(doc.tree)
    return doc, diags + _read_tree(doc)


def _read_tree(doc: Manuscript) -> list[Diagnostic]:
    facts = trees.facts(doc.tree)
    diags = _body_metadata(doc)
    aligner = TextAligner(doc.source, doc.body_start)
    for raw in facts.blocks:
        start, offsets = aligner.block(raw.pieces, raw.aside)
        text = "".join(raw.pieces)
        doc.blocks.append(Block(raw.kind, text, offsets, raw.level, raw.ident, raw.attrs, start))
    diags += _citations(doc, facts)
    doc.links = _links(doc, facts)
    doc.anchors = facts.ids
    doc.targets = facts.targets
    doc.images = [ImageRef(i.target, _find(doc, i.target, i.block)) for i in facts.images]
    diags += [_dropped(doc, drop) for drop in facts.dropped]
    doc.notes, doc.footnotes, doc.depth = facts.notes, facts.footnotes, facts.depth
    if facts.deep is not None:
        doc.complete = False
        diags.append(_too_deep(doc, _deep_offset(doc, facts.deep)))
    if facts.control is not None:
        doc.has_control = True
        diags.append(_control(doc, facts))
    return diags + _empty_citations(doc)


def _block_start(doc: Manuscript, index: int) -> int:
    """Where text block ``index`` starts in the source (the body's start for none)."""
    return doc.blocks[index].start if 0 <= index < len(doc.blocks) else doc.body_start


def _floor(doc: Manuscript, index: int) -> int:
    """Where the text before block ``index`` begins: the end of the block before it.

    A block may open with a citation, before its first string.
    """
    if not 0 <= index < len(doc.blocks):
        return doc.body_start
    before = doc.blocks[index - 1] if index else None
    end = doc.body_start
    if before is not None:
        end = before.offsets[-1] + 1 if before.offsets else before.start
    return min(end, doc.blocks[index].start)


def _citations(doc: Manuscript, facts: trees.Facts) -> list[Diagnostic]:
    occurrences = Occurrences(CITE, doc.source, doc.body_start)
    diags = []
    lost = [cite for cite in facts.hidden if cite.lost_to]
    # In the order they are written, so that each lost citation is placed among the
    # others: occurrences of a key are handed out in order.
    for cite in sorted([*facts.citations, *lost], key=lambda c: c.seq):
        if cite.lost_to:
            diags.append(_hidden(doc, cite, occurrences))
            continue
        start = _block_start(doc, cite.block)
        if cite.leading:  # it stands before the block's first string
            offset = occurrences.take_before(cite.key, _floor(doc, cite.block), start)
        else:
            offset = occurrences.take(cite.key, start)
        if offset is None:
            offset = start
            diags.append(_unplaced(doc, f"citation @{cite.key}", offset))
        found = Citation(cite.key, offset, cite.note, cite.in_heading, cite.xref, cite.in_text)
        (doc.xrefs if cite.xref else doc.citations).append(found)
    for cite in facts.hidden:
        if not cite.lost_to:
            diags.append(_hidden(doc, cite, occurrences))
    return diags


def _hidden(doc: Manuscript, cite: trees.CiteFact, occurrences: Occurrences) -> Diagnostic:
    """ref.hidden: a citation no edition prints, and why."""
    # A lost citation is written in running text, as the others of its block.
    start = _block_start(doc, cite.block) if cite.lost_to else _floor(doc, cite.block)
    offset = occurrences.take(cite.key, start)
    line, column = doc.position(start if offset is None else offset)
    message = (
        f"citation @{cite.key} stands in an image's alt text, where pandoc prints "
        "no note for it; move it into the text"
    )
    if cite.lost_to:
        message = (
            f"citation @{cite.key} is lost: pandoc prints only @{cite.lost_to} for its "
            f"group, because @{cite.lost_to} stands inside another citation's prefix or "
            "suffix; separate the group's citations with semicolons ([@a; @b])"
        )
    return make(Code.REF_HIDDEN, message, doc.path, line, column)


def _links(doc: Manuscript, facts: trees.Facts) -> list[Link]:
    occurrences = Occurrences(LINK, doc.source, doc.body_start)
    links = []
    for link in facts.links:
        start = _floor(doc, link.block)
        offset = occurrences.take(link.target, start)
        links.append(Link(link.target, start if offset is None else offset))
    return links


def _find(doc: Manuscript, needle: str, block: int) -> int:
    """Where ``needle`` is written at or after text block ``block`` (a position only)."""
    floor = _floor(doc, block)
    for start in (floor, doc.body_start):
        found = doc.source.find(needle, start) if needle else -1
        if found >= 0:
            return found
    return floor


def _dropped(doc: Manuscript, drop: trees.DropFact) -> Diagnostic:
    line, column = doc.position(_find(doc, drop.needle, drop.block))
    return make(Code.MD_DROPPED, drop.message, doc.path, line, column)


_NESTING_LINE = re.compile(_markers(10), re.MULTILINE)


def _deepest_line(doc: Manuscript) -> int:
    """A position for a tree pandoc made too deep to read at all (a position, not a fact).

    The first line that opens many quotes, list items or divs at once, else the
    first line of the body.
    """
    found = _NESTING_LINE.search(doc.source, doc.body_start)
    return found.start() if found else _first_text(doc, doc.body_start)


def _first_text(doc: Manuscript, offset: int) -> int:
    found = re.compile(r"\S").search(doc.source, offset)
    return found.start() if found else offset


def _deep_offset(doc: Manuscript, deep: tuple[str, int]) -> int:
    """Where nesting went too deep: in a text block, or at the line after one."""
    where, index = deep
    if index < 0:
        return _first_text(doc, doc.body_start)
    block = doc.blocks[index]
    if where == "in" or not block.offsets:
        return block.start
    after = doc.source.find("\n", block.offsets[-1])
    return _first_text(doc, after + 1) if after >= 0 else block.start


def _unplaced(doc: Manuscript, what: str, offset: int) -> Diagnostic:
    line, column = doc.position(offset)
    return make(
        Code.INTERNAL_POSITION,
        f"could not find where {what} stands in the source; the position is its block's",
        doc.path,
        line,
        column,
    )


def _too_deep(doc: Manuscript, offset: int) -> Diagnostic:
    line, column = doc.position(offset or doc.body_start)
    return make(
        Code.MD_NESTING,
        f"lists, block quotes or markup nested more than {trees.MAX_NESTING} deep; "
        f"at most {trees.MAX_NESTING} can be rendered",
        doc.path,
        line,
        column,
    )


def _control(doc: Manuscript, facts: trees.Facts) -> Diagnostic:
    """A control character pandoc's reading holds: written as an entity (&#1;) most likely."""
    char = facts.control or ""
    offset = _block_start(doc, facts.control_block)
    entity = re.compile(rf"&#(?:x0*{ord(char):x}|0*{ord(char)});", re.IGNORECASE)
    found = entity.search(doc.source, doc.body_start)
    if found is not None:
        offset = found.start()
    line, column = doc.position(offset)
    return make(Code.MD_ENCODING, control_message(char), doc.path, line, column)


def _body_metadata(doc: Manuscript) -> list[Diagnostic]:
    meta = doc.tree.get("meta") or {}
    if not meta:
        return []
    found = _BODY_YAML.search(doc.source, doc.body_start)
    line, column = doc.position(found.start() if found else doc.body_start)
    keys = ", ".join(repr(key) for key in sorted(meta)[:5])
    return [
        make(
            Code.MD_METADATA,
            f"a YAML metadata block in the body sets {keys}; pandoc would obey it, so it is "
            "not allowed (the front matter holds the chapter's metadata)",
            doc.path,
            line,
            column,
        )
    ]


def _empty_citations(doc: Manuscript) -> list[Diagnostic]:
    diags = []
    for block in doc.blocks:
        for match in _EMPTY_CITE.finditer(block.text):
            line, column = doc.position(block.offsets[match.start()])
            diags.append(
                make(Code.REF_EMPTY, f"{match.group(0)} cites no key", doc.path, line, column)
            )
    return diags


def front_matter(text: str, path: str) -> tuple[dict[str, Any], int, list[Diagnostic]]:
    """The front matter (a YAML mapping), where the body starts, and what is wrong."""
    if not text.startswith("---\n"):
        message = "the file does not start with '---' front matter"
        return {}, 0, [make(Code.MD_FRONT_MATTER, message, path, 1, 1)]
    end = _CLOSE.search(text, 4)
    if end is None:
        message = "the front matter is never closed with '---'"
        return {}, 0, [make(Code.MD_FRONT_MATTER, message, path, 1, 1)]
    body_start = end.end()
    try:
        data = load_yaml(text[4 : end.start()])
    except YamlError as exc:
        diag = make(Code.MD_FRONT_MATTER, exc.message, path, exc.line + 1, exc.column)
        return {}, body_start, [diag]
    if not isinstance(data, dict):
        message = "the front matter is not a mapping"
        return {}, body_start, [make(Code.MD_FRONT_MATTER, message, path, 2, 1)]
    return data, body_start, _front_matter_keys(data, text[: end.start()], path)


_KEY_LINE = re.compile(r"^([^\s#:][^:\n]*):", re.MULTILINE)


def _front_matter_keys(data: dict[str, Any], text: str, path: str) -> list[Diagnostic]:
    locator = Locator(text)
    lines: dict[str, int] = {}  # key -> offset of its line, found in one pass
    for key_line in _KEY_LINE.finditer(text):
        lines.setdefault(key_line.group(1).rstrip(" \t"), key_line.start())

    def where(key: str) -> tuple[int, int]:
        offset = lines.get(str(key))
        return locator.position(offset) if offset is not None else (1, 1)

    diags = [
        make(Code.MD_FRONT_MATTER, f"the front matter has no {name!r}", path, 1, 1)
        for name in REQUIRED_FRONT_MATTER
        if not data.get(name)
    ]
    for key in sorted(set(map(str, data)) & set(PANDOC_KEYS)):
        message = (
            f"front matter {key!r} is pandoc's, and citepress never passes it on "
            "(the bibliography and the style are set in pyproject.toml)"
        )
        diags.append(make(Code.MD_METADATA, message, path, *where(key)))
    for key, value in data.items():
        found = CONTROL.search(_flatten(value))
        if found:
            diags.append(make(Code.MD_ENCODING, control_message(found.group()), path, *where(key)))
    lang = data.get("lang")
    if lang and not (isinstance(lang, str) and BCP47.match(lang)):
        message = f"lang {str(lang)[:40]!r} is not a BCP 47 language tag such as 'en' or 'ja-JP'"
        diags.append(make(Code.MD_FRONT_MATTER, message, path, *where("lang")))
        # Every edition writes it into lang attributes and the EPUB's dc:language: a
        # forced build gets "und" (undetermined), never the text as written.
        data["lang"] = "und"
    return diags


def _flatten(value: Any) -> str:
    """Every string in a YAML value, joined (the loader bounds its depth)."""
    if isinstance(value, dict):
        return " ".join(_flatten(k) + " " + _flatten(v) for k, v in value.items())
    if isinstance(value, list):
        return " ".join(_flatten(item) for item in value)
    return str(value)
