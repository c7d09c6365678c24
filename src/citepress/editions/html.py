"""The web edition: one standalone HTML file, stylesheet inlined."""

from __future__ import annotations

from citepress.book.model import Book
from citepress.book.templates import render as render_template
from citepress.editions.base import Context

TEMPLATE = "html/book.html.j2"


def render(book: Book, context: Context) -> bytes:
    """The HTML edition's bytes."""
    return render_template(context.env, TEMPLATE, book=book).encode("utf-8")
