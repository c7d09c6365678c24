"""Diagnostics are data: a frozen record, one registry of stable codes, severities.

Every code is a member of :class:`Code` (as MyST-Parser's ``MystWarnings``), with
its default severity, a one-line summary and why it has that severity; emitting a
code that is not a member is a type error. The README's table of codes is tested
against this registry.

Severities say how certain a finding is. An ``error`` is certainly wrong (an
unresolved key, an impossible date, a note an edition would lose) and fails the
check. A ``warning`` is a fault an edition shows but survives. A ``query`` is a
judgement, the question an editor would put to the author (a source dated before
the event its sentence names, a slip in the story's chronology): it goes to the
proof's query list and to CI as a notice, and fails nothing unless the project asks
(``strict``, ``--strict``, or the code's severity set to ``error``). A ``note`` is
information.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

Severity = Literal["error", "warning", "query", "note"]
# From the most to the least severe: a merged finding takes the first of its codes'.
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "query", "note")

# Why a code has its default severity, unless the code says more.
_WHY: dict[Severity, str] = {
    "error": "certain: the sources are wrong as written, or an edition would lose or break "
    "what they say",
    "warning": "a fault the editions survive, which an editor should still fix",
    "query": "a judgement, not a certainty: the editor asks, the author decides",
    "note": "information: nothing is wrong",
}


class Code(StrEnum):
    """A stable diagnostic code: its name, default severity, what it means, and why."""

    severity: Severity
    summary: str
    why: str

    def __new__(cls, name: str, severity: Severity, summary: str, why: str = "") -> Code:  # noqa: D102
        member = str.__new__(cls, name)
        member._value_ = name
        member.severity = severity
        member.summary = summary
        member.why = why or _WHY[severity]
        return member

    REF_UNDEFINED = (
        "ref.undefined",
        "error",
        "a citation key is not in the bibliography (nearest keys suggested)",
    )
    REF_UNUSED = "ref.unused", "warning", "an entry is never cited"
    REF_COUNT = "ref.count", "error", "the number of endnotes differs from `expected-notes`"
    REF_STRAY_MARKER = "ref.stray-marker", "error", "a literal （注N） is left in the text"
    REF_BROKEN_LINK = "ref.broken-link", "error", "`[…](#id)` points to no anchor"
    REF_IN_HEADING = "ref.in-heading", "error", "a citation inside a heading"
    REF_EMPTY = "ref.empty", "error", "`[@]` cites nothing"
    REF_HIDDEN = (
        "ref.hidden",
        "error",
        "a citation no edition prints: in image alt text, or, in a note style, inside "
        "another citation",
    )
    BIB_SYNTAX = "bib.syntax", "error", "a block bibtexparser could not parse"
    BIB_ENCODING = (
        "bib.encoding",
        "error",
        "a .bib file that is not UTF-8 text, or holds NUL bytes or control characters",
    )
    BIB_DUPLICATE_KEY = (
        "bib.duplicate-key",
        "error",
        "two entries share a key, also ignoring case",
    )
    BIB_DUPLICATE_FIELD = "bib.duplicate-field", "error", "a field set twice in one entry"
    BIB_UNDEFINED_STRING = "bib.undefined-string", "error", "an `@string` macro that is not defined"
    BIB_MISSING_CROSSREF = (
        "bib.missing-crossref",
        "error",
        "`crossref`/`xdata` names an absent entry",
    )
    BIB_CROSSREF_CYCLE = (
        "bib.crossref-cycle",
        "error",
        "`crossref`/`xdata` entries that inherit from each other in a loop",
    )
    BIB_TOO_LARGE = (
        "bib.too-large",
        "error",
        "a field whose `@string` macros expand past the size limit (1 MB)",
    )
    BIB_DROPPED = (
        "bib.dropped",
        "error",
        "an entry the file declares did not come out of the parser",
    )
    BIB_INCOMPLETE = (
        "bib.incomplete",
        "warning",
        "the entry's `missing` field lists what an editor must still supply",
    )
    BIB_MISSING_FIELD = (
        "bib.missing-field",
        "warning",
        "a required biblatex field is absent and not declared missing",
    )
    DATE_INVALID = (
        "date.invalid",
        "error",
        "a date that is not EDTF or not a real date, in the .bib or the text",
    )
    DATE_LEGACY_MISMATCH = (
        "date.legacy-mismatch",
        "error",
        "`date` disagrees with `year`/`month`/`day`",
    )
    DATE_BEFORE_EVENT = (
        "date.before-event",
        "query",
        "a cited source is dated before the time its clause gives for what the source reports",
        'a judgement: the source may support the claim, not the date ("by 2020", a '
        "later reprint), and a sentence can name a date the source does not report",
    )
    DATE_WORK_MISMATCH = (
        "date.work-mismatch",
        "query",
        "the text says when the cited work first appeared, and the entry's `origdate` "
        "(or `date`) is earlier",
        "a judgement: the sentence may speak of another work than the one cited",
    )
    DATE_ONLINE_FIRST = (
        "date.online-first",
        "note",
        "`urldate` is before the entry's `date`: read online before it appeared in print",
        "normal for online-first publication; worth a look only when it was not",
    )
    DATE_EVENT_AFTER = (
        "date.event-after",
        "query",
        "an entry's `eventdate` (the conference, the hearing) is after its `date`",
        "a judgement: proceedings printed before their event are rare, not impossible",
    )
    DATE_NO_YEAR = (
        "date.no-year",
        "note",
        "`year` or `date` is a word such as `forthcoming` or `in press`, not a date",
        "biber accepts it and only cannot sort by it; `pubstate` is the field for it",
    )
    DATE_SOURCE_MISMATCH = (
        "date.source-mismatch",
        "error",
        "the text dates a source (ニューヨーク・タイムズ（2001年10月25日）) "
        "and its entry disagrees",
    )
    DATE_FUTURE = (
        "date.future",
        "error",
        "a source dated after the edition's date, and not `forthcoming`, `inpress` or "
        "`submitted` in its `pubstate`",
    )
    DATE_BACKWARDS = (
        "date.backwards",
        "query",
        "a month-day date read with the story's year lands more than 90 days before "
        "the date just told",
    )
    DATE_OUTSIDE_SECTION = (
        "date.outside-section",
        "query",
        "a date outside the `period` its section heading declares",
        "a judgement: a section may look back or ahead of the period it declares",
    )
    MD_FRONT_MATTER = (
        "md.front-matter",
        "error",
        "front matter missing, broken YAML, or without title/author/lang",
    )
    MD_METADATA = (
        "md.metadata",
        "error",
        "metadata pandoc would obey: a YAML block in the body, or `bibliography`, `csl`, "
        "`references`, `nocite` and the like in the front matter",
    )
    MD_NESTING = (
        "md.nesting",
        "error",
        "block quotes, lists or inline markup nested more than 50 deep (pathological input)",
    )
    MD_ENCODING = (
        "md.encoding",
        "error",
        "a chapter that is not UTF-8 text, or holds NUL bytes or control characters "
        "(no XML or HTML can carry them)",
    )
    MD_RESERVED_ID = (
        "md.reserved-id",
        "error",
        "an id the editions give their own elements (`note-1`, `noteref-1`, `page-1`, `refs`, "
        "`ref-…`, `<chapter>-title`)",
    )
    MD_NO_CHAPTER = "md.no-chapter", "error", "the manuscript folder holds no chapter (`*.md`)"
    MD_SLUG_COLLISION = (
        "md.slug-collision",
        "error",
        "two chapter files whose names give the same identifier (`a b.md`, `a-b.md`)",
    )
    MD_DROPPED = (
        "md.dropped",
        "warning",
        "something written that no edition prints: raw HTML the sanitiser removes, a raw "
        "LaTeX passage, a link to a file, an attribute",
    )
    XREF_UNDEFINED = (
        "xref.undefined",
        "error",
        "`@fig-`, `@tbl-`, `@sec-` or `@eq-` names no figure, table, section or equation "
        "(nearest labels suggested)",
    )
    IMAGE_MISSING = "image.missing", "error", "an image file that does not exist"
    IMAGE_OUTSIDE = (
        "image.outside",
        "error",
        "an image outside the asset folders (`manuscript/assets`, `templates/assets`), "
        "or on the network",
    )
    IMAGE_FORMAT = (
        "image.format",
        "error",
        "an image that is not a readable PNG, JPEG, WebP or SVG file",
    )
    IMAGE_SANITISED = (
        "image.sanitised",
        "warning",
        "an SVG image held scripts, event handlers or external references; they are removed",
    )
    IO_UNREADABLE = (
        "io.unreadable",
        "error",
        "a source file that cannot be read: missing, not permitted, not a regular file, "
        "too large, a link to a file outside the project, or a hard link",
    )
    INTERNAL_POSITION = (
        "internal.position",
        "warning",
        "citepress could not place a fact of pandoc's reading in the source text "
        "(a bug: please report it); the position given is the block's",
    )


BY_NAME: dict[str, Code] = {str(code): code for code in Code}


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in one place. Lines and columns are 1-based; 0 = unknown."""

    code: Code
    severity: Severity
    message: str
    path: str
    line: int = 0
    column: int = 0
    # Other codes that describe the same problem at the same place, merged into this
    # one finding (one problem, one finding): its message carries all their facts.
    also: tuple[Code, ...] = ()
    # What the finding is about, when many findings of one code differ only in it
    # (an entry's key): the text report names them in one line.
    subject: str = ""

    @property
    def codes(self) -> tuple[Code, ...]:
        """The finding's code, then the codes merged into it."""
        return (self.code, *self.also)

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order by place, then code, so that output is stable."""
        return (self.path, self.line, self.column, self.code)


def make(
    code: Code, message: str, path: str, line: int = 0, column: int = 0, subject: str = ""
) -> Diagnostic:
    """Create a diagnostic with the default severity of ``code``."""
    return Diagnostic(code, code.severity, message, path, line, column, subject=subject)


def apply_severities(
    diagnostics: Iterable[Diagnostic],
    overrides: Mapping[Code, Severity],
    strict: bool = False,
) -> list[Diagnostic]:
    """Apply per-code severity settings, then ``strict`` (warnings and queries become errors)."""
    result = []
    for diag in merge_same_place(diagnostics):
        # A merged finding is as severe as the most severe of its codes.
        severity = min(
            (
                overrides.get(code, diag.severity if code == diag.code else code.severity)
                for code in diag.codes
            ),
            key=SEVERITIES.index,
        )
        if strict and severity in ("warning", "query"):
            severity = "error"
        result.append(replace(diag, severity=severity))
    return sorted(result, key=Diagnostic.sort_key)


def merge_same_place(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One finding per place: findings at the same file, line and column become one.

    Two checks that see one problem from two sides (a date out of the story's order
    and out of its section) would otherwise report it twice at the same spot. The
    merged finding keeps the first code (in code order) and lists the others in
    ``also``; its message joins theirs. Findings without a line (a whole file), and
    findings of one code at one place (two keys a front matter lacks, reported at
    its start), are kept apart: they are not one problem.
    """
    groups: dict[tuple[str, int, int], list[Diagnostic]] = {}
    kept: list[Diagnostic] = []
    for diag in diagnostics:
        if diag.line:
            groups.setdefault((diag.path, diag.line, diag.column), []).append(diag)
        else:
            kept.append(diag)
    for group in groups.values():
        if len({d.code for d in group}) == len(group) > 1:
            kept.append(_merged(group))
        else:  # one finding, or several of one kind (two keys a front matter lacks)
            kept += group
    return kept


def _merged(group: list[Diagnostic]) -> Diagnostic:
    ordered = sorted(group, key=lambda d: (SEVERITIES.index(d.severity), d.code))
    first = ordered[0]
    codes = [code for d in ordered for code in d.codes]
    messages = list(dict.fromkeys(d.message for d in ordered))
    return replace(
        first,
        message="; ".join(messages),
        also=tuple(dict.fromkeys(c for c in codes if c != first.code)),
    )


def count(diagnostics: Iterable[Diagnostic], severity: Severity) -> int:
    """How many diagnostics have ``severity``."""
    return sum(1 for diag in diagnostics if diag.severity == severity)
