"""Turn the HTML pandoc made of one chapter into a Chapter of the document model.

pandoc's HTML is sanitised first (sanitise.py); only then is it parsed, and the
pieces pandoc generated are replaced by ours: each note reference becomes a
（注N） marker linking to its note, and the endnote section becomes the list of
Notes the templates lay out. A note reference the manuscript forged in raw HTML
points at no note pandoc made and is left as plain text.
"""

from __future__ import annotations

import functools
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import tinyhtml5

from citepress.book import html5fix, sanitise, treejson
from citepress.book.model import CHAPTER_ATTRIBUTE, Fragment, Heading, Note
from citepress.book.strings import fill
from citepress.book.units import tie
from citepress.ground import store
from citepress.ground.memo import OFF, Memo
from citepress.sources import allowlist
from citepress.sources.images import ImageFile
from citepress.sources.slug import RESERVED_ID

MATHML = "{http://www.w3.org/1998/Math/MathML}"
_HEADING = re.compile(r"^h([1-6])$")


@dataclass(frozen=True)
class Ids:
    """How a chapter's ids are named in the editions.

    ``nonce`` is the id prefix pandoc was given: only its own notes section, note
    links and bibliography carry it (raw HTML cannot), and it is replaced by
    ``prefix`` (the chapter's slug in a book of several). ``elsewhere`` maps the
    ids of the book's other chapters to their chapter's slug.
    """

    prefix: str = ""
    nonce: str = ""
    reserved: frozenset[str] = frozenset()
    elsewhere: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    """A chapter's body, headings, notes and bibliography, as the editions take them."""

    body: Fragment
    headings: list[Heading]
    notes: list[Note]
    bibliography: Fragment | None


def parse(
    html: str,
    ids: Ids,
    images: dict[str, ImageFile],
    strings: dict[str, str],
    memo: Memo = OFF,
) -> Parsed:
    """Split a pandoc HTML fragment into body, headings, notes and bibliography.

    ``strings`` is the book's catalogue (book/strings.py): what a note's marker,
    label and link back read. ``memo``: the build's (its parsed trees are kept).
    """
    body = _clean_tree(html, memo)
    notes_section = _take(body, f"{ids.nonce}footnotes")
    refs = _take(body, f"{ids.nonce}refs")
    notes: list[Note] = []
    if notes_section is not None:
        items = _note_items(notes_section, body, ids.nonce)
        notes = _notes(items, ids.prefix, images, strings)
    _drop_reserved_ids(body, ids.nonce, ids.reserved)
    _link_noterefs(body, {f"#{ids.nonce}fn{note.number}": note for note in notes})
    bibliography = _bibliography(refs, ids, images) if refs is not None else None
    _rename(body, ids.nonce, ids.prefix)
    if ids.prefix:
        _prefix_links(body, ids.prefix, ids.elsewhere)
    own = {e.get("id", "") for e in body.iter() if e.get("id")} | {n.ident for n in notes}
    trees = [body, *(note.body.element for note in notes)]
    for tree in trees:
        _unlink_dead(tree, own)
        _drop_unknown_images(tree, images)
    tie(body)  # 「2000年の５月」 never splits between ５ and 月 in the text either
    return Parsed(Fragment(body, images), _headings(body), notes, bibliography)


def _bibliography(refs: ET.Element, ids: Ids, images: dict[str, ImageFile]) -> Fragment:
    _rename(refs, ids.nonce, ids.prefix)
    _drop_unknown_images(refs, images)
    refs.attrib.clear()
    refs.tag = "div"
    return Fragment(refs, images)


def _drop_unknown_images(body: ET.Element, images: dict[str, ImageFile]) -> None:
    """An <img> that is not one of the book's images (the check reported it) goes."""
    for parent in list(body.iter()):
        for child in list(parent):
            if child.tag == "img" and child.get("src", "") not in images:
                _remove_keeping_tail(parent, child)


def _clean_tree(html: str, memo: Memo) -> ET.Element:
    """``html`` sanitised and parsed; kept by the build (ground/memo), as pandoc's runs are."""
    run = memo.key([_parser()], html)
    kept = memo.get(run)
    tree = treejson.load(kept) if kept is not None else None
    if tree is None:
        tree = _parse_fragment(sanitise.clean(html))
        dumped = treejson.dump(tree)
        if dumped is not None:
            memo.put(run, dumped)
    return tree


@functools.cache
def _parser() -> str:
    """What the tree of some HTML depends on: this code, the allowlist's, the parsers'."""
    digest = hashlib.sha256(treejson.FORMAT.encode())
    for module in (allowlist, sanitise, treejson):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(Path(__file__).read_bytes())
    versions = store.tool_versions()
    digest.update(f"{versions.get('nh3')} {versions.get('tinyhtml5')}".encode())
    return f"--citepress-tree={digest.hexdigest()}"


def _parse_fragment(html: str) -> ET.Element:
    html5fix.apply()
    document = tinyhtml5.parse(
        f"<!DOCTYPE html><html><body>{html}</body></html>", namespace_html_elements=False
    )
    body: ET.Element | None = document.find("body")
    assert body is not None  # the HTML parser always makes one
    body.tag = "div"
    _plain_mathml(body)
    return body


def _plain_mathml(body: ET.Element) -> None:
    """MathML elements under their plain names, as HTML writes them (no ns0: prefixes).

    The EPUB's XHTML declares the namespace again on each <math> (model.Fragment).
    """
    for element in body.iter():
        if element.tag.startswith(MATHML):
            element.tag = element.tag.removeprefix(MATHML)
            for name in [n for n in element.attrib if n.startswith("{")]:
                del element.attrib[name]


def _take(body: ET.Element, ident: str) -> ET.Element | None:
    """Pandoc's endnote section or bibliography, taken out of the body, by pandoc's own id.

    An unclosed raw <section> in the manuscript can swallow it, so it is looked
    for anywhere, by the id only pandoc could give it.
    """
    for parent in body.iter():
        for child in parent:
            if child.tag in ("section", "div") and child.get("id") == ident:
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


def _note_items(section: ET.Element, body: ET.Element, nonce: str) -> list[ET.Element]:
    """Pandoc's notes 1, 2, 3… by the ids only pandoc could give them, wherever they are.

    Not the children of the notes' list: markup that moved an item out of it, or put
    one of its own in, must not change which text is which note.
    """
    found = {e.get("id"): e for tree in (section, body) for e in tree.iter("li") if e.get("id")}
    items: list[ET.Element] = []
    while (item := found.get(f"{nonce}fn{len(items) + 1}")) is not None:
        items.append(item)
    return items


def _notes(
    items: list[ET.Element], prefix: str, images: dict[str, ImageFile], marks: dict[str, str]
) -> list[Note]:
    notes = []
    for number, item in enumerate(items, start=1):
        for parent in item.iter():
            for back in [c for c in parent if "footnote-back" in c.get("class", "")]:
                _remove_keeping_tail(parent, back)
        paragraphs = list(item)
        # One paragraph and nothing else (no text before or after it): the note is
        # inline, its label runs into it. Otherwise every part of it is kept.
        alone = len(paragraphs) == 1 and paragraphs[0].tag == "p"
        bare = not (item.text or "").strip() and not (paragraphs[0].tail or "").strip()
        inline = alone and bare
        content = paragraphs[0] if inline else item
        content.tag = "div"
        content.attrib.clear()
        _strip_trailing_space(content)
        tie(content)  # 「2001年５月」 never splits between ５ and 月
        marker = fill(marks["note-marker"], str(number))
        notes.append(
            Note(
                number=number,
                ident=f"{prefix}note-{number}",
                ref_ident=f"{prefix}noteref-{number}",
                marker=marker,
                body=Fragment(content, images),
                block=not inline,
                label=fill(marks["note-label"], str(number)),
                back=fill(marks["back-to-text"], str(number), marker=marker),
            )
        )
    return notes


def _link_noterefs(body: ET.Element, by_href: dict[str, Note]) -> None:
    """Replace pandoc's note references with our markers.

    A citation that prints nothing in the text (``[@key]``) is a span holding just
    the reference: the span goes too. A narrative citation (``@key says``) keeps
    what the style prints in the text, the author, and the marker follows it.
    """
    for parent in list(body.iter()):
        for index, child in enumerate(list(parent)):
            anchor = _noteref(child)
            if anchor is not None and anchor.get("href", "") in by_href:
                _put_marker(parent, index, child, by_href[anchor.get("href", "")])
            elif _is_citation(child):
                for inner, item in enumerate(list(child)):
                    note = by_href.get(item.get("href", "")) if _is_ref(item) else None
                    if note is not None:
                        _put_marker(child, inner, item, note)


def _put_marker(parent: ET.Element, index: int, old: ET.Element, note: Note) -> None:
    marker = ET.Element(
        "a",
        {"class": "noteref", "href": f"#{note.ident}", "id": note.ref_ident,
         "role": "doc-noteref"},
    )  # fmt: skip
    marker.text = note.marker
    marker.tail = old.tail
    parent.remove(old)
    parent.insert(index, marker)


def _is_ref(element: ET.Element) -> bool:
    return element.tag == "a" and "footnote-ref" in element.get("class", "")


def _is_citation(element: ET.Element) -> bool:
    return element.tag == "span" and "citation" in element.get("class", "").split()


def _noteref(element: ET.Element) -> ET.Element | None:
    """The pandoc note reference this element is, or wraps alone (a citation span)."""
    if _is_ref(element):
        return element
    if _is_citation(element) and len(element) == 1 and not (element.text or "").strip():
        return _noteref(element[0])
    return None


def _prefix_links(body: ET.Element, prefix: str, elsewhere: dict[str, str]) -> None:
    """Point ``#id`` links at the prefixed ids pandoc gave the chapters of a larger book.

    pandoc's --id-prefix renames the ids but not the links the author wrote to them.
    A link to another chapter's id is marked with that chapter (``data-chapter``): the
    EPUB, one file per chapter, links to that file.
    """
    ids = {element.get("id") for element in body.iter() if element.get("id")}
    for anchor in body.iter("a"):
        href = anchor.get("href", "")
        target = href[1:]
        if not href.startswith("#") or target in ids:
            continue
        if f"{prefix}{target}" in ids:
            anchor.set("href", f"#{prefix}{target}")
            continue
        # pandoc gave the link our nonce, renamed to the prefix: the author wrote the rest.
        target = target.removeprefix(prefix)
        if target in elsewhere:
            anchor.set("href", f"#{elsewhere[target]}-{target}")
            anchor.set(CHAPTER_ATTRIBUTE, elsewhere[target])


def _unlink_dead(tree: ET.Element, ids: set[str]) -> None:
    """A link to ``#`` or to an id no edition has becomes plain text (the check reports it).

    Left in place, WeasyPrint resolves a bare ``#`` against its base URL and writes
    a ``file:`` link into the PDF.
    """
    for anchor in tree.iter("a"):
        href = anchor.get("href")
        elsewhere = anchor.get(CHAPTER_ATTRIBUTE) is not None
        if href is not None and href.startswith("#") and href[1:] not in ids and not elsewhere:
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
