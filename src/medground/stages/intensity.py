"""Intensity to 8-bit display values: CT windows, percentile normalisation."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from medground.config import WINDOW_PRESETS, Window
from medground.modality import code_of


def window_range(
    window: str | Window, modality: str, data: NDArray[np.generic], percentiles: tuple[float, float]
) -> tuple[float, float]:
    """(low, high) of the display range of a whole volume: an explicit window, a CT preset
    (``auto`` is the abdomen window), or the percentile range for other modalities."""
    if isinstance(window, Window):
        return window.center - window.width / 2, window.center + window.width / 2
    if code_of(modality) == "CT" or window != "auto":
        center, width = WINDOW_PRESETS["abdomen" if window == "auto" else window]
        return center - width / 2, center + width / 2
    return percentile_range(data, percentiles)


def percentile_range(data: NDArray[np.generic], percentiles: tuple[float, float]) -> tuple[float, float]:
    """(low, high) percentiles of the finite values, computed in float64, with as few whole
    copies as can be: integers are all finite and take numpy's one partition copy in their
    own type (their float64 percentiles are the same numbers); floats are copied once
    without their NaNs and infinities, widened, and partitioned in place."""
    data = np.asarray(data)
    if data.dtype == np.bool_:
        data = data.view(np.uint8)
    if np.issubdtype(data.dtype, np.integer):
        if data.size == 0:
            return 0.0, 1.0
        ints = cast(NDArray[np.integer[Any]], data)
        lo, hi = np.percentile(ints, percentiles)
    else:
        finite = np.asarray(data[np.isfinite(data)], dtype=np.float64)
        if finite.size == 0:
            return 0.0, 1.0
        lo, hi = np.percentile(finite, percentiles, overwrite_input=True)
    if hi <= lo:
        hi = lo + 1.0
    return float(lo), float(hi)


def to_uint8(data: NDArray[np.generic], low: float, high: float) -> NDArray[np.uint8]:
    scaled = (np.asarray(data, dtype=np.float64) - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def image_to_uint8(image: NDArray[np.generic], percentiles: tuple[float, float]) -> NDArray[np.uint8]:
    """2D images: 8-bit data is kept; other depths are stretched to their percentile range."""
    if image.dtype == np.uint8:
        return np.asarray(image)
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * 255
    lo, hi = percentile_range(image, percentiles)
    return to_uint8(image, lo, hi)
