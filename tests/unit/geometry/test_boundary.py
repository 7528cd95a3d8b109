"""boundary() against skimage's find_contours on the padded mask and textbook labellings:
the length from the contours' points, parts as 8-connected components and holes as
4-connected enclosed background."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import ndimage
from skimage.measure import find_contours

from medground.geometry.boundary import boundary


def _grid(rows: list[str]) -> NDArray[np.bool_]:
    return np.array([[c == "#" for c in row] for row in rows], dtype=bool)


def _disc(n: int, r: float, inner: float = 0.0) -> NDArray[np.bool_]:
    yy, xx = np.mgrid[:n, :n]
    d2 = (yy - (n - 1) / 2) ** 2 + (xx - (n - 1) / 2) ** 2
    return (d2 <= r * r) & (d2 >= inner * inner)


_RNG = np.random.default_rng(5)
MASKS: dict[str, NDArray[np.bool_]] = {
    "pixel": np.ones((1, 1), bool),
    "row": np.ones((1, 6), bool),
    "column": np.ones((5, 1), bool),
    "diagonal pair (a saddle)": _grid(["#.", ".#"]),
    "anti-diagonal pair (the other saddle)": _grid([".#", "#."]),
    "checkerboard": _grid(["#.#.#", ".#.#.", "#.#.#"]),
    "ring": _disc(15, 7, 3),
    "ring with an island": _disc(21, 10, 6) | _disc(21, 2),
    "two rings side by side": np.hstack([_disc(11, 5, 2), _disc(11, 5, 2)]),
    "hole reached through a diagonal gap": _grid(["#####", "#.###", "##.##", "#####"]),
    "u-shape": _grid(["#...#", "#...#", "#####"]),
    **{f"noise {k}": _RNG.random((7 + 4 * k, 11)) < 0.3 + 0.12 * k for k in range(5)},
}


def _textbook(mask: NDArray[np.bool_]) -> tuple[float, int, int]:
    contours = find_contours(np.pad(mask, 1).astype(np.float64), 0.5, fully_connected="high")
    perimeter = sum(float(np.hypot(*np.diff(c, axis=0).T).sum()) for c in contours)
    _, parts = ndimage.label(mask, structure=np.ones((3, 3), bool))
    background, n = ndimage.label(~np.pad(mask, 1))  # 4-connected; label 1 is the outside
    holes = n - 1 if n else 0
    assert n == 0 or background[0, 0] == 1
    return perimeter, int(parts), holes


@pytest.mark.parametrize("name", sorted(MASKS))
def test_boundary_equals_the_contours_measured_by_hand(name: str) -> None:
    got = boundary(MASKS[name])
    perimeter, parts, holes = _textbook(MASKS[name])
    assert got.perimeter == pytest.approx(perimeter, rel=1e-12)
    assert (got.outer, got.inner) == (parts, holes)


def test_one_pixel_by_hand() -> None:
    """The contour of one pixel is the diamond through its edges' midpoints: four steps of
    sqrt(2) / 2."""
    got = boundary(np.ones((1, 1), bool))
    assert got.perimeter == pytest.approx(2 * math.sqrt(2))
    assert (got.outer, got.inner) == (1, 0)


@pytest.mark.parametrize(("name", "outer", "inner"), [
    ("ring with an island", 2, 1),
    ("ring", 1, 1),
    ("hole reached through a diagonal gap", 1, 2),  # two 4-connected holes, one 8-connected
    ("diagonal pair (a saddle)", 1, 0),  # 8-connected: one part
    ("u-shape", 1, 0),
])
def test_topology_by_hand(name: str, outer: int, inner: int) -> None:
    got = boundary(MASKS[name])
    assert (got.outer, got.inner) == (outer, inner)


def test_empty_mask_raises() -> None:
    with pytest.raises(ValueError, match="empty"):
        boundary(np.zeros((4, 4), bool))
