"""Sanitise the HTML pandoc makes of a manuscript, before any of it is marked safe.

The manuscript may hold raw HTML (pandoc passes it through), so everything pandoc
returns is cleaned with nh3 (Ammonia) against an allowlist: text structure only.
No script or style (their content goes too), no event handlers, no ``style``
attributes, no images or embedded objects (nothing the PDF renderer would fetch),
and links only to fragments in the book or to http(s)/mailto addresses (a
relative link to a file would point at nothing in an edition, so it is dropped).
"""

from __future__ import annotations

import nh3

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s",
    "samp", "section", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
# Dropped with everything inside them, not just unwrapped.
CLEAN_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "svg", "math"}
ATTRIBUTES = {
    "*": {"id", "class", "lang", "title"},
    "a": {"href", "role"},
    "section": {"role"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "span": {"data-cites"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def clean(html: str) -> str:
    """Return ``html`` with everything outside the allowlist removed."""
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=CLEAN_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_keep_attribute,
        link_rel=None,
        strip_comments=True,
    )


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop relative links that leave the book: they point at nothing in any edition."""
    if attribute == "href" and not value.startswith("#") and ":" not in value:
        return None
    return value
