"""The editions as readers meet them: axe-core in Chromium, DAISY Ace on the EPUB.

`make test` installs Debian's Chromium and the Node packages (tools/browser) and
sets CITEPRESS_BROWSER_TESTS=required, so there a missing tool fails the suite;
a bare `pytest` without them skips these tests and says why. Screenshots of every
page at every width and scheme go to build/screenshots/ for people to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests import outputs as ed
from tests.conftest import ROOT

# Slow (Chromium: axe-core and DAISY Ace): not in `make quick`.
pytestmark = pytest.mark.slow

TOOLS = ROOT / "tools" / "browser"
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ACE = TOOLS / "node_modules" / ".bin" / "ace-puppeteer"


def _require_tools() -> None:
    missing = [
        what
        for what, there in (
            ("Chromium (Debian's chromium)", Path(CHROMIUM).exists()),
            ("node", shutil.which("node") is not None),
            ("tools/browser/node_modules (npm ci --ignore-scripts)", ACE.exists()),
        )
        if not there
    ]
    if missing and os.environ.get("CITEPRESS_BROWSER_TESTS") == "required":
        pytest.fail(f"browser tests need {', '.join(missing)}; `make test` installs them")
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (`make test` installs them)")


@pytest.fixture(autouse=True)
def _tools() -> None:
    _require_tools()


def axe(files: list[Path], shots: Path | None = None, **options: list[str]) -> list[dict[str, Any]]:
    """axe-core's violations for each file, width and colour scheme (tools/browser/axe.js)."""
    args = ["node", str(TOOLS / "axe.js")]
    for width in options.get("widths", ["390", "1280"]):
        args += ["--width", width]
    for scheme in options.get("schemes", ["light", "dark"]):
        args += ["--scheme", scheme]
    if shots is not None:
        args += ["--shots", str(shots)]
    results: list[dict[str, Any]] = json.loads(_node([*args, *map(str, files)]))
    return results


def _node(args: list[str]) -> str:
    """Run a Node tool of tools/browser with Debian's Chromium; what it printed."""
    environment = {**os.environ, "CHROMIUM": CHROMIUM, "PUPPETEER_EXECUTABLE_PATH": CHROMIUM}
    done = subprocess.run(
        args, capture_output=True, text=True, check=False, timeout=600, env=environment
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _violations(results: list[dict[str, Any]]) -> list[tuple[str, int, str, str, int]]:
    return [
        (Path(r["file"]).name, r["width"], r["scheme"], v["id"], v["count"])
        for r in results
        for v in r["violations"]
    ]


def _epub_pages(epub: Path, dest: Path) -> list[Path]:
    with zipfile.ZipFile(epub) as archive:
        archive.extractall(dest)
    return sorted((dest / "EPUB").glob("*.xhtml"))


def test_html_edition_has_no_axe_violations_at_any_width_or_scheme(
    editions: dict[str, Path],
) -> None:
    results = axe([editions["html"]], SHOTS)
    assert len(results) == 4
    assert _violations(results) == []
    for result in results:
        assert result["overflow"] <= 0, result  # nothing wider than a phone's screen
        assert result["refused"] == []  # a standalone file asks for nothing else
        assert Path(result["screenshot"]).stat().st_size > 10_000


def test_every_epub_content_document_has_no_axe_violations(
    editions: dict[str, Path], tmp_path: Path
) -> None:
    pages = _epub_pages(editions["epub"], tmp_path)
    assert {p.name for p in pages} >= {"cover.xhtml", "nav.xhtml", "chapter-03.xhtml"}
    results = axe(pages, SHOTS / "epub")
    assert _violations(results) == []


def test_a_planted_violation_is_reported(tmp_path: Path) -> None:
    """The harness can fail: a link told from its text by colour alone, an image without alt."""
    page = tmp_path / "planted.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title><style>'
        "a { color: #222; text-decoration: none }</style></head><body><main><h1>t</h1>"
        '<p>Some text with <a href="#x">a link</a> in it, and more text after it.</p>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "</main></body></html>",
        encoding="utf-8",
    )
    found = {v[3] for v in _violations(axe([page], widths=["390"], schemes=["light"]))}
    assert {"image-alt", "link-in-text-block"} <= found


def test_the_dark_scheme_is_dark_and_the_light_one_light(editions: dict[str, Path]) -> None:
    from PIL import Image  # noqa: PLC0415

    axe([editions["html"]], SHOTS, widths=["390"])
    for scheme, dark in (("light", False), ("dark", True)):
        with Image.open(SHOTS / f"chapter-03.html-390-{scheme}.png") as shot:
            pixel = shot.convert("RGB").getpixel((3, 3))
        assert isinstance(pixel, tuple)
        assert (sum(pixel) < 150) is dark, scheme


def _ace(epub: Path, out: Path) -> dict[str, Any]:
    _node([str(ACE), "--silent", "--force", "--outdir", str(out), str(epub)])
    report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report


def _ace_violations(report: dict[str, Any]) -> list[str]:
    return [
        test["earl:test"]["dct:title"]
        for document in report["assertions"]
        for test in document.get("assertions", [])
    ]


def test_daisy_ace_passes_the_epub_with_no_violation(
    editions: dict[str, Path], tmp_path: Path
) -> None:
    report = _ace(editions["epub"], tmp_path / "ace")
    assert _ace_violations(report) == []
    assert report["earl:result"]["earl:outcome"] == "pass"
    metadata = report["a11y-metadata"]
    assert "dcterms:conformsTo" in metadata["present"]
    assert "schema:accessibilitySummary" in metadata["present"]


def test_daisy_ace_fails_a_planted_violation(editions: dict[str, Path], tmp_path: Path) -> None:
    planted = tmp_path / "planted.epub"
    with zipfile.ZipFile(editions["epub"]) as source, zipfile.ZipFile(planted, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "EPUB/chapter-03.xhtml":
                data = data.replace(b"<main>", b'<main><img src="cover.jpg"/>', 1)
            out.writestr(item, data)
    report = _ace(planted, tmp_path / "ace")
    assert "image-alt" in _ace_violations(report)
    assert report["earl:result"]["earl:outcome"] == "fail"


def test_printed_from_a_browser_the_html_has_pages_and_a_reading_measure(
    editions: dict[str, Path], tmp_path: Path
) -> None:
    pdf = tmp_path / "printed.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no network, whatever the page asks
            "--proxy-server=127.0.0.1:9",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            editions["html"].as_uri(),
        ],
        capture_output=True,
        check=True,
        timeout=300,
    )
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"Page size:\s+59\d\.\d+ x 841\.\d+ pts \(A4\)", info.stdout)
    lines = [ln.strip() for ln in ed.pdf_text(pdf, "-layout").splitlines()]
    # Full lines of Japanese text (half-width digits let a few more characters in).
    body = sorted(len(ln) for ln in lines if len(ln) > 30 and re.search("[ぁ-ん]", ln))
    assert len(body) > 200
    typical = body[len(body) // 2]
    assert 38 <= typical <= 41, typical  # about 40 characters a line
