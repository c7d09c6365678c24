"""The print edition's type area (版面): a whole number of characters wide, of lines tall.

A Japanese book page is designed on a grid (JLREQ 2.3): the type area holds N
characters of the body face across and M lines down, so every line is full to the
character and every line of every page sits on the same baselines, facing pages
alike. The page's margins are what is left around it, shared between the inside
and outside, head and foot, in the proportions of the A5 page the edition was
designed on (17 : 15 mm across, 19 : 18 mm down). A book in another language keeps
the grid down the page (whole lines) and fills the width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MM = 72 / 25.4  # points in a millimetre
# Width and height in mm of the page sizes the settings allow (config.PAGE_SIZES).
SIZES = {
    "A4": (210, 297), "A5": (148, 210), "A6": (105, 148), "B5": (176, 250),
    "B6": (125, 176), "JIS-B5": (182, 257), "JIS-B6": (128, 182),
}  # fmt: skip
# The A5 design's margins as shares of the page: inside, outside, head, foot.
INSIDE, OUTSIDE, HEAD, FOOT = 17 / 148, 15 / 148, 19 / 210, 18 / 210
# Body face size and line pitch (pt): Japanese, and every other language.
FACES = {"cjk": (9.0, 16.2), "other": (9.5, 14.25)}


@dataclass(frozen=True)
class TypeArea:
    """A page's type area and margins, in points (CSS ``pt``)."""

    font_size: float  # the body face's size
    pitch: float  # the line height: baseline to baseline
    chars: int | None  # characters per line (None: the width is not on a grid)
    lines: int
    measure: float  # the type area's width
    inside: float
    outside: float
    head: float
    foot: float


def for_page(size: str, lang: str) -> TypeArea:
    """The type area of page ``size`` for a book in ``lang``."""
    width, height = (side * MM for side in SIZES[size.upper()])
    cjk = lang.lower().split("-")[0] in ("ja", "zh", "ko")
    font_size, pitch = FACES["cjk" if cjk else "other"]
    across = width * (1 - INSIDE - OUTSIDE)
    chars = math.floor(across / font_size) if cjk else None
    measure = chars * font_size if chars else across
    lines = math.floor((height * (1 - HEAD - FOOT)) / pitch)
    spare_across, spare_down = width - measure, height - lines * pitch
    return TypeArea(
        font_size=font_size,
        pitch=pitch,
        chars=chars,
        lines=lines,
        measure=round(measure, 3),
        inside=_under(spare_across * INSIDE / (INSIDE + OUTSIDE)),
        outside=_under(spare_across * OUTSIDE / (INSIDE + OUTSIDE)),
        head=_under(spare_down * HEAD / (HEAD + FOOT)),
        foot=_under(spare_down * FOOT / (HEAD + FOOT)),
    )


def _under(points: float) -> float:
    """A margin to the thousandth of a point, rounded down.

    The type area is then never a hair narrower than its characters (36 of them
    would not fit on the line).
    """
    return math.floor(points * 1000) / 1000
