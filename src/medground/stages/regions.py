"""Views to regions: one row per target instance (label, instance, box, area, centroid, mask)."""

from __future__ import annotations

import fnmatch
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from medground.config import RegionsConfig
from medground.errors import CaseError
from medground.geometry.components import min_component_area
from medground.geometry.crops import box_of_mask
from medground.geometry.packed import pixel_moments
from medground.stages.structure import SplitDecision, decide_split
from medground.types import BoolArray, Layer, View


@dataclass
class Regions:
    """Columnar regions of one view: parallel arrays, validated, indexable like supervision's
    ``Detections``. Extra per-region columns (cues) live in ``data``.

    ``masks`` are full-size; ``xyxy`` is each mask's tight box, and every per-region measure
    (stages/cues.py) reads only ``masks[i]`` within that box plus the margin it needs, so the
    box must hold the whole mask (:func:`extract_regions` makes it so)."""

    label: NDArray[np.str_]
    instance: NDArray[np.int64]
    xyxy: NDArray[np.int64]
    area: NDArray[np.int64]
    centroid: NDArray[np.float64]
    masks: list[BoolArray]
    data: dict[str, NDArray[Any]] = field(default_factory=dict)
    #: per region, the pixel moments of ``masks[i]`` on its box, as
    #: ``geometry.packed.pixel_moments`` gives them (count, sums of rows, columns, squared
    #: rows, squared columns, row x column), when known: the shape measures reuse them
    moments: NDArray[np.int64] | None = None

    def __post_init__(self) -> None:
        n = len(self.label)
        if self.xyxy.shape != (n, 4):
            raise ValueError(f"xyxy must have shape ({n}, 4), got {self.xyxy.shape}")
        for name in ("instance", "area"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} rows, expected {n}")
        if self.centroid.shape != (n, 2) or len(self.masks) != n:
            raise ValueError("centroid and masks must have one row per region")
        if self.moments is not None and self.moments.shape != (n, 6):
            raise ValueError(f"moments must have shape ({n}, 6), got {self.moments.shape}")
        for key, col in self.data.items():
            if len(col) != n:
                raise ValueError(f"column {key!r} has {len(col)} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.label)

    def __getitem__(self, index: NDArray[np.bool_] | NDArray[np.int64] | list[int]) -> Regions:
        idx = np.flatnonzero(index) if np.asarray(index).dtype == bool else np.asarray(index, dtype=np.int64)
        return Regions(
            label=self.label[idx],
            instance=self.instance[idx],
            xyxy=self.xyxy[idx],
            area=self.area[idx],
            centroid=self.centroid[idx],
            masks=[self.masks[i] for i in idx],
            data={k: v[idx] for k, v in self.data.items()},
            moments=None if self.moments is None else self.moments[idx],
        )

    @classmethod
    def empty(cls) -> Regions:
        return cls(
            label=np.array([], dtype=np.str_),
            instance=np.zeros(0, dtype=np.int64),
            xyxy=np.zeros((0, 4), dtype=np.int64),
            area=np.zeros(0, dtype=np.int64),
            centroid=np.zeros((0, 2)),
            masks=[],
        )


def _matches(label: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(label, p) for p in patterns)


def label_selected(label: str, cfg: RegionsConfig) -> bool:
    if cfg.include is not None and not _matches(label, cfg.include):
        return False
    return not _matches(label, cfg.exclude)


def split_decisions(view: View, cfg: RegionsConfig) -> dict[str, SplitDecision]:
    """The split rule (stages/structure.py) for each label of the view. Layers the source made
    instances (instance maps, one file per instance, 3D components of a volume) are kept."""
    masks: dict[str, BoolArray] = {}
    given: set[str] = set()
    for layer in view.layers:
        if layer.instance is not None:
            given.add(layer.label)
        elif layer.label in masks:
            masks[layer.label] = masks[layer.label] | layer.mask
        else:
            masks[layer.label] = layer.mask
    out = {label: SplitDecision(True, "source_instances", "the source gives the instances")
           for label in given}
    for label, mask in masks.items():
        out.setdefault(label, decide_split(label, [mask], cfg.split, cfg.keep_whole))
    return out


def extract_regions(view: View, cfg: RegionsConfig, counts: Counter[str]) -> Regions:
    """Split layers into instances where the structure rule says so, drop specks and
    duplicates, measure each instance.

    Each layer is read in full once, to find its box (:func:`~medground.geometry.crops.
    box_of_mask`); labelling, speck removal, splitting and the measures then work on that box,
    so a view costs its layers' boxes, not the image once per step and region."""
    min_area = min_component_area(view.height * view.width, cfg.min_area_px, cfg.min_area_fraction)
    rows: list[tuple[str, int, BoolArray, tuple[int, int, int, int]]] = []
    seen: set[tuple[str, tuple[int, int, int, int], tuple[int, ...], bytes]] = set()
    next_instance: Counter[str] = Counter()
    per_label: Counter[str] = Counter()
    decisions = split_decisions(view, cfg)
    if view.plane == "image":  # a volume's labels are decided once per case (stages/views.py)
        for label in sorted(decisions):
            counts[f"split_rule/{label}/{decisions[label].key}"] += 1
    for layer in view.layers:
        if not label_selected(layer.label, cfg):
            continue
        split = layer.instance is None and decisions[layer.label].split
        for box, part, full in layer_parts(layer, view, cfg, min_area, split, counts):
            if min(box[2] - box[0], box[3] - box[1]) < cfg.min_box_px:
                counts["regions_dropped/thin"] += 1
                continue
            key = (layer.label, box, part.shape, np.packbits(part).tobytes())
            if key in seen:
                counts["regions_dropped/duplicate"] += 1
                continue
            seen.add(key)
            if layer.instance is not None:
                instance = layer.instance
            else:
                instance = next_instance[layer.label]
                next_instance[layer.label] += 1
            rows.append((layer.label, instance, full, box))
            per_label[layer.label] += 1
            if per_label[layer.label] > cfg.max_instances:
                raise too_many(layer.label, view, f"more than {cfg.max_instances}", cfg.max_instances)
    if not rows:
        return Regions.empty()
    areas, centroids = [], []
    moments = pixel_moments([r[2][r[3][1]:r[3][3], r[3][0]:r[3][2]] for r in rows])
    for (_, _, _, (x1, y1, _, _)), (n, sr, sc, *_) in zip(rows, moments, strict=True):
        areas.append(n)
        # the mean of the pixels' image coordinates, from their exact integer sum, as
        # ``(xs + x1).mean()`` gives it
        centroids.append(((sc + n * x1) / n + 0.5, (sr + n * y1) / n + 0.5))
    counts["regions"] += len(rows)
    return Regions(
        label=np.array([r[0] for r in rows], dtype=np.str_),
        instance=np.array([r[1] for r in rows], dtype=np.int64),
        xyxy=np.array([r[3] for r in rows], dtype=np.int64),
        area=np.array(areas, dtype=np.int64),
        centroid=np.array(centroids, dtype=np.float64),
        masks=[r[2] for r in rows],
        moments=np.array(moments, dtype=np.int64).reshape(-1, 6),
    )


Part = tuple[tuple[int, int, int, int], BoolArray, BoolArray]


def layer_parts(layer: Layer, view: View, cfg: RegionsConfig, min_area: int, split: bool,
                counts: Counter[str]) -> list[Part]:
    """The instances of one layer as (xyxy box, mask cropped to the box, full-size mask):
    components under ``min_area`` dropped (each counted as a speck), then either every
    component (``split``; largest first, ties by first pixel in raster order, as
    :func:`split_capped`) or the rest of the layer as one. The labelling is on the layer's box,
    which holds every component whole."""
    box = layer.box if layer.box is not None else box_of_mask(layer.mask)
    if box is None:
        return []
    x0, y0 = box[0], box[1]
    crop = layer.mask[box[1]:box[3], box[0]:box[2]]
    labelled, n = ndimage.label(crop, structure=_STRUCTURE[cfg.connectivity])
    if n == 1:  # most layers on a slice: the size is the crop's pixel count
        count = int(np.count_nonzero(crop))
        sizes = np.array([crop.size - count, count], dtype=np.int64)
    else:
        sizes = np.bincount(labelled.ravel(), minlength=n + 1)
    keep = sizes >= min_area if min_area > 1 else np.ones(n + 1, dtype=bool)
    keep[0] = False
    kept = int(keep.sum())
    counts["regions_dropped/speck"] += n - kept
    if kept == 0:
        return []
    if not split:
        if kept == n:  # nothing dropped: the layer itself, as the whole-image rule returns it
            return [(box, crop, layer.mask)]
        cleaned = keep[labelled]
        sub = box_of_mask(cleaned)
        assert sub is not None  # some component was kept
        return [_placed(cleaned[sub[1]:sub[3], sub[0]:sub[2]], (sub[0] + x0, sub[1] + y0),
                        layer.mask.shape)]
    if kept > cfg.max_instances:
        raise too_many(layer.label, view, str(kept), cfg.max_instances)
    flat = labelled.ravel()
    first = np.full(n + 1, flat.size, dtype=np.int64)
    nz = np.flatnonzero(flat)
    np.minimum.at(first, flat[nz], nz)  # raster order in the box is raster order in the image
    ids = np.flatnonzero(keep)
    order = ids[np.lexsort((first[ids], -sizes[ids]))]  # size descending, then first pixel
    slices = ndimage.find_objects(labelled)
    parts = []
    for k in order:
        rs, cs = slices[k - 1]
        parts.append(_placed(labelled[rs, cs] == k, (cs.start + x0, rs.start + y0),
                             layer.mask.shape))
    return parts


def _placed(part: BoolArray, origin: tuple[int, int], shape: tuple[int, ...]) -> Part:
    """A part cropped to its box, with its box and the full-size mask it fills."""
    x1, y1 = int(origin[0]), int(origin[1])
    h, w = part.shape
    full = np.zeros(shape, dtype=bool)
    full[y1:y1 + h, x1:x1 + w] = part
    return (x1, y1, x1 + w, y1 + h), part, full


_STRUCTURE = {4: ndimage.generate_binary_structure(2, 1), 8: ndimage.generate_binary_structure(2, 2)}


def too_many(label: str, view: View, count: str, cap: int) -> CaseError:
    """The error of a view with more than ``cap`` instances of ``label``."""
    return CaseError(
        None,
        f"{view.name}: label {label!r} has {count} instances and regions.max_instances is "
        f"{cap}; each instance is a full-size mask, so the case is refused. Raise "
        "regions.max_instances, or list the label in regions.keep_whole to keep it as one target",
        code="TOO_MANY_INSTANCES",
    )


def split_capped(mask: BoolArray, connectivity: int, cap: int, label: str,
                 view: View) -> list[BoolArray]:
    """The connected components of ``mask``, largest first (ties: the first in raster order),
    as :func:`medground.geometry.components.split_components` orders them, from one labelled
    array; more than ``cap`` is a TOO_MANY_INSTANCES error raised before any mask is made."""
    labelled, n = ndimage.label(mask, structure=_STRUCTURE[connectivity])
    if n > cap:
        raise too_many(label, view, str(n), cap)
    if n == 0:
        return []
    flat = labelled.ravel()
    sizes = np.bincount(flat, minlength=n + 1)[1:]
    first = np.full(n, flat.size, dtype=np.int64)
    nz = np.flatnonzero(flat)
    np.minimum.at(first, flat[nz] - 1, nz)
    order = np.lexsort((first, -sizes))  # size descending, then first pixel
    boxes = ndimage.find_objects(labelled)
    parts = []
    for i in order:
        part = np.zeros(mask.shape, dtype=bool)
        box = boxes[i]
        assert box is not None  # every label 1..n is present
        part[box] = labelled[box] == i + 1
        parts.append(part)
    return parts
