"""A 3D array with its voxel-to-world affine (RAS+, mm), as every volume reader returns it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from medground.errors import CaseError
from medground.geometry.orientation import axcodes, to_canonical, voxel_sizes


@dataclass
class Volume:
    data: NDArray[np.generic]
    affine: NDArray[np.float64]
    path: str
    #: False when the header gives no patient orientation (a NIfTI with sform_code and
    #: qform_code both 0): ``affine`` is then only a voxel-size fallback, no patient frame
    oriented: bool = True

    @property
    def axcodes(self) -> str:
        return axcodes(self.affine)

    @property
    def zooms(self) -> tuple[float, float, float]:
        return voxel_sizes(self.affine)

    def canonical(self) -> Volume:
        data, affine = to_canonical(self.data, self.affine)
        return Volume(data=data, affine=np.asarray(affine, dtype=np.float64), path=self.path,
                      oriented=self.oriented)


def check_same_grid(image: Volume, label: Volume) -> None:
    """Raise CaseError unless two canonical volumes sample the same world grid."""
    if image.data.shape != label.data.shape:
        raise CaseError(
            label.path,
            f"label shape {tuple(label.data.shape)} does not match image shape "
            f"{tuple(image.data.shape)} ({image.path})",
            code="SHAPE_MISMATCH",
        )
    # compare where the grid's corner voxels land in the world: a scale or rotation error adds
    # up across the volume, a rounding difference between converters does not
    corners = np.array(
        [[i, j, k, 1.0] for i in (0, image.data.shape[0] - 1) for j in (0, image.data.shape[1] - 1)
         for k in (0, image.data.shape[2] - 1)]
    ).T
    diff = float(np.abs((image.affine - label.affine) @ corners).max())
    if diff > 0.5 * min(image.zooms):
        raise CaseError(
            label.path,
            f"label grid is {diff:.3g} mm away from the image grid at a corner "
            f"({label.axcodes} vs {image.axcodes}); the two are not on the same grid",
            code="AFFINE_MISMATCH",
        )


def as_label_array(data: NDArray[np.generic], path: str) -> NDArray[np.int64]:
    """Integer label map from any numeric array; non-integer or negative values are an error."""
    if np.issubdtype(data.dtype, np.integer) or data.dtype == np.bool_:
        return _not_negative(np.asarray(data, dtype=np.int64), path)
    if not np.issubdtype(data.dtype, np.floating):
        raise CaseError(path, f"label map has non-numeric dtype {data.dtype}", code="BAD_LABEL_MAP")
    finite = np.isfinite(data)
    if not finite.all():
        raise CaseError(path, "label map contains NaN or infinite values", code="BAD_LABEL_MAP")
    rounded = np.rint(data)
    bad = np.abs(data - rounded) > 1e-3
    if bad.any():
        example = float(data[bad].flat[0])
        raise CaseError(
            path,
            f"label map has non-integer values (e.g. {example:g} in {int(bad.sum())} voxels); "
            "expected integer label ids",
            code="BAD_LABEL_MAP",
        )
    return _not_negative(rounded.astype(np.int64), path)


def _not_negative(ids: NDArray[np.int64], path: str) -> NDArray[np.int64]:
    """Label ids are 0 (background) or positive; a negative one is an error of the file."""
    negative = ids < 0
    if negative.any():
        example = int(ids[negative].flat[0])
        raise CaseError(
            path,
            f"label map has negative label values (e.g. {example} in {int(negative.sum())} "
            "voxels); expected 0 for background and positive label ids",
            code="BAD_LABEL_MAP",
        )
    return ids
