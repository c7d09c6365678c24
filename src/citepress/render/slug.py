"""A chapter's identifier, from its file name: ids, EPUB file names, id prefixes."""

from __future__ import annotations

import re
from pathlib import Path

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
RESERVED_ID = re.compile(r"^(?:note|noteref)-\d+$")


def reserved_ids(slug: str) -> frozenset[str]:
    """The ids the templates give a chapter besides its notes'."""
    return frozenset({slug, f"{slug}-title", f"{slug}-notes", f"{slug}-notes-title"})
