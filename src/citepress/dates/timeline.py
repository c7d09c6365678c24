"""The chapter as a sequence of sentences, each with its dates and citations."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
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

    # Computed once a sentence (a sentence of 20,000 citations must stay linear).
    _stretches: dict[int, tuple[int, int]] | None = field(default=None, repr=False, compare=False)
    _latest: dict[tuple[str, int, int, int], FoundDate | None] = field(
        default_factory=dict, repr=False, compare=False
    )
    _starts: list[int] | None = field(default=None, repr=False, compare=False)

    def latest_event(self, cite: Citation, role: str = "event") -> FoundDate | None:
        """The latest date given as the time of what happened, if any.

        Not a source's date, not a span's edge ("by 2020") nor the cited work's own
        history ("reissued in 2012"); ``role="first"`` asks for "first published in"
        dates instead. Only a date in the stretch of text ``cite`` supports (see
        :meth:`stretch`), in its clause.
        """
        low, high = self.stretch(cite)
        clause = self.clause_of(cite.offset)
        key = (role, low, high, clause)
        if key not in self._latest:
            stated = [
                d
                for d in self._dates_between(low, high)
                if d.kind != "source"
                and d.value is not None
                and d.role == role
                and self.clause_of(d.start) == clause
            ]
            self._latest[key] = max(
                stated, key=lambda d: d.value.lower if d.value else 0, default=None
            )
        return self._latest[key]

    def _dates_between(self, low: int, high: int) -> list[FoundDate]:
        """The dates that start in [low, high): ``dates`` are in reading order."""
        if self._starts is None:
            self._starts = [d.start for d in self.dates]
        return self.dates[bisect_left(self._starts, low) : bisect_left(self._starts, high)]

    def stretch(self, cite: Citation) -> tuple[int, int]:
        """The file offsets of the text ``cite`` supports within its sentence.

        A bracketed citation supports what comes before it, back to the citation
        before it ("…diabetes [@a] which made up 26.9% in 2014 [@b]": 2014 is
        @b's); one written in the text supports what stands around it, from the
        citation before it to the one after ("@a argued in 1970 that…", "…released
        in 2006, as described in @a"). Citations of one group ([@a; @b]) share it.
        """
        if self._stretches is None:
            self._stretches = _stretches(self.citations)
        return self._stretches.get(id(cite), (-1, cite.offset + 1))

    def clause_of(self, offset: int) -> int:
        """The index of the clause that ``offset`` (in the file) stands in."""
        return bisect_right(self.clauses, offset)


def _stretches(citations: list[Citation]) -> dict[int, tuple[int, int]]:
    """Each citation's stretch (by its identity), in one pass over the groups."""
    groups: list[list[Citation]] = []
    for cite in sorted(citations, key=lambda c: c.offset):
        last = groups[-1][-1] if groups else None
        if last is not None and not (cite.in_text or last.in_text) and last.note == cite.note:
            groups[-1].append(cite)
        else:
            groups.append([cite])
    found: dict[int, tuple[int, int]] = {}
    for index, members in enumerate(groups):
        before = groups[index - 1][-1].offset if index else -1
        after = groups[index + 1][0].offset if index + 1 < len(groups) else 2**62
        for cite in members:
            found[id(cite)] = (before, after if cite.in_text else cite.offset + 1)
    return found


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
    _attach_citations(doc.citations, sentences, doc.source)
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
            # the break stands just before the next text (an indent at most): a
            # bounded look, whatever lies between (a link's address, a citation)
            and "\n" in source[max(offsets[i - 1] + 1, offsets[i] - 200) : offsets[i]]
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


def _attach_citations(citations: list[Citation], sentences: list[Sentence], source: str) -> None:
    """Each citation to its sentence.

    A bracketed citation after a full stop (``….[@a] Next``) belongs to the sentence
    it follows, as its note marker does; one written in the text (``@a shows…``)
    before a sentence's first word belongs to that sentence; and a citation that
    opens a paragraph (after a blank line) belongs to that paragraph, not to the
    last sentence of the one before.
    """
    starts = [s.start for s in sentences]
    for citation in citations:
        index = bisect_right(starts, citation.offset) - 1
        if index < 0:
            index = 0 if sentences and _opens(source, -1, citation.offset) else -1
            if index < 0:
                continue
        following = index + 1
        if following < len(sentences) and citation.offset >= sentences[index].end:
            same_block = sentences[following].block == sentences[index].block
            if (citation.in_text and same_block) or (
                not same_block and _opens(source, sentences[index].end, citation.offset)
            ):
                index = following
        sentences[index].citations.append(citation)


def _opens(source: str, after: int, offset: int) -> bool:
    """A blank line stands between ``after`` and ``offset``: a new paragraph began."""
    gap = source[max(after, offset - 200, 0) : offset]  # a paragraph's indent is short
    return after < 0 or "\n\n" in gap.replace(" ", "").replace("\t", "")
