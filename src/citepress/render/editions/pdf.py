"""The print edition: the PDF template's HTML, laid out by WeasyPrint.

WeasyPrint fetches nothing but what ``ProjectFetcher`` allows: ``data:`` URLs and
files inside the project's asset folders. Anything else (the network, a file
elsewhere on the machine, a redirect) stops the build with a clear error instead
of a warning lost in a log.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment

from citepress.render.editions.base import Context
from citepress.render.errors import RenderError
from citepress.render.model import Book
from citepress.render.templates import render as render_template
from citepress.sources.files import PRIVATE

TEMPLATE = "pdf/book.html.j2"
# PDF/UA-1: tagged PDF with the structure tree, language and title readers need.
PDF_VARIANT = "pdf/ua-1"


class RefusedResource(RenderError):
    """The document asked for a resource outside what a build may read."""


def html(
    book: Book,
    env: Environment,
    page_size: str,
    press: dict[str, Any] | None = None,
    part: str | int | None = None,
) -> str:
    """The HTML WeasyPrint lays out (the benchmark renders it bare, too).

    ``press``: the print-shop edition's sheet around the page (render/editions/printshop).
    ``part`` is the template's: "front" or a chapter's index alone (publish/chapters.py).
    """
    from citepress.render import grid  # noqa: PLC0415

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

    Every manuscript element carries its address (render/pagemap: the layout can say
    where each page starts) and the text its Japanese marks (render/jlreq).
    """
    from citepress.render import jlreq, pagemap  # noqa: PLC0415

    return jlreq.mark(pagemap.tagged(book))


def prepare(book: Book, context: Context) -> tuple[str, bytes, list[Path]]:
    """What the fenced worker needs to lay out the PDF: no Jinja, no Book, just HTML."""
    document_html = set_html(book, context.env, context.settings.page_size)
    return document_html, identifier(book), context.assets


def finish(prepared: tuple[str, bytes, list[Path]]) -> bytes:
    """In the worker: lay out the prepared HTML."""
    return write(*prepared)


def finish_with_pages(prepared: tuple[str, bytes, list[Path]]) -> tuple[bytes, list[Any]]:
    """In the worker: the PDF, and where each of its pages starts (render/pagemap)."""
    from citepress.render import pagemap  # noqa: PLC0415

    document, options = _laid_out(*prepared)
    return pdf_bytes(document, **options), pagemap.starts(document)


def pages(prepared: tuple[str, bytes, list[Path]]) -> list[Any]:
    """In the worker: where each page of the PDF would start, without writing it."""
    from citepress.render import pagemap  # noqa: PLC0415

    return list(pagemap.starts(_laid_out(*prepared)[0]))


def render(book: Book, context: Context) -> bytes:
    """The PDF edition's bytes, made in this process."""
    return finish(prepare(book, context))


def write(document_html: str, pdf_id: bytes, assets: list[Path]) -> bytes:
    """Lay out the PDF edition's HTML (the build's worker gets just this, not the Book)."""
    document, options = _laid_out(document_html, pdf_id, assets)
    return pdf_bytes(document, **options)


def _laid_out(
    document_html: str, pdf_id: bytes, assets: list[Path], font_config: Any = None
) -> tuple[Any, dict[str, Any]]:
    """The edition's layout, and the options it was laid out with (write with the same)."""
    options = {"pdf_variant": PDF_VARIANT, "pdf_identifier": pdf_id}
    return lay_out(document_html, assets, font_config, **options), options


def content_boxes(page: Any) -> Iterator[Any]:
    """Every box of a laid-out page but its margins' (running heads, folios).

    WeasyPrint has no public box tree; this is the one place that walks its own.
    """
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    for child in page._page_box.children:
        if not isinstance(child, boxes.MarginBox):
            yield from child.descendants()


def pdf_bytes(document: Any, **options: Any) -> bytes:
    """The laid-out document written as PDF; a refused resource is a clear error here too.

    WeasyPrint fetches attachments (``<a rel="attachment">``) while it writes, not
    while it lays out.
    """
    import weasyprint  # noqa: PLC0415

    try:
        return bytes(document.write_pdf(**options))
    except weasyprint.urls.FatalURLFetchingError as exc:
        raise RefusedResource(str(exc)) from None


def lay_out(document_html: str, assets: list[Path], font_config: Any = None, **options: Any) -> Any:
    """WeasyPrint's laid-out document of ``document_html``, loading only allowed files.

    ``options`` are WeasyPrint's; pass the same to ``write_pdf`` (some, such as the
    PDF variant, shape the layout's tagging as well as the file). ``font_config``:
    WeasyPrint's font configuration to lay out with (None: a new one).
    """
    import weasyprint  # noqa: PLC0415 -- heavy; only builds need it

    from citepress.render import html5fix, weasyext  # noqa: PLC0415
    from citepress.render.mathsvg import replace_in_document  # noqa: PLC0415

    weasyext.apply()
    html5fix.apply()  # WeasyPrint (and the math) parse the HTML with tinyhtml5

    document = weasyprint.HTML(
        string=replace_in_document(document_html),
        base_url=assets[0].as_uri() + "/" if assets else None,
        url_fetcher=fetcher(assets),
    )
    try:
        return document.render(font_config=font_config, **options)
    except weasyprint.urls.FatalURLFetchingError as exc:
        raise RefusedResource(str(exc)) from None


def fetcher(assets: list[Path]) -> Any:
    """A WeasyPrint URL fetcher that allows data: URLs and files under ``assets`` only."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher  # noqa: PLC0415

    roots = [folder.resolve() for folder in assets]

    class ProjectFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not allowed(url, roots):
                raise FatalURLFetchingError(
                    f"refused to load {url!r}: only data: URLs and files in the project's "
                    "asset folders may be loaded"
                )
            return super().fetch(url, headers)

    return ProjectFetcher()


def allowed(url: str, roots: list[Path]) -> bool:
    """True for a data: URL or a file: URL that resolves inside one of ``roots``."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    path = Path(unquote(parts.path)).resolve()
    inside = [root for root in roots if path.is_relative_to(root)]
    return bool(inside) and not PRIVATE.intersection(path.relative_to(inside[0]).parts)


def identifier(book: Book) -> bytes:
    """The PDF /ID: from the book's identifier and date, so that rebuilds are identical."""
    import hashlib  # noqa: PLC0415

    seed = f"{book.identifier} {book.modified}".encode()
    return hashlib.md5(seed, usedforsecurity=False).digest()
