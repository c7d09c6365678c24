"""Turn the HTML pandoc made of one chapter into a Chapter of the document model.

pandoc's HTML is sanitised first (sanitise.py); only then is it parsed, and the
pieces pandoc generated are replaced by ours: each note reference becomes a
（注N） marker linking to its note, and the endnote section becomes the list of
Notes the templates lay out. A note reference the manuscript forged in raw HTML
points at no note pandoc made and is left as plain text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import tinyhtml5

from citepress.render.model import Fragment, Heading, Note
from citepress.render.sanitise import clean
from citepress.render.slug import RESERVED_ID

MARKER = "（注{n}）"
_HEADING = re.compile(r"^h([1-6])$")


def parse(
    html: str, prefix: str = "", nonce: str = "", reserved: frozenset[str] = frozenset()
) -> tuple[Fragment, list[Heading], list[Note]]:
    """Split a pandoc HTML fragment into body, headings and notes.

    ``nonce`` is the id prefix pandoc was given: only its own notes section and
    note links carry it (raw HTML cannot), and it is replaced by ``prefix``.
    """
    body = _parse_fragment(clean(html))
    notes_section = _notes_section(body, nonce)
    notes: list[Note] = []
    if notes_section is not None:
        notes = _notes(notes_section, prefix)
    _drop_reserved_ids(body, nonce, reserved)
    _link_noterefs(body, {f"#{nonce}fn{note.number}": note for note in notes})
    _rename(body, nonce, prefix)
    if prefix:
        _prefix_links(body, prefix)
    ids = {e.get("id", "") for e in body.iter() if e.get("id")} | {n.ident for n in notes}
    for tree in (body, *(note.body.element for note in notes)):
        _unlink_dead(tree, ids)
    return Fragment(body), _headings(body), notes


def _parse_fragment(html: str) -> ET.Element:
    document = tinyhtml5.parse(
        f"<!DOCTYPE html><html><body>{html}</body></html>", namespace_html_elements=False
    )
    body: ET.Element | None = document.find("body")
    assert body is not None  # the HTML parser always makes one
    body.tag = "div"
    return body


def _notes_section(body: ET.Element, nonce: str) -> ET.Element | None:
    """Pandoc's endnote section, taken out of the body: the one with pandoc's own id.

    An unclosed raw <section> in the manuscript can swallow it, so it is looked
    for anywhere, by the id only pandoc could give it.
    """
    for parent in body.iter():
        for child in parent:
            if child.tag == "section" and child.get("id") == f"{nonce}footnotes":
                parent.remove(child)
                return child
    return None


def _drop_reserved_ids(body: ET.Element, nonce: str, reserved: frozenset[str]) -> None:
    for element in body.iter():
        ident = element.get("id", "")
        bare = ident.removeprefix(nonce) if nonce else ident
        if ident and (RESERVED_ID.match(bare) or bare in reserved):
            del element.attrib["id"]


def _rename(body: ET.Element, nonce: str, prefix: str) -> None:
    """Pandoc's ids and links carry the nonce: give them the chapter's prefix instead."""
    if not nonce:
        return
    for element in body.iter():
        ident = element.get("id")
        if ident is not None and ident.startswith(nonce):
            element.set("id", prefix + ident.removeprefix(nonce))
        href = element.get("href")
        if href is not None and href.startswith(f"#{nonce}"):
            element.set("href", f"#{prefix}{href.removeprefix('#' + nonce)}")


def _notes(section: ET.Element, prefix: str) -> list[Note]:
    notes = []
    items = section.find("ol")
    for number, item in enumerate(items if items is not None else [], start=1):
        for parent in item.iter():
            for back in [c for c in parent if "footnote-back" in c.get("class", "")]:
                _remove_keeping_tail(parent, back)
        paragraphs = list(item)
        inline = len(paragraphs) == 1 and paragraphs[0].tag == "p" and not (item.text or "").strip()
        content = paragraphs[0] if inline else item
        content.tag = "div"
        content.attrib.clear()
        _strip_trailing_space(content)
        notes.append(
            Note(
                number=number,
                ident=f"{prefix}note-{number}",
                ref_ident=f"{prefix}noteref-{number}",
                marker=MARKER.format(n=number),
                body=Fragment(content),
                block=not inline,
            )
        )
    return notes


def _link_noterefs(body: ET.Element, by_href: dict[str, Note]) -> None:
    """Replace pandoc's note references (and their citation span) with our markers."""
    for parent in list(body.iter()):
        for index, child in enumerate(list(parent)):
            anchor = _noteref(child)
            if anchor is None:
                continue
            note = by_href.get(anchor.get("href", ""))
            if note is None:
                continue
            marker = ET.Element(
                "a",
                {"class": "noteref", "href": f"#{note.ident}", "id": note.ref_ident,
                 "role": "doc-noteref"},
            )  # fmt: skip
            marker.text = note.marker
            marker.tail = child.tail
            parent.remove(child)
            parent.insert(index, marker)


def _noteref(element: ET.Element) -> ET.Element | None:
    """The pandoc note reference this element is, or wraps (a citation span)."""
    if element.tag == "a" and "footnote-ref" in element.get("class", ""):
        return element
    if element.tag == "span" and "citation" in element.get("class", "") and len(element) == 1:
        return _noteref(element[0])
    return None


def _prefix_links(body: ET.Element, prefix: str) -> None:
    """Point ``#id`` links at the prefixed ids pandoc gave a chapter of a larger book.

    pandoc's --id-prefix renames the ids but not the links the author wrote to them.
    """
    ids = {element.get("id") for element in body.iter() if element.get("id")}
    for anchor in body.iter("a"):
        href = anchor.get("href", "")
        if href.startswith("#") and href[1:] not in ids and f"{prefix}{href[1:]}" in ids:
            anchor.set("href", f"#{prefix}{href[1:]}")


def _unlink_dead(tree: ET.Element, ids: set[str]) -> None:
    """A link to ``#`` or to an id no edition has becomes plain text (the check reports it).

    Left in place, WeasyPrint resolves a bare ``#`` against its base URL and writes
    a ``file:`` link into the PDF.
    """
    for anchor in tree.iter("a"):
        href = anchor.get("href")
        if href is not None and href.startswith("#") and href[1:] not in ids:
            del anchor.attrib["href"]


def _headings(body: ET.Element) -> list[Heading]:
    headings = []
    for element in body.iter():
        match = _HEADING.match(element.tag)
        if match and element.get("id"):
            text = "".join(element.itertext()).strip()
            headings.append(Heading(element.get("id", ""), int(match.group(1)), text))
    return headings


def _remove_keeping_tail(parent: ET.Element, child: ET.Element) -> None:
    index = list(parent).index(child)
    tail = child.tail or ""
    if index > 0:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(child)


def _strip_trailing_space(element: ET.Element) -> None:
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "").rstrip() or None
    else:
        element.text = (element.text or "").rstrip()
