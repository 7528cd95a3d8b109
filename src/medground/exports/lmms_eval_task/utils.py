"""lmms-eval task functions for a medground grounding test set (written by ``medground export
--format lmms-eval``; copied verbatim beside the task YAML).

Self-contained on purpose: lmms-eval users need no medground install. Only NumPy, Pillow and SciPy
are imported (all come with lmms-eval). The scoring is the one of ``medground eval``, so the two
give the same numbers on the same answers:

* Each data row carries the box convention the prompt asks for (``box_format``), the PNG size
  (``width`` x ``height``) and the size the image is sent at (``sent_width`` x ``sent_height``:
  Qwen2.5-VL's multiples of 28 for absolute pixels, the PNG size otherwise). Answers are parsed
  in that convention on the image as sent and scaled back to PNG pixels, rounded to 1/1000 px as
  ``medground predict`` records them. Target boxes are PNG pixel edges ``[x1, y1, x2, y2]``
  with ``x2``/``y2`` exclusive.
* Single-target samples: the *first* predicted box is scored (never one picked with the ground
  truth): IoU, Acc@tau (IoU >= tau), Center_ACC (the predicted centre inside the target box).
* Multi-target samples: predicted and target boxes matched one to one (Hungarian, maximum total
  IoU); a pair counts at IoU >= 0.5: precision, recall, F1 over all multi-target samples.
* An answer with no parseable box is counted apart (``unparsed``), never scored as a zero box;
  ``coverage`` = scored / answered.

:func:`process_results` keeps the per-sample record apart from the aggregation (the RefCOCO
tasks' design); every metric's aggregation reads the records it needs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image
from scipy.optimize import linear_sum_assignment

THRESHOLDS = (0.1, 0.3, 0.5, 0.7, 0.9)
MATCH_IOU = 0.5
Box = tuple[float, float, float, float]

# box convention -> (scale of the relative coordinates); absent: absolute pixels of the image sent
_RELATIVE: dict[str, float] = {
    "qwen2-vl": 1000.0, "qwen3-vl": 1000.0, "internvl": 1000.0, "internvl-999": 999.0,
    "normalized": 1.0,
}
BOX_FORMATS = ("qwen2.5-vl", *_RELATIVE)

# ---- the prompt and the image, as medground predict sends them --------------------------------


def doc_to_visual(doc: dict[str, Any]) -> list[Image.Image]:
    """The PNG, resized (bicubic) to the size the prompt states when that differs."""
    size = (int(doc["sent_width"]), int(doc["sent_height"]))
    with Image.open(doc["image"]) as im:
        im.load()
        out = im if im.size == size else im.resize(size, Image.Resampling.BICUBIC)
        return [out.convert("RGB")]


def doc_to_text(doc: dict[str, Any],
                lmms_eval_specific_kwargs: dict[str, Any] | None = None) -> str:
    """The query with the box-convention instruction (written at export time), between the
    model's optional ``pre_prompt`` / ``post_prompt``."""
    kw = lmms_eval_specific_kwargs or {}
    return f"{kw.get('pre_prompt', '')}{doc['prompt']}{kw.get('post_prompt', '')}"


# ---- parsing, as medground's eval/boxes.py ------------------------------------------------------

_NUM = r"(-?(?:\d+(?:\.\d*)?|\.\d+))"
_SEP = r"\s*,\s*"
_PATTERNS = (
    re.compile(r"\[\s*" + _SEP.join([_NUM] * 4) + r"\s*\]"),
    re.compile(r"[(\[]\s*" + _NUM + _SEP + _NUM + r"\s*[)\]][^\d()\[\]\n]{0,24}?"
               r"[(\[]\s*" + _NUM + _SEP + _NUM + r"\s*[)\]]"),
    re.compile(r"""\bx(?:1|_?min)\b["']?\s*[=:]\s*""" + _NUM +
               r"""[^\d]{0,16}?\by(?:1|_?min)\b["']?\s*[=:]\s*""" + _NUM +
               r"""[^\d]{0,16}?\bx(?:2|_?max)\b["']?\s*[=:]\s*""" + _NUM +
               r"""[^\d]{0,16}?\by(?:2|_?max)\b["']?\s*[=:]\s*""" + _NUM, re.IGNORECASE),
)


def parse_boxes(text: str | None) -> list[Box]:
    """Every box written in ``text``, in order, repeated ones once; ``[]`` when none parses.

    JSON lists and ``{"bbox_2d": [...]}`` objects, Qwen2-VL ``(x1,y1),(x2,y2)``, InternVL
    ``<box>[[x1, y1, x2, y2]]</box>`` and ``x1=.., y1=.., x2=.., y2=..``.
    """
    if not text:
        return []
    found: list[tuple[int, int, Box]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            a, b, c, d = (float(g) for g in m.groups())
            found.append((m.start(), m.end(), (a, b, c, d)))
    found.sort(key=lambda t: (t[0], -t[1]))
    boxes: list[Box] = []
    end = -1
    for start, stop, box in found:
        if start < end:
            continue
        end = stop
        if box not in boxes:
            boxes.append(box)
    return boxes


def to_pixels(box: Sequence[float], fmt: str, width: int, height: int) -> Box:
    """A box in ``fmt``'s convention on a ``width x height`` image -> pixel edges, clipped to
    the image and ordered."""
    if fmt not in BOX_FORMATS:
        raise ValueError(f"unknown box format {fmt!r}")
    x1, y1, x2, y2 = (float(v) for v in box)
    if fmt in _RELATIVE:
        scale = _RELATIVE[fmt]
        x1, x2 = x1 / scale * width, x2 / scale * width
        y1, y2 = y1 / scale * height, y2 / scale * height
    x1, x2 = (min(max(v, 0.0), width) for v in (x1, x2))
    y1, y2 = (min(max(v, 0.0), height) for v in (y1, y2))
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def answer_boxes(text: str | None, doc: dict[str, Any]) -> list[list[float]]:
    """The answer's boxes in PNG pixels (the image was sent at ``sent_width x sent_height``)."""
    w, h = int(doc["width"]), int(doc["height"])
    sw, sh = int(doc["sent_width"]), int(doc["sent_height"])
    sx, sy = w / sw, h / sh
    out = []
    for box in parse_boxes(text):
        x1, y1, x2, y2 = to_pixels(box, doc["box_format"], sw, sh)
        out.append([round(x1 * sx, 3), round(y1 * sy, 3), round(x2 * sx, 3), round(y2 * sy, 3)])
    return out


# ---- per-sample scores ---------------------------------------------------------------------------


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two ``xyxy`` boxes (0 when either is empty)."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1])
             + max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1]) - inter)
    return inter / union if union > 0 else 0.0


def centre_inside(pred: Sequence[float], target: Sequence[float]) -> bool:
    """The predicted box's centre lies in the target box (``x2``/``y2`` exclusive)."""
    cx, cy = (pred[0] + pred[2]) / 2, (pred[1] + pred[3]) / 2
    return bool(target[0] <= cx < target[2] and target[1] <= cy < target[3])


def hungarian_hits(preds: Sequence[Sequence[float]], targets: Sequence[Sequence[float]]) -> int:
    """Pairs of a one-to-one matching of maximum total IoU whose IoU is >= :data:`MATCH_IOU`."""
    if not preds or not targets:
        return 0
    cost = [[iou(p, t) for t in targets] for p in preds]
    rows, cols = linear_sum_assignment(cost, maximize=True)
    return sum(cost[int(r)][int(c)] >= MATCH_IOU for r, c in zip(rows, cols, strict=True))


def score(doc: dict[str, Any], text: str | None) -> dict[str, Any]:
    """The per-sample record every aggregation reads: ``kind`` is ``single``, ``multi`` or
    ``unparsed``."""
    boxes = answer_boxes(text, doc)
    targets = [[float(v) for v in t] for t in doc["targets"]]
    record: dict[str, Any] = {"id": doc["id"], "boxes_px": boxes}
    if not boxes:
        record["kind"] = "unparsed"
    elif len(targets) > 1:
        record.update(kind="multi", hits=hungarian_hits(boxes, targets), predicted=len(boxes),
                      targets=len(targets))
    else:
        record.update(kind="single", iou=iou(boxes[0], targets[0]),
                      centre=centre_inside(boxes[0], targets[0]))
    return record


METRICS = ("acc@0.1", "acc@0.3", "acc@0.5", "acc@0.7", "acc@0.9", "miou", "center_acc",
           "scored", "multi_scored", "unparsed", "coverage", "multi_precision", "multi_recall",
           "multi_f1")


def process_results(doc: dict[str, Any], results: Sequence[str | None],
                    **_: Any) -> dict[str, dict[str, Any]]:
    """lmms-eval's per-document hook: the same record under every metric name."""
    record = score(doc, results[0] if results else None)
    return dict.fromkeys(METRICS, record)


# ---- aggregations (NaN when no sample of the kind was scored, as ``medground eval`` leaves the
# score out) --------------------------------------------------------------------------------------


def _of(records: Sequence[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in records if r["kind"] == kind]


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(np.array(values, dtype=float))) if values else math.nan


def _acc(records: Sequence[dict[str, Any]], tau: float) -> float:
    return _mean([float(r["iou"] >= tau) for r in _of(records, "single")])


def acc_01(records: Sequence[dict[str, Any]]) -> float:
    return _acc(records, 0.1)


def acc_03(records: Sequence[dict[str, Any]]) -> float:
    return _acc(records, 0.3)


def acc_05(records: Sequence[dict[str, Any]]) -> float:
    return _acc(records, 0.5)


def acc_07(records: Sequence[dict[str, Any]]) -> float:
    return _acc(records, 0.7)


def acc_09(records: Sequence[dict[str, Any]]) -> float:
    return _acc(records, 0.9)


def miou(records: Sequence[dict[str, Any]]) -> float:
    return _mean([float(r["iou"]) for r in _of(records, "single")])


def center_acc(records: Sequence[dict[str, Any]]) -> float:
    return _mean([float(r["centre"]) for r in _of(records, "single")])


def scored(records: Sequence[dict[str, Any]]) -> float:
    return float(len(_of(records, "single")))


def multi_scored(records: Sequence[dict[str, Any]]) -> float:
    return float(len(_of(records, "multi")))


def unparsed(records: Sequence[dict[str, Any]]) -> float:
    return float(len(_of(records, "unparsed")))


def coverage(records: Sequence[dict[str, Any]]) -> float:
    """Scored (single or multi) over answered samples."""
    return (len(records) - len(_of(records, "unparsed"))) / len(records) if records else 0.0


def _prf(records: Sequence[dict[str, Any]]) -> tuple[float, float, float]:
    multi = _of(records, "multi")
    if not multi:
        return math.nan, math.nan, math.nan
    hits = sum(int(r["hits"]) for r in multi)
    predicted = sum(int(r["predicted"]) for r in multi)
    targets = sum(int(r["targets"]) for r in multi)
    p = hits / predicted if predicted else 0.0
    r = hits / targets if targets else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def multi_precision(records: Sequence[dict[str, Any]]) -> float:
    return _prf(records)[0]


def multi_recall(records: Sequence[dict[str, Any]]) -> float:
    return _prf(records)[1]


def multi_f1(records: Sequence[dict[str, Any]]) -> float:
    return _prf(records)[2]
