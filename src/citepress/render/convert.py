"""The one pandoc pass: every chapter to HTML, citations to endnotes, into a Book."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from citepress.config import Settings, edition_time
from citepress.render import csl, cslstyle, document, pandoc, templates
from citepress.render.model import Book, Chapter
from citepress.render.slug import reserved_ids, slug_of
from citepress.sources.bib import Bibliography
from citepress.sources.manuscript import Manuscript

CSL_STYLE = "csl/citepress-note-ja.csl"


def book(settings: Settings, docs: list[Manuscript], bib: Bibliography) -> Book:
    """Convert the checked manuscripts into the document model of every edition."""
    folder, found = templates.locate(settings.templates, CSL_STYLE)
    lang = str(docs[0].front_matter.get("lang", "ja")) if docs else "ja"
    items = csl.items(bib, pandoc.bibtex_to_csl(csl.bibtex(bib)), lang)
    with tempfile.TemporaryDirectory(prefix="citepress-") as tmp:
        # pandoc reads our checked copy of the style, never the project's file.
        try:
            style = cslstyle.prepare(folder, found, Path(tmp))
        except cslstyle.StyleError as exc:
            raise templates.TemplateError(str(exc)) from None
        references = Path(tmp) / "references.json"
        references.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        # pandoc runs as a subprocess, so threads convert chapters side by side.
        with ThreadPoolExecutor(max_workers=max(1, min(len(docs), os.cpu_count() or 1))) as pool:
            convert = partial(chapter, style=style, references=references, prefix=len(docs) > 1)
            chapters = list(pool.map(convert, docs))
    first = chapters[0] if chapters else None
    title = settings.book.get("title") or (first.title if first else "")
    author = settings.book.get("author") or (first.author if first else "")
    return Book(
        title=title,
        author=author,
        lang=settings.book.get("lang") or lang,
        identifier=settings.book.get("identifier") or identifier(title, author),
        modified=modified(),
        chapters=chapters,
    )


def chapter(doc: Manuscript, style: Path, references: Path, prefix: bool) -> Chapter:
    """Convert one chapter; ids get the chapter's slug as prefix in a book of several."""
    front = doc.front_matter
    slug = slug_of(doc.path)
    # The tree the check read, with its metadata replaced by ours: a manuscript
    # cannot steer pandoc (bibliography, csl, citation-abbreviations, lang…).
    tree = doc.tree_json()
    # pandoc's own ids (its notes section, note links) carry a prefix the manuscript
    # cannot know: a hash of the tree itself. Raw HTML written to look like pandoc's
    # notes (<section class="footnotes">…) is then never taken for them.
    nonce = f"p{hashlib.sha256(tree.encode()).hexdigest()[:16]}-"
    html = pandoc.json_to_html(tree, style, references, nonce)
    fragment, headings, notes = document.parse(
        html, f"{slug}-" if prefix else "", nonce, reserved_ids(slug)
    )
    return Chapter(
        slug=slug,
        source=doc.path,
        title=str(front.get("title", "")),
        label=str(front.get("chapter-label", "")),
        author=str(front.get("author", "")),
        lang=str(front.get("lang", "ja")),
        body=fragment,
        headings=headings,
        notes=notes,
    )


def identifier(title: str, author: str) -> str:
    """A stable identifier: the same title and author give the same URN, build after build."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'citepress:{author}:{title}')}"


def modified() -> str:
    """The edition's timestamp, ISO 8601 UTC to the second (dcterms:modified)."""
    return edition_time().strftime("%Y-%m-%dT%H:%M:%SZ")
