"""Where the facts of pandoc's tree stand in the source file: positions, never facts.

pandoc's markdown reader reports no source positions (its commonmark_x reader
does, but has no citations), so positions are found by aligning the tree's text
with the source: each text block's strings are looked for in order from where
the previous one ended, and each citation or link is matched to an occurrence
of ``@key`` or ``#target`` in the source at or after its block. Every search is
bounded, so alignment is linear in the size of the file. When a fact cannot be
placed, the caller is told (``None``) and says so (internal.position): a
disagreement between the locator and the tree is a bug, and the tests look for
one.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict

# pandoc: a key starts with a letter, digit or _, and may hold internal punctuation
# from :.#$%&-+?<>~/ between word characters, several in a row too (Zotero's CSL
# JSON ids are URLs: http://zotero.org/users/1/items/X); or @{any}. The run is
# possessive: it never backtracks, so a long run of colons stays linear.
_KEY = r"\w(?:\w|[:.#$%&\-+?<>~/]++(?=\w))*"
CITE = re.compile(rf"(?<![\w@\\])-?@(?:\{{([^}}\n]*)\}}|({_KEY}))")
LINK = re.compile(r"""(?:\]\(\s*<?|\bhref\s*=\s*["']?)#([^)\s"'>]*)""", re.IGNORECASE)
# How far ahead a block's next string is looked for (markup, a citation or an
# inline note may stand between two strings), and a single character.
_WITHIN_BLOCK = 4096
_ONE_CHAR = 64
# Unbounded searches for a block's first string that fail cost a pass over the
# rest of the file each; after this many, they are bounded too (linear time).
_FAILED_SEARCHES = 16


class Occurrences:
    """Offsets of each key (or link target) in the source, handed out in order."""

    def __init__(self, pattern: re.Pattern[str], source: str, start: int) -> None:
        self._offsets: dict[str, list[int]] = defaultdict(list)
        for match in pattern.finditer(source, start):
            group = next(i for i, value in enumerate(match.groups(), 1) if value is not None)
            # A citation stands at its '@' (or '-@'); a link at its '#'.
            at = match.start() if pattern is CITE else match.start(group) - 1
            self._offsets[match.group(group)].append(at)
        self._next: dict[str, int] = defaultdict(int)
        self._last: dict[str, int] = defaultdict(int)

    def take_before(self, key: str, floor: int, start: int) -> int | None:
        """The last occurrence of ``key`` in [floor, start): a citation opening a block."""
        offsets = self._offsets.get(key)
        index = bisect_left(offsets, start) - 1 if offsets else -1
        if offsets and index >= 0 and offsets[index] >= floor:
            return offsets[index]
        return self.take(key, floor)

    def take(self, key: str, start: int) -> int | None:
        """The first occurrence of ``key`` at or after ``start`` not handed out yet.

        None when the source never writes ``key``: the tree and the source disagree.
        """
        offsets = self._offsets.get(key)
        if not offsets:
            return None
        index = bisect_left(offsets, start)
        if start >= self._last[key]:  # in source order: skip what was handed out
            index = max(index, self._next[key])
        if index >= len(offsets):
            # All handed out: the tree repeats the citation (a reference note used
            # twice copies its text into two notes). Point at the last one written.
            return offsets[-1]
        self._next[key], self._last[key] = index + 1, start
        return offsets[index]


class TextAligner:
    """Maps the strings of successive text blocks to offsets in the source."""

    def __init__(self, source: str, start: int) -> None:
        self.source = source
        self.cursor = start
        self._failures = 0

    def block(self, pieces: list[str], aside: bool = False) -> tuple[int, list[int]]:
        """The block's start offset and one offset per character of ``"".join(pieces)``.

        An ``aside`` block (a table's caption, which pandoc reads before the cells
        though it is often written below them) is placed without moving the search
        on: the cells are then looked for where the table stands, not after it.
        """
        if aside:
            cursor = self.cursor
            placed = self.block(pieces)
            self.cursor = cursor
            return placed
        offsets: list[int] = []
        start: int | None = None
        for piece in pieces:
            if not piece:
                continue
            if piece == " ":
                offsets.append(self.cursor)
                continue
            found = self._find(piece, first=start is None)
            if found is None:
                offsets += [self._char(char) for char in piece]
            else:
                offsets += range(found, found + len(piece))
                self.cursor = found + len(piece)
            start = offsets[-len(piece)] if start is None else start
        return (start if start is not None else self.cursor), offsets

    def _find(self, piece: str, first: bool) -> int | None:
        limit = self.cursor + _WITHIN_BLOCK
        if first and self._failures < _FAILED_SEARCHES:
            limit = len(self.source)
        found = self.source.find(piece, self.cursor, limit + len(piece))
        if found < 0:
            self._failures += first
            return None
        return found

    def _char(self, char: str) -> int:
        """One character pandoc changed (an entity, a smart quote): near the cursor."""
        found = self.source.find(char, self.cursor, self.cursor + _ONE_CHAR)
        if found < 0:
            return self.cursor
        self.cursor = found + 1
        return found
