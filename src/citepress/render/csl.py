"""CSL JSON items for citeproc: pandoc's reading of the .bib, corrected by ours.

pandoc's biblatex reader knows every standard field (names, LaTeX, titles), so it
does the bulk. It reads our parse of the .bib files, written out again by
bibtexparser, not the files themselves: the check and the editions then see the
same entries (pandoc would reject a whole file over one ``@misc(key, ...)``, which
BibTeX allows). Three things it loses, which this project's entries rely on, are
put back from our own reading of the same file (bibliography.py):

- EDTF qualifiers: pandoc keeps ``~`` as circa but silently drops a date with ``?``
  (``2002?`` comes out with no date at all);
- ``speaker``, a non-standard field, becomes the CSL ``contributor`` (literal names:
  the chapter names people by title, not as family/given parts);
- ``missing``, our to-do list, becomes the CSL ``status``, so a note says plainly
  that its source is not yet identified rather than looking complete.
"""

from __future__ import annotations

import re
from typing import Any

from citepress.dates.edtf import DateError
from citepress.dates.edtf import parse as parse_date
from citepress.sources.bibliography import Bibliography, Entry

_PART = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?([?~%]?)$")
MISSING_LABELS = {
    "ja": {"author": "著者", "title": "題名", "date": "日付", "_prefix": "未詳："},
    "en": {"_prefix": "not yet identified: "},
}


def items(bib: Bibliography, pandoc_items: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The CSL JSON items of every entry, in bibliography order."""
    by_id = {str(item.get("id")): item for item in pandoc_items}
    return [_item(entry, dict(by_id.get(entry.key, {})), lang) for entry in bib.entries]


def _item(entry: Entry, item: dict[str, Any], lang: str) -> dict[str, Any]:
    item["id"] = entry.key
    if not item.get("type"):
        item["type"] = "document"  # pandoc leaves @misc untyped; CSL needs a type
    raw_date = entry.fields.get("date")
    if raw_date:
        issued = csl_date(raw_date)
        if issued is not None:
            item["issued"] = issued
    speakers = [s.strip() for s in entry.fields.get("speaker", "").split(";") if s.strip()]
    if speakers:
        item["contributor"] = [{"literal": name} for name in speakers]
    if entry.missing:
        item["status"] = missing_text(entry.missing, lang)
    return item


def bibtex(bib: Bibliography) -> str:
    """The entries as canonical BibTeX (macros resolved), for pandoc's reader."""
    from bibtexparser.entrypoint import write_string  # noqa: PLC0415
    from bibtexparser.library import Library  # noqa: PLC0415
    from bibtexparser.model import Entry as BibEntry  # noqa: PLC0415
    from bibtexparser.model import Field  # noqa: PLC0415

    library = Library()
    for entry in bib.entries:
        fields = [Field(name, value) for name, value in entry.fields.items()]
        library.add(BibEntry(entry.entry_type, entry.key, fields))
    return str(write_string(library))


def csl_date(text: str) -> dict[str, Any] | None:
    """CSL date parts of a plain EDTF date or closed interval; None for other forms.

    Uncertain (``?``) and approximate (``~``, ``%``) both become CSL ``circa``: CSL has
    no separate flag for uncertainty, and either way the reader must not take the
    date as exact.
    """
    try:
        parse_date(text)
    except DateError:
        return None  # the check reports it; the note goes without a date
    parts: list[list[int]] = []
    circa = False
    for piece in text.split("/"):
        match = _PART.match(piece)
        if match is None:
            return None
        parts.append([int(g) for g in match.groups()[:3] if g])
        circa = circa or bool(match.group(4))
    result: dict[str, Any] = {"date-parts": parts}
    if circa:
        result["circa"] = True
    return result


def missing_text(fields: list[str], lang: str) -> str:
    """'未詳：著者、題名' — what the note still lacks, in the edition's language."""
    labels = MISSING_LABELS.get(lang.split("-")[0], MISSING_LABELS["en"])
    names = [labels.get(name, name) for name in fields]
    separator = "、" if lang.startswith("ja") else ", "
    return labels["_prefix"] + separator.join(names)
