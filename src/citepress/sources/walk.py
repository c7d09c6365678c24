"""Walk pandoc's JSON tree without recursion: a tree may nest past Python's stack."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def lists(tree: Any) -> Iterator[list[Any]]:
    """Every list in ``tree``, parents first, without recursion (any depth).

    A list changed in place when it is yielded is walked as changed.
    """
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            yield item
            stack.extend(item)


def nodes(tree: Any) -> Iterator[dict[str, Any]]:
    """Every node (a dict with a ``t``) of ``tree``, in document order.

    A node's content changed in place when it is yielded is walked as changed.
    """
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "t" in item:
                yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
