"""MathML to SVG images for the PDF (citepress.typeset.mathsvg)."""

from __future__ import annotations

import base64
import logging
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import tinyhtml5

from citepress.typeset import mathsvg

# pandoc 3.9: pandoc -f markdown -t html5 --mathml <<< '$x^2$ and $$\int_0^1 x^2\,dx$$'
PANDOC_HTML = (
    '<p><math display="inline" xmlns="http://www.w3.org/1998/Math/MathML"><semantics>'
    "<msup><mi>x</mi><mn>2</mn></msup>"
    '<annotation encoding="application/x-tex">x^2</annotation></semantics></math>\n'
    "and\n"
    '<math display="block" xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow>'
    "<msubsup><mo>∫</mo><mn>0</mn><mn>1</mn></msubsup><msup><mi>x</mi><mn>2</mn></msup>"
    '<mspace width="0.167em"></mspace><mi>d</mi><mi>x</mi></mrow>'
    '<annotation encoding="application/x-tex">\\int_0^1 x^2\\,dx</annotation>'
    "</semantics></math></p>"
)
INLINE_TEX = "x^2"
DISPLAY_TEX = "\\int_0^1 x^2\\,dx"
# pandoc 3.9: pandoc -f markdown -t html5 --mathml <<< '$a - 1 < b$'
PANDOC_ESCAPED = (
    '<p><math display="inline" xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow>'
    "<mi>a</mi><mo>−</mo><mn>1</mn><mo>&lt;</mo><mi>b</mi></mrow>"
    '<annotation encoding="application/x-tex">a - 1 &lt; b</annotation></semantics></math></p>'
)
MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"
SVG_NS = "{http://www.w3.org/2000/svg}"


def parse(html: str, *, namespaced: bool = True) -> ET.Element:
    """The <body> tinyhtml5 makes of ``html``, MathML namespaced or (as after
    document._plain_mathml) under plain names without namespaced attributes."""
    document = tinyhtml5.parse(
        f"<!DOCTYPE html><html><body>{html}</body></html>", namespace_html_elements=False
    )
    body: ET.Element | None = document.find("body")
    assert body is not None
    if not namespaced:
        for element in body.iter():
            element.tag = element.tag.removeprefix(MATHML_NS)
            for name in [n for n in element.attrib if n.startswith("{")]:
                del element.attrib[name]
    return body


def math(inner: str, **attributes: str) -> ET.Element:
    """A <p> holding one plain <math> (as document._plain_mathml leaves them)."""
    attrs = "".join(f' {name}="{value}"' for name, value in attributes.items())
    return ET.fromstring(f"<p>before <math{attrs}>{inner}</math> after</p>")


def nested(tag: str, depth: int, leaf: str = "<mi>x</mi>") -> str:
    return f"<{tag}>" * depth + leaf + f"</{tag}>" * depth


def images(tree: ET.Element) -> list[ET.Element]:
    return [e for e in tree.iter() if e.tag == "img"]


def svg_of(img: ET.Element) -> ET.Element:
    src = img.get("src", "")
    prefix = "data:image/svg+xml;base64,"
    assert src.startswith(prefix)
    return ET.fromstring(base64.b64decode(src.removeprefix(prefix)))


def em(style: str, prop: str) -> float:
    found = re.search(rf"(?:^|; ){prop}: (-?[0-9.]+)em", style)
    assert found, (prop, style)
    return float(found.group(1))


@pytest.fixture(params=[True, False], ids=["namespaced", "plain"])
def pandoc_tree(request: pytest.FixtureRequest) -> ET.Element:
    return parse(PANDOC_HTML, namespaced=request.param)


def test_inline_and_display_math_become_images(pandoc_tree: ET.Element) -> None:
    assert mathsvg.replace_math(pandoc_tree) == 2
    assert not [e for e in pandoc_tree.iter() if e.tag.endswith("math")]
    inline, display = images(pandoc_tree)
    assert inline.get("class") == "math inline"
    assert display.get("class") == "math display"
    assert inline.get("alt") == INLINE_TEX
    assert display.get("alt") == DISPLAY_TEX
    assert "vertical-align" in inline.get("style", "")
    assert "display: block" in display.get("style", "")
    for img in (inline, display):
        assert svg_of(img).tag == f"{SVG_NS}svg"


def test_tails_are_kept(pandoc_tree: ET.Element) -> None:
    mathsvg.replace_math(pandoc_tree)
    inline, display = images(pandoc_tree)
    assert inline.tail == "\nand\n"
    assert display.tail is None
    assert "".join(pandoc_tree.itertext()) == "\nand\n"


def test_namespaced_and_plain_trees_give_the_same_images() -> None:
    namespaced, plain = parse(PANDOC_HTML), parse(PANDOC_HTML, namespaced=False)
    mathsvg.replace_math(namespaced)
    mathsvg.replace_math(plain)
    assert [ET.tostring(e) for e in images(namespaced)] == [ET.tostring(e) for e in images(plain)]


def test_the_annotation_is_not_drawn(caplog: pytest.LogCaptureFixture) -> None:
    """ziamath would lay <semantics>/<annotation> out as rows (warning on the root logger)."""
    with caplog.at_level(logging.WARNING):
        pandoc = parse(PANDOC_HTML)
        mathsvg.replace_math(pandoc)
    bare = math("<msup><mi>x</mi><mn>2</mn></msup>", display="inline")
    mathsvg.replace_math(bare)
    assert images(pandoc)[0].get("src") == images(bare)[0].get("src")
    assert not caplog.records


def test_entities_and_minus_signs_from_pandoc() -> None:
    tree = parse(PANDOC_ESCAPED)
    assert mathsvg.replace_math(tree) == 1
    assert images(tree)[0].get("alt") == "a - 1 < b"


def test_mathml_on_one_line_with_a_hyphen_minus_renders() -> None:
    """ziamath's own unescaping regex breaks this when given the MathML as a string."""
    tree = math("<mn>2</mn><mo>-</mo><mn>1</mn>")
    mathsvg.replace_math(tree)
    assert len(images(tree)) == 1


def test_a_bare_mstyle_renders() -> None:
    """ziamath's <mstyle> flattening regex eats the tag after an attribute-less one."""
    tree = math("<mstyle><mi>x</mi></mstyle>")
    mathsvg.replace_math(tree)
    assert len(images(tree)) == 1


def test_comments_are_neither_drawn_nor_alt_text() -> None:
    with_comment = parse("<p><math><mi>x</mi><!-- note --><mn>2</mn></math></p>")
    without = parse("<p><math><mi>x</mi><mn>2</mn></math></p>")
    mathsvg.replace_math(with_comment)
    mathsvg.replace_math(without)
    assert ET.tostring(with_comment) == ET.tostring(without)
    assert images(without)[0].get("alt") == "x2"


def test_alt_is_the_text_without_an_annotation() -> None:
    tree = math("<mi>x</mi> <mo>+</mo> <mn>1</mn>")
    mathsvg.replace_math(tree)
    assert images(tree)[0].get("alt") == "x+1"


def test_size_is_in_em_and_matches_the_drawing() -> None:
    tree = parse(PANDOC_HTML)
    mathsvg.replace_math(tree)
    inline = images(tree)[0]
    style = inline.get("style", "")
    width, height, lower = em(style, "width"), em(style, "height"), -em(style, "vertical-align")
    _x, y, vb_width, vb_height = (float(v) for v in svg_of(inline).get("viewBox", "").split())
    assert width == pytest.approx(vb_width / mathsvg.SIZE, abs=1e-3)
    assert height == pytest.approx(vb_height / mathsvg.SIZE, abs=1e-3)
    # Lowered by the depth below the baseline (y = 0 in the drawing): x² barely descends.
    assert lower == pytest.approx((y + vb_height) / mathsvg.SIZE, abs=1e-3)
    assert 0 < lower < 0.2
    assert 0.5 < height < 1.5  # about a line of text at the text's own size


def test_svg_refers_to_nothing_outside_itself(pandoc_tree: ET.Element) -> None:
    mathsvg.replace_math(pandoc_tree)
    for img in images(pandoc_tree):
        drawing = svg_of(img)
        ids = {e.get("id") for e in drawing.iter() if e.get("id")}
        for element in drawing.iter():
            for name, value in element.attrib.items():
                assert "url(" not in value
                if name.endswith("href"):
                    assert value.startswith("#") and value[1:] in ids


def test_rendering_is_deterministic() -> None:
    first = parse(PANDOC_HTML)
    mathsvg.replace_math(first)
    mathsvg._render.cache_clear()
    second = parse(PANDOC_HTML)
    mathsvg.replace_math(second)
    assert [ET.tostring(e) for e in images(first)] == [ET.tostring(e) for e in images(second)]


def test_rendering_is_the_same_in_another_process() -> None:
    script = (
        "import sys, xml.etree.ElementTree as ET\n"
        "from citepress.typeset import mathsvg\n"
        "tree = ET.fromstring(sys.stdin.read())\n"
        "mathsvg.replace_math(tree)\n"
        "print(tree[0].get('src'))\n"
    )
    source = (
        "<p><math><mfrac><mi>a</mi><mn>2</mn></mfrac><mo>≤</mo><msqrt><mi>y</mi></msqrt></math></p>"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    command = [sys.executable, "-c", script]
    done = subprocess.run(
        command, input=source, capture_output=True, text=True, env=env, check=True
    )
    here = ET.fromstring(source)
    mathsvg.replace_math(here)
    assert done.stdout.strip() == here[0].get("src")


def test_repeated_expressions_are_rendered_once() -> None:
    mathsvg._render.cache_clear()
    tree = ET.fromstring(f"<div>{PANDOC_HTML}{PANDOC_HTML}</div>")
    assert mathsvg.replace_math(tree) == 4
    assert mathsvg._render.cache_info().misses == 2
    first, _, third, _ = images(tree)
    assert first.get("src") == third.get("src")


def fallback(tree: ET.Element) -> ET.Element:
    """The one replacement in ``tree``, which must be the fallback span."""
    assert mathsvg.replace_math(tree) == 1
    (span,) = [e for e in tree if e.tag in ("span", "img")]
    assert span.tag == "span", ET.tostring(span)[:200]
    assert span.get("class") == "math-fallback"
    assert span.tail == " after"
    return span


def test_as_deep_as_max_depth_renders_and_one_more_falls_back() -> None:
    # <msqrt> with one child is laid out once: only the depth limit applies.
    deepest = math(nested("msqrt", mathsvg.MAX_DEPTH - 1))
    mathsvg.replace_math(deepest)
    assert len(images(deepest)) == 1
    assert fallback(math(nested("msqrt", mathsvg.MAX_DEPTH))).text == "x"


def test_pathologically_deep_mathml_falls_back() -> None:
    assert fallback(math(nested("mrow", 5000))).text == "x"


def test_nested_rows_that_would_take_2_to_the_depth_fall_back() -> None:
    """ziamath lays out each <mrow> child twice: 30 nested rows would take days."""
    assert fallback(math(nested("mrow", 30), display="block")).text == "x"


def test_a_huge_stretch_falls_back() -> None:
    """ziamath's time grows (faster than linearly) with a stretchy operator's size."""
    tree = math('<mo stretchy="true" minsize="100000em">(</mo><mi>x</mi>')
    assert fallback(tree).text == "(x"


@pytest.mark.parametrize(
    "inner",
    [
        "<mfrac><mi>a</mi></mfrac>",  # AssertionError in ziamath
        "<mtable><mtr></mtr></mtable><mi>a</mi>",  # ValueError
        "<mroot><mi>a</mi></mroot>",  # IndexError
        '<mstyle scriptlevel="-40"><mi>a</mi></mstyle>',  # drawn over MAX_EM high
        '<mfenced separators="&lt;"><mi>a</mi><mi>b</mi></mfenced>',  # ParseError
    ],
)
def test_mathml_ziamath_fails_on_falls_back(inner: str) -> None:
    span = fallback(math(inner))
    assert (span.text or "").startswith("a")


def test_external_references_fall_back() -> None:
    assert fallback(math('<mi mathcolor="url(http://example.com/x)">x</mi>')).text == "x"


def test_empty_math_falls_back() -> None:
    assert fallback(math("")).text == ""


def test_mathml_over_the_size_limit_falls_back() -> None:
    text = "y" * (mathsvg.MAX_BYTES + 1)
    assert fallback(math(f"<mtext>{text}</mtext>")).text == text


def test_fallback_keeps_the_tex() -> None:
    html = PANDOC_HTML.replace("<msup><mi>x</mi><mn>2</mn></msup>", nested("mrow", 40))
    tree = parse(html)
    assert mathsvg.replace_math(tree) == 2
    span = next(e for e in tree.iter() if e.tag == "span")
    assert span.text == INLINE_TEX
    assert span.tail == "\nand\n"


def test_math_inside_math_is_replaced_once() -> None:
    tree = math("<mi>x</mi><math><mi>y</mi></math>")
    assert mathsvg.replace_math(tree) == 1


def test_weasyprint_lays_out_the_images(tmp_path: Path) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    pypdf = pytest.importorskip("pypdf")
    tree = parse(f"<p>Before {PANDOC_HTML.removeprefix('<p>')}<p>After.</p>")
    assert mathsvg.replace_math(tree) == 2
    html = (
        '<!DOCTYPE html><html lang="en"><head><title>Math</title></head>'
        '<body style="font-size: 10pt">'
        f"{ET.tostring(tree, encoding='unicode', method='html')}</body></html>"
    )
    pdf = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "Before" in text and "and" in text and "After." in text
    # Each image is a tagged Figure whose alternative text is the TeX.
    figures = figure_alts(reader.trailer["/Root"]["/StructTreeRoot"])
    assert figures == [INLINE_TEX, DISPLAY_TEX]


def figure_alts(node: Any) -> list[str]:
    """The /Alt of every /Figure in a structure tree, in order."""
    node = node.get_object()
    if isinstance(node, list):
        return [alt for child in node for alt in figure_alts(child)]
    if not isinstance(node, dict):
        return []
    found = [str(node["/Alt"])] if node.get("/S") == "/Figure" and "/Alt" in node else []
    return found + (figure_alts(node["/K"]) if "/K" in node else [])


def test_a_long_text_falls_back_instead_of_taking_minutes() -> None:
    """ziamath's time grows with the square of a row's text: 190,000 characters took 506 s."""
    words = " ".join(["w0000"] * 1300)
    tree = ET.fromstring(f'<p><math display="inline"><mtext>{words}</mtext></math></p>')
    assert mathsvg.replace_math(tree) == 1
    assert tree[0].tag == "span" and tree[0].get("class") == "math-fallback"


def test_a_document_without_math_comes_back_unchanged() -> None:
    html = "<!DOCTYPE html>\n<html><body><p>No math, &amp; <b>bold</b></p></body></html>"
    assert mathsvg.replace_in_document(html) is html
