"""MHA / MHD (and other ITK formats) reading through SimpleITK, the optional ``itk`` extra.
NIfTI and NRRD have core readers (:mod:`medground.io.nifti`, :mod:`medground.io.nrrd`).

ITK stores geometry in LPS: world = origin + direction @ diag(spacing) @ (x, y, z). The
returned :class:`Volume` has voxel axes (i=x, j=y, k=z) and a RAS+ affine (nibabel convention).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from medground.errors import CaseError
from medground.io.guard import check_file, check_inside, check_size
from medground.io.volume import Volume

MISSING_ITK_MESSAGE = (
    "reading MHA / MHD (and other ITK formats) needs SimpleITK, the `itk` extra: "
    "pip install 'medground[itk]'"
)


def load_itk(path: str | Path, root: Path | None = None) -> Volume:
    """Read a 2D or 3D single-component image with SimpleITK; 2D images become (x, y, 1).
    The header is read first: its declared size is checked before any data is; an MHD's data
    file must lie inside ``root`` (default: the header's folder)."""
    p = Path(path)
    try:
        import SimpleITK as sitk
    except ImportError as exc:
        raise CaseError(p, MISSING_ITK_MESSAGE, code="MISSING_EXTRA") from exc
    check_file(p, "itk" if p.suffix.lower() in (".mha", ".mhd") else None)
    if p.suffix.lower() == ".mhd":
        _check_data_file(p, root)
    reader: Any = sitk.ImageFileReader()  # type: ignore[no-untyped-call]
    reader.SetFileName(str(p))
    try:
        reader.ReadImageInformation()
    except Exception as exc:  # SimpleITK raises RuntimeError with a long ITK trace
        raise CaseError(p, f"cannot read image header with SimpleITK ({_last_line(exc)})",
                        code="UNREADABLE_FILE") from exc
    check_size(p, [*reader.GetSize(), int(reader.GetNumberOfComponents())])
    if p.suffix.lower() == ".mha":
        pixel: Any = sitk.Image([1] * int(reader.GetDimension()), reader.GetPixelID())  # type: ignore[no-untyped-call]
        itemsize = int(pixel.GetSizeOfPixelComponent()) * int(reader.GetNumberOfComponents())
        _check_local_length(p, math.prod(int(n) for n in reader.GetSize()) * itemsize)
    try:
        image: Any = reader.Execute()
        array = np.asarray(sitk.GetArrayFromImage(image))
    except Exception as exc:
        raise CaseError(
            p, f"truncated or corrupt image data: SimpleITK read the header, not the data "
            f"({_last_line(exc)})", code="CORRUPT_FILE") from exc

    ndim = int(image.GetDimension())
    components = int(image.GetNumberOfComponentsPerPixel())
    if components != 1:
        raise CaseError(
            p,
            f"vector image with {components} components per pixel; "
            "expected a single-component (scalar) image",
            code="BAD_SHAPE",
        )
    if ndim not in (2, 3) or array.ndim != ndim:
        raise CaseError(
            p, f"expected a 2D or 3D image, got {ndim}D {array.shape}", code="BAD_SHAPE"
        )

    spacing = np.asarray(image.GetSpacing(), dtype=np.float64)
    origin = np.asarray(image.GetOrigin(), dtype=np.float64)
    direction = np.asarray(image.GetDirection(), dtype=np.float64).reshape(ndim, ndim)
    data = array.transpose(tuple(range(ndim - 1, -1, -1)))  # (z, y, x) -> (x, y, z)
    if ndim == 2:
        # embed the 2D geometry in 3D: the new k axis runs along +z (LPS) with 1 mm spacing
        data = data[:, :, None]
        lps = np.eye(4, dtype=np.float64)
        lps[:2, :2] = direction @ np.diag(spacing)
        lps[:2, 3] = origin
    else:
        lps = np.eye(4, dtype=np.float64)
        lps[:3, :3] = direction @ np.diag(spacing)
        lps[:3, 3] = origin
    affine = lps.copy()
    affine[:2, :] *= -1.0  # LPS -> RAS
    affine[affine == 0.0] = 0.0  # no -0.0 in printed affines
    if not np.isfinite(affine).all() or abs(np.linalg.det(affine[:3, :3])) < 1e-12:
        raise CaseError(p, "image geometry gives a singular affine", code="BAD_AFFINE")
    # the (x, y, z) view of SimpleITK's (z, y, x) copy: a contiguous copy would double it
    return Volume(data=data, affine=affine, path=str(p))


def _last_line(exc: BaseException) -> str:
    """The exception type and the last line of its message (which names ITK's actual problem)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[-1][:300] if lines else ''}"


def _check_local_length(p: Path, need: int) -> None:
    """CORRUPT_FILE when an MHA's uncompressed data after its header is shorter than ``need``."""
    with p.open("rb") as fh:
        head = fh.read(65536)
    end = head.find(b"ElementDataFile")
    if end < 0 or b"CompressedData = True" in head[:end]:
        return
    line_end = head.find(b"\n", end)
    if line_end < 0 or head[end:line_end].split(b"=")[-1].strip().upper() != b"LOCAL":
        return
    have = p.stat().st_size - (line_end + 1)
    if have < need:
        raise CaseError(p, f"truncated MHA: the header declares {need} bytes of data, the file "
                        f"holds {have}", code="CORRUPT_FILE")


def _check_data_file(p: Path, root: Path | None) -> None:
    """An MHD header's ``ElementDataFile`` must lie inside ``root`` (or the header's folder)."""
    try:
        text = p.read_bytes()[:65536].decode("latin-1")
    except OSError as exc:
        raise CaseError(p, f"cannot read file ({exc.strerror})", code="UNREADABLE_FILE") from exc
    for line in text.splitlines():
        key, _, value = line.partition("=")
        name = value.strip()
        if key.strip() == "ElementDataFile" and name and name.upper() not in ("LOCAL", "LIST") \
                and "%" not in name:
            target = Path(name) if Path(name).is_absolute() else p.parent / name
            check_inside(target, root if root is not None else p.parent, shown=p)
