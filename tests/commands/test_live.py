"""`citepress serve` and `watch`, end to end: start, edit a chapter, read the page, stop."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Slow (watch and serve): not in `make quick`.
pytestmark = pytest.mark.slow

DEADLINE = 180.0  # seconds to wait for a rebuild; a bound against hanging, not a speed test


def _wait(condition: Callable[[], Any], what: str) -> Any:
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        data: bytes = response.read()
        return data


@pytest.fixture
def book(tmp_path: Path) -> Path:
    folder = tmp_path / "book"
    done = subprocess.run(
        [sys.executable, "-m", "citepress.cli", "init", str(folder), "--lang", "ja"],
        capture_output=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    return folder


def _start(book: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "citepress.cli", "-C", str(book), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=_as_at_a_terminal,
    )  # fmt: skip


def _as_at_a_terminal() -> None:
    """Ctrl-C reaches the process as at a terminal.

    A job a shell starts in the background (``make test &``) ignores SIGINT, and so
    does every process under it: Python then raises no KeyboardInterrupt, and the
    tests' Ctrl-C stopped nothing (three tests timed out in such a run).
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _lines(process: subprocess.Popen[str]) -> Iterator[str]:
    assert process.stdout is not None
    yield from process.stdout


def _stop(process: subprocess.Popen[str], book: Path) -> None:
    """Ctrl-C: the process ends, and no half-written file is left behind."""
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert list((book / "build").glob("*citepress-tmp*")) == []


def test_serve_reloads_the_page_after_an_edit_and_shows_the_findings(book: Path) -> None:
    process = _start(book, "serve", "--port", "0")
    try:
        lines = _lines(process)
        url = next(line for line in lines if line.startswith("serving ")).split()[1]
        assert url.startswith("http://127.0.0.1:")
        next(line for line in lines if "rebuilt all editions" in line)
        page = _get(url).decode()
        assert "この本の作り方" in page and 'id="citepress-live"' in page
        assert b"citepress-live" not in (book / "build" / "book.html").read_bytes()
        assert _get(url + "book.pdf").startswith(b"%PDF")
        events = urllib.request.urlopen(url + "__citepress/events", timeout=60)
        chapter = book / "manuscript" / "01-introduction.md"
        chapter.write_text(
            chapter.read_text(encoding="utf-8") + "\n編集した段落LIVE42。[@nothere]\n",
            encoding="utf-8",
        )
        assert _wait(lambda: events.readline().startswith(b"data: "), "the reload event")
        assert "編集した段落LIVE42" in _get(url).decode()
        found = _wait(
            lambda: [f for f in json.loads(_get(url + "__citepress/findings"))["findings"]
                     if "ref.undefined" in f["codes"]],
            "the finding",
        )  # fmt: skip
        assert found[0]["place"].startswith("manuscript/01-introduction.md:")
        assert found[0]["severity"] == "error"
        events.close()
        # A page on another name for this address (DNS rebinding) is refused.
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/book.html", headers={"Host": "attacker.example"})
        assert connection.getresponse().status == 403
        connection.close()
    finally:
        if process.poll() is None:
            _stop(process, book)


def test_watch_rebuilds_what_changed(book: Path) -> None:
    process = _start(book, "watch")
    try:
        lines = _lines(process)
        next(line for line in lines if "rebuilt all editions" in line)
        chapter = book / "manuscript" / "01-introduction.md"
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\nWATCHED-42\n", "utf-8")
        assert "manuscript/01-introduction.md" in next(line for line in lines if "changed:" in line)
        next(line for line in lines if "rebuilt html" in line)
        assert "WATCHED-42" in (book / "build" / "book.html").read_text(encoding="utf-8")
        next(line for line in lines if "rebuilt all editions" in line)
    finally:
        if process.poll() is None:
            _stop(process, book)


def test_serve_never_sends_a_committed_build_folder(book: Path, tmp_path: Path) -> None:
    """A pull request's build/: a page with a script, a link to a file outside."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-OUTSIDE-42\n", encoding="utf-8")
    (book / "build").mkdir()
    (book / "build" / "book.pdf").symlink_to(secret)
    (book / "build" / "book.html").write_text("<script>steal()</script>PLANTED", "utf-8")
    process = _start(book, "serve", "--port", "0")
    try:
        lines = _lines(process)
        url = next(line for line in lines if line.startswith("serving ")).split()[1]
        for name in ("book.pdf", "book.html"):  # before this session has built them
            try:
                served = _get(url + name)
            except urllib.error.HTTPError as refused:
                assert refused.code == 503
            else:
                assert b"SECRET-OUTSIDE-42" not in served and b"PLANTED" not in served
        next(line for line in lines if "rebuilt all editions" in line)
        assert _get(url + "book.pdf").startswith(b"%PDF")
        with urllib.request.urlopen(url + "book.html", timeout=30) as response:
            policy = response.headers["Content-Security-Policy"]
            page = response.read().decode()
        assert "PLANTED" not in page and "script-src 'nonce-" in policy
        nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
        assert page.count("<script") == 1 and f'<script nonce="{nonce}">' in page
    finally:
        if process.poll() is None:
            _stop(process, book)


def test_watch_refuses_a_link_out_of_the_project(book: Path, tmp_path: Path) -> None:
    (book / "templates" / "assets").symlink_to(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "citepress.cli", "-C", str(book), "watch"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "templates/assets: a link to a place outside the project" in done.stderr


def test_a_browser_that_goes_away_mid_answer_is_no_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chromium dropping a 404's answer printed a BrokenPipeError traceback."""
    from http.server import BaseHTTPRequestHandler  # noqa: PLC0415

    from citepress import live  # noqa: PLC0415

    def gone(self: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(BaseHTTPRequestHandler, "handle", gone)
    handler = live.Handler.__new__(live.Handler)
    handler.handle()  # no exception: the connection just ends


def test_the_first_build_of_a_preview_has_the_templates_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first build of watch and serve ran in a thread, where SIGALRM cannot reach:
    a project template looping for hours ran unstopped (150 s seen; build stops it)."""
    from citepress import config as project  # noqa: PLC0415 -- this test only
    from citepress import live  # noqa: PLC0415
    from citepress.book import templates  # noqa: PLC0415

    (tmp_path / "manuscript").mkdir()
    (tmp_path / "manuscript" / "c.md").write_text(
        "---\ntitle: T\nauthor: A\nlang: en\n---\n\nText.\n", encoding="utf-8"
    )
    (tmp_path / "templates" / "html").mkdir(parents=True)
    (tmp_path / "templates" / "html" / "book.html.j2").write_text(
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        encoding="utf-8",
    )
    (tmp_path / "pyproject.toml").write_text("[tool.citepress]\nbibliography = []\n")
    monkeypatch.setattr(templates, "TIME_LIMIT_S", 1)
    settings = project.load(tmp_path)
    stop, said = threading.Event(), []

    def say(text: str) -> None:
        said.append(text)
        if "took longer than" in text:
            stop.set()

    bound = threading.Timer(120, stop.set)  # the test's own bound, if the limit failed
    bound.start()
    try:
        live.watch(settings, tmp_path / "build", live.State(), stop, say)
    finally:
        bound.cancel()
    assert any("took longer than 1 s and was stopped" in text for text in said), said
