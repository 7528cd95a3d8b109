"""NIfTI (.nii / .nii.gz) reading through nibabel."""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import nibabel as nib
import numpy as np

from medground.errors import CaseError
from medground.io.guard import check_file, check_size
from medground.io.volume import Volume


def load_nifti(path: str | Path, channel: int | None = None) -> Volume:
    """Read a NIfTI volume. 4D images need ``channel`` (MSD multi-modal data)."""
    p = Path(path)
    compressed = p.name.lower().endswith(".gz")
    check_file(p, "nifti.gz" if compressed else "nifti")
    try:
        img = nib.load(str(p))
        if not isinstance(img, nib.spatialimages.SpatialImage):
            raise CaseError(p, f"not a spatial image ({type(img).__name__})", code="UNREADABLE_FILE")
        _check_declared(p, img, compressed)
        data = np.asanyarray(_channel_of(img, channel))
        affine = np.asarray(img.affine, dtype=np.float64)
        oriented = has_orientation(img.header)
    except CaseError:
        raise
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise CaseError(p, f"truncated or corrupt compressed NIfTI ({exc})", code="CORRUPT_FILE") from exc
    except Exception as exc:  # nibabel raises many types for unreadable files
        problem = _gzip_problem(p)
        if problem:
            raise CaseError(p, f"truncated or corrupt compressed NIfTI ({problem})", code="CORRUPT_FILE") from exc
        raise CaseError(p, f"cannot read NIfTI: {type(exc).__name__}: {exc}", code="UNREADABLE_FILE") from exc
    if data.ndim == 4:
        if data.shape[3] == 1:
            data = data[..., 0]
        elif channel is None:
            raise CaseError(p, f"4D image with {data.shape[3]} channels: set `channel` in the source config", code="BAD_SHAPE")
        elif not 0 <= channel < data.shape[3]:
            raise CaseError(p, f"channel {channel} out of range (image has {data.shape[3]})", code="BAD_SHAPE")
        else:
            data = data[..., channel]
    if data.ndim == 2:
        data = data[:, :, None]
    if data.ndim != 3:
        raise CaseError(p, f"expected a 3D volume, got shape {data.shape}", code="BAD_SHAPE")
    if not np.isfinite(affine).all() or abs(np.linalg.det(affine[:3, :3])) < 1e-12:
        raise CaseError(p, "affine is singular or not finite", code="BAD_AFFINE")
    return Volume(data=data, affine=affine, path=str(p), oriented=oriented)


def _channel_of(img: nib.spatialimages.SpatialImage, channel: int | None) -> object:
    """What to read: for a 4D image whose channel is given and valid, that channel alone (the
    proxy reads one 3D block, not every channel), else the whole data (shape errors follow)."""
    shape = img.shape
    if len(shape) == 4 and shape[3] == 1:
        return img.dataobj[..., 0]
    if len(shape) == 4 and channel is not None and 0 <= channel < shape[3]:
        return img.dataobj[..., channel]
    return img.dataobj


def _check_declared(p: Path, img: nib.spatialimages.SpatialImage, compressed: bool) -> None:
    """Refuse an absurd declared size, and an uncompressed file shorter than its header says,
    before any data is read."""
    stored = np.dtype(img.get_data_dtype()).itemsize
    proxy = img.dataobj
    scaled = getattr(proxy, "slope", 1.0) != 1.0 or getattr(proxy, "inter", 0.0) != 0.0
    check_size(p, img.shape, 8 if scaled else stored)
    offset = getattr(proxy, "offset", None)  # the header's vox_offset, as nibabel reads it
    if compressed or offset is None:
        return
    need = int(offset) + math.prod(int(n) for n in img.shape) * stored
    have = p.stat().st_size
    if have < need:
        raise CaseError(
            p,
            f"truncated NIfTI: the header declares {' x '.join(map(str, img.shape))} voxels of "
            f"{img.get_data_dtype()} ({need} bytes with the header), the file holds {have}",
            code="CORRUPT_FILE",
        )


def has_orientation(header: object) -> bool:
    """False for a NIfTI header whose ``sform_code`` and ``qform_code`` are both 0 (unknown):
    nibabel then builds the affine from the voxel sizes alone, which says nothing about where
    the patient's left or front is."""
    if not isinstance(header, nib.Nifti1Header):  # Nifti2Header is a Nifti1Header
        return True
    return int(header["sform_code"]) != 0 or int(header["qform_code"]) != 0


def _gzip_problem(path: Path) -> str | None:
    """Why a .gz file cannot be decompressed to its end, or None if it can (or is not gzip)."""
    if not path.name.lower().endswith(".gz"):
        return None
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
