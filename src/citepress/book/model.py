"""The document model every edition's template reads: a book of chapters, with notes.

Manuscript content lives in Fragments: element trees that were sanitised before
they were built, serialised as HTML for the web and print editions and as XHTML
for the EPUB. Everything else is plain data, escaped by Jinja as usual.
"""

from __future__ import annotations

import base64
import copy
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Literal

from markupsafe import Markup

if TYPE_CHECKING:
    from citepress.sources.images import ImageFile

# DPUB-ARIA roles and the EPUB structural semantics that say the same thing.
EPUB_TYPES = {"doc-noteref": "noteref", "doc-pagebreak": "pagebreak"}
# Set (after sanitising) on a link to another chapter's id: that chapter's slug.
CHAPTER_ATTRIBUTE = "data-chapter"


@dataclass(frozen=True)
class Fragment:
    """Sanitised manuscript content: the children (and text) of a container element.

    ``images`` are the book's images it may show, by their name in the editions.
    """

    element: ET.Element
    images: Mapping[str, ImageFile] = field(default_factory=dict)

    def html(self) -> Markup:
        """Serialised as HTML5, images embedded (as data: URLs)."""
        container = copy.deepcopy(self.element)
        for element in container.iter():
            element.attrib.pop(CHAPTER_ATTRIBUTE, None)
            if element.tag == "img" and element.get("src") in self.images:
                element.set("src", _data_url(self.images[element.get("src", "")]))
        return _serialise(container, "html")

    def xhtml(self) -> Markup:
        """Serialised as XHTML (for EPUB), with epub:type beside each DPUB-ARIA role.

        Images keep their names (the EPUB packages them); a link to another chapter
        points at that chapter's file.
        """
        container = copy.deepcopy(self.element)
        for element in container.iter():
            epub_type = EPUB_TYPES.get(element.get("role", ""))
            if epub_type:
                element.set("epub:type", epub_type)
            if element.tag == "math":
                element.set("xmlns", "http://www.w3.org/1998/Math/MathML")
            chapter = element.attrib.pop(CHAPTER_ATTRIBUTE, None)
            if chapter is not None:
                element.set("href", f"{chapter}.xhtml{element.get('href', '')}")
        return _serialise(container, "xml")

    @property
    def has_math(self) -> bool:
        """True when it holds MathML (the EPUB declares it)."""
        return any(_local(element.tag) == "math" for element in self.element.iter())


def _serialise(element: ET.Element, method: Literal["html", "xml"]) -> Markup:
    parts = [escape(element.text or "", quote=False)]
    parts += [ET.tostring(child, encoding="unicode", method=method) for child in element]
    # Safe: built from nh3-sanitised HTML and our own elements only (see document.py).
    return Markup("".join(parts))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _data_url(image: ImageFile) -> str:
    return f"data:{image.media_type};base64,{base64.b64encode(image.data).decode('ascii')}"


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
    marker: str  # in the text: （注1） in Japanese, a superscript 1 in English
    body: Fragment
    block: bool = False
    label: str = ""  # before the note: （注1）, "1."
    back: str = ""  # what the link back to the text says to a screen reader


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
    bibliography: Fragment | None = None
    # The book's editor's note (編注), at the head of the first notes or bibliography.
    editors_note: list[str] = field(default_factory=list)

    @property
    def has_math(self) -> bool:
        """True when the chapter holds MathML (the EPUB's manifest declares it)."""
        return self.body.has_math or any(note.body.has_math for note in self.notes)

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
    publisher: str = ""  # from the book's settings only: never guessed
    date: str = ""  # the publication date (YYYY[-MM[-DD]]), from the settings only
    # The print edition's pages: (number, chapter slug, id of its page-break marker).
    pages: list[tuple[int, str, str]] = field(default_factory=list)
    strings: dict[str, str] = field(default_factory=dict)  # the language's catalogue

    @property
    def images(self) -> list[ImageFile]:
        """Every image the book shows, once each, by name (the EPUB packages them)."""
        found: dict[str, ImageFile] = {}
        for chapter in self.chapters:
            for fragment in (chapter.body, *(note.body for note in chapter.notes)):
                shown = {e.get("src", "") for e in fragment.element.iter("img")}
                found.update((n, i) for n, i in fragment.images.items() if n in shown)
        return [found[name] for name in sorted(found)]
