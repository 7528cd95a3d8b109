"""FormatCheck: one pass case and one case per reason code."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from medground.geometry import rle
from medground.stages.verify.format import REASONS, FormatCheck
from medground.types import Sample, Verdict


def _sample(**changes: Any) -> Sample:
    mask = np.zeros((20, 30), bool)
    mask[5:9, 10:16] = True
    target = {"label": "polyp", "name": "polyp", "instance": 0, "box": [10, 5, 16, 9],
              "area": 24, "centroid": [13.0, 7.0], "mask_rle": rle.encode(mask)}
    s = Sample(id="x", image="i.png", width=30, height=20, source="s", case="c", patient_id="p",
               modality="OT", plane="image", slice=None, task="single", targets=[target],
               query="the polyp")
    for key, value in changes.items():
        if key == "target":
            s.targets[0].update(value)
        else:
            setattr(s, key, value)
    return s


def test_clean_sample_passes() -> None:
    [s] = FormatCheck()([_sample()])
    assert s.verdicts == [Verdict("format", True, "OK")]


@pytest.mark.parametrize(("changes", "reason"), [
    ({"targets": []}, "NO_TARGETS"),
    ({"query": "   "}, "QUERY_EMPTY"),
    ({"query": "ab"}, "QUERY_TOO_SHORT"),
    ({"query": "the polyp " * 40}, "QUERY_TOO_LONG"),
    ({"target": {"box": [10, 5, 10, 9]}}, "BOX_EMPTY"),
    ({"target": {"box": [10, 5, 31, 9]}}, "BOX_OUTSIDE_IMAGE"),
    ({"target": {"box": [-1, 5, 16, 9]}}, "BOX_OUTSIDE_IMAGE"),
    ({"target": {"box": [10, 5, 17, 9]}}, "MASK_BOX_MISMATCH"),
    ({"target": {"mask_rle": rle.encode(np.ones((10, 10), bool))}}, "MASK_SIZE_MISMATCH"),
])
def test_each_reason(changes: dict[str, Any], reason: str) -> None:
    [s] = FormatCheck()([_sample(**copy.deepcopy(changes))])
    assert not s.passed
    assert s.first_failure is not None and s.first_failure.reason == reason
    assert reason in REASONS


def test_failed_samples_are_not_checked_again() -> None:
    s = _sample(query="")
    FormatCheck()([s])
    FormatCheck()([s])
    assert len(s.verdicts) == 1
