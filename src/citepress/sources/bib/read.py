"""Read .bib files into entries: bibtexparser's blocks, our values and positions.

Each file is read through the guarded reader (links out of the project,
non-regular and oversize files refused; a form feed, TeX white space, becomes a
space) and parsed by bibtexparser v2 with an empty middleware stack, so that
values keep their braces and quotes for :mod:`values` to resolve. Every block
bibtexparser could not parse, and every entry it silently lost, becomes a
diagnostic.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from citepress.diagnostics import Code, Diagnostic, make
from citepress.ground.files import SourceError, read_text
from citepress.ground.memo import OFF, Memo, digest
from citepress.sources.bib import csljson, integrity
from citepress.sources.bib.model import Bibliography, Entry
from citepress.sources.bib.positions import Places
from citepress.sources.bib.values import (
    EXPANSION_FACTOR,
    MAX_VALUE,
    Macros,
    MalformedValue,
    Value,
    strip_enclosing,
)

if TYPE_CHECKING:
    from bibtexparser import model

# bibtexparser logs every failed block; we report them as diagnostics instead.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False


def load(
    root: Path, paths: list[tuple[Path, str]], memo: Memo = OFF
) -> tuple[Bibliography, list[Diagnostic]]:
    """Read every (path, display name), confined to the project ``root``, into one bibliography.

    ``memo``: the build's, which may remember a file's entries from the last build.
    """
    bib, diags = Bibliography(), []
    read_from: list[str] = []
    for path, display in paths:
        try:
            text = read_text(root, path, allow="\f")
        except SourceError as exc:
            bib.failed.append(display)
            bib.failed_keys = None
            diags.append(_unreadable(exc, display))
            continue
        read_from += (path.suffix.lower(), display, text)
        slot, parts = ("bibliography", display), (path.suffix.lower(), text)
        entries, found = memo.recall(slot, parts, partial(_parsed, path, text, display))
        bib.commented.update(integrity.commented_keys(text, display))
        bib.entries += entries
        diags += found
        if not entries and any(d.code is Code.BIB_SYNTAX for d in found):
            # Nothing of the file could be read: its one error stands for every
            # citation of its keys, which would each be a ref.undefined otherwise.
            bib.failed.append(display)
            keys = _declared_keys(path, text)
            if bib.failed_keys is not None:
                bib.failed_keys |= keys
            if not keys:
                bib.failed_keys = None
    bib.entries, found = integrity.duplicate_keys(bib.entries)
    if not bib.failed:
        bib.digest = digest(read_from)
    return bib, diags + found


# The ids a CSL file declares, found in text no parser could read: '"id": "key"' in
# CSL JSON, "id: key" in CSL YAML.
_CSL_IDS = re.compile(
    r"\"id\"\s{0,9}:\s{0,9}\"([^\"\n]{1,200})\"|^\s{0,9}-?\s{0,9}id:\s{0,9}['\"]?([^\s'\"]{1,200})",
    re.M,
)


def _declared_keys(path: Path, text: str) -> set[str]:
    """The keys a file that could not be parsed declares, as far as its text shows."""
    if path.suffix.lower() in BIBTEX:
        return integrity.entry_keys(text)
    return {"".join(groups) for groups in _CSL_IDS.findall(text)}


# A bibliography's format, by its file name.
BIBTEX = (".bib", ".bibtex", ".biblatex")
CSL_JSON = (".json",)
CSL_YAML = (".yaml", ".yml")


def _parsed(
    path: Path, text: str, display: str
) -> tuple[tuple[list[Entry], list[Diagnostic]], bool]:
    """One file's entries and findings (always kept: memo.recall)."""
    return _parse_any(path, text, display), True


def _parse_any(path: Path, text: str, display: str) -> tuple[list[Entry], list[Diagnostic]]:
    suffix = path.suffix.lower()
    if suffix in CSL_JSON or suffix in CSL_YAML:
        return csljson.parse(text, display, yaml=suffix in CSL_YAML)
    if suffix in BIBTEX:
        return parse(text, display)
    known = ", ".join((*BIBTEX, *CSL_JSON, *CSL_YAML))
    message = f"not a bibliography format citepress reads ({known})"
    return [], [make(Code.BIB_SYNTAX, message, display, 1, 1)]


def _unreadable(exc: SourceError, display: str) -> Diagnostic:
    if exc.kind == "encoding":
        return make(Code.BIB_ENCODING, exc.message, display, exc.line, exc.column)
    return make(Code.IO_UNREADABLE, exc.message, display)


def parse(text: str, display: str) -> tuple[list[Entry], list[Diagnostic]]:
    """Parse one .bib text; return its entries and a diagnostic per problem."""
    from bibtexparser import model  # noqa: PLC0415 -- lazily, so `citepress --help` stays fast
    from bibtexparser.entrypoint import parse_string  # noqa: PLC0415

    text = integrity.blank_comment_lines(text)
    blocks = parse_string(text, parse_stack=[]).blocks
    reader = _Reader(text, display)
    offsets = reader.places.blocks(blocks)
    # @strings first, in file order; entries then see the file's whole table, as
    # bibtexparser's own middleware gives them (an @string after its use is common).
    for block, offset in zip(blocks, offsets, strict=True):
        if isinstance(block, model.String):
            reader.string(block, offset)
    for block, offset in zip(blocks, offsets, strict=True):
        reader.block(block, offset)
    parsed = [
        offset
        for block, offset in zip(blocks, offsets, strict=True)
        if not isinstance(block, model.ExplicitComment | model.ImplicitComment)
    ]
    comments = [
        (offset, offset + len(block.raw or ""))
        for block, offset in zip(blocks, offsets, strict=True)
        if isinstance(block, model.ExplicitComment)
    ]
    reader.diags += integrity.dropped(text, parsed, comments, display)
    return reader.entries, reader.diags


class _Reader:
    """The entries and diagnostics of one file, block by block."""

    def __init__(self, text: str, display: str) -> None:
        self.places = Places(text)
        self.display = display
        self.macros = Macros(len(text))
        self.entries: list[Entry] = []
        self.diags: list[Diagnostic] = []

    def report(self, code: Code, message: str, offset: int) -> None:
        """Add a diagnostic at ``offset``."""
        self.diags.append(make(code, message, self.display, *self.places.position(offset)))

    def string(self, block: model.String, offset: int) -> None:
        """Define an @string with the macros defined before it."""
        what = f"@string {block.key!r}"
        if block.key in self.macros:  # macro names ignore case; bibtexparser's keys do not
            self.report(Code.BIB_DUPLICATE_KEY, f"duplicate {what}", offset)
            return  # the first definition stands, as for an exact duplicate
        try:
            value = self.macros.define(block.key, block.value)
        except MalformedValue as exc:
            self.report(Code.BIB_SYNTAX, f"{what} has a malformed value near {_near(exc)}", offset)
            self.macros.define_literal(block.key, strip_enclosing(block.value))
            return
        self._value_problems(what, value, offset, report_macro=False)

    def block(self, block: model.Block, offset: int) -> None:
        """Turn one block into an entry or a diagnostic (an @string is already defined)."""
        from bibtexparser import model  # noqa: PLC0415

        if isinstance(block, model.DuplicateFieldKeyBlock):
            kept = block.ignore_error_block  # the entry, duplicates included: entry() reports them
            assert isinstance(kept, model.Entry)
            self.entries.append(self.entry(kept, offset))
        elif isinstance(block, model.Entry):
            self.entries.append(self.entry(block, offset))
        elif isinstance(block, model.DuplicateBlockKeyBlock):
            kind = "@string" if isinstance(block.ignore_error_block, model.String) else "entry key"
            self.report(Code.BIB_DUPLICATE_KEY, f"duplicate {kind} {block.key!r}", offset)
        elif isinstance(block, model.ParsingFailedBlock):
            self.syntax_error(block, offset)

    def entry(self, block: model.Entry, offset: int) -> Entry:
        """An entry with its fields resolved and placed."""
        line, column = self.places.position(offset)
        entry = Entry(block.key, block.entry_type.lower(), self.display, line, column)
        if not entry.key.strip():
            self.report(Code.BIB_SYNTAX, f"@{entry.entry_type} entry has no key", offset)
        end = offset + len(block.raw or "")
        where = self.places.fields(offset, end, block.fields)
        repeated: dict[str, int] = {}
        for fld, field_offset in zip(block.fields, where, strict=True):
            name = fld.key.lower()
            if name in entry.field_lines:
                repeated.setdefault(name, field_offset)
            entry.field_lines[name] = self.places.position(field_offset)
            self._field(entry, name, fld.value, field_offset)
        if repeated:
            first = min(repeated)
            names = ", ".join(map(repr, sorted(repeated)))
            message = f"entry {entry.key!r} sets {names} more than once"
            self.report(Code.BIB_DUPLICATE_FIELD, message, repeated[first])
        return entry

    def _field(self, entry: Entry, name: str, raw: str, offset: int) -> None:
        what = f"field {name!r} of {entry.key!r}"
        try:
            value = self.macros.resolve(raw)
        except MalformedValue as exc:
            message = f"{what} has a malformed value near {_near(exc)}; is a comma missing?"
            self.report(Code.BIB_SYNTAX, message, offset)
            entry.fields[name] = strip_enclosing(raw)
            entry.damaged = True
            return
        if value.text is None:
            entry.damaged = True  # a field left out: no "lacks title" on top of the error
            entry.fields.pop(name, None)
        else:
            entry.fields[name] = value.text
        self._value_problems(what, value, offset, report_macro=True)

    def _value_problems(self, what: str, value: Value, offset: int, report_macro: bool) -> None:
        """Undefined macros and a value too large, for a field or an @string."""
        for macro in value.undefined:
            message = f"{what} uses undefined @string {macro!r}"
            self.report(Code.BIB_UNDEFINED_STRING, message, offset)
        if value.text is not None:
            return
        if value.macro:
            # The @string itself was reported where it is defined; a field says why it is empty.
            if report_macro:
                message = f"{what} uses @string {value.macro!r}, which is too large to expand"
                self.report(Code.BIB_TOO_LARGE, message, offset)
        elif value.budget:
            message = (
                f"{what} is not expanded: the @string macros of this file already add more "
                f"than {self.macros.limit:,} characters ({EXPANSION_FACTOR} times the file's size, "
                "plus 1 MB)"
            )
            self.report(Code.BIB_TOO_LARGE, message, offset)
        else:
            message = (
                f"{what} would be {value.length:,} characters long once its @string macros "
                f"are expanded; a value may have at most {MAX_VALUE:,} (1 MB)"
            )
            self.report(Code.BIB_TOO_LARGE, message, offset)

    def syntax_error(self, block: model.ParsingFailedBlock, offset: int) -> None:
        """bib.syntax for a block bibtexparser gave up on, at the value that broke it if known."""
        reason = getattr(block.error, "abort_reason", "") or str(block.error) or "syntax error"
        unclosed = None
        if "end of file" in reason and _is_entry(block.raw or ""):  # only entries have fields
            unclosed = self.places.unclosed_value(offset)
        if unclosed is None:
            self.report(Code.BIB_SYNTAX, f"cannot parse this block: {reason.strip()}", offset)
            return
        line, column, message = unclosed
        self.diags.append(make(Code.BIB_SYNTAX, message, self.display, line, column))


def _is_entry(raw: str) -> bool:
    """True when a block's text opens an entry, not an @comment, @string or @preamble."""
    kind = raw[1:].lstrip(" \t").split("{", 1)[0].split("(", 1)[0].strip().lower()
    return kind not in integrity.NOT_ENTRIES


def _near(exc: MalformedValue) -> str:
    return repr(str(exc)[:40])
