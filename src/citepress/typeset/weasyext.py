"""Our extensions to WeasyPrint, pinned to the versions they are tested with.

WeasyPrint justifies a line by widening its spaces only (``justify_line`` in
``layout/inline.py``), so a Japanese line, which has none, ends short of the
measure. JLREQ 3.8 justifies it by spreading the slack between characters. This
module does that for every line in a Chinese, Japanese or Korean language:

- the slack is shared by the line's ideographs, kana, full-width letters and
  spaces, each given a Pango letter spacing (Pango adds half of it before the
  character and half after it, and drops the outer half at each end of a text
  box, so the line's last character gets nothing after it); a character's
  variation selector or combining mark is spaced with it, as one cluster;
- a Latin letter or a digit gets none, so a run of them keeps its own spacing;
- a character after an opening bracket or before a closing one (、。」） …) gets
  none either, so no gap opens inside ``「`` or before ``」``;
- a line in any other language is justified as WeasyPrint does it, by its spaces.

Before a line is aligned, an opening bracket that starts it, or a closing bracket,
comma or full stop that ends it, is set in its half-width form (JLREQ 3.1.5, 3.1.6).

It also makes pydyf's ``PDF.page_references`` linear: WeasyPrint's tagging asks
for it once per structure element, and pydyf rebuilds the whole tuple each time
(10 s of the 30-chapter book's 24 s of writing).

Both are patches of private functions, so :func:`apply` refuses any WeasyPrint or
pydyf but the versions in ``TESTED`` (a clear error, never a silent misprint). The
same change, as WeasyPrint code with its tests, is ``patches/`` in the repository:
it is meant to go upstream, after which this module goes away.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata as metadata
from typing import Any

from citepress.book.errors import RenderError
from citepress.typeset import jlreq

TESTED = {"weasyprint": "70.0", "pydyf": "0.13.0"}
CJK_LANGUAGES = ("ja", "zh", "ko")
# Full-width marks set in half an em at a line's start (opening brackets) or end
# (closing brackets, full stops, commas): JLREQ's classes, as typeset/jlreq has them.
LINE_START = frozenset(jlreq.OPENING)
LINE_END = frozenset(jlreq.CLOSING)
# JLREQ cl-01 (opening brackets): no space is added after one of these.
OPENING = LINE_START | frozenset("‘“([{")
# JLREQ cl-02 (closing brackets), cl-06/07 (full stops, commas), cl-04 (exclamation
# and question marks): no space is added before one of these.
CLOSING = LINE_END | frozenset("’”)]}！？")
SPACES = frozenset(" \u00a0\u3000")
# What WeasyPrint's kerning keeps of a spacing, in em thousandths per Pango unit and
# px of font size: the glyph is 1000/1024 wider, less the half given as x offset.
DROPPED = 1000 / 1024 - 0.5
TOLERANCE = 0.02  # px a line may end off the measure before it is laid out again
MOST = 2**20  # px between two characters: more is a template's absurd width, not a line
_applied = False


class UntestedWeasyPrint(RenderError):
    """WeasyPrint or pydyf is not a version our extensions were tested with."""


def apply() -> None:
    """Install the extensions into WeasyPrint (once per process).

    Raises :class:`UntestedWeasyPrint` on any other version than ``TESTED``.
    """
    global _applied
    if _applied:
        return
    check_versions()
    import pydyf  # noqa: PLC0415 -- only the PDF worker loads these
    from weasyprint.layout import inline  # noqa: PLC0415
    from weasyprint.text import ffi, line_break  # noqa: PLC0415

    ffi.ffi.cdef("PangoAttrList * pango_attr_list_copy (PangoAttrList *list);")
    pydyf.PDF.page_references = property(_page_references)
    original_set_text = line_break.Layout.set_text
    original_justify = inline.justify_line
    original_align = inline.text_align

    def set_text(self: Any, text: str, justify: bool = False) -> None:
        original_set_text(self, text, justify)
        spacing, halved = getattr(self, "inter_character", ()), getattr(self, "halved", ())
        if justify and (spacing or halved):
            _add_attributes(self, spacing, halved)

    def justify_line(context: Any, line: Any, extra_width: float) -> None:
        if not inter_character_line(context, line, extra_width):
            original_justify(context, line, extra_width)

    def text_align(context: Any, line: Any, available_width: float, last: bool) -> float:
        halve_line_edges(line)
        offset: float = original_align(context, line, available_width, last)
        return offset

    line_break.Layout.set_text = set_text
    inline.justify_line = justify_line
    inline.text_align = text_align
    _applied = True


def check_versions() -> None:
    """Refuse a WeasyPrint or pydyf our extensions were not tested with."""
    for name, version in TESTED.items():
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            found = "none"
        if found != version:
            raise UntestedWeasyPrint(
                f"citepress's WeasyPrint extensions (typeset/weasyext.py) are tested with "
                f"{name} {version}, and this environment has {found}: install "
                f"{name}=={version} (`make` does), or port and test the extensions"
            )


def _page_references(pdf: Any) -> tuple[bytes, ...]:
    """Pydyf's page references, rebuilt only when a page was added since the last call."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_citepress_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        pdf.__dict__["_citepress_page_references"] = cached
    references: tuple[bytes, ...] = cached[1]
    return references


def expands(before: str, char: str, after: str, cjk: bool) -> bool:
    """Whether ``char`` takes a share of its line's slack (between ``before`` and ``after``).

    A space always does (as in WeasyPrint); in a CJK language, so does an ideograph,
    a kana or a full-width letter that follows no opening bracket and precedes no
    closing one. Latin letters and digits never do: a run of them keeps its spacing.
    """
    if char in SPACES:
        return True
    return cjk and before not in OPENING and after not in CLOSING and _wide(char)


def inter_character_line(context: Any, line: Any, extra_width: float) -> bool:
    """Spread ``extra_width`` over the line's characters (JLREQ 3.8); False if not ours.

    Pango shapes a text with letter spacing slightly differently (its glyphs lose
    their hinted advances: 0.3 px over a line), so the spacing is laid out, the
    line measured, and the spacing laid out once more with the difference shared.
    """
    leaves = list(_text_leaves(line))
    if line.style["direction"] == "rtl" or not any(_cjk(box) for box, _, _ in leaves):
        return False
    plans = [(box, flags) for box, flags in _plans(leaves) if any(flags)]
    units = sum(_units(flags, box.text) for box, flags in plans)
    if units <= 0 or extra_width / units > MOST:  # a line a template stretched absurdly
        return False
    spacing = extra_width / units
    laid = _lay_out(plans, spacing, context)
    missing = extra_width - sum(gain for _, gain in laid.values())
    if abs(missing) > TOLERANCE:
        laid = _lay_out(plans, spacing + missing / units, context)
    _shift(line, laid, 0.0)
    return True


def halve_line_edges(line: Any) -> None:
    """Set an opening bracket that starts a line, or a mark that ends it, in half an em.

    JLREQ 3.1.5 and 3.1.6: a line-head opening bracket stands flush with the line's
    start (天付き; after a paragraph's indent, 全角下げ), and a closing bracket, comma
    or full stop at the line's end stands flush with the measure, its blank half
    given to the line. Only in solid-set CJK text (kerning off), where the ``halt``
    form is exactly half an em narrower; a mark already halved is left alone.
    """
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    leaves = list(_leaves(line))
    if not leaves or line.style["direction"] == "rtl":
        return
    halved: dict[int, tuple[Any, float]] = {}
    for box, at_start in ((leaves[0], True), (leaves[-1], False)):
        if not isinstance(box, boxes.TextBox) or not box.text or not _halvable(box):
            continue
        char = box.text[0] if at_start else box.text[-1]
        if char not in (LINE_START if at_start else LINE_END):
            continue
        end = len(box.text.encode())
        span = (0, len(char.encode())) if at_start else (end - len(char.encode()), end)
        layout = box.pango_layout
        layout.halved = (*getattr(layout, "halved", ()), span)
        narrower = halved.get(id(box), (layout, 0.0))[1] - box.style["font_size"] / 2
        halved[id(box)] = (layout, narrower)
    if halved:
        _shift(line, halved, 0.0)


def _halvable(box: Any) -> bool:
    features = str(box.style["font_feature_settings"])
    own = box.pango_layout
    return (
        _cjk(box)
        and box.style["font_kerning"] == "none"
        and "halt" not in features
        and "palt" not in features
        and own is not None
        and own.text == box.text
    )


def _plans(leaves: list[tuple[Any, str, str]]) -> Iterator[tuple[Any, list[bool]]]:
    for box, before, after in leaves:
        yield box, _expanding(box, before, after)


def _lay_out(
    plans: list[tuple[Any, list[bool]]], spacing: float, context: Any
) -> dict[int, tuple[Any, float]]:
    """Each planned box's spaced Pango layout and how much wider it draws, by box id."""
    spread = _Spread(spacing)
    spread.owe(plans)
    return {id(box): _spaced_layout(box, flags, spread, context) for box, flags in plans}


def _text_leaves(box: Any, before: str = "") -> Iterator[tuple[Any, str, str]]:
    """Each text box of the line with the characters just before and after it."""
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    texts = [leaf for leaf in _leaves(box) if isinstance(leaf, boxes.TextBox)]
    for index, leaf in enumerate(texts):
        following = texts[index + 1].text[:1] if index + 1 < len(texts) else ""
        yield leaf, before, following
        before = leaf.text[-1:]


def _leaves(box: Any) -> Iterator[Any]:
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from _leaves(child)
    else:
        yield box


def _cjk(box: Any) -> bool:
    lang = box.style["lang"] or ""
    return lang.lower().split("-")[0] in CJK_LANGUAGES


def _expanding(box: Any, before: str, after: str) -> list[bool]:
    """Which characters of the text box take a share of the slack (as :func:`expands`)."""
    if box.style["letter_spacing"] != "normal" or box.style["white_space"] not in (
        "normal", "nowrap", "pre-line",
    ):  # fmt: skip
        return [False] * len(box.text)
    text, cjk = box.text, _cjk(box)
    previous = [before[-1:], *text[:-1]]
    following = [*text[1:], after[:1]]
    return [
        char in SPACES or (cjk and _wide(char) and last not in OPENING and nxt not in CLOSING)
        for last, char, nxt in zip(previous, text, following, strict=True)
    ]


@functools.lru_cache(maxsize=4096)
def _wide(char: str) -> bool:
    """An ideograph, kana or full-width letter: not a bracket, mark or selector."""
    return (
        unicodedata.east_asian_width(char) in ("W", "F")
        and char not in OPENING | CLOSING
        and not continues(char)
    )


def _units(flags: list[bool], text: str) -> float:
    """How many spacings the box gains: Pango drops the outer halves at its two ends."""
    if not flags:
        return 0.0
    first, last = _ends(text)
    return sum(flags) - (flags[first] + flags[last]) / 2


@functools.lru_cache(maxsize=4096)
def continues(char: str) -> bool:
    """Whether ``char`` belongs to the character before it (one cluster for Pango).

    A combining mark, a variation selector (辻 and U+E0100 print the two-dot 辻), a
    zero-width joiner: a letter spacing that ends between them splits the cluster,
    and Pango then draws the selector alone, as nothing.
    """
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or code == 0x200D
    )


def _ends(text: str) -> tuple[int, int]:
    """The indexes of the text's first and last characters that start a cluster."""
    bases = [index for index, char in enumerate(text) if not continues(char)] or [0]
    return bases[0], bases[-1]


@dataclass
class _Spread:
    """The line's spacing per character, handed out in steps WeasyPrint draws exactly.

    WeasyPrint writes each glyph's advance to the PDF as ``int(kerning)`` thousandths
    of an em (draw/text.py), dropping the fraction: 0.4 of a thousandth a character
    is 0.13 pt short at the end of a 35-character line. So each character gets a
    spacing whose dropped fraction is nearly nothing: the step below what the line
    needs, and the first characters of the line one step more until the line is
    full. Two values in a row, not one that changes from character to character:
    each change of letter spacing is a run Pango shapes apart.
    """

    spacing: float  # px per character, as the line needs it
    owed: float = 0.0  # Pango units the lower steps leave the line short
    steps: dict[float, tuple[int, int]] = field(default_factory=dict)  # by font size

    def step(self, font_size: float) -> tuple[int, int]:
        """The lower and higher steps for ``font_size`` (:func:`_steps`), worked out once."""
        if font_size not in self.steps:
            self.steps[font_size] = _steps(self.spacing, font_size)
        return self.steps[font_size]

    def owe(self, plans: list[tuple[Any, list[bool]]]) -> None:
        """Reckon what the lower steps of all the line's characters leave it short."""
        from weasyprint.text.ffi import TO_UNITS  # noqa: PLC0415

        for box, flags in plans:
            low = self.step(box.style["font_size"])[0]
            for _, _, share in _spaced_characters(box.text, flags):
                self.owed += share * (self.spacing * TO_UNITS - low)

    def take(self, font_size: float, share: float) -> int:
        """One character's letter spacing in Pango units (even: Pango halves it).

        ``share`` is how much of it widens the line: 1, or less at a box's ends.
        """
        if share <= 0:  # a box of one character: Pango drops both halves
            return 0
        low, high = self.step(font_size)
        if self.owed >= share * (high - low) / 2:
            self.owed -= share * (high - low)
            return high
        return low


def _steps(spacing: float, font_size: float) -> tuple[int, int]:
    """The even letter spacings (Pango units) just below and above ``spacing`` (px).

    Their kerning WeasyPrint writes whole: a glyph of one em drawn with spacing v
    gets int(v * DROPPED / size) thousandths of an em from its kerning.
    """
    from weasyprint.text.ffi import TO_UNITS  # noqa: PLC0415

    step = font_size / DROPPED
    count = max(math.floor(spacing * TO_UNITS / step), 0)
    return 2 * math.ceil(count * step / 2), 2 * math.ceil((count + 1) * step / 2)


def _spaced_characters(text: str, flags: list[bool]) -> Iterator[tuple[int, int, float]]:
    """Each flagged character's byte range and share of its spacing (see :func:`_units`).

    A character's cluster (its selector, its combining marks) is spaced with it.
    """
    first, last = _ends(text)
    start, current = 0, None
    for index, (char, flag) in enumerate(zip(text, flags, strict=True)):
        end = start + len(char.encode())
        if continues(char) and current is not None and current[1] == start:
            current = (current[0], end, current[2])
        else:
            if current is not None:
                yield current
            # Pango drops the half outside the box at its first and last character.
            share = 1 - (index == first) / 2 - (index == last) / 2
            current = (start, end, share) if flag else None
        start = end
    if current is not None:
        yield current


def _shift(box: Any, laid: dict[int, tuple[Any, float]], x: float) -> float:
    """Give the boxes their spaced layouts and move every box after them.

    As WeasyPrint's ``add_word_spacing`` does for spaces.
    """
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    if isinstance(box, boxes.TextBox):
        box.position_x += x
        if id(box) in laid:
            box.pango_layout, gained = laid[id(box)]
            box.width += gained
            return x + gained
        return x
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x
        start = x
        for child in box.children:
            if child.is_in_normal_flow():
                x = _shift(child, laid, x)
        box.width += x - start
        return x
    box.translate(x, 0)  # an atomic inline: an image, an inline block
    return x


def _spaced_layout(box: Any, flags: list[bool], spread: _Spread, context: Any) -> tuple[Any, float]:
    """The box's Pango layout with the letter spacing that draws it justified.

    And how much wider than the box it draws. Without kerning (Japanese is set solid)
    Pango widens each character by exactly its spacing, so the box's own layout just
    takes the spacing for when it is drawn; with kerning, Pango shapes spaced text
    differently, so a new layout is measured (see :func:`inter_character_line`).
    """
    from weasyprint.text.ffi import FROM_UNITS  # noqa: PLC0415
    from weasyprint.text.line_break import create_layout, line_size  # noqa: PLC0415

    ranges: list[tuple[int, int, int]] = []
    gained = 0.0
    for start, end, share in _spaced_characters(box.text, flags):
        units = spread.take(box.style["font_size"], share)
        ranges.append((start, end, units))
        gained += units * share
    own = box.pango_layout
    if box.style["font_kerning"] == "none" and own is not None and own.text == box.text:
        own.inter_character, own.justification_spacing = _merged(ranges), 0
        return own, gained * FROM_UNITS
    layout = create_layout(box.text, box.style, context, max_width=None, justification_spacing=0)
    layout.inter_character = _merged(ranges)
    layout.halved = getattr(box.pango_layout, "halved", ())
    _add_attributes(layout, layout.inter_character, layout.halved)
    width, _ = line_size(layout.get_first_line()[0], box.style)
    layout.deactivate()
    return layout, width - box.width


def _merged(ranges: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Adjacent byte ranges with one spacing as one range (fewer Pango attributes)."""
    merged: list[tuple[int, int, int]] = []
    for start, end, units in ranges:
        if merged and merged[-1][1] == start and merged[-1][2] == units:
            merged[-1] = (merged[-1][0], end, units)
        else:
            merged.append((start, end, units))
    return merged


def _add_attributes(
    layout: Any,
    spacing: Sequence[tuple[int, int, int]],
    halved: Sequence[tuple[int, int]],
) -> None:
    """Give byte ranges of the layout's text a letter spacing (Pango units) or ``halt``."""
    from weasyprint.text.ffi import ffi, pango  # noqa: PLC0415

    # A new list: Pango ignores a list equal to the one the layout has (the same
    # list changed in place), and keeps the lines it measured without our spacing.
    current = pango.pango_layout_get_attributes(layout.layout)
    fresh = (
        pango.pango_attr_list_new() if current == ffi.NULL else pango.pango_attr_list_copy(current)
    )
    attributes = ffi.gc(fresh, pango.pango_attr_list_unref)
    for start, end, units in spacing:
        attribute = pango.pango_attr_letter_spacing_new(units)
        attribute.start_index, attribute.end_index = start, end
        pango.pango_attr_list_change(attributes, attribute)
    for start, end in halved:  # font features add up: the face's own stay
        attribute = pango.pango_attr_font_features_new(b"halt 1")
        attribute.start_index, attribute.end_index = start, end
        pango.pango_attr_list_insert(attributes, attribute)
    pango.pango_layout_set_attributes(layout.layout, attributes)
