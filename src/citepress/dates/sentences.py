"""Sentence boundaries, from maintained segmenters: ICU for CJK, sentencex for the rest.

Two libraries because each is right where the other is wrong (measured on the
corpus, see the README): sentencex (Wikimedia's, ~300 languages) knows Latin-script
abbreviations ("p. 5", "et al.", "Mr.") that ICU's rules split at, but reads
「。25日」 as a decimal point and runs two Japanese sentences together; ICU's
UAX #29 rules end a sentence at every 。！？ and know no abbreviations, which CJK
text does not need. Neither is hand-written here: only the mapping of ICU's UTF-16
offsets, and one CLDR-style exception ICU lacks (below).
"""

from __future__ import annotations

import sentencex
from icu4py.breakers import SentenceBreaker
from icu4py.locale import Locale

# Languages whose sentences end at 。！？ (ICU); every other goes to sentencex.
CJK = frozenset({"ja", "zh", "yue", "wuu"})
# ICU ends a sentence after a quotation's closing bracket: 「本当か。」|と言った。
# A quotation followed by a particle (と, って, という…) is part of the sentence.
_CLOSERS = "」』）)"
_PARTICLES = "とっがをにのでもはやかなよ"


# sentencex's time grows with the square of a run of abbreviation-like tokens
# ("Mr. Mr. Mr. …": 400 KB took 63 s); it is given windows of at most this many
# characters, cut at sentence ends ICU (linear) finds, so a paragraph costs in
# proportion to its length.
WINDOW = 600
# Every space beyond ASCII, as an ASCII space (str.translate: one pass, in C).
_WIDE_SPACES = {code: " " for code in range(0x80, 0x3001) if chr(code).isspace()}


def spans(text: str, language: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` as (start, end) positions, white space after each included."""
    if language in CJK:
        return _merge_quotations(text, _icu(text, language))
    found: list[tuple[int, int]] = []
    for start, end in _windows(text, language):
        found += [(start + a, start + b) for a, b in _sentencex(text[start:end], language)]
    return found


def _windows(text: str, language: str) -> list[tuple[int, int]]:
    """``text`` in pieces of about :data:`WINDOW` characters, cut where ICU ends a sentence."""
    if len(text) <= WINDOW:
        return [(0, len(text))]
    windows: list[tuple[int, int]] = []
    start = 0
    for _, end in _icu(text, f"{language}@ss=standard"):
        while end - start > 2 * WINDOW:  # no sentence end for long: cut after a space
            cut = text.rfind(" ", start + WINDOW // 2, start + WINDOW) + 1 or start + WINDOW
            windows.append((start, cut))
            start = cut
        if end - start >= WINDOW:
            windows.append((start, end))
            start = end
    if start < len(text):
        windows.append((start, len(text)))
    return windows


def _sentencex(text: str, language: str) -> list[tuple[int, int]]:
    """Sentencex's sentences of ``text``; ICU's where sentencex fails.

    sentencex (Rust) panics on some text ("A\u00a0." in most languages: a byte
    index inside a character); the panic reaches Python as a BaseException, not an
    Exception, so it is caught by its name and the window goes to ICU.
    """
    # The known panic needs a space that is not ASCII; the same number of characters,
    # so positions hold.
    plain = text.translate(_WIDE_SPACES)
    try:
        bounds = sentencex.get_sentence_boundaries(language, plain)
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        return _icu(text, f"{language}@ss=standard")
    return [(int(b["start_index"]), int(b["end_index"])) for b in bounds]


def _icu(text: str, language: str) -> list[tuple[int, int]]:
    """ICU's sentence segments, its UTF-16 offsets turned into positions in ``text``.

    ``language`` is an ICU locale (``ja``, or ``en@ss=standard`` for its list of
    abbreviations that end no sentence).
    """
    segments = list(SentenceBreaker(text, Locale(language)).segments())
    if not text or max(text) <= "\uffff":
        return segments
    # A character beyond the BMP is two UTF-16 units: map unit offsets to positions.
    position = [0]
    for index, char in enumerate(text, start=1):
        position += [index] * (2 if ord(char) > 0xFFFF else 1)
    return [(position[a], position[b]) for a, b in segments]


def _merge_quotations(text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """ICU's segments, a quotation's 」 followed by a particle joined to what follows.

    Only the segment just before is looked at (not the merged span): linear.
    """
    merged: list[tuple[int, int]] = []
    previous = ""
    for start, end in found:
        joins = previous[-1:] in _CLOSERS and text[start : start + 1] in _PARTICLES
        if merged and joins:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
        previous = text[start:end].rstrip()
    return merged
