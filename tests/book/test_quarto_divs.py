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

import pytest

from citepress import check
from citepress import config as project
from citepress.sources import xref
from tests.conftest import ROOT
from tests.runcli import cli

FIXTURE = ROOT / "tests" / "fixtures" / "patterns" / "quarto-figure-div"


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


@pytest.mark.slow
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


def _para(text: str) -> dict[str, Any]:
    return {"t": "Para", "c": [{"t": "Str", "c": text}]}


def test_a_table_div_keeps_every_block_when_its_table_has_a_caption() -> None:
    """The last paragraph was popped as a caption and dropped, with its citation and note."""
    caption = [None, [{"t": "Plain", "c": [{"t": "Str", "c": "Own."}]}]]
    table: dict[str, Any] = {"t": "Table", "c": [["", [], []], caption, [], [], [], []]}
    after = _para("An explanatory paragraph.")
    tree: dict[str, Any] = {"blocks": [{"t": "Div", "c": [["tbl-a", [], []], [table, after]]}]}
    xref.figure_divs(tree)
    (div,) = tree["blocks"]
    assert div["t"] == "Div" and div["c"][1] == [table, after]
    assert table["c"][0][0] == "tbl-a" and table["c"][1] == caption


def test_a_figure_div_whose_image_alt_cites_stays_a_div() -> None:
    """A figure's image alt is taken to repeat its caption; a div's is its own."""
    cite = {"t": "Cite", "c": [[{"citationId": "c"}], []]}
    image = {"t": "Image", "c": [["", [], []], [cite], ["a.png", ""]]}
    body = {"t": "Para", "c": [image]}
    tree: dict[str, Any] = {
        "blocks": [{"t": "Div", "c": [["fig-a", [], []], [body, _para("Cap.")]]}]
    }
    xref.figure_divs(tree)
    assert tree["blocks"][0]["t"] == "Div"


@pytest.mark.slow
def test_notes_in_a_figure_div_are_counted_in_the_order_the_editions_print_them(
    tmp_path: Path,
) -> None:
    """Body first, then the caption: the check counted the caption's note first."""
    root = tmp_path / "p"
    (root / "manuscript").mkdir(parents=True)
    (root / "bib").mkdir()
    shutil.copy(FIXTURE / "refs.bib", root / "bib" / "refs.bib")
    (root / "manuscript" / "chapter.md").write_text(
        "---\ntitle: T\nauthor: A\nlang: en\n---\n\nSee @fig-a.\n\n"
        "::: {#fig-a}\nThe body [@ames-index].\n\nThe caption [@bell-ports].\n:::\n",
        encoding="utf-8",
    )
    (root / "pyproject.toml").write_text("[tool.citepress]\n", encoding="utf-8")
    (doc,) = check.run(project.load(root)).docs
    assert [(c.key, c.note) for c in doc.citations] == [("ames-index", 1), ("bell-ports", 2)]
    done = cli(root, "build", "--format", "html", "--no-cache")
    assert done.returncode == 0, done.stderr
    html = (root / "build" / "chapter.html").read_text(encoding="utf-8")
    notes = re.findall(r'<li id="note-(\d+)"[^>]*>(.*?)</li>', html, re.S)
    assert [n for n, text in notes if "Ames" in text] == ["1"]


def test_an_implicit_figure_inside_a_figure_div_is_one_figure() -> None:
    image = {"t": "Image", "c": [["", [], []], [{"t": "Str", "c": "alt"}], ["a.png", ""]]}
    inner = {"t": "Figure", "c": [["", [], []], [None, []], [{"t": "Plain", "c": [image]}]]}
    tree: dict[str, Any] = {
        "blocks": [{"t": "Div", "c": [["fig-a", [], []], [inner, _para("Cap.")]]}]
    }
    xref.figure_divs(tree)
    (figure,) = tree["blocks"]
    assert figure["t"] == "Figure" and figure["c"][2] == [{"t": "Plain", "c": [image]}]


def test_a_subfigure_with_its_own_id_stays_a_figure_that_can_be_referred_to() -> None:
    """:::{#fig-both} ![a](a.png){#fig-a} ![b](b.png){#fig-b} Caption. ::: (a real book's)."""

    def sub(ident: str) -> dict[str, Any]:
        image = {"t": "Image", "c": [["", [], []], [{"t": "Str", "c": ident}], ["a.png", ""]]}
        return {"t": "Figure", "c": [[ident, [], []], [None, []], [{"t": "Plain", "c": [image]}]]}

    blocks = [sub("fig-a"), sub("fig-b"), _para("Both.")]
    tree: dict[str, Any] = {"blocks": [{"t": "Div", "c": [["fig-both", [], []], blocks]}]}
    xref.figure_divs(tree)
    (figure,) = tree["blocks"]
    assert [inner["c"][0][0] for inner in figure["c"][2]] == ["fig-a", "fig-b"]
