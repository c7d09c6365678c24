"""The print edition's page numbers, carried into the HTML and the EPUB.

A reader of the e-book cites the printed book by its pages; the EPUB's page list
and page-break markers, and the HTML's page anchors, must therefore say where
each page of the PDF edition starts. Only WeasyPrint's layout knows that, so:

1. :func:`tagged` gives the PDF a copy of the book whose every manuscript element
   carries its address (chapter, fragment, element: ``data-cp-page="0.0.17"``);
2. in the PDF worker, :func:`starts` walks each laid-out page to its first line of
   manuscript text and reports that element's address and how many characters of
   its text earlier pages hold;
3. :func:`insert` puts a page-break marker at that very character in the book the
   HTML and EPUB render.

Characters are counted without white space on both sides: the layout collapses it,
the element tree keeps it as written. A page that shows no manuscript text (a title
page, a blank verso) gets no marker; a reader's page list may skip such pages.
"""

from __future__ import annotations

import copy
import dataclasses
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from citepress.book.model import Book, Fragment
from citepress.typeset.boxes import content_boxes

ATTRIBUTE = "data-cp-page"
WORD_JOINER = "\u2060"
HYPHEN = "\u2010"  # WeasyPrint's hyphenate-character: added by the layout, not written
MATH = "{http://www.w3.org/1998/Math/MathML}math"


@dataclass(frozen=True)
class PageStart:
    """Where printed page ``page`` starts in the book's manuscript content."""

    page: int  # the folio: the PDF's page number, counting from 1
    chapter: int  # the chapter's index in the book
    fragment: int  # 0: the chapter's body; n: its note n's body
    element: int  # the element's index in the fragment's tree, in document order
    offset: int  # characters of the element's text (white space aside) before the page


def tagged(book: Book) -> Book:
    """A copy of ``book`` whose every manuscript element carries its address."""
    chapters = []
    for c, chapter in enumerate(book.chapters):
        fragments = [chapter.body, *(note.body for note in chapter.notes)]
        marked = [_tag(fragment, f"{c}.{f}") for f, fragment in enumerate(fragments)]
        notes = [
            dataclasses.replace(note, body=body)
            for note, body in zip(chapter.notes, marked[1:], strict=True)
        ]
        chapters.append(dataclasses.replace(chapter, body=marked[0], notes=notes))
    return dataclasses.replace(book, chapters=chapters)


def _tag(fragment: Fragment, address: str) -> Fragment:
    """Each element's address: ``chapter.fragment:ancestors,…,own``.

    The numbers are the elements' indexes in document order, so that text counted
    for an element counts for its ancestors too. Text standing directly in the
    fragment (a note's words, which the template sets in its own paragraph) is
    wrapped in a span with the fragment's own address, so that it is found as well.
    """
    element = copy.deepcopy(fragment.element)
    index = {id(child): number for number, child in enumerate(element.iter())}

    def walk(node: ET.Element, path: tuple[int, ...]) -> None:
        mine = (*path, index[id(node)])
        node.set(ATTRIBUTE, f"{address}:{','.join(map(str, mine))}")
        for child in node:
            walk(child, mine)

    walk(element, ())
    wrap_loose_text(element, f"{address}:{index[id(element)]}")
    return dataclasses.replace(fragment, element=element)


def wrap_loose_text(root: ET.Element, address: str) -> None:
    """Put the root's own text and its children's tails in addressed spans.

    The children are rebuilt in one pass (inserting one by one was quadratic). A
    span already holding loose text keeps what follows it too (typeset/jlreq joins a
    number-and-unit's letters to the text before them).
    """
    for child in root:
        if child.get(ATTRIBUTE) == address and not len(child) and child.tail:
            child.text, child.tail = (child.text or "") + child.tail, None
    children: list[ET.Element] = []
    if root.text and root.text.strip():
        span = ET.Element("span", {ATTRIBUTE: address})
        span.text, root.text = root.text, None
        children.append(span)
    for child in list(root):
        children.append(child)
        if child.tail and child.tail.strip() and child.get(ATTRIBUTE) != address:
            span = ET.Element("span", {ATTRIBUTE: address})
            span.text, child.tail = child.tail, None
            children.append(span)
    root[:] = children


def starts(document: Any) -> list[PageStart]:
    """In the worker: where each page of WeasyPrint's laid-out ``document`` starts."""
    seen: dict[tuple[str, int], int] = {}  # characters laid out on earlier pages
    found: list[PageStart] = []
    for number, page in enumerate(document.pages, 1):
        first: PageStart | None = None
        for address, text in _texts(page):
            fragment, _, path = address.partition(":")
            chain = [int(part) for part in path.split(",")]
            if first is None:
                chapter, part = (int(n) for n in fragment.split("."))
                done = seen.get((fragment, chain[-1]), 0)
                first = PageStart(number, chapter, part, chain[-1], done)
            for element in chain:  # an element's text is its ancestors' text too
                key = (fragment, element)
                seen[key] = seen.get(key, 0) + len("".join(text.split()))
        if first is not None:
            found.append(first)
    return found


def _texts(page: Any) -> list[tuple[str, str]]:
    """Each piece of manuscript content on a page, in order, with its element's address.

    Text boxes give their text (a hyphen the layout added at a line's end is not the
    manuscript's); an image gives no text, but may be what a page starts with.
    """
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    pieces: list[tuple[str, str]] = []
    for box in content_boxes(page):  # running heads and folios are not the text
        if "::" in (box.element_tag or ""):
            continue  # generated content (a marker's word joiner) is not the text
        address = box.element.get(ATTRIBUTE) if box.element is not None else None
        if not address:
            continue
        if isinstance(box, boxes.TextBox) and box.text.strip():
            # Nor is a word joiner the print edition put in (typeset/jlreq).
            pieces.append((address, box.text.removesuffix(HYPHEN).replace(WORD_JOINER, "")))
        elif isinstance(box, boxes.ReplacedBox):
            pieces.append((address, ""))
    return pieces


def insert(book: Book, pages: list[PageStart]) -> None:
    """Put a page-break marker where each page starts, and list them in ``book.pages``.

    The marker is a span with role ``doc-pagebreak`` (Fragment.xhtml adds the EPUB's
    ``epub:type="pagebreak"``) named by its page number, empty: nothing is added to
    the text a reader reads or copies.
    """
    listed: list[tuple[int, str, str]] = []
    for start in sorted(pages, key=lambda p: p.page, reverse=True):  # later first: offsets
        chapter = book.chapters[start.chapter]
        fragments = [chapter.body, *(note.body for note in chapter.notes)]
        root = fragments[start.fragment].element
        elements = list(root.iter())
        parents = {id(child): parent for parent in root.iter() for child in parent}
        element = elements[start.element]
        ident = f"page-{start.page}"
        marker = _marker(ident, start.page)
        parent = parents.get(id(element))
        if _place(element, start.offset, marker) or _before(element, parent, marker):
            listed.append((start.page, chapter.slug, ident))
    book.pages = sorted(listed)


def _before(element: ET.Element, parent: ET.Element | None, marker: ET.Element) -> bool:
    """Put ``marker`` just before an element without text (an image a page starts with)."""
    if parent is None or "".join(element.itertext()).strip():
        return False
    parent.insert(list(parent).index(element), marker)
    return True


def _marker(ident: str, page: int) -> ET.Element:
    return ET.Element(
        "span",
        {"id": ident, "class": "pagebreak", "role": "doc-pagebreak", "title": str(page)},
    )


def _place(element: ET.Element, offset: int, marker: ET.Element) -> bool:
    """Insert ``marker`` after ``offset`` non-space characters of ``element``'s text."""
    remaining = offset
    for holder, attribute, parent in _text_slots(element, element):
        text = getattr(holder, attribute) or ""
        for index, char in enumerate(text):
            if not char.isspace() and char != WORD_JOINER:  # as the layout is counted
                if remaining == 0:
                    _split_at(holder, attribute, parent, index, marker)
                    return True
                remaining -= 1
    return False


Slot = tuple[ET.Element, str, ET.Element]


def _text_slots(element: ET.Element, parent: ET.Element) -> list[Slot]:
    """The element's text pieces in reading order: (holder, "text"/"tail", its parent).

    Math is left out: the PDF draws it as a picture, so its layout counts no text.
    """
    slots: list[Slot] = [] if _is_math(element) else [(element, "text", parent)]
    for child in element:
        if not _is_math(child):
            slots += _text_slots(child, element)
        slots.append((child, "tail", element))
    return slots


def _is_math(element: ET.Element) -> bool:
    return element.tag in (MATH, "math")


def _split_at(
    holder: ET.Element, attribute: str, parent: ET.Element, index: int, marker: ET.Element
) -> None:
    """Insert ``marker`` into ``holder``'s text (or tail) before character ``index``."""
    text = getattr(holder, attribute) or ""
    setattr(holder, attribute, text[:index])
    marker.tail = text[index:]
    if attribute == "text":
        holder.insert(0, marker)
    else:
        parent.insert(list(parent).index(holder) + 1, marker)
