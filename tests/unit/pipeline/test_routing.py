"""Routing and slicing modes through the whole pipeline on generated data."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np

from conftest import read_jsonl, read_manifest
from medground.build import build
from medground.config import parse_config
from medground.demo.phantom import LABELS, make_phantom
from medground.pipeline import Pipeline
from medground.stages.base import ViewContext
from medground.stages.synth.template import TemplateSynthesizer
from medground.types import Sample


def _volumes(root: Path, n: int = 2) -> None:
    (root / "img").mkdir(parents=True)
    (root / "lab").mkdir()
    for i in range(n):
        ph = make_phantom(seed=i)
        nib.save(nib.Nifti1Image(ph.image, ph.affine), str(root / "img" / f"case{i}_0000.nii.gz"))
        nib.save(nib.Nifti1Image(ph.label, ph.affine), str(root / "lab" / f"case{i}.nii.gz"))


def test_image_and_label_globs_and_every_k(tmp_path: Path) -> None:
    _volumes(tmp_path / "d")
    cfg = parse_config({"name": "globs", "source": {
        "type": "nifti", "root": str(tmp_path / "d"), "modality": "CT",
        "images": "img/*.nii.gz", "labels": "lab/{case}.nii.gz", "label_names": dict(LABELS)},
        "slicing": {"mode": "every_k", "every_k": 4, "min_area_px": 10}}, base_dir=tmp_path)
    out = tmp_path / "out"
    manifest = build(cfg, out)
    samples = read_jsonl(out / "samples.jsonl")
    assert {s["case"] for s in samples} == {"case0", "case1"}
    slices = {s["slice"] for s in samples}
    assert slices and all(k % 4 == 0 for k in slices) and len(slices) > 3
    # every structure present on a chosen slice is a target there, not only its largest slice
    per_slice = {(s["case"], s["slice"]) for s in samples if s["targets"][0]["label"] == "aorta"}
    assert len(per_slice) >= 2 * 5
    assert manifest["counts"]["views/axial"] == len({(s["case"], s["slice"]) for s in samples})


class _BadQueries(TemplateSynthesizer):
    """Writes an empty query for every other target, as a broken synthesizer would."""

    def synthesize(self, ctx: ViewContext) -> list[Sample]:
        samples = super().synthesize(ctx)
        for s in samples[::2]:
            s.query = ""
        return samples


def test_failed_checks_go_to_rejects_and_are_counted(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _volumes(tmp_path / "d", n=1)
    cfg = parse_config({"name": "route", "source": {
        "type": "nifti", "root": str(tmp_path / "d"), "modality": "CT",
        "images": "img/*.nii.gz", "labels": "lab/{case}.nii.gz", "label_names": dict(LABELS)}},
        base_dir=tmp_path)
    original = Pipeline.build

    def build_with_bad_synth(config):  # type: ignore[no-untyped-def]
        p = original(config)
        p.synthesizer = _BadQueries(config.queries)
        return p

    monkeypatch.setattr(Pipeline, "build", staticmethod(build_with_bad_synth))
    out = tmp_path / "out"
    build(cfg, out)
    kept, rejected = read_jsonl(out / "samples.jsonl"), read_jsonl(out / "rejects.jsonl")
    counts = read_manifest(out)["counts"]
    assert kept and rejected
    assert counts["synthesized"] == len(kept) + len(rejected)  # nothing lost
    assert counts["rejected/format/QUERY_EMPTY"] == len(rejected) == counts["rejected"]
    assert all(r["verdicts"][-1] == {"stage": "format", "passed": False, "reason": "QUERY_EMPTY",
                                     "detail": ""} for r in rejected)
    assert all(np.all([v["passed"] for v in s["verdicts"]]) for s in kept)
