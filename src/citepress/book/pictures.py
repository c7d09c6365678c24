"""Point each image of a chapter's tree at the book's copy of it, with its alt text.

The check read every image (sources/images.py); here the tree's targets become
the names the editions know them by (``images/<hash>.png``). An image the check
could not read keeps no target, and the sanitiser drops it (the check said so).
Quarto's ``fig-alt`` attribute, when given, is the alt text.
"""

from __future__ import annotations

from typing import Any

from citepress.sources.images import ImageFile
from citepress.sources.walk import nodes


def apply(tree: dict[str, Any], images: dict[str, ImageFile]) -> None:
    """Rename the images of ``tree`` in place; ``images`` maps targets as written."""
    for node in nodes(tree.get("blocks", [])):
        if node.get("t") != "Image":
            continue
        attr, alt, (target, title) = node["c"]
        image = images.get(target)
        node["c"][2] = [image.name if image else "", title]
        pairs = attr[2]
        described = [value for key, value in pairs if key == "fig-alt"]
        if described:
            alt[:] = [{"t": "Str", "c": described[-1]}]
            attr[2] = [pair for pair in pairs if pair[0] != "fig-alt"]
