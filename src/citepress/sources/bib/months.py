"""A ``month`` field in every spelling reference managers write: 7, jul, {July}, {Jul.}, {Sept}.

biblatex wants an integer; BibTeX's month macros (``jul``) are resolved when the
file is read (values.py); JabRef, Google Scholar and Mendeley write the name in
braces, abbreviated or not, sometimes with a full stop. Each of these is the
same month, so none is a disagreement with ``date``, and pandoc is given the
number (its reader drops a month it cannot read, ``Sept`` among them).
"""

from __future__ import annotations

_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
)  # fmt: skip
# Abbreviations in use beyond the first three letters.
_EXTRA = {"sept": 9, "june": 6, "july": 7}


def number(raw: str) -> int | None:
    """The month 1–12 that ``raw`` names, or None if it names none."""
    text = raw.strip().strip("{}").strip().rstrip(".").lower()
    if text.isdigit() and len(text) <= 2:
        value = int(text)
        return value if 1 <= value <= 12 else None
    if text in _EXTRA:
        return _EXTRA[text]
    for index, name in enumerate(_NAMES, start=1):
        if len(text) >= 3 and name.startswith(text):
            return index
    return None
