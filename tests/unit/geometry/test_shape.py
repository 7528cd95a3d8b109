"""shape_measures on hand-made masks: size, elongation, roundness, orientation on screen, topology."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial import ConvexHull
from skimage.measure import find_contours, regionprops

from medground.geometry.shape import (
    MIN_HOLE_FRACTION,
    convex_hull,
    convex_hull_area,
    count_holes,
    moment_axes,
    screen_orientation_deg,
    shape_measures,
)


def _frame(r: float, angle_deg: float = 0.0, pad: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates (u, v) of a square canvas, rotated by ``angle_deg``
    counter-clockwise AS SEEN ON SCREEN: v points up although array rows go down."""
    n = int(2 * r * 1.3) + 2 * pad
    rows, cols = np.mgrid[0:n, 0:n]
    c = (n - 1) / 2.0
    x, y = cols - c, -(rows - c)
    t = math.radians(angle_deg)
    return x * math.cos(t) + y * math.sin(t), -x * math.sin(t) + y * math.cos(t)


def _ellipse(r: float, ratio: float = 1.0, angle_deg: float = 0.0) -> np.ndarray:
    u, v = _frame(r, angle_deg)
    return (u / r) ** 2 + (v * ratio / r) ** 2 <= 1.0


def _annulus(r: float, inner: float = 0.55) -> np.ndarray:
    u, v = _frame(r)
    q = u**2 + v**2
    return (q <= r**2) & (q >= (inner * r) ** 2)


def _pacman(r: float) -> np.ndarray:
    """Disc with a quarter wedge (facing right) removed."""
    u, v = _frame(r)
    wedge = (u > 0) & (np.abs(v) < u)
    return (u**2 + v**2 <= r**2) & ~wedge


def _angle_diff(a: float, b: float) -> float:
    d = abs(a - b) % 180.0
    return min(d, 180.0 - d)


@pytest.mark.parametrize("r", [8, 20, 60])
def test_disc_is_round_and_compact(r: int) -> None:
    m = shape_measures(_ellipse(r))
    assert m.circularity > 0.85
    assert m.elongation < 1.1
    assert m.solidity == pytest.approx(1.0)
    assert m.convexity > 0.93
    assert m.eq_diameter_px == pytest.approx(2 * r, rel=0.05)
    assert (m.holes, m.parts) == (0, 1)


@pytest.mark.parametrize("angle", [0, 30, 45, 90, 135])
@pytest.mark.parametrize("r", [8, 20, 60])
def test_ellipse_5_to_1_elongation(r: int, angle: int) -> None:
    m = shape_measures(_ellipse(r, 5.0, angle))
    assert 4.5 <= m.elongation <= 5.5
    assert m.circularity < 0.5


@pytest.mark.parametrize("angle", [0, 30, 60, 90, 135])
@pytest.mark.parametrize(("r", "ratio"), [(20, 3.0), (60, 2.0), (60, 5.0)])
def test_orientation_is_counter_clockwise_on_screen(r: int, ratio: float, angle: int) -> None:
    m = shape_measures(_ellipse(r, ratio, angle))
    assert 0.0 <= m.orientation_deg < 180.0
    assert _angle_diff(m.orientation_deg, angle) < 5.0


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        # a band from lower-left to upper-right on screen: row index falls as column rises
        pytest.param(
            np.fliplr(np.eye(40, dtype=bool) | np.eye(40, k=1, dtype=bool)), 45.0, id="rising"
        ),
        pytest.param(np.eye(40, dtype=bool) | np.eye(40, k=1, dtype=bool), 135.0, id="falling"),
        pytest.param(np.pad(np.ones((4, 30), bool), 3), 0.0, id="horizontal-bar"),
        pytest.param(np.pad(np.ones((30, 4), bool), 3), 90.0, id="vertical-bar"),
    ],
)
def test_orientation_on_plain_arrays(mask: np.ndarray, expected: float) -> None:
    assert _angle_diff(shape_measures(mask).orientation_deg, expected) < 1.0


@pytest.mark.parametrize(
    ("skimage_rad", "screen_deg"),
    [
        (math.pi / 2, 0.0),
        (-math.pi / 2, 0.0),
        (0.0, 90.0),
        (-math.pi / 4, 45.0),
        (math.pi / 4, 135.0),
    ],
)
def test_screen_orientation_conversion(skimage_rad: float, screen_deg: float) -> None:
    assert screen_orientation_deg(skimage_rad) == pytest.approx(screen_deg)


@pytest.mark.parametrize("r", [8, 20, 60])
def test_annulus_has_one_hole(r: int) -> None:
    m = shape_measures(_annulus(r))
    assert (m.holes, m.parts) == (1, 1)
    assert m.convexity < 0.7  # the inner boundary counts in the perimeter


def test_holes_count_each_enclosed_region_and_ignore_pinholes() -> None:
    mask = np.zeros((40, 80), bool)
    mask[5:35, 5:75] = True
    mask[10:20, 10:20] = False
    mask[10:20, 50:60] = False
    assert shape_measures(mask).holes == 2
    speck = mask.copy()
    speck[28, 40] = False  # 1 px < MIN_HOLE_FRACTION of the filled area
    assert MIN_HOLE_FRACTION * speck.sum() > 1
    assert shape_measures(speck).holes == 2
    assert count_holes(speck, min_fraction=0.0) == 3


def test_diagonal_gap_is_not_a_hole() -> None:
    # the background pixel at (2, 2) reaches the outside only through the diagonal (1, 1)
    mask = np.array(
        [
            [1, 1, 1, 1, 1],
            [1, 0, 1, 1, 1],
            [1, 1, 0, 1, 1],
            [1, 1, 1, 1, 1],
        ],
        dtype=bool,
    )
    mask[0, 0] = False
    assert shape_measures(mask).holes == 0


def test_holes_in_every_part_are_counted() -> None:
    two_rings = np.hstack([_annulus(20), _annulus(20)])
    m = shape_measures(two_rings)
    assert (m.holes, m.parts) == (2, 2)


@pytest.mark.parametrize(
    ("mask", "parts"),
    [
        pytest.param(np.hstack([_ellipse(10), _ellipse(10)]), 2, id="two-discs"),
        pytest.param(np.eye(5, dtype=bool), 1, id="diagonal-pixels-are-8-connected"),
        pytest.param(np.array([[1, 0, 1]], dtype=bool), 2, id="gap"),
    ],
)
def test_parts_are_8_connected(mask: np.ndarray, parts: int) -> None:
    assert shape_measures(mask).parts == parts


def test_multi_part_mask_is_measured_as_one_object() -> None:
    m = shape_measures(np.hstack([_ellipse(10), np.zeros((38, 20), bool), _ellipse(10)]))
    assert m.parts == 2
    assert m.elongation > 2.0
    assert _angle_diff(m.orientation_deg, 0.0) < 1.0
    assert m.solidity < 0.8  # against the hull of both parts


@pytest.mark.parametrize("r", [8, 20, 60])
def test_notch_lowers_solidity(r: int) -> None:
    disc, notched = shape_measures(_ellipse(r)), shape_measures(_pacman(r))
    assert notched.solidity < disc.solidity - 0.1
    assert notched.convexity < disc.convexity
    assert notched.circularity < disc.circularity


@pytest.mark.parametrize(
    "mask",
    [
        pytest.param(np.ones((1, 1), bool), id="pixel-alone"),
        pytest.param(np.pad(np.ones((1, 1), bool), 4), id="pixel"),
        pytest.param(np.pad(np.ones((1, 25), bool), 2), id="horizontal-line"),
        pytest.param(np.pad(np.ones((25, 1), bool), 2), id="vertical-line"),
        pytest.param(np.eye(25, dtype=bool), id="diagonal-line"),
        pytest.param(np.array([[1, 1], [1, 0]], bool), id="l-tromino"),
    ],
)
def test_degenerate_masks_do_not_crash(mask: np.ndarray) -> None:
    m = shape_measures(mask)
    assert m.area_px == int(mask.sum())
    assert m.elongation >= 1.0
    assert 0.0 < m.solidity <= 1.0
    assert 0.0 <= m.circularity <= 1.0
    assert 0.0 < m.convexity <= 1.0
    assert 0.0 <= m.orientation_deg < 180.0
    assert (m.holes, m.parts) == (0, 1)


@pytest.mark.parametrize(
    ("mask", "angle"),
    [
        (np.pad(np.ones((1, 25), bool), 2), 0.0),
        (np.pad(np.ones((25, 1), bool), 2), 90.0),
        (np.fliplr(np.eye(25, dtype=bool)), 45.0),
    ],
)
def test_one_pixel_wide_line_is_very_elongated(mask: np.ndarray, angle: float) -> None:
    m = shape_measures(mask)
    assert m.elongation > 10.0
    assert math.isfinite(m.elongation)
    assert _angle_diff(m.orientation_deg, angle) < 1.0


def test_single_pixel_measures() -> None:
    m = shape_measures(np.pad(np.ones((1, 1), bool), 2))
    assert (m.area_px, m.elongation, m.solidity, m.circularity) == (1, 1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    "mask",
    [
        pytest.param(np.zeros((5, 5), bool), id="empty"),
        pytest.param(np.zeros((0, 0), bool), id="zero-size"),
        pytest.param(np.ones((3, 3, 3), bool), id="3d"),
    ],
)
def test_bad_masks_raise(mask: np.ndarray) -> None:
    with pytest.raises(ValueError):
        shape_measures(mask)


# --- the fast paths equal the definitions they replace ----------------------------------------


def _corners(n: int) -> np.ndarray:
    m = np.zeros((n, n), bool)
    m[0, 0] = m[0, -1] = m[-1, 0] = True
    return m


_PLUS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool)
_RNG = np.random.default_rng(3)
HARD = {
    "pixel": np.ones((1, 1), bool),
    "two pixels": np.array([[1, 0, 0], [0, 0, 1]], bool),
    "l-tromino": np.array([[1, 1], [1, 0]], bool),
    "plus": _PLUS,
    "three corners": _corners(5),
    "horizontal line": np.ones((1, 9), bool),
    "diagonal line": np.eye(7, dtype=bool),
    "annulus": _annulus(12),
    "pacman": _pacman(15),
    "two discs": np.hstack([_ellipse(6), np.zeros((27, 5), bool), _ellipse(6)]),
    "ellipse 5:1 at 30": _ellipse(20, 5.0, 30),
    **{f"noise {k}": _RNG.random((9 + 3 * k, 14)) < 0.3 + 0.15 * k for k in range(4)},
}


@pytest.mark.parametrize(("mask", "pixels"), [
    pytest.param(np.ones((3, 3), bool), 9, id="square"),
    pytest.param(_PLUS, 5, id="plus: the diamond |dx| + |dy| <= 1"),
    pytest.param(_corners(5), 15, id="three corners: the triangle x + y <= 4"),
    pytest.param(np.array([[1, 1], [1, 0]], bool), 3, id="l-tromino"),
    pytest.param(np.eye(4, dtype=bool), 4, id="a line is its own hull"),
    pytest.param(np.ones((1, 1), bool), 1, id="pixel"),
])
def test_convex_hull_area_by_hand(mask: np.ndarray, pixels: int) -> None:
    assert convex_hull_area(mask) == pixels


@pytest.mark.parametrize("name", sorted(HARD))
def test_convex_hull_area_counts_the_drawn_hull(name: str) -> None:
    assert convex_hull_area(HARD[name]) == int(convex_hull(HARD[name]).sum())


@pytest.mark.parametrize("name", sorted(HARD))
def test_moment_axes_equal_regionprops(name: str) -> None:
    mask = HARD[name]
    ys, xs = np.nonzero(mask)
    crop = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    props = regionprops(crop.astype(np.uint8))[0]
    # exact integer moments here, float sums in skimage: equal to the last bits or so
    assert moment_axes(crop) == pytest.approx(
        (props.axis_major_length, props.axis_minor_length, props.orientation),
        rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", sorted(HARD))
@pytest.mark.parametrize("min_fraction", [0.0, MIN_HOLE_FRACTION, 0.2])
def test_count_holes_equals_the_filled_definition(name: str, min_fraction: float) -> None:
    mask = HARD[name]
    square = ndimage.generate_binary_structure(2, 2)
    filled = ndimage.binary_fill_holes(mask, structure=square)
    labelled, _ = ndimage.label(filled & ~mask, structure=square)
    sizes = np.bincount(labelled.ravel())[1:]
    floor = max(1, math.ceil(round(min_fraction * int(filled.sum()), 6)))
    assert count_holes(mask, min_fraction) == int((sizes >= floor).sum())


@pytest.mark.parametrize("name", sorted(HARD))
def test_shape_measures_do_not_depend_on_the_margin(name: str) -> None:
    """Measured on the tight crop, in a larger image or against any border: the same floats."""
    mask = HARD[name]
    want = shape_measures(mask)
    assert shape_measures(np.pad(mask, ((3, 0), (0, 5)))) == want
    assert shape_measures(np.pad(mask, 7)) == want


def _contour_points(mask: np.ndarray) -> np.ndarray:
    return np.vstack(find_contours(np.pad(mask, 1).astype(np.float64), 0.5,
                                   fully_connected="high"))


@pytest.mark.parametrize("name", sorted(HARD))
def test_convexity_and_roundness_from_the_contour_points_by_brute_force(name: str) -> None:
    """Convexity: qhull's perimeter of every contour point over the contours' length;
    roundness: the Feret diameter as the longest distance between any two contour points."""
    mask = HARD[name]
    contours = find_contours(np.pad(mask, 1).astype(np.float64), 0.5, fully_connected="high")
    length = sum(float(np.hypot(*np.diff(c, axis=0).T).sum()) for c in contours)
    points = np.vstack(contours)
    hull_length = min(float(ConvexHull(points).area), length)
    feret = max(math.dist(p, q) for p, q in itertools.combinations(points.tolist(), 2))
    m = shape_measures(mask)
    assert m.convexity == pytest.approx(hull_length / length, rel=1e-12)
    area = int(mask.sum())
    assert m.roundness == pytest.approx(
        min(1.0, 4.0 * area / (math.pi * max(feret, 1.0) ** 2)), rel=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_solidity_parts_and_holes_on_random_blobs(seed: int) -> None:
    """Noise blobs (several parts, holes of every size): solidity against the drawn
    pixel-centre hull, parts against 8-connected labelling, holes against the definition."""
    rng = np.random.default_rng(100 + seed)
    mask = ndimage.binary_opening(rng.random((40, 50)) < 0.55 + 0.02 * seed)
    if not mask.any():
        return
    m = shape_measures(mask)
    assert m.solidity == pytest.approx(int(mask.sum()) / int(convex_hull(mask).sum()))
    assert m.parts == ndimage.label(mask, structure=np.ones((3, 3), bool))[1]
    assert m.holes == count_holes(mask)
