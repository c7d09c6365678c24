"""Read BibTeX with bibtexparser v2; every failed block becomes a diagnostic.

The file is parsed with an empty middleware stack so that field values keep
their braces and quotes: @string resolution is done here, because
bibtexparser's own middleware leaves an undefined macro in place silently.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from citepress.diagnostics import Code, Diagnostic, make
from citepress.sources.locate import Locator, read_text

if TYPE_CHECKING:
    from bibtexparser import model

# bibtexparser logs every failed block; we report them as diagnostics instead.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DECLARATION = re.compile(r"^[ \t]*@[ \t]*([^\s{(@]+)[ \t]*[{(]", re.MULTILINE)
_NOT_ENTRIES = {"comment", "string", "preamble"}


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

    def by_key(self) -> dict[str, Entry]:
        """Entries by key; the first of duplicates wins."""
        result: dict[str, Entry] = {}
        for entry in self.entries:
            result.setdefault(entry.key, entry)
        return result


def load(paths: list[tuple[Path, str]]) -> tuple[Bibliography, list[Diagnostic]]:
    """Read every (path, display name) into one bibliography."""
    bib, diags = Bibliography(), []
    for path, display in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            diags.append(make(Code.BIB_SYNTAX, f"cannot read the file: {exc.strerror}", display))
            continue
        text, error = read_text(data)
        if error is not None:
            line, column, message = error.split(":", 2)
            diags.append(make(Code.MD_ENCODING, message.strip(), display, int(line), int(column)))
            continue
        entries, file_diags = parse(text, display)
        bib.commented.update(commented_keys(text, display))
        bib.entries += entries
        diags += file_diags
    diags += _duplicate_keys(bib.entries)
    return bib, diags


def parse(text: str, display: str) -> tuple[list[Entry], list[Diagnostic]]:
    """Parse one .bib text; return its entries and a diagnostic per problem."""
    from bibtexparser import model  # noqa: PLC0415 -- lazily, so `citepress --help` stays fast
    from bibtexparser.entrypoint import parse_string  # noqa: PLC0415

    text = _blank_comment_lines(text)
    library = parse_string(text, parse_stack=[])
    lines = text.split("\n")
    strings = {s.key.lower(): _strip(s.value) for s in library.strings}
    entries: list[Entry] = []
    diags: list[Diagnostic] = []
    for block in library.blocks:
        if isinstance(block, model.Entry):
            entries.append(_entry(block, lines, display, strings, diags))
        elif isinstance(block, model.DuplicateFieldKeyBlock):
            kept = block.ignore_error_block
            assert isinstance(kept, model.Entry)  # the entry, duplicates included
            entry = _entry(kept, lines, display, strings, diags)
            entries.append(entry)
            dups = _dup_fields(block)
            line, column = _repeat_position(lines, block.start_line or 0, dups[0])
            message = f"entry {entry.key!r} sets {', '.join(map(repr, dups))} more than once"
            diags.append(make(Code.BIB_DUPLICATE_FIELD, message, display, line, column))
        elif isinstance(block, model.DuplicateBlockKeyBlock):
            diags.append(
                _failed(
                    block, lines, display, Code.BIB_DUPLICATE_KEY, f"duplicate entry key {block.key!r}"
                )
            )
        elif isinstance(block, model.ParsingFailedBlock):
            diags.append(_syntax_error(block, lines, display))
    diags += _dropped(text, library.blocks, display)
    return entries, diags


def _entry(
    block: model.Entry,
    lines: list[str],
    display: str,
    strings: dict[str, str],
    diags: list[Diagnostic],
) -> Entry:
    line = block.start_line or 0
    entry = Entry(
        block.key,
        block.entry_type.lower(),
        display,
        line + 1,
        _column(lines, line, "@"),
    )
    if not entry.key.strip():
        diags.append(
            make(Code.BIB_SYNTAX, f"@{entry.entry_type} entry has no key", display, line + 1, 1)
        )
    for fld in block.fields:
        name = fld.key.lower()
        where = _field_position(lines, fld.start_line, fld.key)
        entry.field_lines[name] = where
        try:
            value, undefined = resolve(fld.value, strings)
        except MalformedValue as exc:
            near = str(exc)[:40]
            diags.append(
                make(
                    Code.BIB_SYNTAX,
                    f"field {name!r} of {entry.key!r} has a malformed value near {near!r}; "
                    "is a comma missing?",
                    display,
                    *where,
                )
            )
            value, undefined = _strip(fld.value), []
            entry.damaged = True
        entry.fields[name] = value
        diags += [
            make(
                Code.BIB_UNDEFINED_STRING,
                f"field {name!r} of {entry.key!r} uses undefined @string {macro!r}",
                display,
                *where,
            )
            for macro in undefined
        ]
    return entry


def resolve(raw: str, strings: dict[str, str]) -> tuple[str, list[str]]:
    """Resolve a raw BibTeX value (braces, quotes, ``#``, macros); list undefined macros."""
    parts, undefined = [], []
    for piece in _split_concatenation(raw):
        if piece[:1] in '{"' and not _enclosed(piece):
            raise MalformedValue(piece)
        if piece[:1] in '{"' or piece.isdigit():
            parts.append(_strip(piece))
        elif piece.lower() in strings:
            parts.append(strings[piece.lower()])
        elif piece.lower() in MONTHS:
            parts.append(str(MONTHS.index(piece.lower()) + 1))
        elif re.fullmatch(r"[^\s\"#%'(),={}]+", piece):
            undefined.append(piece)
            parts.append(piece)
        else:
            raise MalformedValue(piece)
    return re.sub(r"\s+", " ", "".join(parts)).strip(), undefined


_BRACES = re.compile(r"[{}]")


class MalformedValue(ValueError):
    """A field value that is not {...}, "...", a number or a macro: often a missing comma."""


def _enclosed(piece: str) -> bool:
    """True when ``piece`` is one {...} or "..." group from its first character to its last."""
    if piece[0] == "{" and piece.endswith("}") and not _BRACES.search(piece, 1, len(piece) - 1):
        return True  # the common case, {plain text}, without a Python loop per character
    if piece[0] == '"':
        inner = piece[1:-1]
        return len(piece) >= 2 and piece.endswith('"') and inner.count("{") == inner.count("}")
    depth = 0
    for index, char in enumerate(piece):
        depth += (char == "{") - (char == "}")
        if depth == 0:
            return index == len(piece) - 1
    return False


def _split_concatenation(raw: str) -> list[str]:
    if "#" not in raw:
        return [raw.strip()] if raw.strip() else []
    pieces, depth, quoted, current = [], 0, False, ""
    for char in raw:
        if char == "#" and depth == 0 and not quoted:
            pieces.append(current.strip())
            current = ""
            continue
        depth += (char == "{") - (char == "}")
        quoted ^= char == '"' and depth == 0
        current += char
    pieces.append(current.strip())
    return [p for p in pieces if p]


def _strip(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] + value[-1] in ("{}", '""'):
        return value[1:-1]
    return value


_COMMENT_LINE = re.compile(r"^[ \t]*%.*$", re.MULTILINE)
_COMMENTED_ENTRY = re.compile(r"@\s*(\w+)\s*[{(]\s*([^,\s{}()]+)\s*,")


def _blank_comment_lines(text: str) -> str:
    """Blank the lines that start with %, keeping every offset.

    biblatex and biber (and pandoc) read ``%`` as a comment; bibtexparser, like
    classic BibTeX, would still parse an ``@entry`` written on such a line. An
    editor who puts % before an entry means to take it out.
    """
    return _COMMENT_LINE.sub(lambda match: " " * len(match.group()), text)


def commented_keys(text: str, display: str) -> dict[str, str]:
    """Keys of entries that appear only on %-comment lines: key -> 'path:line'."""
    found: dict[str, str] = {}
    number, counted = 1, 0  # line numbers counted forward: one pass, however many comments
    for line in _COMMENT_LINE.finditer(text):
        number += text.count("\n", counted, line.start())
        counted = line.start()
        for match in _COMMENTED_ENTRY.finditer(line.group()):
            if match.group(1).lower() not in _NOT_ENTRIES:
                found.setdefault(match.group(2), f"{display}:{number}")
    return found


_UNESCAPED_BRACE = re.compile(r"(?<!\\)[{}]")
_FIELD_START = re.compile(r"^([ \t]*)([A-Za-z][\w:-]*)[ \t]*=")


def _syntax_error(block: model.ParsingFailedBlock, lines: list[str], display: str) -> Diagnostic:
    """bib.syntax for a block bibtexparser gave up on, at the field that broke it if known."""
    reason = getattr(block.error, "abort_reason", "") or str(block.error) or "syntax error"
    start = block.start_line or 0
    unclosed = _unclosed_value(lines, start) if "end of file" in reason else None
    if unclosed is None:
        message = f"cannot parse this block: {reason.strip()}"
        return _failed(block, lines, display, Code.BIB_SYNTAX, message)
    line, column, message = unclosed
    return make(Code.BIB_SYNTAX, message, display, line, column)


def _unclosed_value(lines: list[str], start: int) -> tuple[int, int, str] | None:
    """Where a value opened a brace it never closed: the field, or the escaping backslash.

    bibtexparser reports only that the file ended inside the entry; a field name at
    the start of a line while a value is still open shows which value ran on.
    """
    depth, current = 0, None
    for number in range(start, len(lines)):
        text = lines[number]
        field = _FIELD_START.match(text)
        if field and depth > 1 and current is not None:
            break  # a new field starts while the previous value is still open
        if field and depth == 1:
            current = (number, len(field.group(1)), field.group(2))
        braces = _UNESCAPED_BRACE.findall(text)
        depth += braces.count("{") - braces.count("}")
    if current is None:
        return None
    number, indent, name = current
    escaped = lines[number].find("\\}")
    if escaped >= 0:
        return (
            number + 1,
            escaped + 1,
            f"the backslash before '}}' escapes it, so the value of {name!r} never closes "
            "and the entry runs on to the end of the file; write {\\textbackslash} or remove it",
        )
    return (
        number + 1,
        indent + 1,
        f"the value of {name!r} opens a '{{' it never closes, so the entry runs on to the "
        "end of the file",
    )


def _failed(
    block: model.Block, lines: list[str], display: str, code: str, message: str
) -> Diagnostic:
    line = block.start_line or 0
    return make(code, message, display, line + 1, _column(lines, line, "@"))


def _dup_fields(block: model.DuplicateFieldKeyBlock) -> list[str]:
    kept = block.ignore_error_block
    names = [f.key.lower() for f in getattr(kept, "fields", [])]
    return sorted({n for n in names if names.count(n) > 1})


def _repeat_position(lines: list[str], start: int, name: str) -> tuple[int, int]:
    """Where field ``name`` is set the second time in the entry starting at ``start``."""
    first = _field_position(lines, start, name)
    following = _field_position(lines, first[0], name)  # searches from the next line
    return following if following[0] > first[0] else first


def _column(lines: list[str], line: int, needle: str) -> int:
    if 0 <= line < len(lines) and needle in lines[line]:
        return lines[line].index(needle) + 1
    return 1


def _field_position(lines: list[str], start: int, name: str) -> tuple[int, int]:
    pattern = re.compile(rf"(?<![\w-]){re.escape(name)}\s*=", re.IGNORECASE)
    for index in range(max(start, 0), min(start + 200, len(lines))):
        match = pattern.search(lines[index])
        if match:
            return index + 1, match.start() + 1
    return start + 1, 1


def _dropped(text: str, blocks: list[model.Block], display: str) -> list[Diagnostic]:
    """Compare the entries the file declares with the blocks the parser returned."""
    from bibtexparser import model  # noqa: PLC0415

    comments = model.ExplicitComment | model.ImplicitComment
    parsed = {b.start_line for b in blocks if not isinstance(b, comments)}
    locator = Locator(text)  # one index of line starts: counting per match is quadratic
    diags = []
    for match in _DECLARATION.finditer(text):
        if match.group(1).lower() in _NOT_ENTRIES:
            continue
        line, column = locator.position(match.start())
        if line - 1 not in parsed and not _inside_comment(line - 1, blocks):
            diags.append(
                make(
                    Code.BIB_DROPPED,
                    f"the @{match.group(1)} declared here was not parsed; check its "
                    "@type{key, ...} syntax and the block before it",
                    display,
                    line,
                    column,
                )
            )
    return diags


def _inside_comment(line: int, blocks: list[model.Block]) -> bool:
    from bibtexparser import model  # noqa: PLC0415

    for block in blocks:
        if isinstance(block, model.ExplicitComment):
            first = block.start_line or 0
            if first <= line <= first + (block.raw or "").count("\n"):
                return True
    return False


def _duplicate_keys(entries: list[Entry]) -> list[Diagnostic]:
    """Keys that differ only in case collide in biber and pandoc: report them."""
    seen: dict[str, Entry] = {}
    diags = []
    for entry in entries:
        first = seen.setdefault(entry.key.lower(), entry)
        if first is not entry and first.key != entry.key:
            line, _ = first.where()
            diags.append(
                make(
                    Code.BIB_DUPLICATE_KEY,
                    f"key {entry.key!r} differs only in case from {first.key!r} "
                    f"({first.path}:{line})",
                    entry.path,
                    entry.line,
                    entry.column,
                )
            )
    return diags
