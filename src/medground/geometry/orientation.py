"""Orientation from the affine, and 3D -> 2D display slices.

Volumes are first reoriented to the closest canonical RAS+ voxel order (axis 0 towards the
patient's Right, axis 1 Anterior, axis 2 Superior) using only the affine, never array halves.
Display slices then follow the radiological convention:

- axial:    patient right on the image left, anterior at the top
- coronal:  patient right on the image left, superior at the top
- sagittal: anterior on the image left, superior at the top
"""

from __future__ import annotations

from typing import Final

import nibabel as nib
import numpy as np
from nibabel import orientations as ornt
from numpy.typing import NDArray

PLANES: Final = ("axial", "coronal", "sagittal")

#: axis of the RAS volume that a plane slices through
PLANE_AXIS: Final = {"axial": 2, "coronal": 1, "sagittal": 0}

#: patient direction at each side of the displayed image
FRAMES: Final[dict[str, dict[str, str]]] = {
    "axial": {"left": "R", "right": "L", "top": "A", "bottom": "P"},
    "coronal": {"left": "R", "right": "L", "top": "S", "bottom": "I"},
    "sagittal": {"left": "A", "right": "P", "top": "S", "bottom": "I"},
}


def axcodes(affine: NDArray[np.floating]) -> str:
    """Orientation codes such as ``"RAS"`` or ``"LPS"`` (nibabel convention: direction of
    increasing index along each voxel axis)."""
    return "".join(str(c) for c in nib.aff2axcodes(affine))


def to_canonical(
    data: NDArray[np.generic], affine: NDArray[np.floating]
) -> tuple[NDArray[np.generic], NDArray[np.floating]]:
    """Reorder/flip voxel axes so that they run R, A, S; returns data and the new affine.

    Oblique affines go to the closest canonical orientation (as nibabel does); the data are
    never resampled here. The data come back as a view of ``data`` (flips and an axis
    permutation only): a copy would double a volume's memory for no gain, as every later step
    reads slices of it, and those are copied one at a time where needed.
    """
    if data.ndim != 3:
        raise ValueError(f"expected a 3D volume, got shape {data.shape}")
    current = ornt.io_orientation(affine)
    target = ornt.axcodes2ornt(("R", "A", "S"))
    transform = ornt.ornt_transform(current, target)
    out = ornt.apply_orientation(data, transform)
    new_affine = affine @ ornt.inv_ornt_aff(transform, data.shape)
    return out, new_affine


def voxel_sizes(affine: NDArray[np.floating]) -> tuple[float, float, float]:
    sizes = np.sqrt((affine[:3, :3] ** 2).sum(axis=0))
    return float(sizes[0]), float(sizes[1]), float(sizes[2])


def n_slices(shape: tuple[int, ...], plane: str) -> int:
    return int(shape[PLANE_AXIS[plane]])


def display_slice(volume: NDArray[np.generic], plane: str, index: int) -> NDArray[np.generic]:
    """2D slice of a canonical (RAS) volume in the display convention.

    Rows run top -> bottom and columns left -> right on the screen.
    """
    if plane == "axial":  # rows: A -> P, cols: R -> L
        return volume[::-1, ::-1, index].T
    if plane == "coronal":  # rows: S -> I, cols: R -> L
        return volume[::-1, index, ::-1].T
    if plane == "sagittal":  # rows: S -> I, cols: A -> P
        return volume[index, ::-1, ::-1].T
    raise ValueError(f"unknown plane {plane!r}; expected one of {PLANES}")


def display_spacing(zooms: tuple[float, float, float], plane: str) -> tuple[float, float]:
    """(row, column) pixel size in mm of a display slice of a canonical volume."""
    sx, sy, sz = zooms
    if plane == "axial":
        return sy, sx
    if plane == "coronal":
        return sz, sx
    if plane == "sagittal":
        return sz, sy
    raise ValueError(f"unknown plane {plane!r}; expected one of {PLANES}")


def slice_position_mm(affine: NDArray[np.floating], plane: str, index: int) -> float:
    """World coordinate (mm, RAS) of a slice along its plane's normal axis."""
    axis = PLANE_AXIS[plane]
    voxel = np.zeros(4)
    voxel[axis] = index
    voxel[3] = 1.0
    return float((affine @ voxel)[axis])


def square_pixel_shape(
    shape: tuple[int, int], spacing: tuple[float, float]
) -> tuple[tuple[int, int], tuple[float, float]]:
    """Output shape and spacing that make pixels square at the finer of the two spacings."""
    fine = min(spacing)
    rows = max(1, round(shape[0] * spacing[0] / fine))
    cols = max(1, round(shape[1] * spacing[1] / fine))
    return (rows, cols), (shape[0] * spacing[0] / rows, shape[1] * spacing[1] / cols)
