"""Write files so that a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

SUFFIX = ".citepress-tmp"


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, then a rename.

    The temporary file is created with O_CREAT|O_EXCL under a random name
    (``tempfile.mkstemp``), so a link planted under a predictable name cannot
    redirect the write; the rename replaces a link at ``path`` itself rather than
    writing through it.
    """
    write_all([(path, data)])


def write_all(files: list[tuple[Path, bytes]]) -> None:
    """Write several files that belong together, each atomically.

    Every one is written in full before any is renamed into place, so a failure
    leaves the old set. A folder where a file should go is refused before anything
    is written.
    """
    for path, _ in files:
        if path.is_dir() and not path.is_symlink():
            raise IsADirectoryError(21, "a folder stands where this file is written", str(path))
    temporaries: list[Path] = []
    try:
        for path, data in files:
            temporaries.append(_temporary(path, data))
        for (path, _), tmp in zip(files, temporaries, strict=True):
            tmp.replace(path)
    finally:
        for tmp in temporaries:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _temporary(path: Path, data: bytes) -> Path:
    """``data`` in a new temporary file beside ``path``, flushed to disk."""
    fd, name = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=SUFFIX, dir=path.parent
    )
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(0o644 & ~_umask())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


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
        parts = tmp.name.removesuffix(SUFFIX).split(".")
        # .NAME.PID.RANDOM (and .NAME.PID, as builds before mkstemp named them)
        pid = next((p for p in reversed(parts[-2:]) if p.isdigit()), "")
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
