"""The e-book edition: an EPUB 3 container, written byte for byte reproducibly.

The zip is written by hand with zipfile (no library writes EPUB from our own
templates without imposing its markup): the ``mimetype`` entry first and stored,
entries in a fixed order, every timestamp the edition's own, fixed permissions.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from jinja2 import Environment

from citepress.book.model import Book
from citepress.book.templates import render as render_template
from citepress.editions.base import Context

CONTAINER = "epub/container.xml.j2"
PACKAGE = "epub/package.opf.j2"
NAV = "epub/nav.xhtml.j2"
CHAPTER = "epub/chapter.xhtml.j2"
TITLEPAGE = "epub/titlepage.xhtml.j2"
COVER = "epub/cover.xhtml.j2"
STYLESHEET = "epub/book.css"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def files(book: Book, env: Environment) -> list[tuple[str, bytes]]:
    """The EPUB's files, in container order (mimetype first)."""
    out = [
        ("mimetype", b"application/epub+zip"),
        ("META-INF/container.xml", _render(env, CONTAINER, book=book)),
        ("EPUB/package.opf", _render(env, PACKAGE, book=book)),
        ("EPUB/nav.xhtml", _render(env, NAV, book=book)),
        ("EPUB/book.css", _render(env, STYLESHEET, book=book)),
        ("EPUB/cover.xhtml", _render(env, COVER, book=book)),
        ("EPUB/cover.jpg", _cover(book, env)),
    ]
    if len(book.chapters) > 1:
        out.append(("EPUB/titlepage.xhtml", _render(env, TITLEPAGE, book=book)))
    out += [
        (f"EPUB/{chapter.slug}.xhtml", _render(env, CHAPTER, book=book, chapter=chapter))
        for chapter in book.chapters
    ]
    out += [(f"EPUB/{image.name}", image.data) for image in book.images]
    return out


def _cover(book: Book, env: Environment) -> bytes:
    """The cover image, drawn from what the title page shows."""
    from citepress.editions import cover  # noqa: PLC0415 -- Pillow, only for the EPUB

    label = book.chapters[0].label if len(book.chapters) == 1 else ""
    return cover.draw(env, label, book.title, book.author, book.lang)


def render(book: Book, context: Context) -> bytes:
    """The EPUB edition's bytes."""
    env = context.env
    stamp = _zip_time(book.modified)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files(book, env):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            stored = name == "mimetype"  # OCF: first, uncompressed, no extra field
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=None if stored else 9)
    return buffer.getvalue()


def _render(env: Environment, name: str, **context: object) -> bytes:
    return render_template(env, name, **context).encode("utf-8")


def _zip_time(iso: str) -> tuple[int, int, int, int, int, int]:
    when = dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    return max(stamp, ZIP_EPOCH)
