"""Cross-reference labels, read the way Quarto writes them (users already know it).

``@fig-x``, ``@tbl-x``, ``@sec-x`` and ``@eq-x`` are cross-references, not
citations: pandoc reads them as citations, so the prefix decides, as in Quarto
(a bibliography key that starts with one of them cannot be cited). A figure or
table takes its label from its attributes (``{#fig-x}``), a section from its
heading's id, and a display equation from the ``{#eq-x}`` written after it, which
pandoc leaves as text: :func:`attach_equation_ids` moves it onto the equation
while the chapter is read, so the check and the editions see the same ids.
"""

from __future__ import annotations

import re
from typing import Any

from citepress.sources.walk import lists, nodes

# Label prefix -> the kind of element it must name.
KINDS = {"fig": "Figure", "tbl": "Table", "sec": "Header", "eq": "equation"}
EQUATION_CLASS = "equation"
_EQ_LABEL = re.compile(r"^\{#(eq-[^\s{}]+)\}$")

Node = dict[str, Any]


def prefix(label: str) -> str | None:
    """The cross-reference prefix of ``label`` (``fig``…), or None for a citation key."""
    head, dash, rest = label.partition("-")
    return head if dash and rest and head in KINDS else None


def kind_of(node: Node) -> str | None:
    """The kind of target a tree node is (``Figure``, ``Table``, ``Header``, ``equation``)."""
    kind = node.get("t")
    if kind in ("Figure", "Table", "Header"):
        return str(kind)
    if kind == "Span" and EQUATION_CLASS in node["c"][0][1]:
        return EQUATION_CLASS
    return None


def attach_equation_ids(tree: Any) -> None:
    """Turn ``$$…$$ {#eq-x}`` into a Span with id ``eq-x`` holding the equation, in place.

    Walks without recursion (the tree's depth is checked after this).
    """
    for item in lists(tree):
        if item and all(isinstance(x, dict) and "t" in x for x in item):
            _attach(item)


def _attach(inlines: list[Node]) -> None:
    index = 0
    while index < len(inlines):
        node = inlines[index]
        if node.get("t") == "Math" and node["c"][0].get("t") == "DisplayMath":
            end = index + 1
            if end < len(inlines) and inlines[end].get("t") in ("Space", "SoftBreak"):
                end += 1
            label = inlines[end] if end < len(inlines) else None
            found = _EQ_LABEL.match(label["c"]) if label and label.get("t") == "Str" else None
            if found:
                span = {"t": "Span", "c": [[found.group(1), [EQUATION_CLASS], []], [node]]}
                inlines[index : end + 1] = [span]
        index += 1


def figure_divs(tree: Any) -> None:
    """Quarto's figure and table divs (``::: {#fig-x}`` … caption ``:::``) as pandoc's own.

    Quarto makes a figure of a Div whose id starts with ``fig-`` (its last paragraph
    is the caption, when it has more than one block), of an image labelled
    ``{#fig-x}`` alone in its paragraph even with no caption (pandoc makes a figure
    only of a captioned one), and a table of a ``tbl-`` Div holding a table. pandoc
    reads them as plain Divs and images, so ``@fig-x`` named nothing: each becomes
    a Figure, or its table takes the id and the caption, in place, while the
    chapter is read, so the check and the editions see the same targets.
    """
    for item in lists(tree):
        if item and all(isinstance(x, dict) and "t" in x for x in item):
            for index, node in enumerate(item):
                if node.get("t") == "Div":
                    item[index] = _as_target(node)
                elif node.get("t") == "Para":
                    item[index] = _lone_figure(node)


def _as_target(div: Node) -> Node:
    (ident, _, _), blocks = div["c"]
    kind = ident.partition("-")[0] if isinstance(ident, str) else ""
    if kind == "fig":
        return _figure_div(div, list(blocks))
    if kind == "tbl":
        return _table_div(div, list(blocks))
    return div


def _figure_div(div: Node, body: list[Node]) -> Node:
    """A Figure of the div: its last paragraph the caption, an inner figure unwrapped.

    Left a Div when an image in it has a citation or a note in its alt text: a
    figure's images are taken to repeat its caption there (pandoc's own do), and a
    div's are its own, which the check must read.
    """
    attr = div["c"][0]
    caption: list[Node] = []
    if len(body) > 1 and body[-1].get("t") == "Para":
        caption = [{"t": "Plain", "c": body.pop()["c"]}]
    # ![alt](a.png) alone is pandoc's own figure: its caption is the image's alt text,
    # kept on the image; one figure, one number. One with an id of its own
    # (Quarto's subfigure, ![a](a.png){#fig-a}) stays a figure: it is referred to.
    inner = [part for b in body for part in (b["c"][2] if _anonymous_figure(b) else [b])]
    alts = [n["c"][1] for n in nodes(inner) if n.get("t") == "Image"]
    if not inner or any(n.get("t") in ("Cite", "Note") for n in nodes(alts)):
        return div
    return {"t": "Figure", "c": [attr, [None, caption], inner]}


def _anonymous_figure(block: Node) -> bool:
    return block.get("t") == "Figure" and not block["c"][0][0]


def _table_div(div: Node, blocks: list[Node]) -> Node:
    """The div's one table takes its id, and its last paragraph as caption if it has none.

    Nothing is dropped: a table that has its own caption keeps it, and every other
    block stays, in a Div around the table.
    """
    (ident, classes, pairs), _ = div["c"]
    tables = [b for b in blocks if b.get("t") == "Table"]
    if len(tables) != 1:
        return div
    table = tables[0]
    attr, (short, long_caption) = table["c"][0], table["c"][1]
    table["c"][0] = [ident, attr[1], attr[2]]
    rest = [b for b in blocks if b is not table]
    if not long_caption and len(rest) == 1 and rest[0].get("t") == "Para":
        table["c"][1] = [short, [{"t": "Plain", "c": rest[0]["c"]}]]
        return table
    return {"t": "Div", "c": [["", classes, pairs], blocks]}


def _lone_figure(para: Node) -> Node:
    """``![](a.png){#fig-x}`` alone in a paragraph: a figure, as Quarto makes it."""
    inlines = para["c"]
    if len(inlines) != 1 or inlines[0].get("t") != "Image":
        return para
    (ident, classes, pairs), alt, target = inlines[0]["c"]
    if not (isinstance(ident, str) and ident.startswith("fig-")):
        return para
    image = {"t": "Image", "c": [["", classes, pairs], alt, target]}
    caption = [{"t": "Plain", "c": alt}] if alt else []
    return {"t": "Figure", "c": [[ident, [], []], [None, caption], [{"t": "Plain", "c": [image]}]]}
