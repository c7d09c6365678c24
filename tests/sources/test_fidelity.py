"""The Markdown body is the received text, changed only as issue #2 allows.

Allowed: PDF line breaks joined, the stray leading space of a page break and
trailing white space at line ends dropped, headings marked up (``#`` and an
attribute block), （注N） replaced by a citation. Reconstructing the received
character stream from the Markdown must give it back exactly.
"""

from __future__ import annotations

import bisect
import re

import pytest

from citepress.sources import manuscript
from tests.conftest import CHAPTER, RECEIVED, ROOT

CITATION_GROUP = re.compile(r"\[[^\[\]]*@[^\[\]]*\]")


def received_stream(text: str) -> tuple[str, set[int], list[str]]:
    """The body lines of the received text joined, their start offsets, and the head lines."""
    lines = [line.removeprefix(" ").rstrip() for line in text.split("\n")]
    head = [line for line in lines[:4] if line]
    stream, starts = "", set()
    for line in lines[4:]:
        if line:
            starts.add(len(stream))
            stream += line
    return stream, starts, head


def markdown_stream(text: str) -> tuple[str, list[int]]:
    """The Markdown body with markup undone, and the offset where each block starts."""
    doc, diagnostics = manuscript.parse(text, "chapter.md")
    assert diagnostics == []
    stream, starts = "", []
    first: dict[int, int] = {}  # note number -> offset of its first citation
    for cite in doc.citations:
        first.setdefault(cite.note, cite.offset)
    by_offset = sorted((offset, note) for note, offset in first.items())
    for index, block in enumerate(doc.blocks):
        end = doc.blocks[index + 1].start if index + 1 < len(doc.blocks) else len(text)
        marks = [(o, n) for o, n in by_offset if block.start <= o < end]
        text_of_block = block.text
        # pandoc's text leaves citations out: put each note's marker back where it stood.
        for offset, note in reversed(marks):
            at = bisect.bisect_left(block.offsets, offset)
            text_of_block = text_of_block[:at] + f"（注{note}）" + text_of_block[at:]
        starts.append(len(stream))
        stream += text_of_block
    return stream, starts


def differences(markdown: str, received: str) -> list[str]:
    """Every way the manuscript departs from the received text (empty when faithful)."""
    expected, line_starts, head = received_stream(received)
    actual, block_starts = markdown_stream(markdown)
    problems = []
    if actual != expected:
        at = next(
            (i for i, (a, b) in enumerate(zip(actual, expected, strict=False)) if a != b),
            min(len(actual), len(expected)),
        )
        problems.append(
            f"body differs at {at}: {actual[at : at + 20]!r} != {expected[at : at + 20]!r}"
        )
    problems += [
        f"block at {s} does not start a received line" for s in block_starts if s not in line_starts
    ]
    doc, _ = manuscript.parse(markdown, "chapter.md")
    front = doc.front_matter
    if head != [f"{front.get('chapter-label')} {front.get('title')}", str(front.get("author"))]:
        problems.append(f"front matter {front!r} does not match the head lines {head!r}")
    return problems


def test_markdown_body_equals_received_text() -> None:
    markdown = CHAPTER.read_text(encoding="utf-8")
    assert differences(markdown, RECEIVED.read_text(encoding="utf-8")) == []


def test_received_copy_is_the_seed() -> None:
    seed = ROOT.parent / "shared" / "seed" / RECEIVED.name
    if not seed.exists():
        pytest.skip("shared/seed is not beside this checkout")
    assert RECEIVED.read_bytes() == seed.read_bytes()


def body_offsets(markdown: str) -> list[int]:
    """Offsets of every body character that is the author's text (not markup)."""
    doc, _ = manuscript.parse(markdown, "chapter.md")
    offsets = []
    for block in doc.blocks:  # pandoc's text of a block holds no citation
        offsets += block.offsets
    return offsets


@pytest.mark.parametrize("fraction", [0.0, 0.13, 0.5, 0.77, 0.999])
@pytest.mark.parametrize("replacement", ["x", "１", "。"])
def test_one_changed_character_fails(fraction: float, replacement: str) -> None:
    markdown = CHAPTER.read_text(encoding="utf-8")
    received = RECEIVED.read_text(encoding="utf-8")
    offsets = body_offsets(markdown)
    offset = offsets[int(fraction * (len(offsets) - 1))]
    if markdown[offset] == replacement:
        replacement = "y"
    changed = markdown[:offset] + replacement + markdown[offset + 1 :]
    assert differences(changed, received) != []


def test_a_deleted_or_swapped_citation_fails() -> None:
    markdown = CHAPTER.read_text(encoding="utf-8")
    received = RECEIVED.read_text(encoding="utf-8")
    first, second = CITATION_GROUP.findall(markdown)[:2]
    assert differences(markdown.replace(first, "", 1), received) != []
    swapped = markdown.replace(first, "\0").replace(second, first).replace("\0", second)
    assert differences(swapped, received) == []  # numbering follows reading order...
    assert (
        manuscript.parse(swapped, "x")[0].citations[0].key
        != manuscript.parse(markdown, "x")[0].citations[0].key
    )  # ...so the bibliography test catches swaps
