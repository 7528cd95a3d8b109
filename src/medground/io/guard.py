"""Checks every reader makes before it parses or allocates anything.

- :func:`check_file`: the file exists, is a regular non-empty file (``FILE_NOT_FOUND``,
  ``UNREADABLE_FILE``, ``EMPTY_FILE``), and its first bytes are not those of a different known
  format than its name says (``WRONG_FORMAT``: a PNG named ``.nii.gz``, an HTML error page saved
  as ``.jpg``). Content of no known format is left to the reader, which knows its variants.
- :func:`check_size`: the size a header declares is refused above :data:`MAX_VOXELS` /
  :data:`MAX_PIXELS` voxels or :data:`MAX_BYTES` decoded bytes (``TOO_LARGE``), before the
  data is read, so that a 500-byte header claiming 10^18 voxels costs nothing.
- :func:`check_finite`: NaN or infinite values (``NON_FINITE``); medground does not guess what
  they stand for.
- :func:`check_inside`: a file (symbolic links and ``..`` resolved) lies inside a folder
  (``OUTSIDE_ROOT``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from medground.errors import CaseError

#: volumes: at most this many voxels (1024^3; a whole-body CT of 512x512x2000 is a half of it)
MAX_VOXELS = 2**30
#: 2D images: at most this many pixels (about 11585 x 11585)
MAX_PIXELS = 2**27
#: any image: at most this many bytes once decoded
MAX_BYTES = 2**32

#: (offset, magic, format name); the first match wins
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "PNG"),
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"II+\x00", "TIFF"),
    (0, b"MM\x00+", "TIFF"),
    (0, b"GIF87a", "GIF"),
    (0, b"GIF89a", "GIF"),
    (0, b"\x1f\x8b", "gzip"),
    (0, b"BZh", "bzip2"),
    (0, b"PK\x03\x04", "ZIP"),
    (0, b"%PDF", "PDF"),
    (0, b"NRRD000", "NRRD"),
    (0, b"ObjectType", "MetaImage"),
    (128, b"DICM", "DICOM"),
    (344, b"n+1\x00", "NIfTI-1"),
    (4, b"n+2\x00", "NIfTI-2"),
)
HEAD_BYTES = 352

#: what each kind of reader accepts (formats Pillow reads by content are one family)
RASTER = frozenset({"PNG", "JPEG", "TIFF", "GIF", "BMP"})
ACCEPTS: dict[str, frozenset[str]] = {
    "raster": RASTER,
    "nifti": frozenset({"NIfTI-1", "NIfTI-2"}),
    "nifti.gz": frozenset({"gzip"}),
    "nrrd": frozenset({"NRRD"}),
    "itk": frozenset({"MetaImage"}),
    "dicom": frozenset({"DICOM"}),
}
_DESCRIBE = {"raster": "a raster image (PNG, JPEG, TIFF, GIF, BMP)", "nifti": "NIfTI",
             "nifti.gz": "gzip-compressed NIfTI", "nrrd": "NRRD", "itk": "a MetaImage (MHA/MHD)",
             "dicom": "DICOM"}
_RENAME = {("nifti.gz", "NIfTI-1"): "; rename it to .nii", ("nifti.gz", "NIfTI-2"): "; rename it to .nii",
           ("nifti", "gzip"): "; if it is a compressed NIfTI, rename it to .nii.gz"}


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file announce, or None when they name no known one."""
    for offset, magic, name in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return name
    low = head[:64].lstrip().lower()
    if low.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if low.startswith(b"<?xml"):
        return "XML"
    if head[:2] == b"BM" and len(head) >= 26 and head[14] in (12, 40, 52, 56, 64, 108, 124):
        return "BMP"  # 'BM' alone is too weak: also check the DIB header size
    return None


def check_file(path: Path, kind: str | None = None) -> str | None:
    """Raise unless ``path`` is a non-empty regular file whose content is not a known format
    other than ``kind`` (a key of :data:`ACCEPTS`); return the sniffed format (or None)."""
    if not path.exists():
        why = "broken symbolic link" if path.is_symlink() else "file not found"
        raise CaseError(path, why, code="FILE_NOT_FOUND")
    if not path.is_file():
        raise CaseError(path, "not a regular file (a folder or a device)", code="FILE_NOT_FOUND")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise CaseError(path, f"cannot read file ({exc.strerror})", code="UNREADABLE_FILE") from exc
    if size == 0:
        raise CaseError(path, "file is empty (0 bytes): an interrupted copy or download?",
                        code="EMPTY_FILE")
    found = sniff(head)
    if kind is not None and found is not None and found not in ACCEPTS[kind]:
        raise CaseError(
            path,
            f"content is {found}, not {_DESCRIBE[kind]} as the file name says"
            f"{_RENAME.get((kind, found), '')}",
            code="WRONG_FORMAT",
        )
    return found


def _shape_text(shape: Iterable[int]) -> str:
    return " x ".join(str(int(n)) for n in shape)


def check_size(path: Path | str, shape: Iterable[int], itemsize: int | None = None,
               max_elements: int = MAX_VOXELS, what: str = "voxels") -> None:
    """Raise TOO_LARGE when a declared ``shape`` exceeds the limits; BAD_SHAPE when it has a
    zero or negative extent. Call before reading the data."""
    dims = [int(n) for n in shape]
    if any(n <= 0 for n in dims):
        raise CaseError(path, f"header declares an empty or negative size ({_shape_text(dims)})",
                        code="BAD_SHAPE")
    count = math.prod(dims)
    if count > max_elements:
        raise CaseError(
            path,
            f"header declares {_shape_text(dims)} = {count:.3g} {what}, more than the limit of "
            f"{max_elements:.3g}; refused before reading (corrupt header or an image too large "
            "to hold in memory: crop or downsample it first)",
            code="TOO_LARGE",
        )
    if itemsize is not None and count * itemsize > MAX_BYTES:
        raise CaseError(
            path,
            f"header declares {_shape_text(dims)} {what} of {itemsize} bytes = "
            f"{count * itemsize / 2**30:.3g} GiB, more than the limit of "
            f"{MAX_BYTES / 2**30:.3g} GiB; refused before reading",
            code="TOO_LARGE",
        )


def check_finite(data: NDArray[np.generic], path: Path | str, what: str = "image") -> None:
    """Raise NON_FINITE when a floating-point array holds NaN or infinite values."""
    if not np.issubdtype(data.dtype, np.floating) and not np.issubdtype(data.dtype,
                                                                          np.complexfloating):
        return
    if bool(np.isfinite(data).all()):
        return
    n_nan = int(np.count_nonzero(np.isnan(data)))
    n_inf = int(np.count_nonzero(np.isinf(data)))
    share = 100.0 * (n_nan + n_inf) / max(data.size, 1)
    raise CaseError(
        path,
        f"{what} holds {n_nan} NaN and {n_inf} infinite values ({share:.2g}% of {data.size}); "
        "medground does not guess what they stand for: replace them (e.g. with the background "
        "value) and build again",
        code="NON_FINITE",
    )


def check_inside(path: Path | str, root: Path, shown: Path | str | None = None) -> None:
    """Raise OUTSIDE_ROOT unless ``path`` (symbolic links and ``..`` resolved) is inside
    ``root`` (resolved too, so a root that is itself a link is fine)."""
    base = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    if real == base or base in real.parents:
        return
    link = " (a symbolic link)" if _has_link(Path(path), Path(root)) else ""
    raise CaseError(
        shown if shown is not None else path,
        f"resolves to a path outside the source root{link}; medground reads only files inside "
        "`source.root`: point the root at a folder that contains it, or copy the file in",
        code="OUTSIDE_ROOT",
    )


def _has_link(path: Path, root: Path) -> bool:
    """Whether ``path`` or one of its parents below ``root`` is a symbolic link."""
    p = path
    for _ in range(64):
        if p.is_symlink():
            return True
        if p == root or p.parent == p:
            return False
        p = p.parent
    return False
