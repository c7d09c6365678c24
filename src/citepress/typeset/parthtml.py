"""The HTML of a book's parts, edited where a part is laid out alone (typeset/pdfparts.py).

A part is the PDF template's HTML for the front matter or one chapter. Laid out alone,
it gets pages before it (so that none of its pages is the document's ``:first``) and
a stand-in for the next chapter's opening after it (so that its last page, and any
blank verso, are what the book laid out whole has). These functions find where those
go: case-insensitively, as HTML is, and None where a template's HTML has no such
place (the book is then laid out whole).
"""

from __future__ import annotations

import re

NEXT = "cp-next"  # the id of the next chapter's stand-in
_BODY = re.compile(r"<body\b[^>]*>", re.I)
_HEAD_END = re.compile(r"</head\s*>", re.I)
_BODY_END = re.compile(r"</body\s*>", re.I)
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)\b([^>]*)>")
_ID = re.compile(r"""\sid\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)


def body_start(html: str) -> int | None:
    """Where the body's content begins (after ``<body …>``), or None."""
    found = _BODY.search(html)
    return found.end() if found else None


def head_end(html: str) -> int | None:
    """Where ``</head>`` is, or None (the tag is optional in HTML: then no part)."""
    found = _HEAD_END.search(html)
    return found.start() if found else None


def body_end(html: str) -> int | None:
    """Where the last ``</body>`` is, or None."""
    at = None
    for found in _BODY_END.finditer(html):
        at = found.start()
    return at


def insert(html: str, at: int | None, text: str) -> str:
    """``html`` with ``text`` inserted at ``at`` (which :func:`splittable` vouched for)."""
    if at is None:
        raise ValueError("no place to insert into this part")
    return html[:at] + text + html[at:]


def splittable(html: str) -> bool:
    """Whether a part's HTML has the places a part's layout inserts into."""
    return None not in (body_start(html), head_end(html), body_end(html))


def stand_in(html: str) -> str | None:
    """An empty copy of the part's first element (its chapter), named ``cp-next``.

    It carries the element's own classes and style, so it breaks the page as that
    chapter does (``break-before: right``, say): placed after the chapter before it,
    it makes that chapter end where it ends in the book.
    """
    at = body_start(html)
    if at is None:
        return None
    at = _skip_space_and_comments(html, at)
    found = _TAG.match(html, at)
    if found is None:
        return None
    name, attributes = found.group(1), _ID.sub("", found.group(2)).rstrip("/")
    return f'<{name}{attributes} id="{NEXT}"></{name}>'


def _skip_space_and_comments(html: str, at: int) -> int:
    while True:
        while at < len(html) and html[at].isspace():
            at += 1
        if not html.startswith("<!--", at):
            return at
        end = html.find("-->", at + 4)
        if end < 0:
            return len(html)
        at = end + 3


def body_tag(html: str) -> int:
    """Where ``<body`` begins (a template without one is not split: see splittable)."""
    found = _BODY.search(html)
    if found is None:
        raise ValueError("no <body> in this part")
    return found.start()
