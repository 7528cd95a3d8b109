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
from skimage.measure import find_contours, regionprops
from skimage.morphology import convex_hull_image

from medground.geometry.boxes import mask_to_box

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
    filled = ndimage.binary_fill_holes(mask, structure=_SQUARE)
    labelled, n = ndimage.label(filled & ~mask, structure=_SQUARE)
    if n == 0:
        return 0
    sizes = np.bincount(labelled.ravel())[1:]
    min_area = max(1, math.ceil(round(min_fraction * int(filled.sum()), 6)))
    return int((sizes >= min_area).sum())


def count_parts(mask: NDArray[np.bool_]) -> int:
    """8-connected foreground components."""
    _, n = ndimage.label(mask, structure=_SQUARE)
    return int(n)


def boundary_lengths(mask: NDArray[np.bool_]) -> tuple[float, float]:
    """(perimeter, convex-hull perimeter) of the sub-pixel boundary of ``mask``.

    The boundary is the marching-squares contour at 0.5 (skimage ``find_contours``, 8-connected
    foreground), outer and hole contours together; the hull is the convex polygon of all contour
    points. Both lengths come from the same polygonal boundary, so their ratio stays <= 1 and
    does not drift with size the way staircase-perimeter estimates of a rasterised hull do.
    """
    padded = np.pad(mask, 1).astype(np.float64)
    contours = find_contours(padded, 0.5, fully_connected="high")
    length = sum(float(np.hypot(*np.diff(c, axis=0).T).sum()) for c in contours)
    # contours of a non-empty mask always enclose some area, so the hull is never degenerate
    hull_length = float(ConvexHull(np.vstack(contours)).area)  # 2D: "area" is the perimeter
    return length, min(hull_length, length)


def feret_diameter(mask: NDArray[np.bool_]) -> float:
    """Longest distance across the sub-pixel boundary (marching-squares contour at 0.5)."""
    padded = np.pad(mask, 1).astype(np.float64)
    points = np.vstack(find_contours(padded, 0.5, fully_connected="high"))
    if len(points) >= 3 and np.linalg.matrix_rank(points - points[0]) == 2:
        points = points[ConvexHull(points).vertices]
    diffs = points[:, None, :] - points[None, :, :]
    return float(np.sqrt((diffs**2).sum(-1)).max())


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

    props = regionprops(mask.astype(np.uint8))[0]
    area = int(props.area)
    perim, hull_perim = boundary_lengths(mask)
    major = float(props.axis_major_length)
    minor = float(props.axis_minor_length)

    circularity = min(1.0, 4.0 * math.pi * area / perim**2)
    return ShapeMeasures(
        area_px=area,
        perimeter_px=perim,
        eq_diameter_px=math.sqrt(4.0 * area / math.pi),
        elongation=max(1.0, major / max(minor, _MIN_MINOR_AXIS)),
        circularity=circularity,
        solidity=area / int(convex_hull(mask).sum()),
        convexity=hull_perim / perim,
        orientation_deg=screen_orientation_deg(float(props.orientation)),
        holes=count_holes(mask),
        parts=count_parts(mask),
        roundness=min(1.0, 4.0 * area / (math.pi * max(feret_diameter(mask), 1.0) ** 2)),
    )
