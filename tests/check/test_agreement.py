"""Property: the notes the check counts and numbers are the notes every edition prints.

Manuscripts are generated from the constructs on which a hand-written scanner and
pandoc used to disagree: citation groups, narrative citations, inline and
reference notes, citations in code, escaped at signs, raw HTML, emphasis.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pytest
import tinyhtml5
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citepress import check
from citepress import config as project
from citepress.book import convert, templates
from citepress.editions import epub, html
from citepress.editions.base import Context

# Slow (generated manuscripts built (hypothesis)): not in `make quick`.
pytestmark = pytest.mark.slow

KEYS = ["a", "b", "c"]
FRONT = "---\ntitle: T\nauthor: A\nlang: en\n---\n\n"
BIB = "".join(
    f"@misc{{{k},\n  author = {{X}},\n  title = {{T{k}}},\n  date = {{2001}},\n}}\n" for k in KEYS
)

PIECE = st.sampled_from(
    [
        "word ", "[@a]", "[@b; @c]", "@a says ", "[-@b]", "[see @c, p. 3]", "^[aside]",
        "^[with @a inside]", "[^n]", "`[@a]`", "\\@b ", "*emph [@c]* ", "<span>[@a]</span>",
        "\n\n", "\n\n    [@a] in code\n\n", "\n\n> quoted [@b]\n\n", "\n\n- item [@c]\n\n",
        "。", "2001年10月１日", "(@a)", "email a@b.org ",
    ]
)  # fmt: skip


def _notes_in_html(page: str) -> int:
    tree = tinyhtml5.parse(page, namespace_html_elements=False)
    return len(tree.findall(".//a[@role='doc-noteref']"))


@pytest.mark.timeout(600)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(PIECE, min_size=1, max_size=25))
def test_the_check_and_the_editions_count_the_same_notes(pieces: list[str]) -> None:
    body = "".join(pieces)
    if "[^n]" in body:
        body += "\n\n[^n]: A reference note citing [@b].\n"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "manuscript").mkdir()
        (root / "bib").mkdir()
        (root / "manuscript" / "chapter.md").write_text(FRONT + body, encoding="utf-8")
        (root / "bib" / "refs.bib").write_text(BIB, encoding="utf-8")
        (root / "pyproject.toml").write_text("[tool.citepress]\n", encoding="utf-8")
        settings_ = project.load(root)
        checked = check.run(settings_)
        assert not [d for d in checked.diagnostics if d.code == "internal.position"]
        doc = checked.docs[0]
        numbers = sorted({c.note for c in doc.citations})
        assert numbers == sorted(set(numbers)) and all(1 <= n <= doc.notes for n in numbers)
        book = convert.book(settings_, checked.docs, checked.bib)
        assert [note.number for note in book.chapters[0].notes] == list(range(1, doc.notes + 1))
        context = Context(templates.environment(settings_.templates), settings_, [])
        assert _notes_in_html(html.render(book, context).decode("utf-8")) == doc.notes
        with zipfile.ZipFile(io.BytesIO(epub.render(book, context))) as archive:
            chapter = archive.read("EPUB/chapter.xhtml").decode("utf-8")
        assert chapter.count('epub:type="noteref"') == doc.notes
