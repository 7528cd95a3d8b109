"""ms-swift 4.x grounding JSONL: ``<ref-object>`` / ``<bbox>`` placeholders and an ``objects``
field, boxes in pixels of the original PNG, rendered by each model's own template.

Written into ``OUT``:

* ``<split>.jsonl``: one record per sample::

    {"id": ..., "split": "train",
     "messages": [{"role": "user", "content": "<image>" + query},
                  {"role": "assistant", "content": "<ref-object><bbox>"}],
     "images": ["images/..."],
     "objects": {"ref": ["right kidney"], "bbox": [[x1, y1, x2, y2]], "bbox_type": "real"}}

  with one ``<ref-object><bbox>`` line per target (every box of a multi-target sample), in the
  order of ``objects.ref`` / ``objects.bbox``. ``bbox_type: real`` says the boxes are pixels of
  the image in ``images`` (the canonical pixel-edge boxes, unchanged); the template rescales
  them for its model (``norm_bbox``: ``norm1000`` for most, ``none`` for Qwen2.5-VL, which
  scales them to the image after its own smart resize) and renders its model's grounding
  tokens (Qwen2-VL and Qwen2.5-VL ``<|object_ref_start|>..<|box_start|>(x1,y1),(x2,y2)
  <|box_end|>`` unless ``QWENVL_BBOX_FORMAT=new``; InternVL ``<ref>..</ref><box>[[..]]</box>``).
* ``images/``: the PNGs, hard-linked (copied across file systems), unchanged: the template
  resizes and the boxes follow.

Image paths are relative to ``OUT``; ms-swift resolves them against ``ROOT_IMAGE_DIR``::

    ROOT_IMAGE_DIR=OUT swift sft --model Qwen/Qwen2.5-VL-7B-Instruct --train_type lora \\
        --dataset OUT/train.jsonl --val_dataset OUT/val.jsonl --output_dir output/medground

(``--max_pixels`` does not move the boxes: the template reads the PNG's size before it resizes
and scales the boxes to the image it makes.)

The record split comes from ``splits.json`` (``all`` when the dataset was never split);
``options.splits`` keeps only those splits. ``options.answer_format`` does not apply (each
template writes its own convention).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medground.exports import Exported, ExportOptions, samples_to_export
from medground.exports.answers import label_text
from medground.exports.resize import place_image
from medground.sinks.files import atomic_write_jsonl
from medground.splits import SPLITS, UNSPLIT
from medground.types import Sample

__all__ = ["export", "record"]


def record(sample: Sample, split: str) -> dict[str, Any]:
    return {"id": sample.id, "split": split,
            "messages": [{"role": "user", "content": "<image>" + sample.query},
                         {"role": "assistant",
                          "content": "\n".join("<ref-object><bbox>" for _ in sample.targets)}],
            "images": [sample.image],
            "objects": {"ref": [label_text(t) for t in sample.targets],
                        "bbox": [list(t.box) for t in sample.targets], "bbox_type": "real"}}


def export(dataset: Path, out: Path, options: ExportOptions) -> Exported:
    splits, samples = samples_to_export(dataset, options.splits)
    images: set[str] = set()
    by_split: dict[str, list[dict[str, Any]]] = {}
    for sample in samples:
        if sample.image not in images:
            place_image(dataset / sample.image, out / sample.image)
            images.add(sample.image)
        split = splits.of(sample.id)
        by_split.setdefault(split, []).append(record(sample, split))
    names = [n for n in (*SPLITS, UNSPLIT) if n in by_split]
    for name in names:
        atomic_write_jsonl(out / f"{name}.jsonl", by_split[name])
    return Exported(
        summary=f"{len(samples)} samples ({', '.join(f'{n} {len(by_split[n])}' for n in names)})"
                f", {len(images)} images, bbox_type real",
        main_file=out / f"{names[0]}.jsonl",
        counts={"samples": len(samples), "images": len(images),
                **{f"split_{n}": len(by_split[n]) for n in names}})
