"""A hostile corpus: every kind of broken, absurd or malicious input file, each beside good cases.

:func:`write_corpus` writes three source folders (a ``folder2d``, a ``nifti`` volume source
read through ``dataset.json`` and a ``dicom`` one) and returns them with the error code each
hostile case must produce (:class:`HostileCase`). Files are small: an absurd size is declared
in a header (a NIfTI-2 header claiming 10^6 x 10^6 x 10^6 voxels, a PNG whose IHDR says
20000 x 20000), never written out. Not imported by the runtime.
"""

from __future__ import annotations

import gzip
import json
import shutil
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import tifffile
from numpy.typing import NDArray
from PIL import Image

LABEL = "lesion"
GRID = np.diag([2.0, 2.0, 3.0, 1.0])  # RAS, 2 x 2 x 3 mm voxels
MARK = "PHI-MARK"  # the prefix of every marked patient identifier


@dataclass(frozen=True)
class HostileCase:
    """One case of the corpus: ``code`` is the error it must produce, None for a good case."""

    source: str  # "folder2d", "volume" or "dicom"
    case: str  # the case id of the build
    code: str | None
    what: str


@dataclass
class Corpus:
    root: Path
    cases: list[HostileCase]
    configs: dict[str, dict[str, Any]]  # source kind -> raw build config (parse_config)

    def hostile(self, source: str | None = None) -> list[HostileCase]:
        return [c for c in self.cases if c.code and source in (None, c.source)]

    def good(self, source: str | None = None) -> list[HostileCase]:
        return [c for c in self.cases if not c.code and source in (None, c.source)]


# --- small writers ------------------------------------------------------------------------------
def _disc(shape: tuple[int, int], cy: int, cx: int, r: int) -> NDArray[np.bool_]:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return np.asarray((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r)


def image_and_mask(shape: tuple[int, int] = (48, 56)) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """A noisy grey image with one bright disc, and its 0/1 label map."""
    mask = _disc(shape, shape[0] // 2, shape[1] // 2, min(shape) // 5).astype(np.uint8)
    noise = np.random.default_rng(0).integers(0, 40, shape)
    return (noise + 170 * mask).astype(np.uint8), mask


def _save(path: Path, arr: NDArray[Any], fmt: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".tif", ".tiff"):
        tifffile.imwrite(path, arr, photometric="minisblack")
    else:
        Image.fromarray(arr).save(path, format=fmt)
    return path


def _bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _truncate(path: Path, keep: float = 0.6) -> Path:
    data = path.read_bytes()
    return _bytes(path, data[: int(len(data) * keep)])


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int = 20000, height: int = 20000) -> bytes:
    """A valid PNG signature and IHDR declaring ``width`` x ``height`` grey pixels, with one
    tiny IDAT: a decompression bomb's header, 100 bytes on disk."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _png_chunk(b"IEND", b""))


def huge_tiff(side: int = 60000) -> bytes:
    """A little-endian TIFF whose one IFD declares ``side`` x ``side`` 8-bit pixels in one
    strip that the file does not hold."""
    entries = [(256, 4, side), (257, 4, side), (258, 3, 8), (259, 3, 1), (262, 3, 1),
               (273, 4, 8 + 2 + 12 * 9 + 4), (277, 3, 1), (278, 4, side), (279, 4, side * side)]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", tag, kind, 1, value) for tag, kind, value in entries)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + b"\0" * 16


def huge_nifti2(side: int = 10**6) -> bytes:
    """A header-only NIfTI-2 (.nii) declaring side^3 int16 voxels."""
    header = nib.Nifti2Header()
    header.set_data_shape((side, side, side))
    header.set_data_dtype(np.int16)
    header.set_sform(GRID, code=1)
    return bytes(header.binaryblock) + b"\0" * 4


def huge_nifti1_gz() -> bytes:
    """A gzip-compressed NIfTI-1 header declaring 32767^3 voxels (the format's largest)."""
    header = nib.Nifti1Header()
    header.set_data_shape((32767, 32767, 32767))
    header.set_data_dtype(np.int16)
    return gzip.compress(bytes(header.binaryblock) + b"\0" * 4, mtime=0)


def save_nifti(path: Path, data: NDArray[Any], affine: NDArray[np.float64] = GRID) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = nib.Nifti1Image(data, affine)
    image.header.set_sform(affine, code=1)
    image.header.set_qform(affine, code=1)
    nib.save(image, str(path))
    return path


def singular_nifti_gz(data: NDArray[Any]) -> bytes:
    """A .nii.gz whose sform (code 1, used before the qform) maps the slice axis to nothing:
    nibabel cannot write that, so the srow_z entry is patched in the header bytes."""
    image = nib.Nifti1Image(data, GRID)
    image.header.set_sform(GRID, code=1)
    raw = bytearray(image.to_bytes())  # little-endian on the machines medground runs on
    end = "<" if image.header.endianness == "<" else ">"
    offset = 280 + 2 * 16 + 2 * 4  # srow_x, srow_y (4 float32 each), then srow_z[2]
    raw[offset:offset + 4] = struct.pack(f"{end}f", 0.0)
    return gzip.compress(bytes(raw), mtime=0)


def volume_and_label(shape: tuple[int, int, int] = (40, 36, 8)
                     ) -> tuple[NDArray[np.int16], NDArray[np.uint8]]:
    """A noisy CT-like volume (HU) with one bright blob, and its 0/1 label volume."""
    label = np.zeros(shape, np.uint8)
    label[12:24, 10:22, 2:6] = 1
    noise = np.random.default_rng(1).normal(40, 8, shape)
    return (noise + 160 * label).astype(np.int16), label


def _nrrd_header(sizes: tuple[int, ...], data_file: str | None = None) -> bytes:
    lines = ["NRRD0004", "type: short", "dimension: 3", "space: left-posterior-superior",
             f"sizes: {' '.join(map(str, sizes))}",
             "space directions: (2,0,0) (0,2,0) (0,0,3)", "endian: little", "encoding: raw"]
    if data_file is not None:
        lines.append(f"data file: {data_file}")
    return ("\n".join(lines) + "\n\n").encode()


def _mha(sizes: tuple[int, ...], data: bytes = b"") -> bytes:
    head = ("ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
            "TransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 0 0 0\nElementSpacing = 2 2 3\n"
            f"DimSize = {' '.join(map(str, sizes))}\nElementType = MET_SHORT\n"
            "ElementDataFile = LOCAL\n")
    return head.encode() + data


def has_simpleitk() -> bool:
    try:
        import SimpleITK  # noqa: F401
    except ImportError:
        return False
    return True


# --- DICOM -----------------------------------------------------------------------------------
#: marked values for the identifiers that must never reach an output
PHI = {"PatientName": f"{MARK}-NAME-7731", "PatientID": f"{MARK}-ID-7731",
       "PatientBirthDate": "17310704", "AccessionNumber": f"{MARK}-AC-7731",
       "InstitutionName": f"{MARK}-INST-7731", "ReferringPhysicianName": f"{MARK}-DOC-7731"}


def write_dicom_series(folder: Path, volume: NDArray[Any], spacing: tuple[float, float, float],
                       series_uid: str = "1.2.826.0.1.3680043.8.498.1", start: int = 0,
                       **fields: Any) -> list[Path]:
    """Axial CT slices (LPS, origin (0, 0, 0)) of ``volume`` (i = column, j = row, k), with
    the marked identifiers of :data:`PHI` unless ``fields`` overrides them."""
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import UID, CTImageStorage, ExplicitVRLittleEndian

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(volume.shape[2]):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = UID(f"{series_uid}.{start + k + 1}")
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.SeriesInstanceUID, ds.StudyInstanceUID = series_uid, "1.2.826.0.1.3680043.8.498.9"
        ds.Modality = "CT"
        ds.Rows, ds.Columns = volume.shape[1], volume.shape[0]
        ds.PixelSpacing = [spacing[1], spacing[0]]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [0.0, 0.0, (start + k) * spacing[2]]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = 1, 0
        ds.PixelData = np.ascontiguousarray(volume[:, :, k].T.astype(np.int16)).tobytes()
        for key, value in {**PHI, **fields}.items():
            setattr(ds, key, value)
        path = folder / f"IM{start + k:04d}.dcm"
        pydicom.dcmwrite(path, ds, enforce_file_format=True)
        paths.append(path)
    return paths


def dicom_label_affine(spacing: tuple[float, float, float]) -> NDArray[np.float64]:
    """The RAS affine medground reads for :func:`write_dicom_series` (LPS -> RAS flips x, y)."""
    return np.diag([-spacing[0], -spacing[1], spacing[2], 1.0])


def write_dicom_pair(root: Path, name: str, series: str | None = None) -> dict[str, str]:
    """A good series and its label under ``root``; returns its config ``pairs`` entry."""
    spacing = (2.0, 2.0, 3.0)
    volume, label = volume_and_label()
    folder = series or f"series/{name}"
    write_dicom_series(root / folder, volume, spacing)
    save_nifti(root / "labels" / f"{name}.nii.gz", label, dicom_label_affine(spacing))
    return {"series": folder, "label": f"labels/{name}.nii.gz", "case": name}


# --- the corpus -----------------------------------------------------------------------------
def _folder2d(root: Path, outside: Path) -> tuple[list[HostileCase], dict[str, Any]]:
    image, mask = image_and_mask()
    cases: list[HostileCase] = []
    pairs: list[dict[str, str]] = []

    def add(case: str, code: str | None, what: str, img: str, msk: str) -> None:
        cases.append(HostileCase("folder2d", case, code, what))
        pairs.append({"image": img, "mask": msk, "case": case})

    def good_pair(stem: str, ext: str = ".png", mask_ext: str = ".png") -> tuple[str, str]:
        _save(root / "images" / f"{stem}{ext}", image)
        _save(root / "masks" / f"{stem}{mask_ext}", mask)
        return f"images/{stem}{ext}", f"masks/{stem}{mask_ext}"

    add("good", None, "PNG image and label map", *good_pair("good"))
    add("good space é 患者", None, "spaces and unicode in the file names",
        *good_pair("good space é 患者"))
    add("good_jpeg", None, "JPEG image", *good_pair("good_jpeg", ".jpg"))
    add("good_tiff", None, "TIFF image and mask", *good_pair("good_tiff", ".tif", ".tif"))
    for ext, fmt in ((".png", "png"), (".jpg", "jpeg"), (".tif", "tiff")):
        img, msk = good_pair(f"{fmt}_empty", ext)
        _bytes(root / img, b"")
        add(f"{fmt}_empty", "EMPTY_FILE", f"0-byte {fmt.upper()} image", img, msk)
        img, msk = good_pair(f"{fmt}_truncated", ext)
        _truncate(root / img)
        add(f"{fmt}_truncated", "CORRUPT_FILE", f"{fmt.upper()} image cut at 60%", img, msk)
    img, msk = good_pair("nifti_as_png")
    _bytes(root / img, huge_nifti1_gz())
    add("nifti_as_png", "WRONG_FORMAT", "a gzip NIfTI named .png", img, msk)
    img, msk = good_pair("html_as_jpg", ".jpg")
    _bytes(root / img, b"<!DOCTYPE html><html><body>403 Forbidden</body></html>")
    add("html_as_jpg", "WRONG_FORMAT", "an HTML error page named .jpg", img, msk)
    img, msk = good_pair("png_huge")
    _bytes(root / img, huge_png())
    add("png_huge", "TOO_LARGE", "PNG declaring 20000 x 20000 pixels (Pillow: a bomb)", img, msk)
    img, msk = good_pair("tiff_huge", ".tif")
    _bytes(root / img, huge_tiff())
    add("tiff_huge", "TOO_LARGE", "TIFF declaring 60000 x 60000 pixels", img, msk)
    img, msk = good_pair("tiff_nan", ".tif")
    nan_image = image.astype(np.float32)
    nan_image[:4, :4] = np.nan
    nan_image[-1, -1] = np.inf
    _save(root / img, nan_image)
    add("tiff_nan", "NON_FINITE", "float TIFF image with NaN and Inf", img, msk)
    img, msk = good_pair("mask_fraction", ".png", ".tif")
    _save(root / msk, mask.astype(np.float32) * 1.5)
    add("mask_fraction", "BAD_LABEL_MAP", "float label map with 1.5", img, msk)
    img, msk = good_pair("mask_negative", ".png", ".tif")
    _save(root / msk, mask.astype(np.int16) - (mask == 0).astype(np.int16))
    add("mask_negative", "BAD_LABEL_MAP", "label map with -1", img, msk)
    img, msk = good_pair("shape_mismatch")
    _save(root / msk, mask[:40])
    add("shape_mismatch", "SHAPE_MISMATCH", "mask smaller than the image", img, msk)
    img, msk = good_pair("missing_mask")
    (root / msk).unlink()
    add("missing_mask", "FILE_NOT_FOUND", "no mask file", img, msk)
    img, msk = good_pair("symlink_out")
    _save(outside / "secret.png", image)
    (root / img).unlink()
    (root / img).symlink_to(outside / "secret.png")
    add("symlink_out", "OUTSIDE_ROOT", "image is a link to a file outside the root", img, msk)
    ids = np.arange(image.size, dtype=np.uint16).reshape(image.shape) % 600 + 1
    img, msk = good_pair("many_labels", ".png", ".tif")
    _save(root / msk, ids)
    add("many_labels", "TOO_MANY_LABELS", "label map with 600 label ids", img, msk)
    add("many_components", "TOO_MANY_INSTANCES", "10^5 separate 3 x 3 components",
        *_many_components(root))
    config = {"name": "hostile2d", "source": {
        "type": "folder2d", "root": str(root), "mask_mode": "label_map", "modality": "OT",
        "label_names": {1: LABEL}, "pairs": pairs},
        # tiny components are findings here (nuclei-like), not specks: the cap must hold
        "regions": {"min_area_fraction": 0.0, "split": [LABEL]}}
    return cases, config


def _many_components(root: Path, n_side: int = 317) -> tuple[str, str]:
    """A label map with n_side^2 (10^5) 3 x 3 squares, one pixel apart (8-connectivity keeps
    them apart), and a matching image; both compress to a few kB."""
    tile = np.zeros((4, 4), np.uint8)
    tile[:3, :3] = 1
    mask = np.tile(tile, (n_side, n_side))
    image = (40 + 150 * mask).astype(np.uint8)
    _save(root / "images" / "many_components.png", image)
    _save(root / "masks" / "many_components.png", mask)
    return "images/many_components.png", "masks/many_components.png"


def _volume(root: Path, outside: Path) -> tuple[list[HostileCase], dict[str, Any]]:
    volume, label = volume_and_label()
    cases: list[HostileCase] = []
    training: list[dict[str, str]] = []

    def add(case: str, code: str | None, what: str, img: str, lab: str) -> None:
        cases.append(HostileCase("volume", case, code, what))
        training.append({"image": img, "label": lab})

    def pair(name: str, ext: str = ".nii.gz",
             writer: Callable[[Path, NDArray[Any]], Any] = save_nifti) -> tuple[Path, Path]:
        img, lab = root / "imagesTr" / f"{name}{ext}", root / "labelsTr" / f"{name}{ext}"
        writer(img, volume)
        writer(lab, label)
        add(name, None, "", f"imagesTr/{name}{ext}", f"labelsTr/{name}{ext}")
        return img, lab

    def hostile(name: str, code: str, what: str, ext: str = ".nii.gz",
                writer: Callable[[Path, NDArray[Any]], Any] = save_nifti) -> tuple[Path, Path]:
        img, lab = pair(name, ext, writer)
        cases[-1] = HostileCase("volume", name, code, what)
        return img, lab

    pair("good")
    pair("good space é 患者")
    pair("good_nii", ".nii")
    pair("good_nrrd", ".nrrd", _save_nrrd)
    for ext, fmt in ((".nii", "nii"), (".nii.gz", "niigz"), (".nrrd", "nrrd")):
        writer = _save_nrrd if fmt == "nrrd" else save_nifti
        img, _ = hostile(f"{fmt}_empty", "EMPTY_FILE", f"0-byte {ext} image", ext, writer)
        _bytes(img, b"")
        img, _ = hostile(f"{fmt}_truncated", "CORRUPT_FILE", f"{ext} image cut at 60%", ext,
                         writer)
        _truncate(img)
    img, _ = hostile("png_as_niigz", "WRONG_FORMAT", "a PNG named .nii.gz")
    _save(img.with_name("tmp.png"), image_and_mask()[0]).rename(img)
    img, _ = hostile("nii_as_niigz", "WRONG_FORMAT", "an uncompressed NIfTI named .nii.gz")
    img.write_bytes(gzip.decompress(img.read_bytes()))
    img, _ = hostile("nrrd_wrong_magic", "WRONG_FORMAT", "a gzip stream named .nrrd", ".nrrd",
                     _save_nrrd)
    _bytes(img, gzip.compress(b"not an image", mtime=0))
    img, _ = hostile("nii_huge", "TOO_LARGE", "NIfTI-2 header: 10^6 x 10^6 x 10^6", ".nii")
    _bytes(img, huge_nifti2())
    img, _ = hostile("niigz_huge", "TOO_LARGE", "NIfTI-1 header: 32767^3, gzip")
    _bytes(img, huge_nifti1_gz())
    img, _ = hostile("nrrd_huge", "TOO_LARGE", "NRRD header: 10^6^3, no data", ".nrrd",
                     _save_nrrd)
    _bytes(img, _nrrd_header((10**6,) * 3))
    img, _ = hostile("nhdr_outside", "OUTSIDE_ROOT", "detached NRRD data file outside the root",
                     ".nhdr", _save_nrrd)
    _bytes(outside / "raw.raw", volume.astype("<i2").tobytes(order="F"))
    _bytes(img, _nrrd_header(volume.shape, data_file="../../outside/raw.raw"))
    img, _ = hostile("nan_image", "NON_FINITE", "NaN and Inf in the image")
    bad = volume.astype(np.float32)
    bad[0, 0, :] = np.nan
    bad[1, 1, 1] = np.inf
    save_nifti(img, bad)
    _, lab = hostile("inf_label", "BAD_LABEL_MAP", "NaN and Inf in the label map")
    save_nifti(lab, np.where(label > 0, np.inf, np.nan).astype(np.float32))
    img, _ = hostile("singular_affine", "BAD_AFFINE", "sform with a zero column (slice axis)")
    _bytes(img, singular_nifti_gz(volume))
    _, lab = hostile("fraction_label", "BAD_LABEL_MAP", "float label map with 1.5")
    save_nifti(lab, label.astype(np.float32) * 1.5)
    _, lab = hostile("negative_label", "BAD_LABEL_MAP", "label map with -1")
    save_nifti(lab, label.astype(np.int16) - 1)
    _, lab = hostile("shape_mismatch", "SHAPE_MISMATCH", "label with fewer slices")
    save_nifti(lab, label[:, :, :6])
    _, lab = hostile("affine_mismatch", "AFFINE_MISMATCH", "label shifted by 40 mm")
    shifted = GRID.copy()
    shifted[0, 3] = 40.0
    save_nifti(lab, label, shifted)
    img, _ = hostile("symlink_out", "OUTSIDE_ROOT", "image is a link to a file outside the root")
    img.unlink()
    img.symlink_to(save_nifti(outside / "volume.nii.gz", volume))
    save_nifti(outside / "dotdot.nii.gz", volume)
    save_nifti(root / "labelsTr" / "dotdot.nii.gz", label)
    add("dotdot", None, "", "../outside/dotdot.nii.gz", "labelsTr/dotdot.nii.gz")
    cases[-1] = HostileCase("volume", "dotdot", "OUTSIDE_ROOT", "dataset.json entry ../outside")
    if has_simpleitk():
        pair("good_mha", ".mha", _save_mha)
        img, _ = hostile("mha_empty", "EMPTY_FILE", "0-byte .mha image", ".mha", _save_mha)
        _bytes(img, b"")
        img, _ = hostile("mha_truncated", "CORRUPT_FILE", ".mha image cut at 60%", ".mha",
                         _save_mha)
        _truncate(img)
        img, _ = hostile("mha_huge", "TOO_LARGE", "MHA header: 10^6^3, no data", ".mha",
                         _save_mha)
        _bytes(img, _mha((10**6,) * 3))
        img, _ = hostile("mha_wrong_magic", "WRONG_FORMAT", "a PNG named .mha", ".mha", _save_mha)
        _save(img.with_name("tmp.png"), image_and_mask()[0]).rename(img)
    dataset = {"name": "hostile", "labels": {"0": "background", "1": LABEL},
               "modality": {"0": "CT"}, "training": training}
    (root / "dataset.json").write_text(json.dumps(dataset, ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    return cases, {"name": "hostilevol", "source": {"type": "nifti", "root": str(root),
                                                    "dataset_json": "dataset.json"},
                   "slicing": {"planes": ["axial"]}}


def _save_nrrd(path: Path, data: NDArray[Any]) -> Path:
    arr = np.asarray(data, dtype="<i2")
    return _bytes(path, _nrrd_header(arr.shape) + arr.tobytes(order="F"))


def _save_mha(path: Path, data: NDArray[Any]) -> Path:
    arr = np.asarray(data, dtype="<i2")
    return _bytes(path, _mha(arr.shape, arr.tobytes(order="F")))


def _dicom(root: Path, outside: Path) -> tuple[list[HostileCase], dict[str, Any]]:
    cases: list[HostileCase] = []
    pairs: list[dict[str, str]] = []

    def add(name: str, code: str | None, what: str) -> Path:
        pairs.append(write_dicom_pair(root, name))
        cases.append(HostileCase("dicom", name, code, what))
        return root / "series" / name

    add("good", None, "")
    (add("missing_slice", "NONUNIFORM_SPACING", "slice 3 of 8 missing") / "IM0003.dcm").unlink()
    folder = add("two_series", "MULTIPLE_SERIES", "a second series in the folder")
    write_dicom_series(folder, volume_and_label()[0][:, :, :2], (2.0, 2.0, 3.0),
                       series_uid="1.2.826.0.1.3680043.8.498.2", start=20)
    _bytes(add("empty_slice", "EMPTY_FILE", "a 0-byte slice") / "IM0004.dcm", b"")
    _truncate(add("truncated_slice", "CORRUPT_FILE", "a slice cut at 60%") / "IM0002.dcm")
    _save(add("png_slice", "WRONG_FORMAT", "a PNG named .dcm") / "IM0005.dcm",
          image_and_mask()[0], "png")
    folder = add("symlink_slice", "OUTSIDE_ROOT", "a slice linked from outside the root")
    shutil.move(folder / "IM0006.dcm", outside / "IM0006.dcm")
    (folder / "IM0006.dcm").symlink_to(outside / "IM0006.dcm")
    folder = add("huge", "TOO_LARGE", "Rows = Columns = 65535")
    shutil.rmtree(folder)
    write_dicom_series(folder, np.zeros((2, 2, 1), np.int16), (2.0, 2.0, 3.0),
                       series_uid="1.2.826.0.1.3680043.8.498.3", Rows=65535, Columns=65535)
    return cases, {"name": "hostiledcm", "source": {
        "type": "dicom", "root": str(root), "label_names": {1: LABEL}, "pairs": pairs},
        "slicing": {"planes": ["axial"]}}


def write_corpus(root: Path) -> Corpus:
    """Write the corpus under ``root`` (folders ``2d``, ``volume``, ``dicom``, and ``outside``
    for what the links point at)."""
    outside = root / "outside"
    outside.mkdir(parents=True, exist_ok=True)
    cases: list[HostileCase] = []
    configs: dict[str, dict[str, Any]] = {}
    for kind, folder, writer in (("folder2d", "2d", _folder2d), ("volume", "volume", _volume),
                                 ("dicom", "dicom", _dicom)):
        found, config = writer(root / folder, outside)
        cases += found
        configs[kind] = config
    return Corpus(root=root, cases=cases, configs=configs)
