"""MHA / MHD (and other ITK formats) reading through SimpleITK, the optional ``itk`` extra.
NIfTI and NRRD have core readers (:mod:`medground.io.nifti`, :mod:`medground.io.nrrd`).

ITK stores geometry in LPS: world = origin + direction @ diag(spacing) @ (x, y, z). The
returned :class:`Volume` has voxel axes (i=x, j=y, k=z) and a RAS+ affine (nibabel convention).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from medground.errors import CaseError
from medground.io.volume import Volume

MISSING_ITK_MESSAGE = (
    "reading MHA / MHD (and other ITK formats) needs SimpleITK, the `itk` extra: "
    "pip install 'medground[itk]'"
)


def load_itk(path: str | Path) -> Volume:
    """Read a 2D or 3D single-component image with SimpleITK; 2D images become (x, y, 1)."""
    p = Path(path)
    try:
        import SimpleITK as sitk
    except ImportError as exc:
        raise CaseError(p, MISSING_ITK_MESSAGE, code="MISSING_EXTRA") from exc
    if not p.is_file():
        raise CaseError(p, "file not found", code="FILE_NOT_FOUND")
    try:
        image: Any = sitk.ReadImage(str(p))  # SimpleITK's stubs are incomplete
        array = np.asarray(sitk.GetArrayFromImage(image))
    except Exception as exc:  # SimpleITK raises RuntimeError with a long ITK trace
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        detail = lines[-1][:300] if lines else ""  # the last line names the actual problem
        raise CaseError(
            p,
            f"cannot read image with SimpleITK ({type(exc).__name__}: {detail})",
            code="UNREADABLE_FILE",
        ) from exc

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
    return Volume(data=np.ascontiguousarray(data), affine=affine, path=str(p))
