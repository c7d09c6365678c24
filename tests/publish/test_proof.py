"""The editor's proof: every finding of the check annotated on its page, a query list, a report."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests import outputs as ed
from tests.checkfixtures import FIXTURES, make_project
from tests.conftest import EPOCH, ROOT
from tests.runcli import cli

# Slow (proofs laid out twice): not in `make quick`.
pytestmark = pytest.mark.slow

QUERIES = "疑問出し（著者への確認事項）"


def _citepress(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli(root, *args, env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": EPOCH})


@pytest.fixture(scope="module")
def proofed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("proof")
    done = _citepress(ROOT, "proof", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "32 of 32 finding(s) marked in the text" in done.stderr
    return out


def _findings(root: Path) -> list[dict[str, Any]]:
    done = _citepress(root, "check", "--format", "json")
    found: list[dict[str, Any]] = json.loads(done.stdout)["diagnostics"]
    return found


def _highlights(pdf: Path) -> list[tuple[int, dict[str, Any]]]:
    """(page number, annotation) of every highlight, in the order of their findings."""
    found = []
    for number, page in enumerate(PdfReader(pdf).pages, 1):
        for ref in page.get("/Annots") or []:
            annotation = ref.get_object()
            if annotation["/Subtype"] == "/Highlight":
                found.append((number, annotation))
    return sorted(found, key=lambda item: int(str(item[1]["/NM"]).rsplit("-", 1)[1]))


def _expected_comment(finding: dict[str, Any]) -> str:
    codes = ", ".join([finding["code"], *finding["also"]])
    place = ":".join(
        [finding["path"], *(str(finding[k]) for k in ("line", "column") if finding[k])]
    )
    return f"{finding['severity']}: {finding['message']} [{codes}] ({place})"


def test_one_annotation_per_finding_of_the_check(proofed: Path) -> None:
    findings = _findings(ROOT)
    highlights = _highlights(proofed / "chapter-03.proof.pdf")
    assert len(findings) == len(highlights) == 32
    for finding, (_, annotation) in zip(findings, highlights, strict=True):
        assert annotation["/Contents"] == _expected_comment(finding)
        assert annotation["/T"] == "citepress"
        # One quadrilateral (8 numbers) per line the span stands on.
        assert len(annotation["/QuadPoints"]) % 8 == 0


def _text_under(pdf: Path, page: int, rect: list[float]) -> str:
    height = float(PdfReader(pdf).pages[page - 1].mediabox.height)
    x0, y0, x1, y1 = (float(v) for v in rect)
    # Inside the highlight by a point on each side: a glyph touching it is not under it.
    box = ["-x", str(math.ceil(x0) + 1), "-y", f"{height - y1 - 1:.0f}"]
    box += ["-W", str(math.floor(x1 - x0) - 2), "-H", f"{y1 - y0 + 2:.0f}"]
    return ed.squeeze(ed.pdf_text(pdf, "-f", str(page), "-l", str(page), *box))


def test_each_highlight_covers_the_text_its_finding_is_about(proofed: Path) -> None:
    pdf = proofed / "chapter-03.proof.pdf"
    note = 0
    for (page, annotation), finding in zip(_highlights(pdf), _findings(ROOT), strict=True):
        under = _text_under(pdf, page, annotation["/Rect"])
        if finding["code"] == "bib.incomplete":  # a finding in the .bib: at its note
            note += 1
            assert under == f"（注{note}）", finding["message"]
        else:
            assert finding["code"] == "date.backwards"
            assert under.startswith("１月初旬"), under


def _body_lines(pdf: Path, page: int) -> list[tuple[float, float]]:
    """(top, bottom) of each line of the page's text block, from pdftotext's layout."""
    xml = ed.pdf_text(pdf, "-bbox-layout", "-f", str(page), "-l", str(page))
    lines = re.findall(r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', xml)
    body = [(float(a), float(b)) for a, b in lines if 45 < float(a) < 545]  # no head, no folio
    merged: list[tuple[float, float]] = []
    for top, bottom in sorted(body):
        if merged and top < merged[-1][1] - 2:
            continue  # a superscript marker on the line above's band
        merged.append((top, bottom))
    return merged


def test_query_list_and_report_give_each_findings_page_and_line(proofed: Path) -> None:
    pdf = proofed / "chapter-03.proof.pdf"
    report = (proofed / "chapter-03.proof.html").read_text(encoding="utf-8")
    rows = re.findall(r"<li class=\"(\w+)\">.*?<span>(\d+)頁(\d+)行</span>", report, re.S)
    assert len(rows) == 32
    for (page, annotation), (_, shown_page, shown_line) in zip(_highlights(pdf), rows, strict=True):
        assert int(shown_page) == page
        height = float(PdfReader(pdf).pages[page - 1].mediabox.height)
        middle = height - (float(annotation["/Rect"][1]) + float(annotation["/Rect"][3])) / 2
        lines = _body_lines(pdf, page)
        line = next(
            i for i, (top, bottom) in enumerate(lines, 1) if top - 3 <= middle <= bottom + 3
        )
        assert int(shown_line) == line, (page, middle, lines[:3])
    text = ed.pdf_text(pdf)
    queries = text[text.index(QUERIES) :]
    for number in range(1, 33):
        assert re.search(rf"(?m)^{number}$", queries), number
    assert "回答" in queries


def test_report_shows_each_finding_in_its_sentence(proofed: Path) -> None:
    report = (proofed / "chapter-03.proof.html").read_text(encoding="utf-8")
    assert report.count("<mark>") == 32
    assert "<mark>１月初旬</mark>ラムズフェルド国防長官が来訪" in report
    assert "支援を行う」としている。[<mark>@cst-treaty-articles-1-4</mark>]" in report


def test_the_proof_carries_the_same_notes_as_every_edition(
    proofed: Path, editions: dict[str, Path]
) -> None:
    text = ed.pdf_text(proofed / "chapter-03.proof.pdf", *ed.BODY_AREA)
    text = text[: text.index(QUERIES)]
    lines = text.splitlines()
    heading = max(i for i, line in enumerate(lines) if line.strip() == "注")
    notes = ed._split_notes("\n".join(lines[heading + 1 :]).replace("\f", ""))
    assert notes == ed.html_notes(editions["html"])


def test_a_finding_with_no_place_in_the_text_is_annotated_in_the_query_list(
    tmp_path: Path,
) -> None:
    project = make_project(FIXTURES / "ref.unused", tmp_path / "book")
    out = tmp_path / "out"
    done = _citepress(project, "proof", "--out", str(out))
    assert done.returncode == 0, done.stderr
    (pdf,) = out.glob("*.proof.pdf")
    findings = _findings(project)
    highlights = _highlights(pdf)
    assert [a["/Contents"] for _, a in highlights] == [_expected_comment(f) for f in findings]
    unused = [
        (page, a)
        for (page, a), f in zip(highlights, findings, strict=True)
        if f["code"] == "ref.unused"
    ]
    assert unused
    for page, annotation in unused:  # on its row of the query list, the list's last page
        assert page == len(PdfReader(pdf).pages)
        assert "entry" in _text_under(pdf, page, annotation["/Rect"])


def test_the_proof_is_made_even_when_the_check_fails(tmp_path: Path) -> None:
    project = make_project(FIXTURES / "ref.undefined", tmp_path / "book")
    out = tmp_path / "out"
    done = _citepress(project, "proof", "--out", str(out))
    assert done.returncode == 0, done.stderr
    findings = _findings(project)
    assert any(f["severity"] == "error" for f in findings)
    (pdf,) = out.glob("*.proof.pdf")
    assert len(_highlights(pdf)) == len(findings)
    assert shutil.which("pdftotext")


def test_the_proof_reads_as_the_edition_where_a_finding_marks_a_citation(tmp_path: Path) -> None:
    """A marked citation kept the space citeproc removes before an English note marker."""
    book = tmp_path / "book"
    (book / "manuscript").mkdir(parents=True)
    (book / "bib").mkdir()
    (book / "pyproject.toml").write_text("[tool.citepress]\n", encoding="utf-8")
    (book / "manuscript" / "ch.md").write_text(
        "---\ntitle: T\nauthor: A\nlang: en\n---\n\nThey met on 1 October 2001 [@a].\n",
        encoding="utf-8",
    )
    (book / "bib" / "refs.bib").write_text(
        "@misc{a, author = {B}, title = {C}, date = {2001}, missing = {journaltitle}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert _citepress(book, "build", "--format", "pdf", "--out", str(out)).returncode == 0
    assert _citepress(book, "proof", "--out", str(out)).returncode == 0

    def words(pdf: Path) -> str:  # spaces kept: the space before the marker is the point
        return re.sub(r"\s+", " ", ed.pdf_text(pdf, *ed.BODY_AREA))

    edition, proof = words(out / "ch.pdf"), words(out / "ch.proof.pdf")
    assert "October 2001.1" in edition  # the marker after the stop (English)
    assert proof.startswith(edition[: edition.index("Notes")])
    assert len(_highlights(out / "ch.proof.pdf")) == len(_findings(book)) == 1


def test_a_finding_outside_any_entry_is_not_pinned_on_a_note(tmp_path: Path) -> None:
    """A broken block after an entry is not that entry: its finding goes to the query list."""
    project = make_project(FIXTURES / "bib.syntax", tmp_path / "book")
    out = tmp_path / "out"
    assert _citepress(project, "proof", "--out", str(out)).returncode == 0
    (pdf,) = out.glob("*.proof.pdf")
    pages = len(PdfReader(pdf).pages)
    found = zip(_highlights(pdf), _findings(project), strict=True)
    syntax = [page for (page, _), f in found if f["code"] == "bib.syntax"]
    assert syntax and all(page == pages for page in syntax)


def test_unrenderable_sources_give_the_checks_errors_and_no_proof(tmp_path: Path) -> None:
    from tests import badinputs  # noqa: PLC0415

    project = badinputs.project("md-nested-quotes", tmp_path / "book")
    out = tmp_path / "out"
    done = _citepress(project, "proof", "--out", str(out))
    assert done.returncode == 1
    assert "manuscript/chapter.md:11:1: error: block quotes nested more than 50 deep" in done.stderr
    assert "citepress: no proof:" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_a_folder_in_the_way_stops_the_proof_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "chapter-03.proof.html").mkdir(parents=True)
    done = _citepress(ROOT, "proof", "--out", str(out))
    assert done.returncode == 2
    assert "chapter-03.proof.html: a folder stands where this file is written" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["chapter-03.proof.html"]


def test_the_proofs_pages_are_the_print_editions(proofed: Path, editions: dict[str, Path]) -> None:
    """Page for page and line for line, the proof's text is the PDF edition's: both are
    set to JLREQ (typeset/jlreq). Without the marks the proof broke lines elsewhere
    (pages 9 and 14), so its page and line numbers were not the print edition's."""
    proof = proofed / "chapter-03.proof.pdf"
    pages = int(re.search(r"Pages:\s+(\d+)", ed.pdf_info(editions["pdf"])).group(1))  # type: ignore[union-attr]
    for page in range(1, pages + 1):
        window = ("-f", str(page), "-l", str(page), "-layout")
        assert ed.pdf_text(proof, *window) == ed.pdf_text(editions["pdf"], *window), page
