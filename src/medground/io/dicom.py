"""DICOM series (one folder of single-frame slices) reading through pydicom.

Geometry follows the DICOM standard: ImageOrientationPatient holds the direction of increasing
column index (row cosine) then of increasing row index (column cosine), in LPS patient
coordinates. The returned :class:`Volume` has voxel axes (i=column, j=row, k=slice) and a
RAS+ affine (nibabel convention), so a standard axial series comes out as ``LPS`` axcodes.

No patient identifier appears in an error message or in a returned field other than
:attr:`DicomSeries.patient_key`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from numpy.typing import NDArray
from pydicom.dataset import FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from medground.errors import CaseError
from medground.io.guard import HEAD_BYTES, check_size, sniff
from medground.io.volume import Volume

#: relative tolerance on slice spacing before a series counts as non-uniform
SPACING_TOLERANCE = 0.01
#: slices closer than this (mm) along the normal are duplicates
DUPLICATE_MM = 1e-3
#: tolerance on ImageOrientationPatient / PixelSpacing equality between slices
GEOMETRY_TOLERANCE = 1e-4
#: file names that say "DICOM": empty or non-DICOM content is then an error, not skipped
_DICOM_SUFFIXES = (".dcm", ".dicom", ".ima")


@dataclass
class DicomSeries:
    """One DICOM series as a volume plus the few header fields medground needs.

    ``patient_key`` is PatientID and PatientName joined, ONLY so that the caller can derive a
    hashed pseudonym (e.g. to keep cases of one patient in one split). It is identifying: it
    must never be written to any output, log or error message. It is left out of ``repr``.
    """

    volume: Volume
    modality: str
    patient_key: str = field(repr=False, compare=False)
    n_files: int


@dataclass
class _Slice:
    path: Path
    header: Any  # pydicom Dataset read without pixel data
    position: float = 0.0


def _read_header(path: Path) -> Any | None:
    """Header of an image DICOM file, or None when the file is not an image DICOM."""
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise CaseError(path, f"cannot read file ({exc.strerror})", code="UNREADABLE_FILE") from exc
    named = path.suffix.lower() in _DICOM_SUFFIXES
    if not head and (named or not path.suffix):  # IM0001, 1.dcm: a slice that was not copied
        raise CaseError(path, "file is empty (0 bytes): an interrupted copy or download?",
                        code="EMPTY_FILE")
    found = sniff(head)
    if named and found not in (None, "DICOM"):
        raise CaseError(path, f"content is {found}, not DICOM as the file name says",
                        code="WRONG_FORMAT")
    has_magic = found == "DICOM"
    try:
        ds = pydicom.dcmread(str(path), stop_before_pixels=True, force=not has_magic)
        is_image = "Rows" in ds and "Columns" in ds
    except InvalidDicomError:
        return None
    except Exception as exc:  # pydicom raises many types on truncated or garbage files
        if has_magic:
            raise CaseError(
                path, f"corrupt DICOM file ({type(exc).__name__})", code="CORRUPT_FILE"
            ) from exc
        return None  # not DICOM at all (README, .DS_Store, ...)
    return ds if is_image else None


def _floats(ds: Any, keyword: str, n: int, path: Path) -> NDArray[np.float64]:
    value = ds.get(keyword)
    try:
        arr = np.asarray([float(v) for v in value], dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.empty(0)
    if arr.shape != (n,) or not np.isfinite(arr).all():
        raise CaseError(
            path, f"missing or invalid {keyword} (need {n} numbers)", code="MISSING_GEOMETRY"
        )
    return arr


def _check_consistent(slices: list[_Slice]) -> None:
    ref = slices[0]
    ref_iop = _floats(ref.header, "ImageOrientationPatient", 6, ref.path)
    ref_ps = _floats(ref.header, "PixelSpacing", 2, ref.path)
    for s in slices[1:]:
        for key in ("Rows", "Columns"):
            a, b = int(ref.header.get(key)), int(s.header.get(key))
            if a != b:
                raise CaseError(
                    s.path,
                    f"{key} is {b} but {a} in {ref.path.name}; all slices of a series must match",
                    code="INCONSISTENT_SLICES",
                )
        for key, n, ref_val in (
            ("ImageOrientationPatient", 6, ref_iop),
            ("PixelSpacing", 2, ref_ps),
        ):
            val = _floats(s.header, key, n, s.path)
            if np.abs(val - ref_val).max() > GEOMETRY_TOLERANCE:
                raise CaseError(
                    s.path,
                    f"{key} {val.tolist()} differs from {ref_val.tolist()} in {ref.path.name}; "
                    "all slices of a series must match",
                    code="INCONSISTENT_SLICES",
                )


def _sort_and_check_spacing(slices: list[_Slice], normal: NDArray[np.float64]) -> float:
    """Sort slices along the normal; return the slice step (mm). Raises on duplicates/gaps."""
    for s in slices:
        s.position = float(_floats(s.header, "ImagePositionPatient", 3, s.path) @ normal)
    slices.sort(key=lambda s: s.position)
    if len(slices) == 1:
        return 0.0
    pos = np.array([s.position for s in slices])
    gaps = np.diff(pos)
    dup = np.flatnonzero(gaps < DUPLICATE_MM)
    if dup.size:
        a, b = slices[dup[0]], slices[dup[0] + 1]
        raise CaseError(
            b.path,
            f"duplicate slice position {b.position:.3f} mm (also in {a.path.name}); "
            f"{dup.size} duplicate(s) in the series",
            code="DUPLICATE_SLICE",
        )
    step = float(np.median(gaps))
    bad = np.flatnonzero(np.abs(gaps - step) > SPACING_TOLERANCE * step)
    if bad.size:
        a, b = slices[bad[0]], slices[bad[0] + 1]
        gap = float(gaps[bad[0]])
        hint = f"; about {round(gap / step) - 1} slice(s) missing" if gap > 1.5 * step else ""
        raise CaseError(
            a.path.parent,
            f"non-uniform slice spacing: gap of {gap:.3f} mm between {a.path.name} "
            f"({a.position:.3f} mm) and {b.path.name} ({b.position:.3f} mm), expected "
            f"{step:.3f} mm{hint}",
            code="NONUNIFORM_SPACING",
        )
    return step


def _ensure_transfer_syntax(ds: Any) -> None:
    """Files without a file meta header (no preamble) still need a transfer syntax to decode."""
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "TransferSyntaxUID" in meta:
        return
    if meta is None:
        ds.file_meta = meta = FileMetaDataset()
    encoding = getattr(ds, "original_encoding", None)  # pydicom >= 3
    implicit, little = encoding if encoding else (ds.is_implicit_VR, ds.is_little_endian)
    if implicit:
        meta.TransferSyntaxUID = ImplicitVRLittleEndian
    elif little:
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
    else:
        meta.TransferSyntaxUID = ExplicitVRBigEndian


def _slice_values(s: _Slice) -> NDArray[np.float32]:
    """Rescaled pixel values of one slice, transposed to (column i, row j)."""
    try:
        ds = pydicom.dcmread(str(s.path), force=True)
        _ensure_transfer_syntax(ds)
        pixels = np.asarray(ds.pixel_array)
    except Exception as exc:  # decoder errors come in many types
        raise CaseError(
            s.path, f"cannot decode pixel data ({type(exc).__name__}: {exc})", code="CORRUPT_FILE"
        ) from exc
    rows, cols = int(ds.Rows), int(ds.Columns)
    if pixels.shape != (rows, cols):
        raise CaseError(
            s.path,
            f"pixel array shape {pixels.shape} is not (Rows, Columns) = ({rows}, {cols}); "
            "colour or multi-sample images are not supported",
            code="UNSUPPORTED_DICOM",
        )
    slope = float(ds.get("RescaleSlope", 1.0) or 1.0)
    intercept = float(ds.get("RescaleIntercept", 0.0) or 0.0)
    values = pixels.astype(np.float32) * np.float32(slope) + np.float32(intercept)
    return np.ascontiguousarray(values.T)


def load_dicom_series(folder: str | Path) -> DicomSeries:
    """Read a folder holding ONE single-frame DICOM series as a RAS+ :class:`Volume`.

    Non-DICOM files (README, DICOMDIR, ...) and non-image DICOM objects are skipped; files in
    sub-folders are ignored. Slices are ordered by their position along the slice normal,
    not by file name. Values are RescaleSlope/RescaleIntercept-applied float32.
    """
    root = Path(folder)
    if not root.is_dir():
        raise CaseError(root, "DICOM series folder not found", code="FILE_NOT_FOUND")
    slices: list[_Slice] = []
    for path in sorted(p for p in root.iterdir() if p.is_file() and not p.name.startswith(".")):
        header = _read_header(path)
        if header is not None:
            slices.append(_Slice(path=path, header=header))
    if not slices:
        raise CaseError(root, "no readable DICOM image file in this folder", code="NO_DICOM_IMAGES")

    series = Counter(str(s.header.get("SeriesInstanceUID", "")) for s in slices)
    if len(series) > 1:
        counts = ", ".join(str(n) for n in sorted(series.values(), reverse=True))
        raise CaseError(
            root,
            f"folder holds {len(series)} DICOM series ({counts} image files); "
            "point the source at a folder containing a single series",
            code="MULTIPLE_SERIES",
        )
    for s in slices:
        frames = int(s.header.get("NumberOfFrames", 1) or 1)
        if frames > 1:
            raise CaseError(
                s.path,
                f"multi-frame (enhanced) DICOM with {frames} frames is not supported yet; "
                "convert it to NIfTI (e.g. with dcm2niix) first",
                code="UNSUPPORTED_DICOM",
            )

    _check_consistent(slices)
    first = slices[0]
    iop = _floats(first.header, "ImageOrientationPatient", 6, first.path)
    row_cos, col_cos = iop[:3], iop[3:]
    normal = np.cross(row_cos, col_cos)
    if abs(np.linalg.norm(normal) - 1.0) > 1e-2 or abs(float(row_cos @ col_cos)) > 1e-2:
        raise CaseError(
            first.path,
            f"ImageOrientationPatient {iop.tolist()} is not two orthogonal unit vectors",
            code="BAD_AFFINE",
        )
    normal = normal / np.linalg.norm(normal)
    step = _sort_and_check_spacing(slices, normal)
    row_spacing, col_spacing = _floats(first.header, "PixelSpacing", 2, first.path)

    origin = _floats(slices[0].header, "ImagePositionPatient", 3, slices[0].path)
    if len(slices) > 1:
        last = _floats(slices[-1].header, "ImagePositionPatient", 3, slices[-1].path)
        # the actual IPP step: equals step * normal, or is sheared for gantry-tilted CT
        k_vec = (last - origin) / (len(slices) - 1)
    else:
        thickness = float(first.header.get("SpacingBetweenSlices", 0) or 0) or float(
            first.header.get("SliceThickness", 1.0) or 1.0
        )
        k_vec = abs(thickness) * normal
        step = abs(thickness)

    affine = np.eye(4, dtype=np.float64)
    affine[:3, 0] = row_cos * col_spacing  # increasing column index i
    affine[:3, 1] = col_cos * row_spacing  # increasing row index j
    affine[:3, 2] = k_vec
    affine[:3, 3] = origin
    affine[:2, :] *= -1.0  # LPS -> RAS
    affine[affine == 0.0] = 0.0  # no -0.0 in printed affines
    if not np.isfinite(affine).all() or abs(np.linalg.det(affine[:3, :3])) < 1e-12 or step <= 0:
        raise CaseError(root, "DICOM geometry gives a singular affine", code="BAD_AFFINE")

    rows, cols = int(first.header.Rows), int(first.header.Columns)
    check_size(root, (cols, rows, len(slices)), np.dtype(np.float32).itemsize)
    data = np.empty((cols, rows, len(slices)), dtype=np.float32)
    for k, s in enumerate(slices):
        data[:, :, k] = _slice_values(s)

    pid = str(first.header.get("PatientID", "") or "")
    pname = str(first.header.get("PatientName", "") or "")
    modality = str(first.header.get("Modality", "") or "").strip() or "OT"
    return DicomSeries(
        volume=Volume(data=data, affine=affine, path=str(root)),
        modality=modality,
        patient_key=f"{pid}|{pname}" if (pid or pname) else "",
        n_files=len(slices),
    )
