"""The analysed project: what every check reads, built once from one reading of the sources."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from citepress.config import Settings
from citepress.diagnostics import Diagnostic

if TYPE_CHECKING:
    from citepress.dates.edtf import DateValue
    from citepress.dates.timeline import Section, Sentence
    from citepress.sources.bib import Bibliography
    from citepress.sources.images import Images
    from citepress.sources.manuscript import Manuscript


@dataclass
class Analysis:
    """The sources as read (chapters in book order, the bibliography) and what was inferred.

    ``diagnostics`` first holds what reading found; the check appends what each
    check yields.
    """

    settings: Settings
    docs: list[Manuscript]
    bib: Bibliography
    diagnostics: list[Diagnostic] = field(default_factory=list)
    images: Images = field(default_factory=dict)
    # Whether each chapter's citation style makes notes (else: only ^[…] are notes).
    note_styles: dict[str, bool] = field(default_factory=dict)
    sentences: dict[str, list[Sentence]] = field(default_factory=dict)
    sections: dict[str, list[Section]] = field(default_factory=dict)
    entry_dates: dict[str, DateValue] = field(default_factory=dict)
    edition: dt.date = field(default_factory=lambda: dt.datetime.now(tz=dt.UTC).date())
