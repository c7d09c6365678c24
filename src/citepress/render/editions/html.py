"""The web edition: one standalone HTML file, stylesheet inlined."""

from __future__ import annotations

from jinja2 import Environment

from citepress.render.model import Book

TEMPLATE = "html/book.html.j2"


def render(book: Book, env: Environment) -> bytes:
    """The HTML edition's bytes."""
    return env.get_template(TEMPLATE).render(book=book).encode("utf-8")
