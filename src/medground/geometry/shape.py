"""Shape measures of a 2D mask: size, elongation, roundness, convexity, orientation, topology.

All measures are in pixels of the saved image (x right, y down in the array). Orientation is
reported as seen on screen: degrees counter-clockwise from the horizontal, in ``[0, 180)``.

Multi-part masks are measured as one object: second moments (elongation, orientation) come
from all parts together and solidity/convexity from the convex hull of all parts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.spatial import ConvexHull
from skimage.measure import inertia_tensor, inertia_tensor_eigvals
from skimage.measure import moments_central as central_moments
from skimage.morphology import convex_hull_image

from medground.geometry.boxes import mask_to_box
from medground.geometry.contours import mask_contours
from medground.geometry.crops import SQUARE, enclosed_background

_SQUARE = ndimage.generate_binary_structure(2, 2)
_MIN_MINOR_AXIS = 1e-6
#: holes smaller than this fraction of the hole-filled area are segmentation noise, not holes
MIN_HOLE_FRACTION: Final = 0.01


@dataclass(frozen=True)
class ShapeMeasures:
    """Measured shape of one mask (see :func:`shape_measures`)."""

    area_px: int
    perimeter_px: float
    eq_diameter_px: float
    elongation: float
    circularity: float
    solidity: float
    convexity: float
    orientation_deg: float
    holes: int
    parts: int
    roundness: float = 1.0  # area / area of the circle on the longest (Feret) diameter


def count_holes(mask: NDArray[np.bool_], min_fraction: float = MIN_HOLE_FRACTION) -> int:
    """Enclosed background regions of at least ``min_fraction`` of the hole-filled area (and
    at least 1 pixel).

    Background is 8-connected here: a notch that reaches the outside only through a diagonal
    gap between two pixels is not a hole, so jagged boundaries do not create pinhole "holes".
    """
    mask = np.asarray(mask, dtype=bool)
    labelled, enclosed = enclosed_background(mask, SQUARE)
    sizes = np.bincount(labelled.ravel(), minlength=enclosed.size)[enclosed]
    if sizes.size == 0:
        return 0
    min_area = max(1, math.ceil(round(min_fraction * (int(mask.sum()) + int(sizes.sum())), 6)))
    return int((sizes >= min_area).sum())


def count_parts(mask: NDArray[np.bool_]) -> int:
    """8-connected foreground components."""
    _, n = ndimage.label(mask, structure=_SQUARE)
    return int(n)


def _contours(mask: NDArray[np.bool_]) -> list[NDArray[np.float64]]:
    """Marching-squares contours at 0.5 of ``mask`` padded by one pixel (8-connected
    foreground): the sub-pixel boundary every length measure here uses."""
    return mask_contours(mask)  # find_contours(np.pad(mask, 1), 0.5, "high"), exactly


def _lengths(contours: list[NDArray[np.float64]]) -> tuple[float, float, ConvexHull]:
    """(perimeter, hull perimeter, hull) of the contour points (see :func:`boundary_lengths`)."""
    length = sum(float(np.hypot(*np.diff(c, axis=0).T).sum()) for c in contours)
    # contours of a non-empty mask always enclose some area, so the hull is never degenerate
    hull = ConvexHull(np.vstack(contours))
    return length, min(float(hull.area), length), hull  # 2D: "area" is the perimeter


def boundary_lengths(mask: NDArray[np.bool_]) -> tuple[float, float]:
    """(perimeter, convex-hull perimeter) of the sub-pixel boundary of ``mask``.

    The boundary is the marching-squares contour at 0.5 (skimage ``find_contours``, 8-connected
    foreground), outer and hole contours together; the hull is the convex polygon of all contour
    points. Both lengths come from the same polygonal boundary, so their ratio stays <= 1 and
    does not drift with size the way staircase-perimeter estimates of a rasterised hull do.
    """
    length, hull_length, _ = _lengths(_contours(mask))
    return length, hull_length


def _feret(points: NDArray[np.float64], hull: ConvexHull | None) -> float:
    """Longest distance between two of ``points`` (only hull vertices can be the ends)."""
    if hull is not None:
        points = points[hull.vertices]
    diffs = points[:, None, :] - points[None, :, :]
    return float(np.sqrt((diffs**2).sum(-1)).max())


def feret_diameter(mask: NDArray[np.bool_]) -> float:
    """Longest distance across the sub-pixel boundary (marching-squares contour at 0.5)."""
    points = np.vstack(_contours(mask))
    if len(points) >= 3 and np.linalg.matrix_rank(points - points[0]) == 2:
        return _feret(points, ConvexHull(points))
    return _feret(points, None)


def convex_hull(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Convex hull of all pixel centres (all parts together), never smaller than ``mask``.

    Pixel-centre hulls (``offset_coordinates=False``) make convex masks fully solid at any size;
    skimage's default pixel-corner hull pads small masks and lowers their solidity.
    """
    coords = np.argwhere(mask)
    if coords.shape[0] < 3 or np.linalg.matrix_rank(coords - coords[0]) < 2:
        return mask  # a point or a straight line is its own hull
    hull: NDArray[np.bool_] = convex_hull_image(mask, offset_coordinates=False)
    return hull | mask


def _collinear(points: NDArray[np.int64]) -> bool:
    """Do integer points lie on one line (or are fewer than 3)? Exact cross products."""
    d = points - points[0]
    nonzero = np.flatnonzero(d.any(axis=1))
    if points.shape[0] < 3 or nonzero.size == 0:
        return True
    dx, dy = d[nonzero[0]]
    return not bool((d[:, 0] * dy - d[:, 1] * dx).any())


def _extreme_pixels(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """(row, col) of the first and last pixel of every row and column, each once: every
    vertex of the pixel-centre hull is among them (the candidates of skimage's hull)."""
    h, w = mask.shape
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    by_row = mask[rows]
    by_col = mask[:, cols]
    flat = np.concatenate([
        rows * w + by_row.argmax(axis=1), rows * w + (w - 1 - by_row[:, ::-1].argmax(axis=1)),
        by_col.argmax(axis=0) * w + cols, (h - 1 - by_col[::-1].argmax(axis=0)) * w + cols])
    unique = np.unique(flat)  # repeated points can trouble qhull (skimage drops them too)
    return np.stack([unique // w, unique % w], axis=1).astype(np.int64)


def convex_hull_area(mask: NDArray[np.bool_]) -> int:
    """Pixels of :func:`convex_hull` (``convex_hull(mask).sum()``) without drawing it.

    The hull of pixel centres is a polygon with integer vertices and a pixel is in it when its
    centre is inside or on the boundary, so Pick's theorem counts them exactly: inside + on the
    boundary = A + B / 2 + 1, with A the polygon's area and B = sum over edges of
    gcd(|dx|, |dy|), the lattice points on its edges. Every pixel of the mask is such a point,
    so the union with the mask adds none.
    """
    mask = np.asarray(mask, dtype=bool)
    points = _extreme_pixels(mask)
    if _collinear(points):
        return int(mask.sum())  # a point or a straight line is its own hull
    v = points[ConvexHull(points).vertices]
    nxt = np.roll(v, -1, axis=0)
    twice_area = abs(int((v[:, 0] * nxt[:, 1] - nxt[:, 0] * v[:, 1]).sum()))
    on_edges = int(np.gcd(np.abs(nxt[:, 0] - v[:, 0]), np.abs(nxt[:, 1] - v[:, 1])).sum())
    return (twice_area + on_edges) // 2 + 1


def screen_orientation_deg(skimage_orientation: float) -> float:
    """skimage's ``orientation`` (radians from the row axis to the major axis) to degrees
    counter-clockwise from the screen horizontal, in ``[0, 180)``.

    skimage gives +-pi/2 for a horizontal major axis and 0 for a vertical one; with the array's
    y axis pointing down, adding 90 degrees gives the on-screen counter-clockwise angle.
    """
    angle = (math.degrees(skimage_orientation) + 90.0) % 180.0
    return 0.0 if angle >= 180.0 - 1e-9 else angle


def shape_measures(mask: NDArray[np.bool_]) -> ShapeMeasures:
    """Measure a non-empty 2D mask; raises ValueError on an empty or non-2D mask.

    - ``perimeter_px``: length of the sub-pixel boundary (see :func:`boundary_lengths`)
    - ``eq_diameter_px``: diameter of the disc with the same area
    - ``elongation``: major / minor axis length of the moment ellipse (>= 1)
    - ``circularity``: 4 pi area / perimeter**2, clipped to [0, 1]
    - ``solidity``: area / convex-hull area (hull of pixel centres, see :func:`convex_hull`)
    - ``convexity``: convex-hull perimeter / perimeter, in (0, 1] (low = jagged boundary)
    - ``orientation_deg``: major axis, counter-clockwise on screen, 0 = horizontal
    - ``holes``: enclosed background holes of at least ``MIN_HOLE_FRACTION`` of the filled
      area (see :func:`count_holes`); ``parts``: 8-connected components
    - ``roundness``: area / (pi / 4 * Feret diameter**2): about 1 for a disc, 2 / pi for a
      square (which circularity alone cannot tell from a disc at small sizes)

    Degenerate masks do not fail: a 1-pixel-wide line has a zero minor axis and gets a very
    large elongation; a single pixel has elongation 1, solidity 1 and circularity 1.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2D, got shape {mask.shape}")
    box = mask_to_box(mask)
    if box is None:
        raise ValueError("cannot measure the shape of an empty mask")
    mask = mask[box[1] : box[3], box[0] : box[2]]  # every measure is translation-invariant

    area = int(mask.sum())
    major, minor, orientation = moment_axes(mask)
    contours = _contours(mask)
    perim, hull_perim, hull = _lengths(contours)
    points = np.vstack(contours)
    circularity = min(1.0, 4.0 * math.pi * area / perim**2)
    return ShapeMeasures(
        area_px=area,
        perimeter_px=perim,
        eq_diameter_px=math.sqrt(4.0 * area / math.pi),
        elongation=max(1.0, major / max(minor, _MIN_MINOR_AXIS)),
        circularity=circularity,
        solidity=area / convex_hull_area(mask),
        convexity=hull_perim / perim,
        orientation_deg=screen_orientation_deg(orientation),
        holes=count_holes(mask),
        parts=count_parts(mask),
        roundness=min(1.0, 4.0 * area / (math.pi * max(_feret(points, hull), 1.0) ** 2)),
    )


_UNIT_SPACING: Final = np.full(2, 1.0)


def moment_axes(mask: NDArray[np.bool_]) -> tuple[float, float, float]:
    """(major, minor axis length, orientation in skimage's radians) of the moment ellipse of a
    mask cropped to its box: ``regionprops``'s ``axis_major_length``, ``axis_minor_length`` and
    ``orientation``, from the same skimage moment functions without a region object.

    regionprops takes the centroid from raw moments (``moments(image, 3)``); the three it uses,
    the pixel count and the sums of the row and column indices, are integers well below 2**53,
    so every order of summation gives them exactly and integer sums give the same centroid."""
    image = mask.astype(np.uint8)
    rows, cols = np.nonzero(mask)
    n = rows.size
    centroid = np.asarray((float(rows.sum()) / n, float(cols.sum()) / n))
    mu = central_moments(image, centroid, order=3, spacing=_UNIT_SPACING)
    tensor = inertia_tensor(mask, mu, spacing=_UNIT_SPACING)
    eigvals = inertia_tensor_eigvals(mask, T=tensor)
    a, b, _, c = (float(v) for v in tensor.flat)
    if a - c == 0:
        orientation = math.pi / 4.0 if b < 0 else -math.pi / 4.0
    else:
        orientation = 0.5 * math.atan2(-2 * b, c - a)
    return 4 * math.sqrt(eigvals[0]), 4 * math.sqrt(eigvals[-1]), orientation
