"""In the PDF worker: one part of a book laid out alone (its front matter, or one chapter).

A book of several chapters is laid out piece by piece (publish/chapters.py): a changed
chapter is laid out again alone, and chapters are laid out side by side. A part is
laid out so that its pages are the pages it has in the book laid out whole:

- a chapter comes after a page of its own (then cut), so that none of its pages is
  the document's ``:first``, and it must open on an even page index, as every part
  does in the book (a stylesheet whose chapters do not break to a right-hand page is
  laid out whole);
- after it comes an empty stand-in for the next chapter's opening element, with that
  element's own classes (typeset/parthtml.py): the page break it forces, and any blank
  verso, are the book's; its page is then cut.

Only its folios (the page numbers in the margins) depend on where it falls. Those
are taken off its pages here and drawn at the merge, at the page number the part
finally has, from a sheet of folios (:func:`folio_sheet`) laid out by the same
stylesheet (typeset/pdfmerge.py). That holds only when the folio is a page number
and some text, styled and placed as on the sheet's page of the same side: each
part records how its folios look, and the book is laid out whole when one differs
(a named page's own folio, ``counter(pages)``, a running head in the same box).

A part links to anchors that other parts hold (the contents to every chapter, a
cross-reference to another chapter): WeasyPrint would drop such a link, so the part
gets a stand-in anchor of that name, which the merge replaces by the real one. A
chapter whose text asks for another page's number (``target-counter()``) cannot be
laid out alone: the book is then laid out whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citepress.book.errors import RenderError
from citepress.typeset import layout, pagemap, parthtml, pdffonts, sharedfonts
from citepress.typeset.boxes import content_boxes

# A page before a chapter (cut with the blank page its break may add after it).
LEAD_HTML = '<div class="cp-lead" style="break-after: page"></div>'
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
    fonts: list[str] = field(default_factory=list)  # the font files it names (typeset/pdffonts)
    sides: list[str] = field(default_factory=list)  # per page: "left" or "right"
    looks: list[str] = field(default_factory=list)  # per page: how its folios look ("": none)
    levels: list[int] = field(default_factory=list)  # its bookmarks' levels, in order
    problem: str = ""  # why the book cannot be laid out in parts ("" when it can)


def chapter(
    html: str,
    pdf_id: bytes,
    assets: list[Path],
    borrow: list[str],
    store: Path,
    next_in: str | None,
) -> Part:
    """Lay out one chapter's HTML (the template's ``part``) as its pages in the book.

    ``next_in``: the next chapter's stand-in (None for the book's last chapter). Its
    fonts are kept in ``store``, for the merge to embed once (typeset/pdffonts).
    """
    laid = parthtml.insert(html, parthtml.body_start(html), LEAD_HTML)
    if next_in is not None:
        laid = parthtml.insert(laid, parthtml.body_end(laid), next_in)
    with _target_lookups() as looked_up:
        document, options = layout.laid_out(laid, pdf_id, assets, sharedfonts.configuration())
    problem = _cut_lead(document) or _cut_next(document, next_in is not None)
    if looked_up:
        problem = problem or f"a chapter asks for another page's number ({looked_up[0]})"
    part = _finish(document, options, borrow, store, problem)
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
    next_in: str,
) -> Part:
    """Lay out the title page and contents, whose page numbers point into other parts.

    ``targets`` gives the page number of each anchor the contents point to. For
    ``target-counter()`` to print it, each anchor stands, after the front matter and
    the first chapter's stand-in (``next_in``), on a page of its own whose counter is
    reset to that number; those pages are cut with the stand-in's.
    """
    stubs = "".join(
        f'<div id="{name}" style="page: cp-stub-{n}; break-before: page"></div>'
        for n, name in enumerate(targets)
    )
    rules = "".join(
        f"@page cp-stub-{n} {{ counter-reset: page {page} }}\n"
        for n, page in enumerate(targets.values())
    )
    laid = parthtml.insert(html, parthtml.body_end(html), next_in + stubs)
    laid = parthtml.insert(laid, parthtml.head_end(laid), f"<style>\n{rules}</style>\n")
    document, options = layout.laid_out(laid, pdf_id, assets, sharedfonts.configuration())
    return _finish(document, options, borrow, store, _cut_next(document, True))


def folio_sheet(
    head: str, first: int, count: int, store: Path, assets: list[Path]
) -> tuple[bytes, list[str], dict[str, str]]:
    """``count`` pages that carry only their folios, numbered from ``first`` (odd).

    ``head`` is a part's HTML up to its body: the same stylesheet (and fonts, from
    ``assets``) draws these folios as it would the book's. Two pages come first and are
    cut, so that the first folio's page is neither ``:first`` nor on the wrong side.
    Returns the PDF, the font files it names, and how its folios look on each side.
    The sheet is not tagged: the merge marks what it takes from it as an artifact.
    """
    if first % 2 != 1:
        raise ValueError("a folio sheet starts on a right-hand (odd) page")
    reset = f"<style>@page :first {{ counter-reset: page {first - 2} }}</style>\n"
    body = '<div style="break-after: page"></div>' * (count + 2)
    laid = parthtml.insert(head, parthtml.head_end(head), reset) + f"<body>{body}</body></html>"
    document = layout.lay_out(laid, assets, sharedfonts.configuration())
    del document.pages[:2]
    looks: dict[str, str] = {}
    for page in document.pages:
        box = page._page_box
        box.children = [child for child in box.children if _is_folio(child)]
        if box.page_type.side not in looks:  # a side's first page speaks for the side
            looks[box.page_type.side] = _look(box, box.children)
    with pdffonts.deferred(store) as fonts:
        data = layout.pdf_bytes(document)
    return data, fonts, looks


def head_of(html: str) -> str:
    """The HTML up to its ``<body>``: the document's language and stylesheet."""
    return html[: parthtml.body_tag(html)]


def _finish(
    document: Any, options: dict[str, Any], borrow: list[str], store: Path, problem: str
) -> Part:
    """Take the folios off, stand in for borrowed anchors, write the PDF."""
    sides = [page._page_box.page_type.side for page in document.pages]
    detached = [_detach_folios(page) for page in document.pages]
    if any(not _plain_folio(box) for boxes in detached for box in boxes):
        problem = problem or "a folio holds more than the page number and text"
    own: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            own.setdefault(name, index)
    borrowed = sorted(name for name in set(borrow) - set(own) if _linked(document, name))
    for name in borrowed:
        # WeasyPrint keeps a link only when the document holds its anchor.
        document.pages[0].anchors[name] = (0, 0, 0, 0)
    with pdffonts.deferred(store) as fonts:
        data = layout.pdf_bytes(document, **options)
    return Part(
        data,
        len(document.pages),
        pagemap.starts(document),
        own,
        borrowed,
        [bool(boxes) for boxes in detached],
        fonts,
        sides,
        [
            _look(page._page_box, boxes) if boxes else ""
            for page, boxes in zip(document.pages, detached, strict=True)
        ],
        [mark[0] for page in document.pages for mark in page.bookmarks],
        problem,
    )


def _linked(document: Any, name: str) -> bool:
    return any(
        link[0] == "internal" and link[1] == name for p in document.pages for link in p.links
    )


def _cut_lead(document: Any) -> str:
    """Cut the lead page (and the blank one a right-hand break adds); "" or the problem."""
    pages = document.pages
    opening = 1
    while opening < len(pages) and pages[opening]._page_box.page_type.blank:
        opening += 1
    del pages[:opening]
    if opening % 2:
        return "a chapter does not open on a right-hand page (break-before: right)"
    return ""


def _cut_next(document: Any, expected: bool) -> str:
    """Cut the next chapter's stand-in's page and all after it; "" or the problem."""
    pages = document.pages
    where = [n for n, page in enumerate(pages) if parthtml.NEXT in page.anchors]
    if not where:  # the book's last chapter: nothing stands after it
        return "the next chapter's stand-in made no box (a <style> first?)" if expected else ""
    at = where[0]
    if at == 0 or _holds_more(pages[at]):
        return "a chapter does not open on a page of its own"
    del pages[at:]
    return ""


def _holds_more(page: Any) -> bool:
    """Whether the stand-in's page shows anything: text or an image (then it is shared)."""
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    shown = (boxes.TextBox, boxes.ReplacedBox)
    return any(isinstance(box, shown) for box in content_boxes(page))


@contextlib.contextmanager
def _target_lookups() -> Iterator[list[str]]:
    """Within the block, each ``target-counter()``/``target-text()`` lookup is listed."""
    from weasyprint.css.targets import TargetCollector  # noqa: PLC0415

    original = TargetCollector.lookup_target
    seen: list[str] = []

    def lookup(self: Any, anchor_token: Any, *args: Any) -> Any:
        seen.append(str(anchor_token)[:80])
        return original(self, anchor_token, *args)

    TargetCollector.lookup_target = lookup
    try:
        yield seen
    finally:
        TargetCollector.lookup_target = original


def _detach_folios(page: Any) -> list[Any]:
    """Take off the page's margin boxes that print a page counter, and return them."""
    box = page._page_box
    found = [child for child in box.children if _is_folio(child)]
    box.children = [child for child in box.children if not _is_folio(child)]
    return found


def _plain_folio(box: Any) -> bool:
    """Whether the margin box prints text and the page number alone (a sheet can draw it)."""
    return all(
        item[0] == "string" or (item[0] == "counter()" and item[1][0] == "page")
        for item in box.style["content"]
    )


def _look(page: Any, boxes: list[Any]) -> str:
    """How the page's folio boxes look and where they stand.

    Each box's computed style, and the page's size and margins: not the box's own
    size, which the number's width sets.
    """
    from weasyprint.css.properties import INITIAL_VALUES  # noqa: PLC0415

    sides = ("margin_top", "margin_right", "margin_bottom", "margin_left")
    place = [page.margin_width(), page.margin_height(), *(getattr(page, n) for n in sides)]
    described = [repr([round(value, 2) for value in place])]
    for box in sorted(boxes, key=lambda each: str(each.at_keyword)):
        style = [(name, repr(box.style[name])) for name in sorted(INITIAL_VALUES)]
        described.append(repr((box.at_keyword, style)))
    return hashlib.sha256("\n".join(described).encode()).hexdigest()[:24]


def _is_folio(box: Any) -> bool:
    """Whether ``box`` is a margin box whose content uses a counter (the page number)."""
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    if not isinstance(box, boxes.MarginBox):
        return False
    content = box.style["content"]
    return isinstance(content, tuple | list) and any(
        isinstance(item, tuple) and item[0] in COUNTERS for item in content
    )
