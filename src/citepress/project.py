"""Find the project and read its settings ([tool.citepress] in pyproject.toml)."""

from __future__ import annotations

import datetime as dt
import os
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

    def relative(self, path: Path) -> str:
        """Return ``path`` relative to the project root, for messages."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def manuscripts(self) -> list[Path]:
        """The chapter files, in file-name order."""
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
    return Settings(
        root=root,
        manuscript_dir=manuscript_dir,
        bibliography=tuple(paths),
        expected_notes=expected,
        severity=_severities(table.get("severity", {})),
        events={str(k): str(v) for k, v in table.get("events", {}).items()},
    )


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


def edition_date() -> dt.date:
    """The edition's date: SOURCE_DATE_EPOCH when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.datetime.now(tz=dt.UTC).date()
