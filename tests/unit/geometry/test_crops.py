"""Crop-based morphology equals its whole-image definition: windows stop at the image edge,
hole filling from one labelling equals scipy's, growth by a disc from the distance transform
equals the dilation by skimage's disk, on masks that touch borders and corners, have holes
(and notches open to the border), come in fragments, nest, or are one pixel."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import ndimage
from skimage.morphology import disk

from medground.geometry.boxes import mask_to_box
from medground.geometry.crops import (
    CROSS,
    SQUARE,
    box_of_mask,
    enclosed_background,
    fill_holes,
    grow_diamond,
    grow_disc,
    one_run_per_row,
    window,
)

H, W = 24, 30


def _grid(rows: list[str]) -> NDArray[np.bool_]:
    return np.array([[c == "#" for c in row] for row in rows], dtype=bool)


def _ring(cy: int, cx: int, r_out: int, r_in: int) -> NDArray[np.bool_]:
    yy, xx = np.mgrid[:H, :W]
    d2 = (yy - cy) ** 2 + (xx - cx) ** 2
    return (d2 <= r_out**2) & (d2 > r_in**2)


def _box_mask(y1: int, y2: int, x1: int, x2: int) -> NDArray[np.bool_]:
    m = np.zeros((H, W), bool)
    m[y1:y2, x1:x2] = True
    return m


def _hard_masks() -> dict[str, NDArray[np.bool_]]:
    """Whole-image masks that stress crops: every border, every corner, holes, holes cut open
    by the border, fragments, nesting, a single pixel, the whole image."""
    out = {
        "one pixel": _box_mask(10, 11, 12, 13),
        "one pixel in a corner": _box_mask(0, 1, 0, 1),
        "one pixel in the far corner": _box_mask(H - 1, H, W - 1, W),
        "whole image": np.ones((H, W), bool),
        "ring": _ring(12, 15, 7, 3),
        "ring cut by the top border": _ring(2, 15, 7, 3),  # its hole is open to the border
        "ring in the top-left corner": _ring(4, 4, 5, 2),  # the hole stays closed
        "ring cut by the left and bottom borders": _ring(H - 2, 1, 6, 3),
        "frame on the whole border": ~_box_mask(1, H - 1, 1, W - 1),
        "two fragments": _box_mask(2, 6, 2, 6) | _box_mask(15, 20, 20, 28),
        "nested: ring with an island": _ring(12, 15, 9, 5) | _box_mask(11, 14, 14, 17),
        "diagonal hole": _box_mask(5, 12, 5, 12) & ~(_box_mask(7, 8, 7, 8) | _box_mask(8, 9, 8, 9)),
        "thin line on the right border": _box_mask(0, H, W - 1, W),
    }
    # a hole that reaches the background only through a diagonal gap: 4-connected a hole,
    # 8-connected not
    notch = _box_mask(4, 11, 4, 11)
    notch[6:9, 6:9] = False
    notch[9, 9] = False
    notch[10, 10] = False
    out["hole open through a diagonal gap"] = notch
    for name, flip in (("bottom-right", (0, 1)), ("bottom", (0,)), ("right", (1,))):
        out[f"ring in the {name} corner"] = np.flip(_ring(4, 4, 5, 2), axis=flip)
    rng = np.random.default_rng(7)
    for k in range(4):
        out[f"noise {k}"] = rng.random((H, W)) < 0.35 + 0.1 * k
    return out


HARD = _hard_masks()


def _crop(mask: NDArray[np.bool_]) -> tuple[NDArray[np.bool_], tuple[int, int, int, int]]:
    box = mask_to_box(mask)
    assert box is not None
    return mask[box[1]:box[3], box[0]:box[2]], box


@pytest.mark.parametrize(("box", "margin", "rows", "cols"), [
    ((5, 6, 9, 10), 0, (6, 10), (5, 9)),
    ((5, 6, 9, 10), 3, (3, 13), (2, 12)),
    ((0, 0, 4, 4), 2, (0, 6), (0, 6)),  # the top-left corner: nothing before the image
    ((26, 20, 30, 24), 5, (15, 24), (21, 30)),  # the bottom-right corner: nothing after it
    ((0, 0, W, H), 15, (0, H), (0, W)),
])
def test_window_is_the_grown_box_clipped_to_the_image(
        box: tuple[int, int, int, int], margin: int, rows: tuple[int, int],
        cols: tuple[int, int]) -> None:
    r, c = window(box, margin, (H, W))
    assert (r.start, r.stop) == rows and (c.start, c.stop) == cols


@pytest.mark.parametrize("name", sorted(HARD))
def test_box_of_mask_equals_mask_to_box(name: str) -> None:
    assert box_of_mask(HARD[name]) == mask_to_box(HARD[name])


def test_box_of_empty_mask_is_none() -> None:
    assert box_of_mask(np.zeros((H, W), bool)) is None


@pytest.mark.parametrize("name", sorted(HARD))
@pytest.mark.parametrize("structure", [CROSS, SQUARE], ids=["4-connected", "8-connected"])
def test_fill_holes_equals_scipy_on_the_whole_image_and_on_the_box(
        name: str, structure: NDArray[np.bool_]) -> None:
    mask = HARD[name]
    whole = ndimage.binary_fill_holes(mask, structure=structure)
    np.testing.assert_array_equal(fill_holes(mask, structure), whole)
    crop, (x1, y1, x2, y2) = _crop(mask)
    # a single region's box needs no margin: outside the box is background joined to the border
    np.testing.assert_array_equal(fill_holes(crop, structure), whole[y1:y2, x1:x2])
    assert not whole[~np.pad(np.ones_like(crop), ((y1, H - y2), (x1, W - x2)))].any()


@pytest.mark.parametrize(("structure", "holes"), [(CROSS, 2), (SQUARE, 1)],
                         ids=["4-connected", "8-connected"])
def test_enclosed_background_by_hand(structure: NDArray[np.bool_], holes: int) -> None:
    """A closed 1-pixel hole, and a 1-pixel pocket open to the outside only diagonally: a
    hole for 4-connected background, not for 8-connected."""
    mask = _grid([
        "#####.",
        "#.##.#",
        "######",
    ])
    labelled, enclosed = enclosed_background(mask, structure)
    assert int(enclosed.sum()) == holes
    assert enclosed[labelled[1, 1]]  # the closed hole, either way
    assert bool(enclosed[labelled[1, 4]]) == (holes == 2)


@pytest.mark.parametrize("name", sorted(HARD))
@pytest.mark.parametrize("radius", [0, 1, 2, 3, 4, 7, 10, 15, 40])
def test_grow_disc_equals_the_disk_dilation(name: str, radius: int) -> None:
    mask = HARD[name]
    whole = ndimage.binary_dilation(mask, structure=disk(radius))
    np.testing.assert_array_equal(grow_disc(mask, radius), whole)
    # on the box plus a margin of the radius, clipped to the image: the same pixels
    _, box = _crop(mask)
    win = window(box, radius, mask.shape)
    np.testing.assert_array_equal(grow_disc(mask[win], radius), whole[win])
    assert int(whole.sum()) == int(grow_disc(mask[win], radius).sum())


def test_grow_disc_by_hand() -> None:
    one = np.zeros((5, 5), bool)
    one[2, 2] = True
    # radius 2: offsets with dx**2 + dy**2 <= 4, a 13-pixel diamond-like disc
    assert int(grow_disc(one, 2).sum()) == 13
    assert not grow_disc(np.zeros((3, 3), bool), 2).any()


@pytest.mark.parametrize(("rows", "expected"), [
    (["###", ".#.", "..."], True),
    (["#.#", "###"], False),  # two runs in the first row (a notch, no hole)
    (["...", "..."], True),
    (["#", "#"], True),
    ([".##.", "##.."], True),
])
def test_one_run_per_row_by_hand(rows: list[str], expected: bool) -> None:
    mask = np.array([[c == "#" for c in r] for r in rows], dtype=bool)
    assert one_run_per_row(mask) is expected


@pytest.mark.parametrize("name", sorted(HARD))
@pytest.mark.parametrize("radius", [0, 1, 2, 3, 30])
def test_grow_diamond_equals_iterated_cross_dilation(name: str, radius: int) -> None:
    mask = HARD[name]
    want = ndimage.binary_dilation(mask, iterations=radius) if radius else mask
    np.testing.assert_array_equal(grow_diamond(mask, radius), want)

