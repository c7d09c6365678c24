"""The editions, registered in one place: adding one is a module, its templates, its tests.

The build, the cache and the command line (``--format`` and its help) all read
this list; the edition's module is imported only when that edition is made.
"""

from __future__ import annotations

from citepress.editions.base import Edition

EDITIONS: tuple[Edition, ...] = (
    Edition("html", "one standalone HTML file", "html/", "citepress.editions.html"),
    Edition("epub", "EPUB 3 e-book", "epub/", "citepress.editions.epub"),
    Edition(
        "pdf",
        "tagged PDF (PDF/UA) for print and screen",
        "pdf/",
        "citepress.editions.pdf",
        in_worker=True,
        pages="source",
    ),
    # The print edition's pages for the press: asked for by name (--format print).
    Edition(
        "print",
        "PDF/X-4 for the printer: bleed, crop marks, TrimBox and BleedBox",
        "pdf/",
        "citepress.editions.printshop",
        in_worker=True,
        pages="own",
        noun="the print-shop PDF",
        suffix="print.pdf",
        default=False,
    ),
)
NAMES = tuple(edition.name for edition in EDITIONS)
DEFAULT = tuple(edition.name for edition in EDITIONS if edition.default)


def registry() -> dict[str, Edition]:
    """Every edition by name, in the order they are built and listed."""
    return {edition.name: edition for edition in EDITIONS}


def page_source() -> Edition:
    """The edition whose layout says where each printed page starts (the PDF)."""
    (source,) = [edition for edition in EDITIONS if edition.pages == "source"]
    return source
