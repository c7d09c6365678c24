"""What a date in a sentence is the time of, and so which citations it can charge.

A citation supports a claim; it is dated before "the event" only when the sentence
presents its date as the time of what the source reports. Many dates are not:

- a span's edge: "by 2020 the theory had been cited…", "since 1990", "until 2001",
  "as of 2019"; 2000年以降, 2001年まで, 1990年以来, 2002年現在;
- the cited work's own history: "reissued in 2012", "translated in 1970"; "(first)
  published in 2008" is compared with the entry's ``origdate`` or ``date`` instead;
- a date in another clause than the citation ("In 2005 the team left; the method
  is older [@a].").

These rules are ours (no library reads the role of a date in a clause); they look
only at a few words before or after the date, in one sentence, so they run in
linear time.
"""

from __future__ import annotations

import re
from typing import Literal

Role = Literal["event", "span", "work", "first"]

# The words before an English date (its own first word included, "By 2020") that
# make it a span's edge. "from 1990" opens a span too: a 1995 source can report it.
_SPAN_EN = re.compile(
    r"(?:\b(?:from|between)\s+\S{1,30}\s+(?:to|and|until|through)\s+$)|"
    r"\b(?:by|since|until|till|through|throughout|before|from|as\s+of|up\s+to|prior\s+to)"
    r"\s+(?:the\s+(?:end|start|beginning|middle|close|turn|spring|summer|autumn|fall|winter)"
    r"\s+of\s+)?(?:(?:early|late|mid)[- ]?)?(?:in\s+|of\s+)?$",
    re.IGNORECASE,
)
# The cited work's publication history ("first published in" is compared apart).
_WORK_EN = re.compile(
    r"\b(?:reissued|reprinted|republished|translated|revised|reedited|re-edited|"
    r"written|composed|edition)\s+(?:(?:in|on)\s+)?$",
    re.IGNORECASE,
)
# When the work appeared: compared with the entry's origdate (or date).
_FIRST_EN = re.compile(
    r"\b(?:(?:first|originally|initially)\s+)?(?:published|appeared|printed)\s+(?:(?:in|on)\s+)?$",
    re.IGNORECASE,
)
# After a Japanese date: since, after, until, before, as of.
_SPAN_JA = re.compile(r"^(?:の)?(?:以来|以降|以後|まで|以前|現在|時点)")
# Before a Japanese date: 「～年に出版された」 comes after it; 初版 before it.
_WORK_JA = re.compile(r"^(?:に|年に)?(?:出版|刊行|再版|復刊|翻訳|邦訳)")
_LEAD = 60


def role(text: str, start: int, end: int, english: bool) -> Role:
    """The role of the date at ``text[start:end]`` in its sentence ``text``."""
    if english:
        surface = text[start:end]
        first = re.match(r"[A-Za-z]+\s+", surface)  # "By 2020", "in 2012": the preposition
        lead = text[max(0, start - _LEAD) : start] + (first.group(0) if first else "")
        if _FIRST_EN.search(lead):
            return "first"
        if _WORK_EN.search(lead):
            return "work"
        return "span" if _SPAN_EN.search(lead) else "event"
    after = text[end : end + 8]
    if _SPAN_JA.match(after):
        return "span"
    return "work" if _WORK_JA.match(after) else "event"


# Clause boundaries in an English sentence: ; and : and dashes, and a comma before
# a conjunction. A comma alone is not one ("In 2005, X did Y"). A relative clause
# set off by commas (", which was standardised in 2010,") is a clause of its own.
_CLAUSE_EN = re.compile(
    r"[;:]\s|\s[—–]\s|—"
    r"|,\s+(?=(?:but|whereas|while|although|though|yet)\b)"
    r"|,\s+(?=(?:which|who|whom|whose)\b)(?P<relative>[^,;:]{0,200}),",
)


def clause_starts(text: str, english: bool) -> list[int]:
    """Where each clause after the first begins in ``text`` (English only)."""
    if not english:
        return []
    starts = []
    for match in _CLAUSE_EN.finditer(text):
        if match.group("relative") is not None:
            starts += [match.start("relative"), match.end()]
        else:
            starts.append(match.end())
    return starts
