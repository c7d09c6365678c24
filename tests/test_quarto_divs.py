"""Quarto's figure and table divs are figures and tables, in the check and every edition.

A real book (start-bayes, in the corpus) writes ``:::{#fig-xy}`` around a diagram
with its caption as the last paragraph; before sources/xref.figure_divs, every
``@fig-xy`` was a false xref.undefined error and the edition printed no number.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from citepress.sources import xref
from tests.runcli import cli

FIXTURE = Path(__file__).parent / "fixtures" / "patterns" / "quarto-figure-div"


def test_a_fig_div_becomes_a_figure_with_its_last_paragraph_as_caption() -> None:
    para = {"t": "Para", "c": [{"t": "Str", "c": "Caption."}]}
    code = {"t": "CodeBlock", "c": [["", [], []], "x"]}
    tree: dict[str, Any] = {"blocks": [{"t": "Div", "c": [["fig-a", [], []], [code, para]]}]}
    xref.figure_divs(tree)
    (figure,) = tree["blocks"]
    assert figure["t"] == "Figure"
    assert figure["c"][0][0] == "fig-a"
    assert figure["c"][1][1] == [{"t": "Plain", "c": para["c"]}]
    assert figure["c"][2] == [code]


def test_other_divs_are_left_alone() -> None:
    para = {"t": "Para", "c": [{"t": "Str", "c": "Text."}]}
    tree: dict[str, Any] = {
        "blocks": [{"t": "Div", "c": [["note-a", ["callout"], []], [para, para]]}]
    }
    before = repr(tree)
    xref.figure_divs(tree)
    assert repr(tree) == before


def test_the_html_edition_numbers_them_and_links_the_references(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "manuscript").mkdir(parents=True)
    (root / "bib").mkdir()
    shutil.copy(FIXTURE / "chapter.md", root / "manuscript" / "chapter.md")
    shutil.copy(FIXTURE / "refs.bib", root / "bib" / "refs.bib")
    (root / "pyproject.toml").write_text('[tool.citepress]\ncsl = "apa"\n', encoding="utf-8")
    done = cli(root, "build", "--format", "html", "--no-cache")
    assert done.returncode == 0, done.stderr
    html = (root / "build" / "chapter.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "drawn in Figure 1 and counted in Table 1" in text
    assert "Figure 1 : How a cargo reaches the ledger." in text
    assert "Table 1 : Ledgers per port." in text


def test_an_image_labelled_fig_alone_in_its_paragraph_is_a_figure_even_without_caption() -> None:
    """Quarto numbers ``![](a.png){#fig-a}``; pandoc makes a figure only of a captioned image."""
    image: dict[str, Any] = {
        "t": "Image",
        "c": [["fig-a", [], [["width", "50%"]]], [], ["a.png", ""]],
    }
    tree: dict[str, Any] = {"blocks": [{"t": "Para", "c": [image]}]}
    xref.figure_divs(tree)
    (figure,) = tree["blocks"]
    assert figure["t"] == "Figure"
    assert figure["c"][0][0] == "fig-a"
    (plain,) = figure["c"][2]
    assert plain["c"][0]["c"][0] == ["", [], [["width", "50%"]]]  # the id moves to the figure
