"""One reading: the check's facts are pandoc's tree, the one the editions render.

Each test here was written against a hole or a disagreement found in review
(issue #10); each failed on the code before the check read pandoc's tree.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from citepress import check
from citepress import config as project
from citepress.book import convert
from citepress.diagnostics import Code
from citepress.ground import pandocbatch
from citepress.sources import manuscript
from tests.runcli import cli

FRONT = "---\ntitle: T\nauthor: A\nlang: en\n---\n\n"
BIB = "@misc{a,\n  author = {X},\n  title = {Real title},\n  date = {2001},\n}\n\n" + "".join(
    f"@misc{{{k},\n  author = {{X}},\n  title = {{T {k}}},\n  date = {{2001}},\n}}\n\n"
    for k in "bcdefg"
)


def make(tmp_path: Path, body: str, bib: str = BIB, name: str = "chapter.md") -> Path:
    (tmp_path / "manuscript").mkdir(exist_ok=True)
    (tmp_path / "bib").mkdir(exist_ok=True)
    (tmp_path / "manuscript" / name).write_text(FRONT + body, encoding="utf-8")
    (tmp_path / "bib" / "refs.bib").write_text(bib, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.citepress]\nbibliography = ["bib/refs.bib"]\n[tool.citepress.severity]\n'
        '"ref.unused" = "note"\n',
        encoding="utf-8",
    )
    return tmp_path


def codes(root: Path) -> list[tuple[str, int, int]]:
    result = check.run(project.load(root))
    return [(d.code, d.line, d.column) for d in result.diagnostics if d.severity != "note"]


def html_edition(root: Path, *args: str) -> str:
    done = cli(root, "build", "--format", "html", "--no-cache", *args)
    assert done.returncode == 0, done.stderr
    return (root / "build" / "chapter.html").read_text(encoding="utf-8")


FORGE = "Text [@a].\n\n---\nreferences:\n- id: a\n  type: book\n  title: FORGED\n---\n"


def test_a_metadata_block_in_the_body_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = make(tmp_path, FORGE)
    assert ("md.metadata", 9, 1) in codes(root)


@pytest.mark.slow
def test_a_forged_reference_never_reaches_an_edition_even_forced(tmp_path: Path) -> None:
    root = make(tmp_path, FORGE)
    assert cli(root, "build", "--format", "html").returncode == 1
    page = html_edition(root, "--force")
    assert "FORGED" not in page
    assert "Real Title" in page  # Chicago (an English chapter's default) title-cases


@pytest.mark.slow
def test_body_lang_and_citation_abbreviations_are_errors_and_ignored(tmp_path: Path) -> None:
    secret = tmp_path / "outside-secret.txt"
    secret.write_text("TOKEN-abc123\n", encoding="utf-8")
    body = f"Text [@a].\n\n---\nlang: fr-FR\ncitation-abbreviations: {secret}\n---\n"
    (tmp_path / "p").mkdir()
    root = make(tmp_path / "p", body)
    assert ("md.metadata", 9, 1) in codes(root)
    done = cli(root, "build", "--format", "html", "--force", "--no-cache")
    assert done.returncode == 0, done.stderr
    assert "TOKEN-abc123" not in done.stderr + done.stdout
    assert 'lang="fr' not in (root / "build" / "chapter.html").read_text(encoding="utf-8")


def test_pandoc_keys_in_the_front_matter_are_errors(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n")
    chapter = root / "manuscript" / "chapter.md"
    chapter.write_text(chapter.read_text().replace("lang: en\n", "lang: en\nbibliography: x\n"))
    assert ("md.metadata", 5, 1) in codes(root)


@pytest.mark.slow
def test_a_chapters_csl_is_ours_and_confined_to_the_templates(tmp_path: Path) -> None:
    """``csl`` was pandoc's; now a chapter names its style, which must be in templates/."""
    root = make(tmp_path, "Text [@a].\n")
    chapter = root / "manuscript" / "chapter.md"
    chapter.write_text(chapter.read_text().replace("lang: en\n", "lang: en\ncsl: /etc/passwd\n"))
    assert codes(root) == [("md.front-matter", 5, 1)]
    assert "root:x:0" not in html_edition(root, "--force")  # the book's style instead


@pytest.mark.slow
def test_inline_notes_are_counted_and_numbered_as_the_editions_number_them(
    tmp_path: Path,
) -> None:
    body = "One [@a]. Two^[An aside, see @b.] three [@c; @d]. Four @e says [@f].\n"
    root = make(tmp_path, body)
    doc = check.run(project.load(root)).docs[0]
    assert doc.notes == 5
    assert [(c.key, c.note) for c in doc.citations] == [
        ("a", 1), ("b", 2), ("c", 3), ("d", 3), ("e", 4), ("f", 5),
    ]  # fmt: skip
    page = html_edition(root)
    assert page.count('role="doc-noteref"') == 5


def test_citations_in_code_and_escaped_at_signs_are_not_citations(tmp_path: Path) -> None:
    body = "Text [@a].\n\n    [@nosuch] in indented code\n\nEscaped \\@nosuch and `@nosuch`.\n"
    body += '\n<style>@import url("x.css");</style>\n'
    # No citation; the <style> is reported as removed (it prints in no edition).
    assert codes(make(tmp_path, body)) == [(Code.MD_DROPPED, 13, 1)]


@pytest.mark.slow
def test_a_link_to_a_bare_hash_is_broken_and_not_a_file_link(tmp_path: Path) -> None:
    root = make(tmp_path, 'Text [@a] and <a href="#">here</a> and [there](#nowhere).\n')
    found = codes(root)
    assert ("ref.broken-link", 7, 24) in found
    assert ("ref.broken-link", 7, 48) in found
    page = html_edition(root, "--force")
    assert 'href="#"' not in page and 'href="#nowhere"' not in page


@pytest.mark.slow
def test_control_characters_as_entities_are_errors_and_stripped(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a] with &#1; and &#xFFFE; in it.\n")
    assert ("md.encoding", 7, 16) in codes(root)
    page = html_edition(root, "--force")
    assert "\x01" not in page and "\ufffe" not in page


def test_control_characters_in_the_front_matter_are_errors(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n")
    chapter = root / "manuscript" / "chapter.md"
    chapter.write_text(chapter.read_text().replace("title: T", 'title: "A\\x01B"'))
    assert ("md.encoding", 2, 1) in codes(root)


@pytest.mark.parametrize("nest", ["- " * 10000 + "x\n", "<div>" * 10000 + "x\n", "> " * 3000])
def test_nesting_on_one_line_is_caught_by_the_check(tmp_path: Path, nest: str) -> None:
    root = make(tmp_path, "Text [@a].\n\n" + nest)
    assert [c for c, _, _ in codes(root)] == ["md.nesting"]


def test_two_chapters_with_the_same_slug_are_an_error(tmp_path: Path) -> None:
    root = make(tmp_path, "Text [@a].\n", name="a b.md")
    (root / "manuscript" / "a-b.md").write_text(FRONT + "More [@b].\n", encoding="utf-8")
    assert ("md.slug-collision", 1, 1) in codes(root)


def test_positions_come_from_the_source_even_after_code_and_notes(tmp_path: Path) -> None:
    body = "```\n[@a] in code\n```\n\nSome *emph* text^[note] and [@a] here.\n"
    root = make(tmp_path, body)
    doc = check.run(project.load(root)).docs[0]
    assert [doc.position(c.offset) for c in doc.citations] == [(11, 30)]
    # The inline note before it is note 1: the citation makes note 2 (the regex
    # scanner counted one note where the editions print two).
    assert [(c.key, c.note) for c in doc.citations] == [("a", 2)] and doc.notes == 2


def test_the_editions_render_the_tree_the_check_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make(tmp_path, "Text [@a].\n")
    settings = project.load(root)
    checked = check.run(settings)
    seen: list[str] = []
    original = pandocbatch.html_job

    def spy(tree: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(tree)
        return original(tree, *args, **kwargs)

    monkeypatch.setattr(pandocbatch, "html_job", spy)
    convert.book(settings, checked.docs, checked.bib)
    assert seen == [checked.docs[0].tree_json()]


def test_no_position_is_left_unplaced_in_the_chapter(root: Path) -> None:
    result = check.run(project.load(root))
    assert not [d for d in result.diagnostics if d.code == "internal.position"]


def test_a_parse_of_plain_text_has_the_tree_and_positions() -> None:
    doc, diags = manuscript.parse(FRONT + "A [@k] b.\n", "x.md")
    assert diags == []
    assert doc.notes == 1 and doc.position(doc.citations[0].offset) == (7, 4)


@pytest.mark.slow
def test_epub_of_a_forced_forgery_has_no_forged_text(tmp_path: Path) -> None:
    root = make(tmp_path, FORGE)
    done = cli(root, "build", "--format", "epub", "--force", "--no-cache")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(root / "build" / "chapter.epub") as archive:
        text = b"".join(archive.read(n) for n in archive.namelist())
    assert b"FORGED" not in text
    assert os.environ.get("SECRET") is None or b"SECRET" not in text
