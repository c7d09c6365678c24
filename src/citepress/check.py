"""Run every check over a project: read once, check everything, keep going."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from citepress.checks import dates as date_checks
from citepress.checks import references
from citepress.config import Settings
from citepress.dates import timeline
from citepress.dates.edtf import DateError
from citepress.dates.edtf import parse as parse_date
from citepress.diagnostics import Code, Diagnostic, apply_severities, make
from citepress.sources import bibliography, manuscript


@dataclass
class CheckResult:
    """Everything the check read, and what it found."""

    docs: list[manuscript.Manuscript] = field(default_factory=list)
    bib: bibliography.Bibliography = field(default_factory=bibliography.Bibliography)
    sentences: dict[str, list[timeline.Sentence]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def read(settings: Settings) -> CheckResult:
    """Read the manuscripts and the bibliography; reading problems become diagnostics."""
    result = CheckResult()
    paths = settings.manuscripts()
    if not paths:
        result.diagnostics.append(
            make(
                Code.MD_FRONT_MATTER,
                "no chapter (*.md) in the manuscript folder",
                settings.relative(settings.manuscript_dir),
            )
        )
    for path in paths:
        doc, diags = manuscript.load(path, settings.relative(path))
        result.diagnostics += diags
        if doc is not None:
            result.docs.append(doc)
    if settings.chapters is None:
        result.docs.sort(key=_order)
    result.bib, diags = bibliography.load(
        [(p, settings.relative(p)) for p in settings.bibliography]
    )
    result.diagnostics += diags
    return result


def _order(doc: manuscript.Manuscript) -> tuple[float, str]:
    """A chapter's place without a book file: front matter ``order``, then file name."""
    order = doc.front_matter.get("order")
    return (order if isinstance(order, int | float) else float("inf"), doc.path)


def run(settings: Settings, strict: bool = False) -> CheckResult:
    """Check the project; diagnostics come back sorted with the project's severities."""
    result = read(settings)
    diags = result.diagnostics
    diags += references.check_citations(result.docs, result.bib)
    diags += references.check_notes(result.docs, settings.expected_notes)
    diags += references.check_links(result.docs)
    diags += references.check_entries(result.bib)
    values, date_diags = date_checks.entry_dates(result.bib)
    diags += date_diags
    edition = _edition(result.docs, diags)
    for doc in result.docs:
        sentences, sections = timeline.build(doc, settings.events)
        result.sentences[doc.path] = sentences
        diags += date_checks.check_text_dates(doc, sentences, sections, edition)
        diags += date_checks.check_sources(doc, sentences, result.bib, values)
    diags += date_checks.check_future(result.bib, values, edition)
    result.diagnostics = apply_severities(diags, settings.severity, strict)
    return result


def _edition(docs: list[manuscript.Manuscript], diags: list[Diagnostic]) -> dt.date:
    """The edition's date: the latest front-matter ``date``, else today.

    Not SOURCE_DATE_EPOCH: that is the build's timestamp for reproducible output
    (often a commit's time, or 0), not the date the book speaks from.
    """
    dates = []
    for doc in docs:
        raw = doc.front_matter.get("date")
        if raw is None:
            continue
        try:
            dates.append(parse_date(str(raw)).upper)
        except DateError as exc:
            diags.append(make(Code.MD_FRONT_MATTER, f"date: {exc}", doc.path, 1, 1))
    return max(dates, default=None) or dt.datetime.now(tz=dt.UTC).date()
