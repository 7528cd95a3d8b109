"""mask_to_box, box_iou, box_inside: pixel-edge xyxy boxes with exclusive x2, y2."""

from __future__ import annotations

import numpy as np
import pytest

from medground.geometry.boxes import box_area, box_inside, box_iou, mask_to_box

H, W = 7, 11


def _mask(*pixels: tuple[int, int], shape: tuple[int, int] = (H, W)) -> np.ndarray:
    m = np.zeros(shape, dtype=bool)
    for r, c in pixels:
        m[r, c] = True
    return m


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        pytest.param(_mask((0, 0)), (0, 0, 1, 1), id="top-left-pixel"),
        pytest.param(_mask((H - 1, W - 1)), (W - 1, H - 1, W, H), id="bottom-right-pixel"),
        pytest.param(_mask((0, W - 1)), (W - 1, 0, W, 1), id="top-right-pixel"),
        pytest.param(_mask((H - 1, 0)), (0, H - 1, 1, H), id="bottom-left-pixel"),
        pytest.param(_mask((2, 3), (4, 7)), (3, 2, 8, 5), id="two-pixels"),
        pytest.param(np.ones((H, W), dtype=bool), (0, 0, W, H), id="full-image"),
        pytest.param(np.zeros((H, W), dtype=bool), None, id="empty"),
        pytest.param(np.zeros((0, 0), dtype=bool), None, id="zero-size"),
    ],
)
def test_mask_to_box(mask: np.ndarray, expected: tuple[int, int, int, int] | None) -> None:
    box = mask_to_box(mask)
    assert box == expected
    if box is not None:
        assert all(type(v) is int for v in box)
        assert box_area(box) >= mask.sum()


def test_mask_to_box_columns_3_to_7() -> None:
    m = np.zeros((4, 12), dtype=bool)
    m[1, 3:8] = True
    x1, _, x2, _ = mask_to_box(m)  # type: ignore[misc]
    assert (x1, x2, x2 - x1) == (3, 8, 5)


@pytest.mark.parametrize(
    "shape",
    [pytest.param((5,), id="1d"), pytest.param((2, 3, 4), id="3d"), pytest.param((), id="0d")],
)
def test_mask_to_box_rejects_non_2d(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="2D"):
        mask_to_box(np.ones(shape, dtype=bool))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param((0, 0, 4, 4), (0, 0, 4, 4), 1.0, id="identical"),
        pytest.param((0, 0, 2, 2), (5, 5, 7, 7), 0.0, id="disjoint"),
        pytest.param((0, 0, 2, 2), (2, 0, 4, 2), 0.0, id="touching-vertical-edge"),
        pytest.param((0, 0, 2, 2), (0, 2, 2, 4), 0.0, id="touching-horizontal-edge"),
        pytest.param((0, 0, 2, 2), (2, 2, 4, 4), 0.0, id="touching-corner"),
        pytest.param((0, 0, 4, 4), (1, 1, 3, 3), 4 / 16, id="contained"),
        pytest.param((1, 1, 3, 3), (0, 0, 4, 4), 4 / 16, id="contains"),
        pytest.param((0, 0, 4, 4), (0, 0, 4, 2), 0.5, id="half-of-a"),
        pytest.param((0, 0, 2, 2), (1, 0, 3, 2), 1 / 3, id="half-shifted"),
        pytest.param((0, 0, 0, 0), (0, 0, 0, 0), 0.0, id="both-zero-area"),
        pytest.param((2, 2, 2, 5), (0, 0, 4, 4), 0.0, id="zero-width-inside"),
        pytest.param((1, 1, 3, 1), (0, 0, 4, 4), 0.0, id="zero-height-inside"),
        pytest.param((0.5, 0.5, 2.5, 2.5), (1.5, 0.5, 3.5, 2.5), 2 / 6, id="float-coords"),
    ],
)
def test_box_iou(a: tuple[float, ...], b: tuple[float, ...], expected: float) -> None:
    assert box_iou(a, b) == pytest.approx(expected, abs=1e-12)  # type: ignore[arg-type]
    assert box_iou(b, a) == pytest.approx(expected, abs=1e-12)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        pytest.param((0, 0, 3, 3), 9.0, id="square"),
        pytest.param((1, 2, 4, 3), 3.0, id="row"),
        pytest.param((3, 3, 1, 1), 0.0, id="inverted-clamped"),
        pytest.param((2, 2, 2, 9), 0.0, id="zero-width"),
    ],
)
def test_box_area(box: tuple[float, float, float, float], expected: float) -> None:
    assert box_area(box) == expected


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        pytest.param((0, 0, W, H), True, id="whole-image"),
        pytest.param((W - 1, H - 1, W, H), True, id="last-pixel-x2-eq-width"),
        pytest.param((0, 0, W + 1, H), False, id="x2-past-width"),
        pytest.param((0, 0, W, H + 1), False, id="y2-past-height"),
        pytest.param((-1, 0, 3, 3), False, id="negative-x1"),
        pytest.param((0, -1, 3, 3), False, id="negative-y1"),
        pytest.param((2, 2, 2, 5), False, id="zero-width"),
        pytest.param((2, 2, 5, 2), False, id="zero-height"),
        pytest.param((5, 2, 3, 4), False, id="inverted"),
        pytest.param((0.5, 0.5, 1.5, 1.5), True, id="float-inside"),
    ],
)
def test_box_inside(box: tuple[float, float, float, float], expected: bool) -> None:
    assert box_inside(box, W, H) is expected
