"""The print edition's Japanese typesetting marks (JLREQ), made on its own copy of the book.

WeasyPrint sets each punctuation mark of a Japanese font in a full em, half of it
blank. JLREQ 3.1.4 sets two marks in a row in one and a half: the blank half
between them goes. The fonts' ``halt`` feature gives a mark its half-width form, so
the mark whose blank half would stand between the two is put in a ``halt`` span:

- a closing bracket, comma or full stop followed by another mark: 「、「」 「）」」 「。」」;
- an opening bracket after another opening one: 「（「」.

A heading's number (「１．」) is set proportionally (a ``palt`` span): a full-width
digit and full stop would leave a hole before the heading's words.

A paragraph never ends on a line of one character (「る。」 alone): a word joiner
ties the last two characters of its last line together, so the line breaks before
them. A wave dash never starts a line (JLREQ cl-03): a joiner ties it to what comes
before (「九月～十月」). These change the markup and add invisible characters, in the
PDF only; the page map (typeset/pagemap) counts no joiner, and each span carries the
address of the element whose text it holds. The editor's note gets the same.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

from markupsafe import Markup, escape

from citepress.book.model import Book, Fragment
from citepress.typeset import pagemap
from citepress.typeset.pagemap import WORD_JOINER as WORD_JOINER

# JLREQ cl-01: opening brackets; cl-02, cl-06, cl-07: closing brackets, full stops and
# commas (the marks whose glyph fills half the em, the other half blank).
OPENING = "「『（〔［｛〈《【〘〖〝"
CLOSING = "」』）〕］｝〉》】〙〗〟、。，．"
HALT = re.compile(rf"[{CLOSING}](?=[{OPENING}{CLOSING}])|(?<=[{OPENING}])[{OPENING}]")
# In a heading, its number too: digits and a full-width full stop.
# A match starts only where a run of digits starts (the lookbehind): a line of a
# million digits costs one pass.
HEADING = re.compile(rf"(?P<number>(?<![0-9０-９])[0-9０-９]++．)|{HALT.pattern}")
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
DASHES = re.compile("([～〜])")  # JLREQ cl-03: never at a line's start
# What a note still lacks (book/csl.py prints 〔未詳：著者、題名〕): each word of it
# stays whole, a line may break only after its commas (「題 / 名〕」 split it).
MISSING = re.compile(r"〔未詳：[^〔〕]{0,200}〕")
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
        note = [_marked_text(paragraph) for paragraph in chapter.editors_note]
        chapters.append(
            dataclasses.replace(chapter, body=_marked(chapter.body), notes=notes, editors_note=note)
        )
    return dataclasses.replace(book, chapters=chapters)


def _marked_text(paragraph: str) -> str:
    """A paragraph of plain text (the editor's note) with the marks, as markup."""
    # Joiners go into the text before it is escaped (not inside an &amp;), spans after
    # (the marks they wrap are never escaped).
    text = tie(LAST_TWO.sub(rf"\1{WORD_JOINER}\2", paragraph, count=1))
    text = str(escape(text))
    return Markup(HALT.sub(lambda match: f'<span class="halt">{match.group()}</span>', text))


def _marked(fragment: Fragment, paragraph: bool = False) -> Fragment:
    """The fragment with halt spans and joiners; ``paragraph``: the root is one."""
    root = fragment.element
    for element in list(root.iter()):
        if element.tag in ("p", "li", "dd", "figcaption") or (paragraph and element is root):
            join_last(element)
    tie_dashes(root)
    unwrap_units(root)
    own = root.get(pagemap.ATTRIBUTE)
    if own:  # a unit's letters joined the fragment's loose text: keep them addressed
        pagemap.wrap_loose_text(root, own)
    halt(root)
    return fragment


def unwrap_units(element: ET.Element) -> None:
    """A number-and-unit span (book/units) becomes its letters tied by word joiners.

    The same unbreakable run, without a box of its own for each: the layout of the
    chapter's 182 of them cost the PDF a tenth of its time. The text joins its
    parent's, whose page-map address counts it too (typeset/pagemap).
    """
    children: list[ET.Element] = []
    for child in list(element):
        unwrap_units(child)
        if child.get("class") == "unit" and not len(child):
            text = WORD_JOINER.join(child.text or "") + (child.tail or "")
            if children:
                children[-1].tail = (children[-1].tail or "") + text
            else:
                element.text = (element.text or "") + text
        else:
            children.append(child)
    element[:] = children


def tie_dashes(root: ET.Element) -> None:
    """Put a word joiner before each wave dash: it may end a line, never start one.

    And tie each word of a note's 〔未詳：…〕 together.
    """
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] in SKIP:
            continue
        for slot in ("text", "tail"):
            text = getattr(element, slot)
            if text and (DASHES.search(text) or "〔未詳" in text):
                setattr(element, slot, tie(text))


def tie(text: str) -> str:
    """``text`` with joiners before wave dashes and inside the words of 〔未詳：…〕."""
    text = DASHES.sub(rf"{WORD_JOINER}\1", text)
    return MISSING.sub(lambda match: _whole_words(match.group()), text)


def _whole_words(missing: str) -> str:
    """〔未詳：著者、題名〕 with a joiner between the letters of each word."""
    return "、".join(WORD_JOINER.join(word) for word in missing.split("、"))


def halt(element: ET.Element, heading: bool = False) -> None:
    """Put each mark whose blank half must go in a ``halt`` span (not in code or math).

    And a heading's number in a ``palt`` span.
    """
    tag = element.tag.rsplit("}", 1)[-1]
    if tag in SKIP:
        return
    heading = heading or tag in HEADINGS
    pattern = HEADING if heading else HALT
    # The children rebuilt in one pass: inserting spans one by one was quadratic.
    children: list[ET.Element] = []
    if element.text and pattern.search(element.text):
        children += _split(element, "text", element, pattern)
    for child in list(element):
        halt(child, heading)
        children.append(child)
        if child.tail and pattern.search(child.tail):
            children += _split(child, "tail", element, pattern)
    element[:] = children


def _split(
    holder: ET.Element, slot: str, owner: ET.Element, pattern: re.Pattern[str]
) -> list[ET.Element]:
    """Cut ``holder``'s text or tail at each match into spans; the text before stays."""
    text = getattr(holder, slot)
    spans: list[ET.Element] = []
    last = 0
    for match in pattern.finditer(text):
        if spans:
            spans[-1].tail = text[last : match.start()]
        else:
            setattr(holder, slot, text[: match.start()])
        number = "number" in match.groupdict() and match.group("number")
        span = ET.Element("span", {"class": "palt" if number else "halt"})
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
