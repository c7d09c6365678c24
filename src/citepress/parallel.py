"""Render the PDF in a second process, in parallel with the rest of the build.

The PDF is the slow edition (WeasyPrint: ~0.5 s to import, ~1 s to lay out the
chapter) and the editions are independent. The worker is forked at the start of
the build and imports WeasyPrint while the parent runs the check and pandoc;
the parent then hands it the Book and renders the HTML and EPUB meanwhile. With
no fork (or no semaphores), the build simply renders the PDF itself.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any


def _warm_up() -> None:
    import weasyprint  # noqa: F401, PLC0415 -- the import is the point: pay it early


class Worker:
    """One forked process that renders editions handed to it."""

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self._pool = pool
        self._pool.submit(_warm_up)

    @classmethod
    def start(cls) -> Worker | None:
        """A worker, or None where processes cannot be forked."""
        try:
            context = multiprocessing.get_context("fork")
            return cls(ProcessPoolExecutor(max_workers=1, mp_context=context))
        except (OSError, ValueError, NotImplementedError):
            return None

    def submit(self, function: Callable[..., bytes], *args: Any) -> Future[bytes]:
        """Run ``function(*args)`` in the worker."""
        return self._pool.submit(function, *args)

    def close(self) -> None:
        """Stop the worker; pending work is cancelled."""
        self._pool.shutdown(wait=True, cancel_futures=True)
