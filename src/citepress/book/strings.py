"""The strings an edition prints, by language: one YAML catalogue per language.

``templates/i18n/<lang>.yaml`` (the project's templates folder first, then ours):
the language's primary subtag picks it (``en-GB`` reads ``en.yaml``), English when
there is none. A project's catalogue may leave keys out; ours fill them in.
"""

from __future__ import annotations

from pathlib import Path

from citepress.book import templates
from citepress.ground.files import SourceError, read_text
from citepress.ground.yamlsafe import YamlError
from citepress.ground.yamlsafe import load as load_yaml
from citepress.sources.templatefiles import PACKAGE_TEMPLATES

FALLBACK = "en"
KEYS = (
    "figure", "table", "section", "equation", "equation-number", "caption-separator",
    "bibliography", "contents", "notes", "notes-of-chapter", "note-marker", "note-label",
    "back-to-text", "title-page", "start", "landmarks", "summary", "summary-text-only",
    "summary-images", "summary-math", "summary-end", "editors-note", "editors-note-default",
    "queries", "query-number", "query-page", "query-line", "query-finding", "query-answer",
    "proof-report", "query-note", "query-where", "query-at", "cover", "page-list",
)  # fmt: skip


def catalogue(project_templates: Path, lang: str) -> dict[str, str]:
    """Every key of :data:`KEYS` for ``lang`` (BCP 47)."""
    primary = (lang or FALLBACK).split("-")[0].lower()
    found: dict[str, str] = {}
    ours = PACKAGE_TEMPLATES
    for name in dict.fromkeys((FALLBACK, primary)):  # English, then the language
        found.update(_read_if(ours, name))
    if project_templates.is_dir() and project_templates.resolve() != ours.resolve():
        found.update(_read_if(project_templates, primary))
    return {key: found.get(key, "") for key in KEYS}


def fill(template: str, number: str = "", **values: str) -> str:
    """``template`` with ``{n}`` (and ``{name}`` for each value) replaced.

    Not str.format: a catalogue comes from the project, so from a pull request.
    """
    for name, value in {"n": number, **values}.items():
        template = template.replace(f"{{{name}}}", value)
    return template


def _read_if(folder: Path, name: str) -> dict[str, str]:
    path = folder / "i18n" / f"{name}.yaml"
    return _read(folder, path) if path.is_file() or path.is_symlink() else {}


# A label is a few words; a long one would be copied into every reference.
MAX_VALUE = 300


def _read(folder: Path, path: Path) -> dict[str, str]:
    try:
        text = read_text(folder, path)
        if len(text) > 16_384:
            raise templates.TemplateError(
                f"{path}: a catalogue is a few lines, not {len(text)} characters"
            )
        data = load_yaml(text)
    except (SourceError, YamlError) as exc:
        raise templates.TemplateError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise templates.TemplateError(f"{path}: not a mapping of key: string")
    bad = [k for k, v in data.items() if k not in KEYS or not isinstance(v, str)]
    if bad:
        raise templates.TemplateError(
            f"{path}: {bad[0]!r} is not a string key of the catalogue ({', '.join(KEYS)})"
        )
    long = [k for k, v in data.items() if len(v) > MAX_VALUE or "\n" in v]
    if long:
        raise templates.TemplateError(
            f"{path}: {long[0]!r} must be one line of at most {MAX_VALUE} characters"
        )
    return {str(k): str(v) for k, v in data.items()}
