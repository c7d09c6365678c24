"""A book of several chapters laid out chapter by chapter: side by side, and from a cache.

Laid out whole, a book of 30 chapters takes WeasyPrint ~30 s, and a change to one
chapter costs it all again. Here the PDF template renders each part alone (its
``part``: the front matter, or one chapter), the fenced worker's processes lay the
parts out side by side (render/pdfparts.py), and each part's PDF is kept in the
user's cache folder under a hash of everything it is made from: its HTML (the
stylesheet included), the files in the asset folders, and the versions of citepress
and of the tools. The parts are then merged into the book (render/pdfmerge.py).

A chapter's folios are not part of its layout: it ends on a left-hand page and
the next begins on a right-hand one, so a chapter that grows shifts the pages of
the chapters after it by an even number, which changes nothing of theirs but their
folios, and those are drawn at the merge. The contents' page numbers are laid out
last, once every chapter's pages are known.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html as markup
import json
import os
import re
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from citepress import __version__
from citepress.publish import atomic
from citepress.publish.cache import cache_folder, tool_versions
from citepress.publish.worker import Worker
from citepress.render import jlreq, pagemap, pdffonts, pdfmerge, pdfparts
from citepress.render.editions import pdf
from citepress.render.editions.base import Context
from citepress.render.model import Book
from citepress.sources.files import SourceError, read_bytes

FORMAT = "citepress-part-1"  # what a cached part holds: change it when that changes
FOLIO_BLOCK = 64  # folios are laid out (and kept) 64 pages a sheet
# A chapter's own layout does not carry the edition's date: its part is the same
# from one build to the next (the front matter carries the book's metadata).
FIXED_TIME = "2000-01-01T00:00:00Z"
MAX_WORKERS = 4
_ID = re.compile(r'\sid="([^"]+)"')
_HREF = re.compile(r'\shref="#([^"]+)"')
T = TypeVar("T")


@dataclass
class Split:
    """The book's PDF, as parts: their HTML and which anchors each borrows."""

    front: str
    chapters: list[str]
    borrows: list[list[str]]  # per part (front first): anchors it links to in others
    pdf_id: bytes
    assets: list[Path]


def processes(chapters: int) -> int:
    """How many worker processes lay out a book of ``chapters`` chapters."""
    return 1 if chapters < 2 else max(1, min(os.cpu_count() or 1, MAX_WORKERS, chapters))


def split(book: Book, context: Context) -> Split | None:
    """The book's parts, or None when it is laid out whole.

    A book of one chapter is laid out whole, as it always was; so is a book whose
    PDF template does not render ``part`` alone (a project's own template may not).
    """
    if len(book.chapters) < 2:
        return None
    tagged = jlreq.mark(pagemap.tagged(book))  # as pdf.set_html sets it
    fixed = dataclasses.replace(tagged, modified=FIXED_TIME)
    size = context.settings.page_size
    env = context.env.overlay(loader=_read_once(context.env.loader))
    front = pdf.html(tagged, env, size, part="front")
    chapters = [pdf.html(fixed, env, size, part=n) for n in range(len(book.chapters))]
    owned = [_ids(text) for text in (front, *chapters)]
    idents = [chapter.ident for chapter in book.chapters]
    if not _each_alone(owned, idents):
        return None
    everywhere = set().union(*owned)
    borrows = [
        sorted((_hrefs(text) & everywhere) - own)
        for text, own in zip((front, *chapters), owned, strict=True)
    ]
    return Split(front, chapters, borrows, pdf.identifier(fixed), context.assets)


def _read_once(loader: Any) -> Any:
    """A template loader that reads each file once, for the parts of one build.

    The project's loader reads a template afresh at each use (a file changed between
    two builds of ``citepress watch`` is seen); the parts of one build need not
    compile the same files once a part.
    """
    from jinja2 import BaseLoader  # noqa: PLC0415

    seen: dict[str, tuple[str, str | None]] = {}

    class Once(BaseLoader):
        def get_source(self, environment: Any, template: str) -> tuple[str, str | None, Any]:
            if template not in seen:
                source, name, _ = loader.get_source(environment, template)
                seen[template] = (source, name)
            source, name = seen[template]
            return source, name, lambda: True

    return Once()


def _each_alone(owned: list[set[str]], idents: list[str]) -> bool:
    """Whether the front holds no chapter and each chapter part holds its own alone."""
    if owned[0] & set(idents):
        return False
    for number, own in enumerate(owned[1:]):
        if idents[number] not in own or len(own & set(idents)) != 1:
            return False
    return True


def _ids(text: str) -> set[str]:
    return {markup.unescape(found) for found in _ID.findall(text)}


def _hrefs(text: str) -> set[str]:
    return {markup.unescape(found) for found in _HREF.findall(text)}


def lay_out(
    parts: Split, worker: Worker | None, cache: PartCache, printed: bool
) -> tuple[Callable[[], bytes], list[pagemap.PageStart]]:
    """Where each of the book's pages starts, and a call that waits for its PDF.

    The parts are merged in the worker (when ``printed``) while the build renders the
    HTML and the EPUB with the page starts.
    """
    guess = _guess(parts, worker, cache)
    chapters = _chapters(parts, worker, cache)
    front = _front(parts, chapters, worker, cache, guess)
    starts: list[pagemap.PageStart] = []
    base = front.pages
    for chapter in chapters:
        starts += [dataclasses.replace(s, page=s.page + base) for s in chapter.starts]
        base += chapter.pages
    if not printed:
        return lambda: b"", starts
    pieces = [pdfmerge.Piece(p.pdf, p.folios, p.borrowed) for p in (front, *chapters)]
    numbers = _folio_numbers([front, *chapters])
    # A chapter's head: the stylesheet, without the edition's date (it changes).
    sheets = _sheets(pdfparts.head_of(parts.chapters[0]), numbers, worker, cache)
    return _submit(worker, "the merge", pdfmerge.merge, pieces, sheets, cache.fonts), starts


def _chapters(parts: Split, worker: Worker | None, cache: PartCache) -> list[pdfparts.Part]:
    """Every chapter laid out: from the cache, else in the worker, side by side."""
    keys = [
        cache.key("chapter", html, json.dumps(borrow))
        for html, borrow in zip(parts.chapters, parts.borrows[1:], strict=True)
    ]
    pending: dict[int, Callable[[], pdfparts.Part]] = {}
    found: dict[int, pdfparts.Part] = {}
    for number, (html, key) in enumerate(zip(parts.chapters, keys, strict=True)):
        hit = cache.get(key)
        if hit is not None:
            found[number] = hit
            continue
        borrow = parts.borrows[number + 1]
        args = (html, parts.pdf_id, parts.assets, borrow, cache.fonts)
        pending[number] = _submit(worker, f"chapter {number + 1}", pdfparts.chapter, *args)
    for number, wait in pending.items():
        found[number] = wait()
        cache.put(keys[number], found[number])
    return [found[number] for number in range(len(parts.chapters))]


def _front(
    parts: Split,
    chapters: list[pdfparts.Part],
    worker: Worker | None,
    cache: PartCache,
    guess: _Guess | None = None,
) -> pdfparts.Part:
    """The front matter, with the contents' page numbers of the chapters as laid out.

    Its own length moves every chapter: it is laid out again until the length it
    was given the numbers for is the length it has (once, but for a contents that
    grows a page when its numbers grow a digit). ``guess`` was laid out beside the
    chapters with the last build's numbers: it is taken when they are still right.
    """
    pages = guess.pages if guess else 4
    for _ in range(4):
        targets = _targets(parts.borrows[0], chapters, pages)
        key = cache.key("front", parts.front, json.dumps(targets, sort_keys=True))
        front = cache.get(key)
        if front is None and guess is not None and guess.targets == targets:
            front = guess.wait()
        elif front is None:
            args = (parts.front, parts.pdf_id, parts.assets, parts.borrows[0], targets, cache.fonts)
            front = _submit(worker, "the front matter", pdfparts.front, *args)()
        cache.put(key, front)
        if front.pages == pages:
            cache.put_json(_guess_key(parts, cache), {"pages": pages, "targets": targets})
            return front
        pages = front.pages
    raise pdfparts.PartError("the front matter's length does not settle")


@dataclass
class _Guess:
    """The front matter laid out with the last build's page numbers, while chapters are."""

    pages: int
    targets: dict[str, int]
    wait: Callable[[], pdfparts.Part]


def _guess(parts: Split, worker: Worker | None, cache: PartCache) -> _Guess | None:
    """Start laying out the front matter with the page numbers the last build found.

    Its HTML carries the edition's date, so it is laid out again at each build; most
    edits do not change any chapter's length, and this layout is then the one needed.
    """
    last = cache.get_json(_guess_key(parts, cache))
    if worker is None or last is None:
        return None
    try:
        pages = int(last["pages"])
        targets = {str(name): int(page) for name, page in dict(last["targets"]).items()}
    except (KeyError, TypeError, ValueError):
        return None
    args = (parts.front, parts.pdf_id, parts.assets, parts.borrows[0], targets, cache.fonts)
    return _Guess(pages, targets, _submit(worker, "the front matter", pdfparts.front, *args))


def _guess_key(parts: Split, cache: PartCache) -> str:
    return cache.key("front-guess", json.dumps(parts.borrows[0]))


def _targets(names: list[str], chapters: list[pdfparts.Part], front_pages: int) -> dict[str, int]:
    """The page number of each anchor the front matter points to, in the chapters."""
    where: dict[str, int] = {}
    base = front_pages
    for chapter in chapters:
        for name, index in chapter.anchors.items():
            where.setdefault(name, base + index + 1)
        base += chapter.pages
    return {name: where[name] for name in names if name in where}


def _folio_numbers(parts: list[pdfparts.Part]) -> list[int]:
    """The page numbers that carry a folio."""
    numbers, base = [], 0
    for part in parts:
        numbers += [base + index + 1 for index, has in enumerate(part.folios) if has]
        base += part.pages
    return numbers


def _sheets(
    head: str, numbers: list[int], worker: Worker | None, cache: PartCache
) -> list[pdfmerge.Sheet]:
    """The folio sheets that hold ``numbers``: from the cache, else laid out."""
    blocks = sorted({(number - 1) // FOLIO_BLOCK for number in numbers})
    pending: dict[int, tuple[str, Callable[[], tuple[bytes, list[str]]]]] = {}
    sheets: dict[int, bytes] = {}
    for block in blocks:
        first = block * FOLIO_BLOCK + 1
        key = cache.key("folios", head, str(first), str(FOLIO_BLOCK))
        data = cache.get_bytes(key)
        if data is not None:
            sheets[block] = data
        else:
            args = (head, first, FOLIO_BLOCK, cache.fonts)
            pending[block] = (key, _submit(worker, "the folios", pdfparts.folio_sheet, *args))
    for block, (key, wait) in pending.items():
        sheets[block], fonts = wait()
        cache.put_bytes(key, sheets[block], {"fonts": fonts})
    return [pdfmerge.Sheet(block * FOLIO_BLOCK + 1, sheets[block]) for block in blocks]


def _submit(
    worker: Worker | None, what: str, function: Callable[..., T], *args: Any
) -> Callable[[], T]:
    """Start ``function(*args)`` in the worker; the returned call waits for its result."""
    if worker is None:  # no fork: here, in turn
        return lambda: function(*args)
    future: Future[T] = worker.run(function, *args)
    return lambda: worker.result(future, f"the PDF ({what})")


class PartCache:
    """Laid-out parts in the user's cache folder, by the hash of what they are made of.

    ``read=False`` (``--no-cache``) lays every part out again, and keeps the new ones.
    """

    def __init__(self, assets: list[Path], read: bool = True) -> None:
        self.folder = cache_folder() / "parts"
        self.fonts = pdffonts.folder()  # the original font files the parts name
        self._fonts_checked: set[str] = set()
        self.read = read
        digest = hashlib.sha256()
        for value in (FORMAT, __version__, json.dumps(tool_versions(), sort_keys=True)):
            _feed(digest, value)
        for folder in assets:
            for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
                _feed(digest, path.relative_to(folder).as_posix())
                _feed(digest, _file_digest(folder, path))
        self._common = digest

    def key(self, *fields: str) -> str:
        """The hash of ``fields`` with what every part depends on."""
        digest = self._common.copy()
        for value in fields:
            _feed(digest, value)
        return digest.hexdigest()

    def get(self, key: str) -> pdfparts.Part | None:
        """The part kept under ``key``, or None (missing, unreadable or changed)."""
        data = self.get_bytes(key)
        meta = self._meta(key)
        if data is None or meta is None:
            return None
        try:
            starts = [pagemap.PageStart(*map(int, start)) for start in meta["starts"]]
            anchors = {str(k): int(v) for k, v in dict(meta["anchors"]).items()}
            borrowed = [str(name) for name in meta["borrowed"]]
            folios = [bool(flag) for flag in meta["folios"]]
            fonts = [str(digest) for digest in meta["fonts"]]
            pages = int(meta["pages"])
            part = pdfparts.Part(data, pages, starts, anchors, borrowed, folios, fonts)
        except (KeyError, TypeError, ValueError):
            return None
        return part if len(part.folios) == part.pages else None

    def put(self, key: str, part: pdfparts.Part) -> None:
        """Keep ``part`` under ``key`` (a lost entry only costs a layout)."""
        meta = {
            "pages": part.pages,
            "starts": [dataclasses.astuple(start) for start in part.starts],
            "anchors": part.anchors,
            "borrowed": part.borrowed,
            "folios": part.folios,
            "fonts": part.fonts,
        }
        self.put_bytes(key, part.pdf, meta)

    def get_json(self, key: str) -> dict[str, Any] | None:
        """A small record kept under ``key`` (what the last build found)."""
        return self._meta(key)

    def put_json(self, key: str, record: dict[str, Any]) -> None:
        """Keep a small record under ``key``."""
        self._write(key + ".json", json.dumps(record).encode())

    def get_bytes(self, key: str) -> bytes | None:
        """The bytes kept under ``key``, when they are what was kept."""
        meta = self._meta(key)
        if meta is None:
            return None
        try:
            data = (self.folder / f"{key}.pdf").read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            return None
        fonts = meta.get("fonts", [])
        named = [str(digest) for digest in fonts] if isinstance(fonts, list) else None
        if named is None or pdffonts.missing(self.fonts, named, self._fonts_checked):
            return None  # the merge could not embed its fonts: laid out again, they are kept
        return data

    def put_bytes(self, key: str, data: bytes, meta: dict[str, Any] | None = None) -> None:
        """Keep ``data`` under ``key``, with ``meta`` and its hash."""
        record = {**(meta or {}), "sha256": hashlib.sha256(data).hexdigest()}
        # The bytes first: a reader finds the record only once they are whole.
        if self._write(key + ".pdf", data):
            self._write(key + ".json", json.dumps(record).encode())

    def _meta(self, key: str) -> dict[str, Any] | None:
        if not self.read:
            return None
        path = self.folder / f"{key}.json"
        try:
            meta = json.loads(path.read_bytes())
            os.utime(path)  # used: the last to go when the cache is pruned
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    def _write(self, name: str, data: bytes) -> bool:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic.write_bytes(self.folder / name, data)
        except OSError:
            return False
        return True


def _feed(digest: Any, value: str) -> None:
    encoded = value.encode("utf-8", "surrogateescape")
    digest.update(f"{len(encoded)}:".encode() + encoded)


def _file_digest(folder: Path, path: Path) -> str:
    """An asset's hash, read through the guard (a link out of the project hashes as refused)."""
    if not path.is_file():
        return "-"
    try:
        return hashlib.sha256(read_bytes(folder, path)).hexdigest()
    except SourceError as exc:
        return f"-{exc.message}"
