"""Volume helpers: integer label maps and same-grid checks between image and label."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from scipy import ndimage

from medground.errors import CaseError
from medground.io.volume import (
    Volume,
    as_label_array,
    check_same_grid,
    compact_label_ids,
    label_boxes,
    present_ids,
    slabs,
    zero_ids,
)

LABEL_PATH = "labelsTr/case_001.nii.gz"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(np.array([[0, 1], [2, 3]], dtype=np.uint8), [[0, 1], [2, 3]], id="uint8"),
        pytest.param(np.array([[0, 70000]], dtype=np.int32), [[0, 70000]], id="int32"),
        pytest.param(np.array([[True, False]]), [[1, 0]], id="bool"),
        pytest.param(np.array([[0.0, 1.0], [2.0, 104.0]]), [[0, 1], [2, 104]], id="float-ints"),
        pytest.param(np.array([[0.0, 3.0]], dtype=np.float32), [[0, 3]], id="float32-ints"),
        pytest.param(np.array([[1.0004, 1.9996]]), [[1, 2]], id="float-rounding-noise"),
        pytest.param(np.array([[-0.0, 0.0]]), [[0, 0]], id="negative-zero"),
        pytest.param(np.zeros((0, 3)), np.zeros((0, 3)), id="empty"),
    ],
)
def test_as_label_array_ok(data: np.ndarray, expected: object) -> None:
    out = as_label_array(data, LABEL_PATH)
    assert out.dtype == np.int64
    assert out.shape == data.shape
    np.testing.assert_array_equal(out, np.asarray(expected))


@pytest.mark.parametrize(
    ("data", "match"),
    [
        pytest.param(np.array([[0.0, 0.5]]), "non-integer", id="half"),
        pytest.param(np.array([[1.0, 2.01, 3.3]]), "non-integer", id="several"),
        pytest.param(np.array([[0.0, np.nan]]), "NaN", id="nan"),
        pytest.param(np.array([[-1, 5]], dtype=np.int16), "negative", id="negative-int"),
        pytest.param(np.array([[-1.0, 5.0]]), "negative", id="negative-float"),
        pytest.param(np.array([[np.inf, 1.0]]), "infinite", id="inf"),
        pytest.param(np.array([[-np.inf]], dtype=np.float32), "infinite", id="neg-inf-f32"),
        pytest.param(np.array([["a", "b"]]), "non-numeric", id="strings"),
        pytest.param(np.array([[1 + 1j]]), "non-numeric", id="complex"),
    ],
)
def test_as_label_array_errors(data: np.ndarray, match: str) -> None:
    with pytest.raises(CaseError, match=match) as info:
        as_label_array(data, LABEL_PATH)
    assert info.value.code == "BAD_LABEL_MAP"
    assert info.value.file == LABEL_PATH
    assert LABEL_PATH in str(info.value)


def test_as_label_array_message_counts_and_example() -> None:
    data = np.zeros((3, 3))
    data[0, 0], data[2, 2] = 0.5, 1.25
    with pytest.raises(CaseError, match=r"e\.g\. 0\.5 in 2 voxels"):
        as_label_array(data, LABEL_PATH)


def _affine(
    zooms: tuple[float, float, float] = (1.0, 1.0, 2.5), origin=(0.0, 0.0, 0.0)
) -> np.ndarray:
    aff = np.diag([*zooms, 1.0])
    aff[:3, 3] = origin
    return aff


def _vol(shape: tuple[int, ...], affine: np.ndarray, path: str) -> Volume:
    return Volume(data=np.zeros(shape, dtype=np.int16), affine=affine, path=path)


def _rot_z(deg: float) -> np.ndarray:
    t = np.deg2rad(deg)
    aff = np.eye(4)
    aff[:2, :2] = [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]
    return aff


SHAPE = (40, 30, 20)


@pytest.mark.parametrize(
    ("label_shape", "label_affine", "code"),
    [
        pytest.param(SHAPE, _affine(), None, id="identical"),
        pytest.param(SHAPE, _affine() + 1e-6, None, id="float-jitter"),
        pytest.param(SHAPE, _affine(origin=(1e-4, -1e-4, 3e-4)), None, id="origin-rounding"),
        pytest.param(SHAPE, _affine(origin=(0.3, 0.0, 0.0)), None, id="under-half-voxel"),
        pytest.param((40, 30, 21), _affine(), "SHAPE_MISMATCH", id="shape"),
        pytest.param((30, 40, 20), _affine(), "SHAPE_MISMATCH", id="transposed-shape"),
        pytest.param(SHAPE, _affine(origin=(10.0, 0.0, 0.0)), "AFFINE_MISMATCH", id="shift-10mm-x"),
        pytest.param(
            SHAPE, _affine(origin=(0.0, 0.0, -10.0)), "AFFINE_MISMATCH", id="shift-10mm-z"
        ),
        pytest.param(SHAPE, _affine(zooms=(2.0, 1.0, 2.5)), "AFFINE_MISMATCH", id="double-zoom"),
    ],
)
def test_check_same_grid(
    label_shape: tuple[int, ...], label_affine: np.ndarray, code: str | None
) -> None:
    image = _vol(SHAPE, _affine(), "imagesTr/case_001_0000.nii.gz")
    label = _vol(label_shape, label_affine, LABEL_PATH)
    if code is None:
        check_same_grid(image, label)
        return
    with pytest.raises(CaseError) as info:
        check_same_grid(image, label)
    assert info.value.code == code
    assert info.value.file == LABEL_PATH
    if code == "SHAPE_MISMATCH":  # names both files
        assert "imagesTr/case_001_0000.nii.gz" in str(info.value)


def test_affine_mismatch_message_reports_size() -> None:
    image = _vol(SHAPE, _affine(), "img.nii.gz")
    label = _vol(SHAPE, _affine(origin=(10.0, 0.0, 0.0)), LABEL_PATH)
    with pytest.raises(CaseError, match=r"10 mm away from the image grid"):
        check_same_grid(image, label)


@pytest.mark.parametrize(
    "label_affine",
    [
        pytest.param(_affine(zooms=(1.4, 1.0, 2.5)), id="zoom-1.4-vs-1.0"),  # 16 mm off at i=39
        pytest.param(_rot_z(18) @ _affine(), id="rotated-18deg"),  # ~12 mm off at i=39
    ],
)
def test_check_same_grid_rejects_linear_mismatch(label_affine: np.ndarray) -> None:
    image = _vol(SHAPE, _affine(), "img.nii.gz")
    label = _vol(SHAPE, label_affine, LABEL_PATH)
    with pytest.raises(CaseError) as info:
        check_same_grid(image, label)
    assert info.value.code == "AFFINE_MISMATCH"


def test_volume_properties_and_canonical() -> None:
    lps = np.diag([-0.8, -0.8, 2.0, 1.0])
    vol = Volume(data=np.arange(24, dtype=np.int16).reshape(2, 3, 4), affine=lps, path="x.nii")
    assert vol.axcodes == "LPS"
    assert vol.zooms == pytest.approx((0.8, 0.8, 2.0))
    canon = vol.canonical()
    assert canon.axcodes == "RAS"
    assert canon.path == "x.nii"
    assert canon.data.shape == (2, 3, 4)
    assert canon.data[0, 0, 0] == vol.data[1, 2, 0]


# --- compact label maps: the smallest unsigned type, no wide copy --------------------------


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        pytest.param(np.array([[0, 1], [2, 255]], dtype=np.uint8), np.uint8, id="uint8-kept"),
        pytest.param(np.array([[0, 104]], dtype=np.int16), np.uint8, id="int16-104"),
        pytest.param(np.array([[0, 256]], dtype=np.int16), np.uint16, id="int16-256"),
        pytest.param(np.array([[0, 70000]], dtype=np.int32), np.uint32, id="int32-70000"),
        pytest.param(np.array([[0, 2**33]], dtype=np.int64), np.int64, id="past-uint32"),
        pytest.param(np.array([[True, False]]), np.uint8, id="bool"),
        pytest.param(np.array([[0.0, 1.0], [2.0, 104.0]]), np.uint8, id="float-ints"),
        pytest.param(np.array([[0.0, 300.0]], dtype=np.float32), np.uint16, id="float32-300"),
        pytest.param(np.array([[1.0004, 1.9996]]), np.uint8, id="float-rounding-noise"),
        pytest.param(np.array([[-0.0, 0.0]]), np.uint8, id="negative-zero"),
        pytest.param(np.zeros((0, 3)), np.uint8, id="empty"),
    ],
)
def test_compact_label_ids_takes_the_smallest_type(data: np.ndarray, dtype: type) -> None:
    out = compact_label_ids(data, LABEL_PATH)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, as_label_array(data, LABEL_PATH))


def test_compact_label_ids_copies_nothing_it_need_not() -> None:
    already = np.asfortranarray(np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    assert compact_label_ids(already, LABEL_PATH) is already
    mask = np.zeros((3, 4), dtype=bool)
    assert np.shares_memory(compact_label_ids(mask, LABEL_PATH), mask)
    narrowed = compact_label_ids(np.asfortranarray(already.astype(np.int16)), LABEL_PATH)
    assert narrowed.flags["F_CONTIGUOUS"]  # the reader's memory order is kept


ERRORS = [
    np.array([[0.0, 0.5]]),
    np.array([[0.0, np.nan]]),
    np.array([[-1, 5]], dtype=np.int16),
    np.array([[-1.0, 5.0]]),
    np.array([[np.inf, 1.0]]),
    np.array([["a", "b"]]),
    np.array([[1 + 1j]]),
]


@pytest.mark.parametrize("data", ERRORS)
def test_compact_label_ids_fails_as_as_label_array_does(data: np.ndarray) -> None:
    with pytest.raises(CaseError) as old:
        as_label_array(data, LABEL_PATH)
    with pytest.raises(CaseError) as new:
        compact_label_ids(data, LABEL_PATH)
    assert (new.value.code, new.value.message) == (old.value.code, old.value.message)


def test_a_problem_in_a_later_slab_names_the_first_problem_of_the_map(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Slab by slab, a NaN in the last slab still outranks a fraction in the first (the
    precedence and example of the whole-map check)."""
    monkeypatch.setattr("medground.io.volume.SLAB_VOXELS", 4)
    data = np.zeros((2, 2, 6))
    data[0, 0, 0], data[1, 1, 5] = 0.5, np.nan
    with pytest.raises(CaseError, match="NaN"):
        compact_label_ids(data, LABEL_PATH)
    data[1, 1, 5], data[1, 0, 4] = 3.0, -2.0
    with pytest.raises(CaseError, match=r"non-integer values \(e\.g\. 0\.5 in 1 voxels\)"):
        compact_label_ids(data, LABEL_PATH)
    data[0, 0, 0] = 1.0
    with pytest.raises(CaseError, match=r"negative label values \(e\.g\. -2 in 1 voxels\)"):
        compact_label_ids(data, LABEL_PATH)


def test_float_label_map_is_converted_without_a_full_wide_copy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The old check made float64 and int64 copies of the whole map (16 bytes a voxel on top of
    the input); slab by slab, the temporaries stay a fraction of the input's bytes."""
    monkeypatch.setattr("medground.io.volume.SLAB_VOXELS", 1 << 14)
    rng = np.random.default_rng(0)
    data = rng.integers(0, 40, (64, 64, 64)).astype(np.float64)
    tracemalloc.start()
    out = compact_label_ids(data, LABEL_PATH)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, data)
    assert peak < 0.4 * data.nbytes  # uint8 output (1/8) + slab temporaries


LAYOUTS = {
    "C": lambda a: a,
    "F": np.asfortranarray,
    "flipped": lambda a: a[::-1, :, ::-1],
    "permuted-F": lambda a: np.asfortranarray(a).transpose(2, 0, 1)[:, ::-1],
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32])
def test_present_ids_and_boxes_in_any_memory_order(layout: str, dtype: type) -> None:
    base = np.zeros((9, 7, 5), dtype=dtype)
    base[0, 0, 0], base[8, 6, 4] = 3, 300 if dtype != np.uint8 else 30  # opposite corners
    base[1:3, 2:6, 0:4] = 5
    base[4, :, 2] = 7
    data = LAYOUTS[layout](base)
    assert present_ids(data) == [int(v) for v in np.unique(data) if v != 0]
    assert label_boxes(data) == ndimage.find_objects(np.ascontiguousarray(data))


def test_zero_ids_leaves_its_input_alone() -> None:
    data = np.asfortranarray(np.array([[[0, 1], [2, 3]], [[3, 2], [1, 9]]], dtype=np.uint8))
    before = data.copy()
    out = zero_ids(data, [2, 9, 200])
    np.testing.assert_array_equal(out, np.where(np.isin(data, [2, 9]), 0, data))
    np.testing.assert_array_equal(data, before)
    assert out.dtype == np.uint8


@pytest.mark.parametrize("shape", [(5, 4, 3), (1, 1, 1), (7,), (3, 0, 2)])
@pytest.mark.parametrize("voxels", [1, 5, 1000])
def test_slabs_cover_every_voxel_once(shape: tuple[int, ...], voxels: int) -> None:
    data = np.asfortranarray(np.zeros(shape, dtype=np.int32))
    for part in slabs(data.shape, data.strides, voxels):
        data[part] += 1
    assert (data == 1).all()
