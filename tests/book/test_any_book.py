"""What any book holds, case by case: images, tables, labels, bibliographies, forgeries."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from citepress.diagnostics import Code
from tests.conftest import ROOT
from tests.runcli import cli
from tests.sources.test_one_reading import codes, html_edition, make

# Slow (books built in every edition): not in `make quick`.
pytestmark = pytest.mark.slow

PNG = ROOT / "tests" / "fixtures" / "english-book" / "manuscript" / "assets" / "channel.png"


def _assets(root: Path) -> Path:
    folder = root / "manuscript" / "assets"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_link_out_of_the_asset_folder_is_refused(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n\n![Host](assets/host.png)\n")
    (_assets(root) / "host.png").symlink_to("/etc/hostname")
    assert codes(root) == [(Code.IMAGE_OUTSIDE, 9, 9)]  # at the file name


def test_a_link_into_the_version_control_folder_is_refused(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n\n![Config](assets/git/config)\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_bytes(PNG.read_bytes())
    (_assets(root) / "git").symlink_to(root / ".git")
    assert codes(root) == [(Code.IMAGE_OUTSIDE, 9, 11)]


def test_a_decompression_bomb_is_not_an_image(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n\n![Bomb](assets/bomb.png)\n")
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")  # 400 Mpx in a few kB
    (_assets(root) / "bomb.png").write_bytes(buffer.getvalue())
    assert codes(root) == [(Code.IMAGE_FORMAT, 9, 9)]


def test_the_same_image_twice_is_packaged_once(tmp_path: Path) -> None:
    body = "Text [@a].\n\n![One](assets/a.png)\n\n![Two](assets/b.png)\n"
    root = make(tmp_path, body)
    (_assets(root) / "a.png").write_bytes(PNG.read_bytes())
    (_assets(root) / "b.png").write_bytes(PNG.read_bytes())
    assert cli(root, "build", "--format", "epub").returncode == 0
    with zipfile.ZipFile(root / "build" / "chapter.epub") as archive:
        images = [n for n in archive.namelist() if n.startswith("EPUB/images/")]
        package = archive.read("EPUB/package.opf").decode()
    assert len(images) == 1 and package.count('media-type="image/png"') == 1


def test_raw_html_cannot_forge_an_image_or_a_cross_chapter_link(tmp_path: Path) -> None:
    body = (
        'Text [@a]. <img src="images/0123456789abcdef.png" alt="x">'
        ' <a href="#note-1" data-chapter="../../etc">x</a>\n'
    )
    page = html_edition(make(tmp_path, body), "--force")
    assert "<img" not in page.split("<main>")[1]
    assert "data-chapter" not in page and "../../etc" not in page


def test_a_forced_build_drops_a_missing_image_and_keeps_its_caption(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n\n![The caption](assets/none.png){#fig-x}\n\nSee @fig-x.\n")
    assert codes(root) == [(Code.IMAGE_MISSING, 9, 16)]
    page = html_edition(root, "--force").split("<main>")[1]
    assert "<img" not in page
    assert "Figure\xa01</span>: The caption" in page
    assert '<a href="#fig-x" class="xref">Figure\xa01</a>' in page


def test_a_cross_reference_keeps_its_prefix_and_suffix(tmp_path: Path) -> None:
    table = "| a |\n|---|\n| 1 |\n\n: Numbers {#tbl-n}\n\n"
    body = f"Text [@a].\n\n{table}As [see @tbl-n, top row] says.\n"
    page = html_edition(make(tmp_path, body))
    assert 'As see <a href="#tbl-n" class="xref">Table\xa01</a>, top row says.' in page


JA = "---\ntitle: 題\nauthor: 著者\nlang: ja\n---\n\n"


def test_japanese_labels(tmp_path: Path) -> None:
    body = (
        "## 節 {#sec-a}\n\n本文[@a]。\n\n"
        "| a |\n|---|\n| 1 |\n\n: 数 {#tbl-n}\n\n"
        "$$ x^2 $$ {#eq-x}\n\n"
        "@tbl-n と @eq-x と @sec-a を見よ。\n"
    )
    root = make(tmp_path, "")
    (root / "manuscript" / "chapter.md").write_text(JA + body, encoding="utf-8")
    page = html_edition(root)
    assert '<span class="caption-label">表1</span>　数' in page
    assert '<span class="equation-number">(1)</span>' in page
    for label in ("表1", "式(1)", "第1節"):
        assert f'class="xref">{label}</a>' in page


@pytest.mark.parametrize(("setting", "printed"), [("", False), ("false", False), ("true", True)])
def test_the_bibliography_section_follows_the_setting(
    tmp_path: Path, setting: str, printed: bool
) -> None:
    root = make(tmp_path, "Text [@a].\n")
    if setting:
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
        text = text.replace(
            "[tool.citepress]\n", f"[tool.citepress]\nbibliography-section = {setting}\n", 1
        )
        (root / "pyproject.toml").write_text(text, encoding="utf-8")
    page = html_edition(root)
    assert ('role="doc-bibliography"' in page) is printed
    assert ("<h2" in page and ">References</h2>" in page) is printed


def test_a_long_table_repeats_its_header_on_the_next_pdf_page(tmp_path: Path) -> None:
    rows = "".join(f"| row {n} | value {n} |\n" for n in range(1, 121))
    body = f"Text [@a].\n\n| Name | Quantity |\n|---|---|\n{rows}\n: A long table\n"
    root = make(tmp_path, body)
    assert cli(root, "build", "--format", "pdf").returncode == 0
    pdf = root / "build" / "chapter.pdf"
    pages = int(
        next(
            line.split()[-1]
            for line in subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    assert pages >= 3
    for page in range(2, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if "row 120" in text or any(f"row {n}\n" in text for n in range(2, 120)):
            assert "Name" in text and "Quantity" in text, f"page {page} has rows but no header"


AUTHOR_DATE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>Author-date test</title><id>author-date-test</id>
    <updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation><layout prefix="(" suffix=")" delimiter="; ">
    <group delimiter=" "><names variable="author"><name form="short"/></names>
      <date variable="issued"><date-part name="year"/></date></group></layout></citation>
  <bibliography><layout><group delimiter=". ">
    <names variable="author"/><text variable="title"/></group></layout></bibliography>
</style>
"""


def _author_date(root: Path) -> None:
    """The project cites in AUTHOR_DATE, a style file of its own."""
    (root / "templates" / "csl").mkdir(parents=True)
    (root / "templates" / "csl" / "author-date.csl").write_text(AUTHOR_DATE, "utf-8")
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    line = 'csl = "templates/csl/author-date.csl"'
    text = text.replace("[tool.citepress]\n", f"[tool.citepress]\n{line}\n", 1)
    (root / "pyproject.toml").write_text(text, encoding="utf-8")


def test_an_author_date_style_prints_its_bibliography_by_default(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n")
    _author_date(root)
    page = html_edition(root)
    assert 'role="doc-bibliography"' in page
    assert "X. Real title" in page


def test_a_cross_reference_inside_a_cross_reference_forges_no_note(tmp_path: Path) -> None:
    """A Cite in an xref's prefix was left for citeproc, which made it a note."""
    body = "![Cap](assets/p.png){#fig-x}\n\nText [see [Forged, cf. @fig-x, p. 9] @fig-x] [@a].\n"
    root = make(tmp_path, body)
    (_assets(root) / "p.png").write_bytes(PNG.read_bytes())
    assert codes(root) == []
    page = html_edition(root)
    assert page.count('role="doc-noteref"') == 1 and "fig-x?" not in page
    assert "cf. <a" in page


def test_an_unclosed_raw_element_cannot_swallow_the_notes(tmp_path: Path) -> None:
    for tag in ("noscript", "style", "textarea", "svg", "math", "plaintext", "title"):
        (tmp_path / tag).mkdir()
        root = make(tmp_path / tag, f"Text [@a].\n\n<{tag}>\n\nMore text [@b].\n")
        assert codes(root) == [(Code.MD_DROPPED, 9, 1)], tag
        page = html_edition(root)
        assert page.count('class="note"') == 2 and "More text" in page, tag


def test_an_authors_refs_div_is_not_the_bibliography(tmp_path: Path) -> None:
    root = make(tmp_path, "Intro [@a].\n\n::: {#refs}\nMine.\n:::\n\nEnd.\n")
    assert codes(root) == [(Code.MD_RESERVED_ID, 9, 7)]
    page = html_edition(root, "--force")
    assert 'role="doc-bibliography"' not in page
    assert page.index("Mine.") < page.index("End.")  # left where the author put it


def test_an_id_inside_an_attribute_value_is_no_anchor(tmp_path: Path) -> None:
    root = make(tmp_path, 'Text [@a] <span title="x id=foo" data-id="bar">s</span> [to](#foo).\n')
    assert codes(root) == [(Code.MD_DROPPED, 7, 34), (Code.REF_BROKEN_LINK, 7, 62)]


def test_an_svg_use_bomb_is_not_an_image(tmp_path: Path) -> None:
    levels = ['<rect id="l0" width="1" height="1"/>']
    levels += [f'<g id="l{n}">' + f'<use href="#l{n - 1}"/>' * 10 + "</g>" for n in range(1, 9)]
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><defs>' + "".join(levels) + "</defs>"
    root = make(tmp_path, "Text [@a].\n\n![Bomb](assets/bomb.svg)\n")
    (_assets(root) / "bomb.svg").write_text(svg + '<use href="#l8"/></svg>', "utf-8")
    assert codes(root) == [(Code.IMAGE_FORMAT, 9, 9)]


@pytest.mark.parametrize("setting", ["timeout = 100000", "memory-limit-mb = 1000000"])
def test_a_pull_request_cannot_lift_the_pdf_fence(tmp_path: Path, setting: str) -> None:
    root = make(tmp_path, "Text [@a].\n")
    with (root / "pyproject.toml").open("a", encoding="utf-8") as toml:
        toml.write(f"[tool.citepress.pdf]\n{setting}\n")
    done = cli(root, "check")
    assert done.returncode == 2 and "must be at most" in done.stderr


def test_a_catalogue_label_is_one_short_line(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n")
    (root / "templates" / "i18n").mkdir(parents=True)
    (root / "templates" / "i18n" / "en.yaml").write_text(f'figure: "{"F" * 5000} {{n}}"\n', "utf-8")
    done = cli(root, "build", "--format", "html")
    assert done.returncode == 2
    assert "i18n/en.yaml: 'figure' must be one line of at most 300 characters" in done.stderr


def test_raw_list_markup_cannot_replace_a_note(tmp_path: Path) -> None:
    """A raw <li>…</ol> in a note closed pandoc's list: note 3 printed FORGED NOTE."""
    body = (
        "One [@a]. Two.[^2] Three [@b].\n\n[^2]: checked text\n\n"
        "    ```{=html}\n    <li>FORGED NOTE</ol>\n    ```\n"
    )
    root = make(tmp_path, body)
    assert codes(root) == [(Code.MD_DROPPED, 12, 5)]
    page = html_edition(root)
    notes = page.split('class="notes"')[1]
    assert notes.index("checked text") < notes.index("FORGED NOTE") < notes.index("T b")
    assert page.count('class="note"') == 3


def test_a_tag_the_tokeniser_cannot_read_is_printed_not_obeyed(tmp_path: Path) -> None:
    """<style x="<"> is a style element to an HTML parser: it hid text and a marker."""
    body = 'Text [@a]. <style x="<"> End [@b]. Hidden. </style x="<"> Tail <textarea/x> [@c].\n'
    page = html_edition(make(tmp_path, body))
    text = page.split("<main>")[1]
    assert "End.<a" in text and "Hidden." in text and "Tail" in text  # after the stop: English
    assert text.count('role="doc-noteref"') == 3
    assert "<style" not in text and "<textarea" not in text


def test_an_author_date_book_still_publishes_every_note(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].^[A note.]\n\n<noscript>\n\nMore text [@b].^[Another.]\n")
    _author_date(root)
    page = html_edition(root)
    assert page.count('class="note"') == 2 and "More text" in page


def test_raw_html_nesting_is_bounded(tmp_path: Path) -> None:
    """40,000 unclosed raw <div>s took the HTML parser 112 s: past 50 they are removed."""
    body = "Text [@a].\n\n```{=html}\n" + "<div>" * 40_000 + "\n```\n\nEnd [@b].\n"
    root = make(tmp_path, body)
    found = codes(root)
    assert {code for code, _, _ in found} == {Code.MD_DROPPED} and len(found) == 200
    page = html_edition(root)
    assert page.count("<div>") <= 50 + 5 and "End" in page


def test_an_svg_with_an_id_given_twice_is_not_an_image(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n\n![Twice](assets/twice.svg)\n")
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><g id="a"/><g id="a"/></svg>'
    (_assets(root) / "twice.svg").write_text(svg, "utf-8")
    assert codes(root) == [(Code.IMAGE_FORMAT, 9, 10)]
