"""The PDF worker: fenced, and killed alone (issue #11: it used to kill every child)."""

from __future__ import annotations

import multiprocessing
import time

from citepress.publish.worker import Worker


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


def test_the_worker_is_killed() -> None:
    worker = Worker.start(timeout=30, memory_mb=2048)
    assert worker is not None
    worker.run(_slow_bytes, 30)
    time.sleep(0.5)
    processes = list(getattr(worker._pool, "_processes", {}).values())
    assert processes
    worker.kill()
    for process in processes:
        process.join(timeout=10)
        assert not process.is_alive()
