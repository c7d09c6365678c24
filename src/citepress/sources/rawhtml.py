"""Raw HTML: what the sanitiser will remove, said before it happens, and made harmless.

pandoc passes raw HTML through; the editions keep only what render/allowlist.py
allows. The check reads the same lists, so every element, attribute or link the
author wrote and no edition prints is reported (md.dropped) instead of vanishing.

Some elements make an HTML parser read everything after them as their own
content (``<style>``, ``<noscript>``, ``<textarea>``, ``<svg>``…): left unclosed,
one would swallow the rest of the chapter, pandoc's notes included, and the
sanitiser would delete it all. :func:`neutralise` cuts them out of each raw piece
before pandoc writes the chapter (with their content when it is closed in the
same piece), so the editions hold what the check counted. Raw MathML goes too
(the editions' MathML is pandoc's, written from ``$…$``), and raw ``<img>`` (an
image is ``![alt](assets/file.png)``, which the check reads).

A small tokeniser of our own, not an HTML parser: pandoc has already split raw
HTML into tags, and only tags and their attributes matter here. Comments are not
reported: an author writes them in order not to print them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from citepress.render.allowlist import CLEAN_CONTENT, MATH_TAGS, TAGS, kept_attribute

FORMATS = frozenset({"html", "html4", "html5"})
# Elements whose content an HTML parser reads as their own (raw text, RCDATA,
# foreign content, or dropped with their content by the sanitiser).
SWALLOWING = frozenset(
    CLEAN_CONTENT | MATH_TAGS | {"textarea", "title", "xmp", "noembed", "noframes", "plaintext"}
)
# Linear: no nested quantifiers; a tag cannot hold < or >.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,63})((?:\s[^<>]*)?)/?>")
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]{1,100})(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


@dataclass(frozen=True)
class _Cut:
    """A span of a raw piece the editions will not hold; ``message`` says so (or None)."""

    start: int
    end: int
    message: str | None
    needle: str


def removed(html: str) -> list[tuple[str, str]]:
    """(message, text to find it by) for each thing in ``html`` no edition will print."""
    cuts = _cuts(html)
    found = [(cut.message, cut.needle) for cut in cuts if cut.message]
    for tag in _kept_tags(html, cuts):
        name = tag.group(2).lower()
        if tag.group(1):  # a closing tag: its opening one says it all
            continue
        if name not in TAGS:
            found.append((f"raw <{name}> is removed (its text is kept)", tag.group()))
        else:
            found += _attributes(name, tag.group(3), tag.group())
    return found


def ids_and_links(html: str) -> tuple[set[str], list[str]]:
    """The ids the editions keep from ``html``, and the ``#targets`` of its links."""
    ids: set[str] = set()
    links: list[str] = []
    for tag in _kept_tags(html, _cuts(html)):
        name = tag.group(2).lower()
        if tag.group(1) or name not in TAGS:
            continue
        for attribute, value in _pairs(tag.group(3)):
            if attribute == "id" and value:
                ids.add(value)
            elif attribute == "href" and value.startswith("#") and name == "a":
                links.append(value[1:])
    return ids, links


def neutralise(tree: Any) -> None:
    """Cut every swallowing element out of the tree's raw HTML, in place (see above)."""
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if item.get("t") in ("RawInline", "RawBlock") and item["c"][0] in FORMATS:
                item["c"][1] = _neutral(item["c"][1])
            else:
                stack.extend(item.values())


def _neutral(html: str) -> str:
    parts, at = [], 0
    for cut in _cuts(html):
        parts.append(html[at : cut.start])
        at = cut.end
    parts.append(html[at:])
    return "".join(parts)


def _cuts(html: str) -> list[_Cut]:
    """Comments (an unclosed one to the end), and swallowing elements, in order."""
    cuts: list[_Cut] = []
    comments = [_Cut(a, b, None, "") for a, b in _comments(html)]
    tags = list(_outside(_TAG.finditer(html), comments))
    closings: dict[str, list[int]] = {}
    for number, tag in enumerate(tags):
        if tag.group(1):
            closings.setdefault(tag.group(2).lower(), []).append(number)
    index = 0
    while index < len(tags):
        tag = tags[index]
        index += 1
        name = tag.group(2).lower()
        if name == "img" and not tag.group(1):
            message = "a raw <img> is removed: write ![alt](assets/file.png) instead"
            cuts.append(_Cut(tag.start(), tag.end(), message, tag.group()))
            continue
        if name not in SWALLOWING:
            continue
        if tag.group(1):  # a closing tag alone: its opening one was reported
            cuts.append(_Cut(tag.start(), tag.end(), None, tag.group()))
            continue
        close = _closing(closings.get(name, []), index)
        if close is None:
            cuts.append(_Cut(tag.start(), tag.end(), _alone(name), tag.group()))
            continue
        message = f"raw <{name}> is removed with its content"
        cuts.append(_Cut(tag.start(), tags[close].end(), message, tag.group()))
        index = close + 1
    return _merged(sorted(cuts + comments, key=lambda cut: cut.start))


def _alone(name: str) -> str:
    if name in MATH_TAGS:
        return f"raw MathML <{name}> is removed (its text is kept): write math as $…$"
    return f"raw <{name}> is removed (the text after it is kept)"


def _closing(closings: list[int], start: int) -> int | None:
    """The first closing tag at or after ``start`` (bisect: linear overall)."""
    found = bisect_left(closings, start)
    return closings[found] if found < len(closings) else None


def _merged(cuts: list[_Cut]) -> list[_Cut]:
    """Cuts that overlap (a comment inside a removed <style>) become one."""
    out: list[_Cut] = []
    for cut in cuts:
        if out and cut.start < out[-1].end:
            last = out[-1]
            out[-1] = _Cut(last.start, max(last.end, cut.end), last.message, last.needle)
        else:
            out.append(cut)
    return out


def _comments(html: str) -> Iterator[tuple[int, int]]:
    """Comment spans (str.find: linear); an unclosed comment runs to the end."""
    at = 0
    while (start := html.find("<!--", at)) >= 0:
        end = html.find("-->", start + 4)
        at = len(html) if end < 0 else end + 3
        yield start, at


def _kept_tags(html: str, cuts: list[_Cut]) -> Iterator[re.Match[str]]:
    return _outside(_TAG.finditer(html), cuts)


def _outside(tags: Iterator[re.Match[str]], cuts: list[_Cut]) -> Iterator[re.Match[str]]:
    """The tags outside every cut; both in order, so one sweep (linear)."""
    at = 0
    for tag in tags:
        while at < len(cuts) and cuts[at].end <= tag.start():
            at += 1
        if at < len(cuts) and cuts[at].start <= tag.start():
            continue
        yield tag


def _pairs(text: str) -> Iterator[tuple[str, str]]:
    for match in _ATTRIBUTE.finditer(text):
        value = next((v for v in match.groups()[1:] if v is not None), "")
        yield match.group(1).lower(), value


def _attributes(tag: str, text: str, whole: str) -> list[tuple[str, str]]:
    found = []
    for attribute, value in _pairs(text):
        if not kept_attribute(tag, attribute, value):
            what = f"{attribute}={value!r}" if value else attribute
            found.append((f"the attribute {what} on raw <{tag}> is removed", whole))
    return found
