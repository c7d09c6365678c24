"""External work runs with no secrets and no network (citepress.ground.sandbox)."""

from __future__ import annotations

import errno
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from citepress.ground import pandoc, sandbox, worker

# Connects to 127.0.0.1:<argv[1]>; prints "connected" or the error's errno name.
CONNECT = """
import errno, socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
    print("connected")
except OSError as exc:
    print(errno.errorcode.get(exc.errno, str(exc)))
"""

needs_namespaces = pytest.mark.skipif(
    not sandbox.network_isolated(),
    reason=f"this machine cannot make a network namespace: {sandbox.isolation_reason()}",
)


@pytest.fixture
def server() -> Iterator[int]:
    """A TCP server on the host's 127.0.0.1; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield int(listener.getsockname()[1])
    finally:
        listener.close()


def connect(
    argv: list[str],
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> str:
    """What the child ``argv`` (running CONNECT) says."""
    done = subprocess.run(
        argv, env=env, preexec_fn=preexec_fn, capture_output=True, text=True, timeout=30
    )
    return done.stdout.strip()


def connecting(port: int) -> list[str]:
    """A Python child that runs CONNECT on ``port``."""
    return [sys.executable, "-I", "-c", CONNECT, str(port)]


def test_the_connection_succeeds_without_the_sandbox(server: int) -> None:
    # The control: without this, the refusals below could be a broken test server.
    assert connect(connecting(server)) == "connected"


@needs_namespaces
def test_a_child_through_the_launcher_cannot_reach_the_hosts_loopback(server: int) -> None:
    argv = sandbox.command(connecting(server))
    assert connect(argv, env=sandbox.scrubbed_env()) == "ENETUNREACH"


@needs_namespaces
@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="becoming another user needs root and setpriv (util-linux)",
)
def test_an_unprivileged_child_is_cut_off_too(server: int) -> None:
    # Without root, only a user namespace can hold the new network namespace. The
    # child is bash (/dev/tcp): the user nobody cannot reach this venv's interpreter.
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    bash = ["/bin/bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{server} && echo connected"]
    readable = subprocess.run([*nobody, "/bin/cat", sandbox.__file__], capture_output=True)
    if readable.returncode != 0:  # a checkout under a 0700 home or temporary folder
        pytest.skip("the unprivileged user cannot read this checkout")
    without = subprocess.run([*nobody, *bash], capture_output=True, text=True, check=False)
    assert without.stdout.strip() == "connected"  # the control, as nobody
    argv = [*nobody, *sandbox.command(bash)]
    done = subprocess.run(argv, env=sandbox.scrubbed_env(), capture_output=True, text=True)
    if done.stdout.strip() == "connected":
        probe = [*nobody, *sandbox.command([])[:4], "--probe"]
        why = subprocess.run(probe, capture_output=True, text=True, check=False)
        assert why.returncode != 0, "the probe says isolated, yet the child connected"
        pytest.skip(f"unprivileged user namespaces are off here: {why.stdout.strip()}")
    assert "Network is unreachable" in done.stderr


@needs_namespaces
def test_a_child_through_preexec_cannot_reach_the_hosts_loopback(server: int) -> None:
    assert connect(connecting(server), preexec_fn=sandbox.preexec) == "ENETUNREACH"


def test_the_childs_environment_holds_nothing_the_parent_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET", "hunter2-from-the-ci")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    done = subprocess.run(
        sandbox.command(["/usr/bin/env"]),
        env=sandbox.scrubbed_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    seen = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert seen == {
        "PATH": sandbox.SAFE_PATH,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": "/nonexistent",
    }


def test_scrubbed_env_takes_a_home() -> None:
    assert sandbox.scrubbed_env(Path("/tmp/x"))["HOME"] == "/tmp/x"


def test_pandoc_itself_sees_no_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # pandoc reads a dependent style's parent from anywhere (the hole cslstyle closes)
    # and quotes it in its error: pointed at its own environment, it shows what it got.
    monkeypatch.setenv("SECRET", "hunter2-from-the-ci")
    style = dependent_style(tmp_path, "file:///proc/self/environ")
    with pytest.raises(pandoc.PandocError) as caught:
        pandoc.run(["--citeproc", f"--csl={style}", "--to=html"], "[@a]\n")
    message = str(caught.value)
    assert "LC_ALL=C.UTF-8" in message  # pandoc did read its environment...
    assert "SECRET" not in message  # ...and the secret was not in it
    assert "hunter2" not in message


@needs_namespaces
def test_pandoc_cannot_fetch_a_url(tmp_path: Path) -> None:
    hits: list[str] = []
    with RecordingServer(hits) as port:
        style = dependent_style(tmp_path, f"http://127.0.0.1:{port}/parent.csl")
        # Without the sandbox pandoc fetches the URL (--sandbox does not stop citeproc)...
        raw = [pandoc.binary(), "--sandbox", "--citeproc", f"--csl={style}", "--to=html"]
        subprocess.run(raw, input=b"[@a]\n", capture_output=True, check=False, timeout=60)
        assert hits == ["/parent.csl"]
        # ...through pandoc.run it cannot.
        with pytest.raises(pandoc.PandocError):
            pandoc.run(["--citeproc", f"--csl={style}", "--to=html"], "[@a]\n")
    assert hits == ["/parent.csl"]


@needs_namespaces
def test_pandoc_in_a_batch_cannot_fetch_a_url(tmp_path: Path) -> None:
    from citepress.ground import pandocbatch  # noqa: PLC0415

    hits: list[str] = []
    references = tmp_path / "references.json"
    references.write_text('[{"id": "a", "type": "book", "title": "T"}]', encoding="utf-8")
    tree = pandoc.markdown_to_json("[@a]\n")
    with RecordingServer(hits) as port:
        style = dependent_style(tmp_path, f"http://127.0.0.1:{port}/parent.csl")
        job = pandocbatch.html_job(tree, style, references, "", False, "")
        found = pandocbatch.run_all([job])
    assert hits == [] and isinstance(found[0], pandoc.PandocError)


def test_pandocs_error_is_cut_to_two_lines_and_500_characters(tmp_path: Path) -> None:
    # A parent style that is no XML: pandoc's error quotes all of it, over many lines.
    parent = tmp_path / "parent.txt"
    parent.write_text("x" * 300 + "\n" + "y" * 300 + "\n" + "z" * 300 + "\n")
    style = dependent_style(tmp_path, parent.as_uri())
    with pytest.raises(pandoc.PandocError) as caught:
        pandoc.run(["--citeproc", f"--csl={style}", "--to=html"], "[@a]\n")
    message = re.sub(r"^pandoc failed \(exit \d+\): ", "", str(caught.value))
    assert len(message) == 500  # pandoc said more, on one line: cut
    assert "z" * 10 not in message


def test_pandocs_error_keeps_its_first_two_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    said = "".join(f"line {n}: something went wrong\n" for n in range(1, 50))
    script = f"import sys; sys.stderr.write({said!r}); sys.exit(64)"
    monkeypatch.setattr(sandbox, "command", lambda argv: [sys.executable, "-c", script])
    with pytest.raises(pandoc.PandocError) as caught:
        pandoc.run(["--to=html"], "text")
    assert str(caught.value) == (
        "pandoc failed (exit 64): line 1: something went wrong\nline 2: something went wrong"
    )


def test_the_launcher_lifts_the_soft_data_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    capped = 4 * 1024**3 if hard == resource.RLIM_INFINITY else hard // 2

    def cap() -> None:  # what `citepress check` may do to itself
        resource.setrlimit(resource.RLIMIT_DATA, (capped, hard))

    show = "import resource; print(*resource.getrlimit(resource.RLIMIT_DATA))"
    argv = sandbox.command([sys.executable, "-I", "-c", show])
    done = subprocess.run(
        argv, env=sandbox.scrubbed_env(), preexec_fn=cap, capture_output=True, text=True
    )
    assert done.stdout.split() == [str(hard), str(hard)]


def test_a_failing_unshare_is_recorded_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "_unshare", lambda flags: errno.EPERM)
    result = in_fork(isolate_and_report)
    reason = str(result["reason"])
    assert result["isolated"] is False
    assert "Operation not permitted" in reason
    assert "\n" not in reason
    assert result["environ"] == sandbox.scrubbed_env()  # the environment is scrubbed all the same


@needs_namespaces
def test_the_pdf_worker_has_no_secret_and_no_network(
    monkeypatch: pytest.MonkeyPatch, server: int
) -> None:
    monkeypatch.setenv("SECRET", "hunter2-from-the-ci")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    pdf_worker = worker.Worker.start(timeout=60, memory_mb=4096)
    assert pdf_worker is not None
    try:
        seen = json.loads(pdf_worker.result(pdf_worker.run(worker_report, server), "report"))
    finally:
        pdf_worker.close()
    assert "SECRET" not in seen["environ"]
    assert seen["environ"] == {
        **sandbox.scrubbed_env(),
        "SOURCE_DATE_EPOCH": "1764000000",  # a build input fontTools reads, kept
    }
    assert seen["connect"] == "ENETUNREACH"
    assert seen["isolated"] is True


def worker_report(port: int) -> bytes:
    """In the PDF worker (after _fence): its environment, and whether it can connect."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        outcome = "connected"
    except OSError as exc:
        outcome = errno.errorcode.get(exc.errno or 0, str(exc))
    report = {
        "environ": dict(os.environ),
        "connect": outcome,
        "isolated": sandbox.network_isolated(),
    }
    return json.dumps(report).encode()


def isolate_and_report() -> dict[str, object]:
    sandbox.isolate_this_process()
    return {
        "isolated": sandbox.network_isolated(),
        "reason": sandbox.isolation_reason(),
        "environ": dict(os.environ),
    }


def in_fork(function: Callable[[], dict[str, object]]) -> dict[str, object]:
    """``function()`` run in a forked child (it changes the process), its result as JSON."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover -- the child
        os.close(read)
        try:
            os.write(write, json.dumps(function()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    result = json.loads(data)
    assert isinstance(result, dict)
    return result


def dependent_style(folder: Path, parent: str) -> Path:
    """A dependent CSL style whose parent is ``parent``."""
    style = folder / "dependent.csl"
    style.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">\n'
        "  <info><title>t</title><id>t</id>\n"
        f'    <link rel="independent-parent" href="{parent}"/>\n'
        "    <updated>2020-01-01T00:00:00+00:00</updated></info>\n"
        "</style>\n",
        encoding="utf-8",
    )
    return style


class RecordingServer:
    """An HTTP server on 127.0.0.1 in a thread, recording the paths it is asked for."""

    def __init__(self, hits: list[str]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> int:
        self.thread.start()
        return int(self.httpd.server_address[1])

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
