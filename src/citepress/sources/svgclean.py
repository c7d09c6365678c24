"""SVG figures from strangers, made safe to embed in the HTML, EPUB and PDF editions.

An author's SVG arrives in a pull request and ends up inside an ``<img>`` data: URI,
an EPUB and WeasyPrint's renderer, so it must carry no script, no event handler, no
``<foreignObject>`` and no reference to anything outside itself. The allowlist is
Cloudflare's svg-hush (``py_svg_hush``), a maintained filter that knows which SVG
elements and attributes are harmless; writing our own allowlist would be worse.

svg-hush alone is not enough, which is why a second pass follows it:

* It rewrites external URLs rather than removing them: ``href="http://evil/x.png"``
  becomes ``href="/x.png"``, ``xlink:href="file:///etc/passwd#a"`` becomes
  ``href="/etc/passwd#a"``, ``fill="url(http://x/y#g)"`` becomes ``url(/y#g)``, and a
  relative ``href="pic.png"`` or CSS ``url(f.woff)`` is kept as it is. WeasyPrint
  resolves such paths against the page, so the second pass removes every ``href`` or
  ``src`` that is not a same-document ``#fragment``, every attribute whose value
  holds ``url(`` other than ``url(#...)`` (or ``image(``, ``image-set(``, ``src(``,
  ``@import`` or a CSS backslash escape, which can spell any of these), and every
  ``<style>`` element whose text does.
* It does not refuse every DTD: a plain ``<!DOCTYPE svg PUBLIC ...>`` (which
  matplotlib writes) is dropped, an internal entity reference is an error, but an
  external entity declaration is accepted and its reference silently emptied. The
  input is therefore read first with expat, refusing any internal DTD subset (so no
  entity is ever declared, let alone expanded) and never loading an external one;
  the same reader, not a bare ``xml.etree`` parse, then reads svg-hush's output.
* It ignores the encoding declaration (ISO-8859-1 text comes out as mojibake), so
  only UTF-8 (or ASCII) input is accepted.
* It accepts any root element and any nesting depth, and its pretty-printer indents
  every level (output grows with depth times element count), so the root must be an
  SVG ``<svg>`` and size, depth and element count are bounded before it runs.
* Its pretty-printer puts newlines and indentation between elements, including
  between adjacent ``<tspan>`` elements (which then render with a space between them),
  and it drops ``xml:space`` and ``xml:lang``. Walking the input and the output side
  by side restores the author's whitespace between elements and those two attributes
  (validated; neither can reference anything).

``Cleaned.removed`` tells the author what was taken out, by comparing the input with
what survived. Decisions, so that an ordinary figure gets no warning:

* SVG elements that are gone are reported as ``"<name>"`` (only the outermost one of
  a removed subtree). ``<title>`` and ``<desc>`` are author content (svg-hush keeps
  them); ``<metadata>``, which svg-hush drops, is not reported: it is never drawn, and
  every matplotlib or Inkscape file has one.
* Attributes with no namespace, XLink attributes (by local name: svg-hush turns
  ``xlink:href`` into ``href``, which is not a loss) and ``xml:`` attributes are
  reported as ``"attribute name"`` when dropped, or as ``"external reference in
  name"`` when the value referred outside the document (also when svg-hush had
  already dropped it, as it does with ``javascript:`` and ``data:`` URLs, and when
  it left a mangled remnant such as the text after a removed ``@import``).
* Elements and attributes in other namespaces (Inkscape, Sodipodi, RDF, Illustrator)
  are editor bookkeeping that no renderer draws, so they are not reported; nor are
  comments, processing instructions, the DOCTYPE, namespace declarations or
  whitespace.
* svg-hush deletes non-ASCII characters from some attribute values (``id``,
  ``class``, ``font-family``, ``aria-label``, quoted strings in ``style``): a
  Japanese font name becomes empty and ``id="図1"`` becomes ``id="1"``. That is
  reported as ``"non-ASCII text in attribute name"``; restoring it would mean
  trusting our own checks over svg-hush's for those values.

``<set>``/``<animate>`` that target ``href`` lose their ``attributeName`` in svg-hush
and so are inert; their ``to``/``values`` text is left alone.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

import py_svg_hush

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 100
# svg-hush indents each element by its depth, so its output grows with depth times
# element count; this bounds that product (real figures stay far below it).
MAX_ELEMENTS = 200_000

_SVG = f"{{{SVG_NS}}}"
_STYLE = f"{_SVG}style"
_REFERENCE_ATTRIBUTES = frozenset({"href", "src"})
_FRAGMENT = re.compile(r"#\S*")
# Anything in CSS (presentation attributes are CSS too) that can fetch: url() not to a
# fragment, @import, image()/image-set()/src(), and backslash escapes that can spell
# them (u\72l). Possessive quantifiers keep the scan linear on long whitespace runs.
_CSS_FETCH = re.compile(r"""url\(\s*+(?!['"]?\s*+#)|@import|image(?:-set)?\(|src\(|\\""", re.I)
# Attributes svg-hush drops that are safe to put back, with the values they may take.
_RESTORABLE = {
    f"{{{XML_NS}}}space": re.compile(r"default|preserve"),
    f"{{{XML_NS}}}lang": re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*"),
}
_UTF8_ENCODINGS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


class SvgError(Exception):
    """The SVG cannot be read (not well-formed XML, too large, too deep, not an <svg> root)."""


@dataclass(frozen=True)
class Cleaned:
    """A sanitised SVG and what was taken out of it.

    ``data`` is UTF-8 XML. ``removed`` is sorted and deduplicated, human readable
    (``"<script>"``, ``"attribute onload"``, ``"external reference in href"``, ...),
    and empty when nothing the author wrote was lost.
    """

    data: bytes
    removed: tuple[str, ...]


def clean(data: bytes) -> Cleaned:
    """Sanitise an untrusted SVG; raise SvgError if it cannot be read as an SVG."""
    # Only the input is measured: svg-hush's indentation can make its output larger,
    # but the depth and element limits bound that.
    if len(data) > MAX_BYTES:
        raise SvgError(f"the SVG is larger than {MAX_BYTES // (1024 * 1024)} MB")
    original = _read(data)
    try:
        hushed = py_svg_hush.filter_svg(data)
    except ValueError as exc:
        raise SvgError(f"the SVG cannot be read: {exc}") from None
    result = _read(hushed, output=True)
    removed: set[str] = set()
    _compare(original, result, removed)
    _strip_external(result, removed)
    _check_expansion(result)  # also refuses duplicate ids
    return Cleaned(_serialise(result), tuple(sorted(removed)))


# <use> draws what it refers to: eight levels of ten <use> each draw 10**8 shapes
# from 1 KB, which would hold the PDF renderer until its time limit.
MAX_DRAWN = 100_000


def _check_expansion(root: ET.Element[Any]) -> None:
    """SvgError when the drawing, with every <use> expanded, has past MAX_DRAWN elements."""
    ids = _ids(root)
    drawn: dict[int, int] = {}
    path: set[int] = set()
    stack: list[tuple[ET.Element[Any], bool]] = [(root, False)]
    while stack:
        element, finished = stack.pop()
        key = id(element)
        if finished:
            path.discard(key)
            total = 1 + sum(drawn[id(part)] for part in _parts(element, ids))
            drawn[key] = min(total, MAX_DRAWN + 1)
            continue
        if key in drawn:
            continue
        path.add(key)
        stack.append((element, True))
        for part in _parts(element, ids):
            if id(part) in path:
                raise SvgError("a <use> refers to an element that contains it")
            if id(part) not in drawn:
                stack.append((part, False))
    if drawn[id(root)] > MAX_DRAWN:
        raise SvgError(f"with its <use> references expanded, it draws over {MAX_DRAWN} shapes")


def _ids(root: ET.Element[Any]) -> dict[str | None, ET.Element[Any]]:
    """Every element with an id; SvgError for an id given twice."""
    ids: dict[str | None, ET.Element[Any]] = {}
    for element in root.iter():
        ident = element.get("id")
        if ident and ident in ids:
            # Renderers differ on which one a reference means: refuse, not guess.
            raise SvgError(f"the SVG gives the id {ident[:40]!r} to two elements")
        if ident:
            ids[ident] = element
    return ids


def _parts(element: ET.Element[Any], ids: dict[str | None, ET.Element[Any]]) -> list[Any]:
    """What drawing ``element`` may draw: its children, and every element it refers to.

    A <use> draws its target; markers, patterns, masks, clip paths, filters and
    gradients are drawn from url(#id) references: all count.
    """
    parts = list(element)
    for value in element.attrib.values():
        for match in _REFERENCE.finditer(value):
            ident = match.group(1) or match.group(2)
            if ident in ids:
                parts.append(ids[ident])
    return parts


# href="#id" (the whole value), or url(#id) anywhere in a value (fill, marker-end, style…).
_REFERENCE = re.compile(r"^#([^\s)'\"]{1,200})$|url\(\s*['\"]?#([^\s)'\"]{1,200})")


class _Reader:
    """Builds an ElementTree from bytes with expat, refusing what defusedxml would.

    expat is driven directly (not through ``xml.etree``'s C parser, which hides its
    handlers) so that a DTD internal subset or an entity declaration is refused as
    soon as it is seen, before anything is expanded, and so that depth and element
    count are checked while reading rather than after a huge tree is built.
    """

    def __init__(self) -> None:
        self._builder = ET.TreeBuilder()
        self._depth = 0
        self._count = 0
        parser = expat.ParserCreate(namespace_separator="}")
        # Never read an external DTD or parameter entity (expat's default, made explicit).
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.buffer_text = True
        parser.XmlDeclHandler = self._xml_declaration
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._builder.data
        self._parser = parser

    def read(self, data: bytes) -> ET.Element[Any]:
        try:
            self._parser.Parse(data, True)
        except expat.ExpatError as exc:
            message = expat.errors.messages[exc.code]
            raise SvgError(
                f"the SVG is not well-formed XML: {message} (line {exc.lineno}, "
                f"column {exc.offset + 1})"
            ) from None
        return self._builder.close()

    def _xml_declaration(self, version: str, encoding: str | None, standalone: int) -> None:
        # svg-hush decodes everything as UTF-8 whatever the declaration says.
        if encoding is not None and encoding.lower() not in _UTF8_ENCODINGS:
            raise SvgError(f"the SVG is encoded as {encoding}; save it as UTF-8")

    def _doctype(self, name: str, system: str | None, public: str | None, subset: bool) -> None:
        # A plain DOCTYPE naming the SVG DTD is harmless (expat does not fetch it);
        # an internal subset is where entities (XML bombs, file inclusion) live.
        if subset:
            raise SvgError("the SVG has a DTD internal subset (<!DOCTYPE ... [...]>)")

    def _entity(self, name: str, *_: object) -> None:
        raise SvgError(f"the SVG declares an entity ({name})")

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self._depth += 1
        self._count += 1
        if self._depth > MAX_DEPTH:
            raise SvgError(f"the SVG nests more than {MAX_DEPTH} levels deep")
        if self._count > MAX_ELEMENTS:
            raise SvgError(f"the SVG has more than {MAX_ELEMENTS} elements")
        self._builder.start(_qualify(name), {_qualify(k): v for k, v in attributes.items()})

    def _end(self, name: str) -> None:
        self._depth -= 1
        self._builder.end(_qualify(name))


def _qualify(name: str) -> str:
    """Turn expat's ``uri}local`` into as ElementTree's ``{uri}local``."""
    return "{" + name if "}" in name else name


def _read(data: bytes, *, output: bool = False) -> ET.Element[Any]:
    """Parse input (or svg-hush's output) within bounds; the root must be SVG <svg>."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise SvgError("the SVG is not UTF-8 text") from None
    root = _Reader().read(data)
    if output and root.tag == "svg":
        # svg-hush writes a prefixed <svg:svg> input without any namespace; the input
        # root was checked to be SVG, so put the namespace back.
        for element in root.iter():
            if not element.tag.startswith("{"):
                element.tag = _SVG + element.tag
    if root.tag != f"{_SVG}svg":
        raise SvgError(f"the root element is {root.tag!r}, not an SVG <svg> (xmlns={SVG_NS})")
    return root


def _compare(original: ET.Element[Any], hushed: ET.Element[Any], removed: set[str]) -> None:
    """Walk the input and svg-hush's output side by side, reporting and repairing.

    svg-hush only removes elements, so the output's children are a subsequence of the
    input's, matched in order by tag. If matching ever fails the walk stops for that
    subtree: the report may miss something there, but ``_strip_external`` still checks
    the whole output.
    """
    _restore(original, hushed)
    _compare_attributes(original, hushed, removed)
    inputs = iter(original)
    for child in list(hushed):
        source = _next_match(inputs, child.tag, removed)
        if source is None:
            return
        if _is_blank(child.tail) and _is_blank(source.tail):
            child.tail = source.tail
        if source.tag == _STYLE and _CSS_FETCH.search(source.text or ""):
            # Also catches what svg-hush mangled but kept (the tail of an @import).
            hushed.remove(child)
            removed.add("<style> with external reference")
            continue
        _compare(source, child, removed)
    for rest in inputs:
        _report_element(rest, removed)


def _next_match(
    inputs: Iterator[ET.Element[Any]], tag: str, removed: set[str]
) -> ET.Element[Any] | None:
    """The next input element with this tag; those skipped were removed by svg-hush."""
    for element in inputs:
        if element.tag == tag:
            return element
        _report_element(element, removed)
    return None


def _report_element(element: ET.Element[Any], removed: set[str]) -> None:
    # Other namespaces are editor data, and <metadata> (licence, RDF) is never drawn
    # either: every Inkscape or matplotlib figure would warn for nothing.
    if element.tag.startswith(_SVG) and element.tag != f"{_SVG}metadata":
        removed.add(f"<{element.tag[len(_SVG) :]}>")


def _restore(original: ET.Element[Any], hushed: ET.Element[Any]) -> None:
    """Undo svg-hush's formatting: the author's whitespace, xml:space and xml:lang."""
    if _is_blank(hushed.text) and _is_blank(original.text):
        hushed.text = original.text
    for name, allowed in _RESTORABLE.items():
        value = original.get(name)
        if value is not None and name not in hushed.attrib and allowed.fullmatch(value):
            hushed.set(name, value)


def _is_blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _compare_attributes(
    original: ET.Element[Any], hushed: ET.Element[Any], removed: set[str]
) -> None:
    """Report dropped or altered attributes; remove remnants of external references."""
    survivors = {_report_name(key): key for key in hushed.attrib}
    for key, value in original.attrib.items():
        name = _report_name(key)
        if name is None:
            continue
        kept = survivors.get(name)
        external = _is_external(name, value)
        if kept is None or external:
            removed.add(f"external reference in {name}" if external else f"attribute {name}")
            if kept is not None:
                del hushed.attrib[kept]
        elif not value.isascii() and hushed.attrib[kept] != value:
            removed.add(f"non-ASCII text in attribute {name}")


def _report_name(key: str) -> str | None:
    """How an attribute is named in the report; None for editor namespaces."""
    if not key.startswith("{"):
        return key
    namespace, local = key[1:].split("}", 1)
    if namespace == XLINK_NS:
        return local
    if namespace == XML_NS:
        return f"xml:{local}"
    return None


def _is_external(name: str, value: str) -> bool:
    """Whether an attribute value refers to anything outside the document."""
    reference = name.rpartition(":")[2] in _REFERENCE_ATTRIBUTES
    if reference and not _FRAGMENT.fullmatch(value.strip()):
        return True
    return _CSS_FETCH.search(value) is not None


def _strip_external(root: ET.Element[Any], removed: set[str]) -> None:
    """The guarantee: no external reference survives, whatever the comparison matched."""
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == _STYLE and _CSS_FETCH.search(child.text or ""):
                parent.remove(child)
                removed.add("<style> with external reference")
        for key in list(parent.attrib):
            local = key.rpartition("}")[2]
            if _is_external(local, parent.attrib[key]):
                del parent.attrib[key]
                removed.add(f"external reference in {local}")


def _serialise(root: ET.Element[Any]) -> bytes:
    """UTF-8 XML with SVG as the default namespace (not ``ns0:``), without global state.

    ``ET.register_namespace`` would change every later serialisation in the process,
    and ``default_namespace=`` refuses unprefixed attributes, so the tags are written
    unqualified under an explicit ``xmlns``.
    """
    for element in root.iter():
        if element.tag.startswith(_SVG):
            element.tag = element.tag[len(_SVG) :]
    root.attrib = {"xmlns": SVG_NS, **root.attrib}
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data
