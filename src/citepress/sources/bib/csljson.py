"""CSL JSON and CSL YAML bibliographies (what Zotero, Mendeley and pandoc export).

Each item becomes an :class:`Entry` like a BibTeX one, so every check applies
(keys, duplicates, dates, required fields) with file:line:col: its ``id`` is the
key, its type the biblatex type, its variables the fields biblatex would name
(``issued`` becomes an EDTF ``date``). The editions print the item itself, as
the reference manager wrote it (``Entry.csl``): nothing is lost in a round trip
through BibTeX.
"""

from __future__ import annotations

import json
import re
from typing import Any

from citepress.diagnostics import Code, Diagnostic, make
from citepress.ground.yamlsafe import YamlError
from citepress.ground.yamlsafe import load as load_yaml
from citepress.sources.bib.model import Entry

# PyYAML is quadratic on some scalars: a CSL YAML file is bounded, CSL JSON is not.
MAX_YAML = 512 * 1024
TYPES = {
    "article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
    "book": "book", "chapter": "incollection", "paper-conference": "inproceedings",
    "report": "report", "thesis": "thesis", "webpage": "online", "post-weblog": "online",
    "entry-encyclopedia": "inreference", "entry-dictionary": "inreference",
}  # fmt: skip
TEXT = {
    "title": "title", "publisher": "publisher", "publisher-place": "location",
    "URL": "url", "DOI": "doi", "volume": "volume", "issue": "number", "page": "pages",
    "edition": "edition", "note": "note", "annote": "annotation", "language": "langid",
    "status": "pubstate",
}  # fmt: skip
NAMES = {"author": "author", "editor": "editor", "translator": "translator"}
DATES = {"issued": "date", "accessed": "urldate", "original-date": "origdate",
         "event-date": "eventdate"}  # fmt: skip


def parse(text: str, display: str, yaml: bool) -> tuple[list[Entry], list[Diagnostic]]:
    """The entries of one CSL JSON (or YAML) text, and a diagnostic per problem."""
    try:
        data = _load(text, yaml)
    except (ValueError, YamlError, RecursionError) as exc:
        line = getattr(exc, "lineno", 0) or getattr(exc, "line", 0) or 1
        column = getattr(exc, "colno", 0) or getattr(exc, "column", 0) or 1
        message = f"not CSL {'YAML' if yaml else 'JSON'}: {str(exc).splitlines()[0][:200]}"
        return [], [make(Code.BIB_SYNTAX, message, display, line, column)]
    items = data.get("references") if isinstance(data, dict) else data
    if not isinstance(items, list):
        message = "a CSL bibliography is a list of items (or references: a list)"
        return [], [make(Code.BIB_SYNTAX, message, display, 1, 1)]
    entries, diags = [], []
    places = _Places(text)
    for item in items:
        line = places.line_of(item)
        if not isinstance(item, dict) or not isinstance(item.get("id"), str | int):
            diags.append(make(Code.BIB_SYNTAX, "a CSL item without an id", display, line, 1))
            continue
        entries.append(_entry(item, display, line))
    return entries, diags


def _load(text: str, yaml: bool) -> Any:
    if yaml:
        return load_yaml(text, MAX_YAML, "write a larger bibliography as CSL JSON")
    return json.loads(text)


class _Places:
    """Lines of items' ids, found in order (a position only; linear over the file)."""

    WINDOW = 200_000  # an id is looked for this far on from the last one

    def __init__(self, text: str) -> None:
        self.text, self.offset, self.line = text, 0, 1

    def line_of(self, item: Any) -> int:
        """The line where ``item``'s id is written, or of the previous item."""
        ident = item.get("id") if isinstance(item, dict) else None
        if ident is None:
            return self.line
        key = re.escape(str(ident))
        pattern = re.compile(rf"""["']?id["']?\s*:\s*["']?{key}\b""")
        found = pattern.search(self.text, self.offset, self.offset + self.WINDOW)
        if found:
            self.line += self.text.count("\n", self.offset, found.start())
            self.offset = found.start()
        return self.line


def _entry(item: dict[str, Any], display: str, line: int) -> Entry:
    kind = TYPES.get(str(item.get("type", "")), "misc")
    fields = {field: str(item[var]) for var, field in TEXT.items() if _text(item.get(var))}
    container = item.get("container-title")
    if _text(container):
        part_of_book = kind in ("incollection", "inproceedings")
        fields["booktitle" if part_of_book else "journaltitle"] = str(container)
    for var, field in NAMES.items():
        names = _names(item.get(var))
        if names:
            fields[field] = names
    for var, field in DATES.items():
        value = _date(item.get(var))
        if value:
            fields[field] = value
    entry = Entry(str(item["id"]), kind, display, line, 1, fields)
    entry.csl = item
    return entry


def _text(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool) and value != ""


def _names(value: Any) -> str:
    """CSL names as BibTeX writes them: 'Family, Given and Family, Given'."""
    if not isinstance(value, list):
        return ""
    names = []
    for name in value:
        if isinstance(name, dict):
            family, given = name.get("family") or name.get("literal"), name.get("given")
            if family:
                names.append(f"{family}, {given}" if given else str(family))
    return " and ".join(names)


def _date(value: Any) -> str:
    """A CSL date as EDTF: date-parts (a range too), else its raw form."""
    if not isinstance(value, dict):
        return ""
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and all(isinstance(p, list) for p in parts):
        ends = ["-".join(_part(n, i) for i, n in enumerate(p[:3])) for p in parts[:2] if p]
        text = "/".join(ends)
        return text + ("~" if value.get("circa") and "/" not in text else "")
    raw = value.get("raw")
    return str(raw) if isinstance(raw, str) else ""


def _part(number: Any, index: int) -> str:
    try:
        value = int(number)
    except (TypeError, ValueError):
        return str(number)
    return f"{value:04d}" if index == 0 else f"{value:02d}"
