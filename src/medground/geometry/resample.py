"""Resampling a slice along one axis: what ``scipy.ndimage.zoom`` gives there, cheaper.

A coronal or sagittal CT slice has square pixels after stretching one axis only (the slice
thickness differs from the in-plane spacing). ``ndimage.zoom`` interpolates over both axes
even when one factor is 1; along that axis its coordinates fall on the pixels, the second
weight is exactly 0 and the first exactly 1, so its result is a one-axis interpolation.
:func:`zoom_axis` computes that one, with ``zoom``'s own arithmetic (``grid_mode=True``: the
input coordinate of output pixel ``k`` is ``(k + 0.5) * (n_in / n_out) - 0.5``; linear
weights ``1 - |start - c|`` and ``1 - |start - c + 1|``; the nearest pixel at
``floor(c + 0.5)``; indices clamped to the edge, ``mode="nearest"``), so the two agree bit
for bit (tests/unit/geometry/test_resample.py compares them).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def zoom_output_length(n_in: int, n_wanted: int) -> int:
    """The length ``ndimage.zoom(..., n_wanted / n_in)`` gives an axis of ``n_in``
    (``round(n_in * factor)``, which may miss ``n_wanted`` by one)."""
    return round(n_in * (n_wanted / n_in))  # Python's round, as zoom rounds


def zoom_axis(arr: NDArray[np.generic], axis: int, n_out: int, order: int) -> NDArray[np.generic]:
    """``ndimage.zoom(arr, factors, order=order, mode="nearest", grid_mode=True)`` for factors
    that are 1 on every axis but ``axis``, whose output length is ``n_out`` (see
    :func:`zoom_output_length`); ``order`` 0 (nearest, the input's dtype) or 1 (linear, for a
    float64 input)."""
    n_in = arr.shape[axis]
    zoom = np.float64(n_in) / np.float64(n_out)
    c = (np.arange(n_out, dtype=np.float64) + 0.5) * zoom - 0.5
    if order == 0:
        nearest = np.clip(np.floor(c + 0.5).astype(np.int64), 0, n_in - 1)
        return np.take(arr, nearest, axis=axis)
    if order != 1:
        raise ValueError(f"order must be 0 or 1, got {order}")
    if arr.dtype != np.float64:
        raise ValueError(f"linear resampling takes a float64 array, got {arr.dtype}")
    start = np.floor(c)
    first, second = 1.0 - np.abs(start - c), 1.0 - np.abs(start - c + 1.0)
    index = start.astype(np.int64)
    shape = [1] * arr.ndim
    shape[axis] = n_out
    low = np.take(arr, np.clip(index, 0, n_in - 1), axis=axis)
    high = np.take(arr, np.clip(index + 1, 0, n_in - 1), axis=axis)
    out: NDArray[np.generic] = low * first.reshape(shape) + high * second.reshape(shape)
    return out
