"""Punctuation spacing (約物詰め), note markers, endnote labels, last lines: the print edition."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from citepress import check
from citepress import config as project
from citepress.book import convert, templates
from citepress.editions import pdf
from citepress.editions.base import Context
from citepress.publish.build import assets
from citepress.typeset import jlreq, layout
from tests.conftest import ROOT
from tests.outputs import body_height, pdf_lines
from tests.typeset.test_weasyext import paragraph_ends

WJ = jlreq.WORD_JOINER


@pytest.mark.parametrize(
    ("text", "halved"),
    [
        ("第４条では、「一国に", "、"),  # a comma before an opening bracket
        ("（発言者）」と", "）"),  # two closing brackets: the first
        ("である。」と", "。"),
        ("（「一国」）", "「」"),  # the second opening bracket; the first closing one
    ],
)
def test_the_mark_whose_blank_half_stands_between_is_halved(text: str, halved: str) -> None:
    assert "".join(match.group() for match in jlreq.HALT.finditer(text)) == halved


@pytest.mark.parametrize(
    "text", ["あ、い", "「一国」に", "した。ここ", "1.5", "(a), [b]", "１．アメリカ"]
)
def test_a_single_mark_keeps_its_em(text: str) -> None:
    assert jlreq.HALT.search(text) is None


def test_a_headings_number_is_set_proportionally() -> None:
    root = ET.fromstring("<section><h2>１．9.11以前の米ロ</h2><p>１．アメリカ</p></section>")
    jlreq.halt(root)
    assert [(span.get("class"), span.text) for span in root.iter("span")] == [("palt", "１．")]
    assert "".join(root.itertext()) == "１．9.11以前の米ロ１．アメリカ"


def test_a_wave_dash_never_starts_a_line() -> None:
    root = ET.fromstring("<div>2001年９月～10月１日、<em>四月〜五月</em>。</div>")
    jlreq.tie_dashes(root)
    assert "".join(root.itertext()) == f"2001年９月{WJ}～10月１日、四月{WJ}〜五月。"


def test_the_editors_note_gets_the_marks() -> None:
    text = jlreq._marked_text(
        "〔未詳：…〕で示した。「頃」は、「（推定）」は<b>そ</b>の両方である。"
    )
    assert '<span class="halt">、</span>「' in text
    # 「（: the second is halved; ）」: the first
    assert '「<span class="halt">（</span>推定<span class="halt">）</span>」' in text
    assert "&lt;b&gt;" in text  # the note's text stays text
    assert f"であ{WJ}る。" in text


def test_halt_spans_keep_the_text_and_the_page_map_address() -> None:
    root = ET.fromstring('<p data-cp-page="0.0:3">では、「一国」と<em>述べ）」た</em>。</p>')
    jlreq.halt(root)
    assert "".join(root.itertext()) == "では、「一国」と述べ）」た。"
    spans = [span for span in root.iter("span") if span.get("class") == "halt"]
    assert [span.text for span in spans] == ["、", "）"]
    assert spans[0].get("data-cp-page") == "0.0:3"  # the paragraph's text


@pytest.mark.parametrize(
    ("html", "joined"),
    [
        ("<p>が明らかになったのである。</p>", f"が明らかになったのであ{WJ}る。"),
        ("<p>確かに<em>ある</em>。</p>", f"確かにあ{WJ}る。"),  # the last letters elsewhere
        (  # a marker is not the paragraph's last word
            '<p>した。<a class="noteref">（注1）</a></p>',
            f"し{WJ}た。（注1）",
        ),
        ("<p>短</p>", "短"),
    ],
)
def test_a_paragraphs_last_two_letters_are_tied(html: str, joined: str) -> None:
    root = ET.fromstring(html)
    jlreq.join_last(root)
    assert "".join(root.itertext()) == joined


def test_only_a_cjk_book_is_marked() -> None:
    class English:
        lang = "en-GB"

    book: Any = English()
    assert jlreq.mark(book) is book


@pytest.fixture(scope="module")
def laid_out() -> Any:
    """The chapter's PDF edition laid out in this process: its boxes can be read."""
    settings = project.load(ROOT)
    checked = check.run(settings)
    book = convert.book(settings, checked.docs, checked.bib, checked.images)
    context = Context(templates.environment(settings.templates), settings, assets(settings))
    return layout.lay_out(pdf.prepare(book, context)[0], context.assets)


def _text_boxes(document: Any, cls: str) -> list[Any]:
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    return [
        box
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, boxes.TextBox)
        and box.element is not None
        and cls in (box.element.get("class") or "").split()
    ]


def test_halved_marks_are_half_an_em(laid_out: Any) -> None:
    halved = _text_boxes(laid_out, "halt")
    assert len(halved) > 50  # the chapter's 、「 」」 。」 and heading numbers
    for box in halved:
        assert box.width == pytest.approx(box.style["font_size"] / 2, abs=0.05), box.text


def test_a_marker_is_compact(laid_out: Any) -> None:
    """（注1） at its size: half-width brackets and digit, one em for 注 — 2.5 em, not 4."""
    markers = [box for box in _text_boxes(laid_out, "noteref") if box.text.startswith("（")]
    assert len(markers) == 31
    for box in markers:
        digits = len(box.text) - 3  # a digit is about half an em (proportional)
        assert box.width / box.style["font_size"] < 2 + digits * 0.6, box.text


def test_every_note_starts_its_text_at_one_place(laid_out: Any) -> None:
    """The label hangs in its own box: after （注1） and （注10） alike, and on each of a
    note's lines, its text starts at one place."""
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    offsets, off_line = [], []
    for page in laid_out.pages:
        for block in page._page_box.descendants():
            lines = [child for child in getattr(block, "children", [])
                     if isinstance(child, boxes.LineBox) and child.children]  # fmt: skip
            label = lines[0].children[0] if lines else None
            if (
                label is None
                or label.element is None
                or "note-label" not in (label.element.get("class") or "").split()
            ):
                continue
            if len(lines[0].children) < 2:  # a note of several paragraphs: label alone
                continue
            text = lines[0].children[1].position_x
            offsets.append(round(text - block.content_box_x(), 2))
            off_line += [
                line for line in lines[1:] if abs(line.children[0].position_x - text) > 0.01
            ]
    assert len(offsets) == 31
    assert len(set(offsets)) == 1, offsets  # 3.5 em of the notes' face from the block's edge
    assert off_line == []


def test_no_paragraph_ends_on_a_line_of_one_letter(editions: dict[str, Path]) -> None:
    pages = pdf_lines(editions["pdf"])
    lasts = [line for line, last in paragraph_ends(pages, body_height(pages)) if last]
    letters = [re.sub(r"（注\d+）|[\W\u2060]", "", line.text) for line in lasts]
    assert len(lasts) > 40
    assert [text for text in letters if len(text) < 2] == []


def test_a_heading_number_leaves_no_hole(laid_out: Any) -> None:
    """「２．9.11直後の…」: the number and its full stop take 1.3 em, not 2 (a full-width
    digit and a full-width stop each leave a blank)."""
    numbers = [
        box.width / box.style["font_size"]
        for box in _text_boxes(laid_out, "palt")
        if box.element_tag == "span"
    ]
    assert len(numbers) == 3  # the chapter's numbered sections, １． to ３．
    assert max(numbers) < 1.5, numbers  # 1.26 em, set proportionally; 2 em before


def test_a_bracket_starting_a_line_stands_flush(editions: dict[str, Path]) -> None:
    """JLREQ 3.1.5: an opening bracket at a line's head is set in half an em, flush with
    the text block (天付き), or, starting a paragraph, one em in (全角下げ); pdftotext
    boxes its glyph from half an em further left."""
    pages = pdf_lines(editions["pdf"])
    height, em = body_height(pages), 9.0
    placed = []
    for page in pages:
        body = [line for line in page if line.height == height]
        if not body:
            continue
        margin = min(line.set_from(em) for line in body)
        for line in body:
            if line.text[:1] in "「（『":
                indent = round((line.set_from(em) - margin) / em, 1)
                placed.append((line.page, line.text[:6], indent))
    assert placed  # the chapter has one: p.2 「集団安全保障条約」
    assert {indent for _, _, indent in placed} <= {0.0, 1.0}, placed


def test_what_a_note_lacks_breaks_only_between_its_words() -> None:
    tied = jlreq.tie("受けた。〔未詳：著者、題名、媒体〕")
    assert tied.replace(WJ, "") == "受けた。〔未詳：著者、題名、媒体〕"
    assert f"題{WJ}名" in tied and "、題" in tied  # whole words; a break after 、


def test_the_editors_note_keeps_its_ampersands_whole() -> None:
    """Joiners go in before escaping: 〔未詳：a&b〕 must not become 「&⁠a⁠m⁠p⁠;」."""
    text = jlreq._marked_text("〔未詳：R&D、<i>〕である。")
    assert "&amp;" in text and "&lt;" in text and "&gt;" in text  # entities whole
    assert text.replace(WJ, "") == "〔未詳：R&amp;D、&lt;i&gt;〕である。"


def test_number_and_unit_spans_become_tied_letters() -> None:
    root = ET.fromstring(
        '<p>前<span class="unit">５月</span>と<span class="unit">24日</span>、<em>x</em>'
        '<span class="unit">1000名</span>。</p>'
    )
    jlreq.unwrap_units(root)
    assert [child.tag for child in root] == ["em"]
    assert root.text == f"前５{WJ}月と2{WJ}4{WJ}日、"
    assert root[0].tail == f"1{WJ}0{WJ}0{WJ}0{WJ}名。"


def test_every_note_label_is_one_line_within_its_box(laid_out: Any) -> None:
    """（注25） to （注31） broke after 注 in their 3.5 em box (a reader saw it on the
    last page of notes); the label is one line, and fits."""
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    labels = [
        box
        for page in laid_out.pages
        for box in page._page_box.descendants()
        if isinstance(box, boxes.InlineBlockBox)
        and "note-label" in (box.element.get("class") or "").split()
    ]
    assert len(labels) == 31
    for label in labels:
        lines = [child for child in label.children if isinstance(child, boxes.LineBox)]
        assert len(lines) == 1, label.element.text
        text = sum(child.margin_width() for child in lines[0].children)
        assert text <= label.width + 0.01, label.element.text  # in its box, not over the note
