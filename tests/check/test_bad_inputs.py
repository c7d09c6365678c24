"""The bad-input corpus and generated bad inputs: exact errors, no traceback, nothing lost."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from citepress import check
from citepress import config as project
from citepress.diagnostics import Code
from tests import badinputs
from tests.conftest import CHAPTER
from tests.outputs import pdf_text

# Slow (the bad-input corpus, each case a citepress process): not in `make quick`.
pytestmark = pytest.mark.slow

OUTPUTS = ("build/", ".citepress-cache/")


def sources(root: Path) -> dict[str, str]:
    """SHA-256 of every file of the project that is not an output."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(OUTPUTS)
    }


def test_the_corpus_has_at_least_40_bad_inputs() -> None:
    assert len(badinputs.cases()) >= 40


@pytest.mark.parametrize("case", badinputs.cases())
def test_bad_input_gives_the_exact_error_and_loses_nothing(case: str, tmp_path: Path) -> None:
    root = badinputs.project(case, tmp_path / "project")
    expected = badinputs.expected(case)
    before = sources(root)
    code, output = badinputs.run(root, expected.args)
    assert "Traceback" not in output
    assert (code, output) == (expected.exit, expected.output)
    assert sources(root) == before


def _default_project(root: Path, chapter: str, bib: str) -> Path:
    (root / "manuscript").mkdir(parents=True)
    (root / "bib").mkdir()
    (root / "manuscript" / "chapter.md").write_text(chapter, encoding="utf-8")
    (root / "bib" / "refs.bib").write_text(bib, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.citepress]\nbibliography = ["bib/refs.bib"]\n', encoding="utf-8"
    )
    return root


DEFAULT_MD = (badinputs.DEFAULT / "manuscript" / "chapter.md").read_text(encoding="utf-8")
DEFAULT_BIB = (badinputs.DEFAULT / "bib" / "refs.bib").read_text(encoding="utf-8")


def test_a_20_mb_bibliography_is_checked_in_full(tmp_path: Path) -> None:
    entry = (
        "@misc{{key{0},\n  author = {{Author {0}}},\n"
        "  title = {{A title of the length a real title has, number {0}}},\n"
        "  date = {{2001-10-01}},\n}}\n\n"
    )
    bib = DEFAULT_BIB + "".join(entry.format(n) for n in range(160_000))
    assert len(bib.encode()) > 20_000_000
    root = _default_project(tmp_path / "p", DEFAULT_MD, bib)
    code, output = badinputs.run(root, ["check"])
    lines = output.splitlines()
    assert code == 0
    # 160,000 unused entries are one line of the text report (JSON keeps each).
    assert lines[0] == (
        "bib/refs.bib:6:1: warning: 160000 × ref.unused (an entry is never cited): key0, "
        "key1, key2, key3, key4, key5, key6, key7 and 159992 more; lines 6-960000 [ref.unused]"
    )
    assert lines[-1] == "0 errors, 160000 warnings"


def test_a_10_mb_manuscript_is_checked_in_full(tmp_path: Path) -> None:
    text = CHAPTER.read_text(encoding="utf-8")
    body = re.sub(r"\[@[^\]]+\]", "", text.split("\n---\n", 1)[1])
    chapter = DEFAULT_MD + body * (10_000_000 // len(body.encode()) + 1)
    assert len(chapter.encode()) > 10_000_000
    root = _default_project(tmp_path / "p", chapter, DEFAULT_BIB)
    code, output = badinputs.run(root, ["check"])
    assert code == 0, output[-500:]
    assert output.splitlines()[-1].startswith("0 errors, ")


def test_a_killed_build_leaves_the_previous_editions_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    long_chapter = DEFAULT_MD + "\n" + "\n\n".join(["長い本文の段落である。" * 40] * 150)
    root = _default_project(tmp_path / "p", long_chapter, DEFAULT_BIB)
    command = [sys.executable, "-m", "citepress.cli", "-C", str(root), "build", "--no-cache"]
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0
    previous = {p.name: p.read_bytes() for p in (root / "build").iterdir()}
    before = sources(root)
    chapter = root / "manuscript" / "chapter.md"
    chapter.write_text(long_chapter + "\n追記。\n", encoding="utf-8")
    before = sources(root)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, start_new_session=True, text=True)
    assert process.stdout is not None
    _until_converted(process.stdout)  # the PDF is being laid out: no edition is new yet
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    left = sorted(p.name for p in (root / "build").iterdir())
    assert left == sorted(previous)  # no temporary file
    assert (root / "build" / "chapter.pdf").read_bytes() == previous["chapter.pdf"]
    for name in ("chapter.html", "chapter.epub"):  # the old edition, or the whole new one
        data = (root / "build" / name).read_bytes()
        assert (
            data == previous[name]
            or data.endswith(b"</html>\n")
            or zipfile.is_zipfile(root / "build" / name)
        )
    assert sources(root) == before


def _until_converted(stdout: Any) -> None:
    """Read the build's progress to its conversion: the PDF is being laid out then.

    (The HTML and EPUB are written once the PDF is in, since a book's merge may fail:
    their progress lines now come just before the PDF's.)
    """
    for line in stdout:
        if line.split()[0] == "convert":
            return
    raise AssertionError("the build did not convert")


def test_sigterm_stops_a_build_cleanly(tmp_path: Path) -> None:
    long_chapter = DEFAULT_MD + "\n" + "\n\n".join(["長い本文の段落である。" * 40] * 150)
    root = _default_project(tmp_path / "p", long_chapter, DEFAULT_BIB)
    command = [sys.executable, "-m", "citepress.cli", "-C", str(root), "build", "--no-cache"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    _until_converted(process.stdout)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "citepress: interrupted; the previous editions are unchanged" in err
    assert "Traceback" not in err
    assert not [p for p in (root / "build").iterdir() if p.name.endswith(".citepress-tmp")]
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", str(root)], capture_output=True, text=True, check=False)
    assert left.stdout == ""


HOSTILE = """---
title: "{{ 7*7 }} <script>alert(0)</script>"
author: 著者
lang: ja
bibliography: /etc/passwd
csl: /etc/passwd
header-includes: <script>alert(1)</script>
filters: [/tmp/evil.lua]
---

## 見出し {#top}

2001年10月１日に会談した。[@a]

![](file:///etc/passwd) ![](/etc/passwd) ![](../../.git/config) ![](.git/config)

<div style="background: url(file:///etc/passwd)">css file</div>
<div style="background: url(http://169.254.169.254/latest/meta-data/)">css metadata</div>
<style>body { background: url(.git/config) }</style>

<iframe src="file:///etc/passwd"></iframe> <script>alert(2)</script>
<img src="x" onerror="alert(3)"> <a href="javascript:alert(4)">js link</a>
[md js link](javascript:alert(5)) [attachment](.git/config){download=""}
<a rel="attachment" href=".git/config">attach</a>
<link rel="attachment" href="file:///etc/passwd">
<object data=".git/config"></object> <embed src=".git/config">

<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>
<svg><image xlink:href=".git/config"/></svg>
"""


def test_hostile_manuscript_cannot_reach_outside_the_project(tmp_path: Path) -> None:
    root = _default_project(tmp_path / "p", HOSTILE, DEFAULT_BIB)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[remote] SECRET-GIT-CONFIG-4711\n", encoding="utf-8")
    # The front matter's bibliography/csl/header-includes/filters are check errors
    # (md.metadata): without --force nothing is published.
    refused = subprocess.run(
        [sys.executable, "-m", "citepress.cli", "-C", str(root), "build"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1 and "[md.metadata]" in refused.stderr
    assert not (root / "build").exists()
    done = subprocess.run(
        [sys.executable, "-m", "citepress.cli", "-C", str(root), "build", "--force"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    secrets = ["root:x:0:0", "SECRET-GIT-CONFIG", "/bin/bash", "meta-data"]
    build = root / "build"
    texts = {
        "html": (build / "chapter.html").read_text(encoding="utf-8"),
        "pdf": pdf_text(build / "chapter.pdf"),
    }
    with zipfile.ZipFile(build / "chapter.epub") as archive:
        texts["epub"] = "".join(  # the cover image is not text: its bytes as they are
            archive.read(n).decode("utf-8", errors="replace")
            for n in archive.namelist()
            if n != "EPUB/cover.xhtml"
        )
        cover = archive.read("EPUB/cover.xhtml").decode("utf-8")
    # The cover page's one image is ours; the hostile title is only its escaped alt text.
    assert cover.count("<img") == 1 and 'src="cover.jpg"' in cover
    assert "&lt;script&gt;" in cover and "<script" not in cover
    for edition, text in texts.items():
        for secret in secrets:
            assert secret not in text, (edition, secret)
    for edition in ("html", "epub"):  # markup; the PDF's text shows the title as written
        for bad in ("<script", "onerror", "javascript:", "<iframe", "<object", "<embed", "<img"):
            assert bad not in texts[edition].lower(), (edition, bad)
    assert "{{ 7*7 }} <script>alert(0)</script>" in texts["pdf"]  # as text, never run
    assert "{{ 7*7 }}" in texts["html"] and "&lt;script&gt;" in texts["html"]
    reader = PdfReader(build / "chapter.pdf")
    assert "/EmbeddedFiles" not in reader.root_object.get("/Names", {})
    for page in reader.pages:
        assert not page.images
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A", {})
            assert action.get("/S") != "/Launch" and "/URI" not in action, action


PIECES = st.sampled_from(
    ["@misc{", "@article(", "a,", "title = {", "date = {2001-13}", "}", ")", "{", "\\", "%",
     "@string{x = {y}}", " # x", "\"", "=", ",", "\n", "---\n", "[@a]", "[@]", "@a", "（注1）",
     "## 見出し {#top}\n", "> ", "- ", "2001年10月１日", "９月", "\r\n", "\x00", "\ufeff"]
)  # fmt: skip
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=40).map("".join)


def test_a_heading_with_no_text_is_no_crash(tmp_path: Path) -> None:
    """Found by the random projects below: a line break set over ``---`` is an empty heading."""
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "manuscript" / "chapter.md").write_text(DEFAULT_MD + "\n\\\n---\n", "utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.citepress]\n", encoding="utf-8")
    result = check.run(project.load(tmp_path))
    assert all(diagnostic.code in list(Code) for diagnostic in result.diagnostics)


@pytest.mark.timeout(120)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chapter=TEXT, bib=TEXT)
def test_random_projects_always_get_diagnostics_never_a_crash(chapter: str, bib: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "manuscript").mkdir()
        (root / "bib").mkdir()
        (root / "manuscript" / "chapter.md").write_text(DEFAULT_MD + chapter, encoding="utf-8")
        (root / "bib" / "refs.bib").write_text(bib, encoding="utf-8")
        (root / "pyproject.toml").write_text(
            '[tool.citepress]\nbibliography = ["bib/refs.bib"]\n', encoding="utf-8"
        )
        result = check.run(project.load(root))
    # The default chapter cites [@a]: whatever the random .bib holds, something is said.
    assert result.diagnostics or "a" in result.bib.by_key()
    for diagnostic in result.diagnostics:
        assert diagnostic.code in list(Code) and diagnostic.message


def _skip_unless_nobody_can_run_citepress(home: str) -> None:
    """A checkout under a folder 'nobody' cannot enter (a 0700 home): it cannot import us.

    test_a_permission_error_is_io_unreadable covers the same path in-process.
    """
    probe = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
         "-c", "import citepress.cli"],
        capture_output=True, env={"PATH": "/usr/bin:/bin", "HOME": home}, check=False,
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.skip("the unprivileged user cannot read this checkout")


def test_a_permission_error_is_io_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _default_project(tmp_path / "p", DEFAULT_MD, DEFAULT_BIB)
    real_open = os.open

    def denied(path: object, flags: int, *args: object) -> int:
        if str(path).endswith("chapter.md"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", denied)
    result = check.run(project.load(root))
    assert [(d.code, d.message) for d in result.diagnostics if d.severity == "error"] == [
        ("io.unreadable", "cannot read the file: Permission denied")
    ]


def test_an_unreadable_chapter_is_a_clear_error() -> None:
    """Permission denied (run as 'nobody' when the tests run as root, who reads anything)."""
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        Path(tmp).chmod(0o755)
        root = _default_project(Path(tmp) / "p", DEFAULT_MD, DEFAULT_BIB)
        for folder in (root, root / "manuscript", root / "bib"):
            folder.chmod(0o755)
        (root / "bib" / "refs.bib").chmod(0o644)
        (root / "pyproject.toml").chmod(0o644)
        (root / "manuscript" / "chapter.md").chmod(0o000)
        command = [sys.executable, "-m", "citepress.cli", "-C", str(root), "check"]
        if os.geteuid() == 0:
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
            _skip_unless_nobody_can_run_citepress(tmp)
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "NO_COLOR": "1"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "bib/refs.bib:1:1: warning: entry 'a' is never cited [ref.unused]\n"
        "manuscript/chapter.md: error: cannot read the file: Permission denied [io.unreadable]\n"
        "1 error, 1 warning\n",
        "",
    )
