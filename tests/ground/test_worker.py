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
