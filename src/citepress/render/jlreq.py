"""The print edition's Japanese typesetting marks (JLREQ), made on its own copy of the book.

WeasyPrint sets each punctuation mark of a Japanese font in a full em, half of it
blank. JLREQ 3.1.4 sets two marks in a row in one and a half: the blank half
between them goes. The fonts' ``halt`` feature gives a mark its half-width form, so
the mark whose blank half would stand between the two is put in a ``halt`` span:

- a closing bracket, comma or full stop followed by another mark: 「、「」 「）」」 「。」」;
- an opening bracket after another opening one: 「（「」;
- a full-width full stop after a digit: the heading number 「１．」.

A paragraph never ends on a line of one character (「る。」 alone): a word joiner
ties the last two characters of its last line together, so the line breaks before
them. Both change the markup and the joiner adds an invisible character, in the PDF
only; the page map (render/pagemap) counts no joiner, and each span carries the
address of the element whose text it holds.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

from citepress.render.model import Book, Fragment

# JLREQ cl-01: opening brackets; cl-02, cl-06, cl-07: closing brackets, full stops and
# commas (the marks whose glyph fills half the em, the other half blank).
OPENING = "「『（〔［｛〈《【〘〖〝"
CLOSING = "」』）〕］｝〉》】〙〗〟、。，．"
HALT = re.compile(
    rf"[{CLOSING}](?=[{OPENING}{CLOSING}])|(?<=[{OPENING}])[{OPENING}]|(?<=[0-9０-９])．"
)
WORD_JOINER = "\u2060"
# A paragraph's last two letters (not punctuation, not space), then what may follow
# them to the end: the joiner goes between the two.
LAST_TWO = re.compile(rf"([^\s{OPENING}{CLOSING}])([^\s{OPENING}{CLOSING}][\s{CLOSING}]*+)$")
SKIP = frozenset({"code", "math", "pre"})
ATTRIBUTE = "data-cp-page"


CJK = ("ja", "zh", "ko")


def mark(book: Book) -> Book:
    """``book`` (the PDF's own copy) with the marks in every fragment, if its language is CJK."""
    if book.lang.lower().split("-")[0] not in CJK:
        return book
    chapters = []
    for chapter in book.chapters:
        notes = [
            dataclasses.replace(note, body=_marked(note.body, paragraph=True))
            for note in chapter.notes
        ]
        chapters.append(dataclasses.replace(chapter, body=_marked(chapter.body), notes=notes))
    return dataclasses.replace(book, chapters=chapters)


def _marked(fragment: Fragment, paragraph: bool = False) -> Fragment:
    """The fragment with halt spans and joiners; ``paragraph``: the root is one."""
    root = fragment.element
    for element in list(root.iter()):
        if element.tag in ("p", "li", "dd", "figcaption") or (paragraph and element is root):
            join_last(element)
    halt(root)
    return fragment


def halt(element: ET.Element) -> None:
    """Put each mark whose blank half must go in a ``halt`` span (not in code or math)."""
    if element.tag.rsplit("}", 1)[-1] in SKIP:
        return
    for child in list(element):
        halt(child)
        if child.tail and HALT.search(child.tail):
            parent_at = list(element).index(child) + 1
            for offset, span in enumerate(_split(child, "tail", element)):
                element.insert(parent_at + offset, span)
    if element.text and HALT.search(element.text):
        for offset, span in enumerate(_split(element, "text", element)):
            element.insert(offset, span)


def _split(holder: ET.Element, slot: str, owner: ET.Element) -> list[ET.Element]:
    """Cut ``holder``'s text or tail at each match into spans; the text before stays."""
    text = getattr(holder, slot)
    spans: list[ET.Element] = []
    last = 0
    for match in HALT.finditer(text):
        if spans:
            spans[-1].tail = text[last : match.start()]
        else:
            setattr(holder, slot, text[: match.start()])
        span = ET.Element("span", {"class": "halt"})
        if owner.get(ATTRIBUTE):
            span.set(ATTRIBUTE, owner.get(ATTRIBUTE, ""))
        span.text = match.group()
        spans.append(span)
        last = match.end()
    spans[-1].tail = text[last:]
    return spans


def join_last(paragraph: ET.Element) -> None:
    """Tie the paragraph's last two letters with a word joiner, when they share a text."""
    # A note's marker is tied to the text before it already (print.css); its text
    # is not the paragraph's own last word.
    aside = {id(inner) for e in paragraph.iter() if "noteref" in e.get("class", "")
             for inner in e.iter()}  # fmt: skip
    inside = [e for e in paragraph.iter() if e.tag not in SKIP and id(e) not in aside]
    slots = [(e, "text") for e in inside]
    slots += [(e, "tail") for e in paragraph.iter() if e is not paragraph]
    order = _reading_order(paragraph)
    slots.sort(key=lambda slot: order[(id(slot[0]), slot[1])])
    for holder, slot in reversed(slots):
        text = getattr(holder, slot) or ""
        joined, done = LAST_TWO.subn(rf"\1{WORD_JOINER}\2", text, count=1)
        if done:
            setattr(holder, slot, joined)
            return
        if any(char.isalnum() for char in text):
            return  # one letter here and the rest elsewhere: the line may hold it alone


def _reading_order(root: ET.Element) -> dict[tuple[int, str], int]:
    """Each text slot's place in reading order: an element's text, its children, its tail."""
    order: dict[tuple[int, str], int] = {}

    def walk(element: ET.Element) -> None:
        order[(id(element), "text")] = len(order)
        for child in element:
            walk(child)
            order[(id(child), "tail")] = len(order)

    walk(root)
    return order
