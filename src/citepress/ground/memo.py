"""pandoc's results kept by content, so that a rebuild converts only what changed.

A pandoc run is a function of its options, the files they name, what it reads on
standard input and pandoc's own version. A build keeps each run's output in the
user's cache folder (ground/store.py's, never the project) under a hash of all of
them: after a change to one chapter, the check reads and the conversion renders that
chapter alone (and the bibliography, when it changed), instead of all of them.

What a build keeps and reads is a :class:`Memo`, made by the build and handed down
to every step that runs pandoc or reads a source: no module-wide switch. Outside a
build (the check alone, the proof, a test) it is :data:`OFF`: nothing is kept or
read. ``citepress build --no-cache`` keeps results without reading any. A failed run
is never kept. Values computed in Python from a source (a chapter's facts, its
dates) are remembered in memory by a :class:`Recollection`, which ``serve`` and
``watch`` keep from one build to the next.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from citepress import __version__
from citepress.ground import atomic, store

T = TypeVar("T")
RECALL_LIMIT = 4096  # slots remembered in one process (a few books' chapters)


class Recollection:
    """Values remembered in memory, a slot each, the least recently used dropped first.

    ``slot`` names what a value is of (a chapter's file), and ``parts`` everything
    it is computed from: a slot holds one value, the last, so an author's thousandth
    edit of a chapter leaves one reading of it in memory, not a thousand. Values are
    shared from one build to the next: no caller changes them.
    """

    def __init__(self, limit: int = RECALL_LIMIT) -> None:
        self.limit = limit
        self._slots: OrderedDict[str, tuple[str, Any]] = OrderedDict()  # slot -> (parts, value)
        self._lock = threading.Lock()

    def get(self, slot: Sequence[str], parts: Sequence[str]) -> Any:
        """The value ``slot`` holds for the same ``parts``, else None."""
        named, hashed = digest(slot), digest(parts)
        with self._lock:
            found = self._slots.get(named)
            if found is None or found[0] != hashed:
                return None
            self._slots.move_to_end(named)
            return found[1]

    def put(self, slot: Sequence[str], parts: Sequence[str], value: Any) -> None:
        """Hold ``value`` (never None) in ``slot``, computed from ``parts``."""
        named = digest(slot)
        with self._lock:
            self._slots.pop(named, None)
            self._slots[named] = (digest(parts), value)
            while len(self._slots) > self.limit:
                self._slots.popitem(last=False)

    def drop(self, slot: Sequence[str] | None = None) -> None:
        """Forget what ``slot`` holds, or everything."""
        with self._lock:
            if slot is None:
                self._slots.clear()
            else:
                self._slots.pop(digest(slot), None)


@dataclass(frozen=True)
class Memo:
    """What one build keeps and reads back: pandoc's runs on disk, values in memory.

    ``read``: results kept before are used (not with ``--no-cache``); ``write``: new
    results are kept. Values are remembered in ``recollection`` only while reading.
    """

    read: bool = False
    write: bool = False
    recollection: Recollection = field(default_factory=Recollection)

    def recall(
        self, slot: Sequence[str], parts: Sequence[str], compute: Callable[[], tuple[T, bool]]
    ) -> T:
        """``compute()``'s value, remembered while ``parts`` hold.

        ``citepress serve`` and ``watch`` build again and again in one process: what
        reading an unchanged chapter or bibliography costs in Python (pandoc's tree
        to facts, the dates in its sentences) is then paid once. ``compute`` also
        says whether its value may be remembered (not a failure another try could
        mend).
        """
        kept = self.recalled(slot, parts)
        if kept is not None:
            return kept  # type: ignore[no-any-return]
        value, keep = compute()
        if keep:
            self.remember(slot, parts, value)
        else:
            self.recollection.drop(slot)
        return value

    def recalled(self, slot: Sequence[str], parts: Sequence[str]) -> Any:
        """The value remembered for ``slot`` from the same ``parts``, else None."""
        return self.recollection.get(slot, parts) if self.read else None

    def remember(self, slot: Sequence[str], parts: Sequence[str], value: Any) -> None:
        """Remember ``value`` (never None) for ``slot``, computed from ``parts``."""
        if self.read:
            self.recollection.put(slot, parts, value)

    def key(self, args: list[str], stdin: str) -> str | None:
        """The hash of one pandoc run, or None when results are not kept.

        An option that names a file (``--csl=…``, ``--bibliography=…``: temporary
        paths that change from run to run) counts by the file's bytes, not its name.
        """
        if not self.write:
            return None
        versions = store.tool_versions()
        found = store.Digest(__version__, versions.get("pypandoc_binary", ""), stdin)
        return found.feed(*map(_counted, args)).hexdigest()

    def get(self, run: str | None) -> str | None:
        """The output kept for run ``run``, or None."""
        if run is None or not self.read:
            return None
        try:
            record = json.loads(_file(run).read_bytes())
            text = record["stdout"]
            os.utime(_file(run))  # used: the last to go when the folder is pruned
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(text, str) or record.get("sha256") != _sha(text):
            return None
        return text

    def put(self, run: str | None, stdout: str) -> None:
        """Keep ``stdout`` as run ``run``'s output (a lost result only costs a run)."""
        if run is None:
            return
        record = json.dumps({"sha256": _sha(stdout), "stdout": stdout}, ensure_ascii=False)
        with contextlib.suppress(OSError):
            path = _file(run)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic.write_text(path, record)


OFF = Memo()  # outside a build: nothing kept, nothing read


def digest(parts: Sequence[str]) -> str:
    """The SHA-256 of ``parts``, each prefixed with its length (no two lists hash alike)."""
    return store.Digest(*parts).hexdigest()


def folder() -> Path:
    """Where pandoc's results are kept."""
    return store.cache_folder() / "pandoc"


def _file(run: str) -> Path:
    return folder() / f"{run}.json"


def _counted(arg: str) -> bytes:
    option, equals, value = arg.partition("=")
    if equals and value.startswith("/"):
        with contextlib.suppress(OSError):
            content = Path(value).read_bytes()
            return f"{option}=sha256:{store.sha256(content)}".encode()
    return arg.encode("utf-8", "surrogateescape")


def _sha(text: str) -> str:
    return store.sha256(text.encode("utf-8", "surrogateescape"))
