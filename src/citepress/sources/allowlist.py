"""What the editions keep of the HTML pandoc writes: the sanitiser's allowlist.

Kept apart from the sanitiser (which loads nh3) so that the check, which reports
what the sanitiser will remove (md.dropped), reads the same lists without
loading an HTML stack.
"""

from __future__ import annotations

import re

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt",
    "ruby", "s", "samp", "section", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
# MathML as pandoc's --mathml writes it (texmath): presentation markup, no links.
MATH_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
    "msub", "msup", "msubsup", "munder", "mover", "munderover", "mfrac", "msqrt", "mroot",
    "mstyle", "merror", "mpadded", "mphantom", "mfenced", "menclose", "mtable", "mtr",
    "mtd", "mlabeledtr", "mmultiscripts", "mprescripts", "none",
}  # fmt: skip
# Dropped with everything inside them, not just unwrapped.
CLEAN_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "svg"}
_MATH_ATTRIBUTES = {
    "display", "xmlns", "mathvariant", "stretchy", "fence", "separator", "form", "lspace",
    "rspace", "accent", "accentunder", "movablelimits", "largeop", "symmetric", "minsize",
    "maxsize", "width", "height", "depth", "linethickness", "columnalign", "rowalign",
    "columnspacing", "rowspacing", "displaystyle", "scriptlevel", "encoding", "notation",
    "open", "close", "separators", "columnlines", "rowlines", "frame",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"id", "class", "lang", "title"},
    "a": {"href", "role"},
    "section": {"role"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "span": {"data-cites"},
    "img": {"src", "alt", "style", "width", "height"},
    **{tag: _MATH_ATTRIBUTES for tag in MATH_TAGS},
}
URL_SCHEMES = {"http", "https", "mailto"}
# An image is kept only as one of the book's own, packaged files (see sources/images).
IMAGE_SRC = re.compile(r"^images/[0-9a-f]{16}\.(?:png|jpg|webp|svg)$")
# pandoc writes an image's width=50% as this style; no other style is kept.
IMAGE_STYLE = re.compile(r"^(?:width|height):\d{1,3}(?:\.\d{1,3})?%$")
_SIZE = re.compile(r"^\d{1,5}$")


def kept_link(url: str) -> bool:
    """True for the link targets the editions keep: ``#id`` and http(s)/mailto URLs."""
    if url.startswith("#"):
        return True
    scheme, colon, _ = url.partition(":")
    return bool(colon) and scheme.lower() in URL_SCHEMES


def kept_attribute(tag: str, attribute: str, value: str) -> bool:
    """True when the sanitiser keeps ``attribute="value"`` on ``tag``."""
    allowed = ATTRIBUTES.get(tag, set()) | ATTRIBUTES["*"]
    if attribute not in allowed:
        return False
    if attribute == "href":
        return kept_link(value)
    if tag == "img":
        return _kept_image_attribute(attribute, value)
    return True


def _kept_image_attribute(attribute: str, value: str) -> bool:
    if attribute == "src":
        return bool(IMAGE_SRC.match(value))
    if attribute == "style":
        return bool(IMAGE_STYLE.match(value.replace(" ", "")))
    if attribute in ("width", "height"):
        return bool(_SIZE.match(value))
    return True
