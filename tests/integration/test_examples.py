"""Every examples/ config builds samples from its ../shared/data folder, by configuration alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, read_jsonl, read_manifest
from medground.build import build
from medground.config import load_config

pytestmark = pytest.mark.integration

# examples that need a VLM server are built in test_vlm_example against a scripted one; those
# of a layout absent from ../shared/data are built on generated data by the unit tests named
GENERATED = {"per_target_modality": "tests/unit/sources/test_folder2d.py"}
CONFIGS = sorted(p.stem for p in EXAMPLES.glob("*.yaml")
                 if not p.stem.endswith("_vlm") and p.stem not in GENERATED)


@pytest.fixture(scope="module")
def built(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    outs = {}
    for name in CONFIGS:
        out = tmp_path_factory.mktemp(name)
        build(load_config(EXAMPLES / f"{name}.yaml"), out)
        outs[name] = out
    return outs


def _side_by_label(label: str) -> str | None:
    tokens = label.split("_")
    if "left" in tokens:
        return "left"
    if "right" in tokens:
        return "right"
    return None


def test_every_layout_has_an_example() -> None:
    assert set(CONFIGS) >= {"kvasir_seg", "ham10000", "sam_med2d", "stardist_nuclei",
                            "totalsegmentator_nifti", "totalsegmentator_dicom", "sct_spinalcord"}


@pytest.mark.parametrize("name", CONFIGS)
def test_example_builds_samples(built: dict[str, Path], name: str) -> None:
    out = built[name]
    manifest = read_manifest(out)
    samples = read_jsonl(out / "samples.jsonl")
    assert samples, f"{name}: no samples"
    assert manifest["cases"]["failed"] == 0, read_jsonl(out / "errors.jsonl")
    assert manifest["counts"]["kept"] == len(samples)
    assert manifest["counts"]["synthesized"] == len(samples) + len(read_jsonl(out / "rejects.jsonl"))
    for s in samples:
        assert (out / s["image"]).is_file()
        for t in s["targets"]:
            x1, y1, x2, y2 = t["box"]
            assert 0 <= x1 < x2 <= s["width"] and 0 <= y1 < y2 <= s["height"]


def test_sam_med2d_image_without_masks_is_counted(built: dict[str, Path]) -> None:
    manifest = read_manifest(built["sam_med2d"])
    assert manifest["empty_cases"] == ["amos_0507_31"]
    assert manifest["cases"] == {"total": 5, "with_samples": 4, "empty": 1, "failed": 0,
                                 "duplicate": 0}
    hips = [s for s in read_jsonl(built["sam_med2d"] / "samples.jsonl")
            if s["case"] == "s0619_32" and s["task"] != "multi"
            and s["targets"][0]["label"] == "hip_left"]
    assert sorted(s["targets"][0]["instance"] for s in hips) == [0, 1]


def test_kvasir_speck_dropped_and_two_polyps_kept(built: dict[str, Path]) -> None:
    out = built["kvasir_seg"]
    assert read_manifest(out)["counts"]["regions_dropped/speck"] >= 1
    two = [s for s in read_jsonl(out / "samples.jsonl")
           if s["case"] == "cju0roawvklrq0799vmjorwfv" and s["task"] != "multi"]
    areas = sorted(s["targets"][0]["area"] for s in two)
    assert len(two) == 2
    # the manifest of the data says 29207 and 6424 px; JPEG thresholding moves edges slightly
    assert areas[0] == pytest.approx(6424, rel=0.05) and areas[1] == pytest.approx(29207, rel=0.05)
    boxes = [s["targets"][0]["box"] for s in two]
    assert all(b != [0, 0, 1, 1] for b in boxes)  # the 1-px speck at (0, 0) is not a target


def test_stardist_instances(built: dict[str, Path]) -> None:
    manifest = read_manifest(built["stardist_nuclei"])
    assert manifest["counts"]["regions"] >= 120


def _axial_side_errors(samples: list[dict[str, Any]]) -> tuple[int, list[str]]:
    checked, wrong = 0, []
    for s in samples:
        if s["plane"] != "axial":
            continue
        for t in s["targets"]:
            side = _side_by_label(t["label"])
            if side is None:
                continue
            checked += 1
            on_image_right = t["centroid"][0] > s["width"] / 2
            if on_image_right != (side == "left"):  # patient left shows on the image's right
                wrong.append(f"{s['case']} {t['label']} x={t['centroid'][0]:.0f}/{s['width']}")
    return checked, wrong


@pytest.mark.parametrize(("name", "case", "orientation"), [
    ("totalsegmentator_nifti", "ct", "RAS"),
    ("totalsegmentator_nifti", "mr", "LPS"),
    ("totalsegmentator_dicom", "ct_dicom", "LAS seg + LPS DICOM"),
])
def test_laterality_on_real_volumes(built: dict[str, Path], name: str, case: str,
                                    orientation: str) -> None:
    samples = [s for s in read_jsonl(built[name] / "samples.jsonl") if s["case"] == case]
    checked, wrong = _axial_side_errors(samples)
    assert checked >= 5, f"{case} ({orientation}): too few lateral structures to check"
    assert not wrong, f"{case} ({orientation}): wrong side: {wrong}"
    assert all(s["frame"] == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
               for s in samples if s["plane"] == "axial")


@pytest.mark.parametrize("name", CONFIGS)
def test_example_exports_to_coco_that_pycocotools_loads(built: dict[str, Path], name: str,
                                                         tmp_path: Path) -> None:
    """Real masks through the COCO export: pycocotools decodes each annotation to a mask whose
    tight box is the bbox, and every sample's target boxes are annotations of its image."""
    import numpy as np
    from pycocotools.coco import COCO

    from medground.exports.coco import export_coco

    export_coco(built[name], tmp_path / "coco")
    coco = COCO(str(tmp_path / "coco" / "instances.json"))
    by_image: dict[str, set[tuple[int, ...]]] = {}
    for ann in coco.loadAnns(coco.getAnnIds()):
        image = coco.loadImgs([ann["image_id"]])[0]
        mask = coco.annToMask(ann)
        assert mask.shape == (image["height"], image["width"])
        ys, xs = np.nonzero(mask)
        assert [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1] == \
            ann["bbox"], (name, ann["id"])
        assert int(mask.sum()) == ann["area"]
        by_image.setdefault(image["file_name"], set()).add(tuple(ann["bbox"]))
    for s in read_jsonl(built[name] / "samples.jsonl"):
        for t in s["targets"]:
            x1, y1, x2, y2 = t["box"]
            assert (x1, y1, x2 - x1, y2 - y1) in by_image[s["image"]]
