"""``citepress init``: a new book project that checks clean and builds at once.

The files come from ``templates/init`` (the package's own): a settings file, a
sample chapter showing a citation, a note, a figure and a cross-reference, a
bibliography with one real source, a templates folder with a README on
overriding, a GitHub workflow that uses this repository's action, a pre-commit
configuration, and a .gitignore. Nothing that exists is overwritten: if any of
the files is there, nothing is written at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from citepress.render.templates import PACKAGE_TEMPLATES

# Where this repository is published: the workflow uses its action, pre-commit its hook.
HOME = "https://github.com/citepress/citepress"
ACTION = "citepress/citepress"
LANGUAGES = ("ja", "en")
# (file under templates/init, where it goes in the new project)
FILES = (
    ("{lang}/pyproject.toml", "pyproject.toml"),
    ("{lang}/chapter.md", "manuscript/01-introduction.md"),
    ("common/figure.svg", "manuscript/assets/figure.svg"),
    ("common/references.bib", "bib/references.bib"),
    ("common/templates-README.md", "templates/README.md"),
    ("common/workflow.yml", ".github/workflows/citepress.yml"),
    ("common/pre-commit-config.yaml", ".pre-commit-config.yaml"),
    ("common/gitignore", ".gitignore"),
)
DEFAULTS = {"ja": ("本の題名", "著者名"), "en": ("Title of the book", "Author's name")}


class ScaffoldError(Exception):
    """The project cannot be created where asked (files in the way, a bad value)."""


@dataclass(frozen=True)
class Values:
    """What the new project's files are filled with."""

    lang: str
    title: str
    author: str
    revision: str  # the tag or commit of citepress the workflow and hook use


def create(folder: Path, values: Values) -> list[Path]:
    """Write the new project into ``folder``; the files written, in order."""
    if values.lang not in LANGUAGES:
        raise ScaffoldError(f"--lang must be one of {', '.join(LANGUAGES)}")
    for name, value in (("title", values.title), ("author", values.author)):
        if not value.strip() or any(c in value for c in '"\\\n\r') or len(value) > 200:
            raise ScaffoldError(f"--{name} must be one line of plain text without quotes")
    targets = [(source.format(lang=values.lang), folder / dest) for source, dest in FILES]
    present = [dest for _, dest in targets if dest.exists() or dest.is_symlink()]
    if present:
        shown = ", ".join(str(p.relative_to(folder)) for p in present)
        raise ScaffoldError(f"{folder}: {shown} already there; nothing was written")
    written = []
    for source, dest in targets:
        text = (PACKAGE_TEMPLATES / "init" / source).read_text(encoding="utf-8")
        dest.parent.mkdir(parents=True, exist_ok=True)
        # "x": created here or not at all, even if something appeared meanwhile.
        with dest.open("x", encoding="utf-8") as handle:
            handle.write(_fill(text, values))
        written.append(dest)
    return written


def _fill(text: str, values: Values) -> str:
    """The template's placeholders replaced (not str.format: the files hold braces)."""
    fields = {
        "{title}": values.title,
        "{author}": values.author,
        "{repository}": HOME,
        "{revision}": values.revision,
        "{action}": f"{ACTION}@{values.revision}",
    }
    for key, value in fields.items():
        text = text.replace(key, value)
    return text


def default_values(lang: str, folder: Path) -> Values:
    """The values a plain ``citepress init`` uses: the folder's name as the title."""
    from citepress import __version__  # noqa: PLC0415

    title, author = DEFAULTS.get(lang, DEFAULTS["en"])
    name = folder.resolve().name
    return Values(lang, name or title, author, f"v{__version__}")
