"""split_components ordering and connectivity, remove_specks, min_component_area."""

from __future__ import annotations

import numpy as np
import pytest

from medground.geometry.components import min_component_area, remove_specks, split_components


def _grid(rows: list[str]) -> np.ndarray:
    """Mask from ASCII art: '#' is foreground."""
    return np.array([[ch == "#" for ch in row] for row in rows], dtype=bool)


def _first_pixel(mask: np.ndarray) -> tuple[int, int]:
    r, c = np.argwhere(mask)[0]
    return int(r), int(c)


@pytest.mark.parametrize(
    ("rows", "sizes", "firsts"),
    [
        pytest.param(
            ["#....", ".....", "..###", "..###"], [6, 1], [(2, 2), (0, 0)], id="largest-first"
        ),
        pytest.param(
            ["....##", "......", "##....", "......"],
            [2, 2],
            [(0, 4), (2, 0)],
            id="tie-top-row-beats-left-column",
        ),
        pytest.param(
            ["##.##", ".....", "....."], [2, 2], [(0, 0), (0, 3)], id="tie-same-row-left-first"
        ),
        pytest.param(
            ["...#.", "...#.", "#....", "#...."],
            [2, 2],
            [(0, 3), (2, 0)],
            id="tie-raster-order-of-first-pixel",
        ),
        pytest.param(
            ["#.#.#", ".....", "###.."],
            [3, 1, 1, 1],
            [(2, 0), (0, 0), (0, 2), (0, 4)],
            id="mixed-sizes-and-ties",
        ),
        pytest.param([".....", "....."], [], [], id="empty"),
    ],
)
def test_split_components_order(
    rows: list[str], sizes: list[int], firsts: list[tuple[int, int]]
) -> None:
    mask = _grid(rows)
    parts = split_components(mask)
    assert [int(p.sum()) for p in parts] == sizes
    assert [_first_pixel(p) for p in parts] == firsts
    if parts:
        union = np.logical_or.reduce(parts)
        assert np.array_equal(union, mask)
        assert all(p.dtype == bool and p.shape == mask.shape for p in parts)


@pytest.mark.parametrize(
    ("rows", "connectivity", "n_parts"),
    [
        pytest.param(["#.", ".#"], 8, 1, id="diagonal-8"),
        pytest.param(["#.", ".#"], 4, 2, id="diagonal-4"),
        pytest.param([".#", "#."], 8, 1, id="anti-diagonal-8"),
        pytest.param([".#", "#."], 4, 2, id="anti-diagonal-4"),
        pytest.param(["##", ".."], 4, 1, id="horizontal-4"),
        pytest.param(["#.", "#."], 4, 1, id="vertical-4"),
    ],
)
def test_split_components_connectivity(rows: list[str], connectivity: int, n_parts: int) -> None:
    assert len(split_components(_grid(rows), connectivity)) == n_parts


@pytest.mark.parametrize("connectivity", [0, 2, 6, 26])
def test_split_components_invalid_connectivity(connectivity: int) -> None:
    with pytest.raises(ValueError, match="connectivity"):
        split_components(_grid(["#"]), connectivity)


SPECKY = [
    "#.....####",
    "......####",
    "..##..####",
    "..........",
    "#........#",
]


@pytest.mark.parametrize(
    ("min_area", "connectivity", "dropped", "kept"),
    [
        pytest.param(2, 8, 3, 14, id="singletons-go"),
        pytest.param(3, 8, 4, 12, id="pair-goes-too"),
        pytest.param(12, 8, 4, 12, id="equal-to-min-kept"),
        pytest.param(13, 8, 5, 0, id="everything-goes"),
        pytest.param(1, 8, 0, 17, id="min-1-noop"),
        pytest.param(0, 8, 0, 17, id="min-0-noop"),
        pytest.param(-5, 8, 0, 17, id="negative-noop"),
    ],
)
def test_remove_specks(min_area: int, connectivity: int, dropped: int, kept: int) -> None:
    mask = _grid(SPECKY)
    cleaned, n = remove_specks(mask, min_area, connectivity)
    assert n == dropped
    assert int(cleaned.sum()) == kept
    assert not (cleaned & ~mask).any()  # never adds pixels
    if kept:
        assert cleaned[0:3, 6:10].all()  # the big block survives


def test_remove_specks_noop_returns_input_unchanged() -> None:
    mask = _grid(SPECKY)
    cleaned, n = remove_specks(mask, 1)
    assert n == 0
    assert cleaned is mask


@pytest.mark.parametrize(
    ("connectivity", "dropped", "kept"),
    [
        pytest.param(8, 0, 2, id="8-diagonal-pair-kept"),
        pytest.param(4, 2, 0, id="4-two-singletons"),
    ],
)
def test_remove_specks_connectivity(connectivity: int, dropped: int, kept: int) -> None:
    cleaned, n = remove_specks(_grid(["#.", ".#"]), 2, connectivity)
    assert (n, int(cleaned.sum())) == (dropped, kept)


def test_remove_specks_empty() -> None:
    mask = np.zeros((4, 4), dtype=bool)
    cleaned, n = remove_specks(mask, 5)
    assert n == 0 and not cleaned.any()


@pytest.mark.parametrize(
    ("image_area", "min_px", "fraction", "expected"),
    [
        pytest.param(622 * 528, 5, 2e-4, 66, id="fraction-wins-622x528"),
        pytest.param(622 * 528, 100, 2e-4, 100, id="absolute-wins"),
        pytest.param(64 * 64, 20, 1e-4, 20, id="small-image-absolute"),
        pytest.param(512 * 512, 5, 1e-4, 27, id="512sq-ceil"),
        pytest.param(100, 0, 0.0, 0, id="both-zero"),
        pytest.param(1000, 1, 3e-3, 3, id="exact-product"),
        pytest.param(10_000, 1, 3e-4, 3, id="float-below-integer"),
        pytest.param(100, 1, 0.07, 7, id="float-above-integer"),  # 0.07 * 100 = 7.000000000000001
    ],
)
def test_min_component_area(image_area: int, min_px: int, fraction: float, expected: int) -> None:
    assert min_component_area(image_area, min_px, fraction) == expected
