"""Convex hulls of small integer point sets given column by column, without qhull's overhead.

Of the points on one vertical line only the top- and bottom-most can be vertices of the hull,
so the hull of a mask's pixel centres is that of two chains: for each column, the least and
the greatest row. With the columns sorted, an inner point of the lower chain is a corner of
the lower hull exactly when it turns strictly left from the points before and after it on
the hull; a point that does not turn strictly left from *any* point before and after it is
not a corner, so all such points of the current chain can be dropped at once, and dropping
them again until none is left gives the hull's corners (and the other way round for the
upper chain). The turns are cross products of integers no larger than an image's side: exact.
Each round is a few array operations over every chain given, so the chains of all a view's
regions are done together (:func:`chain_corners`); a mask's boundary rarely needs more than a
few rounds, and a round drops at least one point of a chain that is not yet convex.

Only the hull's corners are kept (a point on the segment between its neighbours is not), but
its first and last column's points are, even where the two coincide or lie on one line: the
area, perimeter, lattice points on the boundary and diameter are the same either way.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]


def hull_polygon(cols: IntArray, low: IntArray, high: IntArray) -> IntArray:
    """The hull of the points ``(low[i], cols[i])`` and ``(high[i], cols[i])`` (row, col),
    ``cols`` strictly increasing and ``low <= high``: its vertices in order around it, as an
    (m, 2) array of (row, col), possibly with a repeated point or points on an edge at the
    first and last column. Points on one line give a polygon there and back along it."""
    first = np.zeros(cols.size, dtype=bool)
    first[:1] = True
    lower = chain_corners(cols, low, first, lower=True)
    upper = chain_corners(cols, high, first, lower=False)[::-1]
    return np.concatenate([np.stack([low[lower], cols[lower]], 1),
                           np.stack([high[upper], cols[upper]], 1)])


def chain_corners(x: IntArray, y: IntArray, first: NDArray[np.bool_], *, lower: bool
                  ) -> NDArray[np.intp]:
    """Indices of the points of several chains ``(x[i], y[i])`` on their lower (least y) or
    upper hulls, in order. A chain is a run of points from one with ``first[i]`` set to the
    next; within it ``x`` is strictly increasing. A chain's first and last points are kept."""
    alive = np.arange(x.size)
    last = np.ones(x.size, dtype=bool)
    last[:-1] = first[1:]
    inner_mask = ~(first | last)
    while True:
        inner = np.flatnonzero(inner_mask[alive])
        if inner.size == 0:
            return alive
        xa, ya = x[alive], y[alive]
        before, after = inner - 1, inner + 1
        cross = ((ya[inner] - ya[before]) * (xa[after] - xa[inner])
                 - (ya[after] - ya[inner]) * (xa[inner] - xa[before]))
        drop = cross >= 0 if lower else cross <= 0  # not a strict left (right) turn
        if not drop.any():
            return alive
        keep = np.ones(alive.size, dtype=bool)
        keep[inner[drop]] = False
        alive = alive[keep]


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
