"""The chapter as a sequence of sentences, each with its dates and citations."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace

from citepress.dates import en, ja, roles
from citepress.dates import sentences as segmenter
from citepress.dates.edtf import DateError, DateValue, parse
from citepress.dates.ja import FoundDate, Narrative
from citepress.sources.manuscript import Block, Citation, Manuscript


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
    # Where each clause after the first starts (file offsets; English only).
    clauses: list[int] = field(default_factory=list)
    end: int = 0  # just after its last character that is not white space (file offset)

    def latest_event(self, cite: Citation | None = None) -> FoundDate | None:
        """The latest date given as the time of what happened, if any.

        Not a source's date, not a span's edge ("by 2020") nor the cited work's own
        history ("reissued in 2012"). With ``cite``, only a date in the stretch of
        text that citation supports (see :meth:`stretch`), in its clause.
        """
        low, high = self.stretch(cite) if cite is not None else (-1, len(self.text) + 2**62)
        clause = self.clause_of(cite.offset) if cite is not None else None
        stated = [
            d
            for d in self.dates
            if d.kind != "source"
            and d.value is not None
            and d.role == "event"
            and low <= d.start < high
            and (clause is None or self.clause_of(d.start) == clause)
        ]
        return max(stated, key=lambda d: d.value.lower if d.value else 0, default=None)

    def stretch(self, cite: Citation) -> tuple[int, int]:
        """The file offsets of the text ``cite`` supports within its sentence.

        A bracketed citation supports what comes before it, back to the citation
        before it ("…diabetes [@a] which made up 26.9% in 2014 [@b]": 2014 is
        @b's); one written in the text supports what stands around it, from the
        citation before it to the one after ("@a argued in 1970 that…", "…released
        in 2006, as described in @a"). Citations of one group ([@a; @b]) share it.
        """
        others = [c.offset for c in self.citations if c.note != cite.note or c.in_text]
        earlier = max((o for o in others if o < cite.offset), default=-1)
        if cite.in_text:
            return earlier, min((o for o in others if o > cite.offset), default=2**62)
        return earlier, cite.offset + 1

    def clause_of(self, offset: int) -> int:
        """The index of the clause that ``offset`` (in the file) stands in."""
        return bisect_right(self.clauses, offset)


@dataclass
class Section:
    """A heading's declared period (its ``period`` attribute), with any error in it."""

    ident: str
    period: DateValue | None
    offset: int
    error: str | None = None


def build(doc: Manuscript, events: dict[str, str]) -> tuple[list[Sentence], list[Section]]:
    """Split the chapter into sentences and read every date in reading order.

    The chapter's language picks the date reader (English prose, or Japanese, the
    default) and the segmenter's rules for sentence ends.
    """
    lang = str(doc.front_matter.get("lang", "")).lower()
    english = lang.startswith("en")
    reader = en if english else ja
    pattern = reader.compile_pattern(events)
    narrative = Narrative()
    sentences: list[Sentence] = []
    sections: list[Section] = []
    periods: dict[int, Section] = {}
    language = _language(lang)
    for index, block in enumerate(doc.blocks):
        if block.kind == "heading":
            section = _section(block.ident, block.attrs.get("period"), block.start)
            periods = {lvl: s for lvl, s in periods.items() if lvl < block.level}
            if section.period is None and section.error is None and periods:
                section = Section(block.ident, periods[max(periods)].period, section.offset)
            periods[block.level] = section
            sections.append(section)
        current = periods[max(periods)] if periods else Section("", None, 0)
        for start, end in _spans(block, doc.source, language):
            text = block.text[start:end]
            lead = len(text) - len(text.lstrip())  # not at a space the block opens with
            sentence = Sentence(
                text,
                block.offsets[start + lead],
                index,
                block.kind == "heading",
                current.ident,
                current.period,
                clauses=[
                    block.offsets[start + at]
                    for at in roles.clause_starts(text, english)
                    if at < len(text)
                ],
                end=block.offsets[start + len(text.rstrip()) - 1] + 1,
            )
            for found in reader.find(text, narrative, pattern, events):
                found = replace(found, role=roles.role(text, found.start, found.end, english))
                sentence.dates.append(_shift(found, block.offsets, start))
            sentences.append(sentence)
    _attach_citations(doc.citations, sentences)
    return sentences, sections


def _language(lang: str) -> str:
    """The language to segment by: the tag's primary subtag, ja by default."""
    primary = lang.split("-", 1)[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else "ja"


def _section(ident: str, period: str | None, offset: int) -> Section:
    if period is None:
        return Section(ident, None, offset)
    try:
        return Section(ident, parse(period), offset)
    except DateError as exc:
        return Section(ident, None, offset, str(exc))


def _spans(block: Block, source: str, language: str) -> list[tuple[int, int]]:
    r"""The sentences of ``block`` as (start, end) in its text (dates/sentences.py).

    A heading is one sentence (one with no text, ``\\`` over ``---``, none). pandoc's
    text of a block has no citations and no line breaks (a soft break is ""), so a
    sentence written as ``… libraries [@a].`` and a line break, then ``To …``,
    reads "libraries .To": a space stands for each line break the text lost, for
    the segmenter only, and its bounds are mapped back to the block's text.
    """
    text = block.text
    if block.kind == "heading":
        return [(0, len(text))] if text.strip() else []
    spaced, back = _with_breaks(text, block.offsets, source)
    found = [(back[a], back[b]) for a, b in segmenter.spans(spaced, language)]
    return [(a, b) for a, b in found if text[a:b].strip()]


def _with_breaks(text: str, offsets: list[int], source: str) -> tuple[str, list[int]]:
    """``text`` with a space where the source broke a line between two characters.

    Returns the spaced text and, for each of its positions (and its end), the
    position in ``text``. Linear: one look at the source between neighbours.
    """
    chars: list[str] = []
    back: list[int] = []
    for i, char in enumerate(text):
        if (
            i
            and offsets[i] - offsets[i - 1] > 1
            and not char.isspace()
            and not text[i - 1].isspace()
            and "\n" in source[offsets[i - 1] + 1 : offsets[i]]
        ):
            chars.append(" ")
            back.append(i)
        chars.append(char)
        back.append(i)
    back.append(len(text))
    return "".join(chars), back


def _shift(found: FoundDate, offsets: list[int], base: int) -> FoundDate:
    """Turn offsets within a sentence into offsets in the file."""
    return replace(found, start=offsets[base + found.start], end=offsets[base + found.end - 1] + 1)


def _attach_citations(citations: list[Citation], sentences: list[Sentence]) -> None:
    """Each citation to its sentence.

    A bracketed citation after a full stop (``….[@a] Next``) belongs to the sentence
    it follows, as its note marker does; one written in the text (``@a shows…``)
    before a sentence's first word belongs to that sentence.
    """
    starts = [s.start for s in sentences]
    for citation in citations:
        index = bisect_right(starts, citation.offset) - 1
        if index < 0:
            continue
        following = index + 1
        if (
            citation.in_text
            and following < len(sentences)
            and sentences[following].block == sentences[index].block
            and citation.offset >= sentences[index].end
        ):
            index = following
        sentences[index].citations.append(citation)
