"""Baselines fitted on the train split, so that a model's score means something.

* ``whole_image``: the box of the whole image.
* ``centre_box``: a box centred on the image, of the train split's mean relative width and
  height (over every single-target sample).
* ``mean_box_per_label``: the mean relative box of the target's label in train, scaled to the
  image; a label absent from train takes the overall mean box (counted as ``fallbacks``).

Boxes are fitted in relative coordinates (``x / width``, ``y / height``) because images differ
in size. Without splits the baselines are fitted on the scored samples themselves (and say so).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from medground.eval import metrics
from medground.types import Sample

Rel = tuple[float, float, float, float]
NAMES: tuple[str, ...] = ("whole_image", "centre_box", "mean_box_per_label")


def relative(sample: Sample) -> Rel:
    x1, y1, x2, y2 = sample.targets[0].box
    w, h = sample.width, sample.height
    return (x1 / w, y1 / h, x2 / w, y2 / h)


@dataclass(frozen=True)
class Fitted:
    """Mean relative boxes of the training samples, overall and per label."""

    overall: Rel
    per_label: dict[str, Rel] = field(default_factory=dict)
    fitted_on: int = 0

    def boxes(self, sample: Sample) -> dict[str, tuple[list[float], bool]]:
        """Each baseline's pixel box for ``sample`` and whether it fell back to the overall mean."""
        w, h = sample.width, sample.height
        mx1, my1, mx2, my2 = self.overall
        bw, bh = (mx2 - mx1) * w, (my2 - my1) * h
        label = sample.targets[0].label
        rel = self.per_label.get(label, self.overall)
        return {
            "whole_image": ([0.0, 0.0, float(w), float(h)], False),
            "centre_box": ([w / 2 - bw / 2, h / 2 - bh / 2, w / 2 + bw / 2, h / 2 + bh / 2], False),
            "mean_box_per_label": ([rel[0] * w, rel[1] * h, rel[2] * w, rel[3] * h],
                                   label not in self.per_label),
        }


def fit(train: Iterable[Sample]) -> Fitted:
    rows: dict[str, list[Rel]] = defaultdict(list)
    every: list[Rel] = []
    for s in train:
        if len(s.targets) != 1:
            continue
        rel = relative(s)
        rows[s.targets[0].label].append(rel)
        every.append(rel)
    if not every:
        return Fitted(overall=(0.25, 0.25, 0.75, 0.75))

    def mean(values: Sequence[Rel]) -> Rel:
        a, b, c, d = (float(v) for v in np.mean(np.array(values), axis=0))
        return (a, b, c, d)

    return Fitted(overall=mean(every), per_label={k: mean(v) for k, v in sorted(rows.items())},
                  fitted_on=len(every))


def score(fitted: Fitted, samples: Iterable[Sample]) -> dict[str, dict[str, float]]:
    """Acc@tau, mIoU and Center_ACC of each baseline over the single-target ``samples``."""
    ious: dict[str, list[float]] = {k: [] for k in NAMES}
    centres: dict[str, list[bool]] = {k: [] for k in NAMES}
    fallbacks = 0
    n = 0
    for s in samples:
        if len(s.targets) != 1:
            continue
        n += 1
        target = [float(v) for v in s.targets[0].box]
        for name, (box, fell_back) in fitted.boxes(s).items():
            ious[name].append(metrics.iou(box, target))
            centres[name].append(metrics.centre_inside(box, target))
            fallbacks += fell_back
    out: dict[str, dict[str, float]] = {}
    for name in NAMES:
        out[name] = {"n": float(n), **metrics.single_scores(
            np.array(ious[name], float), np.array(centres[name], bool))}
    out["mean_box_per_label"]["fallbacks"] = float(fallbacks)
    return out
