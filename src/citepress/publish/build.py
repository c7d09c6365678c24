"""Publish a project: load, check, convert once, render each edition, write.

Read top to bottom, ``build`` is the whole story. The check comes first and a
build with check errors publishes nothing unless forced. The manuscript goes
through pandoc once; each edition is a template over the same Book. Every file
is written atomically, so a failed or interrupted build leaves the previous
editions as they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from citepress.config import Settings
from citepress.diagnostics import Diagnostic, count
from citepress.publish import atomic
from citepress.publish.cache import Cache, keys
from citepress.publish.worker import Worker, WorkerError

if TYPE_CHECKING:
    from jinja2 import Environment

    from citepress.render.model import Book

T = TypeVar("T")

FORMATS = ("html", "epub", "pdf")
Progress = Callable[[str, Path, float, bool], None]


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


def build(
    settings: Settings,
    formats: Sequence[str] = FORMATS,
    out_dir: Path | None = None,
    force: bool = False,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> BuildResult:
    """Check the project, then build the editions in ``formats`` into ``out_dir``."""
    folder = output_folder(settings, out_dir)
    report = progress or (lambda *_: None)
    cache = Cache.load(settings, folder)
    wanted = keys(settings, list(formats))
    result = BuildResult()
    todo = []
    for fmt in formats:
        path = edition_path(settings, folder, fmt)
        if use_cache and cache.fresh(fmt, wanted[fmt], path):
            result.written[fmt], result.seconds[fmt] = path, 0.0
            result.cached.append(fmt)
            report(fmt, path, 0.0, True)
        else:
            todo.append(fmt)
    if todo or (cache.had_errors() and not force):
        _Run(settings, folder, result, report).publish(todo, force)
        for fmt in todo:
            cache.record(fmt, wanted[fmt], result.written[fmt], count(result.diagnostics, "error"))
        cache.save()
    return result


@dataclass
class _Run:
    """One build that publishes: where it writes, what it reports."""

    settings: Settings
    folder: Path
    result: BuildResult
    report: Progress

    def publish(self, todo: list[str], force: bool) -> None:
        """Check, convert once, render ``todo`` (the PDF in a parallel worker), write."""
        from citepress import check  # noqa: PLC0415 -- a no-op rebuild never loads the checker

        limits = (self.settings.pdf_timeout, self.settings.pdf_memory_mb)
        worker = Worker.start(*limits) if "pdf" in todo else None
        try:
            checked = check.run(self.settings)
            self.result.diagnostics = checked.diagnostics
            if count(checked.diagnostics, "error") and not force:
                raise CheckFailed(checked.diagnostics)
            if not checked.docs:
                raise BuildError("no chapter could be read, so there is nothing to publish")
            _create(self.folder)
            atomic.clean_stale(self.folder)
            from citepress.render import convert, templates  # noqa: PLC0415 -- the render stack

            book = _guarded(partial(convert.book, self.settings, checked.docs, checked.bib))
            started = time.perf_counter()
            env = templates.environment(self.settings.templates)
            pdf = self._start_pdf(worker, book, env) if worker else None
            for fmt in todo:
                if fmt != "pdf" or pdf is None:
                    start = time.perf_counter()
                    self.write(fmt, render_guarded(fmt, book, self.settings, env), start)
            if worker is not None and pdf is not None:
                try:
                    data = worker.result(pdf, "the PDF")
                except WorkerError as exc:
                    raise BuildError(str(exc)) from None
                self.write("pdf", data, started)
        except BaseException:
            if worker is not None:
                worker.kill()  # interrupted or failed: do not wait for the PDF
            raise
        finally:
            if worker is not None:
                worker.close()

    def _start_pdf(self, worker: Worker, book: Book, env: Environment) -> Future[bytes]:
        """Hand the worker the PDF edition's HTML, made here: it needs no Jinja or Book."""
        from citepress.render.editions import pdf  # noqa: PLC0415

        page = _guarded(partial(pdf.html, book, env, self.settings.page_size))
        return worker.run(_pdf_from_html, page, pdf.identifier(book), assets(self.settings))

    def write(self, fmt: str, data: bytes, start: float) -> None:
        """Write one edition atomically and report it."""
        path = edition_path(self.settings, self.folder, fmt)
        atomic.write_bytes(path, data)
        self.result.written[fmt] = path
        self.result.seconds[fmt] = time.perf_counter() - start
        self.report(fmt, path, self.result.seconds[fmt], False)


def edition_path(settings: Settings, folder: Path, fmt: str) -> Path:
    """Where edition ``fmt`` is written."""
    return folder / f"{output_name(settings)}.{fmt}"


def render_guarded(fmt: str, book: Book, settings: Settings, env: Environment) -> bytes:
    """The bytes of one edition, render failures as BuildError."""
    return _guarded(partial(render, fmt, book, env, settings))


def _pdf_from_html(page: str, pdf_id: bytes, folders: list[Path]) -> bytes:
    """In the worker: lay out the PDF (failures as BuildError, which pickles)."""
    from citepress.render.editions import pdf  # noqa: PLC0415

    return _guarded(partial(pdf.write, page, pdf_id, folders))


def assets(settings: Settings) -> list[Path]:
    """The folders the PDF may load files from (images, fonts): nothing else."""
    return [settings.templates / "assets", settings.manuscript_dir / "assets"]


def render(fmt: str, book: Book, env: Environment, settings: Settings) -> bytes:
    """The bytes of one edition."""
    from citepress.render.editions import epub, html, pdf  # noqa: PLC0415

    if fmt == "html":
        return html.render(book, env)
    if fmt == "epub":
        return epub.render(book, env)
    return pdf.render(book, env, settings.page_size, assets(settings))


def output_name(settings: Settings) -> str:
    """The editions' file name without suffix: the setting, or the only chapter's name."""
    if settings.output_name:
        return settings.output_name
    chapters = settings.manuscripts()
    return chapters[0].stem if len(chapters) == 1 else "book"


def output_folder(settings: Settings, out_dir: Path | None) -> Path:
    """The output folder; refused when it would hold or overwrite a source."""
    folder = (out_dir if out_dir is not None else settings.root / "build").resolve()
    protected = {settings.manuscript_dir, settings.templates}
    protected |= {path.parent for path in settings.bibliography}
    protected.discard(settings.root)  # a .bib at the top level: protect the root only
    inside = [src for src in protected if folder.is_relative_to(src)]
    if folder == settings.root or inside:
        what = settings.relative(inside[0]) if inside else "the project folder itself"
        raise BuildError(f"{folder}: the editions cannot be written into a source folder ({what})")
    return folder


def _create(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"{folder}: cannot create the output folder: {exc.strerror}") from exc


def _guarded(step: Callable[[], T]) -> T:
    """Run a render step; turn the render stack's failures into BuildError."""
    from jinja2 import TemplateError, TemplateSyntaxError  # noqa: PLC0415

    from citepress.render.editions.pdf import RefusedResource  # noqa: PLC0415
    from citepress.render.pandoc import PandocError  # noqa: PLC0415
    from citepress.render.templates import TemplateError as MissingTemplate  # noqa: PLC0415

    try:
        return step()
    except TemplateSyntaxError as exc:
        raise BuildError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
    except TemplateError as exc:
        raise BuildError(f"{_template_frame(exc)}template error: {exc.message}") from exc
    except (PandocError, RefusedResource, MissingTemplate) as exc:
        raise BuildError(str(exc)) from exc
    except RecursionError:  # only reachable with --force past md.nesting
        raise BuildError("the document nests too deeply to render (see md.nesting)") from None


def _template_frame(exc: BaseException) -> str:
    """'path:line: ' of the innermost template frame of a Jinja runtime error, if any."""
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".j2", ".css", ".xml")):
            where = f"{name}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return where
