"""Find the project and read its settings ([tool.citepress] in pyproject.toml)."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from citepress.diagnostics import CODES, SEVERITIES, Severity


class ProjectError(Exception):
    """The project cannot be used: the check could not run (exit code 2)."""


@dataclass(frozen=True)
class Settings:
    """The project's settings, with every path resolved inside the project root."""

    root: Path
    manuscript_dir: Path
    bibliography: tuple[Path, ...]
    expected_notes: int | None = None
    severity: dict[str, Severity] = field(default_factory=dict)
    events: dict[str, str] = field(default_factory=dict)
    templates_dir: Path | None = None
    output_name: str = ""
    page_size: str = "A5"
    pdf_timeout: float = 300.0
    pdf_memory_mb: int = 4096
    book: dict[str, str] = field(default_factory=dict)

    @property
    def templates(self) -> Path:
        """The project's own templates folder (it need not exist)."""
        return self.templates_dir or self.root / "templates"

    def relative(self, path: Path) -> str:
        """Return ``path`` relative to the project root, for messages."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    chapters: tuple[Path, ...] | None = None

    def inputs(self) -> list[Path]:
        """Every file a check or build reads: never to be written."""
        files = [self.root / "pyproject.toml", *self.manuscripts(), *self.bibliography]
        book = self.manuscript_dir / BOOK_FILE
        return [*files, book] if book.is_file() else files

    def refuse_overwrite(self, output: Path) -> None:
        """Raise ProjectError when ``output`` is one of the inputs or inside a source folder."""
        target = output.resolve()
        if target in {p.resolve() for p in self.inputs()}:
            raise ProjectError(f"{output}: refusing to overwrite an input file with the report")
        for folder in (self.manuscript_dir, self.templates):
            if target.is_relative_to(folder.resolve()):
                raise ProjectError(
                    f"{output}: refusing to write a report into {self.relative(folder)}/"
                )

    def manuscripts(self) -> list[Path]:
        """The chapter files: in the book file's order, else by file name.

        Without a book file, check.read() then orders the chapters by their front
        matter's ``order``, where they give one.
        """
        if self.chapters is not None:
            return list(self.chapters)
        return sorted(self.manuscript_dir.glob("*.md"))


def find_root(start: Path) -> Path:
    """Return the nearest folder at or above ``start`` with a pyproject.toml."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    raise ProjectError(f"{start}: no pyproject.toml here or in any parent folder")


def inside(root: Path, value: str, what: str) -> Path:
    """Resolve ``value`` against ``root``; refuse a path that leaves the project."""
    path = (root / value).resolve()
    if not path.is_relative_to(root):
        raise ProjectError(f"pyproject.toml: {what} {value!r} lies outside the project")
    return path


def load(start: Path | None = None) -> Settings:
    """Load the settings of the project that contains ``start`` (default: cwd)."""
    root = find_root((start or Path.cwd()).resolve())
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProjectError(f"{root / 'pyproject.toml'}: {exc}") from exc
    table = cast(dict[str, Any], data.get("tool", {}).get("citepress", {}))
    return settings_from(root, table)


def settings_from(root: Path, table: dict[str, Any]) -> Settings:
    """Validate a [tool.citepress] table."""
    manuscript_dir = inside(root, str(table.get("manuscript", "manuscript")), "manuscript")
    if not manuscript_dir.is_dir():
        raise ProjectError(f"{manuscript_dir}: the manuscript folder does not exist")
    bibs = table.get("bibliography")
    paths = (
        [inside(root, str(b), "bibliography") for b in bibs]
        if isinstance(bibs, list)
        else sorted((root / "bib").glob("*.bib"))
    )
    expected = table.get("expected-notes")
    if expected is not None and (not isinstance(expected, int) or expected < 0):
        raise ProjectError("pyproject.toml: expected-notes must be a whole number")
    chapters, book = _book_file(manuscript_dir)
    editions = _edition_settings(root, table)
    editions["book"] = {**book, **editions["book"]}
    return Settings(
        **editions,
        chapters=chapters,
        root=root,
        manuscript_dir=manuscript_dir,
        bibliography=tuple(paths),
        expected_notes=expected,
        severity=_severities(table.get("severity", {})),
        events={str(k): str(v) for k, v in table.get("events", {}).items()},
    )


BOOK_FILE = "book.yaml"
BOOK_KEYS = ("title", "author", "lang", "identifier")


def _book_file(folder: Path) -> tuple[tuple[Path, ...] | None, dict[str, str]]:
    """The chapters and metadata a book file (manuscript/book.yaml) lists, if there is one."""
    path = folder / BOOK_FILE
    if not path.is_file():
        return None, {}
    import yaml  # noqa: PLC0415 -- only books with a book file pay for it

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ProjectError(f"{path}: {exc}") from exc
    names = data.get("chapters") if isinstance(data, dict) else None
    if not isinstance(names, list) or not names:
        raise ProjectError(f"{path}: 'chapters' must list the chapter files in reading order")
    chapters = tuple(inside(folder, str(name), f"{BOOK_FILE}: chapter") for name in names)
    for chapter in chapters:
        if not chapter.is_file():
            raise ProjectError(f"{path}: chapter {chapter.name!r} does not exist")
    unlisted = sorted(set(folder.glob("*.md")) - set(chapters))
    if unlisted:
        raise ProjectError(
            f"{path}: {', '.join(p.name for p in unlisted)} not listed under 'chapters'"
            " (list it, or move it out of the manuscript folder)"
        )
    return chapters, {key: str(data[key]) for key in BOOK_KEYS if data.get(key)}


PAGE_SIZES = ("A4", "A5", "A6", "B5", "B6", "JIS-B5", "JIS-B6")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _edition_settings(root: Path, table: dict[str, Any]) -> dict[str, Any]:
    """The settings of the editions: templates folder, file name, page size, book data."""
    name = str(table.get("output-name", ""))
    if name and not _NAME.match(name):
        raise ProjectError(
            f"pyproject.toml: output-name {name!r} must be a plain file name "
            "(letters, digits, '.', '_', '-')"
        )
    pdf = table.get("pdf", {})
    if not isinstance(pdf, dict):
        raise ProjectError("pyproject.toml: [tool.citepress.pdf] must be a table")
    size = str(pdf.get("page-size", "A5"))
    if size.upper() not in PAGE_SIZES:
        raise ProjectError(
            f"pyproject.toml: [tool.citepress.pdf] page-size {size!r} is not one of "
            + ", ".join(PAGE_SIZES)
        )
    book = table.get("book", {})
    if not isinstance(book, dict):
        raise ProjectError("pyproject.toml: [tool.citepress.book] must be a table")
    return {
        "templates_dir": inside(root, str(table.get("templates", "templates")), "templates"),
        "output_name": name,
        "page_size": size.upper(),
        "pdf_timeout": _positive(pdf, "timeout", 300),
        "pdf_memory_mb": int(_positive(pdf, "memory-limit-mb", 4096)),
        "book": {str(k): str(v) for k, v in book.items()},
    }


def _positive(table: dict[str, Any], key: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ProjectError(f"pyproject.toml: [tool.citepress.pdf] {key} must be a positive number")
    return float(value)


def _severities(table: dict[str, Any]) -> dict[str, Severity]:
    result: dict[str, Severity] = {}
    for code, severity in table.items():
        if code not in CODES:
            raise ProjectError(f"pyproject.toml: unknown diagnostic code {code!r} in severity")
        if severity not in SEVERITIES:
            raise ProjectError(
                f"pyproject.toml: severity of {code} must be one of {', '.join(SEVERITIES)}"
            )
        result[code] = cast(Severity, severity)
    return result


def edition_time() -> dt.datetime:
    """The edition's time: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC)
