"""Every citation resolves, every entry is cited, notes are counted, links land."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from citepress.analysis import Analysis
from citepress.diagnostics import Code, Diagnostic, make
from citepress.sources.bib import Entry

STRAY_MARKER = re.compile(r"（注\s*[0-9０-９]+）")
# biblatex's required fields, by entry type (the types this project uses, and common ones).
REQUIRED = {
    "article": ("author", "title", "journaltitle", "date"),
    "book": ("author", "title", "date"),
    "incollection": ("author", "title", "booktitle", "date"),
    "online": ("author", "title", "date", "url"),
    "misc": ("author", "title", "date"),
}
ALIASES = {"date": ("year",), "journaltitle": ("journal",), "author": ("editor",)}


def citations(project: Analysis) -> Iterator[Diagnostic]:
    """Unknown keys (with suggestions), citations in headings, unused entries."""
    docs, bib = project.docs, project.bib
    entries = bib.by_key()
    cited: set[str] = set()
    for doc in docs:
        for cite in doc.citations:
            cited.add(cite.key)
            line, column = doc.position(cite.offset)
            if cite.key not in entries and not bib.failed:  # else: one error, the file's
                message = _undefined(cite.key, entries, bib.commented)
                yield make(Code.REF_UNDEFINED, message, doc.path, line, column)
            if cite.in_heading:
                yield make(
                    Code.REF_IN_HEADING,
                    f"citation @{cite.key} stands inside a heading; move it into the text",
                    doc.path,
                    line,
                    column,
                )
    if not all(doc.complete for doc in docs):
        return  # a chapter too deep to read whole: its citations are not all known
    for entry in bib.entries:
        if entry.key not in cited:
            yield make(
                Code.REF_UNUSED,
                f"entry {entry.key!r} is never cited",
                entry.path,
                entry.line,
                entry.column,
            )


def _undefined(key: str, entries: dict[str, Entry], commented: dict[str, str]) -> str:
    if key in commented:
        return (
            f"citation key {key!r} is not in the bibliography: its entry at "
            f"{commented[key]} is commented out with %"
        )
    if not entries:
        return f"citation key {key!r} is not in the bibliography, which has no entries at all"
    lowered = {k.lower(): k for k in entries}
    near = difflib.get_close_matches(key.lower(), list(lowered), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(lowered[n]) for n in near)}?" if near else ""
    return f"citation key {key!r} is not in the bibliography{hint}"


def notes(project: Analysis) -> Iterator[Diagnostic]:
    """Note markers left as text, and each chapter's endnote count against its setting.

    A chapter's front matter ``expected-notes`` wins; the project's applies to a
    book of one chapter (in a book of several it could only be a guess).
    """
    docs, expected = project.docs, project.settings.expected_notes
    for doc in docs:
        for block in doc.blocks:
            for match in STRAY_MARKER.finditer(block.text):
                line, column = doc.position(block.offsets[match.start()])
                yield make(
                    Code.REF_STRAY_MARKER,
                    f"literal note marker {match.group(0)} in the "
                    "text; replace it with a citation [@key]",
                    doc.path,
                    line,
                    column,
                )
    for doc in docs:
        own = doc.front_matter.get("expected-notes")
        wanted = own if isinstance(own, int) else expected if len(docs) == 1 else None
        where = "the front matter" if isinstance(own, int) else "pyproject.toml"
        notes = doc.notes
        if wanted is not None and notes != wanted:
            yield make(
                Code.REF_COUNT,
                f"the chapter has {notes} endnote{'s' * (notes != 1)}; the settings expect "
                f"{wanted} (expected-notes in {where})",
                doc.path,
                1,
                1,
            )


def links(project: Analysis) -> Iterator[Diagnostic]:
    """Internal links must point to an id of the same chapter."""
    for doc in project.docs:
        for link in doc.links:
            if link.target not in doc.anchors:
                line, column = doc.position(link.offset)
                near = difflib.get_close_matches(link.target, list(doc.anchors), n=1)
                hint = f"; did you mean #{near[0]}?" if near else ""
                yield make(
                    Code.REF_BROKEN_LINK,
                    f"link to #{link.target}: no such anchor{hint}",
                    doc.path,
                    line,
                    column,
                )


def entries(project: Analysis) -> Iterator[Diagnostic]:
    """Crossref targets, declared-missing fields, undeclared missing fields."""
    bib = project.bib
    keys = bib.by_key()
    for entry in bib.entries:
        for name in ("crossref", "xdata"):
            for target in filter(None, (t.strip() for t in entry.fields.get(name, "").split(","))):
                if target not in keys:
                    yield make(
                        Code.BIB_MISSING_CROSSREF,
                        f"{name} of {entry.key!r} names "
                        f"{target!r}, which is not in the bibliography",
                        entry.path,
                        *entry.where(name),
                    )
        if entry.missing:
            yield make(
                Code.BIB_INCOMPLETE,
                f"entry {entry.key!r} still needs: {', '.join(entry.missing)}",
                entry.path,
                *entry.where("missing"),
            )
        absent = [
            f
            for f in REQUIRED.get(entry.entry_type, ())
            if not _has(entry, f) and f not in entry.missing
        ]
        if absent and not entry.damaged:  # a missing comma merges fields: bib.syntax says so
            yield make(
                Code.BIB_MISSING_FIELD,
                f"@{entry.entry_type} {entry.key!r} lacks "
                f"{', '.join(absent)}; supply it or list it in 'missing'",
                entry.path,
                entry.line,
                entry.column,
            )


def _has(entry: Entry, name: str) -> bool:
    return any(n in entry.fields for n in (name, *ALIASES.get(name, ())))


def slugs(project: Analysis) -> Iterator[Diagnostic]:
    """Two chapter files must not give the same identifier (EPUB file names, ids)."""
    from citepress.render.slug import slug_of  # noqa: PLC0415 -- tiny, but a render concern

    seen: dict[str, str] = {}
    for doc in project.docs:
        slug = slug_of(doc.path)
        first = seen.setdefault(slug, doc.path)
        if first != doc.path:
            yield make(
                Code.MD_SLUG_COLLISION,
                f"this file and {first} both give the identifier {slug!r}; rename one",
                doc.path,
                1,
                1,
            )
