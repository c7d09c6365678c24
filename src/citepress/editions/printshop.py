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
    PDF/X-4 requires beside a CMYK output intent. pikepdf keeps every other object,
    the PDF version and the first half of the document's /ID as they were; the
    second half is made from the content, so that two builds give the same bytes.
    """
    import pikepdf  # noqa: PLC0415

    with pikepdf.open(io.BytesIO(data)) as document:
        _refuse_without_sheet(document)
        _metadata(document)
        srgb, registration = _srgb(document), tombo.colour_space(document)
        bleed = bleed_mm * MM
        for page in document.pages:
            left, bottom, right, top = (float(value) for value in page.trimbox)
            page.bleedbox = pikepdf.Array(
                [left - bleed, bottom - bleed, right + bleed, top + bleed]
            )
            _default_rgb(page.obj, srgb)
            tombo.draw(document, page, bleed, registration)
        out = io.BytesIO()
        document.save(out, deterministic_id=True)
    return out.getvalue()


def _metadata(document: Any) -> None:
    """The XMP a press reads: a DocumentID from the /ID, and the rendition ``default``.

    WeasyPrint writes a random DocumentID (two builds would differ) and the
    RenditionClass ``proof:pdf``, which tells a RIP the file is a proof.
    """
    import uuid  # noqa: PLC0415

    first = bytes(document.trailer.ID[0]).hex() if "/ID" in document.trailer else ""
    with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["xmpMM:DocumentID"] = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_OID, first)}"
        meta["xmpMM:RenditionClass"] = "default"


def _refuse_without_sheet(document: Any) -> None:
    """A clear error where the stylesheet gave no sheet around the page or no intent.

    A project's own ``templates/pdf/print.css``, copied before the print-shop edition
    existed, lacks its ``{% if press %}`` block: the PDF would go to the printer
    with no bleed, no marks and no output intent.
    """
    page = document.pages[0]
    sheet = [float(value) for value in page.mediabox] != [float(value) for value in page.trimbox]
    if not sheet or "/OutputIntents" not in document.Root:
        raise RenderError(
            "the print-shop PDF has no bleed or no output intent: the stylesheet "
            "pdf/print.css lacks the print-shop block ({% if press %} … {% endif %}); "
            "copy it from the package's templates/pdf/print.css into the project's"
        )


def _srgb(document: Any) -> Any:
    """An ICCBased sRGB colour space in ``document``, from WeasyPrint's own profile."""
    from importlib.resources import files  # noqa: PLC0415

    import pikepdf  # noqa: PLC0415

    stream = pikepdf.Stream(document, (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes())
    stream.N = 3
    return pikepdf.Array([pikepdf.Name.ICCBased, document.make_indirect(stream)])


def _default_rgb(holder: Any, srgb: Any, depth: int = 0) -> None:
    """Give ``holder`` (a page or form) and the forms it draws a DefaultRGB colour space."""
    import pikepdf  # noqa: PLC0415

    resources = holder.get("/Resources")
    if resources is None or depth > 8:  # forms drawing forms: WeasyPrint nests a few
        return
    if "/ColorSpace" not in resources:
        resources.ColorSpace = pikepdf.Dictionary()
    resources.ColorSpace.DefaultRGB = srgb
    forms = resources.get("/XObject") or pikepdf.Dictionary()
    for name in list(forms.keys()):
        form = forms[name]
        if form.get("/Subtype") == pikepdf.Name.Form:
            _default_rgb(form, srgb, depth + 1)
