"""The chapter as a sequence of sentences, each with its dates and citations."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace

from citepress.dates import en, ja
from citepress.dates.edtf import DateError, DateValue, parse
from citepress.dates.ja import FoundDate, Narrative
from citepress.sources.manuscript import Citation, Manuscript

# A sentence ends at 。. Citations are not part of pandoc's text of a block: one
# written after the 。 stands before the next sentence's first character, and so
# belongs to the sentence it follows.
_SENTENCE_END = re.compile(r"。")
# An English sentence ends at . ! or ? after a small letter, a digit or a closing
# mark (not "U.S."), before a capital, a quote or the end. Its white space goes with
# it, so that a citation written after the full stop belongs to it.
_SENTENCE_END_EN = re.compile(r"(?<=[a-z0-9)”\"’])[.!?]\s*(?=[A-Z“\"(]|$)")


@dataclass
class Sentence:
    """One sentence (or heading) with its dates and citations, offsets into the file."""

    text: str
    start: int
    block: int
    heading: bool
    section: str
    period: DateValue | None
    dates: list[FoundDate] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    def latest_event(self) -> FoundDate | None:
        """The stated date (not a source's date) that starts latest, if any."""
        stated = [d for d in self.dates if d.kind != "source" and d.value is not None]
        return max(stated, key=lambda d: d.value.lower if d.value else 0, default=None)


@dataclass
class Section:
    """A heading's declared period (its ``period`` attribute), with any error in it."""

    ident: str
    period: DateValue | None
    offset: int
    error: str | None = None


def build(doc: Manuscript, events: dict[str, str]) -> tuple[list[Sentence], list[Section]]:
    """Split the chapter into sentences and read every date in reading order.

    The chapter's language picks the reader: English prose, or Japanese (the default).
    """
    english = str(doc.front_matter.get("lang", "")).lower().startswith("en")
    reader = en if english else ja
    ends = _SENTENCE_END_EN if english else _SENTENCE_END
    pattern = reader.compile_pattern(events)
    narrative = Narrative()
    sentences: list[Sentence] = []
    sections: list[Section] = []
    periods: dict[int, Section] = {}
    for index, block in enumerate(doc.blocks):
        if block.kind == "heading":
            section = _section(block.ident, block.attrs.get("period"), block.start)
            periods = {lvl: s for lvl, s in periods.items() if lvl < block.level}
            if section.period is None and section.error is None and periods:
                section = Section(block.ident, periods[max(periods)].period, section.offset)
            periods[block.level] = section
            sections.append(section)
        current = periods[max(periods)] if periods else Section("", None, 0)
        for start, end in _spans(block.text, block.kind == "heading", ends):
            text = block.text[start:end]
            sentence = Sentence(
                text,
                block.offsets[start],
                index,
                block.kind == "heading",
                current.ident,
                current.period,
            )
            for found in reader.find(text, narrative, pattern, events):
                sentence.dates.append(_shift(found, block.offsets, start))
            sentences.append(sentence)
    _attach_citations(doc.citations, sentences)
    return sentences, sections


def _section(ident: str, period: str | None, offset: int) -> Section:
    if period is None:
        return Section(ident, None, offset)
    try:
        return Section(ident, parse(period), offset)
    except DateError as exc:
        return Section(ident, None, offset, str(exc))


def _spans(text: str, heading: bool, ends: re.Pattern[str]) -> list[tuple[int, int]]:
    if heading:  # a heading is one sentence; one with no text (``\\`` over ``---``), none
        return [(0, len(text))] if text.strip() else []
    spans, start = [], 0
    for match in ends.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _shift(found: FoundDate, offsets: list[int], base: int) -> FoundDate:
    """Turn offsets within a sentence into offsets in the file."""
    return replace(found, start=offsets[base + found.start], end=offsets[base + found.end - 1] + 1)


def _attach_citations(citations: list[Citation], sentences: list[Sentence]) -> None:
    starts = [s.start for s in sentences]
    for citation in citations:
        index = bisect_right(starts, citation.offset) - 1
        if index >= 0:
            sentences[index].citations.append(citation)
