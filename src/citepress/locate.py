"""Turn character offsets in a text into 1-based line and column numbers."""

from __future__ import annotations

from bisect import bisect_right


class Locator:
    """Maps offsets of one text to (line, column); columns count code points."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        self._starts.extend(i + 1 for i, char in enumerate(text) if char == "\n")

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) of ``offset``."""
        index = bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def offset(self, line: int, column: int = 1) -> int:
        """Return the offset of a 1-based (line, column)."""
        return self._starts[line - 1] + column - 1


def read_text(data: bytes) -> tuple[str, str | None]:
    """Decode UTF-8 ``data``; return (text, None) or ("", an error that names the place).

    A byte-order mark is dropped and CRLF/CR line ends become LF, so that
    lines and columns mean the same whatever editor wrote the file.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return "", f"{line}:{column}: byte 0x{data[exc.start]:02x} is not valid UTF-8"
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return "", f"{line}:1: the file contains NUL bytes"
    return text, None
