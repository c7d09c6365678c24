"""Every cross-reference (``@fig-x``, ``@tbl-x``, ``@sec-x``, ``@eq-x``) names its target.

Labels are book-wide, as in a Quarto book: a chapter may refer to another's figure.
"""

from __future__ import annotations

from collections.abc import Iterator

from citepress.check.analysis import Analysis, Suggestions
from citepress.diagnostics import Code, Diagnostic, make
from citepress.sources import xref

WHAT = {"Figure": "figure", "Table": "table", "Header": "section", "equation": "equation"}


def targets(project: Analysis) -> dict[str, str]:
    """Every label of the book and the kind of element it names (the first one wins)."""
    found: dict[str, str] = {}
    for doc in project.docs:
        for ident, kind in doc.targets.items():
            found.setdefault(ident, kind)
    return found


def crossrefs(project: Analysis) -> Iterator[Diagnostic]:
    """Unknown labels (with the nearest ones of the same kind), and labels of the wrong kind."""
    labels = targets(project)
    for doc in project.docs:
        for ref in doc.xrefs:
            message = _problem(ref.key, labels, project.suggestions)
            if message is not None:
                line, column = doc.position(ref.offset)
                yield make(Code.XREF_UNDEFINED, message, doc.path, line, column)


def _problem(label: str, labels: dict[str, str], suggestions: Suggestions) -> str | None:
    head = xref.prefix(label)
    if head is None:
        return (
            f"@{label} stands in one [...] with cross-references; a citation and a "
            "cross-reference cannot share brackets: write them apart"
        )
    wanted = xref.KINDS[head]
    found = labels.get(label)
    if found == wanted:
        return None
    noun = WHAT[wanted]
    if found is not None:
        return (
            f"@{label} names a {WHAT[found]}, not a {noun}: only a {noun}'s own label "
            f"may start {head}-"
        )
    same = [ident for ident, kind in labels.items() if kind == wanted]
    near = suggestions.nearest(label, same, 3)
    hint = f"; did you mean {', '.join('@' + n for n in near)}?" if near else ""
    return f"cross-reference @{label}: no {noun} has this label{hint}"
