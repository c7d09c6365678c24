"""The editions, registered in one place: adding one is a module, its templates, its tests.

Each module exposes ``render(book, context) -> bytes`` (and, for an edition made in
the fenced worker, ``prepare`` and ``finish``) and raises only RenderError. The
registry is imported lazily by the build; ``NAMES`` stays import-light for the CLI.
"""

from __future__ import annotations

from citepress.render.editions.base import Edition

NAMES = ("html", "epub", "pdf")


def registry() -> dict[str, Edition]:
    """Every edition by name, in the order they are built and listed."""
    from citepress.render.editions import epub, html, pdf  # noqa: PLC0415 -- the render stack

    return {
        "html": Edition("html", ".html", "one standalone HTML file", "html/", html.render),
        "epub": Edition("epub", ".epub", "EPUB 3", "epub/", epub.render),
        "pdf": Edition(
            "pdf",
            ".pdf",
            "PDF for print and screen (PDF/UA)",
            "pdf/",
            pdf.render,
            pdf.prepare,
            pdf.finish,
        ),
    }
