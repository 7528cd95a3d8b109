"""Answer texts of every model family: hand-worked strings, and a round trip through a regex of
this test's own back to PNG pixels within the rounding the module documents."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from medground.exports.answers import ANSWER_FORMATS, answer, regions, sample_answer
from medground.types import Sample, Target

LIVER = [("liver", (30.0, 48.0, 40.0, 60.0))]
KIDNEYS = [("kidney", (0.0, 0.0, 48.0, 40.0)), ("kidney", (48.0, 40.0, 96.0, 80.0))]
TWO = [("liver", (30.0, 48.0, 40.0, 60.0)), ("spleen", (60.0, 8.0, 90.0, 20.0))]

# Worked by hand on a 96 x 80 image. Qwen2.5-VL sees it at 84 x 84 (96/28 = 3.4 -> 3 * 28,
# 80/28 = 2.9 -> 3 * 28), so x * 0.875 and y * 1.05: 30 -> 26.25 -> 26, 48 -> 50.4 -> 50,
# 40 -> 35, 60 -> 63. Relative 0-1000: 30/96 = 0.3125 -> 312.5 -> 313 (half up),
# 48/80 -> 600, 40/96 -> 416.7 -> 417, 60/80 -> 750. 0-999: 312.19 -> 312, 599.4 -> 599,
# 416.25 -> 416, 749.25 -> 749.
CASES = [
    ("qwen2.5-vl", LIVER, '[{"bbox_2d": [26, 50, 35, 63], "label": "liver"}]'),
    ("qwen3-vl", LIVER, '[{"bbox_2d": [313, 600, 417, 750], "label": "liver"}]'),
    ("qwen2-vl", LIVER,
     "<|object_ref_start|>liver<|object_ref_end|><|box_start|>(313,600),(417,750)<|box_end|>"),
    ("internvl", LIVER, "<ref>liver</ref><box>[[313, 600, 417, 750]]</box>"),
    ("internvl-999", LIVER, "<ref>liver</ref><box>[[312, 599, 416, 749]]</box>"),
    # two boxes of one label: one reference (0.5 * 999 = 499.5 -> 500)
    ("internvl", KIDNEYS,
     "<ref>kidney</ref><box>[[0, 0, 500, 500], [500, 500, 1000, 1000]]</box>"),
    ("internvl-999", KIDNEYS,
     "<ref>kidney</ref><box>[[0, 0, 500, 500], [500, 500, 999, 999]]</box>"),
    ("qwen2-vl", KIDNEYS,
     "<|object_ref_start|>kidney<|object_ref_end|><|box_start|>(0,0),(500,500)<|box_end|>"
     "<|box_start|>(500,500),(1000,1000)<|box_end|>"),
    # two labels: one line each (spleen: 60/96 = 625, 8/80 = 100, 90/96 = 937.5 -> 938, 250)
    ("qwen2-vl", TWO,
     "<|object_ref_start|>liver<|object_ref_end|><|box_start|>(313,600),(417,750)<|box_end|>\n"
     "<|object_ref_start|>spleen<|object_ref_end|><|box_start|>(625,100),(938,250)<|box_end|>"),
    ("internvl", TWO, "<ref>liver</ref><box>[[313, 600, 417, 750]]</box>\n"
                      "<ref>spleen</ref><box>[[625, 100, 938, 250]]</box>"),
    # spleen at 84 x 84: 52.5 -> 53, 8.4 -> 8, 78.75 -> 79, 21
    ("qwen2.5-vl", TWO, '[{"bbox_2d": [26, 50, 35, 63], "label": "liver"}, '
                        '{"bbox_2d": [53, 8, 79, 21], "label": "spleen"}]'),
]


@pytest.mark.parametrize(("fmt", "found", "text"), CASES)
def test_hand_worked(fmt: str, found: list[tuple[str, tuple[float, float, float, float]]],
                     text: str) -> None:
    assert answer(found, fmt, 96, 80) == text


def test_qwen25_at_its_input_size_keeps_the_pixels() -> None:
    assert answer([("a", (10, 20, 30, 40))], "qwen2.5-vl", 84, 84) == \
        '[{"bbox_2d": [10, 20, 30, 40], "label": "a"}]'


def _sample(width: int, height: int) -> Sample:
    rle = {"size": [height, width], "counts": "0"}
    return Sample(id="s", image="images/a.png", width=width, height=height, source="t",
                  case="c", patient_id="p", modality="CT", plane="axial", slice=0,
                  task="multi", query="both",
                  targets=[Target(label="kidney_left", instance=0, box=(10, 20, 30, 40),
                                  mask_rle=rle),
                           Target(label="kidney_right", name="right kidney", instance=0,
                                  box=(50, 20, 70, 40), mask_rle=rle)])


def test_sample_targets_scaled_to_the_written_image() -> None:
    s = _sample(100, 50)
    # label without a name: underscores as spaces; boxes scaled by 2 (200 x 100 copy)
    assert regions(s, 200, 100) == [("kidney left", (20, 40, 60, 80)),
                                    ("right kidney", (100, 40, 140, 80))]
    # internvl at the PNG size: 10/100 -> 100, 20/50 -> 400, 30/100 -> 300, 40/50 -> 800
    assert sample_answer(s, "internvl") == ("<ref>kidney left</ref><box>[[100, 400, 300, 800]]"
                                            "</box>\n<ref>right kidney</ref><box>[[500, 400, "
                                            "700, 800]]</box>")
    # relative answers do not depend on the copy's size
    assert sample_answer(s, "internvl", 200, 100) == sample_answer(s, "internvl")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown answer format"):
        answer(LIVER, "normalized", 96, 80)
    with pytest.raises(ValueError, match="at least one region"):
        answer([], "internvl", 96, 80)


# ---- round trip: text -> this test's parser -> PNG pixels ------------------------------------

#: Qwen2.5-VL input sizes worked by hand (sides to the nearest multiple of 28, within budget)
QWEN25_INPUT = {(96, 80): (84, 84), (1000, 700): (1008, 700), (37, 251): (28, 252),
                (84, 84): (84, 84)}
_PAIR = re.compile(r"<\|box_start\|>\((\d+),(\d+)\),\((\d+),(\d+)\)<\|box_end\|>")
_LIST = re.compile(r"\[(\d+), (\d+), (\d+), (\d+)\]")


def _read_back(text: str, fmt: str, width: int, height: int) -> list[list[float]]:
    """Boxes of ``text`` in PNG pixels, parsed and scaled here (not by medground)."""
    if fmt in ("qwen2.5-vl", "qwen3-vl"):
        raw = [obj["bbox_2d"] for obj in json.loads(text)]
    elif fmt == "qwen2-vl":
        raw = [[int(v) for v in m] for m in _PAIR.findall(text)]
    else:
        boxes = re.findall(r"<box>(.*?)</box>", text)
        raw = [[int(v) for v in m] for b in boxes for m in _LIST.findall(b)]
    if fmt == "qwen2.5-vl":
        sw, sh = QWEN25_INPUT[(width, height)]
        sx, sy = width / sw, height / sh
    else:
        scale = 999 if fmt == "internvl-999" else 1000
        sx, sy = width / scale, height / scale
    return [[b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy] for b in raw]


def _bound(fmt: str, width: int, height: int) -> tuple[float, float]:
    """The module docstring's rounding bound, per axis, in PNG pixels."""
    if fmt == "qwen2.5-vl":
        sw, sh = QWEN25_INPUT[(width, height)]
        return 0.5 * width / sw, 0.5 * height / sh
    scale = 1998 if fmt == "internvl-999" else 2000
    return width / scale, height / scale


@pytest.mark.parametrize("fmt", ANSWER_FORMATS)
@pytest.mark.parametrize("size", sorted(QWEN25_INPUT))
def test_round_trip_within_the_stated_rounding(fmt: str, size: tuple[int, int]) -> None:
    w, h = size
    rng = np.random.default_rng(7)
    for _ in range(40):
        xs, ys = np.sort(rng.integers(0, w + 1, 2)), np.sort(rng.integers(0, h + 1, 2))
        boxes = [(float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1])),
                 (0.0, 0.0, float(w), float(h))]
        found = [(f"organ {i}", b) for i, b in enumerate(boxes)]
        back = _read_back(answer(found, fmt, w, h), fmt, w, h)
        assert len(back) == len(boxes)
        bx, by = _bound(fmt, w, h)
        for box, got in zip(boxes, back, strict=True):
            for i in range(4):
                assert abs(got[i] - box[i]) <= (bx if i % 2 == 0 else by) + 1e-9, (box, got)
