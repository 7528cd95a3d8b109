"""A per-target folder with a parent mask (kidney = left + right kidney) and two labels with one
mask: the parent is no target and no count, the children keep their queries, the conflict is an
error record and neither conflicting label is a target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from conftest import read_jsonl, read_manifest
from medground.build import build
from medground.config import parse_config

H, W = 120, 160


def _disc(cy: int, cx: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[:H, :W]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def _norm(label: str) -> str:
    return label.replace("_", " ").replace("+", " ")


def test_parent_and_conflict(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "masks").mkdir(parents=True)
    right, left = _disc(70, 40, 14), _disc(70, 120, 14)  # patient right on the image left
    lung = _disc(25, 80, 12)
    spleen = _disc(100, 80, 8)
    img = np.full((H, W), 30, np.uint8)
    for m, v in ((right, 140), (left, 150), (lung, 200), (spleen, 110)):
        img[m] = v
    img = (img + np.random.default_rng(1).integers(0, 8, (H, W))).astype(np.uint8)
    Image.fromarray(img).save(root / "img1.png")
    for name, m in (("kidney", left | right), ("kidney_left", left), ("kidney_right", right),
                    ("lung", lung), ("covid_infection", lung), ("spleen", spleen)):
        Image.fromarray((m * 255).astype(np.uint8)).save(root / "masks" / f"img1_{name}_000.png")
    cfg = parse_config({"name": "tree", "source": {
        "type": "folder2d", "root": str(root), "images": "*.png", "masks": "masks/{stem}_*.png",
        "mask_mode": "per_target", "modality": "CT"}}, base_dir=tmp_path)
    out = tmp_path / "out"
    build(cfg, out)
    samples = read_jsonl(out / "samples.jsonl") + read_jsonl(out / "rejects.jsonl")
    kept = read_jsonl(out / "samples.jsonl")
    targets = [{_norm(t["label"]) for t in s["targets"]} for s in samples]
    assert all("kidney" not in t for t in targets)  # the parent is never a target
    assert all(not t & {"lung", "covid infection"} for t in targets)
    multi = [s for s in kept if s["task"] == "multi"]
    assert [{_norm(t["label"]) for t in s["targets"]} for s in multi] == [
        {"kidney left", "kidney right"}]
    assert "three" not in multi[0]["query"]
    children = {_norm(t["label"]) for s in kept if s["task"] != "multi" for t in s["targets"]}
    assert {"kidney left", "kidney right", "spleen"} <= children  # child queries are kept
    views = read_jsonl(out / "views.jsonl")
    assert {_norm(r["label"]) for r in views[0]["regions"]} == {
        "kidney left", "kidney right", "spleen"}
    errors = read_jsonl(out / "errors.jsonl")
    assert [e["code"] for e in errors] == ["LABEL_CONFLICT"]
    assert errors[0]["file"] == "img1.png" and not errors[0]["fatal"]
    assert "lung" in errors[0]["message"] and "covid" in errors[0]["message"]
    manifest = read_manifest(out)
    counts = manifest["counts"]
    assert counts["label_conflicts"] == 1 and counts["regions_dropped/parent"] == 1
    assert manifest["structures"]["kidney"] == {"parent_left_out": 1}
