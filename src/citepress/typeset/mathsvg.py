"""Turn the MathML pandoc writes into SVG images, for the PDF edition only.

pandoc (``--mathml``) writes MathML, which browsers and EPUB readers show but
WeasyPrint does not. Before WeasyPrint lays the page out (and after sanitising),
:func:`replace_math` swaps every ``<math>`` for an ``<img>`` holding an SVG
drawing of it, with the TeX as its alternative text (the PDF is tagged, PDF/UA).

Why ziamath: it is pure Python (MIT, maintained, the STIX Two Math font bundled),
so the build needs no LaTeX, Node or browser; and it reads MathML, so the PDF
shows the very MathML pandoc wrote for the HTML and EPUB editions rather than a
second reading of the TeX by another converter.

Sizing and baseline: ziamath draws at :data:`SIZE` SVG units to the em. The
``<img>`` gets ``width``/``height`` in ``em`` (SVG units divided by :data:`SIZE`)
in a ``style`` attribute, so the math follows the font size of the text around it
at any size (10pt body text gives 10pt math). An inline image sits on the
baseline by its bottom edge, so ``vertical-align`` lowers it by the depth of the
math below its baseline (read off the SVG's ``viewBox``, whose y = 0 is the
baseline): the math's baseline meets the text's. HTML ``width``/``height``
attributes are not used: they are whole CSS pixels, fixed whatever the text size.
Display math gets ``display: block; margin: 0 auto`` (centred on its own line,
as browsers show ``<math display="block">``). A ``style`` attribute is fine here:
these images are made after sanitising, from nothing but ziamath's drawing.

Robustness: what ziamath cannot draw, or should not be asked to, becomes a
``<span class="math-fallback">`` holding the TeX (or the math's text). ziamath
recurses once per level (hence :data:`MAX_DEPTH`), lays out every child of an
``<mrow>`` twice so that nested rows cost 2**depth (hence :data:`MAX_WORK`), and
takes a time growing with sizes given in attributes (hence :data:`MAX_LENGTH`).
"""

from __future__ import annotations

import base64
import functools
import re
import warnings
import xml.etree.ElementTree as ET
from math import isfinite
from typing import NamedTuple

MAX_DEPTH = 60  # refuse MathML nested deeper (ziamath recurses)
MAX_BYTES = 200_000  # refuse MathML longer than this, serialised
# Refuse MathML whose estimated layout work (elements, each counted once per
# re-layout ziamath does of it) exceeds this. A 12-line ``aligned`` block of
# sums, fractions and integrals counts about 10,000 (0.8 s); 50,000 bounds the
# worst case to a few seconds instead of ziamath's 2**depth.
MAX_WORK = 50_000
# ziamath's time grows with the square of a row's text (190,000 characters of
# <mtext> took 506 s); no formula is this long.
MAX_CHARACTERS = 2_000
MAX_LENGTH = 50.0  # refuse lengths (in any unit; 100% counts 1) in attributes above this
MAX_EM = 100.0  # refuse drawings wider or taller than this many em
SIZE = 24.0  # SVG units to the em ziamath draws at (its own default and base size)

MATHML = "{http://www.w3.org/1998/Math/MathML}"
# Not drawn: annotations, and comments (whose tag _local makes "").
_UNDRAWN = frozenset({"annotation", "annotation-xml", ""})
# The elements ziamath knows (others it lays out as <mrow>, with a warning on the
# root logger, so they are renamed <mrow> here).
_KNOWN = frozenset({
    "math", "mi", "mn", "mo", "mtext", "ms", "mspace", "mrow", "mfrac", "msqrt",
    "mroot", "mstyle", "merror", "mpadded", "mphantom", "mfenced", "menclose", "msub",
    "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mprescripts",
    "none", "mtable", "mtr", "mtd",
})  # fmt: skip
# Elements ziamath lays out once, with their children once each.
_ONCE = frozenset({
    "mi", "mn", "mo", "mtext", "ms", "mspace", "mfrac", "msub", "msup", "msubsup",
    "munder", "mover", "munderover", "mmultiscripts", "mprescripts", "none", "mroot",
    "mtable", "mtr", "semantics",
})  # fmt: skip
# All the SVG elements ziamath draws with.
_SVG_TAGS = frozenset({
    "svg", "g", "defs", "symbol", "use", "path", "rect", "line", "polyline", "polygon",
    "circle", "ellipse", "marker", "title",
})  # fmt: skip
_LENGTH = re.compile(
    r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|[-+]?(?:infinity|inf|nan)", re.IGNORECASE
)
_UNIT = re.compile(r"(?:em|ex|px|pt|pc|in|cm|mm|mu|%)?", re.IGNORECASE)
_EXTERNAL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)


class _Drawing(NamedTuple):
    """An SVG drawing of one MathML expression, its size in em."""

    uri: str
    width: float
    height: float
    depth: float  # below the baseline


class _RefusedError(ValueError):
    """The MathML is not to be handed to ziamath."""


def replace_in_document(html: str) -> str:
    """The PDF's HTML with every <math> drawn; HTML without math comes back as it was.

    Runs in the fenced PDF worker (drawing is the slow part, and bounded there by
    the worker's time and memory limits, not in the build's own process).
    """
    if "<math" not in html:
        return html
    import tinyhtml5  # noqa: PLC0415 -- only books with math need it here

    document = tinyhtml5.parse(html, namespace_html_elements=False)
    replace_math(document)
    return "<!DOCTYPE html>\n" + ET.tostring(document, encoding="unicode", method="html")


def replace_math(tree: ET.Element) -> int:
    """Replace every <math> element under ``tree`` (in place) by an <img> holding its SVG as a data: URI; return how many were replaced.

    Math that cannot be drawn becomes ``<span class="math-fallback">`` holding
    its TeX instead (and counts as replaced): this never raises. ``tree`` itself
    is not replaced even if it is a <math> (it has no parent here).
    """  # noqa: E501 -- the one-line summary is the API's own
    found = _find_math(tree)
    for parent, index, math in found:
        replacement = _replacement(math)
        replacement.tail = math.tail
        parent[index] = replacement
    return len(found)


def _find_math(tree: ET.Element) -> list[tuple[ET.Element, int, ET.Element]]:
    """Every outermost <math> under ``tree``: its parent, index there, and itself."""
    found = []
    stack = [tree]
    while stack:
        parent = stack.pop()
        for index, child in enumerate(parent):
            if _local(child.tag) == "math":
                found.append((parent, index, child))
            else:
                stack.append(child)
    return found


def _local(tag: object) -> str:
    """An element's tag without its namespace ('' for comments and the like)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _replacement(math: ET.Element) -> ET.Element:
    """The <img> (or fallback <span>) standing for ``math``."""
    alt = _alt_text(math)
    drawing = _draw(math)
    if drawing is None:
        span = ET.Element("span", {"class": "math-fallback"})
        span.text = alt
        return span
    display = math.get("display") == "block"
    return ET.Element(
        "img",
        {
            "class": "math display" if display else "math inline",
            "src": drawing.uri,
            "alt": alt,
            "style": _style(drawing, display),
        },
    )


def _alt_text(math: ET.Element) -> str:
    """The TeX pandoc kept in an annotation, else the text of the math."""
    for element in math.iter():
        if _local(element.tag) == "annotation" and element.get("encoding") == "application/x-tex":
            return (element.text or "").strip()
    return " ".join("".join(_presentation_text(math)).split())


def _presentation_text(math: ET.Element) -> list[str]:
    """The text of ``math``, leaving out annotations and comments."""
    texts = []
    stack = [math]
    while stack:
        element = stack.pop()
        if _local(element.tag) in _UNDRAWN:
            continue
        texts.append(element.text or "")
        stack.extend(reversed(list(element)))
    return texts


def _style(drawing: _Drawing, display: bool) -> str:
    """The CSS sizing the image in em and setting it on the text's baseline."""
    size = f"width: {_em(drawing.width)}; height: {_em(drawing.height)}"
    if display:
        return f"{size}; display: block; margin: 0 auto"
    return f"{size}; vertical-align: {_em(-drawing.depth)}"


def _em(value: float) -> str:
    """``value`` as a CSS length in em, to a thousandth."""
    return f"{value:.3f}".rstrip("0").rstrip(".") + "em"


def _draw(math: ET.Element) -> _Drawing | None:
    """``math`` drawn, or None where it is refused or ziamath fails on it."""
    if not _within_limits(math):
        return None
    try:
        mathml = ET.tostring(_clean(math), encoding="unicode")
    except Exception:  # _RefusedError, or anything the serialiser objects to
        return None
    if len(mathml.encode()) > MAX_BYTES:
        return None
    return _render(mathml)


def _within_limits(math: ET.Element) -> bool:
    """True if ``math`` is shallow enough and its layout work small enough for ziamath."""
    work = characters = 0
    stack = [(math, 0, 1)]
    while stack:
        element, depth, weight = stack.pop()
        work += weight
        characters += len(element.text or "") if _local(element.tag) not in _UNDRAWN else 0
        if depth > MAX_DEPTH or work > MAX_WORK or characters > MAX_CHARACTERS:
            return False
        inner = weight * _relayouts(element)
        stack.extend((child, depth + 1, inner) for child in _children(element))
    return True


def _relayouts(element: ET.Element) -> int:
    """How many times ziamath lays out each child of ``element`` (over-estimated)."""
    tag = _local(element.tag)
    if tag == "mfenced":
        return 4  # its row is laid out twice, and lays out its children twice
    if tag in ("msqrt", "menclose"):
        return 1 if len(element) == 1 else 2  # more than one child: put in a row
    return 1 if tag in _ONCE else 2  # rows, and whatever ziamath takes for one


def _children(element: ET.Element) -> list[ET.Element]:
    """The children of ``element`` that are drawn (annotations and comments are not)."""
    return [child for child in element if _local(child.tag) not in _UNDRAWN]


def _clean(element: ET.Element) -> ET.Element:
    """A copy of ``element`` that ziamath reads as meant: no namespaces, no annotations.

    Raises _RefusedError for attribute lengths over MAX_LENGTH. Only call on
    elements :func:`_within_limits` accepts: this recurses.
    """
    tag = _local(element.tag)
    attributes = _attributes(element)
    if tag not in _KNOWN or (tag == "mstyle" and not attributes):
        tag = "mrow"  # ziamath's regex flattening <mstyle> eats the tag after a bare one
    copy = ET.Element(tag, attributes)
    copy.text = _minus(tag, element.text)
    for child in _children(element):
        drawn = _presentation(child)
        if drawn is not None:
            copy.append(_clean(drawn))
    return copy


def _presentation(element: ET.Element) -> ET.Element | None:
    """``element``, or for <semantics> the presentation MathML it annotates."""
    while _local(element.tag) == "semantics":
        children = _children(element)
        if not children:
            return None
        element = children[0]
    return element


def _attributes(element: ET.Element) -> dict[str, str]:
    """The element's plain MathML attributes (no xmlns, none in a namespace)."""
    attributes = {}
    for name, value in element.attrib.items():
        if name.startswith("{") or name == "xmlns" or name.startswith("xmlns:"):
            continue
        if any(_too_long(token) for token in value.split()):
            raise _RefusedError(f"{name}={value!r}")
        attributes[name] = value
    return attributes


def _too_long(token: str) -> bool:
    """True if ``token`` is a length (or number) not finite or over MAX_LENGTH."""
    number = _LENGTH.match(token)
    if number is None or not _UNIT.fullmatch(token, number.end()):
        return False
    value = float(number.group())
    if token.endswith("%"):
        value /= 100
    return not isfinite(value) or abs(value) > MAX_LENGTH


def _minus(tag: str, text: str | None) -> str | None:
    """Text with a leading hyphen-minus in <mo>/<mn> made a minus sign.

    ziamath does this only for MathML given as a string, with a regex that
    spans elements on one line (and breaks pandoc's one-line MathML), so it is
    given parsed elements, and this instead.
    """
    if tag in ("mo", "mn") and text and text.lstrip().startswith("-"):
        return text.replace("-", "\N{MINUS SIGN}", 1)
    return text


@functools.lru_cache(maxsize=2048)
def _render(mathml: str) -> _Drawing | None:
    """The drawing of a serialised MathML expression (None if ziamath fails)."""
    try:
        svg = _svg(mathml)
    except Exception:  # ziamath raises about anything on MathML it cannot lay out
        return None
    return _measure(svg)


def _svg(mathml: str) -> ET.Element:
    """The SVG ziamath draws of ``mathml``, as an element."""
    with warnings.catch_warnings():
        # On import ziamath finds its font with importlib.resources.path (deprecated in 3.11).
        warnings.simplefilter("ignore", DeprecationWarning)
        # Its __init__ imports Math without re-exporting it (mypy --strict).
        from ziamath.zmath import Math  # noqa: PLC0415 -- heavy; only the PDF needs it

    # An element, not the string: ziamath's unescaping regexes break strings.
    return Math(ET.fromstring(mathml), size=SIZE).svgxml()


def _measure(svg: ET.Element) -> _Drawing | None:
    """The drawing of ``svg`` with its size in em, or None if odd or not self-contained."""
    try:
        _x, y, width, height = (float(part) / SIZE for part in svg.get("viewBox", "").split())
    except ValueError:
        return None
    depth = y + height  # the baseline is y = 0; the viewBox's bottom edge is y + height
    if not (isfinite(depth) and 0 < width <= MAX_EM and 0 < height <= MAX_EM):
        return None  # nothing drawn (ziamath's empty box is -9999 high), or absurd
    if not _self_contained(svg):
        return None
    data = base64.b64encode(ET.tostring(svg, encoding="utf-8", xml_declaration=False))
    return _Drawing("data:image/svg+xml;base64," + data.decode("ascii"), width, height, depth)


def _self_contained(svg: ET.Element) -> bool:
    """True if ``svg`` holds only drawing elements and refers to nothing outside itself."""
    for element in svg.iter():
        if element.tag not in _SVG_TAGS:
            return False
        for name, value in element.attrib.items():
            if name.endswith("href") and not value.startswith("#"):
                return False
            if _EXTERNAL.search(value):
                return False
    return True
