"""Every citation resolves, every entry is cited, notes are counted, links land."""

from __future__ import annotations

import re
from collections.abc import Iterator

from citepress.check.analysis import Analysis, Suggestions
from citepress.diagnostics import Code, Diagnostic, make
from citepress.sources.bib import Entry
from citepress.sources.bib.inherit import aliases, used
from citepress.sources.bib.inherit import inherited as inherited_fields

# Zero-width characters inside a marker hide it from a plain match, not from a reader.
_INVISIBLE = "[\\s\u200b-\u200d\u2060\ufeff]*"
STRAY_MARKER = re.compile(f"（{_INVISIBLE}注{_INVISIBLE}[0-9０-９]+{_INVISIBLE}）")
# biblatex's required fields, by entry type (the types this project uses, and common ones).
REQUIRED = {
    "article": ("author", "title", "journaltitle", "date"),
    "book": ("author", "title", "date"),
    "incollection": ("author", "title", "booktitle", "date"),
    "online": ("author", "title", "date", "url"),
    "misc": ("author", "title", "date"),
}
# Fields that stand in for a required one: biblatex's data model accepts a doi or
# an eprint where @online wants a url, and an editor where it wants an author.
ALIASES = {
    "date": ("year",),
    "journaltitle": ("journal",),
    "author": ("editor",),
    "url": ("doi", "eprint"),
}


def citations(project: Analysis) -> Iterator[Diagnostic]:
    """Unknown keys (with suggestions), citations in headings, unused entries."""
    docs, bib = project.docs, project.bib
    entries = bib.by_key()
    alias = aliases(entries)  # biblatex's ids: an alias cites its entry
    cited: set[str] = set()
    for doc in docs:
        for cite in doc.citations:
            cited.add(alias.get(cite.key, cite.key))
            line, column = doc.position(cite.offset)
            known = cite.key in entries or cite.key in alias
            if not known and not bib.lost(cite.key):  # else: one error, the file's
                message = _undefined(cite.key, entries, bib.commented, project.suggestions)
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
    cited = used(cited, entries)  # a set's members and a crossref's parent are used too
    for entry in bib.entries:
        if entry.key not in cited:
            yield make(
                Code.REF_UNUSED,
                f"entry {entry.key!r} is never cited",
                entry.path,
                entry.line,
                entry.column,
                subject=entry.key,
            )


# Quarto's other cross-reference kinds (theorems, definitions, examples…): pandoc
# reads @def-x as a citation, and citepress numbers none of them.
QUARTO_KINDS = {
    "thm": "theorem", "lem": "lemma", "cor": "corollary", "prp": "proposition",
    "cnj": "conjecture", "def": "definition", "exm": "example", "exr": "exercise",
    "sol": "solution", "rem": "remark", "lst": "listing", "tip": "tip callout",
    "nte": "note callout", "wrn": "warning callout", "imp": "important callout",
    "cau": "caution callout",
}  # fmt: skip


def _undefined(
    key: str, entries: dict[str, Entry], commented: dict[str, str], suggestions: Suggestions
) -> str:
    head, dash, rest = key.partition("-")
    if dash and rest and head in QUARTO_KINDS:
        return (
            f"@{key} is Quarto's cross-reference to a {QUARTO_KINDS[head]}, which citepress "
            "does not number (it numbers figures, tables, sections and equations); pandoc "
            "prints it as a citation of a missing entry: refer to it in words"
        )
    if key in commented:
        return (
            f"citation key {key!r} is not in the bibliography: its entry at "
            f"{commented[key]} is commented out with %"
        )
    if not entries:
        return f"citation key {key!r} is not in the bibliography, which has no entries at all"
    lowered = {k.lower(): k for k in entries}
    near = suggestions.nearest(key.lower(), list(lowered), 3)
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
        notes = doc.notes if project.note_styles.get(doc.path, True) else doc.footnotes
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
    """Internal links must point to an id the book has (a chapter's own, or another's)."""
    book = set().union(*(doc.anchors for doc in project.docs))
    for doc in project.docs:
        for link in doc.links:
            if link.target not in book:
                line, column = doc.position(link.offset)
                near = project.suggestions.nearest(link.target, list(doc.anchors), 1)
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
        inherited = inherited_fields(entry, keys)
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
                subject=entry.key,
            )
        absent = [
            f
            for f in REQUIRED.get(entry.entry_type, ())
            if not _has(entry, f, inherited) and f not in entry.missing
        ]
        if absent and not entry.damaged:  # a missing comma merges fields: bib.syntax says so
            yield make(
                Code.BIB_MISSING_FIELD,
                f"@{entry.entry_type} {entry.key!r} lacks "
                f"{', '.join(absent)}; supply it or list it in 'missing'",
                entry.path,
                entry.line,
                entry.column,
                subject=entry.key,
            )


def _has(entry: Entry, name: str, inherited: dict[str, str]) -> bool:
    """The entry has the field, or one standing in for it, of its own or inherited."""
    names = (name, *ALIASES.get(name, ()))
    return any(n in entry.fields or n in inherited for n in names)


def slugs(project: Analysis) -> Iterator[Diagnostic]:
    """Two chapter files must not give the same identifier (EPUB file names, ids)."""
    from citepress.sources.slug import slug_of  # noqa: PLC0415 -- tiny, but a render concern

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


def reserved_ids(project: Analysis) -> Iterator[Diagnostic]:
    """An id the manuscript sets must not be one the editions give their own elements."""
    from citepress.sources.slug import RESERVED_ID, slug_of  # noqa: PLC0415 -- shared rules
    from citepress.sources.slug import reserved_ids as chapter_ids  # noqa: PLC0415

    for doc in project.docs:
        mine = chapter_ids(slug_of(doc.path))
        for ident in sorted(doc.anchors):
            if RESERVED_ID.match(ident) or ident in mine:
                found = doc.source.find(ident, doc.body_start)
                line, column = doc.position(found if found >= 0 else doc.body_start)
                yield make(
                    Code.MD_RESERVED_ID,
                    f"the id {ident!r} is one the editions give their own elements "
                    "(notes, note references, the bibliography, the chapter's title); "
                    "choose another",
                    doc.path,
                    line,
                    column,
                )
