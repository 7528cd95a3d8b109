"""lmms-eval task folder: evaluate a model on the test split with the lmms-eval harness.

``OUT/`` holds what ``lmms-eval --include_path OUT --tasks NAME`` needs:

* ``NAME.yaml``: the task (``generate_until``), its data as ``dataset_path: json`` with an
  absolute ``data_files`` path, and one metric per ``medground eval`` score (Acc@0.1-0.9, mIoU,
  Center_ACC, the scored / unparsed counts, coverage, multi-target precision / recall / F1).
* ``utils.py``: the task's functions, copied verbatim from ``lmms_eval_task/utils.py`` (no
  medground import, so lmms-eval users need no medground): the image as ``medground predict``
  sends it, the prompt, the answer parser of the chosen box convention and the scoring of
  ``medground eval`` (eval/metrics.py), so both report the same numbers on the same answers.
* ``SPLIT.jsonl`` (``test.jsonl``): one row per sample (``id``, absolute ``image`` path,
  ``width``/``height``, ``sent_width``/``sent_height``, ``box_format``, ``query``, ``prompt``,
  ``task``, ``source``, ``modality``, ``labels``, ``targets`` as PNG pixel ``[x1, y1, x2, y2]``,
  ``x2``/``y2`` exclusive), and ``images/`` with the PNGs (hard-linked where possible).

Only the test split is written (``options.splits`` chooses others); a dataset that was never
split is written whole, and the summary says so. The prompt asks for ``options.answer_format``
(eval/boxes.py) exactly as ``medground predict`` words it, at the image size it would send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from medground.dataset import read_samples
from medground.errors import ConfigError
from medground.eval.boxes import BOX_FORMATS, input_size
from medground.eval.predict import PROMPT_VERSION, prompt
from medground.exports import Exported, ExportOptions
from medground.sinks.files import (
    atomic_write_bytes,
    atomic_write_jsonl,
    atomic_write_text,
    place_file,
)
from medground.splits import UNSPLIT, load_splits
from medground.types import Sample

__all__ = ["export", "export_task", "task_name"]

#: lmms-eval metric name -> (aggregation function in utils.py, higher is better)
METRICS: dict[str, tuple[str, bool]] = {
    "acc@0.1": ("acc_01", True), "acc@0.3": ("acc_03", True), "acc@0.5": ("acc_05", True),
    "acc@0.7": ("acc_07", True), "acc@0.9": ("acc_09", True), "miou": ("miou", True),
    "center_acc": ("center_acc", True), "scored": ("scored", True),
    "multi_scored": ("multi_scored", True), "unparsed": ("unparsed", False),
    "coverage": ("coverage", True), "multi_precision": ("multi_precision", True),
    "multi_recall": ("multi_recall", True), "multi_f1": ("multi_f1", True),
}
#: as medground predict asks (temperature 0, its 256-token answer budget); no stop string, so
#: an answer is never cut at lmms-eval's default ``"\n\n"``
GENERATION = {"max_new_tokens": 256, "temperature": 0, "top_p": 1.0, "num_beams": 1,
              "do_sample": False, "until": []}


def task_name(dataset: Path) -> str:
    """``medground_<dataset folder name>`` as an lmms-eval task name (lower case, ``_``)."""
    stem = re.sub(r"[^a-z0-9]+", "_", dataset.resolve().name.lower()).strip("_") or "dataset"
    return stem if stem.startswith("medground") else f"medground_{stem}"


@dataclass(frozen=True)
class _Function:
    """A ``!function module.name`` YAML node (lmms-eval's reference to a task function)."""

    name: str


class _Dumper(yaml.SafeDumper):
    pass


def _function_node(dumper: yaml.SafeDumper, fn: _Function) -> yaml.ScalarNode:
    return dumper.represent_scalar("!function", fn.name)


_Dumper.add_representer(_Function, _function_node)


def _row(sample: Sample, image: Path, fmt: str) -> dict[str, Any]:
    sent_w, sent_h = input_size(fmt, sample.width, sample.height)
    return {
        "id": sample.id, "image": str(image), "width": sample.width, "height": sample.height,
        "sent_width": sent_w, "sent_height": sent_h, "box_format": fmt, "query": sample.query,
        "prompt": prompt(sample.query, fmt, sent_w, sent_h), "task": sample.task,
        "source": sample.source, "modality": sample.modality,
        "labels": [t.label for t in sample.targets],
        "targets": [list(t.box) for t in sample.targets],
    }


def _config(task: str, key: str, data: Path, fmt: str, splits: list[str], dataset: Path,
            n: int) -> dict[str, Any]:
    return {
        "task": task,
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {key: str(data)}},
        "test_split": key,
        "output_type": "generate_until",
        "doc_to_visual": _Function("utils.doc_to_visual"),
        "doc_to_text": _Function("utils.doc_to_text"),
        "doc_to_target": "targets",
        "process_results": _Function("utils.process_results"),
        "generation_kwargs": dict(GENERATION),
        "lmms_eval_specific_kwargs": {"default": {"pre_prompt": "", "post_prompt": ""}},
        "metric_list": [{"metric": m, "aggregation": _Function(f"utils.{fn}"),
                         "higher_is_better": better} for m, (fn, better) in METRICS.items()],
        "metadata": {"version": 1.0, "medground_dataset": str(dataset), "splits": splits,
                     "box_format": fmt, "prompt_version": PROMPT_VERSION, "samples": n},
    }


def export_task(dataset: Path, out: Path, options: ExportOptions,
                task: str | None = None) -> Exported:
    """Write the task folder ``out`` for ``dataset``; ``task`` names the lmms-eval task
    (default :func:`task_name`)."""
    fmt = options.answer_format
    if fmt not in BOX_FORMATS:
        raise ConfigError(f"unknown answer format {fmt!r}; expected one of "
                          f"{', '.join(BOX_FORMATS)}")
    name = task or task_name(dataset)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
        raise ConfigError(f"{name!r} is not an lmms-eval task name (letters, digits, _ . -)")
    splits = load_splits(dataset)
    samples = list(read_samples(dataset))
    splits.check(samples)
    only = options.splits or (("test",) if splits.is_split else ())
    chosen = splits.select(samples, only)
    names = list(only) if only else [UNSPLIT]
    if not chosen:
        raise ConfigError(f"no samples in split {', '.join(names)} of {dataset}"
                          + ("" if splits.is_split else
                             " (it was never split: run `medground split` or drop --split)"))
    dataset, out = dataset.resolve(), out.resolve()
    # the Hugging Face split name ("all" is reserved there: an unsplit dataset is the test set)
    key = "_".join(only) if only else "test"
    rows = []
    for s in chosen:
        image = (out / s.image).resolve()
        if not image.is_relative_to(out):
            raise ConfigError(f"sample {s.id}: image path {s.image!r} leaves the dataset folder")
        place_file(dataset / s.image, image)
        rows.append(_row(s, image, fmt))
    data = out / f"{key}.jsonl"
    atomic_write_jsonl(data, rows)
    utils = resources.files("medground.exports").joinpath("lmms_eval_task").joinpath("utils.py")
    atomic_write_bytes(out / "utils.py", utils.read_bytes())
    header = (f"# lmms-eval task written by `medground export --format lmms-eval` from {dataset}\n"
              f"# run: lmms-eval --model MODEL --model_args ... --tasks {name} "
              f"--include_path {out}\n"
              f"# answers are asked for and parsed in the {fmt} box convention\n")
    config = _config(name, key, data, fmt, names, dataset, len(rows))
    main = out / f"{name}.yaml"
    atomic_write_text(main, header + yaml.dump(config, Dumper=_Dumper, sort_keys=False,
                                               allow_unicode=True))
    multi = sum(len(s.targets) > 1 for s in chosen)
    where = (f"split {', '.join(names)}" if splits.is_split
             else "all samples: the dataset has no splits (run `medground split` for a test set)")
    return Exported(
        summary=f"lmms-eval task {name}: {len(rows)} samples ({multi} multi-target) of {where}, "
                f"answers in {fmt}",
        main_file=main,
        counts={"samples": len(rows), "multi": multi, "single": len(rows) - multi})


def export(dataset: Path, out: Path, options: ExportOptions) -> Exported:
    return export_task(dataset, out, options)
