"""Reports beside the diagnostics: the inferred timeline, the per-chapter summary."""

from __future__ import annotations

from citepress.analysis import Analysis
from citepress.dates.ja import FoundDate
from citepress.report.formatters import escape, summary

_KINDS = {"event": "", "source": " (source's date)", "reference": " (named event)"}


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
            lines += [f"    note {c.note}: @{c.key}" for c in sentence.citations]
    return "\n".join(lines) + "\n"


def _date(position: tuple[int, int], found: FoundDate) -> str:
    where = f"{position[0]}:{position[1]}"
    if found.value is None:
        return f"{where} 「{found.surface}」 -> ? ({found.error})"
    how = f" (year from the story: {found.context})" if found.inferred else ""
    return f"{where} 「{found.surface}」 -> {found.value}{_KINDS[found.kind]}{how}"


def per_chapter(result: Analysis) -> str:
    """One line a chapter, for books of several: its notes and what the check found there."""
    lines = []
    for doc in result.docs:
        mine = [d for d in result.diagnostics if d.path == doc.path]
        notes = doc.notes
        lines.append(f"{escape(doc.path)}: {notes} notes; {summary(mine)}")
    return "\n".join(lines) + "\n"
