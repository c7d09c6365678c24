"""Diagnostics are data: a frozen record, a registry of stable codes, severities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

Severity = Literal["error", "warning", "note"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")


@dataclass(frozen=True)
class Code:
    """A stable diagnostic code, its default severity and a one-line summary."""

    name: str
    severity: Severity
    summary: str


_CODES = [
    Code("ref.undefined", "error", "A citation names a key that is not in the bibliography."),
    Code("ref.unused", "warning", "A bibliography entry is never cited."),
    Code("ref.count", "error", "The number of endnotes differs from the expected count."),
    Code("ref.stray-marker", "error", "A literal note marker （注N） was left in the text."),
    Code("ref.broken-link", "error", "An internal link points to an anchor that does not exist."),
    Code("ref.in-heading", "error", "A citation stands inside a heading."),
    Code("ref.empty", "error", "A citation has no key, as in [@]."),
    Code("bib.syntax", "error", "A BibTeX block could not be parsed."),
    Code(
        "bib.duplicate-key", "error", "Two entries share a key (keys are compared ignoring case)."
    ),
    Code("bib.duplicate-field", "error", "An entry sets the same field twice."),
    Code("bib.undefined-string", "error", "A field uses an @string macro that is not defined."),
    Code(
        "bib.missing-crossref", "error", "A crossref or xdata field names an entry that is absent."
    ),
    Code("bib.dropped", "error", "An entry the file declares was not parsed (nothing is dropped)."),
    Code(
        "bib.incomplete", "warning", "An entry declares fields still missing for a full citation."
    ),
    Code("bib.missing-field", "warning", "A required field is absent and not declared missing."),
    Code("date.invalid", "error", "A date does not parse as EDTF or is not a real calendar date."),
    Code("date.legacy-mismatch", "error", "The date field disagrees with year/month/day."),
    Code("date.before-event", "error", "A source is dated before the event its sentence states."),
    Code("date.source-mismatch", "error", "The text dates a source differently from its entry."),
    Code("date.future", "error", "A source is dated after the edition's date."),
    Code("date.backwards", "warning", "A date runs backwards against the narrative around it."),
    Code("date.outside-section", "warning", "A date falls outside the period its section covers."),
    Code("md.front-matter", "error", "The YAML front matter is missing, broken or incomplete."),
    Code("md.nesting", "error", "Block quotes or lists nest deeper than can be rendered."),
    Code("md.encoding", "error", "A source file is not valid UTF-8 text."),
]
CODES: dict[str, Code] = {code.name: code for code in _CODES}


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in one place. Lines and columns are 1-based; 0 = unknown."""

    code: str
    severity: Severity
    message: str
    path: str
    line: int = 0
    column: int = 0

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order by place, then code, so that output is stable."""
        return (self.path, self.line, self.column, self.code)


def make(code: str, message: str, path: str, line: int = 0, column: int = 0) -> Diagnostic:
    """Create a diagnostic with the default severity of ``code``."""
    return Diagnostic(code, CODES[code].severity, message, path, line, column)


def apply_severities(
    diagnostics: Iterable[Diagnostic],
    overrides: Mapping[str, Severity],
    strict: bool = False,
) -> list[Diagnostic]:
    """Apply per-code severity settings, then ``strict`` (warnings become errors)."""
    result = []
    for diag in diagnostics:
        severity = overrides.get(diag.code, diag.severity)
        if strict and severity == "warning":
            severity = "error"
        result.append(replace(diag, severity=severity))
    return sorted(result, key=Diagnostic.sort_key)


def count(diagnostics: Iterable[Diagnostic], severity: Severity) -> int:
    """How many diagnostics have ``severity``."""
    return sum(1 for diag in diagnostics if diag.severity == severity)
