"""Boxes in pixel ``xyxy`` on the saved image: x to the right, y down.

Convention (used by every exporter): coordinates are pixel *edges*, so ``x2`` and ``y2``
are exclusive. A mask covering columns 3..7 has ``x1 = 3`` and ``x2 = 8``; its width is
``x2 - x1`` pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def mask_to_box(mask: NDArray[np.bool_]) -> tuple[int, int, int, int] | None:
    """Tight box of a 2D mask, or None when the mask is empty."""
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2D, got shape {mask.shape}")
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def box_area(box: tuple[float, float, float, float] | NDArray[np.floating]) -> float:
    x1, y1, x2, y2 = (float(v) for v in box)
    return max(0.0, x2 - x1) * max(0.0, y2 - y1)


def box_iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two xyxy boxes (0 when both are empty)."""
    ix1, iy1 = max(a[0], b[0]), max(a[1], b[1])
    ix2, iy2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, ix2 - ix1) * max(0.0, iy2 - iy1)
    union = box_area(a) + box_area(b) - inter
    return inter / union if union > 0 else 0.0


def box_inside(box: tuple[float, float, float, float], width: int, height: int) -> bool:
    x1, y1, x2, y2 = box
    return 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height
