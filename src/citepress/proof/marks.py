"""Mark each finding of the check on the tree the editions render, for the proof.

A finding names a place in a source file (file:line:col); the proof must show it
on the page. The place is turned into nodes of the chapter's own tree, the one
the editions render: the citation standing there (its note marker), else the
text there (the span of the date or word the finding is about). The nodes are
wrapped in a span with a class of the finding's number, which the layout finds
again on the page. A finding in the bibliography is placed at the first note
that cites its entry. A finding with no place in any text (a settings file, an
entry never cited) is not marked: the query list shows it.

Only the proof's copy of the tree is marked: this runs after the check, on a
reading made for the proof alone.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from citepress.check.analysis import Analysis
from citepress.diagnostics import Diagnostic
from citepress.sources import tree as trees
from citepress.sources.bib import Entry
from citepress.sources.manuscript import Manuscript

Node = dict[str, Any]
# The span of a finding without a quoted surface: the word at its place, at most this
# long (a run of CJK characters has no spaces to end it).
WORD = re.compile(r"[^\s、。，．,.;；:：!?！？「」『』（）()\[\]]{1,20}")
QUOTED = re.compile(r"「([^」]{1,80})」")
# How far after a finding's place its citation may stand: `[@key]` is placed at '['.
CITE_SLACK = 2


@dataclass
class Marks:
    """Which findings were marked on the tree, by their number, and the class prefix."""

    prefix: str
    placed: set[int] = field(default_factory=set)
    # What each placed finding's mark covers: the text, or the note its citation makes.
    text: dict[int, str] = field(default_factory=dict)
    notes: dict[int, int] = field(default_factory=dict)
    # A citation that makes a note is marked on its note marker after conversion, not
    # by wrapping it in the tree (a span around it would keep the space citeproc
    # removes before a marker): (chapter path, note number) -> the findings on it.
    noterefs: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    def css_class(self, number: int) -> str:
        """The class of finding ``number``'s spans."""
        return f"{self.prefix}{number}"


@dataclass
class _Chapter:
    doc: Manuscript
    facts: trees.Facts
    note_style: bool  # its citations make notes
    # Indexes, so that marking stays linear however many findings a chapter has.
    cites: dict[int, trees.CiteFact] = field(default_factory=dict)  # by source offset
    starts: list[int] = field(default_factory=list)  # each text block's first offset
    pieces: dict[int, list[int]] = field(default_factory=dict)  # a block's piece starts
    # (start, end, number) on a Str node, by the node's identity; whole nodes to wrap.
    ranges: dict[int, tuple[Node, list[tuple[int, int, int]]]] = field(default_factory=dict)
    wholes: list[tuple[Node, int]] = field(default_factory=list)
    notes: list[tuple[int, int]] = field(default_factory=list)  # (note, finding) to mark

    def cite(self, cite: trees.CiteFact, number: int) -> None:
        """Mark a citation: on its note marker if it makes one, else in the tree."""
        if self.note_style and not cite.xref and cite.note:
            self.notes.append((cite.note, number))
        elif cite.node is not None:
            self.wholes.append((cite.node, number))


def mark(project: Analysis, findings: list[Diagnostic], prefix: str) -> Marks:
    """Wrap every finding's span in the chapters' trees; say which were placed."""
    chapters = {
        doc.path: _chapter(doc, project.note_styles.get(doc.path, True)) for doc in project.docs
    }
    marks = Marks(prefix)
    entries = EntryIndex(project)
    first_cites = _first_cites(chapters)
    for number, finding in enumerate(findings):
        if finding.path in chapters and finding.line:
            covered = _in_chapter(chapters[finding.path], finding, number)
        else:
            covered = _at_note(first_cites, entries.at(finding), number)
        if covered is not None:
            marks.placed.add(number)
            if isinstance(covered, str):
                marks.text[number] = covered
            else:
                marks.notes[number] = covered
    for chapter in chapters.values():
        _apply(chapter, marks)
        for note, number in chapter.notes:
            marks.noterefs.setdefault((chapter.doc.path, note), []).append(number)
    return marks


def _chapter(doc: Manuscript, note_style: bool) -> _Chapter:
    chapter = _Chapter(doc, trees.facts(doc.tree), note_style)
    for cite, offset in zip(_cites(chapter.facts), _placed_cites(doc), strict=False):
        if cite.node is not None:
            chapter.cites.setdefault(offset, cite)
    start = -1
    for block in doc.blocks:  # a block with no text starts where the one before did
        start = block.offsets[0] if block.offsets else start
        chapter.starts.append(start)
    return chapter


def _first_cites(chapters: dict[str, _Chapter]) -> dict[str, tuple[_Chapter, trees.CiteFact]]:
    """Each key's first citation in the book (not a cross-reference), and its chapter."""
    found: dict[str, tuple[_Chapter, trees.CiteFact]] = {}
    for chapter in chapters.values():
        for cite in chapter.facts.citations:
            if not cite.xref and cite.node is not None:
                found.setdefault(cite.key, (chapter, cite))
    return found


class EntryIndex:
    """The bibliography's entries by file and line: which entry a finding stands in."""

    def __init__(self, project: Analysis) -> None:
        self._files: dict[str, list[Entry]] = {}
        for entry in project.bib.entries:
            if entry.line > 0:
                self._files.setdefault(entry.path, []).append(entry)
        for entries in self._files.values():
            entries.sort(key=lambda e: e.line)
        self._lines = {path: [e.line for e in found] for path, found in self._files.items()}

    def at(self, finding: Diagnostic) -> Entry | None:
        """The entry a finding in a bibliography file stands in, if it stands in one.

        The last entry to start before the finding, if the finding is not past the
        entry's last field (a broken block or a comment after an entry is not it).
        """
        lines = self._lines.get(finding.path, [])
        index = bisect_right(lines, finding.line) - 1 if finding.line else -1
        if index < 0:
            return None
        entry = self._files[finding.path][index]
        last = max([entry.line, *(line for line, _ in entry.field_lines.values())])
        return entry if finding.line <= last + 1 else None


# What a mark covers: the text it highlights, or the number of the note whose marker
# it highlights (0: a cross-reference, which makes no note); None: nothing placed.
Covered = str | int | None


def _at_note(
    first: dict[str, tuple[_Chapter, trees.CiteFact]], entry: Entry | None, number: int
) -> Covered:
    """Mark the first citation of ``entry``: its note marker."""
    if entry is None or entry.key not in first:
        return None
    chapter, cite = first[entry.key]
    chapter.cite(cite, number)
    return cite.note


def _in_chapter(chapter: _Chapter, finding: Diagnostic, number: int) -> Covered:
    offset = offset_of(chapter.doc, finding.line, finding.column)
    for at in range(offset, offset + CITE_SLACK + 1):
        cite = chapter.cites.get(at)
        if cite is not None and cite.node is not None:
            chapter.cite(cite, number)
            return cite.note if not cite.xref else f"@{cite.key}"
    return _on_text(chapter, offset, finding, number)


def _cites(facts: trees.Facts) -> list[trees.CiteFact]:
    """The tree's citations in the order of the check's: citations, then cross-references."""
    return [c for c in facts.citations if not c.xref] + [c for c in facts.citations if c.xref]


def _placed_cites(doc: Manuscript) -> list[int]:
    return [c.offset for c in doc.citations] + [c.offset for c in doc.xrefs]


def offset_of(doc: Manuscript, line: int, column: int) -> int:
    """The offset of a 1-based line and column (the inverse of ``doc.position``)."""
    return min(doc.locator.offset(line, column), len(doc.source))


def _on_text(chapter: _Chapter, offset: int, finding: Diagnostic, number: int) -> Covered:
    """Mark the text at ``offset``: the quoted surface of the message, else the word."""
    index = bisect_right(chapter.starts, offset) - 1
    if index < 0 or index >= len(chapter.facts.blocks):
        return None
    block = chapter.doc.blocks[index]
    positions = block.offsets
    if not positions or not positions[0] <= offset <= positions[-1]:
        return None
    start = bisect_right(positions, offset - 1)  # the first character at or after it
    length = _span(block.text, start, finding.message)
    _add_range(chapter, index, start, start + length, number)
    return block.text[start : start + length]


def _span(text: str, start: int, message: str) -> int:
    for quoted in QUOTED.findall(message):
        if text.startswith(quoted, start):
            return len(quoted)
    word = WORD.match(text, start)
    return len(word.group()) if word else 1


def _add_range(chapter: _Chapter, index: int, start: int, end: int, number: int) -> None:
    """Record the characters [start, end) of block ``index`` on the nodes that hold them.

    The block's piece offsets are found by bisection: a paragraph with thousands of
    findings (Japanese has no spaces, so one paragraph can be one string) costs each
    finding the pieces it covers, not the whole paragraph.
    """
    block = chapter.facts.blocks[index]
    starts = chapter.pieces.get(index)
    if starts is None:
        starts = chapter.pieces[index] = list(
            itertools.accumulate(map(len, block.pieces), initial=0)
        )
    first = max(bisect_right(starts, start) - 1, 0)
    for at_piece in range(first, len(block.pieces)):
        at = starts[at_piece]
        if at >= end:
            break
        piece, node = block.pieces[at_piece], block.nodes[at_piece]
        low, high = max(start, at), min(end, at + len(piece))
        if node is not None and low < high:
            if node.get("t") == "Str":
                entry = chapter.ranges.setdefault(id(node), (node, []))
                entry[1].append((low - at, high - at, number))
            else:  # a space between two words of the span
                chapter.wholes.append((node, number))


def _apply(chapter: _Chapter, marks: Marks) -> None:
    for node, ranges in chapter.ranges.values():
        _split(node, ranges, marks)
    for node, number in chapter.wholes:
        inner = dict(node)
        node.clear()
        node.update(_span_node([marks.css_class(number)], [inner]))


def _split(node: Node, ranges: list[tuple[int, int, int]], marks: Marks) -> None:
    """Turn a Str into a span of its parts, each marked part in a span of its findings.

    One sweep over the ranges' ends, keeping the findings open at each point, so a
    string with thousands of findings is split in n log n, not n².
    """
    text: str = node["c"]
    events = sorted([(r[0], 1, r[2]) for r in ranges] + [(r[1], 0, r[2]) for r in ranges])
    cuts = sorted({0, len(text), *(at for at, _, _ in events)})
    open_: dict[int, None] = {}  # the findings covering the part being made, in order
    parts: list[Node] = []
    position = 0
    for low, high in itertools.pairwise(cuts):
        while position < len(events) and events[position][0] <= low:
            _, starts, number = events[position]
            if starts:
                open_[number] = None
            else:
                open_.pop(number, None)
            position += 1
        piece: Node = {"t": "Str", "c": text[low:high]}
        classes = [marks.css_class(number) for number in open_]
        parts.append(_span_node(classes, [piece]) if classes else piece)
    node.clear()
    node.update(_span_node([], parts))


def _span_node(classes: list[str], content: list[Node]) -> Node:
    return {"t": "Span", "c": [["", classes, []], content]}
