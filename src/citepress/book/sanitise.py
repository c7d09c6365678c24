"""Sanitise the HTML pandoc makes of a manuscript, before any of it is marked safe.

The manuscript may hold raw HTML (pandoc passes it through), so everything pandoc
returns is cleaned with nh3 (Ammonia) against an allowlist (sources/allowlist.py):
text structure, tables, MathML and the book's own images only. No script or style
(their content goes too), no event handlers, no ``style`` attributes (but an
image's width), no embedded objects, images only from the book's packaged files
(nothing the PDF renderer would fetch), and links only to fragments in the book or
to http(s)/mailto addresses. The check reports each removal (md.dropped).
"""

from __future__ import annotations

import nh3

from citepress.sources.allowlist import (
    ATTRIBUTES,
    CLEAN_CONTENT,
    MATH_TAGS,
    TAGS,
    URL_SCHEMES,
    kept_attribute,
)


def clean(html: str) -> str:
    """Return ``html`` with everything outside the allowlist removed."""
    return nh3.clean(
        html,
        tags=TAGS | MATH_TAGS,
        clean_content_tags=CLEAN_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_keep_attribute,
        link_rel=None,
        strip_comments=True,
    )


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    return value if kept_attribute(tag, attribute, value) else None
