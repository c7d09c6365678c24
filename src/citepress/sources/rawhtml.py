"""What the sanitiser will remove from a piece of raw HTML, said before it happens.

pandoc passes raw HTML through; the editions keep only what render/allowlist.py
allows. The check reads the same lists, so every element, attribute or link the
author wrote and no edition prints is reported (md.dropped) instead of vanishing.
A small tokeniser of our own, not an HTML parser: pandoc has already split raw
HTML into tags, and only tags and their attributes matter here. Comments are
not reported: an author writes them in order not to print them.
"""

from __future__ import annotations

import re

from citepress.render.allowlist import CLEAN_CONTENT, MATH_TAGS, TAGS, kept_attribute

FORMATS = frozenset({"html", "html4", "html5"})
# Linear: no nested quantifiers; a tag cannot hold < or >.
_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9:-]{0,63})((?:\s[^<>]*)?)/?>")
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]{1,100})(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def removed(html: str) -> list[tuple[str, str]]:
    """(message, text to find it by) for each thing in ``html`` no edition will print."""
    found = []
    for tag in _TAG.finditer(_without_comments(html)):
        name = tag.group(1).lower()
        if name in CLEAN_CONTENT:
            found.append((f"raw <{name}> is removed with its content", tag.group()))
        elif name == "img":
            message = "a raw <img> is removed: write ![alt](assets/file.png) instead"
            found.append((message, tag.group()))
        elif name not in TAGS and name not in MATH_TAGS:
            found.append((f"raw <{name}> is removed (its text is kept)", tag.group()))
        else:
            found += _attributes(name, tag.group(2), tag.group())
    return found


def _attributes(tag: str, text: str, whole: str) -> list[tuple[str, str]]:
    found = []
    for match in _ATTRIBUTE.finditer(text):
        attribute = match.group(1).lower()
        value = next((v for v in match.groups()[1:] if v is not None), "")
        if not kept_attribute(tag, attribute, value):
            what = f"{attribute}={value!r}" if value else attribute
            found.append((f"the attribute {what} on raw <{tag}> is removed", whole))
    return found


def _without_comments(html: str) -> str:
    """``html`` with its comments cut out (str.find: linear, even on 1 MB of "<!--")."""
    parts, at = [], 0
    while (start := html.find("<!--", at)) >= 0:
        parts.append(html[at:start])
        end = html.find("-->", start + 4)
        if end < 0:
            return "".join(parts)
        at = end + 3
    parts.append(html[at:])
    return "".join(parts)
