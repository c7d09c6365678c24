"""The print edition: the book set for print in the PDF template's HTML.

The layout itself (WeasyPrint, its confined fetcher, the worker's jobs) is the
typesetting stage's: ``typeset/layout.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment

from citepress.book.model import Book
from citepress.book.templates import render as render_template
from citepress.editions.base import Context
from citepress.typeset import layout

TEMPLATE = "pdf/book.html.j2"


# PDF/UA-1: tagged PDF with the structure tree, language and title readers need.
def html(
    book: Book,
    env: Environment,
    page_size: str,
    press: dict[str, Any] | None = None,
    part: str | int | None = None,
) -> str:
    """The HTML WeasyPrint lays out (the benchmark renders it bare, too).

    ``press``: the print-shop edition's sheet around the page (editions/printshop).
    ``part`` is the template's: "front" or a chapter's index alone (publish/chapters.py).
    """
    from citepress.typeset import grid  # noqa: PLC0415

    layout = grid.for_page(page_size, book.lang)
    return render_template(
        env, TEMPLATE, book=book, page_size=page_size, grid=layout, press=press or {}, part=part
    )


def set_html(
    book: Book, env: Environment, page_size: str, press: dict[str, Any] | None = None
) -> str:
    """The HTML of ``book`` set for print (see :func:`set_for_print`).

    The PDF, the print-shop PDF and the proof all lay out this, so their pages and
    lines agree; a book's parts render the same copy (publish/chapters.py).
    """
    return html(set_for_print(book), env, page_size, press)


def set_for_print(book: Book) -> Book:
    """A copy of ``book`` as print sets it.

    Every manuscript element carries its address (typeset/pagemap: the layout can say
    where each page starts) and the text its Japanese marks (typeset/jlreq).
    """
    from citepress.typeset import jlreq, pagemap  # noqa: PLC0415

    return jlreq.mark(pagemap.tagged(book))


def prepare(book: Book, context: Context) -> tuple[str, bytes, list[Path]]:
    """What the fenced worker needs to lay out the PDF: no Jinja, no Book, just HTML."""
    document_html = set_html(book, context.env, context.settings.page_size)
    return document_html, identifier(book), context.assets


def finish(prepared: tuple[str, bytes, list[Path]]) -> bytes:
    """In the worker: the prepared HTML laid out and written (the typesetting stage's)."""
    return layout.finish(prepared)


def render(book: Book, context: Context) -> bytes:
    """The PDF edition's bytes, made in this process."""
    return finish(prepare(book, context))


def identifier(book: Book) -> bytes:
    """The PDF /ID: from the book's identifier and date, so that rebuilds are identical."""
    import hashlib  # noqa: PLC0415

    seed = f"{book.identifier} {book.modified}".encode()
    return hashlib.md5(seed, usedforsecurity=False).digest()
