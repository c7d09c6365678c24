"""tinyhtml5's scanning regexes, kept as it means to keep them (an upstream bug, mended here).

tinyhtml5 parses HTML for us twice: pandoc's HTML of each chapter in the conversion
(book/document.py), and every chapter again in the PDF workers, inside WeasyPrint.
Its ``HTMLUnicodeInputStream.chars_until`` keeps a compiled regex for each set of
characters the tokenizer scans up to, but stores it under the wrong key::

    characters = characters_until_regex[(characters, opposite)] = regex

Python assigns left to right, so ``characters`` is already the regex when the key
is made. The lookup never hits: every call (each attribute name, each run of text)
joins the set's characters into a pattern again and asks ``re`` for it. That is
nearly half of tinyhtml5's parsing time: the conversion's parse of the 30 chapters
of the generated book took 0.57 s of CPU with the bug and 0.31 s with the fix, the
same trees (medians of three; in the PDF workers the parse is too small a part of
a chapter's layout for the difference to show).

:func:`apply` gives tinyhtml5 a cache that fills itself, under the right key, with
the very regex ``chars_until`` would build; its ``except KeyError`` branch then
never runs. Nothing else changes: tests hold the trees to tinyhtml5's own, node for
node. It is given to tinyhtml5 2.1.0 alone (any other is left as it is). The fix as
tinyhtml5 code, with its test, is ``patches/tinyhtml5-2.1.0-chars-until-cache.patch``;
once it is released this module goes away.
"""

from __future__ import annotations

import re
from typing import Any

TESTED = "2.1.0"  # the tinyhtml5 whose chars_until this cache is made for


class Regexes(dict[tuple[Any, bool], re.Pattern[str]]):
    """``chars_until``'s cache: the regex for ``(characters, opposite)``, made when first asked."""

    def __missing__(self, key: tuple[Any, bool]) -> re.Pattern[str]:
        characters, opposite = key
        # As tinyhtml5 2.1.0 builds it (inputstream.py, chars_until).
        regex = "".join([f"\\x{ord(character):02x}" for character in characters])
        if not opposite:
            regex = f"^{regex}"
        found = re.compile(f"[{regex}]+")
        self[key] = found  # under the characters (the very slip this module mends)
        return found


def apply() -> None:
    """Give tinyhtml5 the self-filling cache (once per process; a no-op after).

    Only to the tinyhtml5 it was made for: another might build its regexes otherwise,
    and the cost of leaving it alone is time, never a different tree.
    """
    import tinyhtml5  # noqa: PLC0415 -- only what parses HTML needs it
    from tinyhtml5 import inputstream  # noqa: PLC0415

    if getattr(tinyhtml5, "__version__", None) != TESTED:
        return
    cache = getattr(inputstream, "characters_until_regex", None)
    if isinstance(cache, dict) and not isinstance(cache, Regexes):
        inputstream.characters_until_regex = Regexes()
