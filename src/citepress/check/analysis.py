"""The analysed project: what every check reads, built once from one reading of the sources."""

from __future__ import annotations

import datetime as dt
import difflib
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


# difflib compares a word with every candidate: thousands of broken links against
# thousands of ids took minutes. Suggestions stop after this many comparisons in a
# run (the messages still name every problem), and only similar lengths compete.
SUGGESTION_BUDGET = 200_000


@dataclass
class Suggestions:
    """The did-you-mean suggestions of one check run, within its budget of comparisons.

    One a run: a module-wide count (as it was) ran out in a long-lived process
    (``serve``, a test session) and no later check suggested anything.
    """

    budget: int = SUGGESTION_BUDGET
    spent: int = 0

    def nearest(self, word: str, candidates: list[str], count: int) -> list[str]:
        """Up to ``count`` close matches of ``word``, while the budget lasts."""
        similar = [c for c in candidates if abs(len(c) - len(word)) <= max(3, len(word) // 3)]
        self.spent += len(similar)
        if self.spent > self.budget:
            return []
        return difflib.get_close_matches(word, similar, n=count, cutoff=0.6)


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
    suggestions: Suggestions = field(default_factory=Suggestions)
