"""The labels of the corpus's findings: true problem, another tool's feature, or false alarm.

Each error and query the check gives on the corpus is labelled by a person. Most
errors come in large classes of one pattern (719 cross-references to figures that
only knitr makes by running R), so a class is labelled once, by a rule below that
names the pattern, after reading its findings; each date query, and each finding
no rule names, is labelled one by one in ``corpus/labels.toml``. A finding that
neither labels is reported as unlabelled: the table is complete only when none is.

The labels:

- ``true``: the book as committed is wrong, whatever tool builds it (a key with no
  entry, a date that is no date, two entries with one key), or a query an editor
  would ask;
- ``other-tool``: right about citepress's editions, but the book relies on a tool
  citepress is not (knitr running R to make figures, tables and bibliographies;
  Quarto's theorem and callout cross-references; pandoc-crossref's ``@fig:x``;
  images kept outside citepress's asset folders);
- ``false``: nothing is wrong: a false alarm.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LABELS = ("true", "other-tool", "false")
Finding = dict[str, Any]


@dataclass(frozen=True)
class Rule:
    """A class of findings of one pattern, and its label."""

    code: str
    label: str
    why: str
    matches: Callable[[Finding, str], bool]


def _message(pattern: str) -> Callable[[Finding, str], bool]:
    found = re.compile(pattern)
    return lambda finding, _: bool(found.search(finding["message"]))


def _made_by_code(finding: Finding, sources: str) -> bool:
    """A cross-reference whose label a code chunk defines (``#| label: fig-x``)."""
    label = re.search(r"@(\S+?):", finding["message"])
    if label is None:
        return False
    # fig-x-1, fig-x-2: the panels of one chunk's figure fig-x (Quarto's subfigures).
    names = {label.group(1), re.sub(r"-\d+$", "", label.group(1))}
    name = "(?:" + "|".join(re.escape(n) for n in names) + ")"
    chunk = rf"(?:#|%%|//)\|\s*label:\s*[\"']?{name}[\"']?\s*$|```\{{\w+[ ,]+{name}[\s,}}]"
    return bool(re.search(chunk, sources, re.M))


RULES = (
    Rule("xref.undefined", "other-tool",
         "the figure or table is made by a code chunk (#| label: fig-x): knitr runs R",
         _made_by_code),
    Rule("xref.undefined", "true", "the label is defined nowhere in the book", lambda f, s: True),
    Rule("ref.undefined", "other-tool", "Quarto's theorem or callout cross-reference",
         _message(r"is Quarto's cross-reference to")),
    Rule("ref.undefined", "other-tool",
         "knitr::write_bib makes this entry at build time (packages.bib is not committed)",
         _message(r"citation key 'R-")),
    Rule("ref.undefined", "other-tool", "pandoc-crossref's @fig:x / @tbl:x",
         _message(r"citation key '(?:fig|tbl|eq|sec):")),
    Rule("ref.undefined", "true", "the bibliography has no such entry (or @ is a typo)",
         lambda f, s: True),
    Rule("image.outside", "other-tool",
         "the image lies where the book's own tool looks, not in manuscript/assets",
         lambda f, s: True),
    Rule("bib.duplicate-key", "true", "two entries share a key", lambda f, s: True),
    Rule("bib.duplicate-field", "true", "a field set twice in one entry", lambda f, s: True),
    Rule("ref.hidden", "true",
         "[@a, @b] or [… @a and @b]: pandoc prints @b in @a's place (checked with pandoc 3.9)",
         lambda f, s: True),
    Rule("date.invalid", "true", "not a date ('20', 'NaN', 'March 1999', '2012 Mar-Apr')",
         lambda f, s: True),
    Rule("date.legacy-mismatch", "true", "month and date disagree", lambda f, s: True),
    Rule("md.metadata", "true", "a YAML block in the body sets bibliography", lambda f, s: True),
    Rule("md.encoding", "true", "a control character (U+0008) no XML can carry",
         lambda f, s: True),
)  # fmt: skip


def load_labels(path: Path) -> dict[tuple[str, str, int, str], tuple[str, str]]:
    """Labels given one by one: (work, source, line, code) -> (label, why)."""
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    labels = {}
    for item in data.get("label", []):
        key = (item["work"], item["source"], int(item["line"]), item["code"])
        labels[key] = (item["label"], item["why"])
    return labels


def label(
    work: str,
    finding: Finding,
    sources: str,
    one_by_one: dict[tuple[str, str, int, str], tuple[str, str]],
) -> tuple[str, str]:
    """The finding's label and why: one given for it alone, else its class's, else none."""
    key = (work, finding["source"], int(finding["source_line"]), finding["code"])
    if key in one_by_one:
        return one_by_one[key]
    if finding["severity"] == "error":
        for rule in RULES:
            if rule.code == finding["code"] and rule.matches(finding, sources):
                return rule.label, rule.why
    return "unlabelled", ""
