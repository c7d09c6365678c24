"""The checks, as one list: each takes the analysed project and yields diagnostics.

Adding a check is one function here and its tests; the order is the order they run
(the report is sorted by place afterwards).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from citepress.check import crossrefs, dates, references
from citepress.check.analysis import Analysis
from citepress.diagnostics import Diagnostic
from citepress.sources.bib.inherit import check_inheritance

Check = Callable[[Analysis], Iterable[Diagnostic]]

CHECKS: tuple[Check, ...] = (
    references.citations,
    references.notes,
    references.links,
    crossrefs.crossrefs,
    references.entries,
    lambda project: check_inheritance(project.bib),
    references.slugs,
    references.reserved_ids,
    dates.entry_dates,
    dates.front_matter_date,
    dates.text_dates,
    dates.sources,
    dates.future,
)
