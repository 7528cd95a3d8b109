"""NRRD reading with pynrrd (no SimpleITK): axis order, space -> RAS+ affine, detached headers,
encodings, Slicer segmentations, and errors that name the file."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import nibabel as nib
import nrrd
import numpy as np
import pytest

from medground.errors import CaseError
from medground.io.nrrd import load_nrrd

SHAPE = (4, 5, 6)  # (i, j, k) = NRRD axis order, fastest first
ORIGIN = [10.0, -20.0, 30.0]
SPACING = np.array([0.7, 1.1, 2.5])


def _data() -> np.ndarray:
    data = np.arange(np.prod(SHAPE), dtype=np.int16).reshape(SHAPE)
    data[1, 3, 2] = 999
    return data


def _rotation() -> np.ndarray:
    a, b, c = 0.3, -0.2, 0.45
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    ry = np.array([[np.cos(c), 0, np.sin(c)], [0, 1, 0], [-np.sin(c), 0, np.cos(c)]])
    return rz @ rx @ ry


OBLIQUE = (_rotation() * SPACING).T  # NRRD rows: one direction (spacing included) per axis


def _write(path: Path, data: np.ndarray, header: dict[str, Any], **kwargs: Any) -> Path:
    nrrd.write(str(path), data, dict(header), **kwargs)  # pynrrd adds fields to the dict it gets
    return path


@pytest.fixture
def sitk() -> ModuleType:
    return pytest.importorskip("SimpleITK", reason="SimpleITK (dev / [itk] extra) not installed")


# --- geometry ------------------------------------------------------------------------------

def test_lps_axis_aligned_by_hand(tmp_path: Path) -> None:
    header = {"space": "left-posterior-superior", "space directions": np.diag([0.5, 0.8, 2.0]),
              "space origin": ORIGIN}
    vol = load_nrrd(_write(tmp_path / "lps.nrrd", _data(), header))
    assert vol.data.shape == SHAPE and vol.data[1, 3, 2] == 999
    np.testing.assert_array_equal(vol.data, _data())
    expected = np.array([[-0.5, 0, 0, -10.0], [0, -0.8, 0, 20.0], [0, 0, 2.0, 30.0], [0, 0, 0, 1]])
    np.testing.assert_allclose(vol.affine, expected, atol=1e-12)
    # voxel (1, 3, 2) sits at LPS (10.5, -17.6, 34), i.e. RAS (-10.5, 17.6, 34)
    np.testing.assert_allclose(vol.affine @ [1, 3, 2, 1], [-10.5, 17.6, 34.0, 1.0], atol=1e-12)
    assert vol.axcodes == "LPS" and vol.oriented
    np.testing.assert_allclose(vol.zooms, (0.5, 0.8, 2.0))


@pytest.mark.parametrize(
    ("space", "signs"),
    [
        ("right-anterior-superior", (1, 1, 1)),
        ("RAS", (1, 1, 1)),
        ("left-anterior-superior", (-1, 1, 1)),
        ("left-posterior-superior", (-1, -1, 1)),
        ("LPS", (-1, -1, 1)),
    ],
)
def test_named_spaces_by_hand(tmp_path: Path, space: str, signs: tuple[int, ...]) -> None:
    directions = np.array([[0.0, 0.5, 0.0], [0.0, 0.0, -0.8], [2.0, 0.0, 0.0]])  # i->y, j->-z, k->x
    header = {"space": space, "space directions": directions, "space origin": ORIGIN}
    vol = load_nrrd(_write(tmp_path / "img.nrrd", _data(), header))
    flip = np.diag([*signs, 1.0])
    expected = flip @ np.block([[directions.T, np.array(ORIGIN)[:, None]], [np.zeros((1, 3)), 1]])
    np.testing.assert_allclose(vol.affine, expected, atol=1e-12)
    assert vol.oriented


@pytest.mark.parametrize("space", ["left-posterior-superior", "right-anterior-superior"])
@pytest.mark.parametrize("encoding", ["raw", "gzip"])
def test_oblique_anisotropic_matches_simpleitk(
    sitk: ModuleType, tmp_path: Path, space: str, encoding: str
) -> None:
    header = {"space": space, "space directions": OBLIQUE, "space origin": ORIGIN,
              "encoding": encoding}
    path = _write(tmp_path / "oblique.nrrd", _data(), header)
    vol = load_nrrd(path)
    image = sitk.ReadImage(str(path))
    np.testing.assert_array_equal(vol.data, sitk.GetArrayFromImage(image).transpose(2, 1, 0))
    for index in [(0, 0, 0), (1, 3, 2), (3, 4, 5), (2, 0, 5)]:
        x, y, z = image.TransformIndexToPhysicalPoint(index)  # LPS
        np.testing.assert_allclose((vol.affine @ [*index, 1])[:3], [-x, -y, z], atol=1e-9)
    np.testing.assert_allclose(vol.zooms, SPACING, atol=1e-9)
    # the same world points also follow from the header by hand
    lps = np.array(ORIGIN) + np.array([1, 3, 2]) @ OBLIQUE
    if space.startswith("right"):
        lps = lps * [-1, -1, 1]  # the header's coordinates were RAS
    np.testing.assert_allclose((vol.affine @ [1, 3, 2, 1])[:3], lps * [-1, -1, 1], atol=1e-9)


def test_oblique_agrees_with_nibabel_orientation(tmp_path: Path) -> None:
    header = {"space": "RAS", "space directions": OBLIQUE, "space origin": ORIGIN}
    vol = load_nrrd(_write(tmp_path / "o.nrrd", _data(), header))
    assert "".join(nib.aff2axcodes(vol.affine)) == vol.axcodes
    canonical = vol.canonical()
    assert canonical.axcodes == "RAS" and canonical.oriented


@pytest.mark.parametrize(
    "header",
    [
        {"space": "scanner-xyz", "space directions": np.diag([0.5, 2.0, 3.0]), "space origin": [1.0, 2.0, 3.0]},
        {"space": "3D-right-handed", "space directions": np.diag([0.5, 2.0, 3.0]), "space origin": [1.0, 2.0, 3.0]},
        {"space dimension": 3, "space directions": np.diag([0.5, 2.0, 3.0]), "space origin": [1.0, 2.0, 3.0]},
    ],
    ids=["scanner-xyz", "3D-right-handed", "space-dimension"],
)
def test_no_patient_frame_is_not_oriented(tmp_path: Path, header: dict[str, Any]) -> None:
    vol = load_nrrd(_write(tmp_path / "s.nrrd", _data(), header))
    assert not vol.oriented and not vol.canonical().oriented
    # placed as ITK places it: the coordinates taken as LPS
    expected = np.array([[-0.5, 0, 0, -1.0], [0, -2.0, 0, -2.0], [0, 0, 3.0, 3.0], [0, 0, 0, 1]])
    np.testing.assert_allclose(vol.affine, expected, atol=1e-12)


@pytest.mark.parametrize(
    ("header", "origin"),
    [
        ({"spacings": [0.5, 2.0, 3.0], "axis mins": [1.0, 2.0, 3.0]}, [1.25, 3.0, 4.5]),  # cell
        ({"spacings": [0.5, 2.0, 3.0], "axis mins": [1.0, 2.0, 3.0],
          "centerings": ["node", "node", "node"]}, [1.0, 2.0, 3.0]),
        ({"spacings": [0.5, 2.0, 3.0]}, [0.0, 0.0, 0.0]),
    ],
)
def test_no_space_at_all(
    tmp_path: Path, header: dict[str, Any], origin: list[float]
) -> None:
    path = _write(tmp_path / "plain.nrrd", _data(), header)
    vol = load_nrrd(path)
    assert not vol.oriented
    expected = np.diag([-0.5, -2.0, 3.0, 1.0])
    expected[:3, 3] = np.array(origin) * [-1, -1, 1]
    np.testing.assert_allclose(vol.affine, expected, atol=1e-12)
    np.testing.assert_array_equal(vol.data, _data())


def test_no_space_matches_simpleitk(sitk: ModuleType, tmp_path: Path) -> None:
    path = _write(tmp_path / "plain.nrrd", _data(), {"spacings": [0.5, 2.0, 3.0],
                                                     "axis mins": [1.0, 2.0, 3.0]})
    from medground.io.itk import load_itk

    np.testing.assert_allclose(load_nrrd(path).affine, load_itk(path).affine, atol=1e-12)


def test_no_spacing_is_1mm(tmp_path: Path) -> None:
    vol = load_nrrd(_write(tmp_path / "bare.nrrd", _data(), {}))
    np.testing.assert_allclose(vol.affine, np.diag([-1.0, -1.0, 1.0, 1.0]))
    assert not vol.oriented


# --- 2D ---------------------------------------------------------------------------------------

def test_2d_in_3d_space(tmp_path: Path) -> None:
    data = np.arange(12, dtype=np.uint8).reshape(3, 4)
    directions = np.array([[0.0, 0.5, 0.0], [0.0, 0.0, 2.0]])  # i -> P, j -> S (a sagittal plane)
    header = {"space": "LPS", "space directions": directions, "space origin": ORIGIN}
    vol = load_nrrd(_write(tmp_path / "slice.nrrd", data, header))
    assert vol.data.shape == (3, 4, 1)
    np.testing.assert_array_equal(vol.data[..., 0], data)
    # third axis: the unit normal P x S = L in LPS, i.e. -x in RAS
    expected = np.array([[0, 0, -1.0, -10.0], [-0.5, 0, 0, 20.0], [0, 2.0, 0, 30.0], [0, 0, 0, 1]])
    np.testing.assert_allclose(vol.affine, expected, atol=1e-12)
    assert vol.oriented


def test_2d_in_2d_space(tmp_path: Path) -> None:
    data = np.zeros((7, 5), dtype=np.uint8)
    data[6, 4] = 1
    header = {"space dimension": 2, "space directions": np.diag([0.3, 0.4]),
              "space origin": [1.0, 2.0]}
    vol = load_nrrd(_write(tmp_path / "slice.nrrd", data, header))
    assert vol.data.shape == (7, 5, 1) and vol.data[6, 4, 0] == 1
    expected = np.array([[-0.3, 0, 0, -1.0], [0, -0.4, 0, -2.0], [0, 0, 1.0, 0], [0, 0, 0, 1]])
    np.testing.assert_allclose(vol.affine, expected, atol=1e-12)
    assert not vol.oriented


def test_2d_without_space(tmp_path: Path) -> None:
    data = np.arange(12, dtype=np.uint16).reshape(3, 4)
    vol = load_nrrd(_write(tmp_path / "plain2d.nrrd", data, {"spacings": [0.25, 0.5]}))
    assert vol.data.shape == (3, 4, 1)
    np.testing.assert_allclose(vol.affine, np.diag([-0.25, -0.5, 1.0, 1.0]))


# --- files and encodings ----------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["raw", "gzip", "bzip2", "ascii"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    header = {"space": "LPS", "space directions": OBLIQUE, "space origin": ORIGIN,
              "encoding": encoding}
    vol = load_nrrd(_write(tmp_path / "e.nrrd", _data(), header))
    np.testing.assert_array_equal(vol.data, _data())


@pytest.mark.parametrize("encoding", ["raw", "gzip"])
def test_detached_header(sitk: ModuleType, tmp_path: Path, encoding: str) -> None:
    header = {"space": "LPS", "space directions": OBLIQUE, "space origin": ORIGIN,
              "encoding": encoding}
    path = _write(tmp_path / "det.nhdr", _data(), header)
    data_files = sorted(p.name for p in tmp_path.iterdir() if p.name != "det.nhdr")
    assert data_files == ["det.raw" + (".gz" if encoding == "gzip" else "")]
    vol = load_nrrd(path)
    np.testing.assert_array_equal(vol.data, _data())
    image = sitk.ReadImage(str(path))
    x, y, z = image.TransformIndexToPhysicalPoint((1, 3, 2))
    np.testing.assert_allclose((vol.affine @ [1, 3, 2, 1])[:3], [-x, -y, z], atol=1e-9)


def test_detached_name_with_a_space(tmp_path: Path) -> None:
    path = _write(tmp_path / "case 1.nhdr", _data(), {"space": "LPS", "space directions": OBLIQUE})
    assert b"data file: case 1.raw.gz" in path.read_bytes()
    np.testing.assert_array_equal(load_nrrd(path).data, _data())


def test_multi_file_data_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "slices.nhdr"
    path.write_text("NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 3 2\nencoding: raw\n"
                    "data file: slice%03d.raw 0 1 1\n\n")
    with pytest.raises(CaseError) as info:
        load_nrrd(path)
    assert info.value.code == "UNREADABLE_FILE" and "multi-file" in info.value.message


def test_detached_data_file_missing(tmp_path: Path) -> None:
    path = _write(tmp_path / "det.nhdr", _data(), {"space": "LPS", "space directions": OBLIQUE})
    (tmp_path / "det.raw.gz").unlink()
    with pytest.raises(CaseError) as info:
        load_nrrd(path)
    assert info.value.code == "FILE_NOT_FOUND"
    assert "det.nhdr" in str(info.value) and "det.raw.gz" in info.value.message


def test_big_endian_becomes_native(tmp_path: Path) -> None:
    data = _data().astype(">i2")
    path = _write(tmp_path / "be.nrrd", data, {"space": "RAS", "space directions": np.eye(3),
                                                "encoding": "raw"})
    assert b"endian: big" in path.read_bytes()
    vol = load_nrrd(path)
    assert vol.data.dtype == np.dtype("int16") and vol.data.dtype.isnative
    np.testing.assert_array_equal(vol.data, _data())


# --- shapes: components, layers, time -----------------------------------------------------

_NONE = [np.nan, np.nan, np.nan]


def _vector_image(tmp_path: Path, kind: str, name: str = "vec.nrrd") -> Path:
    data = np.stack([_data(), _data() + 1, _data() + 2])  # the component axis first
    header = {"space": "LPS", "space directions": np.array([_NONE, *np.eye(3)]),
              "kinds": [kind, "domain", "domain", "domain"]}
    return _write(tmp_path / name, data, header)


def test_multi_component_is_bad_shape(tmp_path: Path) -> None:
    path = _vector_image(tmp_path, "RGB-color")
    with pytest.raises(CaseError) as info:
        load_nrrd(path)
    assert info.value.code == "BAD_SHAPE" and "vec.nrrd" in str(info.value)
    assert "3 components" in info.value.message and "RGB-color" in info.value.message


def test_channel_picks_a_component(tmp_path: Path) -> None:
    vol = load_nrrd(_vector_image(tmp_path, "vector"), channel=2)
    np.testing.assert_array_equal(vol.data, _data() + 2)
    np.testing.assert_allclose(vol.affine, np.diag([-1.0, -1.0, 1.0, 1.0]))
    with pytest.raises(CaseError, match="out of range") as info:
        load_nrrd(_vector_image(tmp_path, "vector"), channel=3)
    assert info.value.code == "BAD_SHAPE"


def test_time_axis_is_bad_shape(tmp_path: Path) -> None:
    data = np.stack([_data()] * 2, axis=-1)
    header = {"space": "RAS", "space directions": np.array([*np.eye(3), _NONE]),
              "kinds": ["domain", "domain", "domain", "time"]}
    with pytest.raises(CaseError) as info:
        load_nrrd(_write(tmp_path / "t.nrrd", data, header))
    assert info.value.code == "BAD_SHAPE" and "time" in info.value.message


def test_time_space_is_bad_shape(tmp_path: Path) -> None:
    header = {"space": "right-anterior-superior-time", "space directions": np.eye(4)}
    with pytest.raises(CaseError) as info:
        load_nrrd(_write(tmp_path / "t.nrrd", np.zeros((2, 3, 4, 2), np.uint8), header))
    assert info.value.code == "BAD_SHAPE"


def test_1d_is_bad_shape(tmp_path: Path) -> None:
    with pytest.raises(CaseError) as info:
        load_nrrd(_write(tmp_path / "line.nrrd", np.arange(5, dtype=np.uint8), {}))
    assert info.value.code == "BAD_SHAPE" and "1 spatial axes" in info.value.message


def _segmentation(tmp_path: Path, layers: int) -> Path:
    labels = np.zeros((layers, *SHAPE), np.uint8)
    labels[0, 1:3, 1:4, 2:5] = 1
    labels[0, 3, 4, 5] = 2
    labels[-1, 0:2, 0:2, 0:2] += 1
    header = {"space": "left-posterior-superior",
              "space directions": np.array([_NONE, *np.diag([0.5, 0.5, 1.5])]),
              "space origin": ORIGIN, "kinds": ["list", "domain", "domain", "domain"],
              "Segment0_ID": "Segment_1", "Segment0_LabelValue": "1", "Segment0_Layer": "0"}
    return _write(tmp_path / "case1.seg.nrrd", labels, header)


def test_slicer_segmentation_single_layer(tmp_path: Path) -> None:
    vol = load_nrrd(_segmentation(tmp_path, layers=1))
    assert vol.data.shape == SHAPE
    assert vol.data[3, 4, 5] == 2 and vol.data[2, 2, 3] == 1
    assert int(vol.data.sum()) == 2 * 3 * 3 * 1 + 2 + 8
    np.testing.assert_allclose(vol.affine[:3, 3], [-10.0, 20.0, 30.0])


def test_slicer_segmentation_layers_are_bad_shape(tmp_path: Path) -> None:
    with pytest.raises(CaseError) as info:
        load_nrrd(_segmentation(tmp_path, layers=2))
    assert info.value.code == "BAD_SHAPE" and "case1.seg.nrrd" in str(info.value)
    assert "2 layers" in info.value.message and "labelmap" in info.value.message


# --- errors -----------------------------------------------------------------------------------

def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaseError) as info:
        load_nrrd(tmp_path / "absent.nrrd")
    assert info.value.code == "FILE_NOT_FOUND" and "absent.nrrd" in str(info.value)


@pytest.mark.parametrize(("content", "code"), [
    (b"", "EMPTY_FILE"), (b"not an nrrd at all\n", "UNREADABLE_FILE"),
    (b"NRRD0004\nsizes 3 4\n\n", "UNREADABLE_FILE"), (b"\x89PNG\r\n\x1a\n...", "WRONG_FORMAT")])
def test_garbage_file(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "junk.nrrd"
    path.write_bytes(content)
    with pytest.raises(CaseError) as info:
        load_nrrd(path)
    assert info.value.code == code and "junk.nrrd" in str(info.value)


@pytest.mark.parametrize("encoding", ["raw", "gzip"])
def test_truncated_file(tmp_path: Path, encoding: str) -> None:
    header = {"space": "LPS", "space directions": OBLIQUE, "encoding": encoding}
    path = _write(tmp_path / "cut.nrrd", _data(), header)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    with pytest.raises(CaseError) as info:
        load_nrrd(path)
    assert info.value.code == "CORRUPT_FILE" and "cut.nrrd" in str(info.value)
    assert "truncated" in info.value.message


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.nrrd", _data(), {"space": "LPS", "space directions": OBLIQUE})
    data = bytearray(path.read_bytes())
    start = data.index(b"\n\n") + 2 + 12  # inside the compressed stream
    data[start : start + 30] = b"\x00" * 30
    path.write_bytes(bytes(data))
    with pytest.raises(CaseError) as info:
        load_nrrd(path)
    assert info.value.code == "CORRUPT_FILE" and "bad.nrrd" in str(info.value)


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ({"space": "LPS", "space directions": np.diag([1.0, 0.0, 1.0])}, "BAD_AFFINE"),
        ({"space": "LPS", "space directions": np.array([[1.0, 0, 0], [2.0, 0, 0], [0, 0, 1.0]])},
         "BAD_AFFINE"),
        ({"space": "LPS", "space directions": np.diag([1.0, np.inf, 1.0])}, "BAD_AFFINE"),
        ({"space": "posterior-left-inferior", "space directions": np.eye(3)}, "BAD_AFFINE"),
        ({"space": "LPS", "space directions": np.eye(3), "space origin": [0.0, np.nan, 1.0]},
         "BAD_AFFINE"),
    ],
    ids=["zero-spacing", "parallel", "infinite", "unknown-space", "nan-origin"],
)
def test_bad_geometry(tmp_path: Path, header: dict[str, Any], code: str) -> None:
    with pytest.raises(CaseError) as info:
        load_nrrd(_write(tmp_path / "geo.nrrd", _data(), header))
    assert info.value.code == code and "geo.nrrd" in str(info.value)
