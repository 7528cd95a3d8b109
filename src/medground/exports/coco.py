"""COCO ``instances.json`` and RefCOCO-style refs (JSON, never pickle) from a built dataset.

* ``instances.json``: one image per saved PNG, one annotation per target region (the same
  region of the same image in several samples is one annotation), with ``bbox`` ``[x, y, w, h]``
  taken from the canonical ``xyxy`` box (``x2``/``y2`` exclusive, so ``w = x2 - x1`` exactly), the
  mask as compressed RLE and ``area`` its pixel count; categories are the labels, in sorted order.
* ``refs.json``: the single-target samples as RefCOCO refs (``ref_id``, ``ann_id``, ``image_id``,
  ``category_id``, ``split``, ``sentences[{sent, tokens, sent_id}]``), one ref per annotation with
  all its queries; multi-target samples go to ``refs_multi.json`` with ``ann_ids``.
* ``images/``: the PNGs, hard-linked where the file system allows, copied otherwise.

``split`` is the sample's split (``splits.json``; ``"all"`` when the dataset was never split);
excluded samples (held out of train/val patients) are not written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medground.dataset import read_samples
from medground.exports import Exported, ExportOptions, samples_to_export
from medground.sinks.files import atomic_write_text, dumps, place_file
from medground.types import Sample, Target

__all__ = ["export", "export_coco", "read_samples"]

_TOKEN = re.compile(r"\w+(?:['-]\w+)*")


def tokens(sentence: str) -> list[str]:
    """Lower-case word tokens of a query, as RefCOCO's ``tokens`` (punctuation dropped)."""
    return _TOKEN.findall(sentence.lower())


def coco_bbox(box: tuple[int, int, int, int]) -> list[int]:
    """``[x, y, w, h]`` of an ``xyxy`` pixel-edge box."""
    x1, y1, x2, y2 = box
    return [x1, y1, x2 - x1, y2 - y1]


@dataclass(frozen=True)
class CocoExport:
    images: int
    annotations: int
    categories: int
    refs: int
    multi_refs: int
    folder: Path


def export_coco(dataset: Path, out: Path, only: tuple[str, ...] = ()) -> CocoExport:
    """Write ``instances.json``, ``refs.json``, ``refs_multi.json`` and ``images/`` into ``out``."""
    splits, samples = samples_to_export(dataset, only)
    labels = sorted({t.label for s in samples for t in s.targets})
    category = {label: i + 1 for i, label in enumerate(labels)}
    names = {t.label: t.name or t.label for s in samples for t in s.targets}
    images: dict[str, dict[str, Any]] = {}
    annotations: dict[tuple[str, str, int], dict[str, Any]] = {}
    refs: dict[int, dict[str, Any]] = {}
    multi: list[dict[str, Any]] = []

    def ann_of(sample: Sample, target: Target) -> dict[str, Any]:
        key = (sample.image, target.label, target.instance)
        if key not in annotations:
            annotations[key] = {
                "id": len(annotations) + 1, "image_id": images[sample.image]["id"],
                "category_id": category[target.label], "bbox": coco_bbox(target.box),
                "area": target.area, "segmentation": target.mask_rle, "iscrowd": 0}
        return annotations[key]

    for sent_id, sample in enumerate(samples, 1):
        if sample.image not in images:
            images[sample.image] = {"id": len(images) + 1, "file_name": sample.image,
                                    "width": sample.width, "height": sample.height,
                                    "case": sample.case, "patient_id": sample.patient_id,
                                    "modality": sample.modality, "source": sample.source}
        anns = [ann_of(sample, t) for t in sample.targets]
        sentence = {"sent": sample.query, "raw": sample.query, "tokens": tokens(sample.query),
                    "sent_id": sent_id, "sample_id": sample.id, "task": sample.task}
        split = splits.of(sample.id)
        if len(anns) == 1:
            ref = refs.setdefault(anns[0]["id"], {
                "ref_id": len(refs) + 1, "ann_id": anns[0]["id"],
                "image_id": anns[0]["image_id"], "category_id": anns[0]["category_id"],
                "file_name": sample.image, "split": split, "sentences": [], "sent_ids": []})
            ref["sentences"].append(sentence)
            ref["sent_ids"].append(sent_id)
        else:
            multi.append({"ref_id": len(multi) + 1, "ann_ids": [a["id"] for a in anns],
                          "image_id": anns[0]["image_id"],
                          "category_ids": sorted({a["category_id"] for a in anns}),
                          "file_name": sample.image, "split": split,
                          "sentences": [sentence], "sent_ids": [sent_id]})
    out.mkdir(parents=True, exist_ok=True)
    for image in images:
        place_file(dataset / image, out / image)
    instances = {
        "info": {"description": f"medground export of {dataset.name}",
                 "box_convention": "bbox [x, y, w, h] in pixels of the PNG; "
                                   "x + w and y + h are exclusive edges"},
        "images": list(images.values()),
        "annotations": list(annotations.values()),
        "categories": [{"id": category[label], "name": label, "supercategory": names[label]}
                       for label in labels],
    }
    atomic_write_text(out / "instances.json", dumps(instances) + "\n")
    atomic_write_text(out / "refs.json", dumps(list(refs.values())) + "\n")
    atomic_write_text(out / "refs_multi.json", dumps(multi) + "\n")
    return CocoExport(images=len(images), annotations=len(annotations), categories=len(labels),
                      refs=len(refs), multi_refs=len(multi), folder=out)


def export(dataset: Path, out: Path, options: ExportOptions) -> Exported:
    done = export_coco(dataset, out, options.splits)
    return Exported(
        summary=f"{done.images} images, {done.annotations} annotations in {done.categories} "
                f"categories, {done.refs} refs, {done.multi_refs} multi-target refs",
        main_file=out / "instances.json",
        counts={"images": done.images, "annotations": done.annotations, "refs": done.refs})
