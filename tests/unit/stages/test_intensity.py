"""Intensity -> uint8: CT windows, explicit windows, percentile ranges, 2D image depths."""

from __future__ import annotations

import numpy as np
import pytest

from medground.config import WINDOW_PRESETS, Window
from medground.stages.intensity import image_to_uint8, percentile_range, to_uint8, window_range

PCT = (1.0, 99.0)
RAMP = np.linspace(0.0, 1000.0, 1001)


@pytest.mark.parametrize(
    ("window", "modality", "expected"),
    [
        ("auto", "CT", (-160.0, 240.0)),
        ("auto", "ct", (-160.0, 240.0)),
        ("abdomen", "CT", (-160.0, 240.0)),
        ("lung", "CT", (-1350.0, 150.0)),
        ("bone", "CT", (-500.0, 1300.0)),
        ("brain", "CT", (0.0, 80.0)),
        ("liver", "CT", (-20.0, 140.0)),
        ("soft_tissue", "CT", (-125.0, 225.0)),
        ("lung", "MR", (-1350.0, 150.0)),  # a named preset wins over the modality
        (Window(center=0, width=100), "CT", (-50.0, 50.0)),
        (Window(center=300, width=50), "MR", (275.0, 325.0)),
    ],
)
def test_window_range(window: str | Window, modality: str, expected: tuple[float, float]) -> None:
    assert window_range(window, modality, RAMP, PCT) == pytest.approx(expected)


@pytest.mark.parametrize("modality", ["MR", "PT", "US", ""])
def test_window_range_auto_non_ct_uses_percentiles(modality: str) -> None:
    assert window_range("auto", modality, RAMP, PCT) == pytest.approx((10.0, 990.0))


@pytest.mark.parametrize("preset", sorted(WINDOW_PRESETS))
def test_ct_preset_edges_map_to_0_and_255(preset: str) -> None:
    center, _ = WINDOW_PRESETS[preset]
    lo, hi = window_range(preset, "CT", RAMP, PCT)
    hu = np.array([lo - 1000, lo, center, hi, hi + 1000])
    out = to_uint8(hu, lo, hi)
    assert out.dtype == np.uint8
    assert out[[0, 1, 3, 4]].tolist() == [0, 0, 255, 255]
    assert out[2] in (127, 128)  # centre maps to mid-grey (127.5 rounds either way)


@pytest.mark.parametrize(
    ("values", "low", "high", "expected"),
    [
        ([-160, 0, 240], -160, 240, [0, 102, 255]),
        ([-1024, 3071], -160, 240, [0, 255]),
        ([0.0, 0.5, 1.0], 0.0, 1.0, [0, 128, 255]),
        ([0.0, 0.499, 1.0], 0.0, 1.0, [0, 127, 255]),
        ([np.nan, 5.0], 0.0, 10.0, [0, 128]),
    ],
)
def test_to_uint8(values: list[float], low: float, high: float, expected: list[int]) -> None:
    with np.errstate(invalid="ignore"):
        out = to_uint8(np.asarray(values, dtype=np.float64), low, high)
    assert out.dtype == np.uint8
    if np.isnan(values[0]):
        assert out[1:].tolist() == expected[1:]  # NaN's cast is platform-defined
    else:
        assert out.tolist() == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(np.full((4, 4), 7.0), (7.0, 8.0), id="constant"),
        pytest.param(np.zeros((4, 4), np.uint16), (0.0, 1.0), id="constant-zero-uint16"),
        pytest.param(np.array([np.nan, np.inf]), (0.0, 1.0), id="no-finite"),
        pytest.param(np.zeros(0), (0.0, 1.0), id="empty"),
        pytest.param(np.array([np.nan, 3.0, 3.0]), (3.0, 4.0), id="nan-plus-constant"),
        pytest.param(RAMP, (10.0, 990.0), id="ramp"),
    ],
)
def test_percentile_range(data: np.ndarray, expected: tuple[float, float]) -> None:
    lo, hi = percentile_range(data, PCT)
    assert (lo, hi) == pytest.approx(expected)
    assert hi > lo


@pytest.mark.parametrize("value", [0.0, 7.0, -3.5, 1e6])
def test_constant_image_does_not_divide_by_zero(value: float) -> None:
    data = np.full((3, 5), value)
    with np.errstate(all="raise"):
        lo, hi = percentile_range(data, PCT)
        out = to_uint8(data, lo, hi)
    assert out.dtype == np.uint8 and out.shape == (3, 5)
    assert (out == 0).all()


@pytest.mark.parametrize(
    "image",
    [np.arange(12, dtype=np.uint8).reshape(3, 4), np.full((2, 2, 3), 200, np.uint8)],
)
def test_image_to_uint8_keeps_uint8(image: np.ndarray) -> None:
    out = image_to_uint8(image, PCT)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, image)


@pytest.mark.parametrize(
    ("image", "percentiles", "expected"),
    [
        pytest.param(
            np.array([[0, 1000], [2000, 4000]], np.uint16),
            (0.0, 100.0),
            [[0, 64], [128, 255]],
            id="uint16-full-range",
        ),
        pytest.param(
            np.array([[100, 100], [100, 100]], np.uint16),
            (1.0, 99.0),
            [[0, 0], [0, 0]],
            id="uint16-constant",
        ),
        pytest.param(
            np.array([[-1.0, 0.0], [0.5, 1.0]]),
            (0.0, 100.0),
            [[0, 128], [191, 255]],
            id="float",
        ),
        pytest.param(np.array([[True, False]]), PCT, [[255, 0]], id="bool"),
        pytest.param(
            np.array([[0, 65535]], np.uint16), (0.0, 100.0), [[0, 255]], id="uint16-extremes"
        ),
    ],
)
def test_image_to_uint8_stretches(
    image: np.ndarray, percentiles: tuple[float, float], expected: list[list[int]]
) -> None:
    out = image_to_uint8(image, percentiles)
    assert out.dtype == np.uint8
    assert out.tolist() == expected


def test_image_to_uint8_uint16_uses_percentiles() -> None:
    image = np.arange(10_000, dtype=np.uint16).reshape(100, 100)
    out = image_to_uint8(image, (1.0, 99.0))
    assert out.min() == 0 and out.max() == 255
    assert (out.ravel()[:100] == 0).all()  # values below the 1st percentile clip to black


@pytest.mark.parametrize("dtype", [np.int16, np.uint16, np.int32, np.uint8, np.float32,
                                   np.float64, np.bool_])
@pytest.mark.parametrize("percentiles", [(0.5, 99.5), (1.0, 99.0), (0.0, 100.0)])
def test_percentile_range_equals_float64_percentiles_of_the_finite_values(
        dtype: type, percentiles: tuple[float, float]) -> None:
    rng = np.random.default_rng(3)
    data = (rng.normal(200, 90, (7, 11, 13)) if np.issubdtype(dtype, np.floating)
            else rng.integers(0, 2 if dtype is np.bool_ else 3000, (7, 11, 13))).astype(dtype)
    if np.issubdtype(dtype, np.floating):
        data.flat[[3, 50, 400]] = [np.nan, np.inf, -np.inf]
    values = data.astype(np.float64)
    want = np.percentile(values[np.isfinite(values)], percentiles)
    lo, hi = want[0], want[1] if want[1] > want[0] else want[0] + 1.0
    assert percentile_range(data, percentiles) == (lo, hi)
