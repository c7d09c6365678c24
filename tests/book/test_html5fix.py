"""tinyhtml5's chars_until cache, mended (book/html5fix.py): the same trees, built faster."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest
import tinyhtml5
from tinyhtml5 import inputstream
from tinyhtml5.constants import ascii_letters, space_characters

from citepress.book import document, html5fix
from citepress.typeset import layout

# What the tokenizer scans in many ways: attributes quoted three ways, character
# references, comments, raw text, CDATA in MathML, a doctype, CJK and NUL characters.
HTML = """<!DOCTYPE html><html lang="ja"><head><title>t &amp; u</title>
<style>p > a { color: red }</style><script>if (a < b && c) {}</script></head>
<body><p class="a b" id='x' data-n=3 hidden>「米ロ関係」 &lt;tag&gt; &#x3042; &copy &notanentity;
<a href="#n1" title="one &quot;two&quot;">1</a><!-- a comment -- with dashes --></p>
<math><mi>x</mi><annotation-xml><![CDATA[x < y]]></annotation-xml></math>
<table><tr><td colspan=2>cell\u0000</td></tr></table><br/><img src=a.png alt="">
<svg viewBox="0 0 1 1"><path d="M0 0"/></svg><pre>
  kept   spaces</pre></body></html>"""


@pytest.fixture()
def pristine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """tinyhtml5 as it comes: its own (plain dict) cache, empty."""
    monkeypatch.setattr(inputstream, "characters_until_regex", {})
    yield


def _tree(html: str) -> bytes:
    return ET.tostring(tinyhtml5.parse(html, namespace_html_elements=False))


def test_the_trees_are_tinyhtml5s_own(pristine: None) -> None:
    documents = [HTML, HTML * 3, "<p a=1 b=2 c=3>" * 50, "", "<", "<a b", "<!--", "&"]
    plain = [_tree(html) for html in documents]
    html5fix.apply()
    assert isinstance(inputstream.characters_until_regex, html5fix.Regexes)
    assert [_tree(html) for html in documents] == plain


def test_each_regex_is_made_once(pristine: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bug: a regex stored under itself, so every scan built it again."""
    html5fix.apply()
    made: list[tuple[object, bool]] = []
    missing = html5fix.Regexes.__missing__

    def counted(cache: html5fix.Regexes, key: tuple[object, bool]) -> object:
        made.append(key)
        return missing(cache, key)

    monkeypatch.setattr(html5fix.Regexes, "__missing__", counted)
    _tree(HTML)
    first = len(made)
    assert 0 < first == len(inputstream.characters_until_regex) < 20
    _tree(HTML)
    assert len(made) == first  # the second parse finds every regex kept
    kept = set(inputstream.characters_until_regex)
    assert kept == set(made) and not any(isinstance(key[0], re.Pattern) for key in kept)


def test_the_bug_it_mends(pristine: None) -> None:
    """tinyhtml5 2.1.0 as it comes keeps each regex under the regex: no lookup can hit."""
    _tree(HTML)
    kept = inputstream.characters_until_regex
    assert kept and all(isinstance(key[0], re.Pattern) for key in kept)


@pytest.mark.parametrize(
    ("characters", "opposite"),
    [
        (ascii_letters, True),
        (space_characters, True),
        (("&", "<", "\u0000"), False),
        (">", False),
        ("\u3042", False),  # beyond Latin-1: escaped as tinyhtml5 escapes it, \x3042
    ],
)
def test_each_regex_is_the_one_tinyhtml5_builds(
    pristine: None, characters: Collection[str], opposite: bool
) -> None:
    inputstream.HTMLUnicodeInputStream("x").chars_until(characters, opposite)
    (stock,) = inputstream.characters_until_regex.values()  # under itself, as it comes
    assert html5fix.Regexes()[(characters, opposite)].pattern == stock.pattern


def test_apply_keeps_the_cache_it_gave(pristine: None) -> None:
    html5fix.apply()
    cache = inputstream.characters_until_regex
    _tree(HTML)
    html5fix.apply()
    assert inputstream.characters_until_regex is cache and len(cache) > 0


def test_another_tinyhtml5_is_left_alone(pristine: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tinyhtml5, "__version__", "3.0.0")
    html5fix.apply()
    assert type(inputstream.characters_until_regex) is dict


def test_the_conversion_and_the_pdf_parse_with_it(pristine: None, tmp_path: Path) -> None:
    document._parse_fragment("<p class='a'>x</p>")  # a chapter's HTML, in the build
    assert isinstance(inputstream.characters_until_regex, html5fix.Regexes)
    inputstream.characters_until_regex = {}
    layout.lay_out("<!DOCTYPE html><html><body><p class='a'>x</p></body></html>", [tmp_path])
    assert isinstance(inputstream.characters_until_regex, html5fix.Regexes)
