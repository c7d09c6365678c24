"""Where a template file comes from: the project's ``templates/`` first, the package's second.

File by file: a project overrides just the files it needs. The editions' Jinja
loader (book/templates.py), the CSL styles (sources/styles.py) and the build cache
all look files up here, confined to the folder they are found in.
"""

from __future__ import annotations

from pathlib import Path

from citepress.ground.files import SourceError, confine

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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


def stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells a changed template file: its time, size and inode (None: unreadable)."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size, found.st_ino
