"""hull_polygon against qhull (scipy's ConvexHull of every point) on random column sets and by
hand on small ones; chain_corners on several chains at once against each chain alone."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from medground.geometry.hull import (
    chain_corners,
    column_extremes,
    hull_polygon,
    lattice_area,
    perimeter,
)


def _columns(rng: np.random.Generator, k: int, span: int) -> tuple[np.ndarray, ...]:
    cols = np.sort(rng.choice(span, size=k, replace=False)).astype(np.int64)
    a, b = rng.integers(0, span, size=(2, k))
    return cols, np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)


def diameter(polygon: np.ndarray) -> float:
    return max(math.dist(p, q) for p in polygon.tolist() for q in polygon.tolist())


def _area(polygon: np.ndarray) -> float:
    nxt = np.roll(polygon, -1, axis=0)
    return abs(float((polygon[:, 0] * nxt[:, 1] - nxt[:, 0] * polygon[:, 1]).sum())) / 2


CASES = [(k, span, seed) for seed in range(6) for k, span in
         ((3, 5), (8, 12), (40, 60), (120, 400), (300, 700), (600, 600))]


@pytest.mark.parametrize(("k", "span", "seed"), CASES)
def test_hull_equals_qhull_of_every_point(k: int, span: int, seed: int) -> None:
    cols, low, high = _columns(np.random.default_rng(seed), k, span)
    points = np.concatenate([np.stack([low, cols], 1), np.stack([high, cols], 1)])
    want = ConvexHull(points)
    got = hull_polygon(cols, low, high)
    assert _area(got) == pytest.approx(want.volume, rel=1e-12)
    assert perimeter(got) == pytest.approx(want.area, rel=1e-12)
    vertices = points[want.vertices]
    assert diameter(got) == pytest.approx(
        max(math.dist(p, q) for p in vertices.tolist() for q in vertices.tolist()), rel=1e-12)
    # every vertex qhull found is one of ours (ours may add points on the edges)
    assert {tuple(v) for v in vertices.tolist()} <= {tuple(v) for v in got.tolist()}


def test_collinear_points_along_an_edge_keep_area_and_lattice_count() -> None:
    """A 5 x 3 rectangle of pixel centres given column by column: every column is on the
    hull; the area is 4 x 2 and Pick counts its 15 lattice points."""
    cols = np.arange(5, dtype=np.int64)
    polygon = hull_polygon(cols, np.zeros(5, np.int64), np.full(5, 2, np.int64))
    assert _area(polygon) == 8.0
    assert lattice_area(polygon) == 15
    assert perimeter(polygon) == 12.0


def test_triangle_by_hand() -> None:
    """Pixels with x + y <= 4: a right triangle with legs 4; 15 lattice points."""
    mask = np.add.outer(np.arange(5), np.arange(5)) <= 4
    polygon = hull_polygon(*column_extremes(mask))
    assert _area(polygon) == 8.0
    assert lattice_area(polygon) == 15
    assert diameter(polygon) == pytest.approx(4 * math.sqrt(2))


def test_column_extremes() -> None:
    mask = np.zeros((6, 5), bool)
    mask[1:4, 1] = mask[5, 3] = mask[0, 3] = True
    cols, low, high = column_extremes(mask)
    assert cols.tolist() == [1, 3] and low.tolist() == [1, 0] and high.tolist() == [3, 5]


def test_many_chains_at_once_give_each_chain_alone() -> None:
    rng = np.random.default_rng(7)
    chains = [_columns(rng, k, span) for k, span in ((1, 3), (2, 4), (3, 3), (9, 20), (60, 90),
                                                     (5, 5), (200, 400))]
    x = np.concatenate([c[0] for c in chains])
    first = np.concatenate([np.arange(c[0].size) == 0 for c in chains])
    offsets = np.cumsum([0] + [c[0].size for c in chains])
    for lower, y_of in ((True, 1), (False, 2)):
        y = np.concatenate([c[y_of] for c in chains])
        together = chain_corners(x, y, first, lower=lower)
        alone = [chain_corners(c[0], c[y_of], np.arange(c[0].size) == 0, lower=lower) + o
                 for c, o in zip(chains, offsets.tolist(), strict=False)]
        assert together.tolist() == np.concatenate(alone).tolist()


@pytest.mark.parametrize("lower", [True, False])
def test_chain_that_drops_one_point_per_round(lower: bool) -> None:
    """A convex chain (slopes 1, 2, 3, ...) whose last point lies far beyond: every round
    drops only the last inner point, until only the two ends are left."""
    x = np.arange(30, dtype=np.int64)
    y = np.cumsum(np.arange(30), dtype=np.int64)
    y[-1] = -10_000
    if not lower:
        y = -y
    first = x == 0
    assert chain_corners(x, y, first, lower=lower).tolist() == [0, 29]
