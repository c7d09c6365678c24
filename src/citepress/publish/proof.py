"""The editor's proof: the print edition with every finding of the check on its page.

check (one reading) → mark each finding's span on the proof's copy of the trees
→ convert → the PDF edition's HTML with a query list → lay out and annotate in the
fenced worker → write ``<name>.proof.pdf`` and ``<name>.proof.html`` atomically.

Unlike a build, the proof is made whatever the check found: that is its purpose.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from citepress.config import Settings
from citepress.diagnostics import Diagnostic
from citepress.ground import atomic
from citepress.ground.worker import Worker, WorkerError, call
from citepress.publish.build import BuildError, assets, output_folder, output_name
from citepress.report.formatters import summary
from citepress.typeset.layout import PRELOAD

if TYPE_CHECKING:
    from jinja2 import Environment

    from citepress.book.model import Book
    from citepress.check.analysis import Analysis
    from citepress.proof.layout import Finding, Spot
    from citepress.proof.marks import Marks


class ProofFailed(BuildError):
    """The sources could not be laid out; the check's findings say why."""

    def __init__(self, message: str, diagnostics: list[Diagnostic]) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


@dataclass
class ProofResult:
    """What the proof found and wrote."""

    diagnostics: list[Diagnostic]
    pdf: Path
    report: Path
    placed: int


def proof(settings: Settings, out_dir: Path | None = None) -> ProofResult:
    """Check the project and write its proof PDF and HTML report into ``out_dir``."""
    from citepress import check  # noqa: PLC0415
    from citepress.book.errors import RenderError  # noqa: PLC0415
    from citepress.ground.pandoc import PandocError  # noqa: PLC0415

    folder = output_folder(settings, out_dir)
    preload = (*PRELOAD, "citepress.proof.layout")
    worker = Worker.start(settings.pdf_timeout, settings.pdf_memory_mb, preload=preload)
    checked = None
    try:
        checked = check.run(settings)
        if not checked.docs:
            raise ProofFailed(
                "no chapter could be read, so there is nothing to proof",
                checked.diagnostics,
            )
        made = _make(settings, checked, worker)
    except (RenderError, WorkerError, PandocError) as exc:
        # A chapter the check found unreadable (nested past any book, broken bytes)
        # cannot be laid out either: the findings say where and what.
        raise ProofFailed(str(exc), checked.diagnostics if checked else []) from None
    except BaseException:
        if worker is not None:
            worker.kill()
        raise
    finally:
        if worker is not None:
            worker.close()
    folder.mkdir(parents=True, exist_ok=True)
    name = output_name(settings)
    pdf_path, report_path = folder / f"{name}.proof.pdf", folder / f"{name}.proof.html"
    atomic.write_all([(pdf_path, made.pdf), (report_path, made.report.encode("utf-8"))])
    return ProofResult(checked.diagnostics, pdf_path, report_path, made.placed)


@dataclass(frozen=True)
class _Made:
    pdf: bytes
    report: str
    placed: int


def _make(settings: Settings, checked: Analysis, worker: Worker | None) -> _Made:
    """Mark, convert, lay out twice (in the worker), annotate, and write the report."""
    from citepress.book import convert, templates  # noqa: PLC0415
    from citepress.editions import pdf  # noqa: PLC0415
    from citepress.proof import layout, marks  # noqa: PLC0415

    findings = checked.diagnostics
    placed = marks.mark(checked, findings, _nonce(checked, findings))
    book = convert.book(settings, checked.docs, checked.bib, checked.images)
    env = templates.environment(settings.edition_templates)
    rows = [_finding(n, d, placed, book.strings) for n, d in enumerate(findings)]
    # Set as the print edition is (a copy: the report quotes the book itself).
    base = _on_noterefs(pdf.set_html(book, env, settings.page_size), book, placed)
    folders = assets(settings)
    classes = {row.css_class: row.number for row in rows if row.placed}
    spots = call(worker, "the proof PDF", layout.locate, base, folders, classes)
    html = _with_queries(base, book, env, _reading_order(rows, spots), spots)
    data, spots = call(
        worker, "the proof PDF", layout.finish, html, pdf.identifier(book), folders, rows, spots
    )
    report = _report(book, env, checked, rows, spots, output_name(settings))
    return _Made(data, report, len(placed.placed))


_NOTEREF = re.compile(r'<a class="noteref"([^>]*\bid="([^"]+)")')


def _on_noterefs(html: str, book: Book, placed: Marks) -> str:
    """Put the marks of findings on note markers: a class on each marker's link.

    The editions write a marker as ``<a class="noteref" … id="…">``; one pass over
    the HTML finds them all by id.
    """
    from citepress.sources.slug import slug_of  # noqa: PLC0415

    by_slug = {chapter.slug: chapter for chapter in book.chapters}
    classes: dict[str, str] = {}
    for (path, number), findings in placed.noterefs.items():
        chapter = by_slug.get(slug_of(path))
        for note in chapter.notes if chapter else []:
            if note.number == number:
                classes[note.ref_ident] = " ".join(placed.css_class(n) for n in findings)

    def add(match: re.Match[str]) -> str:
        extra = classes.get(match.group(2))
        return f'<a class="noteref {extra}"{match.group(1)}' if extra else match.group(0)

    return _NOTEREF.sub(add, html)


def _reading_order(rows: list[Finding], spots: dict[int, Spot]) -> list[Finding]:
    """The queries in the order the author reads the proof; those not in the text last."""

    def where(row: Finding) -> tuple[int, int, int]:
        spot = spots.get(row.number) if row.placed else None
        return (spot.page, spot.line, row.number) if spot else (1 << 30, 0, row.number)

    return sorted(rows, key=where)


def _nonce(checked: Analysis, findings: list[Diagnostic]) -> str:
    """A class prefix no manuscript can write: a hash of the trees and the findings."""
    seed = hashlib.sha256()
    for doc in checked.docs:
        seed.update(doc.tree_json().encode())
    for finding in findings:
        seed.update(repr(finding).encode())
    return f"cpf{seed.hexdigest()[:16]}-"


def _finding(number: int, diag: Diagnostic, placed: Marks, strings: dict[str, str]) -> Finding:
    from citepress.book.strings import fill  # noqa: PLC0415
    from citepress.proof.layout import Finding  # noqa: PLC0415

    where = ":".join([diag.path, *(str(n) for n in (diag.line, diag.column) if n)])
    in_text = number in placed.placed
    css = placed.css_class(number) if in_text else f"{placed.prefix}row{number}"
    note = placed.notes.get(number)
    covers = fill(strings["query-note"], str(note)) if note else placed.text.get(number, "")
    return Finding(
        number, css, in_text, diag.severity, ", ".join(diag.codes), diag.message, where, covers
    )


def _with_queries(
    html: str, book: Book, env: Environment, rows: list[Finding], spots: dict[int, Spot]
) -> str:
    """The PDF edition's HTML with the query list as its last section."""
    from citepress.book.templates import render  # noqa: PLC0415

    queries = render(env, "proof/queries.html.j2", strings=book.strings, rows=rows, spots=spots)
    end = html.rfind("</body>")
    return html[:end] + queries + html[end:]


def _report(
    book: Book,
    env: Environment,
    checked: Analysis,
    rows: list[Finding],
    spots: dict[int, Spot],
    name: str,
) -> str:
    """The HTML report: every finding with its place, page, line and sentence."""
    from citepress.book.templates import render  # noqa: PLC0415
    from citepress.proof.context import Sentences  # noqa: PLC0415

    sentences = Sentences(checked)
    entries = []
    for row, diag in zip(rows, checked.diagnostics, strict=True):
        spot = spots.get(row.number) if row.placed else None
        entries.append(
            {
                "number": row.number + 1,
                "severity": row.severity,
                "codes": row.codes,
                "place": row.place,
                "covers": row.covers,
                "message": row.message,
                "page": spot.page if spot else 0,
                "line": spot.line if spot else 0,
                "context": sentences.of(diag),
            }
        )
    return render(
        env,
        "proof/report.html.j2",
        strings=book.strings,
        lang=book.lang,
        title=book.title,
        summary=summary(checked.diagnostics),
        proof_name=f"{name}.proof.pdf",
        rows=entries,
    )
