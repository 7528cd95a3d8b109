"""Grounding metrics of predicted boxes against a dataset's targets (pure functions).

Boxes are pixel ``xyxy`` with exclusive ``x2``/``y2`` (the dataset's convention), floats allowed.

* Single-target samples: the *first* predicted box is scored (never one chosen with the ground
  truth): IoU, Acc@tau (IoU >= tau) for tau in :data:`THRESHOLDS`, Center_ACC (the predicted
  centre inside the target box), as lmms-eval's RefCOCO set.
* Multi-target samples: predicted and target boxes matched one to one by the Hungarian method
  on IoU; a pair counts when its IoU >= 0.5: precision, recall, F1.
* An answer with no parseable box is counted apart (``unparsed``) and not scored; a request
  that failed is ``request_errors``. Rates are over the scored samples; ``coverage`` says how
  many that is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

THRESHOLDS = (0.1, 0.3, 0.5, 0.7, 0.9)
MATCH_IOU = 0.5
Box = Sequence[float]


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two ``xyxy`` boxes (0 when either is empty)."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1])
             + max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1]) - inter)
    return inter / union if union > 0 else 0.0


def centre_inside(pred: Box, target: Box) -> bool:
    cx, cy = (pred[0] + pred[2]) / 2, (pred[1] + pred[3]) / 2
    return target[0] <= cx < target[2] and target[1] <= cy < target[3]


@dataclass(frozen=True)
class Match:
    """One multi-target sample: matched pairs at IoU >= 0.5, predictions, targets."""

    hits: int
    predicted: int
    targets: int


def hungarian(preds: Sequence[Box], targets: Sequence[Box]) -> Match:
    """One-to-one matching maximising total IoU; pairs below :data:`MATCH_IOU` do not count."""
    if not preds or not targets:
        return Match(0, len(preds), len(targets))
    cost = np.array([[iou(p, t) for t in targets] for p in preds])
    rows, cols = linear_sum_assignment(cost, maximize=True)
    hits = int(sum(cost[r, c] >= MATCH_IOU for r, c in zip(rows, cols, strict=True)))
    return Match(hits, len(preds), len(targets))


def prf(matches: Sequence[Match]) -> dict[str, float]:
    hits = sum(m.hits for m in matches)
    predicted = sum(m.predicted for m in matches)
    targets = sum(m.targets for m in matches)
    p = hits / predicted if predicted else 0.0
    r = hits / targets if targets else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def single_scores(ious: NDArray[np.float64], centres: NDArray[np.bool_]) -> dict[str, float]:
    """Acc@tau, mIoU and Center_ACC of scored single-target samples."""
    if ious.size == 0:
        return {}
    out = {f"acc@{t}": float(np.mean(ious >= t)) for t in THRESHOLDS}
    out["miou"] = float(np.mean(ious))
    out["center_acc"] = float(np.mean(centres))
    return out


def bootstrap_ci(ious: NDArray[np.float64], centres: NDArray[np.bool_], n: int = 1000,
                 seed: int = 0) -> dict[str, tuple[float, float]]:
    """95 % percentile bootstrap intervals of :func:`single_scores` (resampling samples)."""
    if ious.size < 2:
        return {}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, ious.size, (n, ious.size))
    draws: dict[str, list[float]] = {}
    for row in idx:
        for key, value in single_scores(ious[row], centres[row]).items():
            draws.setdefault(key, []).append(value)
    return {k: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5)))
            for k, v in draws.items()}


def size_bucket(box: Box) -> str:
    """COCO's area buckets of the target box: small < 32^2 <= medium < 96^2 <= large."""
    area = max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])
    return "small" if area < 32 ** 2 else "medium" if area < 96 ** 2 else "large"
