"""Per-target folders whose file names carry the modality and the target
(``NN_<modality>_<site>_<target>.png``): each image gets its own canonical modality, file-name
labels are decoded (``left+kidney`` -> "left kidney") or renamed by string-keyed
``label_names``, and a modality outside the vocabulary is an error record for that image only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from PIL import Image

from conftest import EXAMPLES, read_jsonl, read_manifest
from medground.build import build
from medground.config import load_config, parse_config

H, W = 120, 160
#: image number -> (modality as written in the file name, site, targets: name -> (cy, cx, r, grey))
IMAGES: dict[str, tuple[str, str, dict[str, tuple[int, int, int, int]]]] = {
    "01": ("CT", "abdomen", {"left+kidney": (60, 120, 14, 200), "right+kidney": (60, 40, 14, 190),
                             "liver": (30, 80, 16, 150)}),
    "02": ("MRI-FLAIR", "brain", {"lesion": (50, 70, 10, 230),
                                  "left%20ventricle": (85, 110, 12, 120)}),
    "03": ("X-Ray", "chest", {"heart": (70, 80, 20, 210)}),
    "04": ("Ultrasond", "abdomen", {"liver": (50, 60, 18, 180)}),  # a typo: not a modality
}
EXPECTED = {"01": "CT", "02": "MR", "03": "X-ray"}


def _disc(cy: int, cx: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[:H, :W]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def write_folder(root: Path, stem_has_modality: bool = False) -> None:
    """``images/NN.png`` (or ``NN_<modality>_<site>.png``) and one mask per target,
    ``masks/NN_<modality>_<site>_<target>.png``."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "masks").mkdir(exist_ok=True)
    rng = np.random.default_rng(1)
    for nn, (modality, site, targets) in IMAGES.items():
        image = rng.normal(40, 6, (H, W))
        for target, (cy, cx, r, grey) in targets.items():
            disc = _disc(cy, cx, r)
            image[disc] = grey + rng.normal(0, 4, int(disc.sum()))
            mask = (disc * 255).astype(np.uint8)
            Image.fromarray(mask).save(root / "masks" / f"{nn}_{modality}_{site}_{target}.png")
        stem = f"{nn}_{modality}_{site}" if stem_has_modality else nn
        pixels = np.clip(image, 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(root / "images" / f"{stem}.png")


def _build(tmp_path: Path, **source: Any) -> Path:
    root = tmp_path / "data"
    cfg = parse_config({"name": "mm", "source": {
        "type": "folder2d", "root": str(root), "images": "images/*.png",
        "masks": "masks/{stem}_*.png", "mask_mode": "per_target", **source}},
        base_dir=tmp_path)
    out = tmp_path / "out"
    build(cfg, out)
    return out


def _check(out: Path, case_of: dict[str, str], kidney: str = "left kidney") -> None:
    samples = read_jsonl(out / "samples.jsonl")
    errors = read_jsonl(out / "errors.jsonl")
    by_case: dict[str, set[str]] = {}
    for s in samples:
        by_case.setdefault(s["case"], set()).add(s["modality"])
    assert by_case == {case_of[nn]: {code} for nn, code in EXPECTED.items()}
    labels = {t["label"]: t["name"] for s in samples for t in s["targets"]}
    assert labels[kidney] == "left kidney" and labels["right kidney"] == "right kidney"
    assert labels["left ventricle"] == "left ventricle"  # %20 is a space
    assert any("left kidney" in s["query"] for s in samples)
    assert not any("+" in s["query"] or "%" in s["query"] for s in samples)
    # the typo is one fatal record naming the file and the value; the other images built
    assert [(e["case"], e["code"], e["fatal"]) for e in errors] == [
        (case_of["04"], "UNKNOWN_MODALITY", True)]
    assert errors[0]["file"] == "masks/04_Ultrasond_abdomen_liver.png" or \
        errors[0]["file"] == "images/04_Ultrasond_abdomen.png"
    assert "'Ultrasond'" in errors[0]["message"]
    assert "did you mean 'ultrasound'" in errors[0]["message"]
    manifest = read_manifest(out)
    assert manifest["cases"]["failed"] == 1 and manifest["cases"]["with_samples"] == 3


def test_modality_from_the_mask_names(tmp_path: Path) -> None:
    write_folder(tmp_path / "data")
    out = _build(tmp_path, target_pattern=r"^{stem}_(?P<modality>[^_]+)_(?:[^_]+)_(?P<label>.+)$")
    _check(out, {nn: nn for nn in IMAGES})


def test_modality_from_the_image_name_through_a_map(tmp_path: Path) -> None:
    write_folder(tmp_path / "data", stem_has_modality=True)
    out = _build(tmp_path, target_pattern=r"^{stem}_(?P<label>.+)$",
                 modality_pattern=r"^\d+_(?P<modality>[^_]+)_",
                 modality_map={"MRI-FLAIR": "MR", "X-Ray": "X-ray"},
                 label_names={"left+kidney": "kidney_left"})
    _check(out, {nn: f"{nn}_{m}_{site}" for nn, (m, site, _) in IMAGES.items()},
           kidney="kidney_left")


def test_modality_pattern_falls_back_to_the_configured_modality(tmp_path: Path) -> None:
    write_folder(tmp_path / "data")  # images/NN.png: no modality in the image name
    out = _build(tmp_path, target_pattern=r"^{stem}_(?:[^_]+)_(?:[^_]+)_(?P<label>.+)$",
                 modality_pattern=r"^\d+_(?P<modality>[A-Za-z-]+)$", modality="CT")
    samples = read_jsonl(out / "samples.jsonl")
    assert samples and {s["modality"] for s in samples} == {"CT"}


def test_modality_pattern_without_match_or_modality_is_an_error(tmp_path: Path) -> None:
    write_folder(tmp_path / "data")
    out = _build(tmp_path, target_pattern=r"^{stem}_(?:[^_]+)_(?:[^_]+)_(?P<label>.+)$",
                 modality_pattern=r"^\d+_(?P<modality>[A-Za-z-]+)$")
    errors = read_jsonl(out / "errors.jsonl")
    assert {e["code"] for e in errors} == {"MODALITY_NOT_IN_NAME"} and len(errors) == len(IMAGES)
    assert errors[0]["file"].startswith("images/")


def test_masks_of_one_image_that_disagree(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_folder(root)
    mask = root / "masks" / "01_CT_abdomen_liver.png"
    mask.rename(root / "masks" / "01_MR_abdomen_liver.png")
    out = _build(tmp_path, target_pattern=r"^{stem}_(?P<modality>[^_]+)_(?:[^_]+)_(?P<label>.+)$")
    errors = {e["case"]: e for e in read_jsonl(out / "errors.jsonl")}
    assert errors["01"]["code"] == "MODALITY_CONFLICT"
    assert "'CT'" in errors["01"]["message"] and "'MR'" in errors["01"]["message"]


def test_example_builds_on_generated_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``examples/per_target_modality.yaml`` (the README's worked example) on a generated
    folder of the layout it describes."""
    write_folder(tmp_path / "per_target_modality")
    monkeypatch.setenv("MEDGROUND_SAMPLES", str(tmp_path))
    cfg = load_config(EXAMPLES / "per_target_modality.yaml")
    assert Path(os.path.normpath(cfg.source.root)) == tmp_path / "per_target_modality"
    out = tmp_path / "out"
    build(cfg, out)
    _check(out, {nn: nn for nn in IMAGES}, kidney="kidney_left")


def test_readme_example_is_the_example_file() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("name: per-target-modality\n", 1)[1].split("```", 1)[0]
    documented = yaml.safe_load("name: per-target-modality\n" + block)
    example = yaml.safe_load((EXAMPLES / "per_target_modality.yaml").read_text(encoding="utf-8"))
    for cfg in (documented, example):
        cfg["source"].pop("root")
    assert documented == example
