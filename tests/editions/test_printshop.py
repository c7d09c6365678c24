"""The print-shop edition: PDF/X-4 with bleed, crop marks, TrimBox and BleedBox."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pypdf
import pytest

from citepress import config as project
from citepress.publish import build
from tests.conftest import ROOT
from tests.outputs import squeeze

# Slow (the print-shop PDF built): not in `make quick`.
pytestmark = pytest.mark.slow

MM = 72 / 25.4
A5 = (148 * MM, 210 * MM)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("press")
    result = build.build(project.load(ROOT), formats=["print"], out_dir=out, use_cache=False)
    return result.written["print"]


def test_it_is_written_beside_the_others_and_only_when_asked_for(
    printed: Path, editions: dict[str, Path]
) -> None:
    assert printed.name == "chapter-03.print.pdf"
    assert "print" not in editions  # `citepress build` with no --format: html, epub, pdf


def test_it_is_pdf_x_4_with_a_cmyk_output_intent(printed: Path) -> None:
    data = printed.read_bytes()
    assert data.startswith(b"%PDF-1.6")
    reader = pypdf.PdfReader(printed)
    root: Any = reader.trailer["/Root"]
    (intent,) = [item.get_object() for item in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 4  # CMYK
    metadata = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"GTS_PDFXVersion[^<]*>?PDF/X-4", metadata)
    trailer: Any = reader.trailer
    assert trailer["/Info"]["/Trapped"] == "/False"
    assert len(trailer["/ID"]) == 2


def test_every_page_has_its_trim_box_and_a_3_mm_bleed_box(printed: Path) -> None:
    for page in pypdf.PdfReader(printed).pages:
        trim = [float(value) for value in page.trimbox]
        bleed = [float(value) for value in page.bleedbox]
        media = [float(value) for value in page.mediabox]
        assert trim[2] - trim[0] == pytest.approx(A5[0], abs=0.01)
        assert trim[3] - trim[1] == pytest.approx(A5[1], abs=0.01)
        assert [b - t for b, t in zip(bleed, trim, strict=True)] == pytest.approx(
            [-3 * MM, -3 * MM, 3 * MM, 3 * MM], abs=0.01
        )
        assert media[0] < bleed[0] - 5 * MM and media[2] > bleed[2] + 5 * MM  # room for marks


def test_crop_marks_stand_outside_the_bleed(printed: Path, tmp_path: Path) -> None:
    """Rendered at 72 dpi (1 px a point): dark pixels in the sheet beyond the bleed, at the
    trim lines; none inside the bleed around the page."""
    from PIL import Image  # noqa: PLC0415

    subprocess.run(
        ["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", str(printed), str(tmp_path / "p")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    pixel: Any = image.getpixel
    page = pypdf.PdfReader(printed).pages[0]
    media, trim = page.mediabox, page.trimbox
    x0 = int(float(trim[0]) - float(media[0]))  # the trim's left edge in the image
    top = round(float(media[3]) - float(trim[3]))  # and its top edge
    bleed = round(3 * MM)
    # The top-left mark: vertical lines on the trim (x0) and on the bleed (x0 - bleed)
    # above the sheet's bleed (角トンボ), and nothing in the bleed itself.
    above = [pixel((x, y)) for x in (x0 - 1, x0, x0 + 1) for y in range(top - bleed - 1)]
    near_bleed = (x0 - bleed - 1, x0 - bleed, x0 - bleed + 1)
    outer = [pixel((x, y)) for x in near_bleed for y in range(top - bleed - 1)]
    # Strictly inside (the marks start on the bleed's edge, a pixel may touch it).
    inside = [
        pixel((x, y))
        for x in range(x0 - bleed + 2, x0 - 1)
        for y in range(top - bleed + 2, top - 1)
    ]
    assert min(above) < 128  # the inner crop mark
    assert min(outer) < 128  # the outer one
    assert min(inside) > 250  # the bleed holds no mark


def test_the_marks_are_in_registration_colour(printed: Path) -> None:
    """Every plate prints the marks: the All separation, stroked as an artifact."""
    for page in pypdf.PdfReader(printed).pages:
        resources: Any = page["/Resources"]
        space = resources["/ColorSpace"]["/CitepressAll"]
        assert [str(space[0]), str(space[1])] == ["/Separation", "/All"]
        content = page.get_contents().get_data()  # type: ignore[union-attr]
        assert b"/Artifact BMC q /CitepressAll CS 1 SCN" in content


def test_text_is_black_ink_and_rgb_is_srgb(printed: Path) -> None:
    """No DeviceRGB colour in the pages (text in K); RGB left (marks, images) is sRGB."""
    for page in pypdf.PdfReader(printed).pages:
        content = page.get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]
        assert not re.search(r"\brg\n|\bRG\n", content)
        resources: Any = page["/Resources"]
        assert "/DefaultRGB" in resources["/ColorSpace"]


def test_every_font_is_embedded(printed: Path) -> None:
    out = subprocess.run(["pdffonts", str(printed)], capture_output=True, text=True, check=True)
    rows = out.stdout.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows)  # the emb column


def test_its_pages_are_the_pdf_editions(printed: Path, editions: dict[str, Path]) -> None:
    def text(path: Path) -> str:
        return squeeze(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                      text=True, check=True).stdout)  # fmt: skip

    assert len(pypdf.PdfReader(printed).pages) == len(pypdf.PdfReader(editions["pdf"]).pages)
    assert text(printed) == text(editions["pdf"])


def test_bleed_and_trim_size_come_from_the_settings(tmp_path: Path) -> None:
    settings = project.settings_from(
        ROOT, {"print": {"bleed-mm": 5, "trim-size": "B6"}, "output-name": "t"}
    )
    assert (settings.print_bleed_mm, settings.print_trim_size) == (5.0, "B6")
    written = build.build(settings, formats=["print"], out_dir=tmp_path, use_cache=False).written
    page = pypdf.PdfReader(written["print"]).pages[0]
    assert float(page.trimbox[2]) - float(page.trimbox[0]) == pytest.approx(125 * MM, abs=0.01)
    assert float(page.trimbox[0]) - float(page.bleedbox[0]) == pytest.approx(5 * MM, abs=0.01)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"bleed-mm": 11}, "from 0 to 10"),
        ({"bleed-mm": "3mm"}, "from 0 to 10"),
        ({"trim-size": "Letter"}, "is not one of"),
    ],
)
def test_bad_print_settings_are_refused(table: dict[str, Any], message: str) -> None:
    with pytest.raises(project.ProjectError, match=message):
        project.settings_from(ROOT, {"print": table})


def test_a_missing_output_profile_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from citepress.book.errors import RenderError  # noqa: PLC0415
    from citepress.editions import printshop  # noqa: PLC0415

    monkeypatch.setattr(printshop, "PROFILE", Path("/nonexistent/cmyk.icc"))
    with pytest.raises(RenderError, match="libgs-common"):
        printshop.profile_url()


def test_a_stylesheet_without_the_print_shop_block_is_a_clear_error(tmp_path: Path) -> None:
    """A project that copied print.css before this edition existed: a clear error, not
    a PDF for the printer with no bleed, no marks and no output intent."""
    import shutil  # noqa: PLC0415

    book = tmp_path / "book"
    for part in ("manuscript", "bib"):
        shutil.copytree(ROOT / part, book / part)
    shutil.copy(ROOT / "pyproject.toml", book / "pyproject.toml")
    css = (ROOT / "templates" / "pdf" / "print.css").read_text(encoding="utf-8")
    (book / "templates" / "pdf").mkdir(parents=True)
    (book / "templates" / "pdf" / "print.css").write_text(
        css[: css.index("{% if press %}")], encoding="utf-8"
    )
    with pytest.raises(build.BuildError, match="lacks the print-shop block"):
        build.build(project.load(book), formats=["print"], out_dir=tmp_path / "out")
    assert not (tmp_path / "out" / "chapter-03.print.pdf").exists()
