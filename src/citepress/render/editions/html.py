"""The web edition: one standalone HTML file, stylesheet inlined."""

from __future__ import annotations

from citepress.render.editions.base import Context
from citepress.render.model import Book
from citepress.render.templates import render as render_template

TEMPLATE = "html/book.html.j2"


def render(book: Book, context: Context) -> bytes:
    """The HTML edition's bytes."""
    return render_template(context.env, TEMPLATE, book=book).encode("utf-8")
