"""make bench: `citepress serve`, from an edit to a chapter to the page's reload.

The server runs as an author runs it; the bench listens to its event stream as the
page's script does, makes a one-sentence edit (a new word each time), and times the
write to: the reload event (the HTML pass), the HTML served with the new word, and
the second event (all three editions rebuilt, the PDF with them).
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

SENTENCE = "の安全保障であった。"  # in Chapter 3, and in every chapter of a generated book
WAIT_S = 120.0


class _Server:
    """``citepress serve --port 0`` in ``project``, its port, and its reload events."""

    def __init__(self, project: Path) -> None:
        citepress = str(Path(sys.executable).with_name("citepress"))
        self.process = subprocess.Popen(
            [citepress, "serve", "--port", "0"],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.events: list[float] = []
        threading.Thread(target=self._read, daemon=True).start()
        found = self._wait_for(lambda: _port(self.lines))
        self.port = int(found)
        self._wait_for(lambda: any("rebuilt all" in line for line in self.lines))
        threading.Thread(target=self._listen, daemon=True).start()
        time.sleep(0.5)  # the stream is open

    def get(self, path: str) -> bytes:
        """The body of ``path``, asked for as the browser does."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", path, headers={"Host": f"127.0.0.1:{self.port}"})
        body = connection.getresponse().read()
        connection.close()
        return body

    def stop(self) -> None:
        """Ctrl-C, as an author stops it."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)

    def _read(self) -> None:
        for line in self.process.stdout or []:
            self.lines.append(line)

    def _listen(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port)
        connection.request("GET", "/__citepress/events", headers={"Host": f"127.0.0.1:{self.port}"})
        stream = connection.getresponse()
        while line := stream.fp.readline():
            if line.startswith(b"data:"):
                self.events.append(time.perf_counter())

    def _wait_for(self, ready: object) -> str:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            found = ready()  # type: ignore[operator]
            if found:
                return str(found)
            if self.process.poll() is not None:
                raise SystemExit(f"citepress serve stopped: {''.join(self.lines)[-500:]}")
            time.sleep(0.02)
        raise SystemExit("citepress serve did not answer in time")


def _port(lines: list[str]) -> str:
    for line in lines:
        found = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
        if found:
            return found.group(1)
    return ""


def reload_times(project: Path, chapter: Path, html: str, repeat: int) -> list[list[float]]:
    """Seconds from each edit to: the reload event, the page with it, the PDF rebuilt."""
    server = _Server(project)
    original = chapter.read_text(encoding="utf-8")
    runs: list[list[float]] = [[], [], []]
    try:
        for n in range(repeat + 1):
            word = f"追記{secrets.token_hex(4)}"
            before = len(server.events)
            chapter.write_text(original.replace(SENTENCE, SENTENCE + word, 1), encoding="utf-8")
            written = time.perf_counter()
            server._wait_for(lambda before=before: len(server.events) > before)
            event = server.events[before] - written
            while word.encode() not in server.get(html):
                time.sleep(0.01)
            page = time.perf_counter() - written
            server._wait_for(lambda before=before: len(server.events) > before + 1)
            if n:  # the first edit warms the caches
                for found, value in zip(
                    runs, (event, page, server.events[before + 1] - written), strict=True
                ):
                    found.append(value)
    finally:
        chapter.write_text(original, encoding="utf-8")
        server.stop()
    return runs
