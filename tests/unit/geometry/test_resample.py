"""zoom_axis against scipy.ndimage.zoom itself (the resampling the views stage did before):
the same array, bit for bit, on random slices stretched along one axis."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from medground.geometry.resample import zoom_axis, zoom_output_length


def _cases(seed: int, n: int) -> list[tuple[np.ndarray, int, int]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = (int(v) for v in rng.integers(1, 200, 2))
        axis = int(rng.integers(0, 2))
        wanted = int(rng.integers(1, 500))
        out.append((rng.normal(0, 400, (h, w)), axis, wanted))
    return out


def _scipy(arr: np.ndarray, axis: int, wanted: int, order: int) -> np.ndarray:
    shape = list(arr.shape)
    shape[axis] = wanted
    factors = (shape[0] / arr.shape[0], shape[1] / arr.shape[1])
    return ndimage.zoom(arr, factors, order=order, mode="nearest", grid_mode=True)


@pytest.mark.parametrize("seed", range(4))
def test_linear_equals_zoom(seed: int) -> None:
    for arr, axis, wanted in _cases(seed, 60):
        want = _scipy(arr, axis, wanted, 1)
        got = zoom_axis(arr, axis, zoom_output_length(arr.shape[axis], wanted), 1)
        assert got.shape == want.shape and np.array_equal(got, want), (arr.shape, axis, wanted)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16])
def test_nearest_equals_zoom(dtype: type) -> None:
    for arr, axis, wanted in _cases(11, 80):
        labels = (np.abs(arr) % 97).astype(dtype)
        want = _scipy(labels, axis, wanted, 0)
        got = zoom_axis(labels, axis, zoom_output_length(labels.shape[axis], wanted), 0)
        assert got.dtype == labels.dtype and np.array_equal(got, want), (arr.shape, axis, wanted)


def test_by_hand() -> None:
    """Two pixels stretched to four: output pixel centres at input 0.5 - 0.25 ... (grid mode)."""
    arr = np.array([[0.0, 8.0]])
    assert zoom_axis(arr, 1, 4, 1).tolist() == [[0.0, 2.0, 6.0, 8.0]]
    assert zoom_axis(np.array([[3, 9]], np.uint8), 1, 4, 0).tolist() == [[3, 3, 9, 9]]
    with pytest.raises(ValueError, match="order"):
        zoom_axis(arr, 1, 4, 3)
