"""The PDF worker: fenced, and killed alone (issue #11: it used to kill every child)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from citepress.ground.worker import Worker, WorkerError


def _sleep() -> None:
    time.sleep(60)


def _slow_bytes(seconds: float) -> bytes:
    time.sleep(seconds)
    return b""


def test_killing_the_worker_spares_the_builds_other_children() -> None:
    bystander = multiprocessing.get_context("fork").Process(target=_sleep)
    bystander.start()
    try:
        worker = Worker.start(timeout=30, memory_mb=2048)
        assert worker is not None
        worker.run(_slow_bytes, 30)
        time.sleep(0.5)  # let the pool start its process
        worker.kill()
        time.sleep(0.5)
        assert bystander.is_alive()
    finally:
        bystander.kill()
        bystander.join()


def _gone(pid: int) -> bool:
    """Dead or a zombie. (Process.is_alive() cannot tell once the executor's own
    thread has reaped the process: it then answers True for ever.)"""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def test_the_worker_is_killed() -> None:
    worker = Worker.start(timeout=30, memory_mb=2048)
    assert worker is not None
    worker.run(_slow_bytes, 30)
    time.sleep(0.5)
    pids = [p.pid for p in getattr(worker._pool, "_processes", {}).values() if p.pid]
    assert pids
    worker.kill()
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(pid) for pid in pids)


@pytest.mark.slow
def test_a_bounded_worker_has_one_time_limit_for_all_its_waits() -> None:
    """A book's parts are waited for one by one: each wait within the limit, the
    whole past it, must stop (each wait had its own limit before)."""
    worker = Worker.start(timeout=3, memory_mb=2048)
    assert worker is not None
    try:
        bounded = worker.bounded()
        first, second = (bounded.run(_slow_bytes, 2) for _ in range(2))
        assert bounded.result(first, "part 1") == b""
        with pytest.raises(WorkerError, match="part 2 took longer than 3 s"):
            bounded.result(second, "part 2")
    finally:
        worker.kill()


def _managers() -> list[object]:
    import threading  # noqa: PLC0415
    from concurrent.futures import process  # noqa: PLC0415

    return [t for t in threading.enumerate() if isinstance(t, process._ExecutorManagerThread)]


def test_a_killed_worker_leaves_no_thread_to_race_the_interpreters_exit() -> None:
    """A build stopped by the check kills the worker just started. Python 3.11's
    exit wakes each executor's manager thread through a pipe that thread may be
    closing at that moment: "Exception ignored … Bad file descriptor" (#29, seen in
    a suite run). ``kill`` now waits for the thread; before, it was still running."""
    for _ in range(5):
        worker = Worker.start(timeout=30, memory_mb=2048)
        assert worker is not None
        worker.run(_slow_bytes, 30)
        worker.kill()
        assert _managers() == []


@pytest.mark.slow
def test_modules_a_book_commits_are_never_imported(tmp_path: Path) -> None:
    """A `weasyprint.py`, `pikepdf.py` or `citepress/` at a book's root is the book's,
    not the library: the build (as the Action runs it, the console script in the
    checkout) imports none of them. Started by multiprocessing's fork server, the
    worker imported `weasyprint.py` from the book with the build's secrets and network
    (found by a review of this session's change, and reverted)."""
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    marker = tmp_path / "imported"
    script = Path(sys.executable).with_name("citepress")
    made = subprocess.run([str(script), "init", str(tmp_path / "book"), "--lang", "en"],
                          capture_output=True, check=False)  # fmt: skip
    assert made.returncode == 0
    book = tmp_path / "book"
    hostile = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    for name in ("weasyprint.py", "pikepdf.py", "tinycss2.py", "fontTools.py"):
        (book / name).write_text(hostile)
    (book / "citepress").mkdir()
    (book / "citepress" / "__init__.py").write_text(hostile)
    env = {**os.environ, "CITEPRESS_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [str(script), "build", "--untrusted", "--format", "pdf,print", "--no-cache"],
        cwd=book, capture_output=True, text=True, env=env, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), marker.read_text()
