"""The EPUB's cover image: the title page (label, title, author) drawn as a JPEG.

Stores require a raster cover. Pillow (already installed with WeasyPrint) draws
it; what it looks like comes from a template, ``epub/cover.yaml`` (the project's
templates folder first), which gives sizes, colours and fontconfig family names.
Fonts are found by fontconfig (``fc-match``) among the machine's installed fonts
only: a family name is checked against a strict pattern and the file fontconfig
names must be a font file in a system font folder, so a template cannot make the
build open any other file. Line breaking is ours because Pillow has none: a
Japanese title breaks between any two characters (never before 、。」） by the
basic kinsoku rule), another language's between words.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment

from citepress.book.errors import RenderError
from citepress.ground.yamlsafe import YamlError
from citepress.ground.yamlsafe import load as load_yaml

TEMPLATE = "epub/cover.yaml"
_FAMILY = re.compile(r"^[A-Za-z0-9 ]{1,60}(?::(?:bold|regular))?$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
FONT_FOLDERS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# Bounds on a template's numbers: a cover is a picture, not a way to fill memory.
LIMITS = {"width": (200, 4000), "height": (200, 6000), "margin": (0, 1000), "size": (8, 600)}
NO_LINE_START = "、。，．・：；？！ー」』）〕】〉》ぁぃぅぇぉっゃゅょァィゥェォッャュョ"
# A cover shows a title, not a text: longer ones are cut (with …) before layout, so
# that a hostile front matter cannot make the drawing slow or its image huge.
MAX_CHARACTERS = 160


class CoverError(RenderError):
    """The cover template is broken, or a font it names is not installed."""


@dataclass(frozen=True)
class Text:
    """One text of the cover: its words, font file and face index, size in pixels."""

    words: str
    font: tuple[str, int]
    size: int


def draw(env: Environment, label: str, title: str, author: str, lang: str) -> bytes:
    """The cover as JPEG bytes, laid out by the template ``epub/cover.yaml``."""
    from PIL import Image, ImageDraw  # noqa: PLC0415 -- only the EPUB needs Pillow

    spec = _template(env)
    width, height, margin = spec["width"], spec["height"], spec["margin"]
    image = Image.new("RGB", (width, height), spec["background"])
    pen = ImageDraw.Draw(image)
    pen.rectangle(
        (margin // 2, margin // 2, width - margin // 2, height - margin // 2),
        outline=spec["accent"],
        width=max(2, width // 400),
    )
    measure = width - 2 * margin
    y = int(height * spec["top"])
    for part, words, colour in (
        ("label", label, spec["accent"]),
        ("title", title, spec["ink"]),
        ("author", author, spec["ink"]),
    ):
        if not words:
            continue
        if len(words) > MAX_CHARACTERS:
            words = words[: MAX_CHARACTERS - 1] + "…"
        text = Text(words, _font(spec[part]["font"]), spec[part]["size"])
        y = _block(pen, text, measure, margin, y, colour, lang) + text.size // 2
        if part == "title":
            y += text.size
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()


def _block(pen: Any, text: Text, measure: int, margin: int, y: int, colour: str, lang: str) -> int:
    """Draw ``text`` centred in lines no wider than ``measure``; the y below it."""
    from PIL import ImageFont  # noqa: PLC0415

    face = ImageFont.truetype(text.font[0], text.size, index=text.font[1])
    bottom = pen.im.size[1] - margin
    for line in lines(text.words, lambda s: face.getlength(s), measure, lang):
        if y + text.size > bottom:
            break  # what does not fit on the cover is not drawn
        left = max(margin, margin + (measure - face.getlength(line)) / 2)
        pen.text((left, y), line, font=face, fill=colour)
        y += int(text.size * 1.45)
    return y


def lines(words: str, width: Any, measure: float, lang: str) -> list[str]:
    """``words`` in balanced lines no wider than ``measure`` (as CSS ``text-wrap: balance``).

    The fewest lines greedy breaking needs, then the narrowest measure that still
    needs no more: no title ends on a line of one character.
    """
    best = _greedy(words, width, measure, lang)
    low, high = 0.0, measure
    for _ in range(12):  # bisection to a pixel or so: the measure, not the text, is searched
        middle = (low + high) / 2
        trial = _greedy(words, width, middle, lang)
        if len(trial) <= len(best):
            best, high = trial, middle
        else:
            low = middle
    return best


def _greedy(words: str, width: Any, measure: float, lang: str) -> list[str]:
    """Fill each line as far as it goes (a word longer than the measure stays whole)."""
    cjk = lang.split("-")[0] in ("ja", "zh", "ko")
    pieces = list(words) if cjk else words.split()
    joiner = "" if cjk else " "
    out: list[str] = []
    for piece in pieces:
        line = f"{out[-1]}{joiner}{piece}" if out else piece
        # A closing mark joins a full line (kinsoku), but never a line already too wide.
        held = cjk and piece in NO_LINE_START and width(out[-1]) <= measure if out else False
        fits = bool(out) and (width(line) <= measure or held)
        if fits:
            out[-1] = line
        else:
            out.append(piece)
    return out


def _template(env: Environment) -> dict[str, Any]:
    """The cover template, read through the confined loader and checked."""
    assert env.loader is not None
    try:
        source, where, _ = env.loader.get_source(env, TEMPLATE)
        spec = load_yaml(source)
    except YamlError as exc:
        raise CoverError(f"{TEMPLATE}:{exc.line}:{exc.column}: {exc}") from None
    if not isinstance(spec, dict):
        raise CoverError(f"{TEMPLATE}: the cover template must be a mapping")
    return _checked(spec, where or TEMPLATE)


def _checked(spec: dict[str, Any], where: str) -> dict[str, Any]:
    def bounded(value: Any, name: str) -> int:
        low, high = LIMITS[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise CoverError(f"{where}: {name} must be a whole number from {low} to {high}")
        return value

    checked: dict[str, Any] = {k: bounded(spec.get(k), k) for k in ("width", "height", "margin")}
    for key in ("background", "ink", "accent"):
        if not isinstance(spec.get(key), str) or not _COLOUR.match(spec[key]):
            raise CoverError(f'{where}: {key} must be a colour such as "#1c1c1e"')
        checked[key] = spec[key]
    top = spec.get("top")
    if not isinstance(top, int | float) or isinstance(top, bool) or not 0 <= top <= 0.9:
        raise CoverError(f"{where}: top must be a number from 0 to 0.9")
    checked["top"] = float(top)
    for part in ("label", "title", "author"):
        value = spec.get(part)
        if not isinstance(value, dict):
            raise CoverError(f"{where}: {part} needs a font and a size")
        font = value.get("font")
        if not isinstance(font, str) or not _FAMILY.fullmatch(font):
            raise CoverError(f"{where}: {part} needs a font (a fontconfig family name)")
        checked[part] = {"font": font, "size": bounded(value.get("size"), "size")}
    return checked


def _font(family: str) -> tuple[str, int]:
    """The installed font file (and face index) fontconfig picks for ``family``."""
    program = shutil.which("fc-match")
    if program is None:
        raise CoverError("fc-match (Debian's fontconfig) is needed to find the cover's fonts")
    name, _, style = family.partition(":")
    pattern = f"{name}:{style}" if style else name
    done = subprocess.run(
        [program, "-f", "%{file}\t%{index}\t%{family}", pattern],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    path, _, rest = done.stdout.partition("\t")
    index, _, families = rest.partition("\t")
    if name.casefold() not in (f.strip().casefold() for f in families.split(",")):
        # fontconfig always answers, with a fallback: a misspelt family would draw tofu.
        raise CoverError(f"no installed font for {family!r} (fontconfig offers {families!r})")
    file = Path(path).resolve()
    if not any(file.is_relative_to(folder) for folder in FONT_FOLDERS) or not file.is_file():
        raise CoverError(f"no installed font for {family!r} (fontconfig gave {path!r})")
    return str(file), int(index) if index.isdigit() else 0
