"""Per-case isolation: whatever a case raises, wherever, ends as one fatal error record of that
case, nothing else of it (samples, rejects, views, images) reaches the dataset, and the other
cases are built as if it were not there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pytest
from PIL import Image

from conftest import read_jsonl, tree_bytes
from medground.build import build
from medground.config import BuildConfig, parse_config
from medground.executors import local
from medground.pipeline import Pipeline
from medground.stages.base import Check, ViewContext
from medground.stages.synth.template import TemplateSynthesizer
from medground.types import Sample

CASES = ("a", "b", "c")
WHERE = re.compile(r"^medground/[\w/]+\.py:\d+$")


def _disc(h: int, w: int, cy: int, cx: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[:h, :w]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


@pytest.fixture(scope="module")
def images2d(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("iso2d")
    (root / "images").mkdir()
    (root / "masks").mkdir()
    rng = np.random.default_rng(1)
    for i, case in enumerate(CASES):
        mask = _disc(64, 64, 24 + 4 * i, 30, 9) | _disc(64, 64, 46, 46 - 3 * i, 6)
        img = rng.normal(60, 8, (64, 64))
        img[mask] += 120
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(root / f"images/{case}.png")
        Image.fromarray(mask.astype(np.uint8) * 255).save(root / f"masks/{case}.png")
    return root


def cfg2d(root: Path) -> BuildConfig:
    return parse_config({"name": "iso", "source": {
        "type": "folder2d", "root": str(root), "images": "images/*.png",
        "masks": "masks/{stem}.png", "mask_mode": "binary", "label": "lesion",
        "modality": "CT"}}, base_dir=root)


def _nifti(path: Path, data: np.ndarray) -> None:
    nib.save(nib.Nifti1Image(data, np.diag([2.0, 2.0, 3.0, 1.0])), str(path))


@pytest.fixture(scope="module")
def volumes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three small volumes; "b" has a -1 voxel in its label map and no label_names are given
    (this once raised IndexError in stages/views.py and aborted the build)."""
    root = tmp_path_factory.mktemp("isovol")
    rng = np.random.default_rng(2)
    for case in CASES:
        img = rng.normal(40, 10, (32, 32, 8)).astype(np.int16)
        lab = np.zeros((32, 32, 8), np.int16)
        lab[8:16, 8:16, 2:6] = 1
        lab[20:27, 18:26, 1:7] = 2
        img[lab > 0] += 150
        if case == "b":
            lab[0, 0, 0] = -1
        _nifti(root / f"{case}_img.nii.gz", img)
        _nifti(root / f"{case}_lab.nii.gz", lab)
    return root


def cfg_volumes(root: Path) -> BuildConfig:
    pairs = [{"image": f"{c}_img.nii.gz", "label": f"{c}_lab.nii.gz", "case": c} for c in CASES]
    return parse_config({"name": "isovol", "source": {
        "type": "nifti", "root": str(root), "modality": "CT", "pairs": pairs},
        "slicing": {"planes": ["axial", "coronal"]}}, base_dir=root)


def test_negative_label_values_are_a_clear_error_and_the_build_goes_on(
        volumes: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest = build(cfg_volumes(volumes), out)
    [error] = read_jsonl(out / "errors.jsonl")
    assert error["case"] == "b" and error["code"] == "BAD_LABEL_MAP" and error["fatal"]
    assert error["file"] == "b_lab.nii.gz" and "negative label values" in error["message"]
    assert {s["case"] for s in read_jsonl(out / "samples.jsonl")} == {"a", "c"}
    assert manifest["failed_cases"] == ["b"] and manifest["counts"]["cases_failed"] == 1
    assert not (out / "images" / "b").exists()


def test_an_unforeseen_exception_is_an_internal_error_of_its_case(
        volumes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the label check, the -1 reaches stages/views.py and raises there: recorded
    as INTERNAL_ERROR at that medground line, the other cases untouched."""
    monkeypatch.setattr("medground.sources.volumes.compact_label_ids",
                        lambda data, path: np.asarray(data, dtype=np.int64))
    out = tmp_path / "out"
    build(cfg_volumes(volumes), out)
    [error] = read_jsonl(out / "errors.jsonl")
    assert error["case"] == "b" and error["code"] == "INTERNAL_ERROR" and error["fatal"]
    assert WHERE.match(error["where"]) and error["where"].startswith("medground/stages/")
    assert error["message"].startswith(("IndexError: ", "ValueError: "))
    assert error["message"].endswith(f"(at {error['where']})")
    assert {s["case"] for s in read_jsonl(out / "samples.jsonl")} == {"a", "c"}
    assert {v["case"] for v in read_jsonl(out / "views.jsonl")} == {"a", "c"}


class _Boom(RuntimeError):
    pass


def _raise_for_b(ctx_case: str) -> None:
    if ctx_case == "b":
        raise _Boom("injected failure of case b")


def _inject(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """Make case "b" raise in ``stage``; the other cases run as usual."""
    import medground.pipeline as pl

    def wrap(name: str, case_of: Any) -> None:
        original = getattr(pl, name)

        def patched(*args: Any, **kwargs: Any) -> Any:
            _raise_for_b(case_of(*args))
            return original(*args, **kwargs)
        monkeypatch.setattr(pl, name, patched)

    if stage == "load":
        original_build = Pipeline.build

        def build_with(cfg: BuildConfig) -> Pipeline:
            p = original_build(cfg)
            load = p.source.load

            def failing_load(ref: Any) -> Any:
                _raise_for_b(ref.case_id)
                return load(ref)
            monkeypatch.setattr(p.source, "load", failing_load)
            return p
        monkeypatch.setattr(Pipeline, "build", staticmethod(build_with))
    elif stage == "views":
        wrap("make_views", lambda case, *a: case.info.case_id)
    elif stage == "hierarchy":
        monkeypatch.setattr(pl.hierarchy, "resolve", _case_probe(pl.hierarchy.resolve))
    elif stage == "regions":
        wrap("extract_regions", lambda view, *a: view.case_id)
    elif stage == "cues":
        wrap("region_cues", lambda view, *a: view.case_id)
    elif stage == "synthesis":
        def synthesize(self: TemplateSynthesizer, ctx: ViewContext) -> list[Sample]:
            _raise_for_b(ctx.info.case_id)
            return _SYNTH(self, ctx)
        monkeypatch.setattr(TemplateSynthesizer, "synthesize", synthesize)
    elif stage == "image-writing":
        wrap("png_bytes", lambda image: _CURRENT.get("case", ""))
    elif stage == "checks":  # after the image of the view was written
        def call(self: Check, batch: list[Sample]) -> list[Sample]:
            if batch:
                _raise_for_b(batch[0].case)
            return _CHECK(self, batch)
        monkeypatch.setattr(Check, "__call__", call)


_SYNTH = TemplateSynthesizer.synthesize
_CHECK = Check.__call__
_CURRENT: dict[str, str] = {}


def _case_probe(fn: Any) -> Any:
    def probe(layers: Any) -> Any:
        _raise_for_b(_CURRENT.get("case", ""))
        return fn(layers)
    return probe


STAGES = ("load", "views", "hierarchy", "regions", "cues", "synthesis", "image-writing",
          "checks")


@pytest.mark.parametrize("stage", STAGES)
def test_any_stage_failing_loses_only_its_case(
        images2d: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    reference = tmp_path / "ref"
    build(cfg2d(images2d), reference)
    original_run = Pipeline.run_case

    def run(self: Pipeline, ref: Any, out: Path) -> Any:
        _CURRENT["case"] = ref.case_id  # cases run one after another here
        return original_run(self, ref, out)
    monkeypatch.setattr(Pipeline, "run_case", run)
    _inject(monkeypatch, stage)
    out = tmp_path / "out"
    manifest = build(cfg2d(images2d), out)
    [error] = read_jsonl(out / "errors.jsonl")
    assert error["case"] == "b" and error["code"] == "INTERNAL_ERROR" and error["fatal"]
    assert error["message"].startswith("_Boom: injected failure of case b")
    assert WHERE.match(error["where"]), error["where"]
    assert error["file"] == "images/b.png"
    assert manifest["failed_cases"] == ["b"] and manifest["counts"]["cases_failed"] == 1
    assert manifest["cases"]["with_samples"] == 2
    # nothing of b: no image folder (written or not before the failure), no records
    assert not (out / "images" / "b").exists()
    got, want = tree_bytes(out), tree_bytes(reference)
    for name in ("samples.jsonl", "rejects.jsonl", "views.jsonl"):
        rows = read_jsonl(out / name)
        assert "b" not in {r["case"] for r in rows}
        assert rows == [r for r in read_jsonl(reference / name) if r["case"] != "b"]
    assert {k for k in got if k.endswith(".png")} == {
        k for k in want if k.endswith(".png") and not k.startswith("images/b/")}
    assert all(got[k] == want[k] for k in got if k.endswith(".png"))
    # the funnel adds up without the failed case
    assert manifest["funnel"]["synthesized"] == manifest["counts"]["kept"] + manifest[
        "counts"].get("rejected", 0)


def test_a_case_rerun_after_a_kill_starts_from_an_empty_folder(
        images2d: Path, tmp_path: Path) -> None:
    """A killed run leaves images and no shard; the case runs again, and nothing of the
    killed run stays beside what it writes now."""
    out = tmp_path / "out"
    build(cfg2d(images2d), out)
    before = tree_bytes(out)
    stale = out / "images" / "b" / "image_from_killed_run.png"
    stale.write_bytes(b"not an image")
    local.shard_path(out, "b").unlink()
    done: list[str] = []
    build(cfg2d(images2d), out, on_done=lambda case, status: done.append(case))
    assert done == ["b"] and not stale.exists()
    assert tree_bytes(out) == before
