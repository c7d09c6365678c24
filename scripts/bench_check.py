"""Benchmark ``citepress check``: the chapter and generated books, beside the bare tools.

Runs every command several times in one session and prints median, min and max
wall time (interpreter start included, as a user or CI job sees it), with the
ratio against the references: a bare ``python -c pass`` (the floor of any
Python command) and pandoc reading the same Markdown to its AST (what a checker
built on pandoc would pay before checking anything).

Usage: python scripts/bench_check.py [--repeat N]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "manuscript" / "chapter-03.md"
BIB = ROOT / "bib" / "chapter-03.bib"
KEY = re.compile(r"(@\w+\{|\[@)([\w-]+)")


def timed(command: list[str], repeat: int, cwd: Path) -> list[float]:
    """Wall times of ``command`` run ``repeat`` times (after one warm-up run)."""
    subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return times


def make_book(chapters: int, dest: Path) -> Path:
    """A deterministic book of ``chapters`` copies of the chapter, keys made unique."""
    (dest / "manuscript").mkdir(parents=True)
    (dest / "bib").mkdir()
    text, bib = CHAPTER.read_text(encoding="utf-8"), BIB.read_text(encoding="utf-8")
    bibs = []
    for n in range(1, chapters + 1):

        def unique(match: re.Match[str], suffix: str = f"-c{n:02d}") -> str:
            return match.group(1) + match.group(2) + suffix

        (dest / "manuscript" / f"chapter-{n:02d}.md").write_text(
            KEY.sub(unique, text), encoding="utf-8"
        )
        bibs.append(KEY.sub(unique, bib))
    (dest / "bib" / "book.bib").write_text("\n".join(bibs), encoding="utf-8")
    (dest / "pyproject.toml").write_text(
        '[tool.citepress]\nbibliography = ["bib/book.bib"]\n'
        '[tool.citepress.events]\n"9.11" = "2001-09-11"\n',
        encoding="utf-8",
    )
    return dest


def row(name: str, times: list[float], reference: float | None) -> str:
    """One markdown table row: median, min, max, and the ratio to ``reference``."""
    median = statistics.median(times)
    ratio = f"{median / reference:.2f}x" if reference else "-"
    return f"| {name} | {median:.3f} | {min(times):.3f} | {max(times):.3f} | {ratio} |"


def main() -> None:
    """Run the benchmark and print a markdown table."""
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--repeat", type=int, default=7)
    repeat = args.parse_args().repeat
    citepress = str(Path(sys.executable).with_name("citepress"))
    import pypandoc  # noqa: PLC0415 -- the benchmark's reference only

    pandoc = pypandoc.get_pandoc_path()
    floor = timed([sys.executable, "-c", "pass"], repeat, ROOT)
    pandoc_times = timed([pandoc, "-f", "markdown", "-t", "json", str(CHAPTER)], repeat, ROOT)
    check = timed([citepress, "check"], repeat, ROOT)
    print("| command | median s | min s | max s | ratio |")
    print("|---|---|---|---|---|")
    print(row("python -c pass (floor)", floor, None))
    print(row("pandoc markdown -> json AST, chapter (reference)", pandoc_times, None))
    base = statistics.median(pandoc_times)
    print(row("citepress check, chapter (vs pandoc AST)", check, base))
    one = statistics.median(check) - statistics.median(floor)
    with tempfile.TemporaryDirectory() as tmp:
        for chapters in (1, 10, 30):
            book = make_book(chapters, Path(tmp) / f"book{chapters}")
            times = timed([citepress, "check"], max(3, repeat // 2), book)
            work = statistics.median(times) - statistics.median(floor)
            print(
                row(
                    f"citepress check, generated book of {chapters} chapters "
                    f"({31 * chapters} notes); work per chapter {work / chapters:.3f} s",
                    times,
                    None,
                )
            )
            shutil.rmtree(book)
    print(f"\nwork beyond interpreter start, chapter: {one:.3f} s")


if __name__ == "__main__":
    main()
