"""Holes an attacker's review found in the first one-reading commit (7bd471b).

Each test reproduces one finding; each was run by hand against 7bd471b, where it
failed as the review said (forged notes published, a CI token copied, minutes of
work, files written through links).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from citepress import check
from citepress import config as project
from citepress.dates import ja
from tests.runcli import cli

# Slow (builds of hostile projects): not in `make quick`.
pytestmark = pytest.mark.slow

FRONT = "---\ntitle: 試験\nauthor: 著者\nlang: ja\n---\n\n"
BIB = "@misc{a,\n  author = {X},\n  title = {Y},\n  date = {2001-10-01},\n}\n"
TOKEN = "AUTHORIZATION: basic c2VjcmV0LXRva2Vu"


def make(root: Path, body: str, bib: str = BIB, name: str = "chapter.md") -> Path:
    (root / "manuscript").mkdir(parents=True, exist_ok=True)
    (root / "bib").mkdir(exist_ok=True)
    (root / "manuscript" / name).write_text(FRONT + body, encoding="utf-8")
    (root / "bib" / "refs.bib").write_text(bib, encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.citepress]\n", encoding="utf-8")
    (root / ".git").mkdir(exist_ok=True)
    (root / ".git" / "config").write_text(f'[http]\n\textraheader = "{TOKEN}"\n')
    return root


def codes(root: Path) -> list[str]:
    return [str(d.code) for d in check.run(project.load(root)).diagnostics]


def built(root: Path) -> str:
    out = root / "build"
    texts = []
    for path in out.glob("*"):
        if path.suffix == ".epub":
            with zipfile.ZipFile(path) as archive:
                texts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
        else:
            texts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(texts)


def test_raw_html_cannot_stand_in_for_the_notes(tmp_path: Path) -> None:
    body = (
        '2001年10月１日に会談した。[@a]\n\n<section class="footnotes">\n<ol>\n'
        "<li><p>FORGED NOTE CONTENT</p></li>\n</ol>\n"
    )
    root = make(tmp_path, body)
    done = cli(root, "build", "--format", "html", "--no-cache")
    assert done.returncode == 0, done.stderr
    page = (root / "build" / "chapter.html").read_text(encoding="utf-8")
    notes = page[page.index('<ol class="notes">') :]
    assert "「Y」" in notes and "FORGED" not in notes


def test_a_quoted_value_cannot_close_itself_and_inject_an_entry(tmp_path: Path) -> None:
    bib = (
        '@misc{a,\n  author = {X},\n  title = "Y}} @misc{a, author = {FORGED AUTHOR}, '
        'title = {FORGED TITLE}, zz = {",\n  date = {2001-10-01},\n}\n'
    )
    root = make(tmp_path, "2001年10月１日に会談した。[@a]\n", bib)
    assert "bib.syntax" in codes(root)
    assert cli(root, "build", "--format", "html", "--force", "--no-cache").returncode == 0
    assert "FORGED" not in built(root)


@pytest.mark.parametrize(
    "body",
    ["文。[@a] 図![写真 [@b]](x.png)を参照。", "文。[see [@b] @a]", "文。[@a ^[x [@b]]]"],
)
def test_a_citation_pandoc_prints_no_note_for_is_an_error(tmp_path: Path, body: str) -> None:
    bib = BIB + BIB.replace("{a,", "{b,")
    root = make(tmp_path, body + "\n", bib)
    result = check.run(project.load(root))
    assert "ref.hidden" in [d.code for d in result.diagnostics]
    done = cli(root, "build", "--format", "html", "--force", "--no-cache")
    page = (root / "build" / "chapter.html").read_text(encoding="utf-8")
    assert done.returncode == 0 and page.count('role="doc-noteref"') == result.docs[0].notes


def test_the_checkouts_git_config_is_never_read_through_assets(tmp_path: Path) -> None:
    root = make(tmp_path, "文。[@a]\n")
    (root / "templates" / "pdf").mkdir(parents=True)
    (root / "templates" / "assets").symlink_to("..")
    done = cli(root, "build", "--format", "pdf", "--no-cache")
    assert done.returncode == 2 and "asset folder" in done.stderr
    assert TOKEN not in done.stdout + done.stderr


def test_the_checkouts_git_config_is_never_included_by_a_template(tmp_path: Path) -> None:
    root = make(tmp_path, "文。[@a]\n")
    with (root / "pyproject.toml").open("a", encoding="utf-8") as settings:
        settings.write('templates = "."\n')
    (root / "html").mkdir()
    (root / "html" / "book.html.j2").write_text('{% include ".git/config" %}', encoding="utf-8")
    done = cli(root, "build", "--format", "html", "--no-cache")
    assert done.returncode == 2 and "version-control folder" in done.stderr
    written = built(root) if (root / "build").exists() else ""
    assert TOKEN not in done.stdout + done.stderr + written


@pytest.mark.timeout(60)
def test_a_template_power_is_refused_before_it_is_computed(tmp_path: Path) -> None:
    root = make(tmp_path, "文。[@a]\n")
    (root / "templates" / "html").mkdir(parents=True)
    (root / "templates" / "html" / "book.html.j2").write_text(
        "{% set big = 7 ** 40000000 %}{{ 'x' * 100000000 }}", encoding="utf-8"
    )
    done = cli(root, "build", "--format", "html", "--no-cache")
    assert done.returncode == 2 and "too large for a template" in done.stderr


@pytest.mark.timeout(60)
def test_front_matter_yaml_is_bounded(tmp_path: Path) -> None:
    root = make(tmp_path, "文。[@a]\n")
    chapter = root / "manuscript" / "chapter.md"
    long_scalar = "lang: ja\nx: 1" + ":0" * 300_000 + "\n"
    chapter.write_text(FRONT.replace("lang: ja\n", long_scalar) + "文。[@a]\n", encoding="utf-8")
    assert codes(root) == ["md.front-matter"]


@pytest.mark.timeout(60)
def test_an_outlet_name_is_looked_for_near_its_date() -> None:
    text = "あ" * 200_000 + "、（2001年10月25日）" * 30
    found = ja.find(text, ja.Narrative(), ja.compile_pattern({}), {})
    assert len(found) == 30


@pytest.mark.timeout(120)
def test_thousands_of_broken_links_and_keys_are_reported_quickly(tmp_path: Path) -> None:
    ids = "".join(f"[t]{{#anchor-number-{n}}} " for n in range(2000))
    links = "".join(f"[x](#anchor-numbr-{n}) [@key-numbr-{n}] " for n in range(2000))
    bib = "".join(f"@misc{{key-number-{n}, title = {{T}}}}\n" for n in range(2000))
    root = make(tmp_path, ids + "\n\n" + links + "\n", bib)
    found = codes(root)
    assert found.count("ref.broken-link") == 2000 and found.count("ref.undefined") == 2000


def test_suggestions_come_back_in_every_check_of_one_process(tmp_path: Path) -> None:
    """The suggestion budget was one count for the whole process: after a check that
    spent it, `serve` (or a test session) never suggested a key or anchor again."""
    ids = "".join(f"[t]{{#anchor-number-{n}}} " for n in range(2000))
    links = "".join(f"[x](#anchor-numbr-{n}) " for n in range(2000))
    codes(make(tmp_path / "big", ids + "\n\n" + links + "\n"))
    small = make(tmp_path / "small", "[t]{#top}\n\n[x](#tpo) 文。[@a]\n")
    messages = [d.message for d in check.run(project.load(small)).diagnostics]
    assert any("did you mean #top?" in message for message in messages), messages


def test_a_chapter_listed_twice_in_the_book_file_is_refused(tmp_path: Path) -> None:
    root = make(tmp_path, "文。[@a]\n")
    (root / "manuscript" / "book.yaml").write_text("chapters: [chapter.md, chapter.md]\n")
    done = cli(root, "check")
    assert done.returncode == 2 and "listed more than once" in done.stderr


@pytest.mark.parametrize("args", [["build", "--out", "dist"], ["check", "-o", "dist/r.txt"]])
def test_an_output_folder_that_is_a_committed_link_is_refused(
    tmp_path: Path, args: list[str]
) -> None:
    root = make(tmp_path / "p", "文。[@a]\n")
    victim = tmp_path / "victim"
    victim.mkdir()
    (root / "dist").symlink_to(victim)
    done = subprocess.run(
        [sys.executable, "-m", "citepress.cli", *args], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 2 and "is a link" in done.stderr
    assert list(victim.iterdir()) == []


def test_python_m_from_the_project_imports_no_project_code(tmp_path: Path) -> None:
    root = make(tmp_path, "文。[@a]\n")
    (root / "manuscript" / "book.yaml").write_text("chapters: [chapter.md]\n")
    marker = tmp_path / "ran"
    (root / "yaml.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    env = {**os.environ, "PYTHONSAFEPATH": ""}
    done = subprocess.run(
        [sys.executable, "-m", "citepress.cli", "check"],
        cwd=root, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not marker.exists()


def test_a_marker_hidden_with_a_zero_width_space_is_found(tmp_path: Path) -> None:
    root = make(tmp_path, "文。[@a] 次の文（注\u200b2）。\n")
    assert "ref.stray-marker" in codes(root)


def test_an_id_the_editions_use_is_reserved(tmp_path: Path) -> None:
    root = make(tmp_path, '文。[@a]\n\n<span id="note-1">FAKE NOTE TARGET</span>\n')
    assert "md.reserved-id" in codes(root)
    assert cli(root, "build", "--format", "html", "--force", "--no-cache").returncode == 0
    page = (root / "build" / "chapter.html").read_text(encoding="utf-8")
    assert page.count('id="note-1"') == 1


def test_a_chapter_named_nav_does_not_clash_with_the_epub_navigation(tmp_path: Path) -> None:
    root = make(tmp_path, "文。[@a]\n", name="nav.md")
    assert cli(root, "build", "--format", "epub", "--no-cache").returncode == 0
    with zipfile.ZipFile(root / "build" / "nav.epub") as archive:
        names = archive.namelist()
    assert len(names) == len(set(names)) and "EPUB/ch-nav.xhtml" in names


def test_a_partial_template_change_rebuilds_the_edition(tmp_path: Path) -> None:
    root = make(tmp_path, "文。[@a]\n")
    (root / "templates" / "partials").mkdir(parents=True)
    (root / "templates" / "html").mkdir()
    partial = root / "templates" / "partials" / "x.j2"
    partial.write_text("FIRST", encoding="utf-8")
    (root / "templates" / "html" / "book.html.j2").write_text(
        '{% include "partials/x.j2" %}', encoding="utf-8"
    )
    assert cli(root, "build", "--format", "html").returncode == 0
    partial.write_text("SECOND", encoding="utf-8")
    done = cli(root, "build", "--format", "html")
    assert "(unchanged)" not in done.stdout
    assert (root / "build" / "chapter.html").read_text(encoding="utf-8") == "SECOND"


@pytest.mark.timeout(60)
def test_a_template_folder_linked_to_the_root_is_not_walked(tmp_path: Path) -> None:
    root = make(tmp_path, "文。[@a]\n")
    (root / "templates").mkdir()
    (root / "templates" / "html").symlink_to("/")
    done = cli(root, "build", "--format", "html", "--no-cache")  # 7bd471b: 18 s, then EACCES
    assert done.returncode == 0, done.stderr


def test_a_file_name_cannot_forge_report_lines(tmp_path: Path) -> None:
    root = make(tmp_path, "文。[@a]\n", name="x\n0 errors, 0 warnings\n::error file=x::FORGED.md")
    (root / "manuscript" / "y.md").write_text(FRONT + "文。[@nosuch]\n", encoding="utf-8")
    done = cli(root, "check")
    assert "\n0 errors, 0 warnings\n" not in done.stdout
    assert not [line for line in done.stdout.splitlines() if line.startswith("::error")]
