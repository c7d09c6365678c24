"""Turn character offsets in a text into 1-based line and column numbers."""

from __future__ import annotations

import re
from bisect import bisect_right

_NEWLINE = re.compile("\n")


class Locator:
    """Maps offsets of one text to (line, column); columns count code points."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        self._starts.extend(match.end() for match in _NEWLINE.finditer(text))

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) of ``offset``."""
        index = bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def offset(self, line: int, column: int) -> int:
        """The offset of a 1-based (line, column): the inverse of :meth:`position`."""
        index = min(max(line, 1), len(self._starts)) - 1
        return self._starts[index] + max(column - 1, 0)
