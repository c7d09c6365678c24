"""Lay out the PDF in a second process, while the build checks and converts.

The PDF is the slow edition (WeasyPrint: ~0.5 s to import, ~1 s to lay out the
chapter). The worker is forked at the start of the build and imports what the
caller names (``preload``: WeasyPrint and the layout) while the parent runs the
check and pandoc; the parent then hands it the PDF edition's HTML (made from the
Book there) and waits for the PDF and its page starts, which the HTML and EPUB carry
(typeset/pagemap).

Forked, not started by multiprocessing's fork server: that server was tried and
weakened the fence. It runs unfenced (the build's secrets, the host's network),
its socket is reachable from a fenced worker, which could ask it to run anything;
it imports its preload with the current folder first on its path, so a
``weasyprint.py`` committed to a book ran with the secrets; and a worker forked from
it outlives a killed build. A fork inherits the build's own import path (the
console script's folder, never the book's) and dies with the build. The cost:
``serve`` forks beside its HTTP thread.

The worker is also the PDF's fence: its memory is capped (RLIMIT_DATA) and the
parent stops waiting, and kills it, after a time limit, so an absurd stylesheet
(a 10⁶ pt font, a page of 1 mm) ends in a clear error rather than a hang. With no
fork (or no semaphores), the build renders the PDF itself, without the fence.
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import importlib
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from citepress.ground import sandbox

_PR_SET_PDEATHSIG = 1
T = TypeVar("T")


def call(worker: Worker | None, what: str, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in the fenced worker, or here where none could be forked."""
    if worker is None:
        return function(*args)
    return worker.result(worker.run(function, *args), what)


class WorkerError(Exception):
    """The worker ran out of time or memory, or died."""


def _fence(megabytes: int) -> None:
    """In the worker: no network or secrets, capped memory, and death with the build."""
    # Before WeasyPrint loads: a stylesheet cannot reach the network, and nothing the
    # worker prints or writes can carry a CI secret. SOURCE_DATE_EPOCH stays (a build
    # input, not a secret): where WeasyPrint subsets or instantiates a font with
    # fontTools (no libharfbuzz-subset, a variable or colour font), fontTools stamps
    # head.modified from it (timeTools.timestampNow); without it two PDFs differ.
    sandbox.isolate_this_process(keep=("SOURCE_DATE_EPOCH",))
    limit = megabytes * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    # PR_SET_PDEATHSIG: if the build is killed (even with SIGKILL), the kernel kills
    # the worker too, instead of leaving it to finish a PDF nobody will write.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _warm_up(preload: Sequence[str]) -> None:
    """Import ``preload`` in the fenced process while the parent checks and converts."""
    for name in preload:
        importlib.import_module(name)


class Worker:
    """One forked process that renders what it is handed, within limits."""

    def __init__(
        self,
        pool: ProcessPoolExecutor,
        timeout: float,
        memory_mb: int,
        processes: int = 1,
        preload: Sequence[str] = (),
    ) -> None:
        self._pool = pool
        self._timeout = timeout
        self._memory_mb = memory_mb
        self._deadline: float | None = None  # one limit for many waits (see ``bounded``)
        for _ in range(processes):
            self._pool.submit(_warm_up, tuple(preload))

    @classmethod
    def start(
        cls, timeout: float, memory_mb: int, processes: int = 1, preload: Sequence[str] = ()
    ) -> Worker | None:
        """A worker, or None where processes cannot be forked.

        ``processes`` > 1 lays a book's chapters out side by side, each process fenced
        alike (publish/chapters.py). ``preload``: the modules each process imports,
        once fenced, while the build goes on.
        """
        try:
            context = multiprocessing.get_context("fork")
            pool = ProcessPoolExecutor(
                max_workers=processes,
                mp_context=context,
                initializer=_fence,
                initargs=(memory_mb,),
            )
            return cls(pool, timeout, memory_mb, processes, preload)
        except (OSError, ValueError, NotImplementedError):
            return None

    def run(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """Start ``function(*args)`` in the worker; collect it with ``result``."""
        return self._pool.submit(function, *args)

    def bounded(self) -> Worker:
        """The same worker, with one time limit from now for all waited for through it.

        A book laid out in parts waits for each part in turn: with a limit per wait, a
        book of N parts could keep the build busy N times the limit.
        """
        clone = copy.copy(self)
        clone._deadline = time.monotonic() + self._timeout
        return clone

    def result(self, future: Future[T], what: str) -> T:
        """What ``future`` gives, or WorkerError past the time or memory limit."""
        timeout = self._timeout
        if self._deadline is not None:
            timeout = max(0.0, self._deadline - time.monotonic())
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            self._kill()
            raise WorkerError(
                f"{what} took longer than {self._timeout:g} s and was stopped "
                "(an absurd page or font size in a stylesheet?)"
            ) from None
        except MemoryError:
            raise WorkerError(
                f"{what} needed more than {self._memory_mb} MB of memory and was stopped"
            ) from None
        except BrokenProcessPool:
            raise WorkerError(f"{what}: the rendering process died") from None

    def close(self) -> None:
        """Stop the worker; pending work is cancelled."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def kill(self) -> None:
        """Stop the worker now, whatever it is doing (the build was interrupted).

        Then wait (briefly: its processes are dead) for the executor's manager
        thread to finish. Left running, it races the interpreter's exit, which in
        Python 3.11 wakes it through a pipe it may be closing at that moment
        ("Exception ignored … Bad file descriptor"); ``shutdown(wait=False)`` forgets
        the thread, so a later ``close`` cannot wait for it either.
        """
        manager = getattr(self._pool, "_executor_manager_thread", None)
        self._kill()
        self._pool.shutdown(wait=False, cancel_futures=True)
        if manager is not None:
            manager.join(timeout=10)

    def _kill(self) -> None:
        """SIGKILL this pool's own processes, and no other child of the build.

        ``_processes`` is the executor's private table (pid -> process); there is
        no public one. A pid of 0 or less would signal a whole process group, so
        only positive pids are killed.
        """
        processes = getattr(self._pool, "_processes", None) or {}
        for process in list(processes.values()):
            pid = process.pid
            if pid is not None and pid > 0:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
