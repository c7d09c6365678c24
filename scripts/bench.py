"""Benchmark citepress beside the bare tools it is built on, in one run.

Every command runs as a user or CI job runs it (a fresh process, interpreter start
included), several times after a warm-up; the table gives median, min and max wall
time, the peak memory of the largest process, and the ratio of each edition to its
reference measured in the same run:

- the HTML edition against pandoc converting the same Markdown to standalone HTML;
- the PDF edition against WeasyPrint rendering the PDF edition's own final HTML,
  with the same options and no citepress code around it (import included).

Then the generated books (scripts/make_book.py) of 1, 10 and 30 chapters show how
check and build grow with size.

Usage: python -m scripts.bench [--repeat N] [--book-repeat N] [--write]
(--write puts the table into docs/speed.md between the bench markers.)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scripts.make_book import CHAPTER, ROOT, make_book

SPEED_PAGE = ROOT / "docs" / "speed.md"
MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")
BARE_PDF = (
    "import sys, weasyprint; "
    "weasyprint.HTML(filename=sys.argv[1]).write_pdf(sys.argv[2], pdf_variant='pdf/ua-1')"
)


@dataclass
class Timing:
    """Wall times (s) and peak RSS (MB) of repeated runs of one command."""

    name: str
    times: list[float]
    peak_mb: float

    @property
    def median(self) -> float:
        """Median wall time."""
        return statistics.median(self.times)


def run_once(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Wall time and peak RSS (MB, largest process of the tree) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")  # type: ignore[union-attr]
    return elapsed, usage.ru_maxrss / 1024


def measure(
    name: str, command: list[str], cwd: Path, repeat: int, before: list[str] | None = None
) -> Timing:
    """Run ``command`` ``repeat`` times after a warm-up; ``before`` runs (untimed) each time."""
    runs = []
    for n in range(repeat + 1):
        if before:
            subprocess.run(before, cwd=cwd, capture_output=True, check=True)
        result = run_once(command, cwd)
        if n:  # the first run warms the OS caches and is not counted
            runs.append(result)
    return Timing(name, [t for t, _ in runs], max(m for _, m in runs))


def row(t: Timing, reference: Timing | None = None) -> str:
    """One markdown row."""
    ratio = f"{t.median / reference.median:.2f}x" if reference else ""
    return (
        f"| {t.name} | {t.median:.3f} | {min(t.times):.3f} | {max(t.times):.3f} "
        f"| {t.peak_mb:.0f} | {ratio} |"
    )


def chapter_rows(repeat: int, tmp: Path) -> list[str]:
    """The chapter: check, each edition and the full build cold and warm, the references."""
    citepress = str(Path(sys.executable).with_name("citepress"))
    import pypandoc  # noqa: PLC0415

    pandoc = pypandoc.get_pandoc_path()
    out = tmp / "out"
    build = [citepress, "build", "--out", str(out)]
    clean = ["rm", "-rf", str(out)]
    rows = [row(measure("python -c pass (floor)", [sys.executable, "-c", "pass"], ROOT, repeat))]
    check = measure("citepress check", [citepress, "check"], ROOT, repeat)
    rows.append(row(check))
    bare_html = measure(
        "reference: pandoc -s markdown -> html5",
        [pandoc, "-s", "-f", "markdown", "-t", "html5", "-o", str(tmp / "bare.html"), str(CHAPTER)],
        ROOT,
        repeat,
    )
    final_html = tmp / "pdf-edition.html"
    final_html.write_text(_pdf_edition_html(), encoding="utf-8")
    bare_pdf = measure(
        "reference: WeasyPrint alone on the PDF edition's HTML",
        [sys.executable, "-c", BARE_PDF, str(final_html), str(tmp / "bare.pdf")],
        ROOT,
        repeat,
    )
    rows += [row(bare_html), row(bare_pdf)]
    for fmt, reference in (("html", bare_html), ("epub", None), ("pdf", bare_pdf)):
        alone = [*build, "--format", fmt]
        cold = measure(f"build {fmt}, cold (--no-cache, empty folder)",
                       [*alone, "--no-cache"], ROOT, repeat, clean)  # fmt: skip
        rows.append(row(cold, reference))
        # The cold runs leave the edition in place: a second build finds nothing changed.
        rows.append(row(measure(f"build {fmt}, warm (nothing changed)", alone, ROOT, repeat)))
    rows.append(row(measure("build all three, cold (--no-cache, empty folder)",
                            [*build, "--no-cache"], ROOT, repeat, clean)))  # fmt: skip
    rows.append(row(measure("build all three, warm (nothing changed)", build, ROOT, repeat)))
    return rows


# The commit before issue #14 (justification, line grid, 約物詰め): its PDF edition
# is timed beside this one's, same command, runs alternating.
BASELINE = "76c2910"


def baseline_rows(repeat: int, tmp: Path, rev: str = BASELINE) -> list[str]:
    """The PDF edition cold, at ``rev`` and here, alternating run by run; ratio to ``rev``.

    Each runs its own tree (templates, manuscript) from a git worktree, with this
    virtual environment: the same tools, only citepress differs.
    """
    runs: dict[str, list[tuple[float, float]]] = {"here": [], rev: []}
    with worktree(rev, tmp / "baseline") as tree:
        for n in range(repeat + 1):
            for name, source in (("here", ROOT), (rev, tree)):
                out = tmp / f"pdf-{n}-{name}"
                command = [sys.executable, "-m", "citepress.cli", "build", "--format", "pdf",
                           "--no-cache", "--out", str(out)]  # fmt: skip
                result = run_once(command, source, {"PYTHONPATH": str(source / "src")})
                if n:  # the first round warms the caches
                    runs[name].append(result)
    old = Timing(f"build pdf, cold, at {rev} (before #14)", [t for t, _ in runs[rev]],
                 max(m for _, m in runs[rev]))  # fmt: skip
    new = Timing("build pdf, cold, this commit (JLREQ)", [t for t, _ in runs["here"]],
                 max(m for _, m in runs["here"]))  # fmt: skip
    return [row(old), row(new, old)]


def _timing(name: str, found: list[tuple[float, float]]) -> Timing:
    return Timing(name, [t for t, _ in found], max(m for _, m in found))


@contextlib.contextmanager
def worktree(rev: str, tree: Path) -> Iterator[Path]:
    """A git worktree of ``rev`` at ``tree``, removed afterwards."""
    subprocess.run(["git", "worktree", "add", "--detach", "-f", str(tree), rev], cwd=ROOT,
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                       capture_output=True)  # fmt: skip


# The last commit that laid a book out whole, before chapters were laid out in parts,
# side by side and cached (issue #16): the book of 30 is timed there and here.
WHOLE = "fdb3a7d"


def long_book_rows(repeat: int, tmp: Path, rev: str = WHOLE) -> list[str]:
    """The book of 30 chapters at ``rev`` and here, alternating: cold, then after an edit.

    Each side builds its own copy of the book with its own cache folder; the cold build
    reads no cache (--no-cache), the rebuild follows a one-sentence edit to chapter 15.
    """
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with worktree(rev, tmp / "whole") as tree:
        sides = {"here": ROOT, rev: tree}
        books = {name: make_book(30, tmp / f"long-{name}") for name in sides}
        for n in range(repeat + 1):
            for name, source in sides.items():
                env = {"PYTHONPATH": str(source / "src"),
                       "CITEPRESS_CACHE_DIR": str(tmp / f"cache-{name}")}  # fmt: skip
                command = [sys.executable, "-m", "citepress.cli", "build"]
                subprocess.run(["rm", "-rf", "build"], cwd=books[name], check=True)
                cold = run_once([*command, "--no-cache"], books[name], env)
                edited = books[name] / "manuscript" / "chapter-15.md"
                subprocess.run([sys.executable, "-c", EDIT, str(edited)], check=True)
                rebuilt = run_once(command, books[name], env)
                if n:  # the first round warms the OS caches
                    runs.setdefault((name, "cold"), []).append(cold)
                    runs.setdefault((name, "edit"), []).append(rebuilt)
    rows = []
    for what, label in (("cold", "cold (--no-cache)"), ("edit", "after an edit to one chapter")):
        old = _timing(f"book of 30, three editions, {label}, at {rev} (whole)", runs[(rev, what)])
        new = _timing(f"book of 30, three editions, {label}, this commit (parts)",
                      runs[("here", what)])  # fmt: skip
        rows += [row(old), row(new, old)]
    return rows


def _pdf_edition_html() -> str:
    from citepress import check  # noqa: PLC0415
    from citepress import config as project  # noqa: PLC0415
    from citepress.book import convert, templates  # noqa: PLC0415
    from citepress.editions import pdf  # noqa: PLC0415

    settings = project.load(ROOT)
    checked = check.read(settings)
    book = convert.book(settings, checked.docs, checked.bib)
    return pdf.html(book, templates.environment(settings.templates), settings.page_size)


# Paragraphs of 1,000 characters, each a run of one construct that backtracking
# scanners or pandoc's reader handle badly (issue #10), to 10 MB.
ADVERSARIAL_UNITS = ("](#", "`", "# a", "@", "&#1;", "*", "_", "\\", "。@", "- ", "<div>x</div>")


def adversarial_rows(tmp: Path) -> list[str]:
    """The check on a 10 MB adversarial manuscript, beside pandoc reading it alone."""
    project = tmp / "adversarial"
    (project / "manuscript").mkdir(parents=True)
    (project / "bib").mkdir()
    (project / "bib" / "refs.bib").write_text("@misc{a, title = {T}}\n", encoding="utf-8")
    (project / "pyproject.toml").write_text("[tool.citepress]\n", encoding="utf-8")
    parts, size = ["---\ntitle: T\nauthor: A\nlang: en\n---\n\n"], 0
    while size < 10_000_000:
        unit = ADVERSARIAL_UNITS[len(parts) % len(ADVERSARIAL_UNITS)]
        paragraph = unit * (1000 // len(unit)) + "\n\n"
        parts.append(paragraph)
        size += len(paragraph.encode())
    chapter = project / "manuscript" / "chapter.md"
    chapter.write_text("".join(parts), encoding="utf-8")
    import pypandoc  # noqa: PLC0415

    pandoc = [pypandoc.get_pandoc_path(), "-f", "markdown-raw_tex", "-t", "json", str(chapter)]
    citepress = str(Path(sys.executable).with_name("citepress"))
    reference = measure("reference: pandoc reading it (markdown -> json)", pandoc, project, 1)
    check = measure("citepress check, 10 MB adversarial manuscript", [citepress, "check"],
                    project, 1)  # fmt: skip
    return [row(reference), row(check, reference)]


# One sentence more in a chapter's first paragraph, different at each run: the edit
# an author makes between two builds.
EDIT = (
    "import pathlib, re, secrets, sys; p = pathlib.Path(sys.argv[1]); "
    "t = re.sub('追記[a-z]+。', '', p.read_text(encoding='utf-8')); "
    "w = ''.join(secrets.choice('abcdefghij') for _ in range(8)); "
    "p.write_text(t.replace('考察したい。', f'考察したい。追記{w}。', 1), encoding='utf-8')"
)


def book_rows(repeat: int, tmp: Path) -> list[str]:
    """Generated books of 1, 10 and 30 chapters: check and cold build.

    The last column is the cost of each chapter added since the smaller book (time
    and peak memory): flat when the cost grows linearly. The book of 30 is also
    rebuilt after an edit to one chapter (the cold builds have filled the cache).
    """
    citepress = str(Path(sys.executable).with_name("citepress"))
    rows = []
    previous: dict[str, tuple[int, Timing]] = {}
    for chapters in (1, 10, 30):
        book = make_book(chapters, tmp / f"book{chapters}")
        out = book / "build"
        for name, command, before in (
            ("check", [citepress, "check"], None),
            ("build, cold", [citepress, "build", "--no-cache"], ["rm", "-rf", str(out)]),
        ):
            t = measure(f"book of {chapters} ({31 * chapters} notes): {name}", command, book,
                        repeat, before)  # fmt: skip
            marginal = ""
            if name in previous:
                size, last = previous[name]
                added = chapters - size
                marginal = (
                    f"{(t.median - last.median) / added:.3f} s, "
                    f"{(t.peak_mb - last.peak_mb) / added:.1f} MB"
                )
            previous[name] = (chapters, t)
            rows.append(row(t) + f" {marginal} |")
    edited = tmp / "book30" / "manuscript" / "chapter-15.md"
    rebuild = measure(
        "book of 30 (930 notes): build after an edit to one chapter",
        [citepress, "build"], tmp / "book30", repeat, [sys.executable, "-c", EDIT, str(edited)],
    )  # fmt: skip
    rows.append(row(rebuild) + "  |")
    return rows


def live_rows(repeat: int, tmp: Path) -> list[str]:
    """`citepress serve`: an edit to one chapter, to the reload, the page, the PDF.

    For the chapter (a copy of this project) and for the generated book of 30.
    """
    from scripts.livebench import reload_times  # noqa: PLC0415

    chapter = tmp / "live"
    chapter.mkdir()
    for name in ("manuscript", "bib"):
        shutil.copytree(ROOT / name, chapter / name)
    shutil.copy(ROOT / "pyproject.toml", chapter)
    book = make_book(30, tmp / "live30")
    rows = []
    for label, project, edited, html in (
        ("the chapter", chapter, chapter / "manuscript" / "chapter-03.md", "/chapter-03.html"),
        ("the book of 30", book, book / "manuscript" / "chapter-15.md", "/book.html"),
    ):
        runs = reload_times(project, edited, html, repeat)
        for found, what in zip(
            runs, ("the reload event", "the page served with it", "the PDF rebuilt"), strict=True
        ):
            rows.append(row(Timing(f"serve, {label}: an edit, to {what}", found, 0.0)))
    return rows


def machine() -> str:
    """One line on the machine the numbers come from."""
    cpu = "unknown CPU"
    with Path("/proc/cpuinfo").open(encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores ({cpu})"
    )


def main() -> None:
    """Run everything, print the tables, optionally write them into docs/speed.md."""
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--repeat", type=int, default=7)
    args.add_argument("--book-repeat", type=int, default=5)
    args.add_argument("--write", action="store_true")
    ns = args.parse_args()
    header = (
        "| command | median s | min s | max s | peak MB | ratio to reference |\n"
        "|---|---|---|---|---|---|"
    )
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        # A cache of this run's own: a rebuild measured here is not helped by another's.
        os.environ["CITEPRESS_CACHE_DIR"] = str(tmp / "cache")
        chapter = chapter_rows(ns.repeat, tmp)
        baseline = baseline_rows(ns.repeat, tmp)
        adversarial = adversarial_rows(tmp)
        books = book_rows(ns.book_repeat, tmp)
        long_book = long_book_rows(ns.book_repeat, tmp)
        live = live_rows(ns.repeat, tmp)
    text = (
        f"Machine: {machine()}. {ns.repeat} runs a row for the chapter, {ns.book_repeat} for "
        f"the books, after one warm-up run; wall time includes interpreter start.\n\n"
        f"{header}\n" + "\n".join(chapter) + "\n\n"
        "The PDF edition before and after issue #14 (JLREQ typesetting), side by side, "
        "runs alternating:\n\n"
        f"{header}\n" + "\n".join(baseline) + "\n\n"
        "The check bounded (one run after a warm-up: pandoc's reader is the cost):\n\n"
        f"{header}\n" + "\n".join(adversarial) + "\n\n"
        "| generated book | median s | min s | max s | peak MB | - "
        "| each added chapter (time, memory) |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(books) + "\n\n"
        "The book of 30 chapters laid out whole (before issue #16's parts) and in parts, "
        "side by side, runs alternating:\n\n"
        f"{header}\n" + "\n".join(long_book) + "\n\n"
        "`citepress serve`: from a one-sentence edit to a chapter (written as an editor "
        "writes it) to the reload event, to the HTML served with the edit, and to the "
        "second event (all three editions rebuilt); peak memory not measured:\n\n"
        f"{header}\n" + "\n".join(live) + "\n"
    )
    print(text)
    if ns.write:
        readme = SPEED_PAGE.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(MARKERS[0]) + ".*?" + re.escape(MARKERS[1]), re.DOTALL)
        SPEED_PAGE.write_text(
            pattern.sub(lambda _: f"{MARKERS[0]}\n{text}{MARKERS[1]}", readme), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
