"""In the fenced worker: lay out the proof, find each finding on its page, annotate it.

The proof is the print edition's HTML with the findings' spans marked (see
:mod:`citepress.proof.marks`). WeasyPrint lays it out twice: first without the
query list, to learn where every marked span stands (page, line on the page,
boxes); then, with the query list the build made from those spots appended (on
pages of its own, so nothing before it moves), to write the PDF. pikepdf then adds
one highlight annotation per finding, its comment holding the finding's severity,
message and codes: any PDF reader lists them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# WeasyPrint lays out in CSS pixels; PDF speaks in points.
PT_PER_PX = 0.75
# Boxes whose tops differ by less than this (px) stand on one line.
SAME_LINE_PX = 2.0
HIGHLIGHT = "ffe066"


@dataclass(frozen=True)
class Finding:
    """What the worker needs of one finding (plain data: it crosses a process)."""

    number: int
    css_class: str  # the class of its spans in the text, or of its row in the query list
    placed: bool  # marked in the text; else only its query-list row shows it
    severity: str
    codes: str
    message: str
    place: str
    covers: str = ""  # what the highlight covers: 「１月初旬」, （注3）

    @property
    def comment(self) -> str:
        """The annotation's comment: severity, message, codes, where in the sources."""
        return f"{self.severity}: {self.message} [{self.codes}] ({self.place})"


@dataclass
class Spot:
    """Where a finding stands in the proof: page and line (1-based) and its boxes (pt)."""

    page: int
    line: int
    rects: list[tuple[float, float, float, float]] = field(default_factory=list)


def locate(html: str, assets: list[Path], classes: dict[str, int]) -> dict[int, Spot]:
    """The first layout: where each marked span stands (its finding's number -> spot)."""
    from citepress.typeset.layout import lay_out  # noqa: PLC0415 -- in the worker

    return find(lay_out(html, assets), classes)


def finish(
    html: str, pdf_id: bytes, assets: list[Path], findings: list[Finding], spots: dict[int, Spot]
) -> tuple[bytes, dict[int, Spot]]:
    """The second layout, query list filled in: the annotated PDF and every spot.

    The query list starts on a page of its own, so the text before it lays out as it
    did the first time; the spots of the findings that only its rows show are added.
    """
    from citepress.typeset.layout import lay_out, pdf_bytes  # noqa: PLC0415 -- in the worker

    document = lay_out(html, assets)
    found = dict(spots)
    found.update(find(document, {f.css_class: f.number for f in findings if not f.placed}))
    pdf = pdf_bytes(document, pdf_identifier=pdf_id)
    return annotate(pdf, findings, found), found


def find(document: Any, classes: dict[str, int]) -> dict[int, Spot]:
    """Every marked span's page, line and boxes, by finding number (first page it is on)."""
    spots: dict[int, Spot] = {}
    for index, page in enumerate(document.pages):
        lines = _line_tops(page)
        height = page.height
        for box, number in _marked(page, classes):
            top = box.position_y
            rect = (
                box.position_x * PT_PER_PX,
                (height - top - box.margin_height()) * PT_PER_PX,
                (box.position_x + max(box.margin_width(), 4)) * PT_PER_PX,
                (height - top) * PT_PER_PX,
            )
            spot = spots.setdefault(number, Spot(index + 1, _line_of(lines, top)))
            if spot.page == index + 1:
                spot.rects.append(rect)
    return spots


def _marked(page: Any, classes: dict[str, int]) -> list[tuple[Any, int]]:
    """The inline boxes of marked spans on a page (a span broken over lines: one a line)."""
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    from citepress.typeset.boxes import content_boxes  # noqa: PLC0415

    found = []
    for box in content_boxes(page):
        if not isinstance(box, boxes.InlineBox) or box.element is None:
            continue
        for name in (box.element.get("class") or "").split():
            if name in classes:
                found.append((box, classes[name]))
    return found


def _line_tops(page: Any) -> list[float]:
    """The tops of the page's lines of text, top to bottom (running heads excluded)."""
    from weasyprint.formatting_structure import boxes  # noqa: PLC0415

    from citepress.typeset.boxes import content_boxes  # noqa: PLC0415

    tops = [box.position_y for box in content_boxes(page) if isinstance(box, boxes.LineBox)]
    merged: list[float] = []
    for top in sorted(tops):
        if not merged or top - merged[-1] > SAME_LINE_PX:
            merged.append(top)
    return merged


def _line_of(lines: list[float], top: float) -> int:
    """The 1-based number of the line a box at ``top`` stands on."""
    number = 0
    for number, line in enumerate(lines, 1):
        if line > top + SAME_LINE_PX:
            return max(number - 1, 1)
    return max(number, 1)


def annotate(pdf: bytes, findings: list[Finding], spots: dict[int, Spot]) -> bytes:
    """``pdf`` with one highlight annotation per finding that has a spot."""
    import pikepdf  # noqa: PLC0415

    colour = [round(int(HIGHLIGHT[i : i + 2], 16) / 255, 4) for i in (0, 2, 4)]
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for finding in findings:
            spot = spots.get(finding.number)
            if spot is None or not spot.rects:
                continue
            page = document.pages[spot.page - 1].obj
            quads = [v for x0, y0, x1, y1 in spot.rects for v in (x0, y1, x1, y1, x0, y0, x1, y0)]
            bounds = (
                min(r[0] for r in spot.rects),
                min(r[1] for r in spot.rects),
                max(r[2] for r in spot.rects),
                max(r[3] for r in spot.rects),
            )
            note = pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Highlight,
                Rect=pikepdf.Array(bounds),
                QuadPoints=pikepdf.Array([round(v, 2) for v in quads]),
                C=pikepdf.Array(colour),
                Contents=pikepdf.String(finding.comment),
                T=pikepdf.String("citepress"),
                Subj=pikepdf.String(finding.codes),
                NM=pikepdf.String(f"citepress-finding-{finding.number + 1}"),
                P=page,
            )
            if "/Annots" not in page:
                page.Annots = pikepdf.Array()
            page.Annots.append(document.make_indirect(note))
        out = io.BytesIO()
        document.save(out, deterministic_id=True)
    return out.getvalue()
