"""The build on small projects: refusal, --force, atomic writes, templates, sanitising."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from citepress import config as project
from citepress.book import csl
from citepress.editions import epub as epub_edition
from citepress.editions import html as html_edition
from citepress.ground import atomic
from citepress.publish import build
from citepress.sources.templatefiles import PACKAGE_TEMPLATES
from tests import outputs as ed
from tests.checkfixtures import FIXTURES, make_project
from tests.conftest import ROOT
from tests.runcli import cli

# Slow (builds): not in `make quick`.
pytestmark = pytest.mark.slow

CHAPTER = """---
title: {title}
author: 著者
lang: ja
---

## 見出し {{#top}}

2001年10月１日に会談した。[@a]

{extra}
"""
BIB = "@misc{a,\n  author = {X},\n  title = {Y},\n  date = {2001-10-01},\n}\n"


def small_project(root: Path, title: str = "試験", extra: str = "") -> Path:
    (root / "manuscript").mkdir(parents=True)
    (root / "bib").mkdir()
    (root / "manuscript" / "chapter.md").write_text(
        CHAPTER.format(title=title, extra=extra), encoding="utf-8"
    )
    (root / "bib" / "refs.bib").write_text(BIB, encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.citepress]\n", encoding="utf-8")
    return root


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_build_refuses_to_publish_when_the_check_has_errors(tmp_path: Path) -> None:
    root = make_project(FIXTURES / "ref.undefined", tmp_path / "p")
    done = cli(root, "build", "--format", "html")
    assert done.returncode == 1
    assert "[ref.undefined]" in done.stderr
    assert "nothing was published" in done.stderr
    assert not (root / "build").exists()


def test_force_publishes_with_a_loud_warning(tmp_path: Path) -> None:
    root = make_project(FIXTURES / "ref.undefined", tmp_path / "p")
    done = cli(root, "build", "--format", "html", "--force")
    assert done.returncode == 0, done.stderr
    assert "WARNING: published with --force" in done.stderr
    assert (root / "build" / "chapter.html").is_file()


def test_progress_line_per_edition(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    done = cli(root, "build", "--format", "epub,html")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # The stages, each as it ends, then each edition with its file.
    assert [line.split()[0] for line in lines] == ["check", "convert", "layout", "epub", "html"]
    assert all(line.split()[2] == "s" for line in lines)
    assert all(line.endswith(f"chapter.{line.split()[0]}") for line in lines[3:])


@pytest.mark.parametrize("value", ["docx", "html,docx", ""])
def test_unknown_format_is_a_usage_error(tmp_path: Path, value: str) -> None:
    done = cli(small_project(tmp_path / "p"), "build", "--format", value)
    assert done.returncode == 2
    assert "choose from html, epub, pdf" in done.stderr


def test_sources_are_never_modified(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    sources = digest(root)
    assert cli(root, "build", "--format", "html,epub").returncode == 0
    after = digest(root)
    # The cache lives in the user's cache folder, never in the project.
    assert not any(k.startswith(".citepress-cache/") for k in after)
    assert {k: v for k, v in after.items() if not k.startswith("build/")} == sources


@pytest.mark.parametrize("out", ["manuscript", "bib", ".", "manuscript/sub"])
def test_output_folder_must_not_be_a_source_folder(tmp_path: Path, out: str) -> None:
    root = small_project(tmp_path / "p")
    sources = digest(root)
    done = cli(root, "build", "--format", "html", "--out", str(root / out))
    assert done.returncode == 2
    assert "cannot be written into a source folder" in done.stderr
    assert digest(root) == sources  # not even a cache file


def test_unwritable_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    (tmp_path / "file").write_text("x")
    done = cli(root, "build", "--format", "html", "--out", str(tmp_path / "file" / "out"))
    assert done.returncode == 2
    assert "cannot create the output folder" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_failed_build_keeps_the_previous_edition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = small_project(tmp_path / "p")
    settings = project.load(root)
    build.build(settings, formats=["html", "epub"])
    before = digest(root / "build")

    def explode(*args: object) -> bytes:
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(epub_edition, "render", explode)
    monkeypatch.setattr(html_edition, "render", lambda *args: b"half-new")
    with pytest.raises(RuntimeError):
        build.build(settings, formats=["epub", "html"], use_cache=False)
    assert digest(root / "build") == before  # no partial file, no temporary file


def test_an_interrupted_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "edition.pdf"
    target.write_bytes(b"old")

    def interrupted(self: Path, other: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["edition.pdf"]


def test_stale_temporary_files_of_a_killed_build_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = tmp_path / f".book.pdf.{dead}{atomic.SUFFIX}"
    stale.write_bytes(b"partial")
    mine = tmp_path / f".book.html.{__import__('os').getpid()}{atomic.SUFFIX}"
    mine.write_bytes(b"in progress")
    assert atomic.clean_stale(tmp_path) == [stale]
    assert mine.exists()


def test_manuscript_html_is_sanitised_and_never_a_template(tmp_path: Path) -> None:
    extra = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        "[x](javascript:alert(3)) <iframe src='https://example.org'></iframe>\n\n"
        '<p onclick="alert(4)" style="background:url(http://169.254.169.254/)">p</p>\n'
    )
    root = small_project(tmp_path / "p", title='"{{ 7*7 }}"', extra=extra)
    done = cli(root, "build", "--format", "html,epub")
    assert done.returncode == 0, done.stderr
    html = (root / "build" / "chapter.html").read_text(encoding="utf-8")
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "169.254", "<img"):
        assert bad not in html, bad
    title = ed.html_tree(root / "build" / "chapter.html").find(".//title")
    assert title is not None and title.text == "{{ 7*7 }}"  # as written, not 49


def test_project_templates_override_the_defaults_file_by_file(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    (root / "templates" / "html").mkdir(parents=True)
    (root / "templates" / "html" / "book.html.j2").write_text(
        "<!DOCTYPE html><title>{{ book.title }}</title><p>OWN {{ book.chapters | length }}</p>\n"
    )
    assert cli(root, "build", "--format", "html,epub").returncode == 0
    assert "<p>OWN 1</p>" in (root / "build" / "chapter.html").read_text(encoding="utf-8")
    assert (root / "build" / "chapter.epub").stat().st_size > 1000  # the default EPUB


def test_a_template_is_compiled_once_until_its_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jinja2 import Environment  # noqa: PLC0415

    from citepress.book import templates  # noqa: PLC0415

    folder = tmp_path / "templates"
    folder.mkdir()
    page = folder / "page.j2"
    page.write_text("one {{ n }}", encoding="utf-8")
    compiled: list[str] = []
    original = Environment.compile

    def counting(self: Environment, source: object, *args: object, **kwargs: object) -> object:
        compiled.append(str(args[0] if args else kwargs.get("name")))
        return original(self, source, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Environment, "compile", counting)
    env = templates.environment(folder)
    assert [templates.render(env, "page.j2", n=n) for n in (1, 2, 3)] == ["one 1", "one 2", "one 3"]
    assert compiled.count("page.j2") == 1
    page.write_text("two and more {{ n }}", encoding="utf-8")
    assert templates.render(env, "page.j2", n=4) == "two and more 4"
    assert compiled.count("page.j2") == 2


def test_a_template_error_names_the_file_and_line(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    (root / "templates" / "html").mkdir(parents=True)
    (root / "templates" / "html" / "book.html.j2").write_text("<p>\n{{ book.nope }}\n")
    done = cli(root, "build", "--format", "html")
    assert done.returncode == 2
    assert "book.html.j2:2: template error:" in done.stderr
    assert "nope" in done.stderr and "Traceback" not in done.stderr


def test_templates_cannot_reach_python_internals(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    (root / "templates" / "html").mkdir(parents=True)
    (root / "templates" / "html" / "book.html.j2").write_text(
        "{{ book.__class__.__mro__[1].__subclasses__() }}\n"
    )
    done = cli(root, "build", "--format", "html")
    assert done.returncode == 2
    assert "unsafe" in done.stderr or "template error" in done.stderr


@pytest.mark.parametrize(
    ("edtf", "expected"),
    [
        ("2001-10-30", {"literal": "2001年10月30日", "date-parts": [[2001, 10, 30]]}),
        ("2002-01?", {"literal": "2002年１月（推定）", "date-parts": [[2002, 1]]}),
        ("2002~", {"literal": "2002年頃", "date-parts": [[2002]]}),
        (
            "2001-09-11/2001-09-12",
            {"literal": "2001年９月11～12日", "date-parts": [[2001, 9, 11], [2001, 9, 12]]},
        ),
        ("2002-02-30", None),
        ("../2001", None),
    ],
)
def test_csl_dates_keep_the_edtf_qualifiers(edtf: str, expected: object) -> None:
    assert csl.csl_date(edtf) == expected


def test_csl_missing_fields_in_the_editions_language() -> None:
    assert csl.missing_text(["author", "title", "date"], "ja") == "未詳：著者、題名、日付"
    assert csl.missing_text(["author"], "en-GB") == "not yet identified: author"


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://169.254.169.254/latest", "../../../../etc/hostname"]
)
def test_pdf_refuses_resources_outside_the_project_assets(tmp_path: Path, url: str) -> None:
    root = small_project(tmp_path / "p")
    (root / "templates" / "pdf").mkdir(parents=True)
    (root / "templates" / "pdf" / "print.css").write_text(
        f'body {{ background: url("{url}"); }}\n', encoding="utf-8"
    )
    done = cli(root, "build", "--format", "pdf")
    assert done.returncode == 2
    assert "refused to load" in done.stderr
    assert not (root / "build" / "chapter.pdf").exists()


def test_pdf_loads_an_image_from_the_assets_folder(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    (root / "templates" / "pdf").mkdir(parents=True)
    (root / "templates" / "assets").mkdir()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
        '<rect width="4" height="4"/></svg>'
    )
    (root / "templates" / "assets" / "mark.svg").write_text(svg, encoding="utf-8")
    (root / "templates" / "pdf" / "print.css").write_text(
        'body { background: url("mark.svg"); }\n', encoding="utf-8"
    )
    done = cli(root, "build", "--format", "pdf")
    assert done.returncode == 0, done.stderr


def test_the_package_defaults_are_the_repository_templates() -> None:
    assert PACKAGE_TEMPLATES.resolve() == (ROOT / "templates").resolve()


def _rebuilt(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 0, done.stderr
    stages = ("check", "convert", "layout")
    lines = [line.split()[0] for line in done.stdout.splitlines() if "(unchanged)" not in line]
    return [name for name in lines if name not in stages]


def test_a_rebuild_with_nothing_changed_writes_nothing(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    assert _rebuilt(cli(root, "build", "--format", "html,epub")) == ["html", "epub"]
    before = {p: p.stat().st_mtime_ns for p in (root / "build").iterdir()}
    assert _rebuilt(cli(root, "build", "--format", "html,epub")) == []
    assert {p: p.stat().st_mtime_ns for p in (root / "build").iterdir()} == before
    assert _rebuilt(cli(root, "build", "--format", "html,epub", "--no-cache")) == ["html", "epub"]


def test_changing_one_editions_template_rebuilds_only_that_edition(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    cli(root, "build", "--format", "html,epub")
    (root / "templates" / "epub").mkdir(parents=True)
    css = (PACKAGE_TEMPLATES / "epub" / "book.css").read_text(encoding="utf-8")
    (root / "templates" / "epub" / "book.css").write_text(css + "p { color: #111; }\n")
    assert _rebuilt(cli(root, "build", "--format", "html,epub")) == ["epub"]
    chapter = root / "manuscript" / "chapter.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n追記。\n", encoding="utf-8")
    assert _rebuilt(cli(root, "build", "--format", "html,epub")) == ["html", "epub"]


def test_an_edition_deleted_or_edited_by_hand_is_rebuilt(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    cli(root, "build", "--format", "html,epub")
    (root / "build" / "chapter.html").unlink()
    assert _rebuilt(cli(root, "build", "--format", "html,epub")) == ["html"]
    (root / "build" / "chapter.epub").write_bytes(b"edited")
    assert _rebuilt(cli(root, "build", "--format", "html,epub")) == ["epub"]


def test_a_cached_forced_build_still_refuses_without_force(tmp_path: Path) -> None:
    root = make_project(FIXTURES / "ref.undefined", tmp_path / "p")
    assert cli(root, "build", "--format", "html", "--force").returncode == 0
    done = cli(root, "build", "--format", "html")
    assert done.returncode == 1
    assert "nothing was published" in done.stderr


ABSURD_CSS = "@page { size: 2mm 2mm; margin: 0 }\nhtml { font-size: 300pt; }\n"


@pytest.mark.parametrize(
    ("setting", "css", "message"),
    [
        ("timeout = 2", ABSURD_CSS, "the PDF took longer than 2 s and was stopped"),
        ("memory-limit-mb = 60", None, "the PDF"),
    ],
)
def test_pdf_rendering_is_bounded_in_time_and_memory(
    tmp_path: Path, setting: str, css: str | None, message: str
) -> None:
    root = small_project(tmp_path / "p", extra="日本語の文章。" * 300)
    (root / "pyproject.toml").write_text(f"[tool.citepress]\n[tool.citepress.pdf]\n{setting}\n")
    if css is not None:
        (root / "templates" / "pdf").mkdir(parents=True)
        (root / "templates" / "pdf" / "print.css").write_text(css, encoding="utf-8")
    done = cli(root, "build", "--format", "pdf")
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert list((root / "build").iterdir()) == []
    left = subprocess.run(["pgrep", "-f", str(root)], capture_output=True, text=True, check=False)
    assert left.stdout == ""  # the worker did not outlive the build


@pytest.mark.parametrize("value", ["0", "-1", "true", '"fast"'])
def test_pdf_limits_must_be_positive_numbers(tmp_path: Path, value: str) -> None:
    root = small_project(tmp_path / "p")
    (root / "pyproject.toml").write_text(
        f"[tool.citepress]\n[tool.citepress.pdf]\ntimeout = {value}\n"
    )
    done = cli(root, "check")
    assert done.returncode == 2
    assert "[tool.citepress.pdf] timeout: must be a positive number" in done.stderr


def test_a_forced_build_with_no_readable_chapter_says_so(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p", extra="会\x0c談した。")  # refused: md.encoding
    done = cli(root, "build", "--format", "epub", "--force")
    assert done.returncode == 2
    assert done.stderr == "citepress: no chapter could be read, so there is nothing to publish\n"
    assert not (root / "build" / "chapter.epub").exists()


def test_without_weasyprint_the_html_and_epub_are_made_without_page_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No root, no Pango: the HTML and EPUB still come, and the user is told what is left out."""
    from citepress.ground import worker as workers  # noqa: PLC0415
    from citepress.typeset import layout  # noqa: PLC0415

    def missing(prepared: object) -> list[object]:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(layout, "pages", missing)
    monkeypatch.setattr(workers.Worker, "start", classmethod(lambda cls, *a: None))
    root = ROOT
    result = build.build(project.load(root), formats=["html", "epub"], out_dir=tmp_path)
    assert sorted(result.written) == ["epub", "html"]
    assert "page numbers are left out" in result.notes[0] and "libpango" in result.notes[0]
    assert "doc-pagebreak" not in result.written["html"].read_text(encoding="utf-8")
    with pytest.raises(build.BuildError, match="the PDF cannot be made"):
        monkeypatch.setattr(layout, "finish_with_pages", missing)
        build.build(project.load(root), formats=["pdf"], out_dir=tmp_path / "pdf")
