"""Turn character offsets in a text into 1-based line and column numbers."""

from __future__ import annotations

import re
from bisect import bisect_right

_NEWLINE = re.compile("\n")
# C0 controls but tab and line ends, DEL, C1 controls, and the noncharacters
# U+FFFE/U+FFFF: none can stand in XML (the EPUB) or valid HTML.
CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


class Locator:
    """Maps offsets of one text to (line, column); columns count code points."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        self._starts.extend(match.end() for match in _NEWLINE.finditer(text))

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
        message = f"byte 0x{data[exc.start]:02x} is not valid UTF-8{_guess(data)}"
        return "", f"{line}:{column}: {message}"
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return "", f"{line}:1: the file contains NUL bytes"
    control = CONTROL.search(text)
    if control is not None:
        line, column = Locator(text).position(control.start())
        return "", (
            f"{line}:{column}: the control character U+{ord(control.group()):04X} is not text "
            "(left over from a PDF or a word processor?); delete it"
        )
    return text, None


# Encodings Japanese text arrives in besides UTF-8, most likely first.
_LEGACY = (("shift_jis", "Shift_JIS"), ("cp932", "Windows-31J (Shift_JIS)"), ("euc_jp", "EUC-JP"))


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


_KANA = re.compile("[\u3041-\u30ff]")
