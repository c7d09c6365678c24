"""What every edition is: a name, a file suffix, its template folder, and how it renders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

    from citepress.config import Settings
    from citepress.render.model import Book


@dataclass(frozen=True)
class Context:
    """What an edition may use besides the Book: templates, settings, asset folders."""

    env: Environment
    settings: Settings
    assets: list[Path]


@dataclass(frozen=True)
class Edition:
    """One kind of edition.

    ``render`` makes the bytes in the build's process. An edition that is slow or
    heavy (the PDF) also gives ``prepare`` (in the build's process: templates) and
    ``finish`` (in the fenced worker, under time and memory limits); the build then
    runs ``finish`` in the worker, side by side with the other editions.
    """

    name: str
    suffix: str
    summary: str
    templates: str
    render: Callable[[Book, Context], bytes]
    prepare: Callable[[Book, Context], Any] | None = None
    finish: Callable[[Any], bytes] | None = None

    @property
    def in_worker(self) -> bool:
        """Whether the build renders this edition in the fenced worker."""
        return self.finish is not None
