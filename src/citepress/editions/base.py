"""What every edition is: a name, what it is, its template folder, and its module."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from jinja2 import Environment

    from citepress.book.model import Book
    from citepress.config import Settings


@dataclass(frozen=True)
class Context:
    """What an edition may use besides the Book: templates, settings, asset folders."""

    env: Environment
    settings: Settings
    assets: list[Path]


@dataclass(frozen=True)
class Edition:
    """One kind of edition, made by ``module``.

    The module gives ``render(book, context) -> bytes``. An edition made in the fenced
    worker (``in_worker``: the PDF, slow and heavy) also gives ``prepare(book,
    context)``, run in the build's process (templates), and ``finish(prepared) ->
    bytes``, run in the worker under its time and memory limits, side by side with
    the other editions. Every function raises only RenderError. The module is
    imported when the edition is made, so the registry itself is light.
    """

    name: str
    summary: str
    templates: str
    module: str
    in_worker: bool = False
    # The edition's part in the print edition's pages: "carry" (its copy of the book
    # carries their page numbers, so it renders once they are known), "source" (its
    # layout is the one that says where each page starts: the PDF), or "own" (laid
    # out apart, from the book as it is before the page numbers go in: print-shop).
    pages: Literal["carry", "source", "own"] = "carry"
    noun: str = ""  # what messages call it ("the print-shop PDF"); "the <name>" if ""
    suffix: str = ""  # the file's suffix after the book's name: the edition's name if ""
    default: bool = True  # made by a build that names no --format

    @property
    def called(self) -> str:
        """What messages call the edition: "the print-shop PDF"."""
        return self.noun or f"the {self.name} edition"

    @property
    def extension(self) -> str:
        """What the file's name ends with after the book's name (``print.pdf``)."""
        return self.suffix or self.name

    def load(self) -> ModuleType:
        """The edition's module."""
        return importlib.import_module(self.module)

    def render(self, book: Book, context: Context) -> bytes:
        """The edition's bytes, made in this process."""
        data: bytes = self.load().render(book, context)
        return data

    def prepare(self, book: Book, context: Context) -> Any:
        """What the worker needs (picklable): the edition's HTML, say."""
        return self.load().prepare(book, context)
