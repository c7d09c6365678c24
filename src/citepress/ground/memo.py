"""pandoc's results kept by content, so that a rebuild converts only what changed.

A pandoc run is a function of its options, the files they name, what it reads on
standard input and pandoc's own version. A build keeps each run's output in the
user's cache folder (publish/cache.py's, never the project) under a hash of all of
them: after a change to one chapter, the check reads and the conversion renders that
chapter alone (and the bibliography, when it changed), instead of all of them.

Only a build reads and keeps results (:func:`using`); ``citepress build --no-cache``
keeps them without reading any. A failed run is never kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from citepress import __version__
from citepress.ground import atomic, store

_LOCK = threading.Lock()
# (read, write): set by the build for its whole run; the conversion's threads see it.
_MODE: list[bool] = [False, False]
T = TypeVar("T")
RECALL_LIMIT = 4096  # slots remembered in one process (a few books' chapters)
_RECALLED: OrderedDict[str, tuple[str, Any]] = OrderedDict()  # slot -> (parts, value)
_RECALL_LOCK = threading.Lock()


@contextlib.contextmanager
def using(read: bool) -> Iterator[None]:
    """Within the block, pandoc's results are kept, and read back when ``read``."""
    with _LOCK:
        saved = list(_MODE)
        _MODE[:] = [read, True]
    try:
        yield
    finally:
        with _LOCK:
            _MODE[:] = saved


def recall(slot: Sequence[str], parts: Sequence[str], compute: Callable[[], tuple[T, bool]]) -> T:
    """``compute()``'s value, remembered in this process within builds while ``parts`` hold.

    ``citepress serve`` and ``watch`` build again and again in one process: what
    reading an unchanged chapter or bibliography costs in Python (pandoc's tree to
    facts, the dates in its sentences) is then paid once. ``slot`` names what the
    value is of (a chapter's file), and ``parts`` everything it is computed from:
    a slot holds one value, the last, so an author's thousandth edit of a chapter
    leaves one reading of it in memory, not a thousand. ``compute`` also says
    whether its value may be remembered (not a failure another try could mend).
    Values are shared from one build to the next: no caller changes them.
    """
    kept = recalled(slot, parts)
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    value, keep = compute()
    if keep:
        remember(slot, parts, value)
    else:
        forget(slot)
    return value


def recalled(slot: Sequence[str], parts: Sequence[str]) -> Any:
    """The value :func:`remember` gave ``slot`` for the same ``parts``, else None."""
    if not _MODE[0]:
        return None
    named, hashed = digest(slot), digest(parts)
    with _RECALL_LOCK:
        found = _RECALLED.get(named)
        if found is None or found[0] != hashed:
            return None
        _RECALLED.move_to_end(named)
        return found[1]


def remember(slot: Sequence[str], parts: Sequence[str], value: Any) -> None:
    """Remember ``value`` (never None) for ``slot``, computed from ``parts``, within builds."""
    if not _MODE[0]:
        return
    named = digest(slot)
    with _RECALL_LOCK:
        _RECALLED.pop(named, None)
        _RECALLED[named] = (digest(parts), value)
        while len(_RECALLED) > RECALL_LIMIT:
            _RECALLED.popitem(last=False)


def forget(slot: Sequence[str] | None = None) -> None:
    """Drop what ``slot`` holds, or every value remembered (tests start from nothing)."""
    with _RECALL_LOCK:
        if slot is None:
            _RECALLED.clear()
        else:
            _RECALLED.pop(digest(slot), None)


def digest(parts: Sequence[str]) -> str:
    """The SHA-256 of ``parts``, each prefixed with its length (no two lists hash alike)."""
    return store.Digest(*parts).hexdigest()


def key(args: list[str], stdin: str) -> str | None:
    """The hash of one pandoc run, or None when results are not kept now.

    An option that names a file (``--csl=…``, ``--bibliography=…``: temporary paths
    that change from run to run) counts by the file's bytes, not its name.
    """
    if not _MODE[1]:
        return None
    versions = store.tool_versions()
    found = store.Digest(__version__, versions.get("pypandoc_binary", ""), stdin)
    return found.feed(*map(_counted, args)).hexdigest()


def get(run: str | None) -> str | None:
    """The output kept for run ``run``, or None."""
    if run is None or not _MODE[0]:
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


def put(run: str | None, stdout: str) -> None:
    """Keep ``stdout`` as run ``run``'s output (a lost result only costs a run)."""
    if run is None:
        return
    record = json.dumps({"sha256": _sha(stdout), "stdout": stdout}, ensure_ascii=False)
    with contextlib.suppress(OSError):
        path = _file(run)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic.write_text(path, record)


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
