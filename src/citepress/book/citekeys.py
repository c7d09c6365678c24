"""Citation keys as biblatex means them, before citeproc sees them.

pandoc's citeproc knows neither biblatex's ``ids`` (aliases) nor ``@set`` entries:
an alias printed "Oldkey?", a set "n.d.". The check resolves both
(check/references.py); here the tree is given the same reading: an alias becomes
its entry's key, and a cited set becomes its members, cited together (one note).
"""

from __future__ import annotations

import copy
from typing import Any

from citepress.sources.walk import lists


def resolve(tree: Any, aliases: dict[str, str], sets: dict[str, list[str]]) -> None:
    """Rewrite the keys of every citation of ``tree``, in place."""
    if not aliases and not sets:
        return
    for item in lists(tree):
        for node in item:
            if isinstance(node, dict) and node.get("t") == "Cite":
                node["c"][0] = _expanded(node["c"][0], aliases, sets)


def _expanded(
    citations: list[dict[str, Any]], aliases: dict[str, str], sets: dict[str, list[str]]
) -> list[dict[str, Any]]:
    out = []
    for citation in citations:
        key = aliases.get(str(citation["citationId"]), str(citation["citationId"]))
        members = sets.get(key) or [key]
        for index, member in enumerate(members):
            one = copy.copy(citation)
            one["citationId"] = member
            if index:  # the prefix goes before the first member, the suffix after the last
                one["citationPrefix"] = []
            if index < len(members) - 1:
                one["citationSuffix"] = []
            out.append(one)
    return out
