"""``medground eval``: predictions (``medground predict`` output) scored against a dataset.

Each prediction line is matched to its sample by ``id``; samples without a prediction are
``missing``. Scores overall and by source, modality, label, task and target size bucket
(single-target samples), with 95 % bootstrap intervals overall; multi-target samples are
scored by Hungarian matching (eval/metrics.py). Output: a JSON summary and a Markdown table.
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
from medground.eval import metrics
from medground.types import Sample


@dataclass
class _Group:
    ious: list[float] = field(default_factory=list)
    centres: list[bool] = field(default_factory=list)

    def scores(self) -> dict[str, float]:
        return metrics.single_scores(np.array(self.ious, float), np.array(self.centres, bool))


@dataclass(frozen=True)
class Prediction:
    id: str
    boxes: list[list[float]]
    error: str | None


def read_predictions(path: Path) -> dict[str, Prediction]:
    found: dict[str, Prediction] = {}
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                boxes = [[float(v) for v in b] for b in d.get("boxes_px") or []]
                if any(len(b) != 4 for b in boxes):
                    raise ValueError("a box is not four numbers")
                found[str(d["id"])] = Prediction(str(d["id"]), boxes, d.get("error"))
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{path}:{n}: not a prediction record ({exc})") from exc
    return found


def evaluate(predictions: Path, dataset: Path, seed: int = 0) -> dict[str, Any]:
    preds = read_predictions(predictions)
    counts = {"samples": 0, "scored": 0, "unparsed": 0, "request_errors": 0, "missing": 0,
              "multi_scored": 0}
    overall = _Group()
    by: dict[str, dict[str, _Group]] = defaultdict(lambda: defaultdict(_Group))
    matches: list[metrics.Match] = []
    sample: Sample
    for sample in read_samples(dataset):
        counts["samples"] += 1
        pred = preds.get(sample.id)
        if pred is None:
            counts["missing"] += 1
            continue
        if pred.error is not None:
            counts["request_errors"] += 1
            continue
        if not pred.boxes:
            counts["unparsed"] += 1
            continue
        targets = [list(map(float, t.box)) for t in sample.targets]
        if len(targets) > 1:
            counts["multi_scored"] += 1
            matches.append(metrics.hungarian(pred.boxes, targets))
            continue
        counts["scored"] += 1
        value = metrics.iou(pred.boxes[0], targets[0])
        inside = metrics.centre_inside(pred.boxes[0], targets[0])
        keys = {"source": sample.source, "modality": sample.modality,
                "label": sample.targets[0].label, "task": sample.task,
                "size": metrics.size_bucket(targets[0])}
        for group in (overall, *(by[k][v] for k, v in keys.items())):
            group.ious.append(value)
            group.centres.append(inside)
    answered = counts["scored"] + counts["multi_scored"] + counts["unparsed"]
    return {
        "counts": counts,
        "coverage": (counts["scored"] + counts["multi_scored"]) / answered if answered else 0.0,
        "single": overall.scores(),
        "single_ci95": {k: list(v) for k, v in metrics.bootstrap_ci(
            np.array(overall.ious, float), np.array(overall.centres, bool), seed=seed).items()},
        "multi": metrics.prf(matches) if matches else {},
        "by": {k: {v: {"n": len(g.ious), **g.scores()} for v, g in sorted(groups.items())}
               for k, groups in sorted(by.items())},
    }


def markdown(result: dict[str, Any]) -> str:
    cols = [f"acc@{t}" for t in metrics.THRESHOLDS] + ["miou", "center_acc"]
    lines = ["| group | n | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]

    def row(name: str, n: int, scores: dict[str, float]) -> str:
        return f"| {name} | {n} | " + " | ".join(f"{scores.get(c, 0.0):.3f}" for c in cols) + " |"

    lines.append(row("all", result["counts"]["scored"], result["single"]))
    for key, groups in result["by"].items():
        for value, g in groups.items():
            lines.append(row(f"{key}={value}", g["n"], g))
    c = result["counts"]
    lines.append("")
    lines.append(f"samples {c['samples']}, scored {c['scored']} single + {c['multi_scored']} "
                 f"multi, unparsed {c['unparsed']}, request errors {c['request_errors']}, "
                 f"missing {c['missing']}")
    if result["multi"]:
        m = result["multi"]
        lines.append(f"multi-target (Hungarian, IoU >= {metrics.MATCH_IOU}): precision "
                     f"{m['precision']:.3f}, recall {m['recall']:.3f}, F1 {m['f1']:.3f}")
    return "\n".join(lines) + "\n"
