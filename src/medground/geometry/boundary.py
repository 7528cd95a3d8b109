"""The marching-squares boundary of a binary mask as a set of segments, measured without
walking it.

The boundary is that of ``skimage.measure.find_contours(np.pad(mask, 1), 0.5,
fully_connected="high")``: each 2 x 2 cell whose corners are not all equal gives one segment
(two in the saddle cases 6 and 9) between midpoints of its edges, with skimage's case table.
skimage joins the segments into ordered contours, one Python step per segment; the measures
of :mod:`medground.geometry.shape` need no order:

- the perimeter is the sum of the segments' lengths (each contour's point-to-point steps
  are its segments);
- the hull of the contour points is that of the pixel centres grown by the diamond of the
  edge midpoints (see :func:`medground.geometry.shape.shape_measures`);
- the topology comes from the cycles of "the segment after": with ``fully_connected="high"``
  the foreground is 8-connected and the background 4-connected, every 8-connected part has
  one outer cycle and every 4-connected hole one inner cycle, told apart by the sign of the
  area the cycle encloses (a sum over its segments, in any order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

# edge midpoints of the cell with upper-left pixel (r, c), in doubled coordinates (2r, 2c)
_TOP, _BOTTOM, _LEFT, _RIGHT = (0, 1), (2, 1), (1, 0), (1, 2)

#: skimage's marching-squares table for ``vertex_connect_high`` (fully_connected="high"):
#: case (ul + 2 ur + 4 ll + 8 lr, corners above the level) -> its segments, (from, to)
CASES: Final[dict[int, tuple[tuple[tuple[int, int], tuple[int, int]], ...]]] = {
    1: ((_TOP, _LEFT),),
    2: ((_RIGHT, _TOP),),
    3: ((_RIGHT, _LEFT),),
    4: ((_LEFT, _BOTTOM),),
    5: ((_TOP, _BOTTOM),),
    6: ((_LEFT, _TOP), (_RIGHT, _BOTTOM)),
    7: ((_RIGHT, _BOTTOM),),
    8: ((_BOTTOM, _RIGHT),),
    9: ((_TOP, _RIGHT), (_BOTTOM, _LEFT)),
    10: ((_BOTTOM, _TOP),),
    11: ((_BOTTOM, _LEFT),),
    12: ((_LEFT, _RIGHT),),
    13: ((_TOP, _RIGHT),),
    14: ((_LEFT, _TOP),),
}


def _table() -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Per case: the number of segments (0..2), and the doubled (from, to) offsets of each."""
    count = np.zeros(16, dtype=np.int64)
    offsets = np.zeros((16, 2, 2, 2), dtype=np.int64)  # case, segment, from/to, (row, col)
    for case, segments in CASES.items():
        count[case] = len(segments)
        for k, (start, end) in enumerate(segments):
            offsets[case, k] = (start, end)
    return count, offsets[:, 0], offsets[:, 1]


_COUNT, _FIRST, _SECOND = _table()


@dataclass(frozen=True)
class Segments:
    """The boundary's segments, in no particular order: ``seg[k] = (from, to)``, each (row,
    col) in doubled coordinates of the mask padded by one pixel (a point at ``p / 2``), and
    ``after[k]``, the segment that starts where segment ``k`` ends."""

    seg: NDArray[np.int64]
    after: NDArray[np.int64]


def segments(mask: NDArray[np.bool_]) -> Segments:
    """The segments of ``find_contours(np.pad(mask, 1), 0.5, fully_connected="high")``:
    every crossed cell's first segment, then the saddles' second ones."""
    padded = _padded(mask).view(np.uint8)
    case = padded[:-1, :-1] | padded[:-1, 1:] << 1 | padded[1:, :-1] << 2 | padded[1:, 1:] << 3
    cells = np.flatnonzero(case - 1 < 14)  # cases 0 and 15 cross nothing (uint8: 0 - 1 = 255)
    cases = case.ravel()[cells]
    origin = 2 * np.stack(np.divmod(cells, case.shape[1]), axis=1)  # doubled (r0, c0)
    saddle = _COUNT[cases] == 2
    seg = np.concatenate([origin[:, None, :] + _FIRST[cases],
                          origin[saddle][:, None, :] + _SECOND[cases[saddle]]])
    width = 2 * case.shape[1] + 3  # doubled columns run 0 .. 2 * (cols - 1) + 2
    start = seg[:, 0, 0] * width + seg[:, 0, 1]  # every edge midpoint starts one segment
    end = seg[:, 1, 0] * width + seg[:, 1, 1]
    # the segment starting at each point, by a table over the doubled grid (uninitialised:
    # only starts are written, only ends, which are starts, are read): no sort
    starting = np.empty((2 * case.shape[0] + 3) * width, dtype=np.int64)
    starting[start] = np.arange(start.size)
    return Segments(seg, starting[end])


def _padded(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``np.pad(mask, 1)`` (np.pad's own bookkeeping costs more than the copy)."""
    out = np.zeros((mask.shape[0] + 2, mask.shape[1] + 2), dtype=bool)
    out[1:-1, 1:-1] = mask
    return out


@dataclass(frozen=True)
class Boundary:
    """What :func:`boundary` measures (lengths in pixels); compared with ``find_contours``
    and textbook labellings in tests/unit/geometry/test_boundary.py."""

    perimeter: float  # the contours' total length, holes' contours included
    outer: int  # cycles around foreground: the 8-connected parts
    inner: int  # cycles around background: the 4-connected holes


_HALF_DIAGONAL: Final = math.sqrt(2.0) / 2.0


def boundary(mask: NDArray[np.bool_]) -> Boundary:
    """Length and topology of a non-empty mask's sub-pixel boundary; ValueError for an
    empty mask."""
    if not mask.any():
        raise ValueError("an empty mask has no boundary")
    return boundaries(mask, np.zeros(mask.shape[1], dtype=np.int64), 1)[0]


def boundaries(mask: NDArray[np.bool_], column_group: NDArray[np.int64], groups: int
               ) -> list[Boundary]:
    """:func:`boundary` of each of ``groups`` masks side by side in ``mask``: column ``c``
    holds a pixel of mask ``column_group[c]`` (-1 for a column of background), and two
    masks' columns are never next to each other (a 2 x 2 cell sees one mask at most; see
    :mod:`medground.geometry.packed`). A mask with no pixel gets an empty boundary."""
    s = segments(mask)
    n = s.after.size
    start, end = s.seg[:, 0], s.seg[:, 1]
    # the cell of a segment, in the padded mask's columns: its two points' doubled columns
    # are 2 c0 + (0, 1 or 2) and never both 0 or both 2
    c0 = (start[:, 1] + end[:, 1]) // 4
    padded_group = np.concatenate([[-1], column_group, [-1]])
    group = np.maximum(padded_group[c0], padded_group[c0 + 1])
    step = np.abs(end - start)  # doubled: (1, 1) diagonal, (0, 2) or (2, 0) straight
    diagonal = np.bincount(group, weights=step[:, 0] == 1, minlength=groups).astype(np.int64)
    count = np.bincount(group, minlength=groups)
    # cycles: every segment labelled with the smallest index of its cycle (pointer jumping)
    label = np.arange(n)
    jump = s.after
    for _ in range(max(1, math.ceil(math.log2(max(n, 1))))):
        label = np.minimum(label, label[jump])
        jump = jump[jump]
    twice_area = start[:, 0] * end[:, 1] - end[:, 0] * start[:, 1]  # shoelace, (row, col)
    roots = np.flatnonzero(label == np.arange(n))
    signed = np.bincount(np.searchsorted(roots, label), weights=twice_area,
                         minlength=roots.size)
    # rows down, columns right: skimage walks around foreground with negative (row, col) area
    outer = np.bincount(group[roots], weights=signed < 0, minlength=groups).astype(np.int64)
    cycles = np.bincount(group[roots], minlength=groups)
    return [Boundary(perimeter=(k - d) * 1.0 + d * _HALF_DIAGONAL, outer=o, inner=c - o)
            for k, d, o, c in zip(count.tolist(), diagonal.tolist(), outer.tolist(),
                                  cycles.tolist(), strict=True)]
