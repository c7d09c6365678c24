"""``citepress init``: a new book project that checks clean and builds at once.

The files come from ``templates/init`` (the package's own): a settings file, a
sample chapter showing a citation, a note, a figure and a cross-reference, a
bibliography with one real source, a templates folder with a README on
overriding, a GitHub workflow that uses this repository's action, a pre-commit
configuration, and a .gitignore. Nothing that exists is overwritten: if any of
the files is there, nothing is written at all.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from citepress.sources.templatefiles import PACKAGE_TEMPLATES

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
    """Write the new project into ``folder``; the files written, in order.

    Everything is checked and filled first; a file that cannot be written undoes
    the ones written before it. A link inside ``folder`` (``manuscript`` pointing
    elsewhere) is refused: the project's files go into the project.
    """
    _check_values(values)
    targets = [(source.format(lang=values.lang), folder / dest) for source, dest in FILES]
    present = [dest for _, dest in targets if dest.exists() or dest.is_symlink()]
    if present:
        shown = ", ".join(str(p.relative_to(folder)) for p in present)
        raise ScaffoldError(f"{folder}: {shown} already there; nothing was written")
    _refuse_links(folder, [dest for _, dest in targets])
    texts = [
        (dest, _fill((PACKAGE_TEMPLATES / "init" / source).read_text(encoding="utf-8"), values))
        for source, dest in targets
    ]
    written: list[Path] = []
    try:
        for dest, text in texts:
            dest.parent.mkdir(parents=True, exist_ok=True)
            # "x": created here or not at all, even if something appeared meanwhile.
            with dest.open("x", encoding="utf-8") as handle:
                handle.write(text)
            written.append(dest)
    except OSError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


_UNWANTED = re.compile(r'["\\\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]')


def _check_values(values: Values) -> None:
    if values.lang not in LANGUAGES:
        raise ScaffoldError(f"--lang must be one of {', '.join(LANGUAGES)}")
    for name, value in (("title", values.title), ("author", values.author)):
        if not value.strip() or _UNWANTED.search(value) or len(value) > 200:
            raise ScaffoldError(
                f"the {name} ({value!r}) must be one line of plain text without quotes, "
                f"backslashes or control characters; give it with --{name}"
            )


def _refuse_links(folder: Path, targets: list[Path]) -> None:
    """Each target's folder must be inside ``folder`` once links are followed."""
    root = Path(os.path.realpath(folder))
    for dest in targets:
        parent = dest.parent
        while not parent.exists() and parent != folder:
            parent = parent.parent  # the part that exists decides where it goes
        if not Path(os.path.realpath(parent)).is_relative_to(root):
            raise ScaffoldError(f"{parent}: a link out of {folder}; nothing was written")


_PLACEHOLDER = re.compile(r"\{(title|author|repository|revision|action)\}")


def _fill(text: str, values: Values) -> str:
    """The template's placeholders replaced in one pass (a value is never read again)."""
    fields = {
        "title": values.title,
        "author": values.author,
        "repository": HOME,
        "revision": values.revision,
        "action": f"{ACTION}@{values.revision}",
    }
    return _PLACEHOLDER.sub(lambda match: fields[match.group(1)], text)


def default_values(lang: str, folder: Path) -> Values:
    """The values a plain ``citepress init`` uses: the folder's name as the title."""
    from citepress import __version__  # noqa: PLC0415

    title, author = DEFAULTS.get(lang, DEFAULTS["en"])
    name = folder.resolve().name
    return Values(lang, name or title, author, f"v{__version__}")
