"""The one pandoc pass: every chapter to HTML, citations to endnotes, into a Book."""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citepress.book import citekeys, csl, document, pictures, strings, templates, xref
from citepress.book.errors import RenderError
from citepress.book.model import Book, Chapter
from citepress.config import BCP47, Settings, edition_time
from citepress.ground import pandoc, pandocbatch
from citepress.ground.memo import OFF, Memo
from citepress.sources import cslstyle, rawhtml, styles
from citepress.sources.bib import Bibliography, inherit
from citepress.sources.images import Images
from citepress.sources.manuscript import Manuscript
from citepress.sources.slug import clear_reserved_ids, reserved_ids, slug_of


def book(
    settings: Settings,
    docs: list[Manuscript],
    bib: Bibliography,
    images: Images | None = None,
    memo: Memo = OFF,
) -> Book:
    """Convert the checked manuscripts into the document model of every edition.

    ``memo``: the build's; pandoc's runs and the parsed chapters are kept in it.
    """
    lang = styles.book_language(settings, docs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # pandoc reads the bibliography (a process of its own) while the trees are made.
        items = pool.submit(_items, bib, lang, settings.annotations, memo)
        chapters, printer = _chapters(settings, docs, bib, images or {}, lang, items, memo)
    _place_editors_note(chapters, editors_note(settings.editors_note, bib, printer.strings))
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
        publisher=settings.book.get("publisher", ""),
        date=settings.book.get("date", ""),
    )


def _chapters(
    settings: Settings,
    docs: list[Manuscript],
    bib: Bibliography,
    images: Images,
    lang: str,
    items: Future[list[dict[str, Any]]],
    memo: Memo,
) -> tuple[list[Chapter], xref.Printer]:
    """Every chapter rendered, a pandoc process per core for them all; and the numbers."""
    trees = [(slug_of(doc.path), json.loads(doc.tree_json())) for doc in docs]
    printer = xref.Printer(
        strings.catalogue(settings.templates, lang),
        xref.number(trees),
        settings.number_sections,
    )
    anchors = _anchors(docs)
    with tempfile.TemporaryDirectory(prefix="citepress-") as tmp:
        cited = _styles(settings, docs, lang, Path(tmp))
        references = Path(tmp) / "references.json"
        keys = bib.by_key()
        job = Job(
            aliases=inherit.aliases(keys),
            sets=inherit.sets(keys),
            styles=cited,
            references=references,
            prefix=len(docs) > 1,
            printer=printer,
            anchors=anchors,
            images=images,
            memo=memo,
            lang=lang,
        )
        prepared = [job.prepare(doc, tree) for doc, (_, tree) in zip(docs, trees, strict=True)]
        references.write_text(json.dumps(items.result(), ensure_ascii=False), encoding="utf-8")
        runs = [job.pandoc_job(doc, text) for doc, text in zip(docs, prepared, strict=True)]
        htmls = pandocbatch.run_all(runs, memo=memo)
        chapters = [
            job.chapter(doc, text, html)
            for doc, text, html in zip(docs, prepared, htmls, strict=True)
        ]
    return chapters, printer


def _items(bib: Bibliography, lang: str, annotations: bool, memo: Memo) -> list[dict[str, Any]]:
    """The CSL JSON items citeproc reads; remembered by a build for the same files."""

    def made() -> tuple[list[dict[str, Any]], bool]:
        found = csl.items(bib, pandoc.bibtex_to_csl(csl.bibtex(bib), memo), lang, annotations)
        return found, bool(bib.digest)

    return memo.recall(("csl-items",), (bib.digest, lang, str(annotations)), made)


# Where a note's marker goes beside a full stop or a comma, by the chapter's language.
# Japanese and Chinese set it before the sentence's punctuation （注1）。, as the
# author wrote it; English and the other languages after it: "volume.¹" (Chicago
# 14.26, and pandoc's default). CSL has no option for it: citeproc places notes as
# pandoc's notes-after-punctuation says.
MARKER_BEFORE_PUNCTUATION = frozenset({"ja", "zh"})


def notes_after_punctuation(lang: str) -> bool:
    """Whether a note's marker moves after the punctuation that follows it."""
    return lang.split("-")[0].lower() not in MARKER_BEFORE_PUNCTUATION


def _place_editors_note(chapters: list[Chapter], paragraphs: list[str]) -> None:
    """The note explains the notes: it heads the first chapter's notes (or bibliography)."""
    for chapter in chapters:
        if chapter.notes or chapter.bibliography is not None:
            chapter.editors_note = paragraphs
            return


def editors_note(
    setting: str | bool | None, bib: Bibliography, catalogue: dict[str, str]
) -> list[str]:
    """The editor's note's paragraphs: the project's text, or the default, or none.

    By default (and with ``true``) the catalogue's text, which says how incomplete
    entries print, whenever an entry declares fields ``missing``: a reader must not
    take a reconstructed note for a complete citation.
    """
    if setting is False:
        return []
    if isinstance(setting, str):
        text = setting
    elif setting or any(entry.missing for entry in bib.entries):
        text = catalogue["editors-note-default"]
    else:
        return []
    return [" ".join(part.split()) for part in text.split("\n\n") if part.strip()]


def _anchors(docs: list[Manuscript]) -> dict[str, str]:
    """Every id of the book and the slug of the (first) chapter that has it."""
    found: dict[str, str] = {}
    for doc in docs:
        for ident in sorted(doc.anchors):
            found.setdefault(ident, slug_of(doc.path))
    return found


@dataclass(frozen=True)
class Cited:
    """A chapter's style as pandoc gets it: our checked copy, what kind, a bibliography."""

    path: Path
    note: bool  # citations make notes (a note style); else they print in the text
    bibliography: bool


def _chapter_style(settings: Settings, doc: Manuscript, lang: str) -> styles.Style:
    """The chapter's style; in a forced build, the book's when the chapter's is refused."""
    try:
        return styles.for_chapter(
            settings.templates, settings.root, doc.front_matter, lang, settings.csl
        )
    except styles.StyleNotFound:  # the check reported it (md.front-matter)
        return styles.choose(settings.templates, settings.root, lang, settings.csl)


def _styles(settings: Settings, docs: list[Manuscript], lang: str, tmp: Path) -> dict[str, Cited]:
    """Each chapter's style, prepared once per style: pandoc never reads the original."""
    prepared: dict[Path, Cited] = {}
    found: dict[str, Cited] = {}
    for doc in docs:
        try:
            style = _chapter_style(settings, doc, lang)
            if style.path not in prepared:
                dest = tmp / f"style-{len(prepared)}"
                dest.mkdir()
                note = styles.style_class(style) != "in-text"
                wanted = settings.bibliography_section
                printed = wanted if wanted is not None else not note
                copy = cslstyle.prepare(style.folder, style.path, dest, printed)
                prepared[style.path] = Cited(copy, note, printed)
        except (styles.StyleNotFound, cslstyle.StyleError) as exc:
            raise templates.TemplateError(f"{doc.path}: {exc}") from None
        found[doc.path] = prepared[style.path]
    return found


@dataclass(frozen=True)
class Job:
    """What converting any chapter of the book needs."""

    aliases: dict[str, str]  # biblatex ids
    sets: dict[str, list[str]]  # @set members
    styles: dict[str, Cited]  # by chapter
    references: Path
    prefix: bool
    printer: xref.Printer
    anchors: dict[str, str]
    images: Images
    memo: Memo  # the build's: pandoc's runs and the parsed chapters are kept in it
    lang: str  # the book's language: a chapter's own, when it gives one, wins

    def prepare(self, doc: Manuscript, tree: dict[str, Any]) -> str:
        """The tree pandoc renders, as JSON: numbers and cross-references printed, images named.

        The tree is the check's (its metadata replaced by ours: a manuscript cannot
        steer pandoc). Done in turn, before any chapter is rendered: the numbers know
        their elements by identity (book/xref.py).
        """
        rawhtml.neutralise(tree)
        citekeys.resolve(tree, self.aliases, self.sets)
        clear_reserved_ids(tree)
        xref.apply(tree, self.printer)
        pictures.apply(tree, self.images.get(doc.path, {}))
        return json.dumps(tree, ensure_ascii=False)

    def pandoc_job(self, doc: Manuscript, text: str) -> pandocbatch.Job:
        """The pandoc run that renders a prepared tree as HTML, its citations by citeproc."""
        cited = self.styles[doc.path]
        lang = str(doc.front_matter.get("lang") or "")
        lang = lang if BCP47.match(lang) else ""
        after = notes_after_punctuation(lang or self.lang)
        return pandocbatch.html_job(
            text, cited.path, self.references, _nonce(text), cited.bibliography, lang, after
        )

    def chapter(self, doc: Manuscript, text: str, html: str | Exception) -> Chapter:
        """The chapter from pandoc's HTML; ids get its slug as prefix in a book of several."""
        if isinstance(html, Exception):
            raise html
        front = doc.front_matter
        slug = slug_of(doc.path)
        mine = self.images.get(doc.path, {})
        nonce = _nonce(text)
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
            self.memo,
        )
        counted = doc.notes if self.styles[doc.path].note else doc.footnotes
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


def _nonce(text: str) -> str:
    """The id prefix pandoc gets: its own ids (the notes section, note links) carry it.

    A hash of the tree itself, which the manuscript cannot know: raw HTML written to
    look like pandoc's notes (<section class="footnotes">…) is never taken for them.
    """
    return f"p{hashlib.sha256(text.encode()).hexdigest()[:16]}-"


def identifier(title: str, author: str) -> str:
    """A stable identifier: the same title and author give the same URN, build after build."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'citepress:{author}:{title}')}"


def modified() -> str:
    """The edition's timestamp, ISO 8601 UTC to the second (dcterms:modified)."""
    return edition_time().strftime("%Y-%m-%dT%H:%M:%SZ")
