"""A book of several chapters laid out chapter by chapter: side by side, and from a cache.

Laid out whole, a book of 30 chapters takes WeasyPrint ~30 s, and a change to one
chapter costs it all again. Here the PDF template renders each part alone (its
``part``: the front matter, or one chapter), the fenced worker's processes lay the
parts out side by side (typeset/pdfparts.py), and each part's PDF is kept in the
user's cache folder under a hash of everything it is made from: its HTML (the
stylesheet included), the files in the asset folders, and the versions of citepress
and of the tools. The parts are then merged into the book (typeset/pdfmerge.py).

A chapter's folios are not part of its layout (typeset/pdfparts.py says how a part is
laid out as its pages in the book): a chapter that grows shifts the pages of the
chapters after it, which changes nothing of theirs but their folios, and those are
drawn at the merge. The contents' page numbers are laid out last, once every
chapter's pages are known. A stylesheet whose pages the parts cannot reproduce
(:class:`Whole` says why) gets the book laid out whole, as before.
"""

from __future__ import annotations

import dataclasses
import html as markup
import json
import os
import re
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from citepress.book.model import Book
from citepress.editions import pdf
from citepress.editions.base import Context
from citepress.ground.worker import Worker
from citepress.publish.partcache import PartCache
from citepress.typeset import pagemap, parthtml, pdfmerge, pdfparts, sheets

FOLIO_BLOCK = 64  # folios are laid out (and kept) 64 pages a sheet
# A low estimate of a page's HTML (Japanese: ~3,900 bytes; English text: less), for
# the folio sheets started before the pages are known.
BYTES_A_PAGE = 5000
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
    next_ins: list[str | None]  # per part (front first): the next chapter's stand-in


class Whole(Exception):  # not an error: the book is laid out whole instead
    """The parts cannot be the book's pages (the reason is the message)."""


def processes(chapters: int) -> int:
    """How many worker processes lay out a book of ``chapters`` chapters."""
    return 1 if chapters < 2 else max(1, min(os.cpu_count() or 1, MAX_WORKERS, chapters))


def split(book: Book, context: Context) -> Split | None:
    """The book's parts, or None when it is laid out whole.

    A book of one chapter is laid out whole, as it always was; so is a book whose
    PDF template does not render ``part`` alone. Raises :class:`Whole` when the
    project has its own PDF template or stylesheet, or one that may number across
    chapters.
    """
    if len(book.chapters) < 2:
        return None
    tagged = pdf.set_for_print(book)  # as pdf.set_html sets it
    # Chapters get a fixed date, so a part is the same from one build to the next:
    # only citepress's own templates are laid out in parts (a project's own raises
    # Whole), and they print the date only in the head's metadata, which the merge
    # takes from the front matter (tests/typeset/test_chapters.py holds them to that).
    fixed = dataclasses.replace(tagged, modified=FIXED_TIME)
    size = context.settings.page_size
    seen: dict[str, tuple[str, str | None]] = {}
    env = context.env.overlay(loader=_read_once(context.env.loader, seen))
    front = pdf.html(tagged, env, size, part="front")
    chapters = [pdf.html(fixed, env, size, part=n) for n in range(len(book.chapters))]
    own_file = _own_template(seen)
    if own_file:
        raise Whole(
            f"the project has its own {own_file} (only citepress's own are laid out in parts)"
        )
    if not all(parthtml.splittable(text) for text in (front, *chapters)):
        return None
    reason = sheets.across_chapters(pdfparts.head_of(front))
    if reason:
        raise Whole(reason)
    next_ins = [parthtml.stand_in(text) for text in chapters]
    if None in next_ins:
        return None
    owned = [_ids(text) for text in (front, *chapters)]
    idents = [chapter.ident for chapter in book.chapters]
    if not _each_alone(owned, idents):
        return None
    everywhere = set().union(*owned)
    borrows = [
        sorted((_hrefs(text) & everywhere) - own)
        for text, own in zip((front, *chapters), owned, strict=True)
    ]
    pdf_id = pdf.identifier(fixed)
    return Split(front, chapters, borrows, pdf_id, context.assets, [*next_ins, None])


def _body(html: str) -> str:
    at = parthtml.body_start(html)
    return html if at is None else html[at:]


def _read_once(loader: Any, seen: dict[str, tuple[str, str | None]]) -> Any:
    """A template loader that reads each file once, for the parts of one build.

    The overlay environment it serves compiles each template once; ``seen`` records
    each template's source and file, to tell citepress's own templates from a
    project's (:func:`_own_template`).
    """
    from jinja2 import BaseLoader  # noqa: PLC0415

    class Once(BaseLoader):
        def get_source(self, environment: Any, template: str) -> tuple[str, str | None, Any]:
            if template not in seen:
                source, name, _ = loader.get_source(environment, template)
                seen[template] = (source, name)
            source, name = seen[template]
            return source, name, lambda: True

    return Once()


def _own_template(seen: dict[str, tuple[str, str | None]]) -> str:
    """The first template the parts were rendered from that is not citepress's own.

    A project's own PDF template or stylesheet may do what the parts cannot reproduce
    in ways no check here can see (CSS escapes, running elements and strings carried
    from one chapter into the next, structural selectors, footnote and quote counters):
    the parts are laid out only from the templates citepress ships, which the tests
    lay out both ways, page for page. A project file identical to citepress's counts
    as citepress's.
    """
    from citepress.sources.templatefiles import PACKAGE_TEMPLATES  # noqa: PLC0415

    package = PACKAGE_TEMPLATES.resolve()
    for template, (source, name) in sorted(seen.items()):
        path = Path(name).resolve() if name else None
        if path is not None and path.is_relative_to(package):
            continue
        shipped = package / template
        if not (shipped.is_file() and shipped.read_text(encoding="utf-8") == source):
            return template
    return ""


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
    HTML and the EPUB with the page starts. Raises :class:`Whole` when the parts
    cannot be the book's pages.
    """
    guess = _guess(parts, worker, cache)
    chapters = _chapters(parts, worker, cache)
    # A chapter's head: the stylesheet, without the edition's date (it changes).
    sheets = _Sheets(pdfparts.head_of(parts.chapters[0]), worker, cache, parts.assets)
    if printed:
        sheets.start(_expected_pages(parts, cache))
    laid_out = [wait() for wait in chapters]
    body = sum(part.pages for part in laid_out) + (guess.pages if guess else 2)

    # The sheets are queued just after the front matter, to lay out beside it (an
    # estimate on the low side: a sheet too many would hold up the merge).
    def queue_sheets() -> None:
        if printed:
            sheets.start(body)

    front = _front(parts, laid_out, worker, cache, guess, queue_sheets)
    every = [front, *laid_out]
    _must_be_whole_pages(every)
    cache.put_json(_pages_key(parts, cache), {"pages": sum(part.pages for part in every)})
    starts: list[pagemap.PageStart] = []
    base = front.pages
    for chapter in laid_out:
        starts += [dataclasses.replace(s, page=s.page + base) for s in chapter.starts]
        base += chapter.pages
    if not printed:
        return lambda: b"", starts
    laid, looks = sheets.collect(_folio_numbers(every))
    _must_look_alike(every, looks)
    pieces = [pdfmerge.Piece(p.pdf, p.folios, p.borrowed, p.levels) for p in every]
    return _submit(worker, "the merge", pdfmerge.merge, pieces, laid, cache.fonts), starts


def _must_be_whole_pages(parts: list[pdfparts.Part]) -> None:
    """Raise :class:`Whole` if a part says so, or would open on the wrong side."""
    base = 0
    for part in parts:
        if part.problem:
            raise Whole(part.problem)
        if base % 2:
            raise Whole("a part would open on a left-hand page")
        base += part.pages


def _must_look_alike(parts: list[pdfparts.Part], looks: dict[str, str]) -> None:
    """Raise :class:`Whole` if a part's folio does not look as the sheet's on its side."""
    for part in parts:
        for index, has in enumerate(part.folios):
            if has and looks.get(part.sides[index]) != part.looks[index]:
                raise Whole("a page's folio differs from the stylesheet's left or right page")


def _chapters(
    parts: Split, worker: Worker | None, cache: PartCache
) -> list[Callable[[], pdfparts.Part]]:
    """Every chapter, from the cache or started in the worker (side by side).

    Calls that give each chapter: waiting for it the first time, and keeping it.
    """
    keys = [
        cache.key("chapter", html, json.dumps(borrow), next_in or "")
        for html, borrow, next_in in zip(
            parts.chapters, parts.borrows[1:], parts.next_ins[1:], strict=True
        )
    ]
    waits = []
    for number, (html, key) in enumerate(zip(parts.chapters, keys, strict=True)):
        hit = cache.get(key)
        if hit is not None:
            waits.append(_given(hit))
            continue
        borrow, next_in = parts.borrows[number + 1], parts.next_ins[number + 1]
        args = (html, parts.pdf_id, parts.assets, borrow, cache.fonts, next_in)
        started = _submit(worker, f"chapter {number + 1}", pdfparts.chapter, *args)
        waits.append(_kept(started, cache, key))
    return waits


def _given(part: pdfparts.Part) -> Callable[[], pdfparts.Part]:
    return lambda: part


def _kept(
    started: Callable[[], pdfparts.Part], cache: PartCache, key: str
) -> Callable[[], pdfparts.Part]:
    """``started``'s part, kept in the cache when first waited for."""
    done: list[pdfparts.Part] = []

    def wait() -> pdfparts.Part:
        if not done:
            done.append(started())
            cache.put(key, done[0])
        return done[0]

    return wait


def _nothing() -> None:
    return None


def _front(
    parts: Split,
    chapters: list[pdfparts.Part],
    worker: Worker | None,
    cache: PartCache,
    guess: _Guess | None = None,
    then: Callable[[], None] = _nothing,
) -> pdfparts.Part:
    """The front matter, with the contents' page numbers of the chapters as laid out.

    Its own length moves every chapter: it is laid out again until the length it
    was given the numbers for is the length it has (once, but for a contents that
    grows a page when its numbers grow a digit). ``guess`` was laid out beside the
    chapters with the last build's numbers: it is taken when they are still right.
    ``then`` is called once its first layout is queued, before it is waited for.
    """
    pages = guess.pages if guess else 4
    for _ in range(4):
        targets = _targets(parts.borrows[0], chapters, pages)
        key = cache.key("front", parts.front, json.dumps(targets, sort_keys=True), _next(parts))
        front = cache.get(key)
        if front is None and guess is not None and guess.targets == targets:
            front = guess.wait()
        elif front is None:
            args = _front_args(parts, targets, cache)
            wait = _submit(worker, "the front matter", pdfparts.front, *args)
            then()
            front = wait()
        then = _nothing
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
    args = _front_args(parts, targets, cache)
    return _Guess(pages, targets, _submit(worker, "the front matter", pdfparts.front, *args))


def _front_args(parts: Split, targets: dict[str, int], cache: PartCache) -> tuple[Any, ...]:
    borrow = parts.borrows[0]
    return (parts.front, parts.pdf_id, parts.assets, borrow, targets, cache.fonts, _next(parts))


def _next(parts: Split) -> str:
    """The first chapter's stand-in, which ends the front matter (split made it)."""
    return parts.next_ins[0] or ""


def _guess_key(parts: Split, cache: PartCache) -> str:
    return cache.key("front-guess", json.dumps(parts.borrows[0]), _next(parts))


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


class _Sheets:
    """The folio sheets, started early and collected once the pages are known.

    Started for the pages the book is expected to have, they lay out beside the last
    chapters instead of after them.
    """

    def __init__(
        self, head: str, worker: Worker | None, cache: PartCache, assets: list[Path]
    ) -> None:
        self._head, self._worker, self._cache, self._assets = head, worker, cache, assets
        self._pending: dict[int, tuple[str, Callable[[], Any]]] = {}
        self._done: dict[int, tuple[bytes, dict[str, str]]] = {}

    def start(self, pages: int) -> None:
        """Start the sheets (those not cached) for pages 1 to ``pages``."""
        for block in range((pages - 1) // FOLIO_BLOCK + 1 if pages > 0 else 0):
            self._start(block)

    def collect(self, numbers: list[int]) -> tuple[list[pdfmerge.Sheet], dict[str, str]]:
        """The sheets that hold ``numbers``, and how their folios look on each side."""
        blocks = sorted({(number - 1) // FOLIO_BLOCK for number in numbers})
        for block in blocks:  # all at once: those the estimate missed lay out side by side
            self._start(block)
        looks: dict[str, str] = {}
        for block in blocks:
            if block in self._pending:
                key, wait = self._pending.pop(block)
                data, fonts, found = wait()
                self._cache.put_bytes(key, data, {"fonts": fonts, "looks": found})
                self._done[block] = (data, found)
            _agree(looks, self._done[block][1])
        first = [block * FOLIO_BLOCK + 1 for block in blocks]
        return [
            pdfmerge.Sheet(at, self._done[b][0]) for at, b in zip(first, blocks, strict=True)
        ], looks

    def _start(self, block: int) -> None:
        if block in self._pending or block in self._done:
            return
        first = block * FOLIO_BLOCK + 1
        key = self._cache.key("folios", self._head, str(first), str(FOLIO_BLOCK))
        kept = self._cache.get_kept(key)
        if kept is not None and isinstance(kept[1].get("looks"), dict):
            looks = kept[1]["looks"]
            self._done[block] = (kept[0], {str(k): str(v) for k, v in looks.items()})
            return
        args = (self._head, first, FOLIO_BLOCK, self._cache.fonts, self._assets)
        wait = _submit(self._worker, "the folios", pdfparts.folio_sheet, *args)
        self._pending[block] = (key, wait)


def _expected_pages(parts: Split, cache: PartCache) -> int:
    """The pages the last build of this book had, else a low estimate from its text."""
    last = cache.get_json(_pages_key(parts, cache))
    if last is not None and isinstance(last.get("pages"), int):
        return int(last["pages"])
    return sum(len(_body(html)) for html in parts.chapters) // BYTES_A_PAGE


def _pages_key(parts: Split, cache: PartCache) -> str:
    return cache.key("book-pages", json.dumps(parts.borrows[0]))


def _agree(looks: dict[str, str], found: dict[str, str]) -> None:
    """Add one sheet's looks to the book's: every sheet's must be the same."""
    for side, look in found.items():
        if looks.setdefault(side, look) != look:
            raise Whole("the folio sheets' pages differ")


def _submit(
    worker: Worker | None, what: str, function: Callable[..., T], *args: Any
) -> Callable[[], T]:
    """Start ``function(*args)`` in the worker; the returned call waits for its result."""
    if worker is None:  # no fork: here, in turn
        return lambda: function(*args)
    future: Future[T] = worker.run(function, *args)
    return lambda: worker.result(future, f"the PDF ({what})")
