"""LLaMA-Factory sharegpt files with a ready ``dataset_info.json``, images written at the size the
model sees so that the answer boxes are exact.

Written into ``OUT``:

* ``<split>.jsonl``: one record per sample, ``{"id", "split", "messages": [{"role": "user",
  "content": "<image>" + query}, {"role": "assistant", "content": answer}], "images":
  ["images/..."]}``; the answer is exports/answers.py's text in ``options.answer_format`` for
  every target of the sample. LLaMA-Factory keeps only the mapped columns (``id`` and ``split``
  are provenance).
* ``dataset_info.json``: one entry per split, ``medground_<split>`` (``formatting: sharegpt``,
  columns ``messages`` / ``images``, the role and content tags of this layout), so the folder is
  a ``dataset_dir`` as it is.
* ``images/``: each PNG at :func:`medground.exports.resize.trained_size`. LLaMA-Factory 0.9.5 has
  no box handling: it resizes images above ``image_max_pixels`` (its mm_plugin
  ``_preprocess_image``) and the Qwen processors smart-resize after that, which would move every
  absolute box. An image written at a size that both steps leave unchanged, with the boxes scaled
  to it, is what the model sees. Unchanged PNGs are hard-linked (copied across file systems).

Train with the same pixel budget the export was written for (``--image-max-pixels``, default
768 * 768 = 589824, LLaMA-Factory's own default) and the template of the answer format
(:data:`TEMPLATES`), e.g. ``llamafactory-cli train sft.yaml`` with::

    model_name_or_path: Qwen/Qwen2.5-VL-7B-Instruct
    image_max_pixels: 589824
    stage: sft
    do_train: true
    finetuning_type: lora
    dataset_dir: OUT
    dataset: medground_train
    eval_dataset: medground_val
    template: qwen2_vl
    cutoff_len: 2048
    output_dir: saves/medground-qwen2.5-vl

The record split comes from ``splits.json`` (``all`` when the dataset was never split);
``options.splits`` keeps only those splits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from medground.errors import ConfigError
from medground.exports import Exported, ExportOptions, samples_to_export
from medground.exports.answers import ANSWER_FORMATS, sample_answer
from medground.exports.resize import trained_size, write_image
from medground.sinks.files import atomic_write_jsonl, atomic_write_text
from medground.splits import SPLITS, UNSPLIT
from medground.types import Sample

__all__ = ["TAGS", "TEMPLATES", "dataset_info", "export", "record"]

#: LLaMA-Factory 0.9.5 template of each answer format
TEMPLATES: dict[str, str] = {"qwen2.5-vl": "qwen2_vl", "qwen2-vl": "qwen2_vl",
                             "qwen3-vl": "qwen3_vl", "internvl": "intern_vl",
                             "internvl-999": "intern_vl"}
#: the sharegpt tags of the OpenAI-style ``messages`` layout (LLaMA-Factory's defaults are
#: ``from`` / ``value`` / ``human`` / ``gpt``)
TAGS: dict[str, str] = {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                        "assistant_tag": "assistant", "system_tag": "system"}


def record(sample: Sample, split: str, answer: str) -> dict[str, Any]:
    return {"id": sample.id, "split": split,
            "messages": [{"role": "user", "content": "<image>" + sample.query},
                         {"role": "assistant", "content": answer}],
            "images": [sample.image]}


def dataset_info(splits: list[str]) -> dict[str, Any]:
    """The ``dataset_info.json`` entries of the split files."""
    return {f"medground_{split}": {"file_name": f"{split}.jsonl", "formatting": "sharegpt",
                                   "columns": {"messages": "messages", "images": "images"},
                                   "tags": dict(TAGS)}
            for split in splits}


def export(dataset: Path, out: Path, options: ExportOptions) -> Exported:
    fmt = options.answer_format
    if fmt not in ANSWER_FORMATS:
        raise ConfigError(f"answer format {fmt!r} has no LLaMA-Factory template; expected one "
                          f"of {', '.join(ANSWER_FORMATS)}")
    if options.image_max_pixels < 1:
        raise ConfigError(f"image_max_pixels must be positive, got {options.image_max_pixels}")
    splits, samples = samples_to_export(dataset, options.splits)
    sizes: dict[str, tuple[int, int]] = {}
    resized = 0
    by_split: dict[str, list[dict[str, Any]]] = {}
    for sample in samples:
        if sample.image not in sizes:
            size = trained_size(fmt, sample.width, sample.height, options.image_max_pixels)
            write_image(dataset / sample.image, out / sample.image, size)
            sizes[sample.image] = size
            resized += size != (sample.width, sample.height)
        split = splits.of(sample.id)
        by_split.setdefault(split, []).append(
            record(sample, split, sample_answer(sample, fmt, *sizes[sample.image])))
    names = [n for n in (*SPLITS, UNSPLIT) if n in by_split]
    for name in names:
        atomic_write_jsonl(out / f"{name}.jsonl", by_split[name])
    atomic_write_text(out / "dataset_info.json",
                      json.dumps(dataset_info(names), indent=2, ensure_ascii=False) + "\n")
    counts = {"samples": len(samples), "images": len(sizes), "resized": resized,
              **{f"split_{n}": len(by_split[n]) for n in names}}
    return Exported(
        summary=f"{len(samples)} samples ({', '.join(f'{n} {len(by_split[n])}' for n in names)})"
                f", {len(sizes)} images ({resized} resized), answers in {fmt}, template "
                f"{TEMPLATES[fmt]}, image_max_pixels {options.image_max_pixels}",
        main_file=out / "dataset_info.json", counts=counts)
