"""Cases to 2D views: slices of volumes in display orientation, or the 2D image itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from medground.config import RegionsConfig, SlicingConfig
from medground.geometry.crops import box_of_mask
from medground.geometry.orientation import (
    FRAMES,
    PLANE_AXIS,
    display_slice,
    display_spacing,
    slice_position_mm,
    square_pixel_shape,
)
from medground.geometry.resample import zoom_axis, zoom_output_length
from medground.io.volume import label_boxes
from medground.sources.base import ImageCase, LoadedCase, VolumeCase
from medground.stages.cue_words import MIN_BODY_WIDTH_MM, body_cross_section
from medground.stages.intensity import image_to_uint8, to_uint8, window_range
from medground.stages.structure import SplitDecision, decide_split
from medground.types import Layer, View


def make_views(case: LoadedCase, cfg: SlicingConfig, counts: Counter[str],
               regions: RegionsConfig | None = None) -> Iterator[View]:
    if isinstance(case, ImageCase):
        yield View(
            case_id=case.info.case_id,
            plane="image",
            slice_index=None,
            image=image_to_uint8(case.image, cfg.percentiles),
            layers=case.layers,
        )
        return
    yield from volume_views(case, cfg, counts, regions or RegionsConfig())


def slice_areas(label: NDArray[np.integer[Any]], axis: int, n_ids: int) -> NDArray[np.int64]:
    """areas[s, id]: voxels of each label id in each slice along ``axis``, counted one slice at
    a time: flattening the moved volume would copy all of it, while a slice that is contiguous
    in memory (an axial one of a NIfTI volume) is flattened without a copy."""
    def plane(s: int) -> NDArray[np.integer[Any]]:
        return label[(slice(None),) * axis + (s,)].ravel(order="K")  # no copy if contiguous

    return np.stack([np.bincount(plane(s), minlength=n_ids) for s in range(label.shape[axis])])


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


def volume_views(case: VolumeCase, cfg: SlicingConfig, counts: Counter[str],
                 regions: RegionsConfig) -> Iterator[View]:
    image, label = case.image, case.label
    ids = sorted(case.label_names)
    if not ids:
        return
    low, high = window_range(cfg.window, case.info.modality, image.data, cfg.percentiles)
    # the label ids as loaded (sources/volumes.py: the smallest unsigned type, a view in RAS);
    # slices are cut, windowed and resized one at a time, never the volume
    labels = cast("NDArray[np.integer[Any]]", label.data)
    n_ids = int(labels.max()) + 1
    names = {v: case.label_names[v] for v in ids}
    decisions, instances = volume_instances(labels, names, regions, counts, case.label_boxes)
    midline = (volume_midline(image.data, low, high, image.zooms[0]) if image.oriented
               else Midline(None, "no_orientation"))
    for plane in cfg.planes:
        areas = slice_areas(labels, PLANE_AXIS[plane], n_ids)
        for index, target_ids in select_slices(areas, ids, cfg).items():
            counts[f"views/{plane}"] += 1
            if midline.withheld and plane != "sagittal":  # a view with the patient's left-right
                counts[f"patient_side_withheld/{midline.withheld}"] += 1
            img: NDArray[np.float64] = display_slice(image.data, plane, index).astype(np.float64)
            lab = display_slice(labels, plane, index)
            inst = None if instances is None else display_slice(instances, plane, index)
            spacing = display_spacing(image.zooms, plane)
            n_cols = img.shape[1]
            if cfg.square_pixels and not np.isclose(spacing[0], spacing[1], rtol=1e-3):
                shape, spacing = square_pixel_shape(img.shape, spacing)
                img = _resize(img, shape, order=1).astype(np.float64)
                lab = _resize(lab, shape, order=0)
                inst = None if inst is None else _resize(inst, shape, order=0)
            boxes = label_boxes(lab)  # one pass: each label's box on the slice
            present = [v for v in sorted(case.label_names)
                       if 0 < v <= len(boxes) and boxes[v - 1] is not None]
            yield View(
                case_id=case.info.case_id,
                plane=plane,
                slice_index=index,
                image=to_uint8(img, low, high),
                layers=slice_layers(lab, inst, present, names, decisions, boxes),
                frame=dict(FRAMES[plane]) if image.oriented else None,
                spacing_mm=(round(spacing[0], 6), round(spacing[1], 6)),
                slice_position_mm=round(slice_position_mm(image.affine, plane, index), 4),
                targets={case.label_names[v] for v in target_ids},
                midline_x=(None if midline.x is None or plane == "sagittal" else
                           round((image.data.shape[0] - midline.x) * img.shape[1] / n_cols, 3)),
            )


def volume_instances(
    labels: NDArray[np.integer[Any]], names: dict[int, str], cfg: RegionsConfig,
    counts: Counter[str], boxes: list[tuple[slice, ...] | None] | None = None,
) -> tuple[dict[int, SplitDecision], NDArray[np.integer[Any]] | None]:
    """Decide per label whether it splits (stages/structure.py) and, for those that do, number
    their 3D connected components: ``instances[voxel]`` is 1 + the component's rank by size
    (largest first) within its label, 0 elsewhere; None when no label splits. A structure's
    fragments on a slice then carry one 3D instance id and become one target. ``boxes`` are
    ``label_boxes(labels)`` when the caller has them."""
    if boxes is None:
        boxes = label_boxes(labels)
    structure = ndimage.generate_binary_structure(3, {6: 1, 18: 2, 26: 3}[cfg.connectivity_3d])
    decisions: dict[int, SplitDecision] = {}
    components: dict[int, tuple[tuple[slice, ...], NDArray[np.int32], NDArray[np.int64]]] = {}
    for v, name in sorted(names.items()):
        box = boxes[v - 1] if v - 1 < len(boxes) else None
        if box is None:
            continue
        crop = labels[box] == v
        decision = decide_split(name, _largest_slices(crop), cfg.split, cfg.keep_whole)
        decisions[v] = decision
        counts[f"split_rule/{name}/{decision.key}"] += 1
        if decision.split:
            comp, n = ndimage.label(crop, structure=structure)
            sizes = np.bincount(comp.ravel())[1:]
            order = np.argsort(-sizes, kind="stable")  # largest first, ties in raster order
            rank = np.zeros(n + 1, dtype=np.int64)
            rank[order + 1] = np.arange(1, n + 1)
            components[v] = (box, comp, rank)
    if not components:
        return decisions, None
    most = max(len(rank) for _, _, rank in components.values())  # the largest id is most - 1
    dtype = np.uint8 if most <= 256 else np.uint16 if most < np.iinfo(np.uint16).max else np.uint32
    # in labels' memory order, so that its slices are cut as cheaply as the labels' are
    instances: NDArray[np.integer[Any]] = np.zeros_like(labels, dtype=dtype)
    for box, comp, rank in components.values():
        inside = comp > 0
        instances[box][inside] = rank[comp[inside]].astype(dtype)
    return decisions, instances


def _largest_slices(crop: NDArray[np.bool_]) -> list[NDArray[np.bool_]]:
    """A label's largest axial and coronal cross-sections, where its shape is measured."""
    out = []
    for axis in (2, 1):
        areas = crop.sum(axis=tuple(a for a in range(3) if a != axis))
        out.append(np.take(crop, int(np.argmax(areas)), axis=axis))
    return out


def slice_layers(
    lab: NDArray[np.generic], inst: NDArray[np.generic] | None, present: list[int],
    names: dict[int, str], decisions: dict[int, SplitDecision],
    boxes: list[tuple[slice, ...] | None] | None = None,
) -> list[Layer]:
    """The layers of one slice: a split label gives one layer per 3D instance it shows (all
    its fragments together), any other label one layer. ``boxes`` are
    ``ndimage.find_objects(lab)``'s (made here when not given): each mask is compared on its
    label's box only."""
    if boxes is None:
        boxes = label_boxes(lab)
    layers = []
    for v in present:
        box = boxes[v - 1] if 0 < v <= len(boxes) else None
        if box is None:
            continue  # not on this slice
        mask = np.zeros(lab.shape, dtype=bool)
        here = lab[box] == v
        mask[box] = here
        xyxy = (box[1].start, box[0].start, box[1].stop, box[0].stop)
        decision = decisions.get(v)
        if inst is None or decision is None or not decision.split:
            layers.append(Layer(label=names[v], mask=mask, instance=0, box=xyxy))
            continue
        ids = inst[box]
        for k in np.unique(ids[here]):
            if k > 0:
                part = np.zeros(lab.shape, dtype=bool)
                mine = here & (ids == k)
                part[box] = mine
                tight = box_of_mask(mine)  # k occurs here: never None
                assert tight is not None
                layers.append(Layer(label=names[v], mask=part, instance=int(k) - 1,
                                    box=(tight[0] + xyxy[0], tight[1] + xyxy[1],
                                         tight[2] + xyxy[0], tight[3] + xyxy[1])))
    return layers


#: at least this share of the sampled axial slices that show a body must show all of it (air on
#: both sides): a crop whose few whole outlines are a limb or an end slice gives no midline
MIN_WHOLE_SHARE = 0.5


@dataclass(frozen=True)
class Midline:
    """The body's left-right midline of a canonical volume as a voxel-edge coordinate along
    axis 0, or None with the reason it is withheld: ``crop`` (the field of view is narrower
    than a body, or the body reaches the left or right border), ``no_body`` (no whole body
    outline: nothing found, or only outlines narrower than a body), ``no_orientation``."""

    x: float | None
    withheld: str | None = None


def volume_midline(data: NDArray[np.generic], low: float, high: float,
                   pixel_mm: float) -> Midline:
    """The median over axial slices of the centre of the whole body cross-section (see
    :func:`~medground.stages.cue_words.body_cross_section`); whole axial cross-sections are used
    because coronal slabs and partial slices often cut the body. ``pixel_mm`` is the voxel size
    along axis 0. Every centre used lies at least ``MIN_BODY_WIDTH_MM / 2`` inside both lateral
    borders (a whole body at least that wide, with air on both sides), and so does the median:
    a midline is only ever given inside the field of view."""
    n_i = data.shape[0]
    if n_i * pixel_mm < MIN_BODY_WIDTH_MM:
        return Midline(None, "crop")  # too narrow for any body: its midline cannot be in view
    centres: list[float] = []
    seen: Counter[str] = Counter()
    step = max(1, data.shape[2] // 24)  # two dozen slices are plenty
    for k in range(0, data.shape[2], step):
        section = body_cross_section(to_uint8(display_slice(data, "axial", k), low, high),
                                     pixel_mm)
        seen[section.status] += 1
        if section.midline_x is not None:
            centres.append(n_i - section.midline_x)  # display edge x <-> canonical edge n_i - x
    with_body = sum(seen.values()) - seen["none"]
    if not centres or len(centres) < MIN_WHOLE_SHARE * with_body:
        return Midline(None, "crop" if seen["cut"] else "no_body")
    return Midline(float(np.median(centres)))


def _resize(arr: NDArray[np.generic], shape: tuple[int, int], order: int) -> NDArray[np.generic]:
    changed = [axis for axis in (0, 1) if shape[axis] != arr.shape[axis]]
    if len(changed) == 1 and (order == 0 or arr.dtype == np.float64):
        axis = changed[0]  # one axis stretched: zoom's own result, along that axis alone
        out = zoom_axis(arr, axis, zoom_output_length(arr.shape[axis], shape[axis]), order)
    else:
        factors = (shape[0] / arr.shape[0], shape[1] / arr.shape[1])
        out = ndimage.zoom(arr, factors, order=order, mode="nearest", grid_mode=True)
    if out.shape != shape:  # zoom may round differently by one pixel
        out = out[: shape[0], : shape[1]]
        pad = ((0, shape[0] - out.shape[0]), (0, shape[1] - out.shape[1]))
        out = np.pad(out, pad, mode="edge")
    return np.asarray(out)
