"""``medground eval``: predictions scored against a dataset.

Predictions are JSONL, one record per sample matched by ``id``: ``medground predict`` output
(``boxes_px``: parsed pixel boxes; ``error``) or raw answers of any run (``answer`` -- or
``raw`` / ``response`` / ``text`` -- holding the model's text, parsed here in the box convention
given by ``box_format``; Qwen2.5-VL absolute coordinates are taken on the image as its
processor resizes it, eval/boxes.py ``input_size``). Samples without a prediction are
``missing``; an answer without a box is ``unparsed``, counted apart and never scored as a zero box.

Scores the samples of one split (``test`` when the dataset is split, else all): overall and by
source, modality, label, task, split and target size bucket (single-target samples), with 95 %
bootstrap intervals overall; multi-target samples by Hungarian matching (eval/metrics.py); and
the baselines of eval/baselines.py fitted on the train split. Output: JSON and a Markdown table.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from medground.dataset import read_samples
from medground.errors import ConfigError
from medground.eval import baselines, metrics
from medground.eval.boxes import BOX_FORMATS, input_size, parse_boxes, to_pixels
from medground.splits import UNSPLIT, load_splits
from medground.types import Sample

_TEXT_KEYS = ("answer", "raw", "response", "text")


@dataclass
class _Group:
    ious: list[float] = field(default_factory=list)
    centres: list[bool] = field(default_factory=list)

    def scores(self) -> dict[str, float]:
        return metrics.single_scores(np.array(self.ious, float), np.array(self.centres, bool))


@dataclass(frozen=True)
class Prediction:
    """Parsed pixel boxes (``boxes``), or the raw text still to parse (``boxes`` None)."""

    id: str
    boxes: list[list[float]] | None
    error: str | None
    text: str | None = None
    box_format: str | None = None

    def pixel_boxes(self, sample: Sample, default_format: str | None) -> list[list[float]]:
        if self.boxes is not None:
            return self.boxes
        fmt = self.box_format or default_format
        if fmt is None:
            raise ConfigError(f"prediction {self.id} is a raw answer: give --box-format (one of "
                              f"{', '.join(BOX_FORMATS)}) or a box_format field")
        sent = input_size(fmt, sample.width, sample.height)
        sx, sy = sample.width / sent[0], sample.height / sent[1]
        out = []
        for box in parse_boxes(self.text, fmt):
            x1, y1, x2, y2 = to_pixels(box, fmt, *sent)
            out.append([x1 * sx, y1 * sy, x2 * sx, y2 * sy])
        return out


def _prediction(d: dict[str, Any]) -> Prediction:
    fmt = d.get("box_format")
    if fmt is not None and fmt not in BOX_FORMATS:
        raise ValueError(f"box_format {fmt!r} is not one of {', '.join(BOX_FORMATS)}")
    if "boxes_px" in d:
        boxes = [[float(v) for v in b] for b in d.get("boxes_px") or []]
        if any(len(b) != 4 for b in boxes):
            raise ValueError("a box is not four numbers")
        return Prediction(str(d["id"]), boxes, d.get("error"))
    key = next((k for k in _TEXT_KEYS if k in d), None)
    if key is None:
        raise ValueError(f"neither boxes_px nor an answer text ({', '.join(_TEXT_KEYS)})")
    text = d[key]
    if text is not None and not isinstance(text, str):
        raise ValueError(f"{key} is not text")
    return Prediction(str(d["id"]), None, d.get("error"), text, fmt)


def read_predictions(path: Path) -> dict[str, Prediction]:
    found: dict[str, Prediction] = {}
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                pred = _prediction(json.loads(line))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ConfigError(f"{path}:{n}: not a prediction record ({exc})") from exc
            found[pred.id] = pred
    return found


def evaluate(predictions: Path, dataset: Path, seed: int = 0, split: str | None = None,
             box_format: str | None = None) -> dict[str, Any]:
    """Score ``predictions`` on ``split`` of ``dataset`` (default: test when split, else all)."""
    if box_format is not None and box_format not in BOX_FORMATS:
        raise ConfigError(f"--box-format {box_format!r} is not one of {', '.join(BOX_FORMATS)}")
    preds = read_predictions(predictions)
    splits = load_splits(dataset)
    every = list(read_samples(dataset))
    splits.check(every)
    split = split or ("test" if splits.is_split else UNSPLIT)
    if split not in splits.names():
        raise ConfigError(f"{dataset} has no split {split!r} (it has {', '.join(splits.names())})")
    chosen = [s for s in every if splits.of(s.id) == split]
    train = [s for s in every if splits.of(s.id) == "train"] if splits.is_split else chosen
    counts = {"samples": 0, "scored": 0, "unparsed": 0, "request_errors": 0, "missing": 0,
              "multi_scored": 0}
    overall = _Group()
    by: dict[str, dict[str, _Group]] = defaultdict(lambda: defaultdict(_Group))
    matches: list[metrics.Match] = []
    subsets: dict[str, _Group] = defaultdict(_Group)
    for sample in chosen:
        counts["samples"] += 1
        pred = preds.get(sample.id)
        if pred is None:
            counts["missing"] += 1
            continue
        if pred.error is not None:
            counts["request_errors"] += 1
            continue
        boxes = pred.pixel_boxes(sample, box_format)
        if not boxes:
            counts["unparsed"] += 1
            continue
        targets = [list(map(float, t.box)) for t in sample.targets]
        if len(targets) > 1:
            counts["multi_scored"] += 1
            matches.append(metrics.hungarian(boxes, targets))
            continue
        counts["scored"] += 1
        value = metrics.iou(boxes[0], targets[0])
        inside = metrics.centre_inside(boxes[0], targets[0])
        keys = {"source": sample.source, "modality": sample.modality,
                "label": sample.targets[0].label, "task": sample.task,
                "split": splits.of(sample.id), "size": metrics.size_bucket(targets[0])}
        groups = [overall, *(by[k][v] for k, v in keys.items())]
        groups += [subsets[name] for name, ids in splits.subsets.items() if sample.id in ids]
        for group in groups:
            group.ious.append(value)
            group.centres.append(inside)
    answered = counts["scored"] + counts["multi_scored"] + counts["unparsed"]
    fitted = baselines.fit(train)
    return {
        "split": split,
        "counts": counts,
        "coverage": (counts["scored"] + counts["multi_scored"]) / answered if answered else 0.0,
        "single": overall.scores(),
        "single_ci95": {k: list(v) for k, v in metrics.bootstrap_ci(
            np.array(overall.ious, float), np.array(overall.centres, bool), seed=seed).items()},
        "multi": metrics.prf(matches) if matches else {},
        "by": {k: {v: {"n": len(g.ious), **g.scores()} for v, g in sorted(groups.items())}
               for k, groups in sorted(by.items())},
        "subsets": {k: {"n": len(g.ious), **g.scores()} for k, g in sorted(subsets.items())},
        "baselines": {
            "fitted_on": "train split" if splits.is_split else "the scored samples (no splits)",
            "fitted_samples": fitted.fitted_on,
            **baselines.score(fitted, chosen)},
    }


def markdown(result: dict[str, Any]) -> str:
    cols = [f"acc@{t}" for t in metrics.THRESHOLDS] + ["miou", "center_acc"]
    lines = ["| group | n | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]

    def row(name: str, n: int, scores: dict[str, float]) -> str:
        # nothing scored is "-", never a score of 0
        cells = (f"{scores[c]:.3f}" if c in scores else "-" for c in cols)
        return f"| {name} | {n} | " + " | ".join(cells) + " |"

    lines.append(row(f"model ({result['split']})", result["counts"]["scored"], result["single"]))
    base = result["baselines"]
    for name in baselines.NAMES:
        lines.append(row(f"baseline: {name.replace('_', ' ')}", int(base[name]["n"]), base[name]))
    for key, groups in result["by"].items():
        for value, g in groups.items():
            lines.append(row(f"{key}={value}", g["n"], g))
    for name, g in result["subsets"].items():
        lines.append(row(f"subset={name}", g["n"], g))
    c = result["counts"]
    lines.append("")
    lines.append(f"baselines fitted on the {base['fitted_on']} ({base['fitted_samples']} "
                 "single-target samples), scored on every single-target sample of the split")
    lines.append(f"samples {c['samples']}, scored {c['scored']} single + {c['multi_scored']} "
                 f"multi, unparsed {c['unparsed']}, request errors {c['request_errors']}, "
                 f"missing {c['missing']}")
    if result["multi"]:
        m = result["multi"]
        lines.append(f"multi-target (Hungarian, IoU >= {metrics.MATCH_IOU}): precision "
                     f"{m['precision']:.3f}, recall {m['recall']:.3f}, F1 {m['f1']:.3f}")
    return "\n".join(lines) + "\n"
