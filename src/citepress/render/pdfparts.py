"""In the PDF worker: one part of a book laid out alone (its front matter, or one chapter).

A book of several chapters is laid out piece by piece (publish/chapters.py): a changed
chapter is laid out again alone, and chapters are laid out side by side. Each chapter
opens on a right-hand page and each part is made to end on a left-hand page, so a
part's layout does not depend on the pages before it, except for its folios (the page
numbers in the margins). Those are taken off its pages here and drawn later, at the
page number the part finally has, from a sheet of folios (:func:`folio_sheet`) laid
out by the same stylesheet (render/pdfmerge.py).

A part links to anchors that other parts hold (the contents to every chapter, a
cross-reference to another chapter): WeasyPrint would drop such a link, so the part
gets a stand-in anchor of that name, which the merge replaces by the real one.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citepress.render import pagemap, pdffonts
from citepress.render.editions import pdf
from citepress.render.errors import RenderError

# The element that ends a part on a left-hand page (it is added before </body>), and
# the anchors the front matter's stand-in pages carry.
VERSO = "cp-verso"
VERSO_HTML = f'<div id="{VERSO}" style="break-before: left"></div>'
COUNTERS = ("counter()", "counters()")


class PartError(RenderError):
    """A part could not be laid out as the book needs it."""


@dataclass
class Part:
    """A laid-out part: its PDF and what the merge and the page numbers need of it."""

    pdf: bytes
    pages: int
    starts: list[pagemap.PageStart]  # page numbers counted within the part, from 1
    anchors: dict[str, int]  # the part's own anchors: name -> page index in the part
    borrowed: list[str]  # stand-in anchors for links to other parts (see the module)
    folios: list[bool]  # per page: whether the stylesheet gives it a folio
    fonts: list[str] = field(default_factory=list)  # the font files it names (render/pdffonts)


def chapter(html: str, pdf_id: bytes, assets: list[Path], borrow: list[str], store: Path) -> Part:
    """Lay out one chapter's HTML (the template's ``part``), ending on a left-hand page.

    Its fonts are kept in ``store``, for the merge to embed once (render/pdffonts).
    """
    document, options = pdf._laid_out(_before_body_end(html, VERSO_HTML), pdf_id, assets)
    _end_on_verso(document)
    part = _finish(document, options, borrow, store)
    if "<th" in html:
        part.pdf = unique_ids(part.pdf, hashlib.sha256(html.encode()).hexdigest()[:12] + "-")
    return part


def unique_ids(data: bytes, prefix: str) -> bytes:
    """The part's structure element ids, made the book's own with ``prefix``.

    WeasyPrint names a table's header cells by its own object numbers, which repeat
    from one part to the next: in the book, two tables' headers would share an id,
    and a cell (its /Headers) would name another chapter's.
    """
    import pikepdf  # noqa: PLC0415

    with pikepdf.open(io.BytesIO(data)) as document:
        stack = [document.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if "/ID" in node:
                node.ID = pikepdf.String(prefix + str(node.ID))
            attributes = node.get("/A")
            if isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
                named = [pikepdf.String(prefix + str(name)) for name in attributes.Headers]
                attributes.Headers = pikepdf.Array(named)
            found = node.get("/K")
            kids: list[Any] = list(found) if isinstance(found, pikepdf.Array) else [found]
            stack += [kid for kid in kids if isinstance(kid, pikepdf.Dictionary)]
        out = io.BytesIO()
        document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def front(
    html: str,
    pdf_id: bytes,
    assets: list[Path],
    borrow: list[str],
    targets: dict[str, int],
    store: Path,
) -> Part:
    """Lay out the title page and contents, whose page numbers point into other parts.

    ``targets`` gives the page number of each anchor the contents point to. For
    ``target-counter()`` to print it, each anchor stands, after the front matter, on a
    page of its own whose counter is reset to that number; those pages are then cut.
    """
    stubs = "".join(
        f'<div id="{name}" style="page: cp-stub-{n}; break-before: page"></div>'
        for n, name in enumerate(targets)
    )
    rules = "".join(
        f"@page cp-stub-{n} {{ counter-reset: page {page} }}\n"
        for n, page in enumerate(targets.values())
    )
    laid = _before_body_end(html, VERSO_HTML + stubs)
    laid = laid.replace("</head>", f"<style>\n{rules}</style>\n</head>", 1)
    document, options = pdf._laid_out(laid, pdf_id, assets)
    stub_names = set(targets)
    kept = [page for page in document.pages if not stub_names & set(page.anchors)]
    document.pages[:] = kept
    _end_on_verso(document)
    return _finish(document, options, borrow, store)


def folio_sheet(head: str, first: int, count: int, store: Path) -> tuple[bytes, list[str]]:
    """``count`` pages that carry only their folios, numbered from ``first`` (odd).

    ``head`` is a part's HTML up to its body: the same stylesheet draws these folios
    as it would the book's. The sheet is not tagged: the merge marks what it takes from
    it as an artifact (page numbers are pagination, not content).
    """
    if first % 2 != 1:
        raise ValueError("a folio sheet starts on a right-hand (odd) page")
    reset = f"<style>@page :first {{ counter-reset: page {first} }}</style>\n"
    body = '<div style="break-after: page"></div>' * count
    laid = head.replace("</head>", reset + "</head>", 1) + f"<body>{body}</body></html>"
    document = pdf.lay_out(laid, [])
    for page in document.pages:
        box = page._page_box
        box.children = [child for child in box.children if _is_folio(child)]
    with pdffonts.deferred(store) as fonts:
        data = pdf.pdf_bytes(document)
    return data, fonts


def head_of(html: str) -> str:
    """The HTML up to its ``<body>``: the document's language and stylesheet."""
    return html[: html.index("<body")]


def _finish(document: Any, options: dict[str, Any], borrow: list[str], store: Path) -> Part:
    """Take the folios off, stand in for borrowed anchors, write the PDF."""
    folios = [_detach_folios(page) for page in document.pages]
    for page in document.pages:
        page.anchors.pop(VERSO, None)
    own: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            own.setdefault(name, index)
    borrowed = sorted(name for name in set(borrow) - set(own) if _linked(document, name))
    for name in borrowed:
        # WeasyPrint keeps a link only when the document holds its anchor.
        document.pages[0].anchors[name] = (0, 0, 0, 0)
    with pdffonts.deferred(store) as fonts:
        data = pdf.pdf_bytes(document, **options)
    starts = pagemap.starts(document)
    return Part(data, len(document.pages), starts, own, borrowed, folios, fonts)


def _linked(document: Any, name: str) -> bool:
    return any(
        link[0] == "internal" and link[1] == name for p in document.pages for link in p.links
    )


def _end_on_verso(document: Any) -> None:
    """Keep the verso element's page only when it is what ends the part on the left.

    The element asks for a left-hand page. After a part that ends on a right-hand
    page, it takes the next page, which then stands as the blank verso a book has
    there (running head and folio as the stylesheet gives any page). After a part that
    ends on the left, WeasyPrint adds a blank right page and a left one: both go.
    """
    pages = document.pages
    where = [n for n, page in enumerate(pages) if VERSO in page.anchors]
    if not where:
        return
    at = where[0]
    if at >= 1 and pages[at - 1]._page_box.page_type.blank:
        del pages[at - 1 : at + 1]


def _detach_folios(page: Any) -> bool:
    """Take off the page's margin boxes that print a page counter; say if there were any."""
    box = page._page_box
    kept = [child for child in box.children if not _is_folio(child)]
    found = len(kept) != len(box.children)
    box.children = kept
    return found


def _is_folio(box: Any) -> bool:
    """Whether ``box`` is a margin box whose content uses a counter (the page number)."""
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    if not isinstance(box, boxes.MarginBox):
        return False
    content = box.style["content"]
    return isinstance(content, tuple | list) and any(
        isinstance(item, tuple) and item[0] in COUNTERS for item in content
    )


def _before_body_end(html: str, insert: str) -> str:
    at = html.rindex("</body>")
    return html[:at] + insert + html[at:]
