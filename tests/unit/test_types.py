"""Sample records: typed targets, distractors and cues read back what they wrote, and a
malformed region record is refused with the field it gets wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from medground.types import (
    Cues,
    Distractor,
    IntensityCues,
    LocationCues,
    OrdinalCues,
    Relation,
    Sample,
    ShapeCues,
    SizeCues,
    Target,
)

RLE = {"size": [20, 30], "counts": "abc"}
CUES = Cues(
    size=SizeCues(area_px=24, relative_area=0.04, area_mm2=None, eq_diameter_mm=None),
    shape=ShapeCues(elongation=1.5, circularity=0.7, solidity=1.0, convexity=1.0,
                    orientation_deg=0.0, holes=0, parts=1, roundness=0.8, word=None,
                    orientation="horizontal"),
    location=LocationCues(centroid=(13.0, 7.0), grid=("upper", "center"),
                          grid_phrase="upper center", position=None, touches_border=False,
                          patient_side="left"),
    intensity=IntensityCues(contrast=0.2, word="hyperdense"),
    relations=(Relation("liver", 0, "inside"), Relation("aorta", 1, "left_of", "right", "lateral")),
    ordinal=OrdinalCues(of=2, size_rank=1, x_rank=2, y_rank=1,
                        words=("largest", "right-most", "upper-most")))


def _sample() -> Sample:
    return Sample(id="x", image="i.png", width=30, height=20, source="s", case="c",
                  patient_id="p", modality="CT", plane="axial", slice=3, task="disambiguation",
                  targets=[Target(label="lesion", name="lesion", instance=0, box=(10, 5, 16, 9),
                                  area=24, centroid=(13.0, 7.0), cues=CUES, mask_rle=RLE)],
                  query="the larger lesion",
                  distractors=[Distractor(label="lesion", name="lesion", instance=1,
                                          box=(1, 1, 3, 3), area=4, centroid=(2.0, 2.0))])


def test_a_sample_reads_back_what_it_wrote() -> None:
    s = _sample()
    row = json.loads(json.dumps(s.to_dict()))
    back = Sample.from_dict(row)
    assert back.targets == s.targets and back.distractors == s.distractors
    assert json.loads(json.dumps(back.to_dict())) == row


def test_written_layout() -> None:
    """Field order and the written form of a relation (instance as a string, no None keys)."""
    row = _sample().to_dict()
    assert list(row["targets"][0]) == ["label", "name", "instance", "box", "area", "centroid",
                                       "cues", "mask_rle"]
    assert row["targets"][0]["box"] == [10, 5, 16, 9]
    assert row["targets"][0]["cues"]["relations"] == [
        {"label": "liver", "instance": "0", "relation": "inside"},
        {"label": "aorta", "instance": "1", "relation": "left_of", "patient": "right",
         "mediolateral": "lateral"}]
    assert row["distractors"][0]["cues"] == {}
    assert "mask_rle" not in row["distractors"][0]


@pytest.mark.parametrize(("change", "message"), [
    ({"label": 3}, "string label"),
    ({"box": None}, "not a list"),
    ({"box": [1, 2, 3]}, "four integers"),
    ({"box": [1.5, 2, 3, 4]}, "four integers"),
    ({"mask_rle": None}, "mask_rle"),
    ({"mask_rle": {"size": [20, 30]}}, "counts"),
])
def test_malformed_targets_are_refused(change: dict[str, Any], message: str) -> None:
    record = {"label": "lesion", "instance": 0, "box": [10, 5, 16, 9], "mask_rle": RLE, **change}
    with pytest.raises(ValueError, match=message):
        Target.from_dict(record)


def test_a_record_without_cues_reads_as_none() -> None:
    t = Target.from_dict({"label": "lesion", "box": [0, 0, 1, 1], "mask_rle": RLE, "cues": {}})
    assert t.cues is None and t.instance == 0
