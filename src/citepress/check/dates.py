"""Dates: valid in the bibliography and the text, consistent with each other and the story."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace

from citepress.check.analysis import Analysis
from citepress.dates.edtf import DateError, DateValue, before_common_era, parse
from citepress.dates.ja import FoundDate
from citepress.dates.timeline import Section, Sentence
from citepress.diagnostics import Code, Diagnostic, make
from citepress.sources.bib import Bibliography, Entry, months
from citepress.sources.manuscript import Citation, Manuscript

# A month-day date read with the story's year is flagged when it lands this far
# before the date just before it: a short step back is a normal flashback in
# narrative prose; a long one means the year was not the one the story had reached.
BACKWARDS_TOLERANCE = dt.timedelta(days=90)


# biblatex's other dates: when a source was accessed, first published, or happened.
OTHER_DATES = ("urldate", "origdate", "eventdate")


# biblatex's publication states that let a source be dated after the edition.
PENDING = frozenset(
    {"forthcoming", "inpress", "in press", "submitted", "prepublished", "inpreparation"}
)
# Words written in ``year`` or ``date`` for a work not out yet: biber prints them and
# only cannot sort by them (Biber warns), so they are no date error.
PENDING_WORDS = re.compile(r"(?i)^\s*\"?(?:forthcoming|in\s*press|submitted|to appear)\"?\s*$")
# "n.d.", "nd", "ND", "no date": the work has no date (biblatex prints its own n.d.).
NO_DATE = re.compile(r"(?i)^\s*\"?(?:n\.?\s*d\.?|no\s+date|s\.?\s*d\.?)\"?\s*$")


def entry_dates(project: Analysis) -> Iterator[Diagnostic]:
    """Every entry's dates are valid EDTF; ``date`` agrees with year/month/day; others fit."""
    for entry in project.bib.entries:
        yield from _entry_date(entry)
        yield from _other_dates(entry, project.entry_dates.get(entry.key), project.edition)


def pending(entry: Entry) -> bool:
    """The entry is not published yet: ``pubstate`` says so, or its year is a word for it."""
    state = entry.fields.get("pubstate", "").strip().lower()
    raw = entry.fields.get("date") or entry.fields.get("year") or ""
    return state in PENDING or bool(PENDING_WORDS.match(raw))


def _other_dates(entry: Entry, published: DateValue | None, edition: dt.date) -> list[Diagnostic]:
    diags = []
    for name in OTHER_DATES:
        raw = entry.fields.get(name)
        if raw is None:
            continue
        where = (entry.path, *entry.where(name))
        try:
            value = parse(raw)
        except DateError as exc:
            diags.append(make(Code.DATE_INVALID, f"{name} of {entry.key!r}: {exc}", *where))
            continue
        if name == "urldate":
            diags += _accessed(entry, value, published, edition, where)
        elif name == "eventdate" and published is not None and value.lower > published.upper:
            message = (
                f"eventdate = {value} of {entry.key!r} is after its date {published}: "
                "proceedings are seldom out before their event; is one of them a slip?"
            )
            diags.append(make(Code.DATE_EVENT_AFTER, message, *where, subject=entry.key))
    return diags


def _accessed(
    entry: Entry,
    value: DateValue,
    published: DateValue | None,
    edition: dt.date,
    where: tuple[str, int, int],
) -> list[Diagnostic]:
    """``urldate``: not after the edition; before ``date`` is online-first, and normal."""
    if value.lower > edition:
        message = f"{entry.key!r} was accessed on {value}, after the edition's date {edition}"
        return [make(Code.DATE_FUTURE, message, *where)]
    if published is not None and value.upper < published.lower:
        message = (
            f"urldate = {value} of {entry.key!r} is before its date {published}: "
            "read online before it appeared in print (online-first)"
        )
        return [make(Code.DATE_ONLINE_FIRST, message, *where, subject=entry.key)]
    return []


def _entry_date(entry: Entry) -> list[Diagnostic]:
    raw = entry.fields.get("date")
    if raw is None:
        return _legacy_only(entry)
    if PENDING_WORDS.match(raw) or NO_DATE.match(raw):
        return [_no_year(entry, "date", raw)]
    if before_common_era(raw) is not None:  # valid EDTF; no legacy fields to compare
        return []
    try:
        value = parse(raw)
    except DateError as exc:
        message = f"date of {entry.key!r}: {exc}"
        return [make(Code.DATE_INVALID, message, entry.path, *entry.where("date"))]
    return _legacy_mismatch(entry, value)


def _no_year(entry: Entry, name: str, raw: str) -> Diagnostic:
    """date.no-year: a word where a date goes, with the biblatex way of saying it."""
    if NO_DATE.match(raw):
        advice = f"leave {name} out: the style prints its own 'n.d.' for an undated work"
    else:
        advice = "pubstate = {forthcoming} (or inpress, submitted) says it in biblatex"
    message = (
        f"{name} = {raw!r} of {entry.key!r} is not a date: it prints as written and "
        f"cannot be sorted by; {advice}"
    )
    return make(Code.DATE_NO_YEAR, message, entry.path, *entry.where(name), subject=entry.key)


def _number(raw: str) -> bool:
    """A year, month or day in digits, short enough to be one.

    int() of 5,000 digits raises: Python bounds integer parsing.
    """
    return raw.isdigit() and len(raw) <= 6


def _legacy_only(entry: Entry) -> list[Diagnostic]:
    year = entry.fields.get("year")
    if year is None:
        return []
    if PENDING_WORDS.match(year) or NO_DATE.match(year):
        return [_no_year(entry, "year", year)]
    month = months.number(entry.fields.get("month") or "")
    day = entry.fields.get("day")
    text = year + (f"-{month:02d}" if month else "")
    text += f"-{int(day):02d}" if day and _number(day) and month else ""
    try:
        parse(text)
    except DateError as exc:
        return [
            make(
                Code.DATE_INVALID,
                f"year/month/day of {entry.key!r}: {exc}",
                entry.path,
                *entry.where("year"),
            )
        ]
    return []


def _legacy_mismatch(entry: Entry, value: DateValue) -> list[Diagnostic]:
    diags = []
    bounds = {
        "year": (value.lower.year, value.upper.year),
        "month": (value.lower.month, value.upper.month),
        "day": (value.lower.day, value.upper.day),
    }
    for name, (low, high) in bounds.items():
        raw = entry.fields.get(name)
        if raw is None:
            continue
        # month and day only compare when the date pins them to one value
        number = months.number(raw) if name == "month" else int(raw) if _number(raw) else None
        fits = number is not None and low <= number <= high and (name == "year" or low == high)
        if not fits:
            diags.append(
                make(
                    Code.DATE_LEGACY_MISMATCH,
                    f"{name} = {raw!r} of {entry.key!r} disagrees with date = {value}",
                    entry.path,
                    *entry.where(name),
                )
            )
    return diags


def future(project: Analysis) -> Iterator[Diagnostic]:
    """No source may be dated after the edition (or today), unless it is forthcoming."""
    values, edition = project.entry_dates, project.edition
    for entry in project.bib.entries:
        value = values.get(entry.key)
        if value is not None and value.lower > edition and not pending(entry):
            yield make(
                Code.DATE_FUTURE,
                f"{entry.key!r} is dated {value}, after the edition's date {edition.isoformat()}",
                entry.path,
                *entry.where("date"),
            )


def front_matter_date(project: Analysis) -> Iterator[Diagnostic]:
    """A chapter's front matter ``date`` (the edition's date) must be a real date."""
    for doc in project.docs:
        raw = doc.front_matter.get("date")
        if raw is None:
            continue
        try:
            parse(str(raw))
        except DateError as exc:
            yield make(Code.DATE_INVALID, f"date: {exc}", doc.path, *_key_position(doc, "date"))


def _key_position(doc: Manuscript, key: str) -> tuple[int, int]:
    found = doc.source.find(f"\n{key}:", 0, doc.body_start)
    return doc.position(found + 1) if found >= 0 else (1, 1)


def text_dates(project: Analysis) -> Iterator[Diagnostic]:
    """Impossible dates in the text, bad section periods, and the story's chronology."""
    for doc in project.docs:
        sentences, sections = project.sentences[doc.path], project.sections[doc.path]
        yield from _text_dates(doc, sentences, sections, project.edition)


def _text_dates(
    doc: Manuscript, sentences: list[Sentence], sections: list[Section], edition: dt.date
) -> Iterator[Diagnostic]:
    for section in sections:
        if section.error:
            line, column = doc.position(section.offset)
            yield make(
                Code.DATE_INVALID,
                f"period of section #{section.ident}: {section.error}",
                doc.path,
                line,
                column,
            )
    previous: FoundDate | None = None
    for sentence in sentences:
        for found in sentence.dates:
            line, column = doc.position(found.start)
            if found.error and not found.unresolved:
                yield make(
                    Code.DATE_INVALID, f"「{found.surface}」: {found.error}", doc.path, line, column
                )
            if found.value is None or found.kind == "reference":
                continue
            if found.kind == "source":
                if found.value.lower > edition:
                    yield make(
                        Code.DATE_FUTURE,
                        f"source dated 「{found.surface}」 "
                        f"({found.value}) is after the edition's date {edition}",
                        doc.path,
                        line,
                        column,
                    )
                continue
            yield from _chronology(doc, sentence, found, previous)
            previous = found


def _chronology(
    doc: Manuscript, sentence: Sentence, found: FoundDate, previous: FoundDate | None
) -> Iterator[Diagnostic]:
    """One finding for a date out of the story's order, out of its section, or both.

    Both are one problem seen from two sides, so they make one finding that states
    every fact; the advice names what the author may have meant without presuming
    which part of the date slipped.
    """
    assert found.value is not None
    facts: list[tuple[Code, str, str]] = []  # code, the fact alone, the fact after another
    if (
        previous is not None
        and previous.value is not None
        and found.inferred
        and found.value.upper < previous.value.lower - BACKWARDS_TOLERANCE
    ):
        where = doc.position(previous.start)[0]
        days = (previous.value.lower - found.value.upper).days
        facts.append(
            (
                Code.DATE_BACKWARDS,
                f"「{found.surface}」 is read as {found.value}, taking the year from "
                f"「{previous.surface}」 (line {where}), which puts it {days} days before "
                "the date just told",
                f"lies {days} days before 「{previous.surface}」 (line {where})",
            )
        )
    period = sentence.period
    if period is not None and (
        found.value.upper < period.lower or found.value.lower > period.upper
    ):
        facts.append(
            (
                Code.DATE_OUTSIDE_SECTION,
                f"「{found.surface}」 ({found.value}) falls outside the period {period} "
                f"of section #{sentence.section}",
                f"falls outside the period {period} of section #{sentence.section}",
            )
        )
    if facts:
        yield _chronology_finding(doc, found, facts)


def _chronology_finding(
    doc: Manuscript, found: FoundDate, facts: list[tuple[Code, str, str]]
) -> Diagnostic:
    advice = "another month or another year may be meant; if so, write the one meant"
    if facts[0][0] is Code.DATE_OUTSIDE_SECTION:
        advice += ", or widen the section's period"
    message = "; it also ".join([facts[0][1], *(after for _, _, after in facts[1:])])
    line, column = doc.position(found.start)
    diag = make(facts[0][0], f"{message}: {advice}", doc.path, line, column)
    return replace(diag, also=tuple(code for code, _, _ in facts[1:]))


def sources(project: Analysis) -> Iterator[Diagnostic]:
    """A cited source is not dated before its sentence's events, nor against the text."""
    for doc in project.docs:
        sentences = project.sentences[doc.path]
        yield from _sources(doc, sentences, project.bib, project.entry_dates)


def _sources(
    doc: Manuscript, sentences: list[Sentence], bib: Bibliography, values: dict[str, DateValue]
) -> Iterator[Diagnostic]:
    entries = bib.by_key()
    for sentence in sentences:
        for cite in sentence.citations:
            value = values.get(cite.key)
            latest = sentence.latest_event(cite) if value is not None else None
            if value is None or latest is None or latest.value is None:
                continue
            if value.upper < latest.value.lower:
                line, column = doc.position(cite.offset)
                yield make(
                    Code.DATE_BEFORE_EVENT,
                    f"{cite.key!r} is dated {value}, before "
                    f"「{latest.surface}」 ({latest.value}), given beside it as the time of "
                    "what it reports: is the source, or the date, the one meant?",
                    doc.path,
                    line,
                    column,
                )
        yield from _first_published(doc, sentence, entries, values)
    yield from _text_dated_sources(doc, sentences, entries, values)


def _first_published(
    doc: Manuscript, sentence: Sentence, entries: dict[str, Entry], values: dict[str, DateValue]
) -> Iterator[Diagnostic]:
    """The text says "first published in 2008"; a cited entry first appeared before it."""
    for cite in sentence.citations:
        found = sentence.latest_event(cite, role="first")
        entry = entries.get(cite.key)
        if found is None or found.value is None or entry is None:
            continue
        first = _first_date(entry, values.get(cite.key))
        if first is not None and first.upper < found.value.lower:
            line, column = doc.position(found.start)
            yield make(
                Code.DATE_WORK_MISMATCH,
                f"the text says 「{found.surface}」 ({found.value}), but {cite.key!r} "
                f"first appeared in {first}: is the sentence about the work cited?",
                doc.path,
                line,
                column,
            )


def _first_date(entry: Entry, published: DateValue | None) -> DateValue | None:
    """When the entry's work first appeared: ``origdate``, else ``date``."""
    raw = entry.fields.get("origdate")
    if raw:
        try:
            return parse(raw)
        except DateError:
            return None  # entry_dates reports it
    return published


def _text_dated_sources(
    doc: Manuscript,
    sentences: list[Sentence],
    entries: dict[str, Entry],
    values: dict[str, DateValue],
) -> Iterator[Diagnostic]:
    """ニューヨーク・タイムズ（2001年10月25日）: that outlet's cited entry must agree."""
    by_block: dict[int, list[Citation]] = {}
    for sentence in sentences:  # once: per source date it was a pass over every sentence
        by_block.setdefault(sentence.block, []).extend(sentence.citations)
    for sentence in sentences:
        for found in sentence.dates:
            if found.kind != "source" or found.value is None or not found.outlet:
                continue
            for cite in by_block.get(sentence.block, []):
                entry = entries.get(cite.key)
                value = values.get(cite.key)
                if entry is None or value is None or not _same_outlet(entry, found.outlet):
                    continue
                if value.upper < found.value.lower or value.lower > found.value.upper:
                    line, column = doc.position(found.start)
                    yield make(
                        Code.DATE_SOURCE_MISMATCH,
                        f"the text dates {found.outlet} "
                        f"「{found.surface}」 ({found.value}), but entry {cite.key!r} "
                        f"says {value}",
                        doc.path,
                        line,
                        column,
                    )


def _same_outlet(entry: Entry, outlet: str) -> bool:
    def norm(text: str) -> str:
        return text.strip("「」『』 ").replace(" ", "")

    names = (entry.fields.get(f, "") for f in ("journaltitle", "journal", "howpublished"))
    return any(name and norm(name) == norm(outlet) for name in names)
