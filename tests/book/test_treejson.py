"""A parsed chapter kept as JSON (book/treejson.py) and read back as the same tree."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from citepress.book import document, sanitise, treejson
from citepress.ground.memo import Memo

HTML = (
    '<p id="a">One <em>two</em> three<sup role="doc-noteref"><a href="#n1">1</a></sup> tail</p>'
    '<math display="block"><mi>x</mi><mo>=</mo><mn>2</mn></math>'
    "<table><tr><th>h</th></tr><tr><td>d &amp; e</td></tr></table>"
)


def _same(one: ET.Element, two: ET.Element) -> bool:
    return ET.tostring(one, encoding="unicode") == ET.tostring(two, encoding="unicode")


def test_a_parsed_chapter_reads_back_as_the_same_tree() -> None:
    tree = document._parse_fragment(HTML)
    text = treejson.dump(tree)
    assert text is not None
    back = treejson.load(text)
    assert back is not None and _same(tree, back)


def test_any_depth_reads_back_without_recursion() -> None:
    root = ET.Element("div")
    node = root
    for _ in range(50_000):
        node = ET.SubElement(node, "span")
        node.tail = "x"
    text = treejson.dump(root)
    assert text is not None
    back = treejson.load(text)
    assert back is not None and len(list(back.iter())) == 50_001


def test_a_comment_is_not_kept() -> None:
    root = ET.Element("div")
    root.append(ET.Comment("note"))
    assert treejson.dump(root) is None


@pytest.mark.parametrize(
    "rows",
    [
        [["div", {}, None, None, 2], ["p", {}, "x", None, 0]],  # a child short
        [["div", {}, None, None, 0], ["p", {}, "x", None, 0]],  # a child too many
        [["div", {"id": 1}, None, None, 0]],  # an attribute that is not text
        [["div", {}, 3, None, 0]],  # text that is not text
        [["div", {}, None, None, -1]],
        [["div", {}, None, None, True]],
        [[None, {}, None, None, 0]],
        [["div", {}, None, None]],
        [],
    ],
)
def test_anything_but_a_tree_reads_as_none(rows: list[object]) -> None:
    assert treejson.load(json.dumps([treejson.FORMAT, rows])) is None


@pytest.mark.parametrize("text", ["", "[", "{}", '["other-format", []]', "[1, 2, 3]", "null"])
def test_anything_but_our_json_reads_as_none(text: str) -> None:
    assert treejson.load(text) is None


def test_a_build_parses_a_chapter_once_and_reads_the_tree_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build = Memo(read=True, write=True)
    first = document._clean_tree(HTML, build)

    def no_parse(html: str) -> ET.Element:
        raise AssertionError("parsed again")

    monkeypatch.setattr(document, "_parse_fragment", no_parse)
    assert _same(document._clean_tree(HTML, build), first)
    with pytest.raises(AssertionError, match="parsed again"):
        document._clean_tree(HTML, Memo(read=False, write=True))  # `build --no-cache`


def test_a_kept_tree_that_is_not_one_is_parsed_again() -> None:
    build = Memo(read=True, write=True)
    run = build.key([document._parser()], HTML)
    build.put(run, json.dumps([treejson.FORMAT, [["div", {}, None, None, 5]]]))
    tree = document._clean_tree(HTML, build)
    assert _same(tree, document._parse_fragment(sanitise.clean(HTML)))


def test_json_nested_past_the_reader_reads_as_none() -> None:
    assert treejson.load("[" * 200_000 + "]" * 200_000) is None
