"""Queries on real data and the demo phantom, read again by the independent checker with the
synthesizer's stated claims removed, pick out exactly their targets; patient-side cues follow
the affine in RAS, LPS and PSR volumes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, read_jsonl
from medground.build import build
from medground.config import load_config
from medground.demo.run import prepare_demo
from medground.testing.scenes import verify
from medground.types import Sample, ViewRecord

pytestmark = pytest.mark.integration


def _build(out: Path, cfg: Any) -> list[dict[str, Any]]:
    build(cfg, out)
    rows = read_jsonl(out / "samples.jsonl")
    views = [ViewRecord.from_dict(json.loads(line))
             for line in (out / "views.jsonl").read_text().splitlines()]
    samples = [Sample.from_dict({**r, "claims": None}) for r in rows]  # the reader alone
    verify(samples, out, views, stages=("geometry",))
    for r, s in zip(rows, samples, strict=True):
        r["reverified"] = s.verdicts[-1]
    return rows


@pytest.fixture(scope="module")
def real(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    names = ("kvasir_seg", "sam_med2d", "totalsegmentator_nifti", "sct_spinalcord")
    return {n: _build(tmp_path_factory.mktemp(n), load_config(EXAMPLES / f"{n}.yaml"))
            for n in names}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    return _build(out, prepare_demo(out))


def _key(t: dict[str, Any]) -> str:
    return f"{t['label']}:{t['instance']}"


def _check_unique(samples: list[dict[str, Any]]) -> int:
    """Every kept disambiguation query, read without its stated claims, denotes its target
    and nothing else; returns how many were checked."""
    checked = 0
    for s in samples:
        if s["task"] != "disambiguation":
            continue
        assert s["distractors"], s["query"]
        assert s["reverified"].passed, (s["query"], s["reverified"].detail)
        checked += 1
    return checked


def _check_single_claims_true(samples: list[dict[str, Any]]) -> None:
    """Every claim a single-target query states holds for its target (re-measured)."""
    for s in samples:
        if s["task"] == "single":
            assert s["reverified"].passed, (s["query"], s["reverified"].detail)


def test_kvasir_two_polyps_each_named_uniquely(real: dict[str, list]) -> None:
    samples = real["kvasir_seg"]
    two = [s for s in samples if s["case"] == "cju0roawvklrq0799vmjorwfv"]
    dis = [s for s in two if s["task"] == "disambiguation"]
    assert sorted(_key(s["targets"][0]) for s in dis) == ["polyp:0", "polyp:1"]
    multi = [s for s in two if s["task"] == "multi"]
    assert len(multi) == 1 and len(multi[0]["targets"]) == 2
    assert _check_unique(samples) == 2
    _check_single_claims_true(samples)


def test_sam_med2d_two_hip_left_instances(real: dict[str, list]) -> None:
    samples = real["sam_med2d"]
    hips = [s for s in samples if s["task"] == "disambiguation"
            and s["targets"][0]["label"] == "hip_left"]
    assert sorted(s["targets"][0]["instance"] for s in hips) == [0, 1]
    assert all("left hip bone" in s["query"] for s in hips)
    assert _check_unique(samples) >= 4
    _check_single_claims_true(samples)


def test_demo_lesions_each_named_uniquely(demo: list[dict[str, Any]]) -> None:
    lesions = [s for s in demo if s["task"] == "disambiguation"
               and s["targets"][0]["label"] == "lesion"]
    assert len(lesions) >= 10
    assert _check_unique(demo) >= len(lesions)
    _check_single_claims_true(demo)


def test_totalsegmentator_queries_unique(real: dict[str, list]) -> None:
    assert _check_unique(real["totalsegmentator_nifti"]) >= 10
    _check_single_claims_true(real["totalsegmentator_nifti"])


@pytest.mark.parametrize("case", ["ct", "mr"])  # RAS CT, LPS MR
def test_patient_side_cue_agrees_with_label_side(real: dict[str, list], case: str) -> None:
    checked = 0
    for s in real["totalsegmentator_nifti"]:
        if s["case"] != case or s["plane"] not in ("axial", "coronal"):
            continue
        for t in s["targets"]:
            tokens = t["label"].split("_")
            side = "left" if "left" in tokens else "right" if "right" in tokens else None
            measured = t["cues"]["location"]["patient_side"]
            if side is None or measured == "midline":
                continue
            assert measured == side, (case, s["plane"], t["label"])
            checked += 1
    assert checked >= 6


def test_patient_cues_in_oblique_psr_volume(real: dict[str, list]) -> None:
    """sct t2 is PSR: in sagittal views the higher vertebral level is superior to the lower
    one. Its field of view (52 mm across) is a crop around the cord, narrower than any body:
    axial views keep their frame but have no body midline, so no patient side."""
    samples = [s for s in real["sct_spinalcord"] if s["case"] == "t2_levels"]
    axial = [t for s in samples if s["plane"] == "axial" for t in s["targets"]]
    assert axial and all(t["cues"]["location"]["patient_side"] is None for t in axial)
    assert all(s["frame"] is not None and s["midline_x"] is None
               for s in samples if s["plane"] == "axial")
    sagittal = [s for s in samples if s["plane"] == "sagittal"]
    assert sagittal and all(s["frame"]["top"] == "S" for s in sagittal)
    seen = 0
    for s in sagittal:
        for t in s["targets"]:
            level = int(t["label"][-1])
            for rel in t["cues"]["relations"]:
                other = int(rel["label"][-1])
                if rel.get("patient") in ("superior", "inferior"):
                    assert rel["patient"] == ("superior" if level < other else "inferior")
                    seen += 1
    assert seen >= 1
