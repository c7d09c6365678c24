"""The one guarded way to read a project file.

Everything in a pull request is untrusted, symbolic links included: a chapter,
a .bib, a template or an asset that is a link to ``/etc/passwd`` or to a CI
secret must not be read. Every file citepress reads from a project goes through
:func:`read_bytes` (or :func:`read_text`), which resolves the path (links at
every level), refuses anything outside the folder it is confined to, opens the
resolved path without following a link (so a link swapped in afterwards is not
followed either), refuses what is not a regular file (a FIFO would block the
check) or has several names (a hard link, whose other name may lie outside), and
reads at most a size limit. Messages never quote a file's content.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from citepress.ground.locate import Locator

# The largest source file read: far beyond any chapter or bibliography (the test
# corpus reads a 20 MB .bib), small enough that the check stays bounded.
MAX_BYTES = 64 * 1024 * 1024

# Folders inside a project that hold no source, and may hold secrets.
PRIVATE = frozenset({".git", ".hg", ".svn"})

# C0 controls but tab and line ends, DEL, C1 controls, and the noncharacters
# U+FFFE/U+FFFF: none can stand in XML (the EPUB) or valid HTML.
CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@dataclass(frozen=True)
class SourceError(Exception):
    """A file could not be read (``unreadable``) or is not clean UTF-8 text (``encoding``)."""

    kind: str
    message: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return self.message


def confine(root: Path, path: Path) -> Path:
    """``path`` with every link resolved; SourceError when it lies outside ``root``."""
    base = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(base):
        raise SourceError(
            "unreadable", "it is a link to a file outside the project; refusing to read it"
        )
    if PRIVATE.intersection(real.relative_to(base).parts):
        # A CI checkout keeps its token in .git/config: no source, template or asset
        # ever needs to be read from there.
        raise SourceError("unreadable", "it lies in a version-control folder; refusing to read it")
    return real


def read_bytes(root: Path, path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of ``path``, which must resolve to a regular file inside ``root``."""
    real = confine(root, path)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except FileNotFoundError:
        raise SourceError("unreadable", "no such file") from None
    except OSError as exc:
        raise SourceError("unreadable", f"cannot read the file: {exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise SourceError("unreadable", f"cannot read the file: {what}")
    if info.st_nlink > 1:
        # A hard link is the file itself under a second name, which may lie outside
        # the project (a secret linked in by an archive or a shared folder): no path
        # to resolve shows where. git never makes one in a working tree.
        os.close(fd)
        raise SourceError(
            "unreadable",
            f"it is a hard link (the file has {info.st_nlink} names, and another may lie "
            "outside the project); refusing to read it: copy the file in instead",
        )
    with contextlib.closing(os.fdopen(fd, "rb")) as handle:
        if info.st_size > limit:
            raise SourceError("unreadable", f"the file is larger than {limit // (1024 * 1024)} MB")
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise SourceError("unreadable", f"cannot read the file: {exc.strerror}") from None
    if len(data) > limit:
        raise SourceError("unreadable", f"the file is larger than {limit // (1024 * 1024)} MB")
    return data


def read_text(root: Path, path: Path, allow: str = "") -> str:
    """The UTF-8 text of ``path`` (confined to ``root``), decoded by :func:`decode`."""
    return decode(read_bytes(root, path), allow)


def decode(data: bytes, allow: str = "") -> str:
    """Decode UTF-8 ``data``; SourceError('encoding') names the line and column.

    A byte-order mark is dropped and CRLF/CR line ends become LF, so that lines
    and columns mean the same whatever editor wrote the file. ``allow`` lists
    control characters the format itself treats as white space (a form feed in
    TeX): they become spaces, keeping every offset.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"byte 0x{data[exc.start]:02x} is not valid UTF-8{_guess(data)}"
        raise SourceError("encoding", message, line, column) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    for char in allow:
        text = text.replace(char, " ")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SourceError("encoding", "the file contains NUL bytes", line, 1)
    control = CONTROL.search(text)
    if control is not None:
        line, column = Locator(text).position(control.start())
        raise SourceError("encoding", control_message(control.group()), line, column)
    return text


def control_message(char: str) -> str:
    """What to say of a control character found in a source."""
    return (
        f"the control character U+{ord(char):04X} is not text "
        "(left over from a PDF or a word processor?); delete it"
    )


# Encodings Japanese text arrives in besides UTF-8, most likely first.
_LEGACY = (("shift_jis", "Shift_JIS"), ("cp932", "Windows-31J (Shift_JIS)"), ("euc_jp", "EUC-JP"))
_KANA = re.compile("[\u3041-\u30ff]")


def _guess(data: bytes) -> str:
    """'; the file looks like Shift_JIS: ...' when a Japanese legacy encoding reads it all.

    Almost any bytes decode as something; kana in the result is what makes the
    guess worth saying (Latin-1 'Café' also decodes as Shift_JIS, to no kana).
    """
    for codec, name in _LEGACY:
        try:
            decoded = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _KANA.search(decoded):
            return f"; the file looks like {name}: save it as UTF-8"
    return ""
