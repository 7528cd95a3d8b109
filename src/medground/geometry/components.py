"""Connected components and speck removal on 2D masks."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

_STRUCTURE = {4: ndimage.generate_binary_structure(2, 1), 8: ndimage.generate_binary_structure(2, 2)}


def min_component_area(image_area: int, min_area_px: int, min_area_fraction: float) -> int:
    """Smallest component kept: the larger of an absolute and an image-relative floor."""
    # round first: 0.07 * 100 is 7.000000000000001 in floating point, and must give 7
    return max(int(min_area_px), int(np.ceil(round(min_area_fraction * image_area, 6))))


def split_components(
    mask: NDArray[np.bool_], connectivity: int = 8
) -> list[NDArray[np.bool_]]:
    """Connected components of ``mask``, largest first (ties: top-most, then left-most)."""
    if connectivity not in _STRUCTURE:
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity}")
    labelled, n = ndimage.label(mask, structure=_STRUCTURE[connectivity])
    if n == 0:
        return []
    sizes = np.bincount(labelled.ravel())[1:]
    # first pixel (raster order) of each component, to break size ties deterministically
    flat = labelled.ravel()
    first = np.full(n, flat.size, dtype=np.int64)
    nz = np.flatnonzero(flat)
    np.minimum.at(first, flat[nz] - 1, nz)
    order = sorted(range(n), key=lambda i: (-int(sizes[i]), int(first[i])))
    return [labelled == (i + 1) for i in order]


def remove_specks(
    mask: NDArray[np.bool_], min_area: int, connectivity: int = 8
) -> tuple[NDArray[np.bool_], int]:
    """Drop components smaller than ``min_area``; return the cleaned mask and how many went."""
    if connectivity not in _STRUCTURE:
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity}")
    if min_area <= 1:
        return mask, 0
    labelled, n = ndimage.label(mask, structure=_STRUCTURE[connectivity])
    if n == 0:
        return mask, 0
    sizes = np.bincount(labelled.ravel())
    small = sizes < min_area
    small[0] = False
    dropped = int(small.sum())
    if dropped == 0:
        return mask, 0
    return mask & ~small[labelled], dropped
