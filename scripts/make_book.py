"""Generate a deterministic book of N chapters from Chapter 3, for benchmarks and tests.

Each chapter is a copy of the real chapter with its own label (第N章), its own
citation keys (suffix -cNN, so the bibliography has 31 x N distinct entries) and
``expected-notes: 31``; a book file gives the reading order and the book's title.

Usage: python scripts/make_book.py N DEST
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "manuscript" / "chapter-03.md"
BIB = ROOT / "bib" / "chapter-03.bib"
KEY = re.compile(r"(@\w+\{|\[@)([\w-]+)")


def make_book(chapters: int, dest: Path) -> Path:
    """Write the book's project into ``dest`` (created) and return it."""
    (dest / "manuscript").mkdir(parents=True)
    (dest / "bib").mkdir()
    text, bib = CHAPTER.read_text(encoding="utf-8"), BIB.read_text(encoding="utf-8")
    bibs, names = [], []
    for n in range(1, chapters + 1):

        def unique(match: re.Match[str], suffix: str = f"-c{n:02d}") -> str:
            return match.group(1) + match.group(2) + suffix

        chapter = KEY.sub(unique, text).replace(
            "chapter-label: 第三章\n", f"chapter-label: 第{n}章\nexpected-notes: 31\n"
        )
        names.append(f"chapter-{n:02d}.md")
        (dest / "manuscript" / names[-1]).write_text(chapter, encoding="utf-8")
        bibs.append(KEY.sub(unique, bib))
    (dest / "manuscript" / "book.yaml").write_text(
        "title: 米ロ関係と中央アジア（生成された試験用の本）\nauthor: 松井 弘明\nlang: ja\n"
        "chapters:\n" + "".join(f"  - {name}\n" for name in names),
        encoding="utf-8",
    )
    (dest / "bib" / "book.bib").write_text("\n".join(bibs), encoding="utf-8")
    (dest / "pyproject.toml").write_text(
        '[tool.citepress]\nbibliography = ["bib/book.bib"]\noutput-name = "book"\n'
        '[tool.citepress.events]\n"9.11" = "2001-09-11"\n'
        '[tool.citepress.severity]\n"bib.incomplete" = "warning"\n',
        encoding="utf-8",
    )
    return dest


def main() -> None:
    """Command line: make_book.py N DEST."""
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("chapters", type=int)
    args.add_argument("dest", type=Path)
    ns = args.parse_args()
    print(make_book(ns.chapters, ns.dest))


if __name__ == "__main__":
    main()
