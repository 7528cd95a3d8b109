"""Convex hulls of small integer point sets given column by column, without qhull's overhead.

Of the points on one vertical line only the top- and bottom-most can be vertices of the hull,
so the hull of a mask's pixel centres is that of two chains: for each column, the least and
the greatest row. With the columns sorted, point ``i`` of the lower
chain is on the lower hull exactly when no segment between a point before it and one after
it passes below it: when the steepest slope into it from the left is at most the shallowest
slope out of it to the right (and the other way round for the upper chain). The slopes are
ratios of integers no larger than an image's side, so equal ratios are equal floats (each is
the correctly rounded quotient) and distinct ones differ by far more than a rounding: the
comparisons are exact. A chain of ``k`` columns costs one
``k x k`` array, a few microseconds for the widths of most regions; wider ones go to qhull.

Only the hull's corners are kept (a point on the segment between its neighbours is not), but
its first and last column's points are, even where the two coincide or lie on one line: the
area, perimeter, lattice points on the boundary and diameter are the same either way.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import ConvexHull

IntArray = NDArray[np.int64]

#: chains longer than this go to qhull (the slope array grows with the square)
MAX_CHAIN: Final = 256


def hull_polygon(cols: IntArray, low: IntArray, high: IntArray) -> IntArray:
    """The hull of the points ``(low[i], cols[i])`` and ``(high[i], cols[i])`` (row, col),
    ``cols`` strictly increasing and ``low <= high``: its vertices in order around it, as an
    (m, 2) array of (row, col), possibly with a repeated point or points on an edge at the
    first and last column. Points on one line give a polygon there and back along it."""
    k = int(cols.size)
    if k > MAX_CHAIN:
        points = np.unique(np.concatenate([np.stack([low, cols], 1), np.stack([high, cols], 1)]),
                           axis=0)
        if points.shape[0] < 3 or collinear(points):
            return points
        vertices: IntArray = points[ConvexHull(points).vertices]
        return vertices
    lower = _chain(cols, low, lower=True)
    upper = _chain(cols, high, lower=False)[::-1]
    return np.concatenate([np.stack([low[lower], cols[lower]], 1),
                           np.stack([high[upper], cols[upper]], 1)])


def _chain(x: IntArray, y: IntArray, *, lower: bool) -> NDArray[np.intp]:
    """Indices of the points of the chain ``(x[i], y[i])`` on its lower (least y) or upper
    hull, in order of x."""
    k = int(x.size)
    if k <= 2:
        return np.arange(k)
    dx = (x[None, :] - x[:, None]).astype(np.float64)  # [a, b]: x[b] - x[a]
    before = np.tri(k, k, -1, dtype=bool).T  # [a, b]: a < b
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (y[None, :] - y[:, None]) / dx
    if lower:
        steepest_in = np.where(before, slope, -np.inf).max(axis=0)  # over a < i
        shallowest_out = np.where(before, slope, np.inf).min(axis=1)  # over b > i
        return np.flatnonzero(steepest_in < shallowest_out)
    shallowest_in = np.where(before, slope, np.inf).min(axis=0)
    steepest_out = np.where(before, slope, -np.inf).max(axis=1)
    return np.flatnonzero(shallowest_in > steepest_out)


def collinear(points: IntArray) -> bool:
    """Do integer points lie on one line (or are fewer than 3)? Exact cross products."""
    d = points - points[0]
    nonzero = np.flatnonzero(d.any(axis=1))
    if points.shape[0] < 3 or nonzero.size == 0:
        return True
    dy, dx = d[nonzero[0]]
    return not bool((d[:, 0] * dx - d[:, 1] * dy).any())


def column_extremes(mask: NDArray[np.bool_]) -> tuple[IntArray, IntArray, IntArray]:
    """(columns, least row, greatest row) of the set pixels of each column that has some."""
    cols = np.flatnonzero(mask.any(axis=0))
    sub = mask[:, cols]
    low = sub.argmax(axis=0)
    high = mask.shape[0] - 1 - sub[::-1].argmax(axis=0)
    return cols.astype(np.int64), low.astype(np.int64), high.astype(np.int64)


def perimeter(polygon: IntArray) -> float:
    """Length of the closed polygon."""
    step = np.diff(polygon, axis=0, append=polygon[:1]).astype(np.float64)
    return float(np.hypot(step[:, 0], step[:, 1]).sum())


def lattice_area(polygon: IntArray) -> int:
    """Lattice points inside or on the closed polygon with integer vertices (Pick's theorem:
    A + B / 2 + 1, B the lattice points on its edges); a degenerate polygon (a segment) is
    counted along itself."""
    nxt = np.roll(polygon, -1, axis=0)
    twice_area = abs(int((polygon[:, 0] * nxt[:, 1] - nxt[:, 0] * polygon[:, 1]).sum()))
    on_edges = int(np.gcd(np.abs(nxt[:, 0] - polygon[:, 0]),
                          np.abs(nxt[:, 1] - polygon[:, 1])).sum())
    return (twice_area + on_edges) // 2 + 1
