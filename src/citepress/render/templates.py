"""The one Jinja environment of the editions, and the lookup of template files.

A project's own ``templates/`` folder comes first, the package's defaults second,
file by file: a project overrides just the files it needs. Autoescaping is on and
undefined names are errors. The environment is sandboxed (immutable): templates
come with a project, and a project can arrive as a stranger's pull request.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class TemplateError(Exception):
    """A template file could not be found or rendered."""


def search_path(project_templates: Path) -> list[Path]:
    """Where template files are looked for, first match wins."""
    return [folder for folder in (project_templates, PACKAGE_TEMPLATES) if folder.is_dir()]


def environment(project_templates: Path) -> ImmutableSandboxedEnvironment:
    """The Jinja environment: project templates, then the package's; autoescape; strict."""
    # Imported here: the build cache uses search_path() and must stay light.
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined  # noqa: PLC0415
    from jinja2.sandbox import ImmutableSandboxedEnvironment  # noqa: PLC0415

    loaders = [FileSystemLoader(folder) for folder in search_path(project_templates)]
    return ImmutableSandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def find(project_templates: Path, name: str) -> Path:
    """The file ``name`` (a CSL style, a font list…) from the first folder that has it."""
    for folder in search_path(project_templates):
        path = (folder / name).resolve()
        if path.is_relative_to(folder.resolve()) and path.is_file():
            return path
    raise TemplateError(f"template file {name!r} not found in {project_templates} or the defaults")
