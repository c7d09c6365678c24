"""The facts of a chapter, taken from pandoc's own reading of it (its JSON AST).

The editions render this same tree, so whatever the check counts here is what
gets published: which citations there are, in which notes and in which order
(a citation outside a note makes a note; an inline or reference note ``^[…]``
is a note, and citations inside it add none), the text of every paragraph and
heading, headings' ids and attributes, links, every id an edition will carry,
control characters that XML cannot hold, and how deep the tree nests.

Only facts come from here; where they stand in the source file is the job of
:mod:`citepress.sources.align`, which never decides a fact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from citepress.ground.files import CONTROL
from citepress.sources import rawhtml, xref
from citepress.sources.allowlist import kept_link

# No real book nests lists, quotes or inline markup this deep; the HTML tools after
# pandoc recurse per level, so pathological depth must stop at the check.
MAX_NESTING = 50

Node = dict[str, Any]


@dataclass
class TextBlock:
    """A paragraph or heading's text as pieces of source text, in reading order.

    Citations and notes are not part of the text; ``pieces`` are the strings
    pandoc read (``Str``), with "" for soft breaks and " " for spaces.
    """

    kind: str
    pieces: list[str]
    level: int = 0
    ident: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    # The tree's node of each piece (None for a quotation mark pandoc leaves implicit):
    # the proof marks a finding's span on these very nodes.
    nodes: list[Node | None] = field(default_factory=list, repr=False, compare=False)
    # Read before the text it belongs to but written elsewhere (a table's caption,
    # often below the table): where it stands must not move the search for the rest.
    aside: bool = False


@dataclass(frozen=True)
class CiteFact:
    """One cited key: its note number, and the text block it stands in (or -1)."""

    key: str
    note: int
    block: int
    in_heading: bool
    leading: bool = False  # before the first string of its block: [@a] opens a paragraph
    xref: bool = False  # a cross-reference (@fig-x…): no note, no bibliography entry
    in_text: bool = False  # @a written in the text (AuthorInText), not [@a]
    lost_to: str = ""  # hidden because pandoc prints this citation instead of it
    seq: int = 0  # where it is written among the chapter's citations (reading order)
    node: Node | None = field(default=None, repr=False, compare=False)  # its Cite node


@dataclass(frozen=True)
class LinkFact:
    """A link to ``#target`` in the chapter."""

    target: str
    block: int


@dataclass(frozen=True)
class ImageFact:
    """An image the chapter shows: its target as written, and its text block (or -1)."""

    target: str
    block: int


@dataclass(frozen=True)
class DropFact:
    """Something the author wrote that no edition prints: what, and text to find it by."""

    message: str
    needle: str
    block: int


@dataclass
class Facts:
    """Everything the check knows of one chapter, from the tree the editions render."""

    blocks: list[TextBlock] = field(default_factory=list)
    citations: list[CiteFact] = field(default_factory=list)
    # Citations pandoc prints no note for: inside another citation's prefix or
    # suffix, or in an image's alt text outside a figure (a figure's alt repeats
    # its caption, which does print them).
    hidden: list[CiteFact] = field(default_factory=list)
    links: list[LinkFact] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    # Cross-reference targets: id -> the kind of element it names (see sources/xref.py).
    targets: dict[str, str] = field(default_factory=dict)
    images: list[ImageFact] = field(default_factory=list)
    dropped: list[DropFact] = field(default_factory=list)
    notes: int = 0
    footnotes: int = 0  # of the notes, those written as notes (^[…], [^x]), not citations
    depth: int = 0
    # Where MAX_NESTING was passed: inside text block N, or after text block N; the
    # facts below that point are not read, so the chapter's facts are incomplete.
    deep: tuple[str, int] | None = None
    control: str | None = None  # the first control character in any text
    control_block: int = -1


class _Walker:
    """One pass over the tree; recursion is cut at MAX_NESTING + 1 levels."""

    def __init__(self, raw: dict[int, rawhtml.Rewritten]) -> None:
        self.facts = Facts()
        self.raw = raw  # each raw HTML piece's rewriting, by the piece's identity
        self.current = -1  # the text block being read, for positions
        self.pieces: list[str] | None = None  # where text pieces go, None outside text
        self.nodes: list[Node | None] = []  # the node of each piece, beside it
        self.heading = False
        self.note = 0  # the note being read, 0 outside notes
        self.hidden = False  # inside a citation's prefix/suffix or an image's alt text
        self.figure = False  # inside a figure's content (its images' alt repeats the caption)
        self.started = False  # the text block has a string that is not blank
        self.aside = False  # reading a table's caption
        self.sequence = 0  # citations met so far
        # Inside a citation's prefix or suffix: its note, and the citations found there.
        self.affix: tuple[int, list[CiteFact]] | None = None

    def blocks(self, blocks: list[Node], depth: int) -> None:
        for block in blocks:
            self.block(block, depth)

    def block(self, node: Node, depth: int) -> None:
        """Read one block; ``depth`` counts the containers (lists, quotes, divs) around it."""
        kind, content = node.get("t"), node.get("c", [])
        if kind in ("Para", "Plain"):
            self._text_block(TextBlock("paragraph", []), content, depth)
        elif kind == "Header":
            level, attr, inlines = content
            ident, _, pairs = attr
            block = TextBlock("heading", [], level, ident, {k: v for k, v in pairs})
            self._id(ident)
            self._target(ident, "Header")
            self.heading = True
            self._text_block(block, inlines, depth)
            self.heading = False
        elif kind == "Figure" and self._enter(depth + 1):
            attr, caption, body = content
            self._attr(attr)
            self._target(attr[0], "Figure")
            # The body, then the caption: the order the editions print them in (and
            # number their notes in), <figure>…<figcaption>.
            outer, self.figure = self.figure, True
            self.blocks(body, depth + 1)
            self.figure = outer
            self._generic(caption, depth + 1)
        elif kind in ("CodeBlock", "RawBlock"):
            self._scan(content[1])
            if kind == "CodeBlock":
                self._attr(content[0])
            else:
                self._raw(content)
        elif kind == "Table" and self._enter(depth + 1):
            self._target(content[0][0], "Table")
            self._attr(content[0])
            outer, self.aside = self.aside, True  # the caption: read first, as pandoc prints it
            self._generic(content[1], depth + 1)
            self.aside = outer
            self._generic(content[2:], depth + 1)
        elif self._enter(depth + 1):
            self._generic(content, depth + 1)

    def _text_block(self, block: TextBlock, inlines: list[Node], depth: int) -> None:
        if self.note:  # a note's text is not the chapter's narrative: no text block
            self.inlines(inlines, depth)
            return
        block.aside = self.aside
        self.facts.blocks.append(block)
        self.current = len(self.facts.blocks) - 1
        outer, self.pieces = self.pieces, block.pieces
        outer_nodes, self.nodes = self.nodes, block.nodes
        outer_started, self.started = self.started, False
        self.inlines(inlines, depth)
        self.pieces, self.nodes, self.started = outer, outer_nodes, outer_started

    def inlines(self, inlines: list[Node], depth: int) -> None:
        for node in inlines:
            self.inline(node, depth)

    def inline(self, node: Node, depth: int) -> None:  # noqa: C901 -- one case per node type
        """Read one inline; every inline but a string or a space is a container."""
        kind, content = node.get("t"), node.get("c", [])
        if kind not in ("Str", "Space", "SoftBreak", "LineBreak") and not self._enter(depth + 1):
            return
        if kind == "Str":
            self._scan(content)
            self._piece(content, node)
        elif kind == "Space":
            self._piece(" ", node)
        elif kind in ("SoftBreak", "LineBreak"):
            self._piece("", node)
        elif kind == "Cite":
            self._cite(node, depth)
        elif kind == "Note":
            self._note(content, depth)
        elif kind == "Link":
            self._link(content, depth)
        elif kind in ("Code", "Math", "RawInline"):
            self._scan(content[1])
            if kind == "Code":
                self._attr(content[0])
            elif kind == "RawInline":
                self._raw(content)
        elif kind == "Quoted":
            mark = '"' if content[0]["t"] == "DoubleQuote" else "'"
            self._piece(mark)
            self.inlines(content[1], depth + 1)
            self._piece(mark)
        elif kind == "Image":
            self._attr(content[0])
            self._scan(content[2][0])
            self.facts.images.append(ImageFact(content[2][0], self.current))
            if not self.figure:
                self._alt(partial(self.inlines, content[1], depth + 1))
        else:
            if kind == "Span" and xref.kind_of(node) == xref.EQUATION_CLASS:
                self._target(content[0][0], xref.EQUATION_CLASS)
            self._generic(content, depth + 1)

    def _cite(self, node: Node, depth: int) -> None:
        citations, _ = node["c"]
        if self.hidden and self.affix is not None:
            self._inner_cite(citations, depth)
            return
        if self.hidden:
            self.facts.hidden += [
                CiteFact(str(c["citationId"]), 0, self.current, self.heading, seq=self._seq())
                for c in citations
            ]
            return
        if xref.prefix(str(citations[0]["citationId"])) is not None:
            self._xref(node, depth)
            return
        if self.note == 0:
            self.facts.notes += 1
        number = self.note or self.facts.notes
        # Whether a text piece came before (linear: a flag, not the pieces joined again).
        leading = self.pieces is not None and not self.started
        inner: list[CiteFact] = []  # citations in the group's prefixes and suffixes
        outer: list[CiteFact] = []
        for citation in citations:
            seq = self._seq()  # in the order they are written: the outer one first
            outer_affix, self.affix = self.affix, (number, inner)
            for part in (citation["citationPrefix"], citation["citationSuffix"]):
                self._quiet(partial(self.inlines, part, depth + 1))
            self.affix = outer_affix
            mode = citation["citationMode"].get("t")
            outer.append(
                CiteFact(
                    str(citation["citationId"]),
                    number,
                    self.current,
                    self.heading,
                    leading,
                    node=node,
                    in_text=mode in ("AuthorInText", "SuppressAuthor"),
                    seq=seq,
                )
            )
        self._group(outer, inner)

    def _group(self, outer: list[CiteFact], inner: list[CiteFact]) -> None:
        """A group's citations as pandoc prints them.

        ``[for example @a and @b]``, ``[@a, @b]``: a citation in another's prefix
        or suffix makes pandoc print only the last such one, in the whole group's
        place; every other citation of the group is lost (checked with pandoc 3.9:
        ``[@a and @b; @c]`` prints @b alone; jgm/pandoc#9080 is the same confusion
        with a note in a citation).
        """
        if not inner:
            self.facts.citations += outer
            return
        printed = inner[-1]
        self.facts.citations.append(printed)
        lost = [c for c in [*outer, *inner[:-1]] if c is not printed]
        self.facts.hidden += [replace(c, lost_to=printed.key) for c in lost]

    def _inner_cite(self, citations: list[Node], depth: int) -> None:
        """A citation inside another's prefix or suffix: collected for :meth:`_group`."""
        assert self.affix is not None
        number, inner = self.affix
        for citation in citations:
            inner.append(
                CiteFact(
                    str(citation["citationId"]), number, self.current, self.heading, seq=self._seq()
                )
            )
            for part in (citation["citationPrefix"], citation["citationSuffix"]):
                self.inlines(part, depth + 1)

    def _seq(self) -> int:
        """The next citation's place in the order the chapter writes them."""
        self.sequence += 1
        return self.sequence

    def _xref(self, node: Node, depth: int) -> None:
        """A cross-reference: no note; its prefix and suffix print as running text."""
        for citation in node["c"][0]:
            self.inlines(citation["citationPrefix"], depth + 1)
            self.facts.citations.append(
                CiteFact(
                    str(citation["citationId"]),
                    0,
                    self.current,
                    self.heading,
                    xref=True,
                    node=node,
                    seq=self._seq(),
                )
            )
            self.inlines(citation["citationSuffix"], depth + 1)

    def _note(self, blocks: list[Node], depth: int) -> None:
        if self.hidden:  # a note inside a citation: its citations print nowhere
            self.blocks(blocks, depth + 1)
            return
        if self.note:  # pandoc does not nest notes; be safe if a tree ever does
            self.blocks(blocks, depth + 1)
            return
        self.facts.notes += 1
        self.facts.footnotes += 1
        self.note = self.facts.notes
        outer = self.pieces
        self.pieces = None
        self.blocks(blocks, depth + 1)
        self.pieces, self.note = outer, 0

    def _link(self, content: list[Any], depth: int) -> None:
        attr, inlines, (url, title) = content
        self._attr(attr)
        self._scan(url)
        self._scan(title)
        if url.startswith("#"):
            self.facts.links.append(LinkFact(url[1:], self.current))
        elif not kept_link(url):
            message = (
                f"the link to {url!r} is removed, its text kept: only links to #ids and "
                "http(s) or mailto addresses work in every edition"
            )
            self._drop(message, url)
        self.inlines(inlines, depth + 1)

    def _quiet(self, walk: Callable[[], None]) -> None:
        """Walk inlines that are not part of the running text (citation prefixes, alt text)."""
        outer, hidden = self.pieces, self.hidden
        self.pieces, self.hidden = None, True
        walk()
        self.pieces, self.hidden = outer, hidden

    def _alt(self, walk: Callable[[], None]) -> None:
        """An image's alt text: not a citation's affix, whatever encloses the image."""
        outer, self.affix = self.affix, None
        self._quiet(walk)
        self.affix = outer

    def _generic(self, content: Any, depth: int) -> None:
        """Any other node: walk its children, whatever their shape (lists, attrs, captions)."""
        stack: list[Any] = [content]
        while stack:
            item = stack.pop()
            if isinstance(item, dict) and "t" in item:
                if _is_block(item["t"]):
                    self.block(item, depth)
                else:
                    self.inline(item, depth)
            elif isinstance(item, list):
                if looks_like_attr(item):
                    self._attr(item)
                else:
                    stack.extend(reversed(item))

    def _enter(self, depth: int) -> bool:
        if depth > self.facts.depth:
            self.facts.depth = depth
        if depth > MAX_NESTING:
            if self.facts.deep is None:
                inside = self.pieces is not None
                self.facts.deep = ("in", self.current) if inside else ("after", self.current)
            return False
        return True

    def _piece(self, text: str, node: Node | None = None) -> None:
        if self.pieces is not None:
            self.pieces.append(text)
            self.nodes.append(node)
            self.started = self.started or bool(text.strip())

    def _attr(self, attr: list[Any]) -> None:
        ident, _, pairs = attr
        self._id(ident)
        for key, value in pairs:
            self._scan(key)
            self._scan(value)
            if key not in KEPT_ATTRIBUTES:
                self._drop(f"the attribute {key}={value!r} is printed in no edition", key)

    def _target(self, ident: str, kind: str) -> None:
        if ident:
            self.facts.targets.setdefault(ident, kind)

    def _drop(self, message: str, needle: str) -> None:
        if len(self.facts.dropped) < MAX_DROPPED:
            self.facts.dropped.append(DropFact(message, needle, self.current))

    def _raw(self, piece: list[Any]) -> None:
        form, text = piece
        if form not in rawhtml.FORMATS:
            first = text.strip().split("\n", 1)[0][:60]
            self._drop(f"a raw {form} passage is printed in no edition", first or form)
            return
        rewritten = self.raw.get(id(piece))
        if rewritten is None:  # never: every piece was rewritten before the walk
            return
        self.facts.ids.update(rewritten.ids)
        self.facts.links += [LinkFact(target, self.current) for target in rewritten.links]
        for message, needle in rewritten.removed:
            self._drop(message, needle)

    def _id(self, ident: str) -> None:
        if ident:
            self._scan(ident)
            self.facts.ids.add(ident)

    def _scan(self, text: str) -> None:
        if self.facts.control is None:
            found = CONTROL.search(text)
            if found:
                self.facts.control = found.group()
                self.facts.control_block = max(self.current, 0)


# Key-value attributes an edition keeps (pandoc writes the others as data-*, which
# the sanitiser removes): an image's size, a language, Quarto's figure alt text.
KEPT_ATTRIBUTES = frozenset({"width", "height", "lang", "title", "fig-alt", "data-cites"})
MAX_DROPPED = 200

_BLOCKS = {
    "Plain", "Para", "LineBlock", "CodeBlock", "RawBlock", "BlockQuote", "OrderedList",
    "BulletList", "DefinitionList", "Header", "HorizontalRule", "Table", "Figure", "Div",
}  # fmt: skip


def _is_block(kind: str) -> bool:
    return kind in _BLOCKS


def looks_like_attr(item: list[Any]) -> bool:
    """True for pandoc's Attr: [id, [classes], [[key, value]]]."""
    return (
        len(item) == 3
        and isinstance(item[0], str)
        and isinstance(item[1], list)
        and isinstance(item[2], list)
        and all(isinstance(c, str) for c in item[1])
    )


def facts(tree: Node) -> Facts:
    """Read the facts of one chapter's tree."""
    rewritten = {id(piece): done for piece, done in rawhtml.rewrite_all(tree)}
    walker = _Walker(rewritten)
    walker.blocks(tree.get("blocks", []), 0)
    return walker.facts


def strip_control(tree: Any) -> Any:
    """The tree with control characters removed from every string (a forced build).

    The check reports them (md.encoding); an edition must still be well-formed XML.
    """
    if isinstance(tree, str):
        return CONTROL.sub("", tree)
    if isinstance(tree, list):
        return [strip_control(item) for item in tree]
    if isinstance(tree, dict):
        return {key: strip_control(value) for key, value in tree.items()}
    return tree
