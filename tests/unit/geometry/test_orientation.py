"""Canonical RAS reorientation from the affine, and radiological display slices."""

from __future__ import annotations

import numpy as np
import pytest

from medground.geometry.orientation import (
    FRAMES,
    axcodes,
    display_slice,
    display_spacing,
    n_slices,
    slice_position_mm,
    square_pixel_shape,
    to_canonical,
    voxel_sizes,
)

SHAPE = (5, 6, 7)  # x (R), y (A), z (S); all different to catch axis mix-ups
MID = (2, 3, 3)
RIGHT, ANTERIOR, SUPERIOR = 1, 2, 3
MARKERS = {
    RIGHT: (SHAPE[0] - 1, MID[1], MID[2]),  # most patient-Right voxel
    ANTERIOR: (MID[0], SHAPE[1] - 1, MID[2]),
    SUPERIOR: (MID[0], MID[1], SHAPE[2] - 1),
}


def _ras_volume() -> np.ndarray:
    vol = np.zeros(SHAPE, dtype=np.int16)
    for value, ijk in MARKERS.items():
        vol[ijk] = value
    return vol


def _where(img: np.ndarray, value: int) -> tuple[int, int]:
    ((r, c),) = np.argwhere(img == value)
    return int(r), int(c)


@pytest.mark.parametrize(
    ("plane", "index", "marker", "side", "expected_shape"),
    [
        pytest.param("axial", MID[2], RIGHT, "col0", (6, 5), id="axial-right-left"),
        pytest.param("axial", MID[2], ANTERIOR, "row0", (6, 5), id="axial-anterior-top"),
        pytest.param("coronal", MID[1], RIGHT, "col0", (7, 5), id="coronal-right-left"),
        pytest.param("coronal", MID[1], SUPERIOR, "row0", (7, 5), id="coronal-superior-top"),
        pytest.param("sagittal", MID[0], ANTERIOR, "col0", (7, 6), id="sagittal-anterior-left"),
        pytest.param("sagittal", MID[0], SUPERIOR, "row0", (7, 6), id="sagittal-superior-top"),
    ],
)
def test_display_slice_markers(
    plane: str, index: int, marker: int, side: str, expected_shape: tuple[int, int]
) -> None:
    img = display_slice(_ras_volume(), plane, index)
    assert img.shape == expected_shape
    r, c = _where(img, marker)
    if side == "col0":
        assert c == 0
    else:
        assert r == 0


@pytest.mark.parametrize(
    ("plane", "expected"),
    [
        # every marker's (row, col) in the slice through MID
        ("axial", {RIGHT: (2, 0), ANTERIOR: (0, 2)}),
        ("coronal", {RIGHT: (3, 0), SUPERIOR: (0, 2)}),
        ("sagittal", {ANTERIOR: (3, 0), SUPERIOR: (0, 2)}),
    ],
)
def test_display_slice_exact_positions(plane: str, expected: dict[int, tuple[int, int]]) -> None:
    index = MID[{"axial": 2, "coronal": 1, "sagittal": 0}[plane]]
    img = display_slice(_ras_volume(), plane, index)
    assert {m: _where(img, m) for m in expected} == expected


def test_display_slice_frames_match_docs() -> None:
    assert FRAMES["axial"]["left"] == "R" and FRAMES["axial"]["top"] == "A"
    assert FRAMES["coronal"]["left"] == "R" and FRAMES["coronal"]["top"] == "S"
    assert FRAMES["sagittal"]["left"] == "A" and FRAMES["sagittal"]["top"] == "S"


def test_display_slice_unknown_plane() -> None:
    with pytest.raises(ValueError, match="unknown plane"):
        display_slice(_ras_volume(), "oblique", 0)


def _affine(
    columns: list[tuple[float, float, float]], zooms=(1.5, 2.0, 3.0), origin=(-10.0, 20.0, 5.0)
):
    aff = np.eye(4)
    for j, (col, zoom) in enumerate(zip(columns, zooms, strict=True)):
        aff[:3, j] = np.asarray(col, dtype=float) * zoom
    aff[:3, 3] = origin
    return aff


def _rot_z(deg: float) -> np.ndarray:
    t = np.deg2rad(deg)
    return np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1.0]])


_R, _L = (1, 0, 0), (-1, 0, 0)
_A, _P = (0, 1, 0), (0, -1, 0)
_S, _I = (0, 0, 1), (0, 0, -1)
_OBLIQUE = _affine([tuple(_rot_z(20)[:, j]) for j in range(3)])
_OBLIQUE_LPS = _affine([tuple((_rot_z(20) @ np.diag([-1, -1, 1]))[:, j]) for j in range(3)])


@pytest.mark.parametrize(
    ("affine", "codes"),
    [
        pytest.param(_affine([_R, _A, _S]), "RAS", id="RAS"),
        pytest.param(_affine([_L, _P, _S]), "LPS", id="LPS"),
        pytest.param(_affine([_L, _A, _S]), "LAS", id="LAS"),
        pytest.param(_affine([_P, _S, _R]), "PSR", id="PSR"),
        pytest.param(_affine([_S, _L, _P]), "SLP", id="SLP"),
        pytest.param(_affine([_I, _R, _A]), "IRA", id="IRA"),
        pytest.param(_OBLIQUE, "RAS", id="oblique-20deg-z"),
        pytest.param(_OBLIQUE_LPS, "LPS", id="oblique-20deg-z-LPS"),
    ],
)
def test_to_canonical_keeps_world_coordinates(affine: np.ndarray, codes: str) -> None:
    assert axcodes(affine) == codes
    data = np.arange(np.prod(SHAPE), dtype=np.int32).reshape(SHAPE)
    out, new_affine = to_canonical(data, affine)
    assert axcodes(new_affine) == "RAS"
    assert sorted(out.shape) == sorted(SHAPE)
    assert np.shares_memory(out, data)  # a view: reorientation copies nothing
    # every voxel keeps its world coordinate (values are unique, so they track voxels)
    old_ijk = np.argwhere(np.ones(SHAPE, dtype=bool))
    new_pos = {int(out[tuple(ijk)]): ijk for ijk in np.argwhere(np.ones(out.shape, dtype=bool))}
    for ijk in old_ijk:
        value = int(data[tuple(ijk)])
        before = affine @ np.append(ijk, 1.0)
        after = new_affine @ np.append(new_pos[value], 1.0)
        np.testing.assert_allclose(after, before, atol=1e-9)
    # voxel sizes are permuted, never changed
    assert sorted(voxel_sizes(new_affine)) == pytest.approx(sorted(voxel_sizes(affine)))


def test_to_canonical_then_display_puts_right_on_image_left() -> None:
    """An LPS volume: patient Right is at index 0 of axis 0 before reorientation."""
    lps = np.zeros(SHAPE, dtype=np.int16)
    lps[0, 2, 3] = RIGHT
    out, _ = to_canonical(lps, _affine([_L, _P, _S]))
    img = display_slice(out, "axial", 3)
    assert _where(img, RIGHT)[1] == 0


def test_to_canonical_rejects_non_3d() -> None:
    with pytest.raises(ValueError, match="3D"):
        to_canonical(np.zeros((2, 3)), np.eye(4))


@pytest.mark.parametrize(
    ("plane", "expected"),
    [("axial", (2.0, 1.5)), ("coronal", (3.0, 1.5)), ("sagittal", (3.0, 2.0))],
)
def test_display_spacing(plane: str, expected: tuple[float, float]) -> None:
    assert display_spacing((1.5, 2.0, 3.0), plane) == expected
    vol = np.zeros(SHAPE)
    img = display_slice(vol, plane, 0)
    # rows/cols of the display slice run along the axes whose spacing is reported
    sizes = dict(zip((1.5, 2.0, 3.0), SHAPE, strict=True))
    assert img.shape == (sizes[expected[0]], sizes[expected[1]])


def test_display_spacing_unknown_plane() -> None:
    with pytest.raises(ValueError, match="unknown plane"):
        display_spacing((1.0, 1.0, 1.0), "image")


@pytest.mark.parametrize(
    ("shape", "spacing", "out_shape", "out_spacing"),
    [
        pytest.param((9, 49), (7.5, 0.5), (135, 49), (0.5, 0.5), id="thick-slices"),
        pytest.param((10, 20), (1.0, 1.0), (10, 20), (1.0, 1.0), id="already-square"),
        pytest.param((20, 10), (0.5, 2.0), (20, 40), (0.5, 0.5), id="columns-coarse"),
        pytest.param((3, 3), (0.7, 1.0), (3, 4), (0.7, 0.75), id="rounded-cols"),
        pytest.param((1, 1), (1.0, 0.001), (1000, 1), (0.001, 0.001), id="one-pixel"),
    ],
)
def test_square_pixel_shape(
    shape: tuple[int, int],
    spacing: tuple[float, float],
    out_shape: tuple[int, int],
    out_spacing: tuple[float, float],
) -> None:
    got_shape, got_spacing = square_pixel_shape(shape, spacing)
    assert got_shape == out_shape
    assert got_spacing == pytest.approx(out_spacing)
    # physical extent is preserved
    assert got_shape[0] * got_spacing[0] == pytest.approx(shape[0] * spacing[0])
    assert got_shape[1] * got_spacing[1] == pytest.approx(shape[1] * spacing[1])


@pytest.mark.parametrize(
    ("plane", "index", "expected"),
    [
        ("axial", 0, 5.0),
        ("axial", 4, 5.0 + 4 * 3.0),
        ("coronal", 2, 20.0 + 2 * 2.0),
        ("sagittal", 3, -10.0 + 3 * 1.5),
    ],
)
def test_slice_position_mm(plane: str, index: int, expected: float) -> None:
    affine = _affine([_R, _A, _S])
    assert slice_position_mm(affine, plane, index) == pytest.approx(expected)


@pytest.mark.parametrize(("plane", "expected"), [("axial", 7), ("coronal", 6), ("sagittal", 5)])
def test_n_slices(plane: str, expected: int) -> None:
    assert n_slices(SHAPE, plane) == expected
