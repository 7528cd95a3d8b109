"""Cases to 2D views: slices of volumes in display orientation, or the 2D image itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from medground.config import SlicingConfig
from medground.geometry.orientation import (
    FRAMES,
    PLANE_AXIS,
    display_slice,
    display_spacing,
    slice_position_mm,
    square_pixel_shape,
)
from medground.sources.base import ImageCase, LoadedCase, VolumeCase
from medground.stages.cue_words import body_midline_x
from medground.stages.intensity import image_to_uint8, to_uint8, window_range
from medground.types import Layer, View


def make_views(case: LoadedCase, cfg: SlicingConfig, counts: Counter[str]) -> Iterator[View]:
    if isinstance(case, ImageCase):
        yield View(
            case_id=case.info.case_id,
            plane="image",
            slice_index=None,
            image=image_to_uint8(case.image, cfg.percentiles),
            layers=case.layers,
        )
        return
    yield from volume_views(case, cfg, counts)


def slice_areas(label: NDArray[np.int64], axis: int, n_ids: int) -> NDArray[np.int64]:
    """areas[s, id]: voxels of each label id in each slice along ``axis``."""
    moved = np.moveaxis(label, axis, 0).reshape(label.shape[axis], -1)
    return np.stack([np.bincount(row, minlength=n_ids) for row in moved])


def select_slices(
    areas: NDArray[np.int64], ids: list[int], cfg: SlicingConfig
) -> dict[int, set[int]]:
    """slice index -> label ids that are targets on it."""
    chosen: dict[int, set[int]] = {}
    if cfg.mode == "max_area":
        for v in ids:
            column = areas[:, v]
            if column.max() >= cfg.min_area_px:
                tied = np.flatnonzero(column == column.max())
                chosen.setdefault(int(tied[(len(tied) - 1) // 2]), set()).add(v)  # middle tie
    else:
        for s in range(0, areas.shape[0], cfg.every_k):
            present = {v for v in ids if areas[s, v] >= cfg.min_area_px}
            if present:
                chosen[s] = present
    return dict(sorted(chosen.items()))


def volume_views(case: VolumeCase, cfg: SlicingConfig, counts: Counter[str]) -> Iterator[View]:
    image, label = case.image, case.label
    ids = sorted(case.label_names)
    if not ids:
        return
    low, high = window_range(cfg.window, case.info.modality, image.data, cfg.percentiles)
    labels = np.asarray(label.data, dtype=np.int64)
    n_ids = int(labels.max()) + 1
    midline_i = volume_midline(image.data, low, high)
    for plane in cfg.planes:
        areas = slice_areas(labels, PLANE_AXIS[plane], n_ids)
        for index, target_ids in select_slices(areas, ids, cfg).items():
            counts[f"views/{plane}"] += 1
            img: NDArray[np.float64] = display_slice(image.data, plane, index).astype(np.float64)
            lab = display_slice(labels, plane, index)
            spacing = display_spacing(image.zooms, plane)
            n_cols = img.shape[1]
            if cfg.square_pixels and not np.isclose(spacing[0], spacing[1], rtol=1e-3):
                shape, spacing = square_pixel_shape(img.shape, spacing)
                img = _resize(img, shape, order=1).astype(np.float64)
                lab = _resize(lab, shape, order=0)
            present = [int(v) for v in np.unique(lab) if v != 0 and v in case.label_names]
            yield View(
                case_id=case.info.case_id,
                plane=plane,
                slice_index=index,
                image=to_uint8(img, low, high),
                layers=[Layer(label=case.label_names[v], mask=lab == v) for v in present],
                frame=dict(FRAMES[plane]),
                spacing_mm=(round(spacing[0], 6), round(spacing[1], 6)),
                slice_position_mm=round(slice_position_mm(image.affine, plane, index), 4),
                targets={case.label_names[v] for v in target_ids},
                midline_x=(None if midline_i is None or plane == "sagittal" else
                           round((image.data.shape[0] - midline_i) * img.shape[1] / n_cols, 3)),
            )


def volume_midline(data: NDArray[np.generic], low: float, high: float) -> float | None:
    """The body's left-right midline of a canonical volume, as a voxel-edge coordinate along
    axis 0: the median over axial slices of the body outline's centre. Whole axial
    cross-sections are used because coronal slabs and partial slices often cut the body."""
    n_i = data.shape[0]
    centres = []
    step = max(1, data.shape[2] // 24)  # two dozen slices are plenty
    for k in range(0, data.shape[2], step):
        x = body_midline_x(to_uint8(display_slice(data, "axial", k), low, high))
        if x is not None:
            centres.append(n_i - x)  # display column edge x <-> canonical edge n_i - x
    return float(np.median(centres)) if centres else None


def _resize(arr: NDArray[np.generic], shape: tuple[int, int], order: int) -> NDArray[np.generic]:
    factors = (shape[0] / arr.shape[0], shape[1] / arr.shape[1])
    out = ndimage.zoom(arr, factors, order=order, mode="nearest", grid_mode=True)
    if out.shape != shape:  # zoom may round differently by one pixel
        out = out[: shape[0], : shape[1]]
        pad = ((0, shape[0] - out.shape[0]), (0, shape[1] - out.shape[1]))
        out = np.pad(out, pad, mode="edge")
    return np.asarray(out)
