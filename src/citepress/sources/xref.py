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

from citepress.sources.walk import lists

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
