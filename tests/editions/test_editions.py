"""Whole-build tests on the real chapter: the three editions, read back."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection
from pypdf import PdfReader

from citepress.sources import bib as bibliography
from tests import outputs as ed
from tests.conftest import BIB, EPOCH, ROOT

# Slow (the chapter's editions, EPUBCheck and the Nu checker (Java)): not in `make quick`.
pytestmark = pytest.mark.slow

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
NOTES = 31


def _annotations() -> list[str]:
    bib, _ = bibliography.load(ROOT, [(BIB, "bib/chapter-03.bib")])
    return [entry.fields["annotation"] for entry in bib.entries]


def test_the_same_31_notes_in_every_edition(editions: dict[str, Path]) -> None:
    html = ed.html_notes(editions["html"])
    assert [number for number, _ in html] == list(range(1, NOTES + 1))
    assert ed.epub_notes(editions["epub"]) == html
    assert ed.pdf_notes(editions["pdf"]) == html
    # Note N says what the Nth entry records: the right note under the right number.
    for (number, text), annotation in zip(html, _annotations(), strict=True):
        assert ed.squeeze(annotation) in text, number


def test_markers_in_reading_order_in_every_edition(editions: dict[str, Path]) -> None:
    expected = list(range(1, NOTES + 1))
    assert ed.html_markers(editions["html"]) == expected
    assert ed.epub_markers(editions["epub"]) == expected
    assert ed.pdf_markers(editions["pdf"]) == expected


def test_incomplete_sources_say_so_in_the_note(editions: dict[str, Path]) -> None:
    notes = dict(ed.html_notes(editions["html"]))
    assert notes[1].endswith("〔未詳：著者、題名、媒体、日付〕")
    # 2002-01? in the .bib: uncertain is never shown as exact
    assert "2002年１月（推定）" in notes[12]
    assert notes[12].startswith("『イズヴェスチヤ』")


def test_html_links_notes_both_ways_with_dpub_aria(editions: dict[str, Path]) -> None:
    tree = ed.html_tree(editions["html"])
    assert tree.get("lang") == "ja"
    assert tree.find(".//nav[@role='doc-toc']") is not None
    assert len(tree.findall(".//section[@role='doc-endnotes']")) == 1
    ids = {element.get("id") for element in tree.iter() if element.get("id")}
    refs = tree.findall(".//a[@role='doc-noteref']")
    backs = tree.findall(".//a[@role='doc-backlink']")
    assert len(refs) == len(backs) == NOTES
    for n, (ref, back) in enumerate(zip(refs, backs, strict=True), start=1):
        assert (ref.get("href"), ref.get("id")) == (f"#note-{n}", f"noteref-{n}")
        assert back.get("href") == f"#noteref-{n}"
        assert f"note-{n}" in ids


def test_html_is_standalone(editions: dict[str, Path]) -> None:
    tree = ed.html_tree(editions["html"])
    assert tree.find(".//link") is None and tree.find(".//script") is None
    assert "font-family" in "".join(tree.find(".//style").itertext())  # type: ignore[union-attr]


def test_html_passes_the_nu_checker(editions: dict[str, Path], tmp_path: Path) -> None:
    done = ed.nu_check(editions["html"])
    assert done.returncode == 0, done.stdout + done.stderr
    # The same checker fails on the edition once broken: it is really looking.
    broken = tmp_path / "broken.html"
    broken.write_text(
        editions["html"].read_text(encoding="utf-8").replace("<main>", "<main><p><div>")
    )
    assert ed.nu_check(broken).returncode != 0


def test_epub_passes_epubcheck_without_warnings(editions: dict[str, Path], tmp_path: Path) -> None:
    data = ed.epubcheck_report(editions["epub"], tmp_path / "report.json")
    assert data["checker"]["checkerVersion"].startswith("5.3")
    assert data["messages"] == []
    assert data["publication"]["language"] == "ja"


def test_epub_notes_link_both_ways(editions: dict[str, Path]) -> None:
    chapter = ed.epub_chapter(editions["epub"])
    ids = {element.get("id") for element in chapter.iter() if element.get("id")}
    anchors = list(chapter.iter(f"{ed.XHTML}a"))
    refs = [a for a in anchors if a.get(ed.EPUB_TYPE) == "noteref"]
    backs = [a for a in anchors if a.get("role") == "doc-backlink"]
    assert [a.get("href") for a in refs] == [f"#note-{n}" for n in range(1, NOTES + 1)]
    assert [a.get("href") for a in backs] == [f"#noteref-{n}" for n in range(1, NOTES + 1)]
    assert {f"note-{n}" for n in range(1, NOTES + 1)} <= ids
    assert {f"noteref-{n}" for n in range(1, NOTES + 1)} <= ids


def test_epub_container_and_metadata(editions: dict[str, Path]) -> None:
    with zipfile.ZipFile(editions["epub"]) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        opf = ET.fromstring(archive.read("EPUB/package.opf"))
    meta = opf.find(f"{OPF}metadata")
    assert meta is not None
    assert meta.findtext(f"{DC}title") == "米ロ関係と中央アジア"
    assert meta.findtext(f"{DC}creator") == "松井 弘明"
    assert meta.findtext(f"{DC}language") == "ja"
    assert (meta.findtext(f"{DC}identifier") or "").startswith("urn:uuid:")
    properties = {m.get("property"): m.text for m in meta.iter(f"{OPF}meta")}
    assert properties["dcterms:modified"] == "2025-11-24T16:00:00Z"  # from SOURCE_DATE_EPOCH
    for name in ("accessMode", "accessibilityFeature", "accessibilityHazard"):
        assert properties[f"schema:{name}"]
    assert properties["schema:accessibilitySummary"]


def test_epub_navigation_has_every_heading_and_landmarks(editions: dict[str, Path]) -> None:
    nav = ed.epub_chapter(editions["epub"], "EPUB/nav.xhtml")
    navs = {n.get(ed.EPUB_TYPE): n for n in nav.iter(f"{ed.XHTML}nav")}
    toc = ["".join(a.itertext()) for a in navs["toc"].iter(f"{ed.XHTML}a")]
    chapter = ed.epub_chapter(editions["epub"])
    headings = [
        "".join(h.itertext()).strip()
        for h in chapter.iter()
        if h.tag in (f"{ed.XHTML}h2", f"{ed.XHTML}h3")
    ]
    assert toc == ["第三章 米ロ関係と中央アジア", *headings]
    landmarks = {a.get(ed.EPUB_TYPE) for a in navs["landmarks"].iter(f"{ed.XHTML}a")}
    assert landmarks == {"cover", "toc", "bodymatter", "endnotes"}


def _pdffonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:]]


def test_pdf_fonts_are_noto_cjk_embedded_and_subset(editions: dict[str, Path]) -> None:
    rows = _pdffonts(editions["pdf"])
    assert rows
    for row in rows:
        name, emb, sub = row[0], row[-5], row[-4]
        assert "+Noto-S" in name and "CJK-JP" in name, name
        assert (emb, sub) == ("yes", "yes"), row


def _cmap(path: str, family: str) -> set[int]:
    for font in TTCollection(path).fonts:
        if font["name"].getDebugName(1) == family:
            return set(font.getBestCmap())
    raise AssertionError(f"{family} not in {path}")


def test_every_character_has_a_glyph_in_the_embedded_fonts(editions: dict[str, Path]) -> None:
    text = "".join(ed.html_tree(editions["html"]).find(".//main").itertext())  # type: ignore[union-attr]
    needed = {ord(c) for c in text if not c.isspace()} - {0x2060}
    fonts = "/usr/share/fonts/opentype/noto/"
    for path, family in [
        ("NotoSerifCJK-Regular.ttc", "Noto Serif CJK JP"),
        ("NotoSansCJK-Regular.ttc", "Noto Sans CJK JP"),
        ("NotoSansCJK-Bold.ttc", "Noto Sans CJK JP"),
    ]:
        missing = needed - _cmap(fonts + path, family)
        assert not missing, (family, "".join(map(chr, sorted(missing))))


def test_pdf_text_extracts_in_reading_order(editions: dict[str, Path]) -> None:
    main = ed.html_tree(editions["html"]).find(".//main")
    assert main is not None
    for parent in main.iter():  # the contents, which the HTML shows after the title
        for nav in parent.findall("nav"):
            parent.remove(nav)
    # The body ends at the notes' heading 注, followed by the editor's note (編注).
    body_html = ed.squeeze("".join(main.itertext())).split("注編注")[0]
    body_pdf = ed.squeeze(ed.pdf_body_and_notes(editions["pdf"])[0])
    assert body_pdf == body_html
    assert body_pdf.startswith("第三章米ロ関係と中央アジア松井弘明はじめに")


def test_pdf_lines_never_start_with_closing_punctuation(editions: dict[str, Path]) -> None:
    lines = ed.pdf_text(editions["pdf"], "-layout", *ed.BODY_AREA).splitlines()
    starts = [line.strip()[0] for line in lines if line.strip()]
    assert len(starts) > 300
    assert not set(starts) & set("、。，．」』）〕？！ー"), "kinsoku broken"


def test_pdf_no_heading_ends_a_page(editions: dict[str, Path]) -> None:
    tree = ed.html_tree(editions["html"])
    headings = {
        ed.squeeze("".join(h.itertext()))
        for tag in ("h1", "h2", "h3")
        for h in tree.iterfind(f".//main//{tag}")
    }
    pages = ed.pdf_text(editions["pdf"], *ed.BODY_AREA).split("\f")
    last_lines = [ed.squeeze(p.strip().splitlines()[-1]) for p in pages if p.strip()]
    assert len(last_lines) == 19  # with the editor's note and fuller note dates: 19 pages
    assert not set(last_lines) & headings


def _outline(reader: PdfReader, items: Sequence[object]) -> list[str]:
    titles: list[str] = []
    for item in items:
        titles += _outline(reader, item) if isinstance(item, list) else [item.title]  # type: ignore[attr-defined]
    return titles


def test_pdf_metadata_bookmarks_links_and_tags(editions: dict[str, Path]) -> None:
    reader = PdfReader(editions["pdf"])
    assert reader.metadata is not None
    assert reader.metadata.title == "米ロ関係と中央アジア"
    assert reader.metadata.author == "松井 弘明"
    root = reader.root_object
    assert str(root["/Lang"]) == "ja"
    assert bool(root["/MarkInfo"].get_object()["/Marked"])  # type: ignore[index]
    assert "/StructTreeRoot" in root
    assert _outline(reader, reader.outline) == [
        "第三章 米ロ関係と中央アジア",
        "はじめに",
        "１．9.11以前の米ロと中央アジア",
        "２．9.11直後の米・ロ・中央アジアの動向",
        "３．米軍の駐留長期化とロシアの対応",
        "(1) 米軍の駐留長期化",
        "(2) ロシアの対応",
        "まとめ",
        "注",
    ]
    dests = {
        str(annot.get_object().get("/Dest"))
        for page in reader.pages
        for annot in page.get("/Annots") or []
    }
    for n in range(1, NOTES + 1):
        assert {f"note-{n}", f"noteref-{n}"} <= dests
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (148, 210)


def test_builds_are_byte_identical_whatever_tz_lang_and_cwd(tmp_path: Path) -> None:
    outputs = []
    for n, (tz, lang) in enumerate([("UTC", "C.UTF-8"), ("Asia/Tokyo", "ja_JP.UTF-8")]):
        cwd = tmp_path / f"cwd{n}"
        cwd.mkdir()
        out = tmp_path / f"out{n}"
        env = {"SOURCE_DATE_EPOCH": EPOCH, "TZ": tz, "LANG": lang, "PATH": "/usr/bin:/bin"}
        env["CITEPRESS_CACHE_DIR"] = os.environ["CITEPRESS_CACHE_DIR"]
        done = subprocess.run(
            [sys.executable, "-m", "citepress.cli", "-C", str(ROOT), "build", "--out", str(out)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        outputs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert sorted(outputs[0]) == ["chapter-03.epub", "chapter-03.html", "chapter-03.pdf"]
    for name, data in outputs[0].items():
        assert outputs[1][name] == data, name


@pytest.mark.parametrize("epoch", ["0"])
def test_source_date_epoch_zero_works(tmp_path: Path, epoch: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "citepress.cli", "-C", str(ROOT), "build", "--format", "epub",
         "--out", str(tmp_path)],
        env={
            "SOURCE_DATE_EPOCH": epoch,
            "PATH": "/usr/bin:/bin",
            "CITEPRESS_CACHE_DIR": os.environ["CITEPRESS_CACHE_DIR"],
        },
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "chapter-03.epub") as archive:
        assert b"1970-01-01T00:00:00Z" in archive.read("EPUB/package.opf")
        assert archive.infolist()[1].date_time == (1980, 1, 1, 0, 0, 0)
