"""Marching-squares contours of a binary mask: skimage's, point for point, at a fraction of the cost.

``skimage.measure.find_contours(np.pad(mask, 1).astype(float), 0.5, fully_connected="high")``
is the boundary every length measure of :mod:`medground.geometry.shape` uses. Most of its time
goes to joining segments in Python (``_assemble_contours``); on a binary mask that join has a
closed form, so :func:`mask_contours` builds the same arrays with numpy and one walk:

- each 2 x 2 cell whose corners are not all equal gives one segment (two in the saddle cases 6
  and 9), from and to the midpoints of its edges, with skimage's case table and its order (cells
  in raster order, a saddle's two segments in table order); on a 0/1 image at level 0.5 every
  crossing is exactly at an edge's midpoint;
- padded by one pixel, every contour is closed, and every edge midpoint starts exactly one
  segment and ends exactly one, so "the segment after" is a permutation whose cycles are the
  contours;
- skimage numbers a contour by its first segment in processing order (merged contours keep the
  older number) and returns them in that order; a closed contour is completed by the last of its
  segments to be processed, which appends its end point, the contour's start, again. So each
  contour starts where its last-processed segment ends, runs along the segments, and repeats its
  first point at the end.

The result is compared with ``find_contours`` array for array in
tests/unit/geometry/test_contours.py.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

# edge midpoints of the cell with upper-left pixel (r, c), in doubled coordinates (2r, 2c)
_TOP, _BOTTOM, _LEFT, _RIGHT = (0, 1), (2, 1), (1, 0), (1, 2)

#: skimage's marching-squares table for ``vertex_connect_high`` (fully_connected="high"):
#: case (ul + 2 ur + 4 ll + 8 lr, corners above the level) -> its segments, (from, to), in
#: the order skimage emits them
_CASES: Final[dict[int, tuple[tuple[tuple[int, int], tuple[int, int]], ...]]] = {
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
    for case, segments in _CASES.items():
        count[case] = len(segments)
        for k, (start, end) in enumerate(segments):
            offsets[case, k] = (start, end)
    first = offsets[:, 0]
    second = offsets[:, 1]
    return count, first, second


_COUNT, _FIRST, _SECOND = _table()


def mask_contours(mask: NDArray[np.bool_]) -> list[NDArray[np.float64]]:
    """``find_contours(np.pad(mask, 1).astype(np.float64), 0.5, fully_connected="high")``:
    the closed contours (row, col) in the padded frame, each ending with its first point, in
    skimage's order. An empty mask has none."""
    padded = np.pad(np.asarray(mask, dtype=bool), 1).view(np.uint8)
    case = padded[:-1, :-1] | padded[:-1, 1:] << 1 | padded[1:, :-1] << 2 | padded[1:, 1:] << 3
    cells = np.flatnonzero(case % 15)  # raster order; cases 0 and 15 cross nothing
    if cells.size == 0:
        return []
    cases = case.ravel()[cells]
    origin = 2 * np.stack(np.divmod(cells, case.shape[1]), axis=1)  # doubled (r0, c0)
    saddle = _COUNT[cases] == 2
    # every cell's first segment, then right after each saddle its second one
    order = np.arange(cells.size) + np.concatenate([[0], np.cumsum(saddle)[:-1]])
    n = cells.size + int(saddle.sum())
    seg = np.empty((n, 2, 2), dtype=np.int64)
    seg[order] = origin[:, None, :] + _FIRST[cases]
    seg[order[saddle] + 1] = origin[saddle][:, None, :] + _SECOND[cases[saddle]]
    width = 2 * case.shape[1] + 3  # doubled columns run 0 .. 2 * (cols - 1) + 2
    start = seg[:, 0, 0] * width + seg[:, 0, 1]
    end = seg[:, 1, 0] * width + seg[:, 1, 1]
    by_start = np.argsort(start, kind="stable")
    after = by_start[np.searchsorted(start[by_start], end)].tolist()
    points = seg[:, 0].astype(np.float64) / 2.0
    contours: list[NDArray[np.float64]] = []
    seen = bytearray(n)
    for first in range(n):  # contours in the order of their first segment
        if seen[first]:
            continue
        cycle = [first]
        seen[first] = 1
        j = after[first]
        while j != first:
            cycle.append(j)
            seen[j] = 1
            j = after[j]
        k = cycle.index(max(cycle)) + 1  # start after the segment processed last
        walk = cycle[k:] + cycle[:k]
        contours.append(points[walk + walk[:1]])
    return contours
