"""One-off import of the received chapter text into a Markdown manuscript.

The received text is plain text pulled out of a PDF: every line is followed by
a blank line, a paragraph ends on a line that ends in white space after 。 or ）,
and a page break leaves one stray space at the start of a line. This script
undoes only that, marks up the headings, and replaces the note markers
（注N） by pandoc citations to the Nth entry of the bibliography. Whatever
needs judgement afterwards (heading periods) is edited by hand;
tests/sources/test_fidelity.py proves the body still equals the received text.

Usage: python scripts/import_received.py RECEIVED.txt BIB.bib > chapter.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

MARKER = re.compile(r"（注(\d+)）")
BIB_KEY = re.compile(r"^@\w+\s*[{(]\s*([^,\s]+)\s*,", re.MULTILINE)
# Heading text at the start of a line -> (level, identifier).
HEADINGS: list[tuple[re.Pattern[str], int, str]] = [
    (re.compile(r"^はじめに$"), 2, "introduction"),
    (re.compile(r"^([１２３４５６７８９])．"), 2, "section-{n}"),
    (re.compile(r"^\((\d)\) "), 3, "section-3-{n}"),
    (re.compile(r"^まとめ$"), 2, "conclusion"),
]
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def heading_for(text: str) -> str | None:
    """Return the Markdown heading line for ``text``, or None if it is body text."""
    for pattern, level, ident in HEADINGS:
        match = pattern.match(text)
        if match:
            n = match.group(1).translate(FULLWIDTH_DIGITS) if match.groups() else ""
            return f"{'#' * level} {text} {{#{ident.format(n=n)}}}"
    return None


def blocks(lines: list[str]) -> list[str]:
    """Join PDF lines into paragraphs and headings, in reading order."""
    out: list[str] = []
    current = ""
    for raw in lines:
        text = raw.removeprefix(" ").rstrip()
        if not text:
            continue
        heading = heading_for(text)
        if heading is not None:
            out.append(heading)
            continue
        current += text
        if raw != raw.rstrip() and text.endswith(("。", "）")):
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def main(received: Path, bib: Path) -> None:
    """Print the Markdown manuscript for ``received`` citing entries of ``bib``."""
    lines = received.read_text(encoding="utf-8").split("\n")
    keys = BIB_KEY.findall(bib.read_text(encoding="utf-8"))
    label, title = lines[0].strip().split(" ", 1)
    author = lines[3].strip()
    body = blocks(lines[4:])
    text = "\n\n".join(body)
    text = MARKER.sub(lambda m: f"[@{keys[int(m.group(1)) - 1]}]", text)
    print("---")
    print(f"title: {title}")
    print(f"chapter-label: {label}")
    print(f"author: {author}")
    print("lang: ja")
    print(f"received: received/{received.name}")
    print("---")
    print()
    print(text)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
