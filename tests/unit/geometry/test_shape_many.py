"""shape_measures_many (every mask of a view on one canvas) gives exactly, float for float, what
shape_measures gives each mask alone (itself checked against skimage in test_shape.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from medground.geometry.packed import layout, pixel_moments
from medground.geometry.shape import shape_measures, shape_measures_many


def _disc(r: int) -> np.ndarray:
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return np.asarray(yy**2 + xx**2 <= r * r)


def _annulus() -> np.ndarray:
    m = _disc(9)
    m[6:13, 6:13] = False
    return m


def _two_parts() -> np.ndarray:
    m = np.zeros((12, 20), bool)
    m[1:5, 1:6] = m[6:11, 12:19] = True
    return m


def _gap_column() -> np.ndarray:  # a multi-part mask with an empty column in the middle
    m = np.zeros((5, 9), bool)
    m[:, :4] = m[1:3, 5:] = True
    return m


def _blob(seed: int, size: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = ndimage.gaussian_filter(rng.random((size, size)), 3) > 0.5
    return m if m.any() else _disc(3)


def _noise(seed: int) -> np.ndarray:  # jagged, holes, many parts
    m = np.random.default_rng(seed).random((30, 35)) > 0.45
    m[0, 0] = True
    return m


def _wide() -> np.ndarray:  # more columns than a small chain
    m = np.zeros((40, 400), bool)
    yy, xx = np.mgrid[:40, :400]
    m[(yy - 20) ** 2 / 18**2 + (xx - 200) ** 2 / 199**2 <= 1] = True
    m[5:9, 390:] = True
    return m


def _margin(m: np.ndarray) -> np.ndarray:  # the same mask in a crop with empty margins
    return np.pad(m, ((3, 1), (2, 5)))


MASKS: dict[str, np.ndarray] = {
    "pixel": np.ones((1, 1), bool),
    "row": np.ones((1, 7), bool),
    "column": np.ones((6, 1), bool),
    "diagonal": np.eye(8, dtype=bool),
    "anti-diagonal": np.eye(5, dtype=bool)[::-1],
    "square": np.ones((6, 6), bool),
    "disc": _disc(12),
    "annulus": _annulus(),
    "two parts": _two_parts(),
    "empty column": _gap_column(),
    "L": np.pad(np.ones((8, 3), bool), ((0, 0), (0, 6))) | np.pad(np.ones((2, 9), bool),
                                                                  ((6, 0), (0, 0))),
    "wide": _wide(),
    "margin": _margin(_disc(5)),
    **{f"blob {s}": _blob(s) for s in range(6)},
    **{f"noise {s}": _noise(s) for s in range(3)},
}


@pytest.mark.parametrize("name", list(MASKS))
def test_one_mask_alone(name: str) -> None:
    assert shape_measures_many([MASKS[name]]) == [shape_measures(MASKS[name])]


def test_every_mask_together_in_any_order() -> None:
    names = list(MASKS)
    want = [shape_measures(MASKS[n]) for n in names]
    assert shape_measures_many([MASKS[n] for n in names]) == want
    order = np.random.default_rng(1).permutation(len(names)).tolist()
    assert shape_measures_many([MASKS[names[i]] for i in order]) == [want[i] for i in order]


def test_random_views() -> None:
    rng = np.random.default_rng(5)
    for _ in range(30):
        masks = [_blob(int(s), int(rng.integers(8, 60))) for s in rng.integers(0, 10**6, 12)]
        assert shape_measures_many(masks) == [shape_measures(m) for m in masks]


def test_given_moments_are_used_as_measured() -> None:
    """Moments measured beforehand (extract_regions') give the same measures; a wrong count
    is refused; moments that are not the masks' change the measures (they are read)."""
    rng = np.random.default_rng(8)
    masks = [_blob(int(s), int(rng.integers(8, 60))) for s in rng.integers(0, 10**6, 9)]
    moments = pixel_moments(masks)
    assert shape_measures_many(masks, moments) == [shape_measures(m) for m in masks]
    with pytest.raises(ValueError, match="moments"):
        shape_measures_many(masks, moments[:-1])
    swapped = [moments[1], moments[0], *moments[2:]]
    assert shape_measures_many(masks, swapped)[0] != shape_measures(masks[0])


def test_empty_mask_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        shape_measures_many([_disc(2), np.zeros((3, 3), bool)])
    assert shape_measures_many([]) == []


def test_layout_by_hand() -> None:
    lay = layout([(2, 3), (4, 1)], gap=2)
    assert lay.shape == (4, 2 + 3 + 2 + 1 + 2)
    assert lay.x0.tolist() == [2, 7]
    assert lay.column_tile.tolist() == [-1, -1, 0, 0, 0, -1, -1, 1, -1, -1]
    inside = np.ones(lay.shape, bool)
    lay.clear_outside(inside)
    assert inside.sum() == 2 * 3 + 4 * 1
    assert inside[:2, 2:5].all() and not inside[2:, 2:5].any() and inside[:, 7].all()
    canvas = lay.place([np.full((2, 3), 5), np.arange(4).reshape(4, 1)], np.int64)
    assert lay.tile_sums(canvas > 0).tolist() == [6, 3]
    assert lay.tile_sums(inside, canvas).tolist() == [30, 6]


def _pinhole() -> np.ndarray:
    m = np.ones((30, 30), bool)
    m[10, 10] = False  # a 1-pixel hole: under MIN_HOLE_FRACTION, not counted in ``holes``
    return m


def _diagonal_leak() -> np.ndarray:
    m = np.ones((5, 5), bool)
    m[2, 2] = m[1, 1] = m[0, 0] = False  # 4-connected holes, reaching the edge diagonally only
    return m


@pytest.mark.parametrize(("mask", "encloses", "holes"), [
    (_disc(6), False, 0), (_annulus(), True, 1), (_pinhole(), True, 0),
    (_two_parts(), False, 0), (_diagonal_leak(), True, 0),
])
def test_encloses_any_background(mask: np.ndarray, encloses: bool, holes: int) -> None:
    """``encloses``: some background 4-connected away from the edge, however small; what the
    ring's hole filling needs (no 4-connected hole, no 8-connected one)."""
    m = shape_measures(mask)
    assert (m.encloses, m.holes) == (encloses, holes)
    assert shape_measures_many([mask])[0].encloses == encloses
    filled = ndimage.binary_fill_holes(mask)
    assert bool((filled & ~mask).any()) == encloses


def test_layout_with_a_gap_each() -> None:
    lay = layout([(2, 3), (1, 2), (3, 1)], gap=[0, 4, 0, 2])
    assert lay.x0.tolist() == [0, 7, 9]
    assert lay.shape == (3, 3 + 4 + 2 + 0 + 1 + 2)
    assert lay.column_tile.tolist() == [0, 0, 0, -1, -1, -1, -1, 1, 1, 2, -1, -1]
    with pytest.raises(ValueError, match="gaps"):
        layout([(1, 1)], gap=[1])


def test_clear_outside_keeps_only_the_tiles() -> None:
    for gaps in ([0, 4, 0, 2], [3, 0, 1, 0], [0, 0, 0, 0]):
        lay = layout([(2, 3), (1, 2), (3, 1)], gap=gaps)
        canvas = np.ones(lay.shape, bool)
        lay.clear_outside(canvas)
        tile = lay.column_tile[None, :]
        in_tile = np.arange(lay.shape[0])[:, None] < np.where(
            tile >= 0, lay.heights[np.maximum(tile, 0)], 0)
        assert (canvas == in_tile).all(), gaps
