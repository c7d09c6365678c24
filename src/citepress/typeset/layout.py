"""The PDF's layout: HTML laid out by WeasyPrint into pages, and the pages written.

WeasyPrint fetches nothing but what ``ProjectFetcher`` allows: ``data:`` URLs and
files inside the project's asset folders. Anything else (the network, a file
elsewhere on the machine, a redirect) stops the build with a clear error instead
of a warning lost in a log. What runs in the fenced worker is here: it is handed
HTML, never a Book or a Jinja environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from citepress.book.errors import RenderError
from citepress.ground.files import PRIVATE

PDF_VARIANT = "pdf/ua-1"
# What each PDF worker process imports while the build goes on (ground/worker).
PRELOAD = ("weasyprint", "citepress.typeset.layout", "citepress.typeset.pdfparts")


class RefusedResource(RenderError):
    """The document asked for a resource outside what a build may read."""


def finish(prepared: tuple[str, bytes, list[Path]]) -> bytes:
    """In the worker: lay out the prepared HTML."""
    return write(*prepared)


def finish_with_pages(prepared: tuple[str, bytes, list[Path]]) -> tuple[bytes, list[Any]]:
    """In the worker: the PDF, and where each of its pages starts (typeset/pagemap)."""
    from citepress.typeset import pagemap  # noqa: PLC0415

    document, options = laid_out(*prepared)
    return pdf_bytes(document, **options), pagemap.starts(document)


def pages(prepared: tuple[str, bytes, list[Path]]) -> list[Any]:
    """In the worker: where each page of the PDF would start, without writing it."""
    from citepress.typeset import pagemap  # noqa: PLC0415

    return list(pagemap.starts(laid_out(*prepared)[0]))


def write(document_html: str, pdf_id: bytes, assets: list[Path]) -> bytes:
    """Lay out the PDF edition's HTML (the build's worker gets just this, not the Book)."""
    document, options = laid_out(document_html, pdf_id, assets)
    return pdf_bytes(document, **options)


def laid_out(
    document_html: str, pdf_id: bytes, assets: list[Path], font_config: Any = None
) -> tuple[Any, dict[str, Any]]:
    """The edition's layout, and the options it was laid out with (write with the same)."""
    options = {"pdf_variant": PDF_VARIANT, "pdf_identifier": pdf_id}
    return lay_out(document_html, assets, font_config, **options), options


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

    from citepress.book import html5fix  # noqa: PLC0415
    from citepress.typeset import weasyext  # noqa: PLC0415
    from citepress.typeset.mathsvg import replace_in_document  # noqa: PLC0415

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
