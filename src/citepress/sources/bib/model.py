"""What the bibliography reader produces: entries with their positions, and the whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Entry:
    """A bibliography entry with the line of the entry and of each field."""

    key: str
    entry_type: str
    path: str
    line: int
    column: int
    fields: dict[str, str] = field(default_factory=dict)
    field_lines: dict[str, tuple[int, int]] = field(default_factory=dict)
    damaged: bool = False  # a value was malformed: which fields it holds is a guess
    # A CSL JSON/YAML item as the file gave it: the editions print it as it is.
    csl: dict[str, Any] | None = None

    def where(self, name: str | None = None) -> tuple[int, int]:
        """The (line, column) of field ``name``, or of the entry itself."""
        return (
            self.field_lines.get(name, (self.line, self.column))
            if name
            else (self.line, self.column)
        )

    @property
    def missing(self) -> list[str]:
        """The fields the entry declares missing (its ``missing`` field)."""
        raw = self.fields.get("missing", "")
        return [name.strip() for name in raw.split(",") if name.strip()]


@dataclass
class Bibliography:
    """All entries of all .bib files, in file order."""

    entries: list[Entry] = field(default_factory=list)
    # Entries written inside %-comment lines: key -> "path:line", for hints.
    commented: dict[str, str] = field(default_factory=dict)
    # Files that could not be read at all (display names): their keys are unknown,
    # so a citation of one is not worth an error of its own.
    failed: list[str] = field(default_factory=list)
    # The keys those files declare, as far as a look at their text finds them; None
    # when a file could not be read at all (any key may have been in it).
    failed_keys: set[str] | None = field(default_factory=set)
    # What it was read from (each file's name and text): a build's memory of what it
    # made of these entries (book/convert.py) is keyed by it. "" when not known.
    digest: str = ""

    def lost(self, key: str) -> bool:
        """``key`` may be in a file that could not be parsed: not an error of its own."""
        return bool(self.failed) and (self.failed_keys is None or key in self.failed_keys)

    def by_key(self) -> dict[str, Entry]:
        """Entries by key; the first of duplicates wins."""
        result: dict[str, Entry] = {}
        for entry in self.entries:
            result.setdefault(entry.key, entry)
        return result
