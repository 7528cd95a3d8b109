"""Cues on hand-made views: patient side from the frame (never from a 2D image), relations."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import numpy as np
import pytest

from medground.config import RegionsConfig
from medground.geometry.orientation import FRAMES
from medground.stages.cues import region_cues
from medground.stages.regions import extract_regions
from medground.types import Cues, Layer, View

H, W = 120, 160


def disc(cy: float, cx: float, r: float) -> np.ndarray:
    yy, xx = np.mgrid[:H, :W]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def view(layers: list[Layer], frame: dict[str, str] | None, midline: float | None = None) -> View:
    image = np.zeros((H, W), np.uint8)
    for ly in layers:
        image[ly.mask] = 200 if ly.label == "organ" else 120
    return View(case_id="c", plane="axial" if frame else "image", slice_index=0, image=image,
                layers=layers, frame=frame, midline_x=midline, spacing_mm=(1.0, 1.0))


def written(cues: Cues) -> dict[str, Any]:
    """The cues as samples.jsonl holds them."""
    return json.loads(json.dumps(cues.to_dict()))  # type: ignore[no-any-return]


def cues_by_label(v: View) -> dict[str, dict[str, Any]]:
    regions = extract_regions(v, RegionsConfig(keep_whole=[]), Counter())
    cues = region_cues(v, regions, "CT")
    return {str(regions.label[i]): written(cues[i]) for i in range(len(regions))}


@pytest.mark.parametrize(("frame", "cx", "side"), [
    (FRAMES["axial"], 40, "right"),    # image left = patient right
    (FRAMES["axial"], 120, "left"),
    (FRAMES["coronal"], 40, "right"),
    (FRAMES["axial"], 81, "midline"),
    ({"left": "L", "right": "R", "top": "A", "bottom": "P"}, 40, "left"),  # a flipped frame
])
def test_patient_side_from_frame_and_midline(frame: dict[str, str], cx: float, side: str) -> None:
    v = view([Layer("organ", disc(60, cx, 10))], frame, midline=80.0)
    assert cues_by_label(v)["organ"]["location"]["patient_side"] == side


@pytest.mark.parametrize(("frame", "midline"), [(None, 80.0), (FRAMES["sagittal"], 80.0),
                                                 (FRAMES["axial"], None)])
def test_no_patient_side_without_frame_lateral_axis_or_midline(
    frame: dict[str, str] | None, midline: float | None
) -> None:
    v = view([Layer("organ", disc(60, 40, 10))], frame, midline)
    assert cues_by_label(v)["organ"]["location"]["patient_side"] is None


def test_relations_inside_adjacent_and_directions() -> None:
    liver = disc(60, 50, 30)
    layers = [Layer("organ", liver), Layer("lesion", disc(60, 50, 5)),
              Layer("spleen", disc(60, 91, 10)),  # touches the organ's edge
              Layer("node", disc(10, 140, 4))]
    cues = cues_by_label(view(layers, FRAMES["axial"], midline=80.0))
    rel = {r["label"]: r for r in cues["lesion"]["relations"]}
    assert rel["organ"]["relation"] == "inside"
    assert {r["label"]: r["relation"] for r in cues["spleen"]["relations"]}["organ"] == "adjacent"
    node = {r["label"]: r for r in cues["node"]["relations"]}["organ"]
    assert node["relation"] == "above" and node["patient"] == "anterior"


def test_image_only_relations_on_2d_views() -> None:
    layers = [Layer("organ", disc(90, 50, 10)), Layer("node", disc(20, 50, 5))]
    rel = cues_by_label(view(layers, None))["node"]["relations"][0]
    assert rel["relation"] == "above" and "patient" not in rel and "mediolateral" not in rel


def test_size_shape_intensity_and_location() -> None:
    v = view([Layer("lesion", disc(20, 25, 8))], None)
    v.image[:] = 200
    v.image[disc(20, 25, 8)] = 60
    c = cues_by_label(v)["lesion"]
    assert c["shape"]["word"] == "round"
    assert c["intensity"]["word"] == "hypodense"
    assert c["location"]["grid_phrase"] == "upper left"
    assert c["size"]["area_mm2"] == c["size"]["area_px"]  # 1 mm pixels
    assert c["size"]["eq_diameter_mm"] == pytest.approx(16, abs=0.5)


def test_ordinal_ranks_among_instances() -> None:
    layers = [Layer("lesion", disc(60, 30, 12)), Layer("lesion", disc(90, 80, 6)),
              Layer("lesion", disc(20, 130, 9)), Layer("organ", disc(105, 20, 8))]
    regions = extract_regions(view(layers, None), RegionsConfig(keep_whole=[]), Counter())
    cues = [written(c) for c in region_cues(view(layers, None), regions, "CT")]
    by_x = sorted((c["location"]["centroid"][0], c["ordinal"]) for c, lb in
                  zip(cues, regions.label, strict=True) if lb == "lesion")
    assert [o["words"] for _, o in by_x] == [
        ["largest", "left-most", "second from the top"],
        ["smallest", "second from the left", "lower-most"],
        ["second largest", "right-most", "upper-most"],
    ]
    organ = next(c for c, lb in zip(cues, regions.label, strict=True) if lb == "organ")
    assert organ["ordinal"] == {"of": 1, "size_rank": 1, "x_rank": 1, "y_rank": 1, "words": []}
