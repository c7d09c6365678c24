"""The document model every edition's template reads: a book of chapters, with notes.

Manuscript content lives in Fragments: element trees that were sanitised before
they were built, serialised as HTML for the web and print editions and as XHTML
for the EPUB. Everything else is plain data, escaped by Jinja as usual.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html import escape
from typing import Literal

from markupsafe import Markup

# DPUB-ARIA roles and the EPUB structural semantics that say the same thing.
EPUB_TYPES = {"doc-noteref": "noteref"}


@dataclass(frozen=True)
class Fragment:
    """Sanitised manuscript content: the children (and text) of a container element."""

    element: ET.Element

    def html(self) -> Markup:
        """Serialised as HTML5."""
        return self._serialise("html")

    def xhtml(self) -> Markup:
        """Serialised as XHTML (for EPUB), with epub:type beside each DPUB-ARIA role."""
        container = copy.deepcopy(self.element)
        for element in container.iter():
            epub_type = EPUB_TYPES.get(element.get("role", ""))
            if epub_type:
                element.set("epub:type", epub_type)
        return Fragment(container)._serialise("xml")

    def _serialise(self, method: Literal["html", "xml"]) -> Markup:
        parts = [escape(self.element.text or "", quote=False)]
        parts += [ET.tostring(child, encoding="unicode", method=method) for child in self.element]
        # Safe: built from nh3-sanitised HTML and our own elements only (see document.py).
        return Markup("".join(parts))


@dataclass(frozen=True)
class Heading:
    """A heading of a chapter, for tables of contents and bookmarks."""

    ident: str
    level: int
    text: str


@dataclass(frozen=True)
class TocEntry:
    """A heading with the headings nested under it."""

    ident: str
    text: str
    children: list[TocEntry]


def toc(headings: list[Heading]) -> list[TocEntry]:
    """Nest a chapter's flat list of headings by level (h2 > h3 > ...)."""
    root: list[TocEntry] = []
    stack: list[tuple[int, list[TocEntry]]] = [(0, root)]
    for heading in headings:
        while stack[-1][0] >= heading.level:
            stack.pop()
        entry = TocEntry(heading.ident, heading.text, [])
        stack[-1][1].append(entry)
        stack.append((heading.level, entry.children))
    return root


@dataclass(frozen=True)
class Note:
    """Endnote ``number`` of a chapter; ``block`` when it holds more than one paragraph."""

    number: int
    ident: str
    ref_ident: str
    marker: str
    body: Fragment
    block: bool = False


@dataclass
class Chapter:
    """One chapter: its front matter, body, headings and endnotes."""

    slug: str
    source: str
    title: str
    label: str
    author: str
    lang: str
    body: Fragment
    headings: list[Heading] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def ident(self) -> str:
        """The id of the chapter's title, the target of tables of contents."""
        return f"{self.slug}-title"

    @property
    def toc(self) -> list[TocEntry]:
        """The chapter's headings, nested."""
        return toc(self.headings)


@dataclass
class Book:
    """The whole publication, as the editions' templates see it."""

    title: str
    author: str
    lang: str
    identifier: str
    modified: str  # ISO 8601 UTC, to the second: dcterms:modified and the PDF dates
    chapters: list[Chapter]
    generator: str = "citepress"
