"""Where a template file comes from: the project's ``templates/`` first, the package's second.

File by file: a project overrides just the files it needs. The editions' Jinja
loader (book/templates.py), the CSL styles (sources/styles.py) and the build cache
all look files up here, confined to the folder they are found in.
"""

from __future__ import annotations

import os
from pathlib import Path

from citepress.ground.files import SourceError, confine

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# The template folders that hold data, not templates: CSL styles, strings, assets.
# citepress parses them itself, so an --untrusted build still reads the project's.
DATA_FOLDERS = ("csl", "i18n", "assets")


class TemplateFileMissing(Exception):
    """A template file is in no folder of the search path, or not readable there."""


def search_path(project_templates: Path | None) -> list[Path]:
    """Where template files are looked for, first match wins.

    ``None``: the project's templates are not to be used (``--untrusted``), only the
    package's.
    """
    folders = (
        (PACKAGE_TEMPLATES,)
        if project_templates is None
        else (project_templates, PACKAGE_TEMPLATES)
    )
    return [folder for folder in folders if folder.is_dir()]


def locate(project_templates: Path, name: str) -> tuple[Path, Path]:
    """The file ``name`` (a CSL style…) from the first folder that has it: (folder, file)."""
    for folder in search_path(project_templates):
        path = folder / name
        if path.is_file() or path.is_symlink():
            try:
                return folder, confine(folder, path)
            except SourceError as exc:
                raise TemplateFileMissing(f"{path}: {exc.message}") from None
    raise TemplateFileMissing(
        f"template file {name!r} not found in {project_templates} or the defaults"
    )


def files(root: Path, folder: Path | None = None) -> dict[str, Path]:
    """Every file under ``folder`` (``root`` itself by default), by its name below ``root``.

    Linked folders are not walked: ``templates/html`` -> ``/`` would walk the machine
    (the templates' loader refuses such files anyway).
    """
    found: dict[str, Path] = {}
    for parent, dirs, names in os.walk(folder or root, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            path = Path(parent) / name
            found[path.relative_to(root).as_posix()] = path
    return found


def stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells a changed template file: its time, size and inode (None: unreadable)."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size, found.st_ino
