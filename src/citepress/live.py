"""``citepress watch`` and ``citepress serve``: the author's loop.

Each change to a source (watchfiles) rebuilds in two passes: first the HTML alone,
without the print edition's page numbers (it needs no PDF layout, so an edit shows
in about half a second), then every edition, whole. ``serve`` shows the HTML
edition on 127.0.0.1 only, with the EPUB and PDF beside it; the page reloads when a
pass ends (server-sent events), and the check's findings lie over it with
file:line. The edition files are never changed: the server adds its script and
overlay to the page it sends. Every file is written atomically by the build, so
Ctrl-C leaves the last whole editions.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from citepress.config import Settings
from citepress.ground.memo import Recollection
from citepress.publish import build

EVENTS = "/__citepress/events"
MAX_STREAMS = 16  # open event streams (a browser keeps about six a host)
FINDINGS = "/__citepress/findings"
TYPES = {".html": "text/html; charset=utf-8", ".epub": "application/epub+zip",
         ".pdf": "application/pdf"}  # fmt: skip


@dataclass
class State:
    """What the server shows: the latest pass's number and findings."""

    version: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    changed: threading.Condition = field(default_factory=threading.Condition)
    # Only what this session's builds wrote is served: a build/ folder committed with
    # a pull request (a page with a script, a link to /etc/passwd) is never sent.
    written: dict[str, Path] = field(default_factory=dict)  # suffix -> file
    streams: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(MAX_STREAMS)
    )
    # What the session's builds remember in memory (ground/memo.py), one to the next.
    recollection: Recollection = field(default_factory=Recollection)

    def wait(self, seen: int, timeout: float) -> int:
        """The version after ``seen`` once there is one, or ``seen`` after ``timeout``."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen, timeout=timeout)
            return self.version

    def as_json(self) -> bytes:
        """The latest pass's findings, for the page's overlay."""
        data = {"version": self.version, "error": self.error, "findings": self.findings}
        return json.dumps(data, ensure_ascii=False).encode()

    def publish(
        self,
        findings: list[dict[str, Any]],
        error: str = "",
        written: dict[str, Path] | None = None,
    ) -> None:
        """A pass ended: remember what it found and wrote, and wake every waiting page."""
        with self.changed:
            self.version += 1
            self.findings, self.error = findings, error
            for name, path in (written or {}).items():
                self.written[f".{name}"] = path
            self.changed.notify_all()


def rebuild(settings: Settings, folder: Path, state: State, say: Callable[[str], None]) -> None:
    """The two passes: the HTML at once, then every edition with its page numbers.

    Both, and every rebuild of the session, share ``state.recollection``: an
    unchanged chapter is read once in the session.
    """
    for formats, whole in ((["html"], False), (list(build.FORMATS), True)):
        try:
            result = build.build(
                settings, formats, folder, force=True, page_numbers=whole,
                recollection=state.recollection,
            )  # fmt: skip
        except build.BuildError as exc:
            state.publish([], str(exc))
            say(f"citepress: {exc}")
            return
        found = [_finding(d) for d in result.diagnostics]
        state.publish(found, written=result.written)
        label = "all editions" if whole else "html (page numbers follow)"
        say(f"  rebuilt {label}: {sum(f['severity'] == 'error' for f in found)} error(s)")


def _finding(diag: Any) -> dict[str, Any]:
    place = ":".join([diag.path, *(str(n) for n in (diag.line, diag.column) if n)])
    return {"place": place, "severity": diag.severity, "message": diag.message,
            "codes": ", ".join(diag.codes)}  # fmt: skip


def watch(settings: Settings, folder: Path, state: State, stop: threading.Event,
          say: Callable[[str], None]) -> None:  # fmt: skip
    """Rebuild now, then after every change to a source, until ``stop`` is set.

    The watcher starts first, in a thread of its own, so an edit made while the first
    build runs is not missed; every build runs here, in the calling (main) thread,
    where the templates' time limit (SIGALRM) applies: a template looping for hours
    in the first build of a preview ran unstopped when that build had a thread.
    One build at a time.
    """
    import watchfiles  # noqa: PLC0415 -- only the live commands need it

    paths = check_sources(settings)
    changed: queue.Queue[set[tuple[Any, str]] | None] = queue.Queue()

    def watcher() -> None:
        try:
            for changes in watchfiles.watch(*paths, stop_event=stop, debounce=150, step=50):
                changed.put(changes)
        finally:
            changed.put(None)

    threading.Thread(target=watcher, daemon=True).start()
    rebuild(settings, folder, state, say)
    while not stop.is_set():
        try:
            changes = changed.get(timeout=0.5)  # a timeout: Ctrl-C is not held up
        except queue.Empty:
            continue
        if changes is None:
            return
        while not changed.empty():  # edits made during the last build: one build
            more = changed.get_nowait()
            if more is None:
                return
            changes |= more
        shown = ", ".join(sorted({settings.relative(Path(p)) for _, p in changes}))
        say(f"  changed: {shown}")
        rebuild(settings, folder, state, say)


class WatchError(Exception):
    """A source folder cannot be watched safely."""


def check_sources(settings: Settings) -> list[Path]:
    """What to watch; WatchError for a link out of the project, which the watcher follows.

    watchfiles walks into linked folders: ``templates/assets -> /`` would watch the
    whole machine (and the build refuses such a link anyway).
    """
    paths = [p for p in {*settings.sources(), settings.root / "pyproject.toml",
                         *settings.bibliography} if p.exists()]  # fmt: skip
    root = Path(os.path.realpath(settings.root))
    for folder in (p for p in paths if p.is_dir()):
        for base, dirs, files in os.walk(folder):
            for name in [*dirs, *files]:
                path = Path(base) / name
                if path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(root):
                    raise WatchError(
                        f"{settings.relative(path)}: a link to a place outside the project; "
                        "refusing to watch it"
                    )
    return paths


def server(settings: Settings, folder: Path, state: State, port: int) -> ThreadingHTTPServer:
    """The preview server, bound to 127.0.0.1 only, serving the editions in ``folder``."""
    name = build.output_name(settings)

    class Bound(Handler):
        pass

    Bound.state, Bound.name = state, name
    Bound.files = {f"/{name}{suffix}": folder / f"{name}{suffix}" for suffix in TYPES}
    httpd = ThreadingHTTPServer(("127.0.0.1", port), Bound)
    httpd.daemon_threads = True
    return httpd


class Handler(BaseHTTPRequestHandler):
    """The editions, the findings and the reload events; nothing else is served."""

    state: State
    name: str
    files: dict[str, Path]

    def handle(self) -> None:
        """Answer the connection; a browser that goes away mid-answer is no error.

        Chromium drops a request (a 404 for /favicon.ico) before reading the answer:
        the standard handler then printed a BrokenPipeError traceback.
        """
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()

    def do_GET(self) -> None:
        """One of the three editions, the findings, or the event stream."""
        path = self.path.split("?", 1)[0]
        port = self.server.server_port  # type: ignore[attr-defined]
        if self.headers.get("Host") not in (f"127.0.0.1:{port}", f"localhost:{port}"):
            # Another name for this address (DNS rebinding) is some web page's, not ours.
            self.send_error(HTTPStatus.FORBIDDEN)
        elif path == "/":
            self._redirect(f"/{self.name}.html")
        elif path == EVENTS:
            self._events()
        elif path == FINDINGS:
            self._send(self.state.as_json(), "application/json")
        elif path in self.files:
            self._edition(Path(path).suffix)
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def _edition(self, suffix: str) -> None:
        """An edition this session built, read without following a link."""
        path = self.state.written.get(suffix)
        if path is None:
            self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "not built yet")
            return
        try:
            data = _read_regular(path)
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        nonce = secrets.token_urlsafe(16)
        if suffix == ".html":
            data = _with_overlay(data, self.name, nonce)
        self._send(data, TYPES[suffix], nonce)

    def _send(self, data: bytes, kind: str, nonce: str = "") -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        # Only our overlay script runs, and the page talks to this server alone.
        self.send_header(
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'nonce-{nonce or secrets.token_urlsafe(16)}'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
        )
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, where: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", where)
        self.end_headers()

    def _events(self) -> None:
        """Server-sent events: one message each time a pass ends (the page reloads)."""
        if not self.state.streams.acquire(blocking=False):
            self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "too many event streams")
            return
        try:
            self._stream()
        finally:
            self.state.streams.release()

    def _stream(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = self.state.version
        try:
            while True:
                now = self.state.wait(seen, timeout=15)
                message = f"data: {now}\n\n" if now != seen else ": keep-alive\n\n"
                seen = now
                self.wfile.write(message.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows rebuilds, not every request."""
        return


OVERLAY = """
<div id="citepress-live" hidden style="position:fixed;inset:auto 0 0 0;max-height:40vh;
overflow:auto;background:#1d1d1f;color:#fff;font:13px/1.5 monospace;padding:.5em 1em;
z-index:9999;border-top:3px solid #c62828"></div>
<p id="citepress-links" style="position:fixed;top:0;right:0;margin:0;padding:.3em .6em;
background:#eee;color:#000;font:12px sans-serif;z-index:9999">
<a href="/{name}.epub">EPUB</a> · <a href="/{name}.pdf">PDF</a></p>
<script nonce="{nonce}">
(function () {
  var box = document.getElementById("citepress-live");
  fetch("/__citepress/findings").then(function (r) { return r.json(); }).then(function (s) {
    var lines = s.findings.map(function (f) {
      return f.place + ": " + f.severity + ": " + f.message + " [" + f.codes + "]";
    });
    if (s.error) lines.unshift(s.error);
    box.textContent = lines.join("\\n");
    box.style.whiteSpace = "pre-wrap";
    box.hidden = lines.length === 0;
  });
  new EventSource("/__citepress/events").onmessage = function () { location.reload(); };
})();
</script>
"""


def _read_regular(path: Path) -> bytes:
    """A regular file's bytes, refusing a link (O_NOFOLLOW) or anything else."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path}: not a regular file")
        return handle.read()


def _with_overlay(page: bytes, name: str, nonce: str) -> bytes:
    """The HTML edition as the preview sends it: its own bytes, then our script."""
    extra = OVERLAY.replace("{name}", name).replace("{nonce}", nonce).encode()
    end = page.rfind(b"</body>")
    return page[:end] + extra + page[end:] if end >= 0 else page + extra
