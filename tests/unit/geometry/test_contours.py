"""mask_contours is skimage's find_contours on the padded mask, array for array: the same
contours, in the same order, each from the same first point in the same direction."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from skimage.measure import find_contours

from medground.geometry.contours import mask_contours


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


@pytest.mark.parametrize("name", sorted(MASKS))
def test_mask_contours_equal_find_contours(name: str) -> None:
    mask = MASKS[name]
    want = find_contours(np.pad(mask, 1).astype(np.float64), 0.5, fully_connected="high")
    got = mask_contours(mask)
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def test_one_pixel_by_hand() -> None:
    """Four cells around the pixel, processed in raster order; the last one (its lower-right
    cell, top -> left edge) closes the contour, which therefore starts at (1.5, 1): below the
    pixel's centre, then clockwise on screen, and repeats that point at the end."""
    (contour,) = mask_contours(np.ones((1, 1), bool))
    assert contour.tolist() == [[1.5, 1.0], [1.0, 0.5], [0.5, 1.0], [1.0, 1.5], [1.5, 1.0]]


def test_contours_come_in_order_of_their_first_cell() -> None:
    """Outer outline first (its first cell is the top-left one), then the hole, then the
    island inside it."""
    contours = mask_contours(MASKS["ring with an island"])
    assert len(contours) == 3
    firsts = [float(c[:, 0].min()) for c in contours]
    assert firsts == sorted(firsts)


def test_empty_mask_has_no_contours() -> None:
    assert mask_contours(np.zeros((4, 4), bool)) == []
