"""In the PDF worker: the fonts loaded once for all the parts of a book it lays out.

Left to itself, WeasyPrint builds a new font configuration for each document: it
loads fontconfig's configuration and font list, opens every face anew, and, as it
writes the PDF, copies each face's whole file out of HarfBuzz (~66 MB for the three
Noto CJK faces of a Japanese book), which typeset/pdffonts.py then hashes. For a book
of 30 chapters, its contents and its folio sheets, that is some 40 times the same
work, ~0.1 s each.

So the parts a process lays out (typeset/pdfparts.py) share one font configuration
(:func:`configuration`), and, while the shared faces live, each face's file is copied
and hashed once (:func:`reading`, :func:`digest`). A build lets go of it at its end
(:func:`release`): a process that lays out parts itself (no fork) rebuilds again
from fontconfig's list as it is then.

A document adds to a configuration the fonts of its ``@font-face`` rules (citepress's
own templates have none; only they are laid out in parts): a configuration that has
had one added is not shared again, so no document ever sees another's fonts. It also
fills two caches: the font features, keyed by their whole text, and the struts of
line heights, keyed without the root font size or the page size a ``calc()`` may
read; those are emptied for each part. A face is known by its address only while
this module holds a reference to it, so that no other face can take that address.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

FACES_KEPT = 16  # faces remembered at most (each holds its file's bytes: ~20 MB for CJK)
_SHARED: dict[str, Any] = {}  # "config" -> the configuration, "pid" -> the process's id


@dataclass
class _Face:
    """A face's file, copied once, held with a reference that keeps its address its own."""

    held: Any  # our reference to the hb_face_t (released when this entry goes)
    data: bytes
    digest: str = ""


_FACES: dict[int, _Face] = {}


def configuration() -> Any:
    """The font configuration this process shares among the parts it lays out.

    A new one once a document has added a font of its own (``@font-face``), and in a
    process forked from one that had made it (fontconfig and Pango do not cross a fork).
    """
    current = _SHARED.get("config")
    if current is not None and _SHARED.get("pid") != os.getpid():
        current._folder = None  # the parent's @font-face files: not this process's to delete
        current = None
    if current is None or current.added:
        _FACES.clear()  # their faces belong to the configuration that goes
        current = _new_configuration()
        _SHARED.update(config=current, pid=os.getpid())
    current.strut_layouts.clear()  # keyed without what a calc() line height may read
    return current


def release() -> None:
    """Let go of this process's configuration and the faces it keeps."""
    _FACES.clear()
    _SHARED.clear()


def _new_configuration() -> Any:
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

    class Shared(FontConfiguration):  # type: ignore[misc]
        """WeasyPrint's configuration, which says whether a document added a font."""

        added = False

        def add_font_face(self, rule_descriptors: Any, url_fetcher: Any) -> Any:
            self.added = True
            return super().add_font_face(rule_descriptors, url_fetcher)

    return Shared()


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Within the block, WeasyPrint copies a shared face's file once per process.

    Only the copy a ``Font`` makes of its face: WeasyPrint's own subsets (of a font it
    alters, typeset/pdffonts.py) are new faces, read once and never again.
    """
    from weasyprint.pdf import fonts  # noqa: PLC0415

    original, making = fonts.get_hb_object_data, fonts.Font.__init__
    made: list[bool] = []  # non-empty while a Font is being made

    def face_data(hb_object: Any, ot_color: Any = None, glyph: Any = None) -> Any:
        if ot_color is not None or glyph is not None or not made:  # not a Font's face
            return original(hb_object, ot_color, glyph)
        return _face(hb_object, original)

    def make(font: Any, *args: Any, **kwargs: Any) -> None:
        made.append(True)
        try:
            making(font, *args, **kwargs)
        finally:
            made.pop()

    fonts.get_hb_object_data, fonts.Font.__init__ = face_data, make
    try:
        yield
    finally:
        fonts.get_hb_object_data, fonts.Font.__init__ = original, making


def _address(hb_face: Any) -> int:
    from weasyprint.text.ffi import ffi  # noqa: PLC0415

    return int(ffi.cast("uintptr_t", hb_face))


def _face(hb_face: Any, read: Any) -> Any:
    """The face's file: copied the first time, then the same bytes."""
    from weasyprint.text.ffi import ffi, harfbuzz  # noqa: PLC0415

    address = _address(hb_face)
    known = _FACES.get(address)
    if known is not None:
        return known.data
    data = read(hb_face)
    if data is None:
        return data
    if len(_FACES) >= FACES_KEPT:
        del _FACES[next(iter(_FACES))]  # the oldest
    held = ffi.gc(harfbuzz.hb_face_reference(hb_face), harfbuzz.hb_face_destroy)
    _FACES[address] = _Face(held, data)
    return data


def digest(font: Any) -> str:
    """The SHA-256 of the font's file, computed once for a shared face."""
    face = getattr(font, "hb_face", None)
    known = _FACES.get(_address(face)) if face is not None else None
    if known is None or known.data is not font.file_content:
        return hashlib.sha256(font.file_content).hexdigest()
    if not known.digest:
        known.digest = hashlib.sha256(known.data).hexdigest()
    return known.digest
