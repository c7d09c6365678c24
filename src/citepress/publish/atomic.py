"""Write files so that a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

SUFFIX = ".citepress-tmp"


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, then a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}{SUFFIX}")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_text(path: Path, text: str) -> None:
    """write_bytes for UTF-8 text."""
    write_bytes(path, text.encode("utf-8"))


def clean_stale(folder: Path) -> list[Path]:
    """Remove temporary files a killed build left in ``folder``; return them.

    A temporary file names the process that wrote it; it is stale when that process
    is gone (a build killed with SIGKILL cannot clean up after itself).
    """
    removed = []
    for tmp in folder.glob(f".*{SUFFIX}"):
        pid = tmp.name.removesuffix(SUFFIX).rsplit(".", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
                removed.append(tmp)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
