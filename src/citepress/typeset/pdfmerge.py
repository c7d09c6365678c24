"""The parts of a book laid out apart (typeset/pdfparts.py), merged into one tagged PDF.

pikepdf (qpdf) copies each part's pages and catalog with one mapping per part, so
every reference inside a part (structure elements to pages, links to their
structure elements, bookmarks and named destinations to pages) still points to the
same object once copied. Then:

- structure: one ``Document`` element holds each part's own, renamed ``Part``; the
  parent tree is renumbered (a page's key is its index in the book, a link's follows
  all the pages), and each page's /StructParents and link's /StructParent with it;
- named destinations: each part's own, never its stand-ins for other parts' anchors;
- bookmarks: one tree of all parts' items, nested again by their levels (pdfoutline);
- folios: the page number of each page that the stylesheet gives one, drawn from a
  folio sheet laid out by the same stylesheet, as a pagination artifact;
- the catalog's language, metadata and viewer preferences: the front matter's.

pikepdf (qpdf) is the one PDF library of the package: it copies the 40,000 objects
of a book of 30 chapters in ~0.4 s, where pypdf took ~4 s.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citepress.typeset import pdffonts, pdfoutline

# Catalog entries taken from the first part (the front matter): the book's own.
CATALOG = ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata")
FOLIO = "/CPFolio"


@dataclass
class Piece:
    """One part's PDF, and what the merge must know of it."""

    pdf: bytes
    folios: list[bool]  # per page: whether it gets a folio
    borrowed: list[str]  # stand-in anchors: named destinations that are not its own
    levels: list[int] = field(default_factory=list)  # its bookmarks' levels (pdfoutline)


@dataclass
class Sheet:
    """A folio sheet: its PDF, whose first page carries folio ``first``."""

    first: int
    pdf: bytes


@dataclass
class _Book:
    """The merged book as it is being made."""

    pdf: Any
    document: Any
    nums: list[tuple[int, Any]] = field(default_factory=list)  # page keys
    links: list[tuple[Any, Any]] = field(default_factory=list)  # (annotation, element)
    dests: dict[str, Any] = field(default_factory=dict)
    outlines: list[tuple[Any, list[int]]] = field(default_factory=list)  # root, levels
    sources: list[Any] = field(default_factory=list)  # kept open until the book is saved


def merge(pieces: list[Piece], sheets: list[Sheet], fonts: Path) -> bytes:
    """One PDF of ``pieces`` in order, folios drawn from ``sheets``.

    Each font is embedded once, from the original files kept in ``fonts``
    (typeset/pdffonts).
    """
    import pikepdf  # noqa: PLC0415 -- only a book of several chapters needs it

    out = pikepdf.new()
    tree = out.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    document = out.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, P=tree, K=pikepdf.Array()
        )
    )
    tree.K = pikepdf.Array([document])
    book = _Book(out, document)
    folios = _Folios(out, sheets)
    for number, piece in enumerate(pieces):
        catalog = _append(book, piece, folios)
        if number == 0:
            for key in CATALOG:
                if key in catalog:
                    out.Root[key] = catalog[key]
            out.trailer.Info = out.copy_foreign(book.sources[0].docinfo)
    _finish_structure(book, tree)
    _finish_names(book)
    pdfoutline.rebuild(out, book.outlines)
    pdffonts.embed(out, fonts)
    data = io.BytesIO()
    out.save(
        data,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        deterministic_id=True,
        min_version="1.7",
    )
    return data.getvalue()


def _append(book: _Book, piece: Piece, folios: _Folios) -> Any:
    """Copy one part's pages and catalog into the book; its copied catalog."""
    import pikepdf  # noqa: PLC0415

    source = pikepdf.open(io.BytesIO(piece.pdf))
    book.sources.append(source)
    base = len(book.pdf.pages)
    count = len(source.pages)
    with warnings.catch_warnings():
        # pikepdf warns that named destinations are not carried: _finish_names does it.
        warnings.filterwarnings("ignore", message="Copying pages from another Pdf")
        book.pdf.pages.extend(source.pages)
    # The same mapping as the pages': what the catalog references lands on them.
    catalog = book.pdf.copy_foreign(source.Root)
    structure = catalog.StructTreeRoot
    part = structure.K[0] if isinstance(structure.K, pikepdf.Array) else structure.K
    part.S = pikepdf.Name.Part  # a chapter, or the front matter, of the one Document
    part.P = book.document
    book.document.K.append(part)
    nums = structure.ParentTree.Nums
    elements = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for index in range(count):
        page = book.pdf.pages[base + index]
        _renumber(book, page.obj, base, elements)
        if piece.folios[index]:
            folios.draw(page, base + index + 1)
    names = catalog.get("/Names", {}).get("/Dests", {}).get("/Names", [])
    borrowed = set(piece.borrowed)
    for i in range(0, len(names), 2):
        name = str(names[i])
        if name not in borrowed:
            book.dests.setdefault(name, names[i + 1])
    if "/Outlines" in catalog and "/First" in catalog.Outlines:
        book.outlines.append((catalog.Outlines, piece.levels))
    return catalog


def _renumber(book: _Book, page: Any, base: int, elements: dict[int, Any]) -> None:
    """The page's key (and its links') in the book's parent tree."""
    if "/StructParents" in page:
        old = int(page.StructParents)
        page.StructParents = base + old
        book.nums.append((base + old, elements[old]))
    for annotation in page.get("/Annots", []):
        if "/StructParent" in annotation:
            book.links.append((annotation, elements[int(annotation.StructParent)]))


def _finish_structure(book: _Book, tree: Any) -> None:
    """The parent tree: pages first (their index), then the links, in order."""
    import pikepdf  # noqa: PLC0415

    entries = sorted(book.nums, key=lambda entry: entry[0])
    key = len(book.pdf.pages)
    for annotation, element in book.links:
        annotation.StructParent = key
        entries.append((key, element))
        key += 1
    flat: list[Any] = []
    for number, value in entries:
        flat += [number, value]
    tree.ParentTree = book.pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(flat)))
    tree.ParentTreeNextKey = key
    book.pdf.Root.StructTreeRoot = tree


def _finish_names(book: _Book) -> None:
    """The book's named destinations: one flat, sorted name tree."""
    import pikepdf  # noqa: PLC0415

    flat: list[Any] = []
    for name in sorted(book.dests):
        flat += [pikepdf.String(name), book.dests[name]]
    dests = book.pdf.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(flat)))
    book.pdf.Root.Names = pikepdf.Dictionary(Dests=dests)


class _Folios:
    """Each folio sheet's pages, as form XObjects drawn on the book's pages."""

    def __init__(self, pdf: Any, sheets: list[Sheet]) -> None:
        import pikepdf  # noqa: PLC0415

        self._pdf = pdf
        self._sources = [pikepdf.open(io.BytesIO(sheet.pdf)) for sheet in sheets]
        self._firsts = [sheet.first for sheet in sheets]

    def draw(self, page: Any, number: int) -> None:
        """Draw folio ``number`` on ``page``, marked as a pagination artifact.

        WeasyPrint's page content leaves its transformation in place (it flips the y
        axis without saving the state first), so the page's own content is wrapped in
        q/Q before the folio, which flips the axis itself, is drawn.
        """
        import pikepdf  # noqa: PLC0415

        form = self._pdf.copy_foreign(self._form(number))
        resources = pikepdf.Dictionary({key: value for key, value in page.Resources.items()})
        xobjects = resources.get("/XObject", pikepdf.Dictionary())
        resources.XObject = pikepdf.Dictionary({**dict(xobjects.items()), FOLIO: form})
        page.Resources = resources
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(
            b"Q\n/Artifact <</Type /Pagination>> BDC\nq " + FOLIO.encode() + b" Do Q\nEMC\n"
        )

    def _form(self, number: int) -> Any:
        import pikepdf  # noqa: PLC0415

        for source, first in zip(self._sources, self._firsts, strict=True):
            if first <= number < first + len(source.pages):
                return pikepdf.Page(source.pages[number - first]).as_form_xobject()
        raise ValueError(f"no folio sheet holds page {number}")
