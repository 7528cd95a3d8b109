"""Bad input gives one clear line in errors.jsonl naming the file and the problem; the run
continues and every valid case still yields samples."""

from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np
from PIL import Image

from conftest import read_jsonl, read_manifest
from medground.build import build
from medground.config import parse_config


def _disc(h: int, w: int, cy: int, cx: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[:h, :w]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def _png(path: Path, arr: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)


def _folder2d(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    img = (np.random.default_rng(0).random((64, 80)) * 50).astype(np.uint8)
    good = (_disc(64, 80, 30, 40, 10) * 255).astype(np.uint8)
    img[good > 0] += 150
    _png(root / "images" / "good.png", img)
    _png(root / "masks" / "good.png", good)
    _png(root / "images" / "wrong_shape.png", img)
    _png(root / "masks" / "wrong_shape.png", good[:50])
    _png(root / "images" / "broken.png", img)
    (root / "masks" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    _png(root / "images" / "no_mask.png", img)
    labelmap = np.zeros((64, 80), np.uint8)
    labelmap[_disc(64, 80, 20, 20, 8)] = 1
    labelmap[_disc(64, 80, 40, 60, 8)] = 7  # not in label_names
    visible = img.copy()
    visible[labelmap > 0] = 220  # the labelled structures show in the image
    _png(root / "images" / "unknown_id.png", visible)
    _png(root / "masks" / "unknown_id.png", labelmap)
    return root


def test_folder2d_bad_files_are_recorded_and_run_continues(tmp_path: Path) -> None:
    root = _folder2d(tmp_path)
    cfg = parse_config({"name": "bad2d", "source": {
        "type": "folder2d", "root": str(root), "images": "images/*.png", "masks": "masks/{stem}.png",
        "mask_mode": "label_map", "label_names": {1: "lesion", 255: "lesion"}}}, base_dir=tmp_path)
    out = tmp_path / "out"
    build(cfg, out)
    errors = {e["case"]: e for e in read_jsonl(out / "errors.jsonl")}
    assert set(errors) == {"wrong_shape", "broken", "no_mask", "unknown_id"}
    assert errors["wrong_shape"]["code"] == "SHAPE_MISMATCH"
    assert errors["wrong_shape"]["file"] == "masks/wrong_shape.png"
    assert "does not match image" in errors["wrong_shape"]["message"]
    assert errors["broken"]["code"] == "UNREADABLE_FILE" and errors["broken"]["file"] == "masks/broken.png"
    assert errors["no_mask"]["code"] == "FILE_NOT_FOUND" and errors["no_mask"]["fatal"]
    assert errors["unknown_id"]["code"] == "UNKNOWN_LABEL_ID" and not errors["unknown_id"]["fatal"]
    assert "7" in errors["unknown_id"]["message"]
    samples = read_jsonl(out / "samples.jsonl")
    assert {s["case"] for s in samples} == {"good", "unknown_id"}  # valid data is not lost
    manifest = read_manifest(out)
    assert manifest["cases"]["failed"] == 3 and manifest["cases"]["with_samples"] == 2
    assert manifest["failed_cases"] == ["broken", "no_mask", "wrong_shape"]


def _nifti(path: Path, data: np.ndarray, affine: np.ndarray | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(data, np.diag([2.0, 2.0, 3.0, 1.0]) if affine is None else affine),
             str(path))


def test_volume_bad_files_are_recorded_and_run_continues(tmp_path: Path) -> None:
    root = tmp_path / "vol"
    img = np.random.default_rng(1).normal(40, 10, (32, 32, 8)).astype(np.int16)
    lab = np.zeros((32, 32, 8), np.uint8)
    lab[8:16, 8:16, 2:6] = 1
    img[lab > 0] += 120  # visible
    img[20:28, 20:28, 2:6] += 120  # where the unknown label will be
    _nifti(root / "good_img.nii.gz", img)
    _nifti(root / "good_lab.nii.gz", lab)
    # truncated .nii.gz
    _nifti(root / "trunc_img.nii.gz", img)
    full = (root / "good_lab.nii.gz").read_bytes()
    (root / "trunc_lab.nii.gz").write_bytes(full[: len(full) // 2])
    # non-integer label map
    _nifti(root / "float_img.nii.gz", img)
    _nifti(root / "float_lab.nii.gz", lab.astype(np.float32) * 0.5)
    # shape mismatch
    _nifti(root / "shape_img.nii.gz", img)
    _nifti(root / "shape_lab.nii.gz", lab[:, :, :6])
    # affine mismatch (label shifted 40 mm)
    shifted = np.diag([2.0, 2.0, 3.0, 1.0])
    shifted[0, 3] = 40
    _nifti(root / "affine_img.nii.gz", img)
    _nifti(root / "affine_lab.nii.gz", lab, shifted)
    # unknown label id next to a known one: the known one is kept
    lab2 = lab.copy()
    lab2[20:28, 20:28, 2:6] = 9
    _nifti(root / "unknown_img.nii.gz", img)
    _nifti(root / "unknown_lab.nii.gz", lab2)
    names = ["good", "trunc", "float", "shape", "affine", "unknown", "missing"]
    pairs = [{"image": f"{n}_img.nii.gz", "label": f"{n}_lab.nii.gz", "case": n} for n in names]
    cfg = parse_config({"name": "badvol", "source": {
        "type": "nifti", "root": str(root), "modality": "CT", "label_names": {1: "lesion"},
        "pairs": pairs}}, base_dir=tmp_path)
    out = tmp_path / "out"
    build(cfg, out)
    errors = {e["case"]: e for e in read_jsonl(out / "errors.jsonl")}
    assert errors["trunc"]["code"] == "CORRUPT_FILE" and errors["trunc"]["file"] == "trunc_lab.nii.gz"
    assert errors["float"]["code"] == "BAD_LABEL_MAP" and "non-integer" in errors["float"]["message"]
    assert errors["shape"]["code"] == "SHAPE_MISMATCH"
    assert errors["affine"]["code"] == "AFFINE_MISMATCH"
    assert errors["unknown"]["code"] == "UNKNOWN_LABEL_ID" and "9" in errors["unknown"]["message"]
    assert errors["missing"]["code"] == "FILE_NOT_FOUND"
    assert "good" not in errors
    for e in errors.values():  # one line per problem, each naming a file and saying what is wrong
        assert e["file"] and e["message"]
    kept_cases = {s["case"] for s in read_jsonl(out / "samples.jsonl")}
    assert kept_cases == {"good", "unknown"}


def test_duplicate_case_ids_are_recorded(tmp_path: Path) -> None:
    root = _folder2d(tmp_path)
    cfg = parse_config({"name": "dup", "source": {
        "type": "folder2d", "root": str(root), "mask_mode": "binary", "label": "lesion",
        "pairs": [{"image": "images/good.png", "mask": "masks/good.png", "case": "a"},
                  {"image": "images/good.png", "mask": "masks/good.png", "case": "a"}]}},
        base_dir=tmp_path)
    out = tmp_path / "out"
    build(cfg, out)
    errors = read_jsonl(out / "errors.jsonl")
    assert [e["code"] for e in errors] == ["DUPLICATE_CASE"]
    manifest = read_manifest(out)
    assert manifest["cases"]["duplicate"] == 1 and manifest["cases"]["with_samples"] == 1
    assert len(read_jsonl(out / "samples.jsonl")) == 1
    assert json.loads((out / "manifest.json").read_text())["counts"]["cases_duplicate"] == 1
