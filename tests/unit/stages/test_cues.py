"""Cues on hand-made views: patient side from the frame (never from a 2D image), relations."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from typing import Any

import numpy as np
import pytest
from scipy import ndimage
from skimage.morphology import disk

from medground.config import RegionsConfig
from medground.geometry.orientation import FRAMES
from medground.stages.cue_words import default_ring_px
from medground.stages.cues import measure, region_cues
from medground.stages.regions import Regions, extract_regions
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


# --- crops give the whole-image answer ---------------------------------------------------------
# The reference below is the whole-image definition of each cue (what the cues were before
# they were measured on crops): hole filling, growing and rings over the full image, every
# pair of regions compared mask to mask.


def _ref_ring(image: np.ndarray, mask: np.ndarray) -> float | None:
    filled = ndimage.binary_fill_holes(mask, structure=ndimage.generate_binary_structure(2, 2))
    width = default_ring_px(int(mask.sum()))
    ring = ndimage.binary_dilation(filled, structure=disk(width)) & ~filled
    if not ring.any():
        return None
    g = image.astype(np.float64)
    return round((float(g[mask].mean()) - float(g[ring].mean())) / 255.0, 3)


def _ref_relations(i: int, regions: Regions, filled: list[np.ndarray]
                   ) -> list[tuple[str, int, str]]:
    me = regions.masks[i]
    grown = ndimage.binary_dilation(me, iterations=2)
    out = []
    for j in range(len(regions)):
        if j == i or regions.label[j] == regions.label[i]:
            continue
        x1, y1, x2, y2 = (int(v) for v in regions.xyxy[i])
        ox1, oy1, ox2, oy2 = (int(v) for v in regions.xyxy[j])
        if (filled[j] & me).sum() >= 0.9 * me.sum():
            kind = "inside"
        elif (grown & regions.masks[j]).any():
            kind = "adjacent"
        elif y2 <= oy1:
            kind = "above"
        elif y1 >= oy2:
            kind = "below"
        elif x2 <= ox1:
            kind = "left_of"
        elif x1 >= ox2:
            kind = "right_of"
        else:
            continue
        out.append((str(regions.label[j]), int(regions.instance[j]), kind))
    return out


def _hard_scene(seed: int) -> View:
    """Regions on every border and corner, a ring with a child in its hole, a child inside a
    solid parent (overlapping layers), a fragmented label, labels touching, 1 and 2 pixels
    apart and diagonally, and a one-pixel region, on a noisy image."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:H, :W]
    layers = []
    corners = [(0, 0), (0, W - 1), (H - 1, 0), (H - 1, W - 1), (0, W // 2), (H // 2, 0),
               (H - 1, W // 2), (H // 2, W - 1)]
    for k, (cy, cx) in enumerate(corners):
        layers.append(Layer(f"edge{k}", disc(cy, cx, 5 + k % 3)))
    ring = disc(60, 45, 14) & ~disc(60, 45, 7)
    layers += [Layer("cyst", ring), Layer("lesion", disc(60, 45, 4)),
               Layer("organ", disc(60, 90, 12)), Layer("nodule", disc(60, 92, 4)),
               Layer("gland", disc(25, 60, 4) | disc(25, 75, 4))]
    # a bar and a partner 0, 1 and 2 background columns to its right
    for name, row, gap in (("touching", 88, 0), ("gap1", 95, 1), ("gap2", 102, 2)):
        rows = np.abs(yy - row) <= 1
        layers += [Layer(f"bar_{name}", rows & (xx >= 40) & (xx < 60)),
                   Layer(name, rows & (xx >= 60 + gap) & (xx < 68 + gap))]
    diag_a = (yy >= 30) & (yy < 36) & (xx >= 100) & (xx < 106)
    diag_b = (yy >= 36) & (yy < 40) & (xx >= 106) & (xx < 110)  # corner to corner
    layers += [Layer("diag_a", diag_a), Layer("diag_b", diag_b),
               Layer("dot", (yy == 80) & (xx == 120))]
    image = rng.integers(0, 256, size=(H, W)).astype(np.uint8)
    for ly in layers:
        image[ly.mask] = np.clip(image[ly.mask] // 2 + rng.integers(0, 128), 0, 255)
    return View(case_id="c", plane="axial", slice_index=0, image=image, layers=layers,
                frame=FRAMES["axial"], midline_x=80.0, spacing_mm=(0.8, 0.8))


@pytest.mark.parametrize("seed", range(3))
def test_crop_cues_equal_the_whole_image_definition(seed: int) -> None:
    v = _hard_scene(seed)
    cfg = RegionsConfig(keep_whole=[], min_area_px=1, min_area_fraction=0.0, min_box_px=1)
    regions = extract_regions(v, cfg, Counter())
    assert len(regions) == len(v.layers)  # every layer kept: nothing dropped as a speck
    cues = region_cues(v, regions, "CT")
    filled = [ndimage.binary_fill_holes(m) for m in regions.masks]
    for i, c in enumerate(cues):
        mask = regions.masks[i]
        whole = measure(mask, v.image, "CT", v.frame, 80.0, (0.8, 0.8))
        assert dataclasses.replace(c, relations=(), ordinal=whole.ordinal) == whole
        assert c.intensity.contrast == _ref_ring(v.image, mask)
        got = [(r.label, r.instance, r.relation) for r in c.relations]
        assert got == _ref_relations(i, regions, filled), regions.label[i]


def test_hard_scene_relations_by_hand() -> None:
    cues = {str(lb): c for lb, c in zip(*_labels_and_cues(_hard_scene(0)), strict=True)}
    rel = {name: {r.label: r.relation for r in c.relations} for name, c in cues.items()}
    assert rel["lesion"]["cyst"] == "inside"  # in the ring's filled hole
    assert rel["nodule"]["organ"] == "inside"  # a child over its parent
    assert rel["touching"]["bar_touching"] == "adjacent"
    assert rel["gap1"]["bar_gap1"] == "adjacent"  # 2 steps: one background pixel between
    assert rel["gap2"]["bar_gap2"] == "right_of"  # 3 steps apart: not adjacent
    assert rel["diag_b"]["diag_a"] == "adjacent"  # corner to corner
    assert cues["dot"].size.area_px == 1 and cues["dot"].shape.parts == 1
    assert cues["gland"].shape.parts == 2
    assert all(cues[f"edge{k}"].location.touches_border for k in range(8))


def _labels_and_cues(v: View) -> tuple[list[str], list[Cues]]:
    cfg = RegionsConfig(keep_whole=[], min_area_px=1, min_area_fraction=0.0, min_box_px=1)
    regions = extract_regions(v, cfg, Counter())
    return [str(lb) for lb in regions.label], region_cues(v, regions, "CT")
