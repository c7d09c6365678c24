"""The print-shop edition: the print edition's pages made for the press (PDF/X-4).

The PDF edition is for readers and the screen (tagged PDF/UA, pages cut to size).
A printer wants PDF/X-4 instead: the pages with bleed around the trimmed page, crop
marks (トンボ) outside the bleed, and each page's TrimBox and BleedBox set, every
font embedded. The layout is the PDF edition's own (the same template and type
area), so the pages and their page numbers are the same; only the sheet around each
page differs. Settings: ``[tool.citepress.print] trim-size`` (the PDF's page size
by default) and ``bleed-mm`` (3 by default).

The CSS bleed is the bleed plus the room the marks need (``MARKS_MM``): the sheet.
WeasyPrint sets the BleedBox at most 10 pt outside the TrimBox, so it is then set to
the real bleed, and the marks (typeset/tombo.py) are drawn beyond it.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from citepress.book.errors import RenderError
from citepress.book.model import Book
from citepress.editions import pdf
from citepress.editions.base import Context
from citepress.typeset import layout, tombo
from citepress.typeset.grid import MM

PDF_VARIANT = "pdf/x-4"
# The output intent: a CMYK printing condition. Debian's libgs-common has
# Ghostscript's generic one (a SWOP-like coated stock); a press's own profile
# (Japan Color 2011 Coated, say) is the printer's to apply.
PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
MARKS_MM = 10.0  # beyond the bleed: room for the crop marks (typeset/tombo.LENGTH)

Prepared = tuple[str, bytes, list[Path], float]


def prepare(book: Book, context: Context) -> Prepared:
    """What the fenced worker needs: the HTML with bleed and marks, and the bleed (mm)."""
    settings = context.settings
    press = {"sheet": settings.print_bleed_mm + MARKS_MM, "profile": profile_url()}
    size = settings.print_trim_size or settings.page_size
    document_html = pdf.set_html(book, context.env, size, press=press)
    return document_html, pdf.identifier(book), context.assets, settings.print_bleed_mm


def finish(prepared: Prepared) -> bytes:
    """In the worker: lay the pages out as PDF/X-4 and set each page's BleedBox."""
    document_html, pdf_id, assets, bleed_mm = prepared
    options = {
        "pdf_variant": PDF_VARIANT, "pdf_identifier": pdf_id, "output_intent": "device-cmyk",
    }  # fmt: skip
    document = layout.lay_out(document_html, assets, **options)
    return for_press(layout.pdf_bytes(document, **options), bleed_mm)


def profile_url() -> str:
    """The CMYK output profile as a data: URL (the PDF's fetcher loads nothing else)."""
    import base64  # noqa: PLC0415

    try:
        data = PROFILE.read_bytes()
    except OSError as exc:
        raise RenderError(
            f"the print-shop PDF needs a CMYK output profile, {PROFILE}: {exc.strerror}; "
            "install the Debian package libgs-common (`make` does)"
        ) from None
    return "data:application/vnd.iccprofile;base64," + base64.b64encode(data).decode()


def render(book: Book, context: Context) -> bytes:
    """The print-shop PDF, made in this process."""
    return finish(prepare(book, context))


def for_press(data: bytes, bleed_mm: float) -> bytes:
    """The PDF with each page's BleedBox ``bleed_mm`` outside its TrimBox, and its marks.

    Japanese crop and centre marks are drawn in registration colour (typeset/tombo).
    WeasyPrint draws images in DeviceRGB; a DefaultRGB colour space (sRGB, the profile
    WeasyPrint ships) on every page and form makes them device-independent, as
    PDF/X-4 requires beside a CMYK output intent. pypdf keeps every other object, the
    document's /ID and its metadata as they were.
    """
    from pypdf import PdfWriter  # noqa: PLC0415
    from pypdf.generic import RectangleObject  # noqa: PLC0415

    # WeasyPrint's PDF/X trailer gives too small a /Size; pypdf says so, and writes
    # the right one: the warning is not the user's to act on.
    pypdf_log = logging.getLogger("pypdf")
    level, pypdf_log.level = pypdf_log.level, logging.ERROR
    try:
        writer = PdfWriter(clone_from=io.BytesIO(data))
    finally:
        pypdf_log.setLevel(level)
    writer.pdf_header = data[: data.index(b"\n")]  # PDF/X-4 is PDF 1.6: keep the version
    _refuse_without_sheet(writer)
    srgb, registration = _srgb(writer), tombo.colour_space(writer)
    bleed = bleed_mm * MM
    for page in writer.pages:
        left, bottom, right, top = (float(value) for value in page.trimbox)
        box: Any = RectangleObject((left - bleed, bottom - bleed, right + bleed, top + bleed))
        page.bleedbox = box
        _default_rgb(page, srgb)
        tombo.draw(writer, page, bleed, registration)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _refuse_without_sheet(writer: Any) -> None:
    """A clear error where the stylesheet gave no sheet around the page or no intent.

    A project's own ``templates/pdf/print.css``, copied before the print-shop edition
    existed, lacks its ``{% if press %}`` block: the PDF would go to the printer
    with no bleed, no marks and no output intent.
    """
    page = writer.pages[0]
    sheet = [float(value) for value in page.mediabox] != [float(value) for value in page.trimbox]
    if not sheet or "/OutputIntents" not in writer._root_object:
        raise RenderError(
            "the print-shop PDF has no bleed or no output intent: the stylesheet "
            "pdf/print.css lacks the print-shop block ({% if press %} … {% endif %}); "
            "copy it from the package's templates/pdf/print.css into the project's"
        )


def _srgb(writer: Any) -> Any:
    """An ICCBased sRGB colour space in ``writer``, from WeasyPrint's own profile."""
    from importlib.resources import files  # noqa: PLC0415

    from pypdf.generic import ArrayObject, NameObject, NumberObject, StreamObject  # noqa: PLC0415

    stream = StreamObject()
    stream.set_data((files("weasyprint.pdf") / "sRGB2014.icc").read_bytes())
    stream[NameObject("/N")] = NumberObject(3)
    return ArrayObject([NameObject("/ICCBased"), writer._add_object(stream)])


def _default_rgb(holder: Any, srgb: Any, depth: int = 0) -> None:
    """Give ``holder`` (a page or form) and the forms it draws a DefaultRGB colour space."""
    from pypdf.generic import DictionaryObject, NameObject  # noqa: PLC0415

    resources = holder.get("/Resources")
    if resources is None or depth > 8:  # forms drawing forms: WeasyPrint nests a few
        return
    resources = resources.get_object()
    spaces = resources.get("/ColorSpace")
    if spaces is None:
        spaces = DictionaryObject()
        resources[NameObject("/ColorSpace")] = spaces
    spaces.get_object()[NameObject("/DefaultRGB")] = srgb
    for form in (resources.get("/XObject") or {}).values():
        form = form.get_object()
        if form.get("/Subtype") == "/Form":
            _default_rgb(form, srgb, depth + 1)
