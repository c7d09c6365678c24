"""Field values as BibTeX means them: braces and quotes, ``#``, @string and month macros.

This is what bibtexparser's middlewares would do (remove the enclosing braces,
resolve string references, month macros), with three differences that matter to
a check: an undefined macro is reported, not left in place silently; an @string
is resolved with the macros defined before it, in file order (BibTeX's rule), so
``@string{jgrl = jgr # " Letters"}`` means what it says; and no value is built
past :data:`MAX_VALUE` characters, nor a file's macros expanded past a budget
linear in its size, so that a 1 MB @string used 20,000 times costs an error per
use, not 20 GB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_VALUE = 1024 * 1024  # characters: far beyond any real field (an abstract is ~2,000)
# What a file's macros may add in all, beyond its own size: this many times its size,
# plus MAX_VALUE. Real files stay far below (a journal macro adds ~20 characters a
# use); a value repeated by a macro thousands of times does not.
EXPANSION_FACTOR = 4
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

_MACRO_NAME = re.compile(r"[^\s\"#%'(),={}]+")
_CONCATENATION_MARKS = re.compile(r'[{}"#]')
_BRACES = re.compile(r"[{}]")
_WHITESPACE = re.compile(r"\s+")


class MalformedValue(ValueError):
    """A value that is not {...}, "...", a number or a macro: often a missing comma."""


@dataclass(frozen=True)
class Value:
    """A resolved value, or why there is none.

    ``text`` is None when the value would be too large: ``length`` is then the
    length it would have had (0 when unknown), ``macro`` the too-large @string it
    uses, if that is the reason, and ``budget`` true when the file's expansion
    budget is spent.
    """

    text: str | None
    undefined: tuple[str, ...] = ()
    length: int = 0
    macro: str = ""
    budget: bool = False


class Macros:
    """The @string table of one file, filled in file order, and its expansion budget."""

    def __init__(self, source_length: int) -> None:
        self.limit = EXPANSION_FACTOR * source_length + MAX_VALUE
        self._left = self.limit
        self._table: dict[str, str | None] = {}  # None: defined, but too large to build

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._table

    def define(self, name: str, raw: str) -> Value:
        """Resolve ``raw`` with the macros defined so far and define ``name`` as it."""
        value = self.resolve(raw, strip=False)  # "{New York }" # "{Times}": spaces count
        self._table[name.lower()] = value.text
        return value

    def define_literal(self, name: str, text: str) -> None:
        """Define ``name`` as ``text`` as it stands: the best reading of a malformed value."""
        self._table[name.lower()] = _WHITESPACE.sub(" ", text) if len(text) <= MAX_VALUE else None

    def resolve(self, raw: str, strip: bool = True) -> Value:
        """Resolve a raw BibTeX value; raise MalformedValue when it is not one."""
        parts: list[str] = []
        undefined: list[str] = []
        for piece in split_concatenation(raw):
            part = self._piece(piece, undefined)
            if part is None:  # a macro too large to use
                return Value(None, tuple(undefined), macro=piece)
            parts.append(part)
        length = sum(map(len, parts))  # known before anything is built
        if length > MAX_VALUE:
            return Value(None, tuple(undefined), length=length)
        added = length - len(raw)
        if added > self._left:
            return Value(None, tuple(undefined), length=length, budget=True)
        self._left -= max(added, 0)
        text = _WHITESPACE.sub(" ", "".join(parts))
        return Value(text.strip() if strip else text, tuple(undefined), length)

    def _piece(self, piece: str, undefined: list[str]) -> str | None:
        """One operand of ``#``: its text, or None for a macro too large to use."""
        if piece[:1] in '{"':
            if not _enclosed(piece):
                raise MalformedValue(piece)
            return piece[1:-1]
        if piece.isdigit():
            return piece
        name = piece.lower()
        if name in self._table:
            return self._table[name]
        if name in MONTHS:
            return str(MONTHS.index(name) + 1)
        if _MACRO_NAME.fullmatch(piece):
            undefined.append(piece)
            return piece  # printed as written, as BibTeX does after its warning
        raise MalformedValue(piece)


def split_concatenation(raw: str) -> list[str]:
    """The operands of ``#`` at the top level of a raw value (not inside {...} or "...")."""
    if "#" not in raw:
        return [raw.strip()] if raw.strip() else []
    pieces, depth, quoted, start = [], 0, False, 0
    for mark in _CONCATENATION_MARKS.finditer(raw):  # marks only: no loop per character
        char = mark.group()
        if char == "#" and depth == 0 and not quoted:
            pieces.append(raw[start : mark.start()].strip())
            start = mark.end()
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
    pieces.append(raw[start:].strip())
    return [piece for piece in pieces if piece]


def _enclosed(piece: str) -> bool:
    """True when ``piece`` is one {...} or "..." group from its first character to its last."""
    if piece[0] == "{" and piece.endswith("}") and not _BRACES.search(piece, 1, len(piece) - 1):
        return True  # the common case, {plain text}, without a loop
    if piece[0] == '"':
        # Balanced in order, not just in number: "Y}} @misc{a, …, zz = {" has as many
        # of each, and written back in braces it closes the value and opens an entry.
        return len(piece) >= 2 and piece.endswith('"') and balanced(piece[1:-1])
    depth = 0
    for brace in _BRACES.finditer(piece):
        depth += 1 if brace.group() == "{" else -1
        if depth == 0:
            return brace.end() == len(piece)
    return False


def balanced(text: str) -> bool:
    """True when every '}' closes a '{' before it and every '{' is closed."""
    depth = 0
    for brace in _BRACES.finditer(text):
        depth += 1 if brace.group() == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def strip_enclosing(value: str) -> str:
    """``value`` without its outer braces or quotes: the best reading of a malformed value."""
    value = value.strip()
    if len(value) >= 2 and value[0] + value[-1] in ("{}", '""'):
        return value[1:-1]
    return value
