"""The phantom built in several orientations: laterality follows the affine, never array halves."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import pytest

from conftest import read_jsonl
from medground.build import build
from medground.config import parse_config
from medground.demo.phantom import LABELS, make_phantom, write_phantom_dataset
from medground.demo.run import demo_config

ORIENTATIONS = ("RAS", "LPS", "LAS", "PSR", "SLP", "AIL")
PATIENT_RIGHT = {"liver", "kidney_right"}
PATIENT_LEFT = {"spleen", "kidney_left"}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    tmp = tmp_path_factory.mktemp("lat")
    root = write_phantom_dataset(tmp / "data", n_cases=len(ORIENTATIONS), seed=3,
                                 orientations=ORIENTATIONS)
    build(demo_config(root, planes=("axial", "coronal", "sagittal")), tmp / "out")
    return read_jsonl(tmp / "out" / "samples.jsonl")


@pytest.mark.parametrize("index", range(len(ORIENTATIONS)), ids=list(ORIENTATIONS))
@pytest.mark.parametrize("plane", ["axial", "coronal"])
def test_patient_sides_in_display(samples: list[dict], index: int, plane: str) -> None:
    case = f"phantom_{index:03d}"
    rows = [s for s in samples if s["case"] == case and s["plane"] == plane]
    seen = set()
    for s in rows:
        t = s["targets"][0]
        x = t["centroid"][0] / s["width"]
        if t["label"] in PATIENT_RIGHT:
            assert x < 0.5, f"{case} {plane}: {t['label']} at x={x:.2f} should be on the image left"
            seen.add(t["label"])
        if t["label"] in PATIENT_LEFT:
            assert x > 0.5, f"{case} {plane}: {t['label']} at x={x:.2f} should be on the image right"
            seen.add(t["label"])
    assert seen == PATIENT_RIGHT | PATIENT_LEFT


@pytest.mark.parametrize("index", range(len(ORIENTATIONS)), ids=list(ORIENTATIONS))
def test_anterior_up_and_sagittal_anterior_left(samples: list[dict], index: int) -> None:
    case = f"phantom_{index:03d}"
    by = {(s["plane"], s["targets"][0]["label"]): s for s in samples if s["case"] == case}
    # the vertebra is posterior: bottom of the axial image, right of the sagittal image
    axial = by[("axial", "vertebra")]
    assert axial["targets"][0]["centroid"][1] > axial["height"] / 2
    sagittal = by[("sagittal", "vertebra")]
    assert sagittal["targets"][0]["centroid"][0] > sagittal["width"] / 2
    assert sagittal["frame"] == {"left": "A", "right": "P", "top": "S", "bottom": "I"}


def test_same_anatomy_in_any_voxel_order_gives_identical_samples(tmp_path: Path) -> None:
    """One phantom stored as RAS and as PSR: identical boxes, masks and PNG bytes."""
    cases = []
    for orientation in ("RAS", "PSR", "SLP"):
        ph = make_phantom(seed=11, orientation=orientation)
        for kind, arr in (("img", ph.image), ("lab", ph.label)):
            nib.save(nib.Nifti1Image(arr, ph.affine), str(tmp_path / f"{orientation}_{kind}.nii.gz"))
        cases.append({"image": f"{orientation}_img.nii.gz", "label": f"{orientation}_lab.nii.gz",
                      "case": orientation})
    cfg = parse_config({"name": "same", "source": {
        "type": "nifti", "root": str(tmp_path), "modality": "CT",
        "label_names": dict(LABELS), "pairs": cases},
        "slicing": {"planes": ["axial", "coronal", "sagittal"]}}, base_dir=tmp_path)
    build(cfg, tmp_path / "out")
    rows = read_jsonl(tmp_path / "out" / "samples.jsonl")

    def key(s: dict) -> tuple:
        return (s["plane"], s["slice"], s["targets"][0]["label"], s["targets"][0]["instance"])

    by_case: dict[str, dict[tuple, dict]] = {}
    for s in rows:
        by_case.setdefault(s["case"], {})[key(s)] = s
    ref = by_case["RAS"]
    assert len(ref) > 10
    for other in ("PSR", "SLP"):
        assert by_case[other].keys() == ref.keys()
        for k, s in ref.items():
            t, u = s["targets"][0], by_case[other][k]["targets"][0]
            assert (t["box"], t["mask_rle"]) == (u["box"], u["mask_rle"]), (other, k)
            png = (tmp_path / "out" / s["image"]).read_bytes()
            assert png == (tmp_path / "out" / by_case[other][k]["image"]).read_bytes()
