"""A book laid out in parts, with each font embedded once (publish/chapters.py).

WeasyPrint embeds in each PDF a subset of every font it uses: the glyphs that PDF
draws. Merged, the 30 chapters of a book would carry 30 subsets of each CJK face
(19 MB where the book laid out whole has 2.3 MB). So, while a part is written
(:func:`deferred`), a font is not subset: its program in the part is a placeholder
that names the original font file, kept once in the user's cache folder by its hash.
The merge (:func:`embed`) then subsets each original once, for the glyphs that all
parts draw, and every part's font points to that one program.

This holds because WeasyPrint subsets with the glyph ids kept (HarfBuzz's
RETAIN_GIDS): a glyph has the same id in every part's text, in its widths and in its
ToUnicode map, whichever subset is embedded. A font that WeasyPrint alters beyond
subsetting (a variable font it instantiates, a colour font it strips, a font with
glyphs it had to invent for missing characters) is embedded by WeasyPrint as before.

Here, in :mod:`citepress.typeset.sharedfonts` and in :mod:`citepress.typeset.weasyext`
alone, citepress touches WeasyPrint's internals (``Font.clean``,
``Font._harfbuzz_subset``, ``get_hb_object_data``); the version is pinned there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citepress.book.errors import RenderError
from citepress.ground import store
from citepress.typeset import sharedfonts

MARK = b"citepress-font:"  # after the font file's first four bytes (its type)
_PLACEHOLDER = re.compile(rb"^.{4}citepress-font:([0-9a-f]{64}):(\d{1,4})$", re.S)
_BFCHAR = re.compile(rb"^<([0-9a-fA-F]{4})> <", re.M)
_DECLARED: list[bool] = []
_KEPT: set[str] = set()  # the font files this process found whole in the store, or wrote


class FontStoreError(RenderError):
    """A part names a font that the cache no longer holds (the part is laid out again)."""


def folder() -> Path:
    """Where the original font files of a book's parts are kept."""
    return store.cache_folder() / "fonts"


@contextlib.contextmanager
def deferred(store: Path) -> Iterator[list[str]]:
    """Within the block, WeasyPrint writes placeholders for the fonts it would subset.

    Yields the list of the hashes of the font files the placeholders name (filled as
    PDFs are written). A font that cannot be kept in ``store`` is embedded as usual.
    """
    from weasyprint.pdf.fonts import Font  # noqa: PLC0415

    named: list[str] = []
    if not _harfbuzz_subsets():  # WeasyPrint falls back on fontTools: it embeds as usual
        yield named
        return
    original = Font.clean

    def clean(font: Any, to_unicode: dict[int, str], hinting: bool) -> None:
        digest = _keep(font, store) if _plain(font) else None
        if digest is None:
            original(font, to_unicode, hinting)
            return
        tag = _sfnt_tag(font.file_content, font.index)  # WeasyPrint's font.type reads it
        font.file_content = tag + MARK + f"{digest}:{font.index}".encode()
        if digest not in named:
            named.append(digest)

    Font.clean = clean
    try:
        with sharedfonts.reading():
            yield named
    finally:
        Font.clean = original


def _harfbuzz_subsets() -> bool:
    """Whether WeasyPrint subsets with HarfBuzz here, as :func:`embed` does."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset  # noqa: PLC0415

    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def missing(store: Path, digests: list[str], checked: set[str]) -> bool:
    """Whether any of the font files named ``digests`` is gone from ``store``, or changed.

    A changed file is removed (the part that names it is laid out again, which keeps
    the font anew). ``checked``: the digests already read whole, by this caller.
    """
    for digest in digests:
        if digest in checked:
            continue
        if not _intact(store / f"{digest}.font", digest):
            return True
        checked.add(digest)
    return False


def _intact(path: Path, digest: str) -> bool:
    """Whether ``path`` holds the bytes of ``digest``; a file that does not is removed."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if hashlib.sha256(data).hexdigest() == digest:
        return True
    with contextlib.suppress(OSError):
        path.unlink()
    return False


def _sfnt_tag(data: bytes, index: int) -> bytes:
    """The face's own first four bytes (``OTTO`` for CFF outlines), in a collection too."""
    if data[:4] != b"ttcf":
        return data[:4]
    at = 12 + 4 * index  # the collection's header, then the offset of each face
    offset = int.from_bytes(data[at : at + 4], "big")
    return data[offset : offset + 4]


def _plain(font: Any) -> bool:
    """Whether WeasyPrint would do nothing to the font but subset it (see the module)."""
    colour = font.png or font.svg or font.colr
    altered = font.bitmap or colour or font.missing or "fvar" in font.tables
    return not (altered or font.used_in_forms)  # a form's font is embedded whole


def _keep(font: Any, store: Path) -> str | None:
    """Keep the font's file in ``store`` under its hash; the hash, or None."""
    from citepress.ground import atomic  # noqa: PLC0415

    data = bytes(font.file_content)
    digest = sharedfonts.digest(font)
    path = store / f"{digest}.font"
    try:
        if digest in _KEPT and path.is_file():
            os.utime(path)  # used: the last to go when the cache is pruned
        elif digest in _KEPT or not _intact(path, digest):
            store.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic.write_bytes(path, data)
    except OSError:
        return None
    _KEPT.add(digest)  # read back whole, or written, once in this process
    return digest


@dataclass
class _Face:
    """One original font file (a face of it) and the fonts of the book that use it."""

    digest: str
    index: int
    descriptors: list[Any] = field(default_factory=list)
    glyphs: set[int] = field(default_factory=set)


def embed(pdf: Any, store: Path) -> None:
    """Give every placeholder font of the merged ``pdf`` (pikepdf) one shared subset.

    Raises :class:`FontStoreError` when a named font file is missing or changed.
    """
    faces: dict[tuple[str, int], _Face] = {}
    for font in _type0_fonts(pdf):
        _collect(font, faces)
    for face in faces.values():
        program = _subset(face, store)
        stream = pdf.make_stream(program)
        if program[:4] == b"OTTO":
            stream.Subtype = _name("/OpenType")
        else:
            stream.Length1 = len(program)
        for descriptor in face.descriptors:
            key = "/FontFile3" if "/FontFile3" in descriptor else "/FontFile2"
            descriptor[key] = stream


def _type0_fonts(pdf: Any) -> Iterator[Any]:
    """Every composite font the pages draw with (or the forms on them), once each.

    WeasyPrint writes only composite fonts for vector fonts; a page's resources and
    its forms' (the folios drawn at the merge) name them all.
    """
    seen: set[tuple[int, int]] = set()
    stack = [page.obj.get("/Resources") for page in pdf.pages]
    while stack:
        resources = stack.pop()
        if resources is None:
            continue
        for font in resources.get("/Font", {}).values():
            if font.get("/Subtype") == "/Type0" and font.objgen not in seen:
                seen.add(font.objgen)
                yield font
        for form in resources.get("/XObject", {}).values():
            if form.get("/Subtype") == "/Form" and form.objgen not in seen:
                seen.add(form.objgen)
                stack.append(form.get("/Resources"))


def _collect(font: Any, faces: dict[tuple[str, int], _Face]) -> None:
    """Note the font's face, if its program is a placeholder, and the glyphs it draws."""
    descendant = font.DescendantFonts[0]
    descriptor = descendant.FontDescriptor
    program = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
    if program is None:
        return
    found = _PLACEHOLDER.match(bytes(program.read_bytes()))
    if found is None:
        return
    digest, index = found.group(1).decode(), int(found.group(2))
    face = faces.setdefault((digest, index), _Face(digest, index))
    face.descriptors.append(descriptor)
    face.glyphs |= _widths(descendant.get("/W", []))
    if "/ToUnicode" in font:
        codes = _BFCHAR.findall(bytes(font.ToUnicode.read_bytes()))
        face.glyphs |= {int(code, 16) for code in codes}


def _widths(array: Any) -> set[int]:
    """The glyph ids a CIDFont's /W array gives widths to (``c [w…]`` or ``c1 c2 w``)."""
    items = list(array)
    glyphs: set[int] = set()
    at = 0
    while at + 1 < len(items):
        first, second = items[at], items[at + 1]
        if hasattr(second, "__len__") and not isinstance(second, int | float):
            glyphs |= set(range(int(first), int(first) + len(second)))
            at += 2
        else:
            glyphs |= set(range(int(first), int(second) + 1))
            at += 3
    return glyphs


def _subset(face: _Face, store: Path) -> bytes:
    """The face's original file, subset to ``face.glyphs`` as WeasyPrint subsets.

    Kept in ``store`` by what it is made of, so that a rebuild whose parts draw the
    same glyphs (most edits) reads it back; read back whole (its hash first) or not.
    """
    from weasyprint.pdf.fonts import Font  # noqa: PLC0415

    ffi, harfbuzz = _bindings()
    glyphs = sorted(face.glyphs or {0})
    made = hashlib.sha256(ffi.string(harfbuzz.hb_version_string()))
    made.update(f"{face.digest}:{face.index}:{glyphs}".encode())
    kept = store / f"{made.hexdigest()}.subset"
    with contextlib.suppress(OSError):
        found = kept.read_bytes()
        if hashlib.sha256(found[32:]).digest() == found[:32]:
            return found[32:]
    try:
        data = (store / f"{face.digest}.font").read_bytes()
    except OSError:
        raise FontStoreError(f"font {face.digest[:12]} is gone from the cache") from None
    if hashlib.sha256(data).hexdigest() != face.digest:
        raise FontStoreError(f"font {face.digest[:12]} changed in the cache")
    shim = _Shim(data, face.index)
    Font._harfbuzz_subset(shim, set(glyphs), False)
    program = bytes(shim.file_content)
    with contextlib.suppress(OSError):
        from citepress.ground import atomic  # noqa: PLC0415

        atomic.write_bytes(kept, hashlib.sha256(program).digest() + program)
    return program


class _Shim:
    """What ``Font._harfbuzz_subset`` reads of a font: its HarfBuzz face, nothing drawn."""

    def __init__(self, data: bytes, index: int) -> None:
        ffi, harfbuzz = _bindings()
        self._buffer = ffi.from_buffer(data)  # the blob reads it: kept alive with the face
        blob = ffi.gc(
            harfbuzz.hb_blob_create(self._buffer, len(data), 1, ffi.NULL, ffi.NULL),
            harfbuzz.hb_blob_destroy,
        )
        self._blob = blob
        self.hb_face = ffi.gc(harfbuzz.hb_face_create(blob, index), harfbuzz.hb_face_destroy)
        self.file_content = data
        self.missing: dict[int, int] = {}
        self.family = f"font {index}"


def _bindings() -> tuple[Any, Any]:
    """WeasyPrint's cffi bindings of HarfBuzz, with the three calls they lack here."""
    from weasyprint.text.ffi import ffi, harfbuzz  # noqa: PLC0415

    if not _DECLARED:
        ffi.cdef(
            "hb_blob_t *hb_blob_create(const char *data, unsigned int length,"
            " int mode, void *user_data, void *destroy);\n"
            "hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);\n"
            "const char *hb_version_string(void);"
        )
        _DECLARED.append(True)
    return ffi, harfbuzz


def _name(value: str) -> Any:
    import pikepdf  # noqa: PLC0415

    return pikepdf.Name(value)
