"""The merged book's bookmarks: one tree across its parts, nested as WeasyPrint nests them.

Each part's PDF has its own bookmark tree, nested by its own bookmarks' levels alone:
a chapter whose bookmarks are all of level 2 has them at its top, where the book
laid out whole nests them under the last level-1 bookmark before (the contents', in
a stylesheet that gives it level 1). The parts record their bookmarks' levels
(typeset/pdfparts.py); here the merged book's items, in order, are nested again by
WeasyPrint's own function, as if they were one document's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any


@dataclass
class _Node:
    item: Any
    closed: bool
    children: list[_Node] = field(default_factory=list)


def rebuild(pdf: Any, parts: list[tuple[Any, list[int]]]) -> None:
    """Make ``pdf``'s outline of each part's (outline root, its bookmarks' levels)."""
    import pikepdf  # noqa: PLC0415

    items: list[Any] = []
    levels: list[int] = []
    for root, found in parts:
        own = list(_preorder(root))
        items += own
        # A part whose count differs (it should not) keeps the nesting it has.
        levels += found if len(found) == len(own) else [_depth(item) for item in own]
    if not items:
        return
    top = _Node(pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines)), False)
    nodes: dict[int, _Node] = {}
    for path in _nest(levels):
        item = items[path[-1]]
        nodes[path[-1]] = _Node(item, int(item.get("/Count", 0)) < 0)
        (nodes[path[-2]] if len(path) > 1 else top).children.append(nodes[path[-1]])
    _link(top)
    pdf.Root.Outlines = top.item


def _nest(levels: list[int]) -> list[list[int]]:
    """Each item's path (indexes from the top), by WeasyPrint's nesting of ``levels``."""
    from weasyprint.anchors import make_page_bookmark_tree  # noqa: PLC0415
    from weasyprint.matrix import Matrix  # noqa: PLC0415

    page = SimpleNamespace(bookmarks=[(level, n, (0, 0), "open") for n, level in enumerate(levels)])
    tree: list[Any] = []
    make_page_bookmark_tree(page, [], [tree], 0, 0, Matrix())
    paths: list[list[int]] = []

    def walk(subtrees: list[Any], path: list[int]) -> None:
        for label, _, children, _ in subtrees:
            paths.append([*path, label])
            walk(children, [*path, label])

    walk(tree, [])
    return paths


def _link(node: _Node) -> int:
    """Point ``node``'s item at its children and they at each other; its /Count."""
    item = node.item
    for key in ("/First", "/Last", "/Count"):
        if key in item:
            del item[key]
    count = len(node.children)
    for number, child in enumerate(node.children):
        child.item.Parent = item
        for key, at in (("/Prev", number - 1), ("/Next", number + 1)):
            if 0 <= at < len(node.children):
                child.item[key] = node.children[at].item
            elif key in child.item:
                del child.item[key]
        below = _link(child)
        if below:
            child.item.Count = -below if child.closed else below
        count += 0 if child.closed else below
    if node.children:
        item.First, item.Last = node.children[0].item, node.children[-1].item
        item.Count = count
    return count


def _preorder(root: Any) -> Iterator[Any]:
    """A part's outline items, each before its children."""
    item = root.get("/First")
    while item is not None:
        yield item
        yield from _preorder(item)
        item = item.get("/Next")


def _depth(item: Any) -> int:
    depth = 0
    while "/Parent" in item and "/Title" in item:
        depth += 1
        item = item.Parent
    return depth
