"""The sentence around a finding, for the report: before, the span itself, after."""

from __future__ import annotations

from citepress.check.analysis import Analysis
from citepress.diagnostics import Diagnostic
from citepress.proof.marks import QUOTED, WORD, EntryIndex, offset_of
from citepress.sources.manuscript import Manuscript

# A sentence is cut at this many characters on either side of its finding.
REACH = 200
_ENDS = "。！？\n"


class Sentences:
    """The sentence around each finding, with what it needs indexed once."""

    def __init__(self, project: Analysis) -> None:
        self._docs = {doc.path: doc for doc in project.docs}
        self._entries = EntryIndex(project)
        self._first: dict[str, tuple[Manuscript, int]] = {}
        for doc in project.docs:
            for cite in doc.citations:
                self._first.setdefault(cite.key, (doc, cite.offset))

    def of(self, finding: Diagnostic) -> tuple[str, str, str] | None:
        """The sentence of the source a finding stands in, split around its span.

        A finding in the bibliography stands at the first citation of its entry.
        None when it stands in no chapter's text (a settings file, an entry never cited).
        """
        doc = self._docs.get(finding.path)
        if doc is not None and finding.line:
            offset = offset_of(doc, finding.line, finding.column)
            return _around(doc, offset, _length(doc.source, offset, finding.message))
        entry = self._entries.at(finding)
        if entry is None or entry.key not in self._first:
            return None
        doc, offset = self._first[entry.key]
        return _around(doc, offset, len(entry.key) + 1)


def _length(source: str, offset: int, message: str) -> int:
    if source.startswith("[", offset):
        close = source.find("]", offset, offset + REACH)
        return close - offset + 1 if close > 0 else 1
    for quoted in QUOTED.findall(message):
        if source.startswith(quoted, offset):
            return len(quoted)
    word = WORD.match(source, offset)
    return len(word.group()) if word else 1


def _around(doc: Manuscript, offset: int, length: int) -> tuple[str, str, str]:
    text, end = doc.source, offset + length
    start = max(doc.body_start, offset - REACH)
    first = offset - 1
    while first >= start and text[first] in "[ \t":  # the citation's own bracket
        first -= 1
    if first >= start and text[first] in _ENDS and text[first] != "\n":
        first -= 1  # a marker right after 。 belongs to the sentence that ends there
    for index in range(first, start - 1, -1):
        if text[index] in _ENDS:
            start = index + 1
            break
    stop = min(len(text), end + REACH)
    for index in range(end, stop):
        if text[index] in _ENDS:
            stop = index + (text[index] != "\n")
            break
    return text[start:offset].lstrip(), text[offset:end], text[end:stop].rstrip()
