"""WeasyPrint's box tree of a laid-out page: walked here and nowhere else.

WeasyPrint has no public box tree; the page map, the parts and the proof all find
text on a page through this one function, so a change in WeasyPrint's private
structure is mended in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def content_boxes(page: Any) -> Iterator[Any]:
    """Every box of a laid-out page but its margins' (running heads, folios).

    WeasyPrint has no public box tree; this is the one place that walks its own.
    """
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    for child in page._page_box.children:
        if not isinstance(child, boxes.MarginBox):
            yield from child.descendants()
