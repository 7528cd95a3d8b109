"""FormatCheck: one pass case and one case per reason code."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from medground.geometry import rle
from medground.stages.verify.format import REASONS, FormatCheck
from medground.types import Sample, Target, Verdict


def _sample(**changes: Any) -> Sample:
    mask = np.zeros((20, 30), bool)
    mask[5:9, 10:16] = True
    target = {"label": "polyp", "name": "polyp", "instance": 0, "box": [10, 5, 16, 9],
              "area": 24, "centroid": [13.0, 7.0], "mask_rle": rle.encode(mask),
              **changes.pop("target", {})}
    s = Sample(id="x", image="i.png", width=30, height=20, source="s", case="c", patient_id="p",
               modality="OT", plane="image", slice=None, task="single",
               targets=[Target.from_dict(target)], query="the polyp")
    for key, value in changes.items():
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


@pytest.mark.parametrize(("query", "reason"), [
    ("Find the polyp \x07 now.", "QUERY_BAD_CHARACTERS"),
    ("Find the <b>polyp</b>.", "QUERY_BAD_CHARACTERS"),
    ("找到息肉", "QUERY_BAD_CHARACTERS"),
    ("Find the polyp at (12, 40).", "QUERY_LEAKS_COORDINATES"),
    ("Find the polyp near x=12, y=40", "QUERY_LEAKS_COORDINATES"),
    ("the polyp [3, 4, 20, 30]", "QUERY_LEAKS_COORDINATES"),
    ("Find the polyp of 40 px", "QUERY_LEAKS_COORDINATES"),
    ("Find label 3.", "QUERY_LEAKS_LABEL_ID"),
    ("Find the skin_lesion.", "QUERY_LEAKS_LABEL_ID"),
    ("Find the 2 polyps.", "QUERY_HAS_NUMBERS"),
    ("Veuillez localiser la structure polyp dans cette image.", "QUERY_NOT_ENGLISH"),
    ("Bitte markieren Sie den Polypen.", "QUERY_NOT_ENGLISH"),
    ("Find the larger of the", "QUERY_TRUNCATED"),
    ("Find the polyp in th", "QUERY_TRUNCATED"),
    ("Find the pol", "QUERY_TRUNCATED"),
])
def test_query_reasons(query: str, reason: str) -> None:
    [s] = FormatCheck()([_sample(query=query)])
    assert s.first_failure is not None and s.first_failure.reason == reason, s.verdicts


@pytest.mark.parametrize("query", [
    "Where might the polyp be?", "The polyp: where is it?", "Show me the polyp.",
    "the larger of the two polyps", "Is the polyp visible? Box it.",
])
def test_clean_queries_pass(query: str) -> None:
    [s] = FormatCheck()([_sample(query=query)])
    assert s.passed, s.verdicts


def test_names_with_digits_are_allowed() -> None:
    s = _sample(query="Find the L1 vertebra.", target={"label": "vertebrae_L1"})
    FormatCheck()([s])
    assert s.passed, s.verdicts


def test_mask_fill_floor() -> None:
    mask = np.zeros((20, 30), bool)
    mask[0, 0] = mask[19, 29] = True  # two corner pixels: box covers the image
    s = _sample(target={"box": [0, 0, 30, 20], "mask_rle": rle.encode(mask)})
    FormatCheck()([s])
    assert s.first_failure is not None and s.first_failure.reason == "MASK_FILL_TOO_LOW"


def test_duplicate_queries_in_one_image() -> None:
    same_target = [_sample(), _sample()]
    FormatCheck()(same_target)
    assert same_target[0].passed
    assert same_target[1].first_failure.reason == "QUERY_DUPLICATE_IN_IMAGE"  # type: ignore[union-attr]
    other = _sample(target={"instance": 1})
    pair = [_sample(), other]
    FormatCheck()(pair)
    assert all(s.first_failure and s.first_failure.reason == "QUERY_DUPLICATE_IN_IMAGE"
               for s in pair)  # the same words for two targets: both ambiguous


def test_failed_samples_are_not_checked_again() -> None:
    s = _sample(query="")
    FormatCheck()([s])
    FormatCheck()([s])
    assert len(s.verdicts) == 1
