"""Point labels that cannot be mistaken for a neighbour's: each sits clear of every dot and every other label,
tied to its own dot by a leader line.

Placement is greedy and deterministic (same figure, same picture): labels are taken in the order given (most
important first); each tries spots on rings round its dot, nearest ring first, and takes the first spot whose
box stays in the axes, covers no dot, overlaps no placed label or obstacle, and whose leader crosses no other
dot, label or leader. A label with no such spot takes the spot whose leader crosses the fewest; one whose box
fits nowhere is returned unplaced, for the caller to list in the legend table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bakeoff.report.canvas import SMALL

RINGS = (9, 16, 26, 38, 52, 68, 88, 110)  # points from a dot to its label
ANGLES = (0, 180, 25, 155, -25, -155, 55, 125, -55, -125, 90, -90)  # degrees, tried in this order
DOT_PT = 5.5  # radius kept clear round a dot, points (the chosen dot's marker is about 5 pt)
GAP_PX = 2.0  # clearance between labels, pixels
SLACK = 1.08  # labels are measured this much wider: a browser may draw the SVG's text in a wider font

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in display pixels
Segment = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class Mark:
    """A label for one dot: ``key`` names the dot (the label's gid is ``label-<key>``); ``x``, ``y`` in data units."""

    key: str
    text: str
    x: float
    y: float
    colour: str = "black"
    bold: bool = False


@dataclass
class _Scene:
    """What a new label must keep clear of, in display pixels."""

    frame: Box
    dots: list[tuple[float, float]]
    dot_px: float
    boxes: list[Box]
    leaders: list[Segment]
    rails: list[Box]  # drawn axis-aligned lines a label or leader had better not sit on (intervals, steps, baselines)


def place_labels(fig: Any, ax: Any, marks: Sequence[Mark], dots: Sequence[tuple[float, float]],
                 obstacles: Sequence[Any] = (), lines: Sequence[Segment] = ()) -> list[Mark]:
    """Label ``marks`` in order, each with a leader to its dot, clear of ``dots`` (data units, every dot drawn)
    and of the ``obstacles`` (artists already drawn in the axes), off the drawn ``lines`` (segments in data
    units, each horizontal or vertical) where there is room; returns the marks left unlabelled.

    The axes' limits and the figure's layout must be final: positions are worked out in pixels.
    """
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    scene = _Scene((frame.x0 + GAP_PX, frame.y0 + GAP_PX, frame.x1 - GAP_PX, frame.y1 - GAP_PX),
                   [_display(ax, d) for d in dots], DOT_PT * fig.dpi / 72,
                   [_box(o.get_window_extent(renderer)) for o in obstacles], [],
                   [_rail(_display(ax, start), _display(ax, end)) for start, end in lines])
    missed = []
    for mark in marks:
        size = _text_size(ax, mark, renderer)
        dot = _display(ax, (mark.x, mark.y))
        spot = _find_spot(scene, dot, size, fig.dpi / 72)
        if spot is None:
            missed.append(mark)
            continue
        (dx, dy), ha, va, box = spot
        scene.boxes.append(box)
        scene.leaders.append((dot, _nearest(dot, box)))
        ax.annotate(mark.text, (mark.x, mark.y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                    fontsize=SMALL, fontweight="bold" if mark.bold else "normal", color="black", zorder=5,
                    gid=f"label-{mark.key}", annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": mark.colour, "lw": 0.9, "alpha": 0.85, "shrinkA": 1,
                                "shrinkB": DOT_PT - 1})
    return missed


def _text_size(ax: Any, mark: Mark, renderer: Any) -> tuple[float, float]:
    probe = ax.text(0, 0, mark.text, fontsize=SMALL, fontweight="bold" if mark.bold else "normal")
    extent = probe.get_window_extent(renderer)
    probe.remove()
    return extent.width * SLACK, extent.height


def _find_spot(scene: _Scene, dot: tuple[float, float], size: tuple[float, float],
               px: float) -> tuple[tuple[float, float], str, str, Box] | None:
    """The first spot round ``dot`` whose leader crosses nothing, else the one with the fewest crossings:
    (offset in points, ha, va, box in pixels), or None when no spot keeps clear of labels and dots."""
    fallback: tuple[int, Any] | None = None
    for ring in RINGS:
        for angle in ANGLES:
            dx, dy = ring * math.cos(math.radians(angle)), ring * math.sin(math.radians(angle))
            ha = "left" if dx > 0.25 * ring else ("right" if dx < -0.25 * ring else "center")
            va = "bottom" if dy > 0.25 * ring else ("top" if dy < -0.25 * ring else "center")
            box = _aligned((dot[0] + dx * px, dot[1] + dy * px), size, ha, va)
            clash = _clashes(scene, box, dot)
            spot = ((round(dx, 2), round(dy, 2)), ha, va, box)
            if clash == 0:
                return spot
            if clash is not None and (fallback is None or clash < fallback[0]):
                fallback = (clash, spot)
    return fallback[1] if fallback else None


def _aligned(anchor: tuple[float, float], size: tuple[float, float], ha: str, va: str) -> Box:
    width, height = size
    x0 = anchor[0] - {"left": 0.0, "center": width / 2, "right": width}[ha]
    y0 = anchor[1] - {"bottom": 0.0, "center": height / 2, "top": height}[va]
    return x0, y0, x0 + width, y0 + height


def _clashes(scene: _Scene, box: Box, dot: tuple[float, float]) -> int | None:
    """None when a label at ``box`` would leave the axes or cover a dot or a label; else how many times it and
    its leader from ``dot`` cross other leaders, dots, labels and lines, plus twice the other dots nearer to it
    than its own."""
    x0, y0, x1, y1 = scene.frame
    if box[0] < x0 or box[1] < y0 or box[2] > x1 or box[3] > y1:
        return None
    padded = (box[0] - GAP_PX, box[1] - GAP_PX, box[2] + GAP_PX, box[3] + GAP_PX)
    discs = [_disc(d, scene.dot_px) for d in scene.dots]
    if any(_overlap(padded, other) for other in [*scene.boxes, *discs]):
        return None
    end = _nearest(dot, box)
    gap = math.dist(dot, end)
    leader = (_toward(dot, end, min(scene.dot_px, gap)), end)  # as drawn: from the dot's rim
    others = [d for d in discs if not _inside(dot, d)]
    crossings = (sum(_crosses(seg, box) for seg in scene.leaders) + sum(_segments_cross(leader, seg)
                                                                        for seg in scene.leaders)
                 + sum(_crosses(leader, other) for other in [*scene.boxes, *others])
                 + sum(_overlap(box, rail) + _crosses(leader, rail) for rail in scene.rails))
    return crossings + 2 * _nearer_dots(scene, box, dot)


def _nearer_dots(scene: _Scene, box: Box, dot: tuple[float, float]) -> int:
    """How many other dots (not under ``dot``) are nearer the label at ``box`` than its own dot: a reader
    would pair the label with them."""
    own = math.dist(dot, _nearest(dot, box))
    return sum(1 for d in scene.dots if math.dist(d, dot) > scene.dot_px and math.dist(d, _nearest(d, box)) < own)


def _display(ax: Any, point: tuple[float, float]) -> tuple[float, float]:
    x, y = ax.transData.transform(point)
    return float(x), float(y)


def _rail(start: tuple[float, float], end: tuple[float, float]) -> Box:
    """An axis-aligned drawn line as a thin box (1.5 px either side)."""
    return min(start[0], end[0]) - 1.5, min(start[1], end[1]) - 1.5, max(start[0], end[0]) + 1.5, max(
        start[1], end[1]) + 1.5


def _toward(start: tuple[float, float], end: tuple[float, float], step: float) -> tuple[float, float]:
    """The point ``step`` pixels from ``start`` toward ``end``."""
    length = math.dist(start, end) or 1.0
    return start[0] + (end[0] - start[0]) * step / length, start[1] + (end[1] - start[1]) * step / length


def _box(extent: Any) -> Box:
    return extent.x0, extent.y0, extent.x1, extent.y1


def _disc(dot: tuple[float, float], radius: float) -> Box:
    return dot[0] - radius, dot[1] - radius, dot[0] + radius, dot[1] + radius


def _inside(point: tuple[float, float], box: Box) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def _overlap(one: Box, two: Box) -> bool:
    return one[0] < two[2] and two[0] < one[2] and one[1] < two[3] and two[1] < one[3]


def _nearest(point: tuple[float, float], box: Box) -> tuple[float, float]:
    """The point of ``box`` nearest ``point`` (where a leader from it meets the label)."""
    return min(max(point[0], box[0]), box[2]), min(max(point[1], box[1]), box[3])


def _crosses(segment: Segment, box: Box) -> bool:
    """Whether ``segment`` passes through ``box`` (Liang-Barsky clipping)."""
    (x_start, y_start), (x_end, y_end) = segment
    low, high = 0.0, 1.0
    for step, start, lo_edge, hi_edge in ((x_end - x_start, x_start, box[0], box[2]),
                                          (y_end - y_start, y_start, box[1], box[3])):
        if abs(step) < 1e-12:
            if start < lo_edge or start > hi_edge:
                return False
            continue
        t0, t1 = sorted(((lo_edge - start) / step, (hi_edge - start) / step))
        low, high = max(low, t0), min(high, t1)
        if low > high:
            return False
    return True


def _segments_cross(one: Segment, two: Segment) -> bool:
    """Whether two segments properly intersect (sharing an end does not count)."""

    (p1, p2), (q1, q2) = one, two
    return (_turn(p1, p2, q1) * _turn(p1, p2, q2) < 0) and (_turn(q1, q2, p1) * _turn(q1, q2, p2) < 0)


def _turn(start: tuple[float, float], end: tuple[float, float], point: tuple[float, float]) -> float:
    """Which side of the line ``start``-``end`` ``point`` lies on (the sign of the cross product)."""
    return (end[0] - start[0]) * (point[1] - start[1]) - (end[1] - start[1]) * (point[0] - start[0])
