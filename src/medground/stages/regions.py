"""Views to regions: one row per target instance (label, instance, box, area, centroid, mask)."""

from __future__ import annotations

import fnmatch
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from medground.config import RegionsConfig
from medground.errors import CaseError
from medground.geometry.boxes import mask_to_box
from medground.geometry.components import min_component_area, remove_specks
from medground.stages.structure import SplitDecision, decide_split
from medground.types import BoolArray, View


@dataclass
class Regions:
    """Columnar regions of one view: parallel arrays, validated, indexable like supervision's
    ``Detections``. Extra per-region columns (cues) live in ``data``."""

    label: NDArray[np.str_]
    instance: NDArray[np.int64]
    xyxy: NDArray[np.int64]
    area: NDArray[np.int64]
    centroid: NDArray[np.float64]
    masks: list[BoolArray]
    data: dict[str, NDArray[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.label)
        if self.xyxy.shape != (n, 4):
            raise ValueError(f"xyxy must have shape ({n}, 4), got {self.xyxy.shape}")
        for name in ("instance", "area"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} rows, expected {n}")
        if self.centroid.shape != (n, 2) or len(self.masks) != n:
            raise ValueError("centroid and masks must have one row per region")
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
    duplicates, measure each instance."""
    min_area = min_component_area(view.height * view.width, cfg.min_area_px, cfg.min_area_fraction)
    rows: list[tuple[str, int, BoolArray]] = []
    seen: set[str] = set()
    next_instance: Counter[str] = Counter()
    per_label: Counter[str] = Counter()
    decisions = split_decisions(view, cfg)
    if view.plane == "image":  # a volume's labels are decided once per case (stages/views.py)
        for label in sorted(decisions):
            counts[f"split_rule/{label}/{decisions[label].key}"] += 1
    for layer in view.layers:
        if not label_selected(layer.label, cfg):
            continue
        # each component below the area floor counts once, as a speck: a layer made only of
        # specks is those specks, not also a "too small" layer
        cleaned, dropped = remove_specks(layer.mask, min_area, cfg.connectivity)
        counts["regions_dropped/speck"] += dropped
        if not cleaned.any():
            continue
        if layer.instance is None and decisions[layer.label].split:
            parts = split_capped(cleaned, cfg.connectivity, cfg.max_instances, layer.label, view)
        else:
            parts = [cleaned]
        for part in parts:
            box = mask_to_box(part)
            if box is not None and min(box[2] - box[0], box[3] - box[1]) < cfg.min_box_px:
                counts["regions_dropped/thin"] += 1
                continue
            key = hashlib.sha1(layer.label.encode() + np.packbits(part).tobytes()).hexdigest()
            if key in seen:
                counts["regions_dropped/duplicate"] += 1
                continue
            seen.add(key)
            if layer.instance is not None:
                instance = layer.instance
            else:
                instance = next_instance[layer.label]
                next_instance[layer.label] += 1
            rows.append((layer.label, instance, part))
            per_label[layer.label] += 1
            if per_label[layer.label] > cfg.max_instances:
                raise too_many(layer.label, view, f"more than {cfg.max_instances}", cfg.max_instances)
    if not rows:
        return Regions.empty()
    boxes, areas, centroids = [], [], []
    for _, _, mask in rows:
        box = mask_to_box(mask)
        assert box is not None  # rows hold non-empty masks only
        ys, xs = np.nonzero(mask)
        boxes.append(box)
        areas.append(int(ys.size))
        centroids.append((float(xs.mean()) + 0.5, float(ys.mean()) + 0.5))  # pixel-edge coords
    counts["regions"] += len(rows)
    return Regions(
        label=np.array([r[0] for r in rows], dtype=np.str_),
        instance=np.array([r[1] for r in rows], dtype=np.int64),
        xyxy=np.array(boxes, dtype=np.int64),
        area=np.array(areas, dtype=np.int64),
        centroid=np.array(centroids, dtype=np.float64),
        masks=[r[2] for r in rows],
    )


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
