"""An element tree written as JSON and read back, to keep a parsed chapter (book/document.py).

Parsing pandoc's HTML of a chapter (sanitising it, then tinyhtml5) is most of what a
rebuild spends converting a chapter whose pandoc run it kept: the tree is kept too.
JSON, not pickle, so that reading a cache file can never run code; and read without
recursion, so that no depth of nesting can overflow the stack. Anything that is not
a well-formed tree reads as None (the chapter is then parsed again).

A kept tree was sanitised before it was kept, and is not sanitised again: the cache
folder is the user's own (publish/cache.py's cache_folder, never in the project),
trusted as the PDF parts kept beside it are. Nothing a pull request holds is read
from it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

FORMAT = "citepress-tree-1"


def dump(root: ET.Element) -> str | None:
    """``root`` as JSON: each element in document order, with its number of children.

    None when an element is not a plain one (a comment or processing instruction,
    whose tag is a function): such a tree is not kept.
    """
    rows: list[list[Any]] = []
    stack = [root]
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            return None
        rows.append([element.tag, dict(element.attrib), element.text, element.tail, len(element)])
        stack.extend(reversed(element))
    return json.dumps([FORMAT, rows], ensure_ascii=False)


def load(text: str) -> ET.Element | None:
    """The tree ``dump`` wrote, or None when ``text`` is not one."""
    try:
        kind, rows = json.loads(text)
    except (ValueError, TypeError, RecursionError):  # RecursionError: [[[[... past the reader
        return None
    if kind != FORMAT or not isinstance(rows, list) or not rows:
        return None
    built = [_element(row) for row in rows]
    if any(element is None for element, _ in built):
        return None
    return _assemble([(element, count) for element, count in built if element is not None])


def _assemble(built: list[tuple[ET.Element, int]]) -> ET.Element | None:
    """Hang each element under the last one still missing children (document order)."""
    root, count = built[0]
    open_: list[list[Any]] = [[root, count]]
    for element, children in built[1:]:
        while open_ and open_[-1][1] == 0:
            open_.pop()
        if not open_:
            return None  # more elements than the counts hold
        open_[-1][0].append(element)
        open_[-1][1] -= 1
        open_.append([element, children])
    if any(left for _, left in open_):
        return None  # fewer elements than the counts promise
    return root


def _element(row: Any) -> tuple[ET.Element | None, int]:
    """One row as an element without children, and how many it should have."""
    if not (isinstance(row, list) and len(row) == 5):
        return None, 0
    tag, attrib, text, tail, count = row
    plain = isinstance(attrib, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in attrib.items()
    )
    if not (isinstance(tag, str) and plain and _text(text) and _text(tail)):
        return None, 0
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return None, 0
    element = ET.Element(tag, attrib)
    element.text, element.tail = text, tail
    return element, count


def _text(value: Any) -> bool:
    return value is None or isinstance(value, str)
