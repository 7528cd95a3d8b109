"""Cue words: the shape table on hand-made masks, orientation, grid position, intensity, midline."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pytest
from skimage.measure import points_in_poly

from medground.geometry.components import split_components
from medground.geometry.shape import ShapeMeasures, shape_measures
from medground.stages.cue_words import (
    GRID_COLS,
    GRID_ROWS,
    MIN_INTENSITY_CONTRAST,
    SHAPE_RULES,
    CrossSection,
    RingContrast,
    body_cross_section,
    body_midline_x,
    centrality,
    default_ring_px,
    grid_cell,
    grid_phrase,
    intensity_word,
    orientation_word,
    position_word,
    ring_contrast,
    shape_word,
    touches_border,
)

# ---------------------------------------------------------------------------------------------
# hand-made shapes: r is the outer radius in pixels, angle a counter-clockwise turn on screen


def _canvas(r: float) -> int:
    return int(2 * r * 1.3) + 12


def _frame(r: float, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    n = _canvas(r)
    rows, cols = np.mgrid[0:n, 0:n]
    c = (n - 1) / 2.0
    x, y = cols - c, -(rows - c)
    t = math.radians(angle_deg)
    return x * math.cos(t) + y * math.sin(t), -x * math.sin(t) + y * math.cos(t)


def _disc(r: float, a: float) -> np.ndarray:
    u, v = _frame(r, a)
    return u**2 + v**2 <= r**2


def _ellipse(ratio: float) -> Callable[[float, float], np.ndarray]:
    def make(r: float, a: float) -> np.ndarray:
        u, v = _frame(r, a)
        return (u / r) ** 2 + (v * ratio / r) ** 2 <= 1.0

    return make


def _thin_rectangle(r: float, a: float) -> np.ndarray:  # 8:1
    u, v = _frame(r, a)
    return (np.abs(u) <= r) & (np.abs(v) <= r / 8)


def _pacman(r: float, a: float) -> np.ndarray:
    u, v = _frame(r, a)
    return (u**2 + v**2 <= r**2) & ~((u > 0) & (np.abs(v) < u))


def _clover(r: float, a: float) -> np.ndarray:
    """Three discs of radius r/2 whose centres are r/2 from the middle (they overlap)."""
    u, v = _frame(r, a)
    lobes = [math.radians(90 + 120 * k) for k in range(3)]
    return np.any(
        [
            (u - r / 2 * math.cos(t)) ** 2 + (v - r / 2 * math.sin(t)) ** 2 <= (r / 2) ** 2
            for t in lobes
        ],
        axis=0,
    )


def _star(r: float, a: float) -> np.ndarray:
    """12-point star polygon, inner radius half the outer."""
    n = _canvas(r)
    c = (n - 1) / 2.0
    k = np.arange(24)
    rad = np.where(k % 2 == 0, r, r / 2)
    th = math.radians(a) + k * math.pi / 12
    verts = np.c_[c - rad * np.sin(th), c + rad * np.cos(th)]
    rows, cols = np.mgrid[0:n, 0:n]
    return points_in_poly(np.c_[rows.ravel(), cols.ravel()], verts).reshape(n, n)


def _crescent(r: float, a: float) -> np.ndarray:
    u, v = _frame(r, a)
    return (u**2 + v**2 <= r**2) & ~((u - r / 2) ** 2 + v**2 <= r**2)


def _annulus(r: float, a: float) -> np.ndarray:
    u, v = _frame(r, a)
    q = u**2 + v**2
    return (q <= r**2) & (q >= (0.55 * r) ** 2)


def _measure(shape: Callable[[float, float], np.ndarray], r: float, a: float) -> ShapeMeasures:
    # rasterising thin horns/spikes can leave a detached 1-px tip; the pipeline drops such specks
    # before describing a region, and a multi-part mask gets no shape word, so keep the largest
    return shape_measures(split_components(shape(r, a))[0])


SIZES = [8, 20, 60]
ANGLES = [0, 30, 45, 60, 90, 135]
SHAPES = [
    ("disc", _disc, {"round"}),
    ("ellipse-2-to-1", _ellipse(2.0), {"oval"}),
    ("ellipse-5-to-1", _ellipse(5.0), {"elongated"}),
    ("rectangle-8-to-1", _thin_rectangle, {"elongated"}),
    ("pacman", _pacman, {"lobulated", "irregular"}),
    ("clover", _clover, {"lobulated"}),
    ("star", _star, {"irregular"}),
    ("crescent", _crescent, {"crescent-shaped"}),
    ("annulus", _annulus, {"ring-shaped"}),
]


@pytest.mark.parametrize("angle", ANGLES)
@pytest.mark.parametrize("r", SIZES)
@pytest.mark.parametrize(("shape", "words"), [pytest.param(s, w, id=n) for n, s, w in SHAPES])
def test_shape_words(
    shape: Callable[[float, float], np.ndarray], words: set[str], r: int, angle: int
) -> None:
    assert shape_word(_measure(shape, r, angle)) in words


@pytest.mark.parametrize("r", SIZES)
def test_notch_is_not_round_and_less_solid(r: int) -> None:
    disc, notched = _measure(_disc, r, 0), _measure(_pacman, r, 0)
    assert shape_word(notched) != "round"
    assert notched.solidity < disc.solidity - 0.1


@pytest.mark.parametrize("n", [6, 8, 12, 30])
def test_a_square_is_not_round(n: int) -> None:
    """A square's axes are 1 : 1 and its circularity 0.8 or more at small sizes; its corners
    (roundness 2 / pi at large sizes) keep it from being called round."""
    m = shape_measures(np.ones((n, n), bool))
    assert m.elongation == pytest.approx(1.0) and m.roundness < 0.8
    assert shape_word(m) != "round"


@pytest.mark.parametrize(
    "mask",
    [
        pytest.param(_disc(2.5, 0), id="too-small"),
        pytest.param(_ellipse(1.35)(40, 30), id="between-round-and-oval"),
        pytest.param(_ellipse(3.25)(40, 30), id="between-oval-and-elongated"),
        pytest.param(np.hstack([_disc(20, 0), _disc(20, 0)]), id="two-parts"),
    ],
)
def test_no_shape_word_when_unclear(mask: np.ndarray) -> None:
    assert shape_word(shape_measures(mask)) is None


def test_shape_rules_table() -> None:
    words = [rule.word for rule in SHAPE_RULES]
    assert sorted(words) == sorted(
        ["round", "oval", "elongated", "lobulated", "irregular", "crescent-shaped", "ring-shaped"]
    )
    assert words[0] == "ring-shaped"


# ---------------------------------------------------------------------------------------------
# orientation

_BASE = ShapeMeasures(
    area_px=500,
    perimeter_px=100.0,
    eq_diameter_px=25.0,
    elongation=3.0,
    circularity=0.5,
    solidity=1.0,
    convexity=1.0,
    orientation_deg=0.0,
    holes=0,
    parts=1,
)


@pytest.mark.parametrize(
    ("angle", "elongation", "word"),
    [
        (0.0, 3.0, "horizontal"),
        (20.0, 3.0, "horizontal"),
        (170.0, 3.0, "horizontal"),
        (25.0, 3.0, "oblique"),
        (45.0, 3.0, "oblique"),
        (135.0, 3.0, "oblique"),
        (70.0, 3.0, "vertical"),
        (90.0, 1.8, "vertical"),
        (110.0, 3.0, "vertical"),
        (115.0, 3.0, "oblique"),
        (90.0, 1.79, None),
        (0.0, 1.0, None),
    ],
)
def test_orientation_word(angle: float, elongation: float, word: str | None) -> None:
    m = dataclasses.replace(_BASE, orientation_deg=angle, elongation=elongation)
    assert orientation_word(m) == word


@pytest.mark.parametrize(("angle", "word"), [(0, "horizontal"), (90, "vertical"), (45, "oblique")])
def test_orientation_word_on_masks(angle: int, word: str) -> None:
    assert orientation_word(_measure(_ellipse(3.0), 30, angle)) == word


# ---------------------------------------------------------------------------------------------
# grid position

_PHRASES = {
    ("upper", "left"): "upper left",
    ("upper", "center"): "upper middle",
    ("upper", "right"): "upper right",
    ("middle", "left"): "middle left",
    ("middle", "center"): "center",
    ("middle", "right"): "middle right",
    ("lower", "left"): "lower left",
    ("lower", "center"): "lower middle",
    ("lower", "right"): "lower right",
}


@pytest.mark.parametrize("row", range(3))
@pytest.mark.parametrize("col", range(3))
def test_grid_cell_all_nine(row: int, col: int) -> None:
    cx, cy = 20.0 + 40.0 * col, 10.0 + 20.0 * row  # cell centres of a 120 x 60 image
    cell = grid_cell(cx, cy, 120, 60)
    assert cell == (GRID_ROWS[row], GRID_COLS[col])
    assert grid_phrase(*cell) == _PHRASES[cell]


@pytest.mark.parametrize(
    ("cx", "col"),
    [
        (0.0, "left"),
        (29.999, "left"),
        (30.0, "center"),
        (59.999, "center"),
        (60.0, "right"),
        (90.0, "right"),
        (-5.0, "left"),
        (95.0, "right"),
    ],
)
def test_grid_cell_third_boundaries(cx: float, col: str) -> None:
    assert grid_cell(cx, 45.0, 90, 90) == ("middle", col)
    assert grid_cell(45.0, cx, 90, 90)[0] == GRID_ROWS[GRID_COLS.index(col)]


def test_grid_phrase_rejects_unknown_cells() -> None:
    with pytest.raises(ValueError):
        grid_phrase("center", "middle")


@pytest.mark.parametrize(
    ("box", "touches"),
    [
        ((10, 10, 20, 20), False),
        ((0, 10, 20, 20), True),
        ((10, 0, 20, 20), True),
        ((10, 10, 100, 20), True),
        ((10, 10, 20, 50), True),
        ((1, 1, 99, 49), False),
    ],
)
def test_touches_border(box: tuple[int, int, int, int], touches: bool) -> None:
    assert touches_border(box, 100, 50) is touches


@pytest.mark.parametrize(
    ("cx", "cy", "value"),
    [
        (50.0, 25.0, 0.0),
        (0.0, 0.0, 1.0),
        (100.0, 50.0, 1.0),
        (100.0, 25.0, 50 / math.hypot(50, 25)),
        (-50.0, -50.0, 1.0),
    ],
)
def test_centrality(cx: float, cy: float, value: float) -> None:
    assert centrality(cx, cy, 100, 50) == pytest.approx(value)


@pytest.mark.parametrize(
    ("cx", "cy", "box", "word"),
    [
        (50.0, 50.0, (45, 45, 55, 55), "central"),
        (50.0, 50.0, (0, 40, 100, 60), "peripheral"),  # central centroid but touches the border
        (90.0, 90.0, (85, 85, 95, 95), "peripheral"),
        (70.0, 50.0, (65, 45, 75, 55), None),  # centrality 0.28: neither
        (78.0, 78.0, (73, 73, 83, 83), None),  # centrality 0.56
    ],
)
def test_position_word(
    cx: float, cy: float, box: tuple[int, int, int, int], word: str | None
) -> None:
    assert position_word(cx, cy, box, 100, 100) == word


# ---------------------------------------------------------------------------------------------
# intensity


def _disc_image(
    inside: int, outside: int, size: int = 80, r: int = 12
) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[0:size, 0:size]
    mask = (rows - size / 2) ** 2 + (cols - size / 2) ** 2 <= r**2
    return np.where(mask, inside, outside).astype(np.uint8), mask


@pytest.mark.parametrize(
    ("inside", "outside", "modality", "word"),
    [
        (200, 50, "CT", "hyperdense"),
        (200, 50, "MR", "hyperintense"),
        (200, 50, "mri", "hyperintense"),
        (200, 50, "endoscopy", "bright"),
        (50, 200, "CT", "hypodense"),
        (50, 200, "MR", "hypointense"),
        (50, 200, "dermoscopy", "dark"),
        (120, 120, "CT", None),
        (120, 100, "CT", None),  # 20/255 = 0.078 < 0.08
        (122, 100, "CT", "hyperdense"),  # 22/255 = 0.086
    ],
)
def test_ring_contrast_words(inside: int, outside: int, modality: str, word: str | None) -> None:
    image, mask = _disc_image(inside, outside)
    rc = ring_contrast(image, mask)
    assert rc is not None
    assert rc.contrast == pytest.approx((inside - outside) / 255)
    assert (rc.inside_mean, rc.ring_mean, rc.ring_std) == pytest.approx((inside, outside, 0.0))
    assert intensity_word(rc, modality) == word


def test_ring_contrast_rgb_uses_luminance() -> None:
    grey, mask = _disc_image(200, 40)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    rc = ring_contrast(rgb, mask)
    assert rc is not None
    assert rc.contrast == pytest.approx(160 / 255, abs=1e-3)
    # pure green is brighter than pure blue of the same value
    colour = np.zeros((*mask.shape, 3), np.uint8)
    colour[mask, 1] = 200
    colour[~mask, 2] = 200
    rc_colour = ring_contrast(colour, mask)
    assert rc_colour is not None and rc_colour.contrast > MIN_INTENSITY_CONTRAST
    assert intensity_word(rc_colour, "endoscopy") == "bright"


def test_ring_skips_holes_and_stays_in_the_image() -> None:
    rows, cols = np.mgrid[0:60, 0:60]
    d2 = (rows - 30) ** 2 + (cols - 30) ** 2
    mask = (d2 <= 15**2) & (d2 >= 8**2)
    image = np.full((60, 60), 50, np.uint8)
    image[mask] = 200
    image[d2 < 8**2] = 255  # a bright hole must not count as the surrounding ring
    rc = ring_contrast(image, mask, ring_px=4)
    assert rc is not None and rc.ring_mean == pytest.approx(50.0)
    corner = np.zeros((60, 60), bool)
    corner[:10, :10] = True
    assert ring_contrast(image, corner) is not None


def test_ring_contrast_none_when_mask_covers_image() -> None:
    image = np.full((20, 20), 100, np.uint8)
    assert ring_contrast(image, np.ones((20, 20), bool)) is None
    assert intensity_word(None, "CT") is None


@pytest.mark.parametrize(
    "mask", [np.zeros((20, 20), bool), np.ones((10, 20), bool)], ids=["empty", "wrong-shape"]
)
def test_ring_contrast_rejects_bad_masks(mask: np.ndarray) -> None:
    with pytest.raises(ValueError):
        ring_contrast(np.zeros((20, 20), np.uint8), mask)


@pytest.mark.parametrize(("area", "px"), [(1, 2), (314, 3), (31416, 15), (10**6, 15)])
def test_default_ring_width(area: int, px: int) -> None:
    assert default_ring_px(area) == px


def test_intensity_word_threshold_is_strict() -> None:
    rc = RingContrast(100.0, 80.0, 0.0, MIN_INTENSITY_CONTRAST)
    assert intensity_word(rc, "CT") == "hyperdense"
    assert (
        intensity_word(dataclasses.replace(rc, contrast=-MIN_INTENSITY_CONTRAST + 1e-9), "CT")
        is None
    )


# ---------------------------------------------------------------------------------------------
# body midline


def _slice(body_cx: float = 70.0) -> np.ndarray:
    """200 x 160 slice: black background, a bright off-centre 'body' ellipse with darker organs,
    and a bright 'table' bar that is a separate, smaller component."""
    rows, cols = np.mgrid[0:160, 0:200]
    x, y = cols + 0.5, rows + 0.5  # pixel centres in edge coordinates
    image = np.zeros((160, 200), np.uint8)
    body = ((x - body_cx) / 55) ** 2 + ((y - 75) / 65) ** 2 <= 1
    image[body] = 180
    image[body & (((x - body_cx + 15) / 12) ** 2 + ((y - 70) / 15) ** 2 <= 1)] = 90  # organ
    image[150:156, 140:196] = 230  # table
    return image


@pytest.mark.parametrize("cx", [70.0, 100.0, 130.5])
def test_body_midline_x(cx: float) -> None:
    x = body_midline_x(_slice(cx))
    assert x is not None and abs(x - cx) <= 2.0


def test_body_midline_x_rgb() -> None:
    x = body_midline_x(np.repeat(_slice()[..., None], 3, axis=2))
    assert x is not None and abs(x - 70.0) <= 2.0


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(np.full((50, 60), 128, np.uint8), id="constant"),
        pytest.param(np.pad(np.full((5, 5), 200, np.uint8), 40), id="body-under-5-percent"),
    ],
)
def test_body_midline_x_none(image: np.ndarray) -> None:
    assert body_midline_x(image) is None


# _slice(cx): the body spans cx - 55 .. cx + 55 of 200 columns; at 1 mm a pixel it is 110 mm wide
@pytest.mark.parametrize(("image", "pixel_mm", "expected"), [
    pytest.param(_slice(100.0), 1.0, CrossSection("whole", 100.0), id="whole"),
    pytest.param(_slice(40.0), 1.0, CrossSection("cut"), id="reaches-left-border"),
    pytest.param(_slice(170.0), 1.0, CrossSection("cut"), id="reaches-right-border"),
    pytest.param(_slice(100.0)[:, 60:140], 1.0, CrossSection("cut"), id="reaches-both-borders"),
    pytest.param(_slice(100.0), 0.5, CrossSection("narrow"), id="55-mm-outline"),
    pytest.param(np.full((50, 60), 128, np.uint8), 1.0, CrossSection("none"), id="no-body"),
])
def test_body_cross_section(image: np.ndarray, pixel_mm: float, expected: CrossSection) -> None:
    got = body_cross_section(image, pixel_mm)
    assert got.status == expected.status
    if expected.midline_x is None:
        assert got.midline_x is None and body_midline_x(image, pixel_mm) is None
    else:
        assert got.midline_x is not None and abs(got.midline_x - expected.midline_x) <= 2.0
