"""Nothing lost without a word: dropped entries, duplicate keys, %-commented entries."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from citepress.diagnostics import Code, Diagnostic, make
from citepress.ground.locate import Locator
from citepress.sources.bib.model import Entry

NOT_ENTRIES = frozenset({"comment", "string", "preamble"})
_DECLARATION = re.compile(r"^[ \t]*(@)[ \t]*([^\s{(@]+)[ \t]*[{(]", re.MULTILINE)
_COMMENT_LINE = re.compile(r"^[ \t]*%.*$", re.MULTILINE)
_COMMENTED_ENTRY = re.compile(r"@\s*(\w+)\s*[{(]\s*([^,\s{}()]+)\s*,")


def blank_comment_lines(text: str) -> str:
    """Blank the lines that start with %, keeping every offset.

    biblatex and biber (and pandoc) read ``%`` as a comment; bibtexparser, like
    classic BibTeX, would still parse an ``@entry`` written on such a line. An
    editor who puts % before an entry means to take it out.
    """
    return _COMMENT_LINE.sub(lambda match: " " * len(match.group()), text)


def entry_keys(text: str) -> set[str]:
    """The keys a BibTeX text's entries declare, read from the text alone (no parser)."""
    return {
        match.group(2)
        for match in _COMMENTED_ENTRY.finditer(text)
        if match.group(1).lower() not in NOT_ENTRIES
    }


def commented_keys(text: str, display: str) -> dict[str, str]:
    """Keys of entries that appear only on %-comment lines: key -> 'path:line'."""
    found: dict[str, str] = {}
    number, counted = 1, 0  # line numbers counted forward: one pass, however many comments
    for line in _COMMENT_LINE.finditer(text):
        number += text.count("\n", counted, line.start())
        counted = line.start()
        for match in _COMMENTED_ENTRY.finditer(line.group()):
            if match.group(1).lower() not in NOT_ENTRIES:
                found.setdefault(match.group(2), f"{display}:{number}")
    return found


def dropped(
    text: str,
    parsed: Iterable[int],
    comments: Sequence[tuple[int, int]],
    display: str,
) -> list[Diagnostic]:
    """Entries the text declares at the start of a line that no parsed block starts at.

    ``parsed`` holds the offsets where the parser's blocks (entries, @strings,
    failed blocks) start; ``comments`` the (start, end) offsets of @comment
    blocks, in order, whose content is no declaration.
    """
    starts = set(parsed)
    comment_starts = [start for start, _ in comments]
    locator = Locator(text)  # one index of line starts: counting per match is quadratic
    diags = []
    for match in _DECLARATION.finditer(text):
        offset = match.start(1)
        if match.group(2).lower() in NOT_ENTRIES or offset in starts:
            continue
        index = bisect_right(comment_starts, offset) - 1
        if index >= 0 and offset < comments[index][1]:
            continue
        line, column = locator.position(offset)
        diags.append(
            make(
                Code.BIB_DROPPED,
                f"the @{match.group(2)} declared here was not parsed; check its "
                "@type{key, ...} syntax and the block before it",
                display,
                line,
                column,
            )
        )
    return diags


def duplicate_keys(entries: list[Entry]) -> tuple[list[Entry], list[Diagnostic]]:
    """Keys used twice across files, or differing only in case: the entries kept, and errors.

    Within one file the parser already keeps only the first of an exact duplicate;
    across files the later one is dropped the same way. Keys that differ only in
    case collide in biber and pandoc: both stay, and the later is reported.
    """
    seen: dict[str, int] = {}
    kept, diags = [], []
    for index, entry in enumerate(entries):
        # By position: a file listed twice gives the same Entry objects twice when a
        # build remembers its reading (memo.recall), and each is still a duplicate.
        at = seen.setdefault(entry.key.lower(), index)
        first = entries[at]
        if at != index:
            diags.append(_duplicate(entry, first))
            if first.key == entry.key:
                continue
        kept.append(entry)
    return kept, diags


def _duplicate(entry: Entry, first: Entry) -> Diagnostic:
    if first.key == entry.key:
        message = f"duplicate entry key {entry.key!r} (first at {first.path}:{first.line})"
    else:
        message = (
            f"key {entry.key!r} differs only in case from {first.key!r} ({first.path}:{first.line})"
        )
    return make(Code.BIB_DUPLICATE_KEY, message, entry.path, entry.line, entry.column)
