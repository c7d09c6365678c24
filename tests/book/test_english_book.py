"""An ordinary English book of two chapters, with every feature an author reaches for.

Narrative citations, figures in the four formats, tables, math and Quarto-style
cross-references must reach all three editions (tests/fixtures/english-book), and
the editions must pass EPUBCheck and the Nu Html Checker.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pypdf
import pytest

from citepress import config as project
from citepress.publish import build
from tests import outputs as ed
from tests.conftest import ROOT
from tests.runcli import cli

# Slow (an English book built): not in `make quick`.
pytestmark = pytest.mark.slow

BOOK = ROOT / "tests" / "fixtures" / "english-book"
CHAPTERS = ("ch-01-programs", "ch-02-information")
OPF = "{http://www.idpf.org/2007/opf}"
MATHML = "{http://www.w3.org/1998/Math/MathML}"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("english") / "book"
    shutil.copytree(BOOK, root)
    return root


@pytest.fixture(scope="module")
def built(book: Path) -> dict[str, Path]:
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1764000000"
    try:
        return build.build(project.load(book)).written
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _html(built: dict[str, Path]) -> ET.Element:
    return ed.html_tree(built["html"])


def _epub(built: dict[str, Path], name: str) -> ET.Element:
    with zipfile.ZipFile(built["epub"]) as archive:
        return ET.fromstring(archive.read(f"EPUB/{name}"))


def _text(element: ET.Element) -> str:
    return ed.squeeze("".join(element.itertext()))


def _pdf_text(built: dict[str, Path]) -> str:
    """The PDF's text, squeezed; the hyphens hyphenation put at line ends removed."""
    return ed.squeeze(ed.pdf_text(built["pdf"])).replace("\u2010", "")


def test_the_book_checks_clean(book: Path) -> None:
    done = cli(book, "check")
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith("0 errors, 0 warnings")


def test_the_editions_pass_the_validators(built: dict[str, Path], tmp_path: Path) -> None:
    done = ed.nu_check(built["html"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert ed.epubcheck_report(built["epub"], tmp_path / "report.json")["messages"] == []


def test_narrative_citations_keep_the_author_and_add_the_note(built: dict[str, Path]) -> None:
    """`@knuth1984 introduced` prints the name the style gives, then the note."""
    # Chicago gives the full name the first time, the surname after (as in its notes).
    wanted = ["DonaldE.Knuth1introduced", "Knuth2saysaprogram"]
    suppressed = "wasnotnewinprint,3"  # [-@knuth1984]: the note alone, after the comma
    html = _text(_html(built))
    epub = _text(_epub(built, f"{CHAPTERS[0]}.xhtml"))
    pdf = _pdf_text(built)
    for text in (html, epub, pdf):
        assert all(w in text for w in wanted), text[:400]
        assert suppressed in text


def _notes(root: ET.Element, ns: str = "") -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for section in root.iter(f"{ns}section"):
        if section.get("class") == "chapter":
            items = [li for li in section.iter(f"{ns}li") if li.get("class") == "note"]
            found[section.get("id", "")] = [_text(li) for li in items]
    return found


def test_the_notes_are_the_same_in_every_edition(built: dict[str, Path]) -> None:
    html = _notes(_html(built))
    epub: dict[str, list[str]] = {}
    for slug in CHAPTERS:
        epub.update(_notes(_epub(built, f"{slug}.xhtml"), ed.XHTML))
    assert html == epub
    assert [len(html[slug]) for slug in CHAPTERS] == [4, 2]
    # pdftotext joins a word broken at its hyphen ("Addison-/Wesley") without it.
    pdf = _pdf_text(built).replace("-", "")
    for notes in html.values():
        for note in notes:
            assert note.replace("-", "") in pdf


def test_figures_in_every_edition(built: dict[str, Path]) -> None:
    captions = [
        "Figure1.1:Aprogramanditsdocumentation,wovenfromonesource.",
        "Figure2.1:Acommunicationchannel.",
        "Figure2.2:Noise,photographed.",
        "Figure2.3:AWebPimage.",
    ]
    html = _html(built)
    images = list(html.iter("img"))
    kinds = sorted(re.match(r"data:([^;]+);base64,", i.get("src", "")).group(1) for i in images)  # type: ignore[union-attr]
    assert kinds == ["image/jpeg", "image/png", "image/svg+xml", "image/webp"]
    assert images[0].get("alt") == "Two boxes, source and document, joined by an arrow."
    assert [_text(c) for c in html.iter("figcaption")] == captions
    pdf = _pdf_text(built)
    assert all(caption in pdf for caption in captions)
    listed = subprocess.run(
        ["pdfimages", "-list", str(built["pdf"])], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(listed) >= 3  # the PNG, the JPEG and the WebP (the SVG is drawn as vectors)


def test_the_epub_packages_every_image_in_its_manifest(built: dict[str, Path]) -> None:
    package = _epub(built, "package.opf")
    items = {i.get("href"): i.get("media-type") for i in package.iter(f"{OPF}item")}
    shown = set()
    for slug in CHAPTERS:
        shown |= {i.get("src") for i in _epub(built, f"{slug}.xhtml").iter(f"{ed.XHTML}img")}
    assert shown and all((items.get(src) or "").startswith("image/") for src in shown)
    media = sorted(str(items[src]) for src in shown)
    assert media == ["image/jpeg", "image/png", "image/svg+xml", "image/webp"]
    with zipfile.ZipFile(built["epub"]) as archive:
        assert all(f"EPUB/{src}" in archive.namelist() for src in shown)
    mathml = [i.get("id") for i in package.iter(f"{OPF}item") if i.get("properties") == "mathml"]
    assert mathml == [CHAPTERS[1]]


def test_tables_are_captioned_and_numbered(built: dict[str, Path]) -> None:
    captions = ["Table1.1:Knuth’stwotools", "Table2.1:Entropyofequallylikelysymbols"]
    assert [_text(c) for c in _html(built).iter("caption")] == captions
    epub = [
        _text(c) for s in CHAPTERS for c in _epub(built, f"{s}.xhtml").iter(f"{ed.XHTML}caption")
    ]
    assert epub == captions
    assert all(caption in _pdf_text(built) for caption in captions)


def test_math_is_mathml_on_screen_and_drawn_in_the_pdf(built: dict[str, Path]) -> None:
    maths = list(_html(built).iter(f"{MATHML}math"))
    assert [m.get("display") for m in maths] == ["block", "inline"]
    tex = "".join(next(maths[0].iter(f"{MATHML}annotation")).itertext()).strip()
    assert tex == r"H = -\sum_{i=1}^{n} p_i \log_2 p_i"
    epub = _epub(built, f"{CHAPTERS[1]}.xhtml")
    assert len(list(epub.iter(f"{MATHML}math"))) == 2
    pdf = _pdf_text(built)
    assert "(2.1)" in pdf and "H=" not in pdf  # numbered; drawn, not printed as TeX
    alts = _pdf_alt_texts(built["pdf"])
    assert tex in alts and "H = 1" in alts


def _pdf_alt_texts(path: Path) -> list[str]:
    """Every /Alt of the PDF's structure tree (PDF/UA: what a screen reader says)."""
    reader = pypdf.PdfReader(path)
    found: list[str] = []
    root = reader.trailer["/Root"].get_object()
    stack: list[Any] = [root["/StructTreeRoot"]]  # type: ignore[index]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, pypdf.generic.ArrayObject):
            stack.extend(node)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/Alt" in node:
                found.append(str(node["/Alt"]).strip())
            if "/K" in node:
                stack.append(node["/K"])
    return found


def test_cross_references_are_numbered_links_in_every_edition(built: dict[str, Path]) -> None:
    html = {_label(a): a.get("href") for a in _html(built).iter("a") if a.get("class") == "xref"}
    assert html == {
        "Figure 1.1": "#ch-01-programs-fig-weave",
        "Table 1.1": "#ch-01-programs-tbl-tools",
        "Section 2.1": "#ch-02-information-sec-information",
        "Figure 2.1": "#ch-02-information-fig-channel",
        "Section 1.1": "#ch-01-programs-sec-literate",
        "Equation (2.1)": "#ch-02-information-eq-entropy",
        "Figure 2.2": "#ch-02-information-fig-noise",
        "Table 2.1": "#ch-02-information-tbl-entropy",
    }
    first = _epub(built, f"{CHAPTERS[0]}.xhtml")
    links = {
        _label(a): a.get("href") for a in first.iter(f"{ed.XHTML}a") if a.get("class") == "xref"
    }
    assert links["Section 2.1"] == "ch-02-information.xhtml#ch-02-information-sec-information"
    assert links["Figure 1.1"] == "#ch-01-programs-fig-weave"
    pdf = _pdf_text(built)
    assert "Figure1.1showsthetwooutputs;Table1.1liststhetools,andSection2.1" in pdf
    assert _internal_links(built["pdf"]) >= 11 + 6  # the references and the notes' markers


def _label(anchor: ET.Element) -> str:
    """A reference's text; "Figure" and its number are joined by a no-break space."""
    assert "\xa0" in (anchor.text or "")
    return (anchor.text or "").replace("\xa0", " ")


def _internal_links(path: Path) -> int:
    reader = pypdf.PdfReader(path)
    count = 0
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link" and "/Dest" in annotation:
                count += 1
    return count


def test_sections_are_numbered_when_asked(built: dict[str, Path]) -> None:
    headings = [
        _text(h) for h in _html(built).iter("h2") if h.get("id", "").endswith("sec-literate")
    ]
    assert headings == ["1.1Literateprogramming"]


def test_the_bibliography_closes_each_chapter_in_every_edition(built: dict[str, Path]) -> None:
    html = [s for s in _html(built).iter("section") if s.get("class") == "bibliography"]
    assert [_text(s.find("h2")) for s in html] == ["References", "References"]  # type: ignore[arg-type]
    entries = [len([d for d in s.iter("div") if d.get("class") == "csl-entry"]) for s in html]
    assert entries == [2, 2]
    epub = _epub(built, f"{CHAPTERS[0]}.xhtml")
    assert any(s.get("class") == "bibliography" for s in epub.iter(f"{ed.XHTML}section"))
    assert _pdf_text(built).count("References") == 2


def test_a_link_to_another_chapter_lands_in_every_edition(built: dict[str, Path]) -> None:
    """`[the next chapter](#sec-information)` is no broken link: the id is in the book."""
    html = [a.get("href") for a in _html(built).iter("a") if a.text == "the next chapter"]
    assert html == ["#ch-02-information-sec-information"]
    first = _epub(built, f"{CHAPTERS[0]}.xhtml")
    epub = [a.get("href") for a in first.iter(f"{ed.XHTML}a") if a.text == "the next chapter"]
    assert epub == ["ch-02-information.xhtml#ch-02-information-sec-information"]


def test_the_books_language_sets_strings_markers_and_fonts(built: dict[str, Path]) -> None:
    """lang: en prints English headings and notes marked by numerals, in a Latin serif."""
    html = _html(built)
    assert [_text(h) for h in html.iter("h2") if h.get("class") == "notes-title"] == ["Notes"] * 2
    assert _text(next(h for h in html.iter("h2") if h.get("id") == "toc-title")) == "Contents"
    marker = next(a for a in html.iter("a") if a.get("class") == "noteref")
    label = next(a for a in html.iter("a") if a.get("class") == "note-label")
    assert (marker.text, label.text) == ("1", "1.")
    assert label.get("aria-label") == "Back to note 1 in the text"
    nav = _text(_epub(built, "nav.xhtml"))
    assert "Contents" in nav and "Notes(ProgramsasLiterature)" in nav and "目次" not in nav
    summary = next(
        m.text or "" for m in _epub(built, "package.opf").iter(f"{OPF}meta")
        if m.get("property") == "schema:accessibilitySummary"
    )  # fmt: skip
    assert summary.startswith("This publication has headings")
    fonts = subprocess.run(
        ["pdffonts", str(built["pdf"])], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"\+Noto-Serif\s", fonts)  # Noto Serif itself, not only Noto Serif CJK
