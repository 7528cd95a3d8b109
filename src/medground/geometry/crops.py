"""Measures on a region's box plus the margin they need, equal to their whole-image versions.

A region of a 512 x 512 slice usually covers a few thousand pixels; hole filling, growing and
rings on the whole image cost the image for every region. Each function here works on a crop
and gives exactly the whole-image answer:

- a window is the box grown by a margin and **clipped to the image**: nothing is padded beyond
  the image edge, so no background is invented outside it;
- hole filling needs no margin at all: the outside of a single region's box is background
  connected to the image border, and a background pixel on the crop's edge is exactly such a
  pixel (scipy's ``binary_fill_holes`` treats the outside of the array as border);
- growing by ``r`` (a disc or a diamond) needs a margin of ``r``; at a clipped edge the image
  ends there too.

Boxes are ``xyxy`` pixel edges (``x2``, ``y2`` exclusive), as in :mod:`medground.geometry.boxes`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

BoolArray = NDArray[np.bool_]
Window = tuple[slice, slice]

SQUARE = ndimage.generate_binary_structure(2, 2)
CROSS = ndimage.generate_binary_structure(2, 1)


def window(box: Sequence[int], margin: int, shape: tuple[int, ...]) -> Window:
    """(rows, cols) slices of the xyxy ``box`` grown by ``margin`` on every side, clipped to an
    image of ``shape`` (height, width, ...)."""
    x1, y1, x2, y2 = (int(v) for v in box)
    h, w = int(shape[0]), int(shape[1])
    return (slice(max(0, y1 - margin), min(h, y2 + margin)),
            slice(max(0, x1 - margin), min(w, x2 + margin)))


def box_of_mask(mask: BoolArray) -> tuple[int, int, int, int] | None:
    """Tight xyxy box of a (whole-image) mask from its row and column projections: one pass
    over the image, then only over the rows the mask spans. None when the mask is empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    y1, y2 = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(mask[y1:y2].any(axis=0))
    return int(cols[0]), y1, int(cols[-1]) + 1, y2


def enclosed_background(mask: BoolArray, structure: NDArray[np.bool_] = CROSS
                        ) -> tuple[NDArray[np.int32], NDArray[np.bool_]]:
    """(labelled background, enclosed): the background of ``mask`` labelled with
    ``structure`` connectivity, and for each label (index 0 unused) whether it is a hole, i.e.
    does not reach the array's edge. What ``binary_fill_holes(mask, structure)`` fills, from
    one labelling instead of a dilation iterated until nothing changes."""
    labelled, n = ndimage.label(~mask, structure=structure)
    enclosed = np.ones(n + 1, dtype=bool)
    enclosed[0] = False
    for edge in (labelled[0], labelled[-1], labelled[:, 0], labelled[:, -1]):
        enclosed[edge] = False
    return labelled, enclosed


def fill_holes(mask: BoolArray, structure: NDArray[np.bool_] = CROSS) -> BoolArray:
    """``scipy.ndimage.binary_fill_holes(mask, structure)``, exactly (``structure`` is the
    background's connectivity; the default is scipy's, 4-connected)."""
    mask = np.asarray(mask, dtype=bool)
    if mask.size == 0 or one_run_per_row(mask):
        return mask.copy()
    labelled, enclosed = enclosed_background(mask, structure)
    out: BoolArray = mask | enclosed[labelled]
    return out


def one_run_per_row(mask: BoolArray) -> bool:
    """Is every row's foreground one run (or none)? Such a mask has no hole for any
    connectivity: a background pixel with no foreground on its left (or right) in its row
    reaches the array's edge along the row."""
    starts = mask[:, 1:] & ~mask[:, :-1]
    return bool((np.count_nonzero(starts, axis=1) + mask[:, 0] <= 1).all())


def grow_disc(mask: BoolArray, radius: int | NDArray[np.integer]) -> BoolArray:
    """Pixels within Euclidean distance ``radius`` of ``mask``: the dilation by
    ``skimage.morphology.disk(radius)``, exactly, in rows. ``radius`` may also be one radius
    per column (masks side by side on one canvas, :mod:`medground.geometry.packed`): a
    pixel is then in when it is within its own column's radius of the mask.

    A pixel is within the disc of a mask pixel ``dy`` rows away when that row has a mask
    pixel within ``isqrt(radius**2 - dy**2)`` columns (integer offsets: ``dx**2 + dy**2 <=
    r**2``). So one pass gives each pixel's distance to the nearest mask pixel of its own
    row, and the dilation is the union over ``dy`` of that row distance's threshold, shifted
    by ``dy``: ``2 r + 1`` array operations, about 1.7 x faster than the Euclidean distance
    transform (which gives the same pixels) and far cheaper than a dilation by the disc
    past a radius of 3. A shift by ``dy`` runs only over the columns up to the last whose
    radius is ``dy`` or more (all of them first when the widest radii come first)."""
    h, w = mask.shape
    radii = np.broadcast_to(np.asarray(radius, dtype=np.int64), (w,))
    if radii.size and int(radii.min()) < 0:
        raise ValueError(f"radius must be >= 0, got {radius}")
    if not mask.any():
        return np.zeros(mask.shape, dtype=bool)
    top = int(radii.max())
    # int16 distances for canvases under ~16,000 columns: half the memory traffic of int32
    kind = np.int16 if 2 * (w + top + 1) < np.iinfo(np.int16).max else np.int64
    x = np.arange(w, dtype=kind)
    far = w + top + 1  # further than any radius reaches (a Python int keeps x's dtype)
    # np.where(mask, x, -far) and np.where(mask, x, w - 1 + far) by arithmetic (numpy's
    # where with a broadcast row is many times slower)
    left = np.maximum.accumulate((x + far) * mask - far, axis=1)
    beyond = w - 1 + far
    right = np.minimum.accumulate(((x - beyond) * mask + beyond)[:, ::-1], axis=1)[:, ::-1]
    row_distance = np.minimum(x - left, right - x)
    reach = _reach_table(top).astype(kind)[radii].T  # [dy, column]: what a shift by dy reaches
    out: BoolArray = row_distance <= reach[0]
    last = np.zeros(top + 1, dtype=np.int64)  # per radius, 1 + its last column
    np.maximum.at(last, radii, np.arange(1, w + 1))
    ends = np.maximum.accumulate(last[::-1])[::-1].tolist()  # per dy: any radius >= dy
    for dy in range(1, min(top, h - 1) + 1):
        end = ends[dy]
        near = row_distance[:, :end] <= reach[dy, :end]
        out[dy:, :end] |= near[:-dy]
        out[:-dy, :end] |= near[dy:]
    return out


@functools.lru_cache(maxsize=64)
def _reach_table(top: int) -> NDArray[np.int64]:
    """[radius, dy] -> ``isqrt(radius**2 - dy**2)``, -1 where ``dy > radius``, radii and dy
    up to ``top`` (read-only: shared)."""
    table = np.array([[math.isqrt(r * r - dy * dy) if dy <= r else -1 for dy in range(top + 1)]
                      for r in range(top + 1)], dtype=np.int64)
    table.flags.writeable = False
    return table


def grow_diamond(mask: BoolArray, radius: int) -> BoolArray:
    """Pixels within ``radius`` 4-connected steps of ``mask``: ``radius`` dilations by the
    cross (``ndimage.binary_dilation(mask, iterations=radius)``), as the union over row
    offsets ``dy`` of the mask grown ``radius - |dy|`` pixels along its rows and shifted by
    ``dy``: ``4 radius`` array operations instead of one per offset of the diamond."""
    h, w = mask.shape
    along = [mask]  # along[k]: the mask grown k pixels along its rows
    for _ in range(radius):
        prev = along[-1]
        grown = prev.copy()
        if w > 1:
            grown[:, 1:] |= prev[:, :-1]
            grown[:, :-1] |= prev[:, 1:]
        along.append(grown)
    out = along[radius].copy()
    for dy in range(1, min(radius, h - 1) + 1):
        src = along[radius - dy]
        out[dy:] |= src[:-dy]
        out[:-dy] |= src[dy:]
    return out
