"""Patient side only with evidence, end to end on the phantom: a crop of one side of the body and
a NIfTI without orientation make no patient-side claim from position (counted, and for the
NIfTI an error record); the whole phantom keeps its side claims. Every kept query is also read
again by the independent reader, so a side word the synthesizer did not declare is caught."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pytest

from conftest import read_jsonl, read_manifest
from medground.build import build
from medground.claims.reader import read
from medground.claims.types import Claim
from medground.config import BuildConfig, parse_config
from medground.demo.phantom import LABELS, make_phantom
from medground.inspect import inspect_cases

#: patient-side words from position, as the template grammar and a reader would write them
SIDE_WORDS = re.compile(r"patient's (left|right) (side|half)|(left|right) side of the patient|"
                        r"\bmidline\b|\bmedial\b|\blateral\b", re.IGNORECASE)

# canonical RAS phantom: 96 voxels of 3 mm from the patient's left (x = -142.5 mm) to the right;
# the body reaches x = +-129.6 mm (voxels 4.3 to 90.7)
CROPS = {
    "narrow": np.s_[68:78],  # 30 mm inside the patient's right: the body fills the width
    "both_borders": np.s_[52:86],  # 102 mm inside the right half: body on both borders
    "right_half": np.s_[48:96],  # midline to beyond the skin: cut at the medial border only
}


def _save(folder: Path, case: str, crop: slice | None = None, oriented: bool = True) -> None:
    ph = make_phantom(seed=4, orientation="RAS")
    image, label, affine = ph.image, ph.label, ph.affine.copy()
    if crop is not None:
        affine[:3, 3] = (affine @ np.array([crop.start, 0, 0, 1.0]))[:3]  # same world voxels
        image, label = image[crop], label[crop]
    for kind, arr in (("img", image), ("lab", label)):
        img = nib.Nifti1Image(arr, affine)
        if not oriented:
            img.set_sform(None, code=0)
            img.set_qform(None, code=0)
        nib.save(img, str(folder / f"{case}_{kind}.nii.gz"))


def _config(tmp: Path, case: str, crop: slice | None = None, oriented: bool = True
            ) -> BuildConfig:
    data = tmp / "data"
    data.mkdir(parents=True)
    _save(data, case, crop, oriented)
    return parse_config({
        "name": "side", "source": {
            "type": "nifti", "root": str(data), "modality": "CT", "label_names": dict(LABELS),
            "pairs": [{"image": f"{case}_img.nii.gz", "label": f"{case}_lab.nii.gz",
                       "case": case}]},
        "slicing": {"planes": ["axial", "coronal", "sagittal"], "window": "abdomen"},
        "queries": {"per_target": 2}}, base_dir=data)


def _build(tmp: Path, case: str, crop: slice | None = None, oriented: bool = True
           ) -> dict[str, Any]:
    out = tmp / "out"
    build(_config(tmp, case, crop, oriented), out)
    return {"samples": read_jsonl(out / "samples.jsonl"), "rejects": read_jsonl(out / "rejects.jsonl"),
            "errors": read_jsonl(out / "errors.jsonl"), "views": read_jsonl(out / "views.jsonl"),
            "counts": read_manifest(out)["counts"]}


def _regions(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [*s["targets"], *s["distractors"]]


def _side_claims(s: dict[str, Any]) -> list[Claim]:
    """Patient-side claims from position: as stated by the synthesizer and as read again."""
    labels = sorted({r["label"] for r in _regions(s)})
    said = [Claim(**c) for c in s["claims"] or []] + read(s["query"], labels).claims
    return [c for c in said if c.kind == "side" or c.value in ("medial", "lateral")]


def _lateral_views(counts: dict[str, int]) -> int:
    return counts.get("views/axial", 0) + counts.get("views/coronal", 0)


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _build(tmp_path_factory.mktemp("whole"), "whole")


@pytest.fixture(scope="module")
def unoriented(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _build(tmp_path_factory.mktemp("unoriented"), "unoriented", oriented=False)


@pytest.mark.parametrize("crop", list(CROPS))
def test_crop_of_one_side_makes_no_patient_side_claim(tmp_path: Path, crop: str) -> None:
    got = _build(tmp_path, crop, CROPS[crop])
    samples, views, counts = got["samples"], got["views"], got["counts"]
    assert samples and got["errors"] == []
    assert counts["patient_side_withheld/crop"] == _lateral_views(counts) > 0
    assert all(v["midline_x"] is None and v["frame"] is not None for v in views)
    for s in samples:
        assert s["midline_x"] is None and s["frame"] is not None  # oriented: frame kept
        for r in _regions(s):
            assert r["cues"]["location"]["patient_side"] is None, (crop, s["query"])
            assert not any("mediolateral" in rel for rel in r["cues"]["relations"])
        assert not _side_claims(s), (crop, s["query"])
        assert not SIDE_WORDS.search(s["query"]), (crop, s["query"])


def test_whole_phantom_keeps_patient_side_claims(whole: dict[str, Any]) -> None:
    samples, counts = whole["samples"], whole["counts"]
    assert not [k for k in counts if k.startswith("patient_side_withheld/")]
    lateral = [s for s in samples if s["plane"] != "sagittal"]
    assert lateral and all(s["midline_x"] is not None for s in lateral)
    sides = {r["cues"]["location"]["patient_side"] for s in lateral for r in _regions(s)}
    assert {"left", "right", "midline"} <= sides
    assert sum(bool(_side_claims(s)) for s in samples) >= 5
    assert any(SIDE_WORDS.search(s["query"]) for s in samples)


def test_nifti_without_orientation(unoriented: dict[str, Any], whole: dict[str, Any]) -> None:
    samples, counts = unoriented["samples"], unoriented["counts"]
    [error] = unoriented["errors"]
    assert error["code"] == "NO_ORIENTATION" and error["fatal"] is False
    assert error["file"] == "unoriented_img.nii.gz"
    assert "unoriented_img.nii.gz" in error["message"] and "withheld" in error["message"]
    assert counts["patient_side_withheld/no_orientation"] == _lateral_views(counts) > 0
    assert all(v["frame"] is None and v["midline_x"] is None for v in unoriented["views"])
    for s in samples:
        assert s["frame"] is None and s["midline_x"] is None
        assert all(r["cues"]["location"]["patient_side"] is None for r in _regions(s))
        labels = sorted({r["label"] for r in _regions(s)})
        patient = [c for c in read(s["query"], labels).claims if c.frame == "patient"]
        assert not patient and "patient" not in s["query"], s["query"]
    # the rest is kept: about as many samples as the same phantom with its orientation, and
    # the sides in label names ("the left kidney") are anatomy, not position: they stay
    assert len(samples) >= 0.8 * len(whole["samples"])
    assert len(unoriented["rejects"]) <= 0.1 * (len(samples) + len(unoriented["rejects"]))
    assert {s["targets"][0]["label"] for s in samples} >= {"kidney_left", "kidney_right"}
    assert any(re.search(r"\b(left|right) kidney", s["query"]) for s in samples)


def test_inspect_says_there_is_no_orientation(tmp_path: Path) -> None:
    [row] = inspect_cases(_config(tmp_path, "unoriented", oriented=False))
    assert row["orientation"] == "none (header)"
    assert "gives no patient orientation" in row["status"]
