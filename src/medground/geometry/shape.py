"""Shape measures of a 2D mask: size, elongation, roundness, convexity, orientation, topology.

All measures are in pixels of the saved image (x right, y down in the array). Orientation is
reported as seen on screen: degrees counter-clockwise from the horizontal, in ``[0, 180)``.

Multi-part masks are measured as one object: second moments (elongation, orientation) come
from all parts together and solidity/convexity from the convex hull of all parts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from skimage.morphology import convex_hull_image

from medground.geometry.boundary import Boundary, boundaries, boundary
from medground.geometry.boxes import mask_to_box
from medground.geometry.crops import SQUARE, enclosed_background
from medground.geometry.hull import (
    chain_corners,
    collinear,
    column_extremes,
    hull_polygon,
    lattice_area,
    perimeter,
)
from medground.geometry.packed import Layout, canvas_moments, layout

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
    #: some background is enclosed, however little (a hole ``holes`` may not count)
    encloses: bool = False


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


def convex_hull_area(mask: NDArray[np.bool_]) -> int:
    """Pixels of :func:`convex_hull` (``convex_hull(mask).sum()``) without drawing it.

    The hull of pixel centres is a polygon with integer vertices and a pixel is in it when its
    centre is inside or on the boundary, so Pick's theorem counts them exactly
    (:func:`medground.geometry.hull.lattice_area`). Every pixel of the mask is such a point,
    so the union with the mask adds none."""
    mask = np.asarray(mask, dtype=bool)
    return _hull_pixels(hull_polygon(*column_extremes(mask)), int(np.count_nonzero(mask)))


def _hull_pixels(polygon: NDArray[np.int64], area: int) -> int:
    """Pixels of the pixel-centre hull ``polygon`` of a mask of ``area`` pixels."""
    if collinear(polygon):
        return area  # a point or a straight line is its own hull
    return lattice_area(polygon)


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

    rows, cols = np.nonzero(mask)
    edge = boundary(mask)
    hull = hull_polygon(*column_extremes(mask))
    area = int(rows.size)
    return _measures(mask, area, _axes(rows, cols), edge, _hull_pixels(hull, area),
                     contour_hull_perimeter(hull), contour_feret(hull))


def shape_measures_many(masks: Sequence[NDArray[np.bool_]],
                        moments: Sequence[Sequence[int]] | None = None) -> list[ShapeMeasures]:
    """``[shape_measures(m) for m in masks]``, the same numbers, measured together.

    The masks (each any crop that holds all of its region) are placed side by side on one
    canvas (:mod:`medground.geometry.packed`), and the pixel moments, the boundary's segments
    and cycles, and the hull chains of all of them come from one pass each over the canvas
    instead of one per mask; only the hull's perimeter and diameter (a few vertices) and the
    holes of a mask that has some are measured mask by mask, with the same functions.
    ``moments``, when given, are the masks' :func:`~medground.geometry.packed.pixel_moments`
    (measured already, by ``extract_regions``)."""
    if not masks:
        return []
    lay = layout([m.shape for m in masks], gap=1)
    canvas = np.asarray(lay.place(masks, bool), dtype=bool)
    n = len(lay)
    if moments is None:
        moments = canvas_moments(lay, canvas)
    elif len(moments) != n:
        raise ValueError(f"{len(moments)} moments for {n} masks")
    area = np.array([m[0] for m in moments], dtype=np.int64)
    if not area.all():
        raise ValueError("cannot measure the shape of an empty mask")
    edges = boundaries(canvas, lay.column_tile, n)
    hull_pixels, polygons = _hulls(canvas, lay, area)
    out = []
    for t, mask in enumerate(masks):
        a, sr, sc, srr, scc, src = moments[t]
        out.append(_measures(mask, a, _axes_of_sums(a, sr, sc, srr, scc, src), edges[t],
                             int(hull_pixels[t]), contour_hull_perimeter(polygons[t]),
                             contour_feret(polygons[t])))
    return out


def _hulls(canvas: NDArray[np.bool_], lay: Layout, area: NDArray[np.int64]
           ) -> tuple[NDArray[np.int64], list[NDArray[np.int64]]]:
    """Per tile of ``canvas``: the pixels of its hull (:func:`_hull_pixels`) and the hull
    polygon (:func:`hull_polygon` of the tile alone, the same vertices in the same order)."""
    n = len(lay)
    cols = np.flatnonzero(canvas.any(axis=0))
    low = canvas[:, cols].argmax(axis=0).astype(np.int64)
    high = canvas.shape[0] - 1 - canvas[::-1, cols].argmax(axis=0).astype(np.int64)
    tile = lay.column_tile[cols]
    local = cols - lay.x0[tile]
    first = np.ones(cols.size, dtype=bool)
    first[1:] = tile[1:] != tile[:-1]
    lower = chain_corners(cols, low, first, lower=True)
    upper = chain_corners(cols, high, first, lower=False)
    # each tile's polygon: its lower corners left to right, then its upper ones right to left
    vertex_tile = np.concatenate([tile[lower], tile[upper]])
    order = np.lexsort((np.concatenate([lower, -upper]),
                        np.repeat([0, 1], [lower.size, upper.size]), vertex_tile))
    vertices = np.stack([np.concatenate([low[lower], high[upper]]),
                         np.concatenate([local[lower], local[upper]])], axis=1)[order]
    vertex_tile = vertex_tile[order]
    ends = np.cumsum(np.bincount(vertex_tile, minlength=n))
    starts = ends - np.bincount(vertex_tile, minlength=n)
    following = np.arange(1, vertex_tile.size + 1)
    following[ends - 1] = starts  # the last vertex of a tile is followed by its first
    nxt = vertices[following]
    cross = vertices[:, 0] * nxt[:, 1] - nxt[:, 0] * vertices[:, 1]
    twice_area = np.abs(np.bincount(vertex_tile, weights=cross, minlength=n)).astype(np.int64)
    on_edges = np.bincount(vertex_tile, minlength=n,
                           weights=np.gcd(np.abs(nxt[:, 0] - vertices[:, 0]),
                                          np.abs(nxt[:, 1] - vertices[:, 1]))).astype(np.int64)
    # a hull of positive area has three corners off one line (:func:`collinear`'s test)
    pixels = np.where(twice_area > 0, (twice_area + on_edges) // 2 + 1, area)
    return pixels, [vertices[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


def _measures(mask: NDArray[np.bool_], area: int, axes: tuple[float, float, float],
              edge: Boundary, hull_pixels: int, hull_perimeter: float, feret: float
              ) -> ShapeMeasures:
    major, minor, orientation = axes
    perim = edge.perimeter
    return ShapeMeasures(
        area_px=area,
        perimeter_px=perim,
        eq_diameter_px=math.sqrt(4.0 * area / math.pi),
        elongation=max(1.0, major / max(minor, _MIN_MINOR_AXIS)),
        circularity=min(1.0, 4.0 * math.pi * area / perim**2),
        solidity=area / hull_pixels,
        convexity=min(hull_perimeter, perim) / perim,
        orientation_deg=screen_orientation_deg(orientation),
        # no inner contour: no 4-connected hole, so no 8-connected one (a union of them)
        holes=count_holes(mask) if edge.inner else 0,
        parts=edge.outer,  # one outer contour per 8-connected part
        roundness=min(1.0, 4.0 * area / (math.pi * max(feret, 1.0) ** 2)),
        encloses=edge.inner > 0,
    )


#: perimeter of the contour's points around a pixel centre (its four edges' midpoints)
_DIAMOND_PERIMETER: Final = 2.0 * math.sqrt(2.0)


def contour_hull_perimeter(pixel_hull: NDArray[np.int64]) -> float:
    """Perimeter of the convex hull of the contour points, from the pixel centres' hull.

    Every contour point is a pixel centre moved by half a pixel along a row or column (to
    the midpoint of an edge with the background), so the contour points lie in the pixel
    hull grown by that diamond; and in every direction the farthest pixel centre, moved
    towards it, is a contour point (its neighbour further on is background). The two convex
    sets have the same support in every direction, so the contour hull is the pixel hull's
    Minkowski sum with the diamond, whose perimeter is the sum of theirs."""
    return perimeter(pixel_hull) + _DIAMOND_PERIMETER


def contour_feret(pixel_hull: NDArray[np.int64]) -> float:
    """Longest distance between two contour points: between two corners of the contour hull
    (see :func:`contour_hull_perimeter`), each a pixel hull corner moved half a pixel along
    a row or column. For two pixel corners ``d`` apart the farthest such pair moves both
    ends away from each other along the same axis, a whole pixel in all:
    ``max(|d + e|**2 for unit e) = |d|**2 + 2 max(|d_row|, |d_col|) + 1``, in integers."""
    r, c = pixel_hull[:, 0], pixel_hull[:, 1]
    dr, dc = np.abs(r[:, None] - r[None, :]), np.abs(c[:, None] - c[None, :])
    squared = dr * dr + dc * dc + 2 * np.maximum(dr, dc)  # row and column apart: no
    return math.sqrt(float(int(squared.max()) + 1))  # reduction over a length-2 axis


def moment_axes(mask: NDArray[np.bool_]) -> tuple[float, float, float]:
    """(major, minor axis length, orientation in skimage's radians) of the moment ellipse of a
    mask: ``regionprops``'s ``axis_major_length``, ``axis_minor_length`` and ``orientation``."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        raise ValueError("an empty mask has no moments")
    return _axes(rows, cols)


def _axes(rows: NDArray[np.intp], cols: NDArray[np.intp]) -> tuple[float, float, float]:
    """:func:`moment_axes` from the pixels' coordinates (see :func:`_axes_of_sums`)."""
    r, c = rows.astype(np.int64), cols.astype(np.int64)
    return _axes_of_sums(int(rows.size), int(r.sum()), int(c.sum()), int((r * r).sum()),
                         int((c * c).sum()), int((r * c).sum()))


def _axes_of_sums(n: int, sr: int, sc: int, srr: int, scc: int, src: int
                  ) -> tuple[float, float, float]:
    """:func:`moment_axes` from the pixel count and the sums of the rows, columns, their
    squares and their products, with exact integer moments.

    skimage's inertia tensor of a 2D region is ``[[a, b], [b, c]]`` with ``a`` the variance
    of the columns, ``c`` that of the rows and ``b`` minus their covariance; here ``n**2``
    times each is an integer (``n * sum(x * y) - sum(x) * sum(y)``), so the tensor, its
    eigenvalues ``(a + c +- sqrt((a - c)**2 + 4 b**2)) / 2`` and skimage's orientation
    ``atan2(-2 b, c - a) / 2`` (``+-pi / 4`` when ``a == c``) carry no rounding from the sums."""
    a = n * scc - sc * sc
    cc = n * srr - sr * sr
    b = -(n * src - sr * sc)
    root = math.sqrt(float((a - cc) ** 2 + 4 * b * b))
    scale = 2.0 * n * n
    big, small = max(0.0, (a + cc + root) / scale), max(0.0, (a + cc - root) / scale)
    if a == cc:
        orientation = math.pi / 4.0 if b < 0 else -math.pi / 4.0
    else:
        orientation = 0.5 * math.atan2(-2 * b, cc - a)
    return 4 * math.sqrt(big), 4 * math.sqrt(small), orientation
