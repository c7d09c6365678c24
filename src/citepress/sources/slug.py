"""A chapter's identifier, from its file name: ids, EPUB file names, id prefixes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from citepress.sources.tree import looks_like_attr
from citepress.sources.walk import lists

_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]+")
# The EPUB's own files and ids (nav.xhtml, titlepage.xhtml, book.css, package.opf):
# a chapter named nav.md must not become a second nav.xhtml.
RESERVED = frozenset({"nav", "titlepage", "book", "package", "container", "cover", "toc"})


def slug_of(path: str) -> str:
    """A file stem usable as an XML id and a file name: 'chapter-03'."""
    slug = _NOT_NAME.sub("-", Path(path).stem).strip("-") or "chapter"
    return slug if slug[0].isalpha() and slug not in RESERVED else f"ch-{slug}"


# Ids the editions' templates give (notes, note references, chapters): an id the
# manuscript sets to one of these would capture their links. The check reports
# them (md.reserved-id); a forced build drops them.
# pandoc's citeproc puts the bibliography into the element with id "refs" and gives
# its entries ids "ref-KEY": an author's must not take their place.
RESERVED_ID = re.compile(r"^(?:(?:note|noteref|page)-\d+|refs|ref-.*)$")


def reserved_ids(slug: str) -> frozenset[str]:
    """The ids the templates give a chapter besides its notes'."""
    return frozenset(
        {slug, f"{slug}-title", f"{slug}-notes", f"{slug}-notes-title"}
        | {f"{slug}-bibliography", f"{slug}-bibliography-title"}
    )


def clear_reserved_ids(tree: Any) -> None:
    """Empty every id of the tree that RESERVED_ID names, in place, before pandoc sees it.

    The check reports them (md.reserved-id); in a forced build an author's ``refs``
    must not become the place citeproc writes the bibliography.
    """
    for item in lists(tree):
        if looks_like_attr(item) and RESERVED_ID.match(item[0]):
            item[0] = ""
