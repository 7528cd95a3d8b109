"""The view as verification sees it: the saved pixels and every labelled region's mask.

Nothing here reads a stored cue. Each measure is computed from a region's mask (and the PNG
for intensity) when first asked for, within the region's box plus the margin it needs.
Coordinates are pixel edges on the saved image: a pixel at column ``c`` has centre ``c + 0.5``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError

from medground.claims import bands
from medground.geometry.crops import box_of_mask
from medground.geometry.shape import ShapeMeasures, shape_measures

BoolArray = NDArray[np.bool_]
_SQUARE = ndimage.generate_binary_structure(2, 2)

#: letters of a view's frame (image side -> patient direction) to the words of claims
_LETTER: Final = {"R": "right", "L": "left", "A": "anterior", "P": "posterior",
                  "S": "superior", "I": "inferior"}


class Region:
    """One labelled region of the view (the mask spans the whole image). ``mask`` may be given
    as a function that makes it, called when the mask is first read: a view's check reads the
    masks of its targets and of the regions its query names, rarely all of them."""

    def __init__(self, label: str, instance: int,
                 mask: BoolArray | Callable[[], BoolArray]) -> None:
        self.label = label
        self.instance = instance
        self._mask = mask

    def __repr__(self) -> str:
        return f"Region(label={self.label!r}, instance={self.instance})"

    @cached_property
    def mask(self) -> BoolArray:
        return self._mask() if callable(self._mask) else self._mask

    @cached_property
    def box(self) -> tuple[int, int, int, int]:
        box = box_of_mask(self.mask)  # row and column projections: one pass over the image
        if box is None:
            raise ValueError(f"{self.label}: empty mask")
        return box

    @cached_property
    def _pixels(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """(rows, columns) of the mask's pixels in the image, in raster order, from its box."""
        x1, y1, x2, y2 = self.box
        ys, xs = np.nonzero(self.mask[y1:y2, x1:x2])
        return ys + y1, xs + x1

    @cached_property
    def area(self) -> int:
        return int(self._pixels[0].size)

    @cached_property
    def centroid(self) -> tuple[float, float]:
        ys, xs = self._pixels
        return float(xs.mean()) + 0.5, float(ys.mean()) + 0.5

    @cached_property
    def shape(self) -> ShapeMeasures:
        x1, y1, x2, y2 = self.box
        return shape_measures(self.mask[y1:y2, x1:x2])

    @cached_property
    def roundness(self) -> float:
        """Area over that of the circle spanning the longest (Feret) diameter: 1 for a disc,
        2 / pi for a square, b / a for an ellipse. Corners are what circularity misses."""
        ys, xs = self._pixels
        corners = np.concatenate([np.stack([xs + dx, ys + dy], 1) for dx in (0, 1)
                                  for dy in (0, 1)]).astype(np.float64)
        try:
            hull = corners[ConvexHull(corners).vertices]
        except QhullError:  # a line of pixels
            hull = corners
        d = np.sqrt(((hull[:, None] - hull[None]) ** 2).sum(-1)).max()
        return float(4.0 * self.area / (math.pi * d * d))

    def window(self, pad: int) -> tuple[slice, slice]:
        x1, y1, x2, y2 = self.box
        h, w = self.mask.shape
        return slice(max(0, y1 - pad), min(h, y2 + pad)), slice(max(0, x1 - pad), min(w, x2 + pad))

    @cached_property
    def filled(self) -> BoolArray:
        """The mask with its holes filled (full image size)."""
        out = np.zeros_like(self.mask)
        win = self.window(1)
        out[win] = ndimage.binary_fill_holes(self.mask[win], structure=_SQUARE)
        return out


def union(regions: list[Region]) -> Region:
    """Several regions as one (a reference named by several fragments or labels)."""
    if len(regions) == 1:
        return regions[0]
    mask = np.zeros_like(regions[0].mask)
    for r in regions:
        mask |= r.mask
    return Region(label="+".join(sorted({r.label for r in regions})), instance=-1, mask=mask)


@dataclass
class Scene:
    """A saved view: its pixels, its regions and what the source says about orientation."""

    image: NDArray[np.uint8]
    regions: list[Region]
    modality: str = ""
    plane: str = "image"
    frame: dict[str, str] | None = None
    midline_x: float | None = None
    _grey: NDArray[np.float64] | None = field(default=None, repr=False)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def diagonal(self) -> float:
        return math.hypot(self.width, self.height)

    @property
    def grey(self) -> NDArray[np.float64]:
        if self._grey is None:
            img = self.image.astype(np.float64)
            self._grey = img if img.ndim == 2 else img[..., :3] @ np.array([0.299, 0.587, 0.114])
        return self._grey

    # --- orientation ------------------------------------------------------------------------
    def image_side(self, direction: str) -> str | None:
        """The image side ("left", "top", ...) lying toward a patient direction, if in plane."""
        if not self.frame:
            return None
        return next((side for side, letter in self.frame.items()
                     if _LETTER.get(letter) == direction), None)

    @property
    def lateral(self) -> bool:
        """Does the view have the patient's left-right axis (and a frame at all)?"""
        return self.frame is not None and self.frame.get("left") in ("R", "L")

    def side_offset(self, region: Region, side: str) -> float | None:
        """Offset of the centroid from the body midline toward the patient's ``side``
        (fraction of the width); None without a lateral axis or a midline."""
        return patient_offset(region.centroid[0], self.width, self.frame, self.midline_x, side)

    # --- intensity -----------------------------------------------------------------------------
    def inside_mean(self, region: Region) -> float:
        return float(self.grey[region.mask].mean())

    def contrast(self, region: Region) -> float | None:
        """(mean inside - mean of a ring around the hole-filled mask) / 255; None without ring."""
        eq_diameter = math.sqrt(4.0 * region.area / math.pi)
        lo, hi = bands.RING_PX
        width = min(hi, max(lo, round(bands.RING_FRACTION * eq_diameter)))
        win = region.window(width + 1)
        filled = region.filled[win]
        distance = ndimage.distance_transform_edt(~filled)
        ring = (distance > 0) & (distance <= width)
        if not ring.any():
            return None
        grey = self.grey[win]
        return (float(grey[region.mask[win]].mean()) - float(grey[ring].mean())) / 255.0

    # --- distances -----------------------------------------------------------------------------
    def gap(self, a: Region, b: Region) -> float:
        """Smallest distance in pixels between the two masks (0 when they touch or overlap)."""
        if (a.mask & b.mask).any():
            return 0.0
        ax1, ay1, ax2, ay2 = a.box
        bx1, by1, bx2, by2 = b.box
        y1, y2 = min(ay1, by1), max(ay2, by2)
        x1, x2 = min(ax1, bx1), max(ax2, bx2)
        win = np.s_[y1:y2, x1:x2]
        distance = ndimage.distance_transform_edt(~b.mask[win])
        # pixel centres: neighbouring pixels are 1 apart; report the gap between their edges
        return max(0.0, float(distance[a.mask[win]].min()) - 1.0)

    def inside_fraction(self, a: Region, b: Region) -> float:
        """Share of ``a`` inside ``b``'s hole-filled mask."""
        return float((a.mask & b.filled).sum()) / a.area


def patient_offset(cx: float, width: int, frame: dict[str, str] | None,
                   midline_x: float | None, side: str) -> float | None:
    """How far ``cx`` lies from the body midline toward the patient's ``side`` ("left" or
    "right"), as a fraction of the width; None without a lateral axis or a midline."""
    if not frame or frame.get("left") not in ("R", "L") or midline_x is None:
        return None
    letter = "L" if side == "left" else "R"
    dx = (cx - midline_x) / width
    return -dx if frame["left"] == letter else dx


def touches_border(region: Region, scene: Scene, side: str | None = None) -> bool:
    x1, y1, x2, y2 = region.box
    edges = {"left": x1 <= 0, "top": y1 <= 0, "right": x2 >= scene.width,
             "bottom": y2 >= scene.height}
    return edges[side] if side else any(edges.values())


def toward(region: Region, scene: Scene, side: str) -> float:
    """Centroid position toward an image side: 0 at that edge, 1 at the opposite one."""
    cx, cy = region.centroid
    if side == "left":
        return cx / scene.width
    if side == "right":
        return 1.0 - cx / scene.width
    if side == "top":
        return cy / scene.height
    return 1.0 - cy / scene.height
