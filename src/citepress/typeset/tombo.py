"""Japanese crop marks (トンボ) on the print-shop PDF's pages, in registration colour.

WeasyPrint draws one Western corner mark per side, in RGB black. A Japanese press
expects double corner marks (角トンボ: an inner line on the trim, an outer one on the
bleed) and centre marks (センタートンボ) on each side, in registration colour (the
``All`` separation: every plate prints them). Each page gets them here, outside the
bleed, after its own content (which is wrapped in ``q … Q`` first, so that its
graphics state cannot move them).

Geometry, in points, around the TrimBox: every line runs from the bleed's edge out
``LENGTH`` into the sheet; the corner marks stand on the trim and bleed lines, the
centre marks are crosses on each side's middle.
"""

from __future__ import annotations

from typing import Any

from citepress.typeset.grid import MM

LENGTH = 9 * MM  # how far each mark reaches out beyond the bleed
WIDTH = 0.1 * MM  # hairline: 0.1 mm, the usual for crop marks
REGISTRATION = "/CitepressAll"  # the colour space's name in each page's resources

Segment = tuple[float, float, float, float]


def segments(trim: tuple[float, float, float, float], bleed: float) -> list[Segment]:
    """The marks' lines (x0, y0, x1, y1) around ``trim`` (left, bottom, right, top)."""
    left, bottom, right, top = trim
    lines: list[Segment] = []
    for x, outward_x in ((left, -1), (right, 1)):
        for y, outward_y in ((bottom, -1), (top, 1)):
            for offset in (0, bleed):  # the trim line, then the bleed line
                # Across, on the line y (+ the bleed outward), reaching out sideways.
                edge_y = y + outward_y * offset
                start_x = x + outward_x * bleed
                lines.append((start_x, edge_y, start_x + outward_x * LENGTH, edge_y))
                # Down or up, on the line x (+ the bleed outward), reaching out.
                edge_x = x + outward_x * offset
                start_y = y + outward_y * bleed
                lines.append((edge_x, start_y, edge_x, start_y + outward_y * LENGTH))
    middle_x, middle_y = (left + right) / 2, (bottom + top) / 2
    for y, outward in ((bottom, -1), (top, 1)):  # centre marks above and below
        near, far = y + outward * bleed, y + outward * (bleed + LENGTH)
        lines.append((middle_x, near, middle_x, far))
        cross = (near + far) / 2
        lines.append((middle_x - LENGTH / 2, cross, middle_x + LENGTH / 2, cross))
    for x, outward in ((left, -1), (right, 1)):  # and left and right
        near, far = x + outward * bleed, x + outward * (bleed + LENGTH)
        lines.append((near, middle_y, far, middle_y))
        cross = (near + far) / 2
        lines.append((cross, middle_y - LENGTH / 2, cross, middle_y + LENGTH / 2))
    return lines


def operators(lines: list[Segment]) -> bytes:
    """PDF content that strokes ``lines`` in registration colour, marked as an artifact."""
    body = [f"{x0:.3f} {y0:.3f} m {x1:.3f} {y1:.3f} l S" for x0, y0, x1, y1 in lines]
    return (
        f"/Artifact BMC q {REGISTRATION} CS 1 SCN {WIDTH:.3f} w 0 J\n"
        + "\n".join(body)
        + "\nQ EMC\n"
    ).encode()


def draw(document: Any, page: Any, bleed: float, space: Any) -> None:
    """Add the marks to ``page`` (pikepdf's) of ``document``; ``space``: :func:`colour_space`."""
    import pikepdf  # noqa: PLC0415

    left, bottom, right, top = (float(value) for value in page.trimbox)
    trim = (left, bottom, right, top)
    page.contents_add(pikepdf.Stream(document, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(document, b"\nQ\n" + operators(segments(trim, bleed))))
    resources = page.obj.Resources
    if "/ColorSpace" not in resources:
        resources.ColorSpace = pikepdf.Dictionary()
    resources.ColorSpace[REGISTRATION] = space


def colour_space(document: Any) -> Any:
    """The registration colour: the ``All`` separation, every CMYK ink at its tint."""
    import pikepdf  # noqa: PLC0415

    tint = pikepdf.Dictionary(
        FunctionType=2,
        Domain=pikepdf.Array([0, 1]),
        C0=pikepdf.Array([0, 0, 0, 0]),
        C1=pikepdf.Array([1, 1, 1, 1]),
        N=1,
    )
    return pikepdf.Array(
        [
            pikepdf.Name.Separation,
            pikepdf.Name.All,
            pikepdf.Name.DeviceCMYK,
            document.make_indirect(tint),
        ]
    )
