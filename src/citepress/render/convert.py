"""The one pandoc pass: every chapter to HTML, citations to endnotes, into a Book."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citepress.config import Settings, edition_time
from citepress.render import csl, cslstyle, document, pandoc, pictures, strings, templates, xref
from citepress.render.errors import RenderError
from citepress.render.model import Book, Chapter
from citepress.render.slug import clear_reserved_ids, reserved_ids, slug_of
from citepress.sources import rawhtml
from citepress.sources.bib import Bibliography
from citepress.sources.images import Images
from citepress.sources.manuscript import Manuscript

CSL_STYLE = "csl/citepress-note-ja.csl"


def book(
    settings: Settings, docs: list[Manuscript], bib: Bibliography, images: Images | None = None
) -> Book:
    """Convert the checked manuscripts into the document model of every edition."""
    folder, found = templates.locate(settings.templates, CSL_STYLE)
    lang = language(settings, docs)
    items = csl.items(bib, pandoc.bibtex_to_csl(csl.bibtex(bib)), lang)
    trees = [(slug_of(doc.path), json.loads(doc.tree_json())) for doc in docs]
    printer = xref.Printer(
        strings.catalogue(settings.templates, lang),
        xref.number(trees),
        settings.number_sections,
    )
    anchors = _anchors(docs)
    with tempfile.TemporaryDirectory(prefix="citepress-") as tmp:
        # pandoc reads our checked copy of the style, never the project's file.
        try:
            style = cslstyle.prepare(folder, found, Path(tmp))
        except cslstyle.StyleError as exc:
            raise templates.TemplateError(str(exc)) from None
        references = Path(tmp) / "references.json"
        references.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        job = Job(
            style=style,
            references=references,
            prefix=len(docs) > 1,
            printer=printer,
            anchors=anchors,
            images=images or {},
            bibliography=_bibliography(settings.bibliography_section, style),
            note_style=cslstyle.style_class(style) == "note",
        )
        # pandoc runs as a subprocess, so threads convert chapters side by side.
        with ThreadPoolExecutor(max_workers=max(1, min(len(docs), os.cpu_count() or 1))) as pool:
            chapters = list(pool.map(job.chapter, docs, [tree for _, tree in trees]))
    first = chapters[0] if chapters else None
    title = settings.book.get("title") or (first.title if first else "")
    author = settings.book.get("author") or (first.author if first else "")
    return Book(
        title=title,
        author=author,
        lang=lang,
        identifier=settings.book.get("identifier") or identifier(title, author),
        modified=modified(),
        chapters=chapters,
        strings=printer.strings,
    )


def language(settings: Settings, docs: list[Manuscript]) -> str:
    """The book's language: the book file's, else the project's, else the first chapter's."""
    first = str(docs[0].front_matter.get("lang", "")) if docs else ""
    return settings.book.get("lang") or settings.lang or first or "ja"


def _anchors(docs: list[Manuscript]) -> dict[str, str]:
    """Every id of the book and the slug of the (first) chapter that has it."""
    found: dict[str, str] = {}
    for doc in docs:
        for ident in sorted(doc.anchors):
            found.setdefault(ident, slug_of(doc.path))
    return found


def _bibliography(setting: bool | None, style: Path) -> bool:
    """Print a bibliography: as set, else when the style cites author-date (in-text)."""
    return setting if setting is not None else cslstyle.style_class(style) == "in-text"


@dataclass(frozen=True)
class Job:
    """What converting any chapter of the book needs."""

    style: Path
    references: Path
    prefix: bool
    printer: xref.Printer
    anchors: dict[str, str]
    images: Images
    bibliography: bool
    note_style: bool  # citations make notes (an author-date style makes none)

    def chapter(self, doc: Manuscript, tree: dict[str, Any]) -> Chapter:
        """Convert one chapter; ids get the chapter's slug as prefix in a book of several."""
        front = doc.front_matter
        slug = slug_of(doc.path)
        # The tree the check read (its metadata replaced by ours: a manuscript cannot
        # steer pandoc), with numbers and cross-references printed and images named.
        rawhtml.neutralise(tree)
        clear_reserved_ids(tree)
        xref.apply(tree, self.printer)
        mine = self.images.get(doc.path, {})
        pictures.apply(tree, mine)
        text = json.dumps(tree, ensure_ascii=False)
        # pandoc's own ids (its notes section, note links) carry a prefix the manuscript
        # cannot know: a hash of the tree itself. Raw HTML written to look like pandoc's
        # notes (<section class="footnotes">…) is then never taken for them.
        nonce = f"p{hashlib.sha256(text.encode()).hexdigest()[:16]}-"
        html = pandoc.json_to_html(text, self.style, self.references, nonce, self.bibliography)
        parsed = document.parse(
            html,
            document.Ids(
                prefix=f"{slug}-" if self.prefix else "",
                nonce=nonce,
                reserved=reserved_ids(slug),
                elsewhere={k: v for k, v in self.anchors.items() if v != slug},
            ),
            {image.name: image for image in mine.values()},
            self.printer.strings,
        )
        counted = doc.notes if self.note_style else doc.footnotes
        if doc.complete and len(parsed.notes) != counted:
            # The check counted these notes; an edition must hold every one.
            raise RenderError(
                f"{doc.path}: the editions would hold {len(parsed.notes)} notes where the "
                f"check counted {counted}; nothing is published (please report this)"
            )
        return Chapter(
            slug=slug,
            source=doc.path,
            title=str(front.get("title", "")),
            label=str(front.get("chapter-label", "")),
            author=str(front.get("author", "")),
            lang=str(front.get("lang", "ja")),
            body=parsed.body,
            headings=parsed.headings,
            notes=parsed.notes,
            bibliography=parsed.bibliography,
        )


def identifier(title: str, author: str) -> str:
    """A stable identifier: the same title and author give the same URN, build after build."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'citepress:{author}:{title}')}"


def modified() -> str:
    """The edition's timestamp, ISO 8601 UTC to the second (dcterms:modified)."""
    return edition_time().strftime("%Y-%m-%dT%H:%M:%SZ")
