"""Books of several chapters: order, per-chapter notes, title page and contents, check."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from scripts.make_book import make_book

from citepress import check
from citepress import config as project
from citepress.publish import build
from tests import outputs as ed
from tests.runcli import cli

# Slow (a book of chapters built): not in `make quick`.
pytestmark = pytest.mark.slow

EPOCH = "1764000000"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_book(2, tmp_path_factory.mktemp("book") / "book")


@pytest.fixture(scope="module")
def built(book: Path) -> dict[str, Path]:
    return build.build(project.load(book)).written


def test_notes_are_numbered_per_chapter_in_every_edition(built: dict[str, Path]) -> None:
    tree = ed.html_tree(built["html"])
    chapters = tree.findall(".//section[@role='doc-chapter']")
    assert [c.get("id") for c in chapters] == ["chapter-01", "chapter-02"]
    for chapter in chapters:
        markers = [a.text for a in chapter.iterfind(".//a[@class='noteref']")]
        assert markers == [f"（注{n}）" for n in range(1, 32)]
        refs = [a.get("href") for a in chapter.iterfind(".//a[@class='noteref']")]
        assert refs[0] == f"#{chapter.get('id')}-note-1"
    with zipfile.ZipFile(built["epub"]) as archive:
        names = archive.namelist()
    assert "EPUB/chapter-01.xhtml" in names and "EPUB/chapter-02.xhtml" in names
    for name in ("EPUB/chapter-01.xhtml", "EPUB/chapter-02.xhtml"):
        root = ed.epub_chapter(built["epub"], name)
        noterefs = [a for a in root.iter(f"{ed.XHTML}a") if a.get(ed.EPUB_TYPE) == "noteref"]
        assert [a.text for a in noterefs] == [f"（注{n}）" for n in range(1, 32)]
    text = ed.squeeze(ed.pdf_text(built["pdf"]))
    assert text.count("（注31）") == 4  # marker and note, in each chapter


def test_title_page_and_contents_in_every_edition(built: dict[str, Path]) -> None:
    title = "米ロ関係と中央アジア（生成された試験用の本）"
    tree = ed.html_tree(built["html"])
    assert "".join(tree.find(".//header[@class='titlepage']").itertext()).count(title) == 1  # type: ignore[union-attr]
    toc = [a.text for a in tree.iterfind(".//nav[@role='doc-toc']/ol/li/a")]
    assert toc == ["第1章 米ロ関係と中央アジア", "第2章 米ロ関係と中央アジア"]
    with zipfile.ZipFile(built["epub"]) as archive:
        opf = archive.read("EPUB/package.opf").decode()
    assert (
        opf.index('idref="titlepage"') < opf.index('idref="nav"') < opf.index('idref="chapter-01"')
    )
    pages = ed.pdf_text(built["pdf"]).split("\f")
    assert ed.squeeze(title) in ed.squeeze(pages[0])
    contents = ed.squeeze(pages[1])
    assert contents.startswith("目次第1章米ロ関係と中央アジア")
    # The contents give each chapter's page: the page whose text opens with its label.
    for label in ("第1章", "第2章"):
        number = int(contents.split(label + "米ロ関係と中央アジア")[1].split("第")[0].strip("."))
        assert ed.squeeze(pages[number - 1]).startswith(label)


def test_the_book_file_sets_the_order(book: Path, tmp_path: Path) -> None:
    copy = tmp_path / "book"
    subprocess.run(["cp", "-r", str(book), str(copy)], check=True)
    (copy / "manuscript" / "book.yaml").write_text(
        "title: 逆順\nauthor: 著者\nchapters:\n  - chapter-02.md\n  - chapter-01.md\n",
        encoding="utf-8",
    )
    settings = project.load(copy)
    assert [p.name for p in settings.manuscripts()] == ["chapter-02.md", "chapter-01.md"]
    assert settings.book["title"] == "逆順"


def test_front_matter_order_without_a_book_file(book: Path, tmp_path: Path) -> None:
    copy = tmp_path / "book"
    subprocess.run(["cp", "-r", str(book), str(copy)], check=True)
    (copy / "manuscript" / "book.yaml").unlink()
    for name, order in (("chapter-01.md", 2), ("chapter-02.md", 1)):
        path = copy / "manuscript" / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("---\n", f"---\norder: {order}\n", 1), encoding="utf-8")
    docs = check.read(project.load(copy)).docs
    assert [d.path for d in docs] == ["manuscript/chapter-02.md", "manuscript/chapter-01.md"]


@pytest.mark.parametrize(
    ("book_yaml", "message"),
    [
        ("chapters: [chapter-01.md]\n", "chapter-02.md not listed under 'chapters'"),
        ("chapters: [chapter-01.md, chapter-02.md, gone.md]\n", "chapter 'gone.md' does not exist"),
        ("chapters: [../../etc/passwd]\n", "lies outside the project"),
        ("title: [unclosed\n", "book.yaml"),
        ("title: x\n", "'chapters' must list the chapter files"),
        # YAML folds a list item indented one more space into the one before it.
        (
            "chapters:\n- chapter-01.md\n - chapter-02.md\n",
            "book.yaml:2:3: chapter 'chapter-01.md - chapter-02.md' does not exist; YAML read "
            "two lines as this one name: every '- ' of the list must start in the same column",
        ),
    ],
)
def test_a_bad_book_file_is_a_clear_error(
    book: Path, tmp_path: Path, book_yaml: str, message: str
) -> None:
    copy = tmp_path / "book"
    subprocess.run(["cp", "-r", str(book), str(copy)], check=True)
    (copy / "manuscript" / "book.yaml").write_text(book_yaml, encoding="utf-8")
    done = cli(copy, "check")
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_the_check_reports_per_chapter(book: Path) -> None:
    done = cli(book, "check")
    assert done.returncode == 0
    assert done.stdout.endswith(
        "manuscript/chapter-01.md: 31 notes; 0 errors, 0 warnings, 1 query\n"
        "manuscript/chapter-02.md: 31 notes; 0 errors, 0 warnings, 1 query\n"
    )


def test_expected_notes_per_chapter_from_the_front_matter(book: Path, tmp_path: Path) -> None:
    copy = tmp_path / "book"
    subprocess.run(["cp", "-r", str(book), str(copy)], check=True)
    second = copy / "manuscript" / "chapter-02.md"
    second.write_text(
        second.read_text(encoding="utf-8").replace("expected-notes: 31", "expected-notes: 30")
    )
    done = cli(copy, "check")
    assert done.returncode == 1
    assert (
        "manuscript/chapter-02.md:1:1: error: the chapter has 31 endnotes; the settings expect 30 "
        "(expected-notes in the front matter) [ref.count]"
    ) in done.stdout


def test_the_book_editions_pass_the_validators(built: dict[str, Path], tmp_path: Path) -> None:
    done = ed.nu_check(built["html"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert ed.epubcheck_report(built["epub"], tmp_path / "report.json")["messages"] == []


def test_changing_the_book_file_rebuilds_the_editions(book: Path, tmp_path: Path) -> None:
    copy = tmp_path / "book"
    subprocess.run(["cp", "-r", str(book), str(copy)], check=True)
    assert cli(copy, "build", "--format", "html").returncode == 0
    book_file = copy / "manuscript" / "book.yaml"
    book_file.write_text(book_file.read_text(encoding="utf-8").replace("title: ", "title: 新"))
    done = cli(copy, "build", "--format", "html")
    assert done.returncode == 0 and "(unchanged)" not in done.stdout
    assert "新米ロ関係" in (copy / "build" / "book.html").read_text(encoding="utf-8")
