"""DICOM series reading: slice order, rescale, LPS->RAS affine, errors without patient data."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pydicom
import pytest
from numpy.typing import NDArray
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from medground.errors import CaseError
from medground.io.dicom import load_dicom_series
from medground.io.nifti import load_nifti

SECRETS = ("Doe", "John", "SECRET123")
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
ROWS, COLS = 8, 6
ROW_SP, COL_SP = 0.8, 0.5  # PixelSpacing = [row spacing, column spacing]
SLOPE, INTERCEPT = 2.0, -1000.0


def _dataset(**fields: Any) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = "Doe^John"
    ds.PatientID = "SECRET123"
    for key, value in fields.items():
        setattr(ds, key, value)
    return ds


def _write(ds: Dataset, path: Path) -> None:
    try:
        pydicom.dcmwrite(path, ds, enforce_file_format=True)
    except TypeError:  # pydicom < 3
        ds.is_little_endian, ds.is_implicit_VR = True, False
        pydicom.dcmwrite(path, ds, write_like_original=False)


def _slice(ipp: NDArray[np.float64], pixels: NDArray[np.uint16], **over: Any) -> Dataset:
    fields: dict[str, Any] = {
        "Modality": "CT",
        "SeriesInstanceUID": "1.2.3.4",
        "Rows": pixels.shape[0],
        "Columns": pixels.shape[1],
        "PixelSpacing": [ROW_SP, COL_SP],
        "ImageOrientationPatient": list(AXIAL),
        "ImagePositionPatient": [float(v) for v in ipp],
        "RescaleSlope": SLOPE,
        "RescaleIntercept": INTERCEPT,
        "SamplesPerPixel": 1,
        "PhotometricInterpretation": "MONOCHROME2",
        "BitsAllocated": 16,
        "BitsStored": 16,
        "HighBit": 15,
        "PixelRepresentation": 0,
    }
    fields.update(over)
    ds = _dataset(**fields)
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    return ds


def _cosines(iop: tuple[float, ...]) -> tuple[NDArray[np.float64], ...]:
    row, col = np.array(iop[:3]), np.array(iop[3:])
    return row, col, np.cross(row, col)


def write_series(
    folder: Path,
    n: int = 5,
    iop: tuple[float, ...] = AXIAL,
    origin: tuple[float, float, float] = (-10.0, 20.0, 30.0),
    step: float = 2.5,
    positions: list[float] | None = None,
    marker: tuple[int, int, int] = (4, 1, 3),
    seed: int = 0,
    **over: Any,
) -> list[NDArray[np.float64]]:
    """Write slices in shuffled order under names unrelated to position; return the IPPs."""
    folder.mkdir(parents=True, exist_ok=True)
    normal = _cosines(iop)[2]
    offsets = positions if positions is not None else [k * step for k in range(n)]
    ipps = [np.array(origin) + off * normal for off in offsets]
    order = list(range(len(ipps)))
    random.Random(seed).shuffle(order)
    for name_no, k in enumerate(order):
        pixels = np.full((ROWS, COLS), 100 + 10 * k, dtype=np.uint16)
        if k == marker[2]:
            pixels[marker[1], marker[0]] = 4000  # [row j, column i]
        _write(
            _slice(ipps[k], pixels, ImageOrientationPatient=list(iop), **over),
            folder / f"x{(7 * name_no + 3) % 11:02d}.dcm",
        )
    return ipps


def _ras(lps: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.array([-lps[0], -lps[1], lps[2]])


def _assert_clean(exc: CaseError, *names: str) -> None:
    text = str(exc)
    for name in names:
        assert name in text, f"{name!r} not named in {text!r}"
    for secret in SECRETS:
        assert secret not in text


def test_axial_series_shape_values_and_affine(tmp_path: Path) -> None:
    ipps = write_series(tmp_path / "s")
    series = load_dicom_series(tmp_path / "s")
    vol = series.volume
    assert vol.data.shape == (COLS, ROWS, 5)
    assert vol.data.dtype == np.float32
    assert series.modality == "CT" and series.n_files == 5
    for k in range(5):  # slices sorted by position, not by file name
        expected = (100 + 10 * k) * SLOPE + INTERCEPT
        assert np.count_nonzero(vol.data[:, :, k] == expected) == ROWS * COLS - (k == 3)
    assert vol.data[4, 1, 3] == 4000 * SLOPE + INTERCEPT
    expected_affine = np.array(
        [[-COL_SP, 0, 0, 10.0], [0, -ROW_SP, 0, -20.0], [0, 0, 2.5, 30.0], [0, 0, 0, 1]]
    )
    np.testing.assert_allclose(vol.affine, expected_affine, atol=1e-9)
    assert nib.aff2axcodes(vol.affine) == ("L", "P", "S")
    world = _ras(ipps[3] + 4 * COL_SP * np.array([1.0, 0, 0]) + 1 * ROW_SP * np.array([0, 1.0, 0]))
    np.testing.assert_allclose((vol.affine @ [4, 1, 3, 1])[:3], world, atol=1e-9)


def test_patient_key_kept_out_of_repr(tmp_path: Path) -> None:
    write_series(tmp_path / "s", n=2, marker=(0, 0, 0))
    series = load_dicom_series(tmp_path / "s")
    assert "SECRET123" in series.patient_key and "Doe" in series.patient_key
    assert not any(s in repr(series) for s in SECRETS)


@pytest.mark.parametrize(
    ("iop", "codes"),
    [
        ((1, 0, 0, 0, 0, -1), ("L", "I", "P")),  # coronal
        ((0, 1, 0, 0, 0, -1), ("P", "I", "R")),  # sagittal
    ],
)
def test_standard_orientations(
    tmp_path: Path, iop: tuple[float, ...], codes: tuple[str, ...]
) -> None:
    write_series(tmp_path / "s", iop=tuple(float(v) for v in iop))
    assert nib.aff2axcodes(load_dicom_series(tmp_path / "s").volume.affine) == codes


def test_oblique_series_every_voxel_maps_to_its_dicom_position(tmp_path: Path) -> None:
    a, b = np.deg2rad(25.0), np.deg2rad(15.0)
    row = np.array([np.cos(a), np.sin(a), 0.0])
    col = np.array([-np.sin(a) * np.cos(b), np.cos(a) * np.cos(b), np.sin(b)])
    iop = (*row, *col)
    # descending offsets: the first file written is the last slice in space
    ipps = write_series(tmp_path / "s", iop=iop, positions=[6.0, 3.0, 0.0, -3.0], marker=(2, 5, 1))
    vol = load_dicom_series(tmp_path / "s").volume
    ipps = sorted(ipps, key=lambda p: float(p @ np.cross(row, col)))
    for i, j, k in [(0, 0, 0), (5, 7, 3), (2, 5, 2), (1, 3, 1)]:
        lps = ipps[k] + i * COL_SP * row + j * ROW_SP * col
        np.testing.assert_allclose((vol.affine @ [i, j, k, 1])[:3], _ras(lps), atol=1e-6)
    # marker written in the slice at offset 3.0, which is sorted index 2
    assert vol.data[2, 5, 2] == 4000 * SLOPE + INTERCEPT


def test_skips_non_dicom_and_non_image_files(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    write_series(folder, n=3, marker=(0, 0, 0))
    (folder / "README").write_text("exported by a PACS\n")
    (folder / ".DS_Store").write_bytes(os.urandom(64))
    _write(_dataset(), folder / "DICOMDIR")  # a DICOM object without pixels
    series = load_dicom_series(folder)
    assert series.n_files == 3


def test_defaults_without_modality_or_rescale(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    for k in range(2):
        ds = _slice(np.array([0.0, 0.0, 5.0 * k]), np.full((ROWS, COLS), 7, dtype=np.uint16))
        for key in ("Modality", "RescaleSlope", "RescaleIntercept"):
            delattr(ds, key)
        _write(ds, folder / f"{k}.dcm")
    series = load_dicom_series(folder)
    assert series.modality == "OT"
    assert np.all(series.volume.data == 7)
    assert series.volume.zooms == pytest.approx((COL_SP, ROW_SP, 5.0))


def test_single_slice_uses_slice_thickness(tmp_path: Path) -> None:
    write_series(tmp_path / "s", n=1, marker=(0, 0, 0), SliceThickness=3.0)
    vol = load_dicom_series(tmp_path / "s").volume
    assert vol.data.shape == (COLS, ROWS, 1)
    assert vol.zooms == pytest.approx((COL_SP, ROW_SP, 3.0))


def test_file_without_preamble_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    write_series(folder, n=2, marker=(0, 0, 0))
    ds = _slice(np.array([-10.0, 20.0, 35.0]), np.full((ROWS, COLS), 1, dtype=np.uint16))
    del ds.file_meta
    try:
        pydicom.dcmwrite(folder / "raw", ds, implicit_vr=True, little_endian=True)
    except TypeError:
        pytest.skip("writing a bare dataset needs pydicom >= 3")
    assert (folder / "raw").read_bytes()[128:132] != b"DICM"
    assert load_dicom_series(folder).n_files == 3


def test_two_series_in_one_folder(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    write_series(folder, n=3)
    write_series(folder / "tmp", n=2, SeriesInstanceUID="1.2.3.5")
    for f in (folder / "tmp").iterdir():
        f.rename(folder / f"other_{f.name}")
    with pytest.raises(CaseError) as info:
        load_dicom_series(folder)
    assert info.value.code == "MULTIPLE_SERIES"
    assert "2 DICOM series" in str(info.value) and "single series" in str(info.value)
    _assert_clean(info.value, "study")


def test_duplicate_slice_position(tmp_path: Path) -> None:
    write_series(tmp_path / "dup", positions=[0.0, 2.5, 2.5, 5.0], marker=(0, 0, 0))
    with pytest.raises(CaseError) as info:
        load_dicom_series(tmp_path / "dup")
    assert info.value.code == "DUPLICATE_SLICE"
    _assert_clean(info.value, "dup", "duplicate", ".dcm")


def test_missing_slice_is_a_named_gap(tmp_path: Path) -> None:
    write_series(tmp_path / "gap", positions=[0.0, 2.5, 5.0, 10.0, 12.5], marker=(0, 0, 0))
    with pytest.raises(CaseError) as info:
        load_dicom_series(tmp_path / "gap")
    assert info.value.code == "NONUNIFORM_SPACING"
    assert "5.000 mm" in str(info.value) and "1 slice(s) missing" in str(info.value)
    _assert_clean(info.value, "gap", ".dcm")


def test_inconsistent_rows(tmp_path: Path) -> None:
    folder = tmp_path / "rows"
    write_series(folder, n=3, marker=(0, 0, 0))
    small = np.zeros((ROWS - 1, COLS), dtype=np.uint16)
    _write(_slice(np.array([-10.0, 20.0, 37.5]), small), folder / "odd.dcm")
    with pytest.raises(CaseError) as info:
        load_dicom_series(folder)
    assert info.value.code == "INCONSISTENT_SLICES"
    _assert_clean(info.value, "rows", "odd.dcm", "Rows")


def test_multiframe_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "mf"
    folder.mkdir()
    pixels = np.zeros((3 * ROWS, COLS), dtype=np.uint16)
    ds = _slice(np.zeros(3), pixels, Rows=ROWS, NumberOfFrames=3)
    _write(ds, folder / "enhanced.dcm")
    with pytest.raises(CaseError) as info:
        load_dicom_series(folder)
    assert info.value.code == "UNSUPPORTED_DICOM" and "not supported" in str(info.value)
    _assert_clean(info.value, "enhanced.dcm")


@pytest.mark.parametrize("content", [None, "just a text file\n"])
def test_folder_without_dicom_images(tmp_path: Path, content: str | None) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    if content is not None:
        (folder / "notes.txt").write_text(content)
    with pytest.raises(CaseError) as info:
        load_dicom_series(folder)
    assert info.value.code == "NO_DICOM_IMAGES"
    _assert_clean(info.value, "nothing")


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CaseError) as info:
        load_dicom_series(tmp_path / "absent")
    assert info.value.code == "FILE_NOT_FOUND"


def _samples() -> Path | None:
    env = os.environ.get("MEDGROUND_SAMPLES")
    root = Path(env) if env else Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
    return root if (root / "totalsegmentator_example").is_dir() else None


@pytest.mark.integration
@pytest.mark.skipif(
    _samples() is None, reason="sample data ../shared/data or $MEDGROUND_SAMPLES absent"
)
def test_real_ct_series_matches_dcm2niix_segmentation() -> None:
    root = _samples()
    assert root is not None
    series = load_dicom_series(root / "totalsegmentator_example" / "example_ct_dicom")
    assert series.modality == "CT" and series.n_files == 20
    assert series.volume.data.shape == (512, 512, 20)
    ct = series.volume.canonical()
    seg = load_nifti(root / "totalsegmentator_example" / "example_seg_dicom.nii.gz").canonical()
    assert ct.data.shape == seg.data.shape
    np.testing.assert_allclose(ct.affine, seg.affine, atol=1e-2)
    assert float(ct.data.min()) <= -1000.0  # HU: air present
    assert float(np.mean(ct.data < -900)) > 0.2
    # organs are homogeneous in HU only when image and labels line up voxel for voxel
    labels = np.rint(seg.data).astype(np.int64)

    def within_label_std(hu: NDArray[np.generic]) -> float:
        ids = np.unique(labels[labels > 0])
        return float(
            sum(hu[labels == i].std() * np.sum(labels == i) for i in ids) / (labels > 0).sum()
        )

    aligned = within_label_std(ct.data)
    assert aligned < 100.0
    for wrong in (ct.data[::-1], ct.data[:, ::-1], ct.data[:, :, ::-1]):
        assert aligned < 0.8 * within_label_std(wrong)
