"""The corpus scripts' own rules, on text of our own (the corpus itself is not here)."""

from __future__ import annotations

from scripts import corpus, corpus_labels


def test_knit_fences_turn_chunks_into_code_blocks_line_for_line() -> None:
    body = b"Text.\n\n```{r fig-x, echo=FALSE}\n# @key is R\n```\n\nMore.\n"
    knitted = corpus.knit_fences(body)
    assert knitted == b"Text.\n\n```r\n# @key is R\n```\n\nMore.\n"
    assert knitted.count(b"\n") == body.count(b"\n")


def test_a_cross_reference_to_a_chunks_figure_is_another_tools() -> None:
    sources = "```{r}\n#| label: fig-plot\nplot(1)\n```\n\n```{ojs}\n//| label: fig-js\n```\n"
    finding = {"message": "cross-reference @fig-plot-2: no figure has this label"}
    assert corpus_labels._made_by_code(finding, sources)  # a panel of fig-plot
    assert corpus_labels._made_by_code({"message": "@fig-js: no figure"}, sources)
    assert not corpus_labels._made_by_code({"message": "@fig-other: no figure"}, sources)


def test_a_finding_no_rule_names_is_unlabelled() -> None:
    finding = {"severity": "query", "code": "date.before-event", "message": "m",
               "source": "a.md", "source_line": 3}  # fmt: skip
    assert corpus_labels.label("w", finding, "", {}) == ("unlabelled", "")
    given = {("w", "a.md", 3, "date.before-event"): ("true", "why")}
    assert corpus_labels.label("w", finding, "", given) == ("true", "why")
