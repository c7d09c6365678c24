"""Reports beside the diagnostics: the inferred timeline, the per-chapter summary."""

from __future__ import annotations

from citepress.check.analysis import Analysis
from citepress.dates.ja import FoundDate
from citepress.report.formatters import escape, summary

_KINDS = {"event": "", "source": " (source's date)", "reference": " (named event)"}
# Dates that are not the time of what a source reports (dates/roles.py).
_ROLES = {
    "event": "",
    "span": " (a span's edge: not compared with citations)",
    "work": " (the work's history: not compared with citations)",
    "first": " (first publication: compared with the entry's origdate or date)",
}


def timeline(result: Analysis, show_all: bool = False) -> str:
    """Every sentence with a date (or citation), then how each date was read."""
    lines: list[str] = []
    for doc in result.docs:
        for sentence in result.sentences.get(doc.path, []):
            if not (sentence.dates or sentence.citations or show_all):
                continue
            line, column = doc.position(sentence.start)
            excerpt = sentence.text if len(sentence.text) <= 60 else sentence.text[:59] + "…"
            place = f"{escape(doc.path)}:{line}:{column}"
            lines.append(f"{place}: [{sentence.section or '-'}] {escape(excerpt)}")
            lines += [f"    {_date(doc.position(d.start), d)}" for d in sentence.dates]
            notes = result.note_styles.get(doc.path, True)
            lines += [
                f"    note {c.note}: @{c.key}" if notes else f"    cites @{c.key}"
                for c in sentence.citations
            ]
    return "\n".join(lines) + "\n"


def _date(position: tuple[int, int], found: FoundDate) -> str:
    where = f"{position[0]}:{position[1]}"
    if found.value is None:
        return f"{where} 「{found.surface}」 -> ? ({found.error})"
    how = f" (year from the story: {found.context})" if found.inferred else ""
    role = _ROLES.get(found.role, "") if found.kind == "event" else ""
    return f"{where} 「{found.surface}」 -> {found.value}{_KINDS[found.kind]}{role}{how}"


def per_chapter(result: Analysis) -> str:
    """One line a chapter, for books of several: its notes and what the check found there.

    In an author-date style a citation makes no note: only notes written as notes
    (``^[…]``, ``[^1]``) are counted, as the editions print them.
    """
    lines = []
    for doc in result.docs:
        mine = [d for d in result.diagnostics if d.path == doc.path]
        notes = doc.notes if result.note_styles.get(doc.path, True) else doc.footnotes
        lines.append(f"{escape(doc.path)}: {notes} note{'s' * (notes != 1)}; {summary(mine)}")
    return "\n".join(lines) + "\n"
