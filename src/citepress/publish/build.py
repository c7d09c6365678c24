"""Publish a project: the whole pipeline, in one function that reads top to bottom.

load settings (the caller) → what is already built → check (one reading of the
sources) → refuse on errors → convert once (pandoc renders the check's own tree)
→ lay the PDF out in a fenced worker → render the others with its page numbers → write each
atomically → remember what was built. A failed or interrupted build leaves the
previous editions as they were.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citepress.config import ProjectError, Settings
from citepress.diagnostics import Diagnostic, count
from citepress.editions import DEFAULT
from citepress.ground import atomic, store
from citepress.ground.memo import Memo, Recollection
from citepress.ground.memo import folder as memo_folder
from citepress.ground.worker import Worker, WorkerError, call
from citepress.publish.cache import Cache, keys
from citepress.typeset.layout import PRELOAD

if TYPE_CHECKING:
    from citepress.book.model import Book
    from citepress.editions.base import Context, Edition

FORMATS = DEFAULT  # the editions a build makes when none are named
# (what, the file written or None for a stage, seconds, unchanged): each edition as it
# is written, and the stages before (check, convert, the PDF layout the others need).
Progress = Callable[[str, Path | None, float, bool], None]


class BuildError(Exception):
    """The build cannot go on: a bad output folder, a template or pandoc failure."""


class CheckFailed(Exception):
    """The check found errors, so the build refuses to publish."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"the check found {count(diagnostics, 'error')} error(s)")
        self.diagnostics = diagnostics


@dataclass
class BuildResult:
    """What a build checked and wrote; ``cached`` editions were already up to date."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    written: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cached: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the user should know (no pages)


def build(
    settings: Settings,
    formats: Sequence[str] = FORMATS,
    out_dir: Path | None = None,
    force: bool = False,
    use_cache: bool = True,
    progress: Progress | None = None,
    page_numbers: bool = True,
    recollection: Recollection | None = None,
) -> BuildResult:
    """Check the project, then build the editions in ``formats`` into ``out_dir``.

    ``page_numbers=False`` (a live preview's first pass) leaves the print edition's
    page numbers out of the HTML and EPUB, so they need no PDF layout; such editions
    are never cached, so the next full build makes them whole. ``recollection``:
    what was remembered in memory by the builds before this one in the process (the
    live preview keeps one); a new one when None.
    """
    report = progress or (lambda *_: None)
    reuse = use_cache  # pandoc's runs (ground/memo): a preview's first pass reads them too
    use_cache = use_cache and page_numbers
    folder = output_folder(settings, out_dir)
    cache = Cache.load(settings, folder)
    wanted = keys(settings, list(formats), assets(settings))
    result = BuildResult(notes=untrusted_notes(settings))
    todo = _stale(settings, folder, formats, cache if use_cache else None, wanted, result, report)
    if not todo and not (cache.had_errors() and not force):
        return result

    from citepress import (  # noqa: PLC0415
        check,
        editions,
    )
    from citepress.book import convert, templates  # noqa: PLC0415 -- nor renderer
    from citepress.book.errors import RenderError  # noqa: PLC0415
    from citepress.editions.base import Context  # noqa: PLC0415
    from citepress.publish import chapters  # noqa: PLC0415

    chosen = [editions.registry()[name] for name in todo]
    # A build lays the PDFs out in the fenced worker (the others carry its pages),
    # unless it makes neither a PDF nor page numbers (a live preview's first pass).
    # A book of several chapters is laid out by a process per core (publish/chapters).
    lays_out = page_numbers or any(edition.in_worker for edition in chosen)
    processes = chapters.processes(len(settings.manuscripts()))
    fence = (settings.pdf_timeout, settings.pdf_memory_mb, processes, PRELOAD)
    worker = Worker.start(*fence) if lays_out else None
    memo = Memo(read=reuse, write=True, recollection=recollection or Recollection())
    try:
        began = time.perf_counter()
        checked = check.run(settings, memo=memo)
        report("check", None, time.perf_counter() - began, False)
        result.diagnostics = checked.diagnostics
        if count(checked.diagnostics, "error") and not force:
            raise CheckFailed(checked.diagnostics)
        if not checked.docs:
            raise BuildError("no chapter could be read, so there is nothing to publish")
        _create(folder)
        atomic.clean_stale(folder)
        began = time.perf_counter()
        book = convert.book(settings, checked.docs, checked.bib, checked.images, memo)
        report("convert", None, time.perf_counter() - began, False)
        context = Context(
            templates.environment(settings.edition_templates), settings, assets(settings)
        )
        writer = _Writer(settings, folder, result, report)
        _render_all(chosen, book, context, worker, writer, page_numbers, use_cache)
    except RenderError as exc:
        raise BuildError(str(exc)) from None
    except BaseException:
        if worker is not None:
            worker.kill()  # interrupted or failed: do not wait for the PDF
        raise
    finally:
        if worker is not None:
            worker.close()
    store.prune(memo_folder())
    if page_numbers:
        for name in todo:
            errors = count(result.diagnostics, "error")
            cache.record(name, wanted[name], result.written[name], errors)
        cache.save()
    return result


def _stale(
    settings: Settings,
    folder: Path,
    formats: Sequence[str],
    cache: Cache | None,
    wanted: dict[str, str],
    result: BuildResult,
    report: Progress,
) -> list[str]:
    """The editions to make; the others are reported as unchanged."""
    todo = []
    for name in formats:
        path = edition_path(settings, folder, name)
        if cache is not None and cache.fresh(name, wanted[name], path):
            result.written[name], result.seconds[name] = path, 0.0
            result.cached.append(name)
            report(name, path, 0.0, True)
        else:
            todo.append(name)
    return todo


def _render_all(
    chosen: list[Edition],
    book: Book,
    context: Context,
    worker: Worker | None,
    writer: _Writer,
    page_numbers: bool = True,
    use_cache: bool = True,
) -> None:
    """Lay out the print edition first (in the worker), then render the others.

    The PDF's layout says where each printed page starts; the HTML and the EPUB carry
    those page numbers (typeset/pagemap), so they render once it has. Building only
    the HTML or the EPUB still lays the PDF out, without writing it. The print-shop
    PDF comes last, from the book as it was before the page numbers went in.
    """
    source = next((edition for edition in chosen if edition.pages == "source"), None)
    apart = [(e, e.prepare(book, context)) for e in chosen if e.pages == "own"]
    carried = [edition for edition in chosen if edition.pages == "carry"]
    if source is not None or (carried and page_numbers):
        _with_pages(book, context, worker, writer, carried, source, use_cache)
    else:
        for edition in carried:
            writer.write(edition.name, edition.render(book, context), time.perf_counter())
    for edition, prepared in apart:
        _apart(edition, prepared, worker, writer)


def _with_pages(
    book: Book,
    context: Context,
    worker: Worker | None,
    writer: _Writer,
    others: list[Edition],
    source: Edition | None,
    use_cache: bool,
) -> None:
    """Lay the PDF out, put its page numbers into the book, and render ``others``.

    The PDF itself is written when ``source`` (the page source edition) was asked for.
    """
    from citepress.typeset import pagemap  # noqa: PLC0415

    printed = source is not None
    started = time.perf_counter()
    try:
        done = _lay_out(book, context, worker, printed, use_cache, writer.result.notes)
    except WorkerError as exc:
        raise BuildError(str(exc)) from None
    except (OSError, ImportError) as exc:  # WeasyPrint cannot load: Pango or fonts missing
        if printed:
            raise BuildError(f"the PDF cannot be made: {exc}") from None
        writer.result.notes.append(
            f"the print edition's page numbers are left out: WeasyPrint cannot run ({exc})"
        )
        done = []
    data, starts = done if printed else (b"", done)
    if not printed:  # the layout the HTML and EPUB waited for, though no PDF is written
        writer.report("layout", None, time.perf_counter() - started, False)
    pagemap.insert(book, starts)
    rendered = []
    for edition in others:  # a book's parts are merged meanwhile (publish/chapters.py)
        start = time.perf_counter()
        made = edition.render(book, context)
        rendered.append((edition.name, made, time.perf_counter() - start))
    # Written once the PDF is in: a merge that fails must not leave HTML and EPUB
    # beside the old PDF, carrying page numbers of a PDF that was never written.
    pdf_bytes = _waited(data) if printed else b""
    for name, made, took in rendered:
        writer.write(name, made, time.perf_counter() - took)  # its own time, not the wait
    if source is not None:
        writer.write(source.name, pdf_bytes, started)


def _waited(data: bytes | Callable[[], bytes]) -> bytes:
    """The PDF's bytes, waited for when a book's parts are still being merged."""
    try:
        return data if isinstance(data, bytes) else data()
    except WorkerError as exc:
        raise BuildError(str(exc)) from None


def _lay_out(
    book: Book,
    context: Context,
    worker: Worker | None,
    printed: bool,
    use_cache: bool,
    notes: list[str],
) -> Any:
    """In the worker: the PDF and its page starts (``printed``), or the starts alone.

    A book of several chapters is laid out chapter by chapter, from a cache of parts,
    unless its stylesheet asks for what parts cannot do (``notes`` then says so).
    """
    from citepress.editions import page_source  # noqa: PLC0415
    from citepress.publish import chapters, partcache  # noqa: PLC0415
    from citepress.typeset import layout, sharedfonts  # noqa: PLC0415

    try:
        parts = chapters.split(book, context)
        if parts is not None:
            cache = partcache.PartCache(context.assets, read=use_cache)
            bounded = worker.bounded() if worker is not None else None  # one limit for all
            try:
                merged, starts = chapters.lay_out(parts, bounded, cache, printed)
            finally:  # parts laid out here (no fork): the next build reads the fonts anew
                sharedfonts.release()
            store.prune(cache.folder)
            store.prune(cache.fonts)
            return (merged, starts) if printed else starts
    except chapters.Whole as exc:
        notes.append(f"the book's PDF was laid out whole, not chapter by chapter: {exc}")
    job: Callable[..., Any] = layout.finish_with_pages if printed else layout.pages
    return call(worker, "the PDF", job, page_source().prepare(book, context))


def untrusted_notes(settings: Settings) -> list[str]:
    """What an ``--untrusted`` build leaves out: the project's own templates, if any."""
    from citepress.sources.templatefiles import (  # noqa: PLC0415
        DATA_FOLDERS,
        PACKAGE_TEMPLATES,
        files,
    )

    own = settings.templates
    if not settings.untrusted or os.path.realpath(own) == os.path.realpath(PACKAGE_TEMPLATES):
        return []  # trusted, or the project's templates are the package's (this repository)
    skipped = [
        name
        for name in files(own)
        if name.split("/")[0] not in DATA_FOLDERS
        and not name.endswith(".md")  # templates/README.md: the scaffold's, not a template
    ]
    if not skipped:
        return []
    return [
        f"--untrusted: the editions use citepress's own templates; the project's "
        f"{len(skipped)} template file(s) in {settings.relative(settings.templates)}/ "
        "were not used"
    ]


def _apart(edition: Edition, prepared: Any, worker: Worker | None, writer: _Writer) -> None:
    """Lay out and write an edition laid out apart (the print-shop PDF) in the worker."""
    start = time.perf_counter()
    what = edition.called
    try:
        data = call(worker, what, edition.load().finish, prepared)
    except WorkerError as exc:
        raise BuildError(str(exc)) from None
    except (OSError, ImportError) as exc:  # WeasyPrint cannot load: Pango or fonts missing
        raise BuildError(f"{what} cannot be made: {exc}") from None
    writer.write(edition.name, data, start)


@dataclass
class _Writer:
    """Writes editions atomically into the output folder and reports each."""

    settings: Settings
    folder: Path
    result: BuildResult
    report: Progress

    def write(self, name: str, data: bytes, start: float) -> None:
        """Write edition ``name`` atomically; report the time since ``start``."""
        path = edition_path(self.settings, self.folder, name)
        atomic.write_bytes(path, data)
        self.result.written[name] = path
        self.result.seconds[name] = time.perf_counter() - start
        self.report(name, path, self.result.seconds[name], False)


def edition_path(settings: Settings, folder: Path, name: str) -> Path:
    """Where edition ``name`` is written (``book.pdf``, ``book.print.pdf``)."""
    from citepress.editions import registry  # noqa: PLC0415

    return folder / f"{output_name(settings)}.{registry()[name].extension}"


def assets(settings: Settings) -> list[Path]:
    """The folders an edition may load files from (images, fonts): nothing else.

    Each must lie inside the project once links are resolved: a committed link
    ``templates/assets`` → ``/`` would otherwise open the whole machine.
    """
    folders = []
    for folder in (settings.templates / "assets", settings.manuscript_dir / "assets"):
        real = Path(os.path.realpath(folder))
        root = Path(os.path.realpath(settings.root))
        if not real.is_relative_to(root) or real == root:  # the root: every file in it
            raise BuildError(
                f"{settings.relative(folder)}: the asset folder lies outside the project "
                "or is the project folder itself"
            )
        folders.append(real)
    return folders


def output_name(settings: Settings) -> str:
    """The editions' file name without suffix: the setting, or the only chapter's name."""
    if settings.output_name:
        return settings.output_name
    chapters = settings.manuscripts()
    return chapters[0].stem if len(chapters) == 1 else "book"


def output_folder(settings: Settings, out_dir: Path | None) -> Path:
    """The output folder; refused when it would hold or overwrite a source.

    The default, ``build/`` in the project, comes with the project (a pull request
    may commit it as a link): it must resolve inside the project. A folder named
    on the command line is the user's own choice.
    """
    default = settings.root / "build"
    try:
        settings.refuse_links(out_dir if out_dir is not None else default)
    except ProjectError as exc:
        raise BuildError(str(exc)) from None
    folder = Path(os.path.realpath(out_dir if out_dir is not None else default))
    root = Path(os.path.realpath(settings.root))
    if out_dir is None and (default.is_symlink() or not folder.is_relative_to(root)):
        raise BuildError(f"{default}: the output folder is a link; refusing to write through it")
    if folder == root:
        raise BuildError(
            f"{folder}: the editions cannot be written into a source folder "
            "(the project folder itself)"
        )
    try:
        settings.refuse_overwrite(folder, "the editions")
    except ProjectError as exc:
        inside = [src for src in settings.sources() if folder.is_relative_to(src)]
        what = settings.relative(inside[0]) if inside else "a source"
        raise BuildError(
            f"{folder}: the editions cannot be written into a source folder ({what})"
        ) from exc
    return folder


def _create(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"{folder}: cannot create the output folder: {exc.strerror}") from exc
