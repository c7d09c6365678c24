"""Inheritance between entries (``crossref``, ``xdata``): loops that biblatex cannot follow.

An entry inherits fields from the entry its ``crossref`` names and from every
entry its ``xdata`` lists. When that leads back to the entry itself (a → b → a,
a → a), biber refuses the file and pandoc's citeproc runs out of memory, so a
loop is an error. The entries form a graph with an edge per named parent; its
strongly connected components (Tarjan's algorithm, iterative: a chain of
100,000 crossrefs must not overflow the stack) are the loops, each reported
once, by the path from its first entry back to itself.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from citepress.diagnostics import Code, Diagnostic, make
from citepress.sources.bib.model import Bibliography, Entry

FIELDS = ("crossref", "xdata")
_SHOWN = 10  # entries named in a message before the middle of a long loop is elided


def parents(entry: Entry, name: str) -> list[str]:
    """The keys field ``name`` (crossref or xdata, a comma-separated list) names."""
    return [key for key in (k.strip() for k in entry.fields.get(name, "").split(",")) if key]


def crossref_cycles(bib: Bibliography) -> list[list[Entry]]:
    """Every inheritance loop once, as the path from its first entry back to it.

    A loop is listed from the entry that comes first in the bibliography; loops
    come in that order too. Time is linear in entries and crossref/xdata keys.
    """
    nodes = list(bib.by_key().values())  # first of duplicates, in bibliography order
    index = {entry.key: number for number, entry in enumerate(nodes)}
    edges = [
        [index[key] for name in FIELDS for key in parents(entry, name) if key in index]
        for entry in nodes
    ]
    cycles = []
    for component in _components(edges):
        first = min(component)
        if len(component) > 1 or first in edges[first]:
            cycles.append(_path_back(first, set(component), edges))
    cycles.sort()
    return [[nodes[number] for number in cycle] for cycle in cycles]


def check_inheritance(bib: Bibliography) -> Iterator[Diagnostic]:
    """bib.crossref-cycle at the crossref/xdata field of each loop's first entry."""
    for cycle in crossref_cycles(bib):
        first = cycle[0]
        following = cycle[1] if len(cycle) > 1 else first
        name = next(n for n in FIELDS if following.key in parents(first, n))
        yield make(
            Code.BIB_CROSSREF_CYCLE,
            f"{name} of {first.key!r} leads back to {first.key!r} ({_trail(cycle)}); "
            "biblatex cannot inherit in a loop",
            first.path,
            *first.where(name),
        )


def _trail(cycle: list[Entry]) -> str:
    """'a → b → a', with the middle of a long loop elided."""
    keys = [entry.key for entry in cycle]
    if len(keys) > _SHOWN:
        half = _SHOWN // 2
        keys = [*keys[:half], f"… {len(keys) - _SHOWN} more …", *keys[-half:]]
    return " → ".join([*keys, cycle[0].key])


def _path_back(first: int, members: set[int], edges: list[list[int]]) -> list[int]:
    """The shortest path from ``first`` back to itself inside its component (BFS)."""
    came_from: dict[int, int] = {}
    queue = deque([first])
    while queue:
        node = queue.popleft()
        for target in edges[node]:
            if target == first:
                path = [node]
                while path[-1] != first:
                    path.append(came_from[path[-1]])
                return path[::-1]
            if target in members and target not in came_from:
                came_from[target] = node
                queue.append(target)
    raise AssertionError("a strongly connected component has a path back")  # pragma: no cover


def _components(edges: list[list[int]]) -> list[list[int]]:
    """Strongly connected components of the graph (Tarjan, with an explicit stack)."""
    tarjan = _Tarjan(edges)
    for root in range(len(edges)):
        if tarjan.index[root] < 0:
            tarjan.run(root)
    return tarjan.components


class _Tarjan:
    """Tarjan's algorithm without recursion: ``calls`` stands for the call stack."""

    def __init__(self, edges: list[list[int]]) -> None:
        self.edges = edges
        self.index = [-1] * len(edges)
        self.low = [0] * len(edges)
        self.on_stack = [False] * len(edges)
        self.stack: list[int] = []
        self.components: list[list[int]] = []
        self.counter = 0

    def run(self, root: int) -> None:
        """Visit everything reachable from ``root``."""
        calls = [(root, iter(self.edges[root]))]
        self._enter(root)
        while calls:
            node, targets = calls[-1]
            target = next(targets, None)
            if target is None:
                calls.pop()
                if calls:
                    parent = calls[-1][0]
                    self.low[parent] = min(self.low[parent], self.low[node])
                self._leave(node)
            elif self.index[target] < 0:
                self._enter(target)
                calls.append((target, iter(self.edges[target])))
            elif self.on_stack[target]:
                self.low[node] = min(self.low[node], self.index[target])

    def _enter(self, node: int) -> None:
        self.index[node] = self.low[node] = self.counter
        self.counter += 1
        self.stack.append(node)
        self.on_stack[node] = True

    def _leave(self, node: int) -> None:
        if self.low[node] != self.index[node]:
            return
        component = []
        while True:
            member = self.stack.pop()
            self.on_stack[member] = False
            component.append(member)
            if member == node:
                break
        self.components.append(component)


# biblatex's default inheritance (biblatex manual, appendix B): a child of type
# in* takes its parent's title as booktitle (and a book's maintitle likewise), and
# never the fields that name or sort the parent itself.
_NOT_INHERITED = frozenset({
    "ids", "crossref", "xref", "xdata", "entryset", "entrysubtype", "execute", "label",
    "options", "presort", "related", "relatedoptions", "relatedstring", "relatedtype",
    "shorthand", "shorthandintro", "sortkey", "missing",
})  # fmt: skip
_AS_BOOKTITLE = frozenset({
    "inbook", "bookinbook", "suppbook", "incollection", "suppcollection", "inproceedings",
    "inreference",
})  # fmt: skip
MAX_ANCESTORS = 100  # a chain longer than any real bibliography's


def inherited(entry: Entry, by_key: dict[str, Entry]) -> dict[str, str]:
    """The fields ``entry`` gets from its crossref and xdata ancestors (not its own).

    Breadth-first, each ancestor once (a loop is reported elsewhere), nearest first.
    """
    found: dict[str, str] = {}
    seen = {entry.key}
    queue = deque((key, name) for name in FIELDS for key in parents(entry, name))
    while queue and len(seen) <= MAX_ANCESTORS:
        key, how = queue.popleft()
        parent = by_key.get(key)
        if parent is None or key in seen:
            continue
        seen.add(key)
        for name, value in parent.fields.items():
            target = _mapped(name, how, entry.entry_type)
            if target and target not in entry.fields:
                found.setdefault(target, value)
        queue.extend((grand, name) for name in FIELDS for grand in parents(parent, name))
    return found


def _mapped(name: str, how: str, child_type: str) -> str | None:
    if name in _NOT_INHERITED:
        return None
    if how == "crossref" and name in ("title", "maintitle") and child_type in _AS_BOOKTITLE:
        return "booktitle" if name == "title" else "maintitle"
    return name


def aliases(by_key: dict[str, Entry]) -> dict[str, str]:
    """Biblatex's ``ids``: each alias and the key it stands for (a real key wins)."""
    found: dict[str, str] = {}
    for entry in by_key.values():
        for alias in parents(entry, "ids"):
            if alias not in by_key:
                found.setdefault(alias, entry.key)
    return found


def sets(by_key: dict[str, Entry]) -> dict[str, list[str]]:
    """Each @set entry's members, in order (``entryset``)."""
    return {
        entry.key: parents(entry, "entryset")
        for entry in by_key.values()
        if entry.entry_type == "set"
    }


def used(keys: set[str], by_key: dict[str, Entry]) -> set[str]:
    """The entries citing ``keys`` uses: the cited, their @set members, their ancestors."""
    members = sets(by_key)
    found: set[str] = set()
    queue = deque(keys)
    while queue:
        key = queue.popleft()
        entry = by_key.get(key)
        if key in found or entry is None:
            continue
        found.add(key)
        queue.extend(members.get(key, []))
        queue.extend(parent for name in FIELDS for parent in parents(entry, name))
    return found
