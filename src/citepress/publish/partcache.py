"""A book's laid-out parts, kept in the user's cache folder by content (publish/chapters.py).

Each part's PDF is kept under a hash of everything it is made from: its HTML (the
stylesheet included), the files in the asset folders, and the versions of citepress
and of the tools. Its record (JSON) says what the merge needs of it; both are checked
when read back, and anything unreadable or changed is a miss (the part is laid out
again). The original font files the parts name are kept beside (typeset/pdffonts).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from citepress import __version__
from citepress.ground import atomic
from citepress.ground.files import SourceError, read_bytes
from citepress.ground.store import Digest, cache_folder, sha256, tool_versions
from citepress.typeset import pagemap, pdffonts, pdfparts

FORMAT = "citepress-part-2"  # what a cached part holds: change it when that changes


class PartCache:
    """Laid-out parts in the user's cache folder, by the hash of what they are made of.

    ``read=False`` (``--no-cache``) lays every part out again, and keeps the new ones.
    """

    def __init__(self, assets: list[Path], read: bool = True) -> None:
        self.folder = cache_folder() / "parts"
        self.fonts = pdffonts.folder()  # the original font files the parts name
        self._fonts_checked: set[str] = set()
        self.read = read
        digest = Digest(FORMAT, __version__, json.dumps(tool_versions(), sort_keys=True))
        for folder in assets:
            for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
                digest.feed(path.relative_to(folder).as_posix(), _file_digest(folder, path))
        self._common = digest

    def key(self, *fields: str) -> str:
        """The hash of ``fields`` with what every part depends on."""
        return self._common.copy().feed(*fields).hexdigest()

    def get(self, key: str) -> pdfparts.Part | None:
        """The part kept under ``key``, or None (missing, unreadable or changed)."""
        kept = self.get_kept(key)
        if kept is None:
            return None
        data, meta = kept
        try:
            part = pdfparts.Part(
                data,
                int(meta["pages"]),
                [pagemap.PageStart(*map(int, start)) for start in meta["starts"]],
                {str(k): int(v) for k, v in dict(meta["anchors"]).items()},
                [str(name) for name in meta["borrowed"]],
                [bool(flag) for flag in meta["folios"]],
                [str(digest) for digest in meta["fonts"]],
                [str(side) for side in meta["sides"]],
                [str(look) for look in meta["looks"]],
                [int(level) for level in meta["levels"]],
                str(meta["problem"]),
            )
        except (KeyError, TypeError, ValueError):
            return None
        sized = (part.folios, part.sides, part.looks)
        return part if all(len(each) == part.pages for each in sized) else None

    def put(self, key: str, part: pdfparts.Part) -> None:
        """Keep ``part`` under ``key`` (a lost entry only costs a layout)."""
        meta = {
            name: getattr(part, name)
            for name in ("pages", "anchors", "borrowed", "folios", "fonts", "sides", "looks")
        }
        meta["starts"] = [dataclasses.astuple(start) for start in part.starts]
        meta["levels"], meta["problem"] = part.levels, part.problem
        self.put_bytes(key, part.pdf, meta)

    def get_json(self, key: str) -> dict[str, Any] | None:
        """A small record kept under ``key`` (what the last build found)."""
        return self._meta(key)

    def put_json(self, key: str, record: dict[str, Any]) -> None:
        """Keep a small record under ``key``."""
        self._write(key + ".json", json.dumps(record).encode())

    def get_kept(self, key: str) -> tuple[bytes, dict[str, Any]] | None:
        """The bytes kept under ``key`` and their record (one read), when they are whole."""
        meta = self._meta(key)
        if meta is None:
            return None
        try:
            data = (self.folder / f"{key}.pdf").read_bytes()
        except OSError:
            return None
        if sha256(data) != meta.get("sha256"):
            return None
        fonts = meta.get("fonts", [])
        named = [str(digest) for digest in fonts] if isinstance(fonts, list) else None
        if named is None or pdffonts.missing(self.fonts, named, self._fonts_checked):
            return None  # the merge could not embed its fonts: laid out again, they are kept
        return data, meta

    def put_bytes(self, key: str, data: bytes, meta: dict[str, Any] | None = None) -> None:
        """Keep ``data`` under ``key``, with ``meta`` and its hash."""
        record = {**(meta or {}), "sha256": sha256(data)}
        # The bytes first: a reader finds the record only once they are whole.
        if self._write(key + ".pdf", data):
            self._write(key + ".json", json.dumps(record).encode())

    def _meta(self, key: str) -> dict[str, Any] | None:
        if not self.read:
            return None
        path = self.folder / f"{key}.json"
        try:
            meta = json.loads(path.read_bytes())
            os.utime(path)  # used: the last to go when the cache is pruned
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    def _write(self, name: str, data: bytes) -> bool:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic.write_bytes(self.folder / name, data)
        except OSError:
            return False
        return True


def _file_digest(folder: Path, path: Path) -> str:
    """An asset's hash, read through the guard (a link out of the project hashes as refused)."""
    if not path.is_file():
        return "-"
    try:
        return sha256(read_bytes(folder, path))
    except SourceError as exc:
        return f"-{exc.message}"
