"""Run every check over a project: read once, analyse, run the checks, apply severities.

Read top to bottom, :func:`run` is the whole check. Reading problems are
diagnostics like any other: the check keeps going and reports everything at once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from functools import partial
from pathlib import Path

from citepress.check.analysis import Analysis
from citepress.check.registry import CHECKS
from citepress.config import Settings
from citepress.dates import timeline
from citepress.dates.edtf import DateError, DateValue
from citepress.dates.edtf import parse as parse_date
from citepress.diagnostics import Code, Diagnostic, apply_severities, make
from citepress.ground.memo import OFF, Memo
from citepress.sources import bib as bibliography
from citepress.sources import images, manuscript
from citepress.sources.bib import months

READ_BUDGET_S = 300


def run(settings: Settings, strict: bool = False, memo: Memo = OFF) -> Analysis:
    """Check the project; diagnostics come back sorted with the project's severities.

    ``strict`` (``--strict``, or the ``strict`` setting) makes warnings and queries
    errors. ``memo``: a build's (what it keeps of pandoc's runs and of each reading).
    """
    project = read(settings, memo)
    analyse(project, memo)
    for check in CHECKS:
        project.diagnostics += check(project)
    project.diagnostics = apply_severities(
        project.diagnostics, settings.severity, strict or settings.strict
    )
    return project


def read(settings: Settings, memo: Memo = OFF) -> Analysis:
    """Read the chapters (pandoc's tree of each, side by side) and the bibliography."""
    paths = settings.manuscripts()
    # One budget for reading every chapter: a thousand pathological chapters must not
    # hold a CI job for hours (each is also bounded by pandoc.read_timeout).
    deadline = time.monotonic() + READ_BUDGET_S
    jobs = [(path, settings.relative(path)) for path in paths]
    results = manuscript.load_all(settings.root, jobs, deadline, memo)
    diagnostics: list[Diagnostic] = []
    if not paths:
        where = settings.relative(settings.manuscript_dir)
        diagnostics.append(
            make(Code.MD_NO_CHAPTER, "no chapter (*.md) in the manuscript folder", where)
        )
    docs = []
    for doc, diags in results:
        diagnostics += diags
        if doc is not None:
            docs.append(doc)
    if settings.chapters is None:
        docs.sort(key=_order)
    bib, diags = bibliography.load(
        settings.root, [(p, settings.relative(p)) for p in settings.bibliography], memo
    )
    pictures, problems = images.load(settings, docs)
    return Analysis(settings, docs, bib, diagnostics + diags + problems, images=pictures)


def _order(doc: manuscript.Manuscript) -> tuple[float, str]:
    """A chapter's place without a book file: front matter ``order``, then file name."""
    order = doc.front_matter.get("order")
    number = order if isinstance(order, int | float) and not isinstance(order, bool) else None
    return (float("inf") if number is None else number, doc.path)


def analyse(project: Analysis, memo: Memo = OFF) -> None:
    """What the checks share: entry dates, the edition's date, each chapter's timeline."""
    project.entry_dates = _entry_dates(project)
    project.edition = _edition(project)
    events = project.settings.events
    named = json.dumps(events, sort_keys=True)
    for doc in project.docs:
        slot, parts = ("timeline", doc.path), (doc.source, named)
        sentences, sections = memo.recall(slot, parts, partial(_dated, doc, events))
        project.sentences[doc.path] = sentences
        project.sections[doc.path] = sections
    project.diagnostics += _styles(project)


def _dated(
    doc: manuscript.Manuscript, events: dict[str, str]
) -> tuple[tuple[list[timeline.Sentence], list[timeline.Section]], bool]:
    """A chapter's sentences and sections with their dates; kept when it was read whole.

    A chapter cut short (out of time) has no blocks: its empty timeline must not
    stand for the whole reading the next build makes of the same text.
    """
    return timeline.build(doc, events), doc.complete


def _styles(project: Analysis) -> list[Diagnostic]:
    """Whether each chapter's CSL style makes notes (the note count depends on it)."""
    from citepress.sources import cslstyle, styles  # noqa: PLC0415 -- stdlib-only modules

    settings, diags = project.settings, []
    lang = styles.book_language(settings, project.docs)
    classes: dict[Path, str] = {}
    for doc in project.docs:
        try:
            style = styles.for_chapter(
                settings.templates, settings.root, doc.front_matter, lang, settings.csl
            )
            if style.path not in classes:
                classes[style.path] = styles.style_class(style)
        except styles.StyleNotFound as exc:
            found = doc.source.find("\ncsl:")
            line, column = doc.position(found + 1) if found >= 0 else (1, 1)
            diags.append(make(Code.MD_FRONT_MATTER, str(exc), doc.path, line, column))
            continue
        except cslstyle.StyleError:
            continue  # the build reports it, with the style's own line and column
        project.note_styles[doc.path] = classes[style.path] != "in-text"
    return diags


def _entry_dates(project: Analysis) -> dict[str, DateValue]:
    """Each entry's date: ``date``, else its ``year`` (and month), as biblatex reads them."""
    values: dict[str, DateValue] = {}
    for entry in project.bib.entries:
        raw = entry.fields.get("date") or _legacy(entry.fields)
        if not raw:
            continue
        try:
            values.setdefault(entry.key, parse_date(raw))
        except DateError:
            continue  # the date check reports it
    return values


def _legacy(fields: dict[str, str]) -> str:
    """``year`` and ``month`` as EDTF ("2001-07"), or "" without a plain year."""
    year = fields.get("year", "").strip()
    if re.fullmatch(r"\d{4}/\d{4}", year):  # year = {2001/2003}: biblatex's range
        return year
    if not (year.isdigit() and len(year) == 4):
        return ""
    month = months.number(fields.get("month") or "")
    return f"{year}-{month:02d}" if month else year


def _edition(project: Analysis) -> dt.date:
    """The edition's date: the book's ``date`` or the latest front-matter one, else today.

    Not SOURCE_DATE_EPOCH: that is the build's timestamp for reproducible output
    (often a commit's time, or 0), not the date the book speaks from.
    """
    dates = []
    book = project.settings.book.get("date")
    for raw in [book, *(doc.front_matter.get("date") for doc in project.docs)]:
        if raw is not None:
            try:
                dates.append(parse_date(str(raw)).upper)
            except DateError:
                continue  # checks.dates.front_matter_date reports it
    return max(dates, default=None) or dt.datetime.now(tz=dt.UTC).date()
