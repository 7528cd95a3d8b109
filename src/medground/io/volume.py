"""A 3D array with its voxel-to-world affine (RAS+, mm), as every volume reader returns it,
and label maps kept small: ids in the smallest unsigned type that holds them, found and changed
without a full-volume copy in a wider type (a 512 x 512 x 300 map is 79 MB as uint8, 630 MB as
int64)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

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
    """Integer label map from any numeric array; non-integer or negative values are an error.
    For 2D masks; volumes use :func:`compact_label_ids`, which checks the same way without a
    wide copy."""
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
    if (ids < 0).any():
        _raise_negative(ids, path)
    return ids


#: voxels a float label map is checked and converted in at a time (bounds the float temporaries)
SLAB_VOXELS = 1 << 22


def compact_label_ids(data: NDArray[np.generic], path: str) -> NDArray[np.integer[Any]]:
    """The label map in the smallest unsigned type that holds its ids (uint8 up to 255), checked
    as :func:`as_label_array` checks it and failing with the same errors. An integer map already
    of that type is returned as it is (no copy), a bool map as a uint8 view; a float map is
    checked and rounded a slab at a time, so that no float64 or int64 copy of the whole volume
    is made. Ids beyond uint32 stay int64 (numpy counts in intp)."""
    if data.dtype == np.bool_:
        return data.view(np.uint8)
    if data.size == 0:
        return np.zeros(data.shape, dtype=np.uint8)
    if np.issubdtype(data.dtype, np.integer):
        ints: NDArray[np.integer[Any]] = np.asarray(data)
        if int(ints.min()) < 0:
            _raise_negative(ints, path)
        dtype = smallest_id_type(int(ints.max()))
        return ints if ints.dtype == dtype else ints.astype(dtype)
    if not np.issubdtype(data.dtype, np.floating):
        _fail(data, path)
    top = 0
    for part in slabs(data.shape, data.strides):
        values = data[part]
        rounded = np.rint(values)
        if not (np.isfinite(values).all() and (np.abs(values - rounded) <= 1e-3).all()
                and (rounded >= 0).all()):
            _fail(data, path)
        top = max(top, int(rounded.max()) if rounded.size else 0)
    out = np.empty_like(data, dtype=smallest_id_type(top))  # the same memory order as ``data``
    for part in slabs(data.shape, data.strides):
        out[part] = np.rint(data[part])
    return out


def smallest_id_type(top: int) -> type[np.integer[Any]]:
    """The narrowest unsigned type for ids 0..``top`` (int64 past uint32: numpy counts in intp)."""
    for kind in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(kind).max:
            return kind
    return np.int64


def present_ids(data: NDArray[np.generic]) -> list[int]:
    """The non-zero ids that occur, ascending (see :func:`present_ids_and_boxes`)."""
    return present_ids_and_boxes(data)[0]


def present_ids_and_boxes(data: NDArray[np.generic]
                          ) -> tuple[list[int], list[tuple[slice, ...] | None] | None]:
    """The non-zero ids that occur, ascending, and for 8- and 16-bit maps each id's box
    (:func:`label_boxes`: one ``find_objects`` pass in memory order, no copy, which finds
    both); wider maps, whose ids may be sparse and huge, go through ``np.unique`` (a sorted
    copy) and give no boxes."""
    if data.dtype.itemsize <= 2 and np.issubdtype(data.dtype, np.integer):
        boxes = label_boxes(data)
        return [v for v, box in enumerate(boxes, start=1) if box is not None], boxes
    return [int(v) for v in np.unique(data) if v != 0], None


def label_boxes(data: NDArray[np.generic]) -> list[tuple[slice, ...] | None]:
    """``scipy.ndimage.find_objects`` of ``data``, run on the view whose axes follow memory
    order (a NIfTI volume is Fortran-ordered; its reoriented view may be permuted and flipped),
    which is several times faster than striding across memory; the boxes are given back in
    ``data``'s axes."""
    order = sorted(range(data.ndim), key=lambda axis: -abs(data.strides[axis]))
    boxes = ndimage.find_objects(data.transpose(order))
    back = [order.index(axis) for axis in range(data.ndim)]
    return [None if box is None else tuple(box[i] for i in back) for box in boxes]


def zero_ids(data: NDArray[np.generic], ids: list[int]) -> NDArray[np.generic]:
    """A copy of ``data`` with ``ids`` set to 0, through a lookup table a slab at a time (the
    input, which may be the reader's array, is left alone)."""
    table = np.arange(int(data.max()) + 1 if data.size else 1, dtype=data.dtype)
    table[[v for v in ids if 0 <= v < len(table)]] = 0
    out = np.empty_like(data)
    for part in slabs(data.shape, data.strides):
        out[part] = table[data[part]]
    return out


def slabs(shape: tuple[int, ...], strides: tuple[int, ...],
          voxels: int | None = None) -> Iterator[tuple[slice, ...]]:
    """Index tuples that cut an array into slabs of about ``voxels`` (default
    :data:`SLAB_VOXELS`) along its axis of largest stride (so each slab is one contiguous run of
    a contiguous array)."""
    if not shape:
        yield ()
        return
    axis = max(range(len(shape)), key=lambda a: abs(strides[a]))
    per = max(1, int(np.prod(shape)) // max(shape[axis], 1))
    step = max(1, (SLAB_VOXELS if voxels is None else voxels) // per)
    for start in range(0, shape[axis], step):
        yield tuple(slice(start, start + step) if a == axis else slice(None)
                    for a in range(len(shape)))


def _fail(data: NDArray[np.generic], path: str) -> NoReturn:
    """Raise the error :func:`as_label_array` gives for a map found to be bad: its message
    (first problem, example value, count) is the one users have always seen."""
    as_label_array(data, path)
    raise AssertionError(f"{path}: a label map found bad passed as_label_array")


def _raise_negative(ids: NDArray[np.integer[Any]], path: str) -> NoReturn:
    """The negative-id error (example value and count), without an int64 copy."""
    negative = ids < 0
    example = int(ids[negative].flat[0])
    raise CaseError(
        path,
        f"label map has negative label values (e.g. {example} in {int(negative.sum())} "
        "voxels); expected 0 for background and positive label ids",
        code="BAD_LABEL_MAP",
    )
