r"""Where bibtexparser's blocks and fields stand in the text, and where a value ran on.

bibtexparser gives each block a start line but no offset, and counts lines by the
newlines it meets as "marks" of its grammar: a newline right after a backslash
is not one (its mark pattern is ``(?<!\)[{}",=\n]``), so a value with ``Cp.\``
at the end of a line puts every later block one line early. Reading a line
number back as a position therefore fails; instead each block's raw text, which
is an exact slice of the input, is found again in the text, in order, near the
line bibtexparser names (counted its way). Fields are found the same way inside
their entry. The positions are then exact, whatever the backslashes. (The
look-behind is sciunto-org/python-bibtexparser#598; a fix upstream would make the
line numbers right, and this search no less exact.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from citepress.ground.locate import Locator

if TYPE_CHECKING:
    from bibtexparser import model

# A newline bibtexparser counts: one not escaped by a backslash.
_COUNTED_NEWLINE = re.compile(r"(?<!\\)\n")
_UNESCAPED_BRACE = re.compile(r"(?<!\\)[{}]")
_FIELD_START = re.compile(r"^([ \t]*)([A-Za-z][\w:-]*)[ \t]*=")
_SPACE = frozenset(" \t\n\r\f\v")


class Places:
    """Offsets of one text's blocks and fields, and their 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._locator = Locator(text)
        self._counted = [match.start() for match in _COUNTED_NEWLINE.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        """The (line, column) of ``offset``."""
        return self._locator.position(offset)

    def blocks(self, blocks: Sequence[model.Block]) -> list[int]:
        """The offset where each block starts (its ``@``), in the order given.

        Blocks come in file order and do not overlap, but one that failed may end
        past the start of the next (its raw text runs to the mark that stopped
        it): so the search for each goes on from just after the previous start,
        within the line bibtexparser names, which keeps it linear.
        """
        offsets, cursor = [], 0
        for block in blocks:
            offset = self._find_block(block, cursor)
            offsets.append(offset)
            cursor = offset + 1
        return offsets

    def _find_block(self, block: model.Block, cursor: int) -> int:
        raw = block.raw or ""
        low, high = self._segment(block.start_line or 0)
        if not raw:
            return low
        found = self.text.find(raw, max(low, cursor), high + len(raw))
        if found < 0:
            found = self.text.find(raw, low, high + len(raw))
        return found if found >= 0 else low  # not found: the start of bibtexparser's line

    def _segment(self, line: int) -> tuple[int, int]:
        """The offsets a mark on bibtexparser's (0-based) ``line`` lies between."""
        counted = self._counted
        low = counted[line - 1] + 1 if 0 < line <= len(counted) else 0
        high = counted[line] if line < len(counted) else len(self.text)
        return low, high

    def fields(self, start: int, end: int, fields: Sequence[model.Field]) -> list[int]:
        """The offset of each field's name, for the entry between ``start`` and ``end``."""
        offsets, cursor = [], start
        for fld in fields:
            offset = self._find_name(fld.key, cursor, end)
            offsets.append(offset)
            equals = self.text.find("=", offset + len(fld.key), end)
            cursor = max(cursor, equals + 1)
            if fld.value:
                value = self.text.find(fld.value, cursor, end)
                cursor = value + len(fld.value) if value >= 0 else cursor
        return offsets

    def _find_name(self, name: str, cursor: int, end: int) -> int:
        """Where ``name`` stands followed by ``=`` (not, say, as the entry's key)."""
        text = self.text
        found = text.find(name, cursor, end) if name else -1
        while found >= 0:
            after = found + len(name)
            while after < end and text[after] in _SPACE:
                after += 1
            if after < end and text[after] == "=":
                return found
            found = text.find(name, found + 1, end)
        return cursor

    def unclosed_value(self, start: int) -> tuple[int, int, str] | None:
        """Where a value opened from ``start`` on never closes: its field, or the backslash.

        bibtexparser reports only that the file ended inside the entry; a field
        name at the start of a line while a value is still open shows which value
        ran on.
        """
        lines = self.text[start:].split("\n")
        first_line, first_column = self.position(start)
        found = _open_field(lines)
        if found is None:
            return None
        number, indent, name = found
        column_base = first_column if number == 0 else 1
        escaped = lines[number].find("\\}")
        if escaped >= 0:
            return (
                first_line + number,
                column_base + escaped,
                f"the backslash before '}}' escapes it, so the value of {name!r} never closes "
                "and the entry runs on to the end of the file; write {\\textbackslash} or "
                "remove it",
            )
        return (
            first_line + number,
            column_base + indent,
            f"the value of {name!r} opens a '{{' it never closes, so the entry runs on to "
            "the end of the file",
        )


def _open_field(lines: list[str]) -> tuple[int, int, str] | None:
    """The (line index, indent, name) of the last field started at depth 1 before a run-on."""
    depth, current = 0, None
    for number, text in enumerate(lines):
        field = _FIELD_START.match(text)
        if field and depth > 1 and current is not None:
            break  # a new field starts while the previous value is still open
        if field and depth == 1:
            current = (number, len(field.group(1)), field.group(2))
        braces = _UNESCAPED_BRACE.findall(text)
        depth += braces.count("{") - braces.count("}")
    return current
