"""Number figures, tables, equations and sections, and resolve cross-references.

Runs on each chapter's tree (the check's tree) before pandoc writes HTML, so every
edition prints the same numbers and links. Numbers run through the book, per
chapter when the book has several (Figure 2.3, as in a Quarto book): every
captioned figure and table, every labelled equation, every heading (printed
before it only with ``number-sections``). A cross-reference becomes a link
reading "Figure 2"; its prefix and suffix stay around it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from citepress.book.strings import fill
from citepress.sources import xref
from citepress.sources.walk import nodes

Node = dict[str, Any]
# The catalogue key for the kind a target is.
NOUN = {"Figure": "figure", "Table": "table", "Header": "section", "equation": "equation"}


@dataclass(frozen=True)
class Target:
    """A numbered element: its kind, its number as printed, its chapter."""

    kind: str
    number: str
    chapter: str


def number(chapters: list[tuple[str, Node]]) -> dict[str, Target]:
    """Number the elements of each (slug, tree); labelled ones are returned by id.

    Unlabelled ones are numbered too (they count) and returned under ``#n`` keys
    of their own, by identity, so that :func:`apply` prints their numbers.
    """
    found: dict[str, Target] = {}
    for index, (slug, tree) in enumerate(chapters, start=1):
        lead = f"{index}." if len(chapters) > 1 else ""
        counts = {"Figure": 0, "Table": 0, "equation": 0}
        sections: list[tuple[int, int]] = []  # (level, count) of the open headings
        for node in nodes(tree.get("blocks", [])):
            kind = xref.kind_of(node)
            if kind is None or not _numbered(node, kind):
                continue
            if kind == "Header":
                printed = lead + _section(sections, node["c"][0])
            else:
                counts[kind] += 1
                printed = f"{lead}{counts[kind]}"
            target = Target(kind, printed, slug)
            found[f"#{id(node)}"] = target
            ident = _ident(node, kind)
            if ident:
                found.setdefault(ident, target)
    return found


def _numbered(node: Node, kind: str) -> bool:
    if kind in ("Figure", "Table"):
        return bool(_caption_blocks(node)) or bool(_ident(node, kind))
    return True


def _section(open_sections: list[tuple[int, int]], level: int) -> str:
    while open_sections and open_sections[-1][0] > level:
        open_sections.pop()
    if open_sections and open_sections[-1][0] == level:
        open_sections[-1] = (level, open_sections[-1][1] + 1)
    else:
        open_sections.append((level, 1))
    return ".".join(str(count) for _, count in open_sections)


def _ident(node: Node, kind: str) -> str:
    attr = node["c"][1] if kind == "Header" else node["c"][0]
    return str(attr[0])


def _caption_blocks(node: Node) -> list[Node]:
    blocks: list[Node] = node["c"][1][1]
    return blocks


@dataclass(frozen=True)
class Printer:
    """What :func:`apply` prints: the catalogue, the targets, section numbers or not."""

    strings: dict[str, str]
    targets: dict[str, Target]
    number_sections: bool

    def label(self, target: Target) -> str:
        """What a reference to ``target`` reads: "Figure 2"."""
        return fill(self.strings[NOUN[target.kind]], target.number)


def apply(tree: Node, printer: Printer) -> None:
    """Print the numbers of ``tree`` (numbered by :func:`number`) and resolve its references."""
    for node in list(nodes(tree.get("blocks", []))):
        target = printer.targets.get(f"#{id(node)}")
        if target is not None:
            _print_number(node, target, printer)
    for node in nodes(tree.get("blocks", [])):
        for inlines in _inline_lists(node):
            inlines[:] = list(_resolve(inlines, printer))


def _print_number(node: Node, target: Target, printer: Printer) -> None:
    label = printer.label(target)
    if target.kind in ("Figure", "Table"):
        blocks = _caption_blocks(node)
        lead = [_span("caption-label", label)]
        if not blocks:
            blocks.append({"t": "Plain", "c": lead})
            return
        blocks[0]["c"][:0] = [*lead, *_text(printer.strings["caption-separator"])]
    elif target.kind == "equation":
        number = fill(printer.strings["equation-number"], target.number)
        node["c"][1] += [{"t": "Space"}, _span("equation-number", number)]
    elif printer.number_sections:
        node["c"][2][:0] = [_span("section-number", target.number), {"t": "Space"}]


def _inline_lists(node: Node) -> Iterator[list[Node]]:
    """The lists of inlines directly in ``node`` (Para, Plain, Header, Span…)."""
    content = node.get("c")
    if not isinstance(content, list) or not content:
        return
    if all(_is_inline(x) for x in content):  # Para, Plain, Emph…: the list itself
        yield content
        return
    for part in content:  # Header, Span, Link…: one of their parts
        if isinstance(part, list) and part and all(_is_inline(x) for x in part):
            yield part


def _is_inline(item: Any) -> bool:
    return isinstance(item, dict) and item.get("t") in _INLINES


def _resolve(inlines: list[Node], printer: Printer) -> Iterator[Node]:
    for node in inlines:
        if node.get("t") != "Cite" or xref.prefix(_first_key(node)) is None:
            yield node
            continue
        for index, citation in enumerate(node["c"][0]):
            if index:
                yield from _text(", ")
            # A cross-reference in the prefix or suffix is resolved too (the check
            # reads it as one): left a Cite, citeproc would make it a note.
            yield from _resolve(citation["citationPrefix"], printer)
            if citation["citationPrefix"]:
                yield {"t": "Space"}
            yield _link(str(citation["citationId"]), printer)
            yield from _resolve(citation["citationSuffix"], printer)


def _first_key(cite: Node) -> str:
    return str(cite["c"][0][0]["citationId"]) if cite["c"][0] else ""


def _link(label: str, printer: Printer) -> Node:
    target = printer.targets.get(label)
    if target is None:  # the check reported it (xref.undefined); a forced build shows ??
        return {"t": "Strong", "c": [{"t": "Str", "c": f"??{label}"}]}
    text = [{"t": "Str", "c": printer.label(target)}]
    return {"t": "Link", "c": [["", ["xref"], []], text, [f"#{label}", ""]]}


def _span(cls: str, text: str) -> Node:
    return {"t": "Span", "c": [["", [cls], []], [{"t": "Str", "c": text}]]}


def _text(text: str) -> list[Node]:
    """``text`` as inlines: a trailing space becomes pandoc's Space."""
    out: list[Node] = [{"t": "Str", "c": text.rstrip(" ")}] if text.rstrip(" ") else []
    return out + ([{"t": "Space"}] if text.endswith(" ") else [])


_INLINES = {
    "Str", "Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript",
    "SmallCaps", "Quoted", "Cite", "Code", "Space", "SoftBreak", "LineBreak", "Math",
    "RawInline", "Link", "Image", "Note", "Span",
}  # fmt: skip
