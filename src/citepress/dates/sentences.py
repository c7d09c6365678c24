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


def spans(text: str, language: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` as (start, end) positions, white space after each included."""
    if language in CJK:
        return _merge_quotations(text, _icu(text, language))
    bounds = sentencex.get_sentence_boundaries(language, text)
    return [(int(b["start_index"]), int(b["end_index"])) for b in bounds]


def _icu(text: str, language: str) -> list[tuple[int, int]]:
    """ICU's sentence segments, its UTF-16 offsets turned into positions in ``text``."""
    return _icu_with(text, SentenceBreaker(text, Locale(language)))


def _icu_with(text: str, breaker: SentenceBreaker) -> list[tuple[int, int]]:
    """The segments of one ICU breaker over ``text``, as positions in ``text``."""
    segments = list(breaker.segments())
    if all(ord(char) <= 0xFFFF for char in text):
        return segments
    # A character beyond the BMP is two UTF-16 units: map unit offsets to positions.
    position = [0]
    for index, char in enumerate(text, start=1):
        position += [index] * (2 if ord(char) > 0xFFFF else 1)
    return [(position[a], position[b]) for a, b in segments]


def _merge_quotations(text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged:
            last = text[merged[-1][0] : merged[-1][1]].rstrip()
            if last[-1:] in _CLOSERS and text[start : start + 1] in _PARTICLES:
                merged[-1] = (merged[-1][0], end)
                continue
        merged.append((start, end))
    return merged
