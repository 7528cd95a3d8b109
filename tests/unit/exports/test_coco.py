"""The COCO export read back with pycocotools (not medground): boxes, masks and categories of a
small scene whose boxes are worked out by hand, and refs that point at the right annotation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO
from typer.testing import CliRunner

from conftest import read_jsonl
from medground.build import build
from medground.cli import app
from medground.config import parse_config

# label map 64 x 48: two polyps (label 1) and one lesion (label 2), as row / column slices
SQUARES = [(1, slice(5, 15), slice(8, 20)), (1, slice(30, 40), slice(40, 56)),
           (2, slice(20, 26), slice(25, 35))]
#: their COCO boxes [x, y, w, h], worked out by hand: x = first column, w = column count
HAND = {"polyp": sorted([[8, 5, 12, 10], [40, 30, 16, 10]]), "lesion": [[25, 20, 10, 6]]}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("coco")
    (root / "images").mkdir()
    (root / "masks").mkdir()
    for n in range(2):
        labels = np.zeros((48, 64), np.uint8)
        image = np.random.default_rng(n).integers(20, 60, (48, 64)).astype(np.uint8)
        for (label, rows, cols) in SQUARES:
            labels[rows, cols] = label
            image[rows, cols] = 200
        Image.fromarray(image).save(root / "images" / f"scan{n}.png")
        Image.fromarray(labels).save(root / "masks" / f"scan{n}.png")
    cfg = parse_config({
        "name": "coco", "source": {"type": "folder2d", "root": str(root),
                                   "images": "images/*.png", "masks": "masks/{stem}.png",
                                   "mask_mode": "label_map", "modality": "endoscopy",
                                   "label_names": {1: "polyp", 2: "lesion"}},
        "regions": {"split": ["polyp"]}}, base_dir=root)
    build(cfg, root / "ds")
    return root / "ds"


@pytest.fixture(scope="module")
def exported(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "coco"
    result = CliRunner().invoke(app, ["export", str(dataset), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _tight_box(mask: np.ndarray) -> list[int]:
    ys, xs = np.nonzero(mask)
    return [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1),
            int(ys.max() - ys.min() + 1)]


def test_pycocotools_reads_the_hand_worked_boxes_and_masks(exported: Path) -> None:
    coco = COCO(str(exported / "instances.json"))
    names = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    assert sorted(names.values()) == ["lesion", "polyp"]
    assert len(coco.getImgIds()) == 2
    for image_id in coco.getImgIds():
        found: dict[str, list[list[int]]] = {}
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=[image_id])):
            mask = coco.annToMask(ann)
            assert mask.shape == (48, 64)
            assert int(mask.sum()) == ann["area"]
            assert _tight_box(mask) == ann["bbox"]  # the mask and the box agree
            found.setdefault(names[ann["category_id"]], []).append(ann["bbox"])
        assert {k: sorted(v) for k, v in found.items()} == HAND
        info = coco.loadImgs([image_id])[0]
        assert Image.open(exported / info["file_name"]).size == (info["width"], info["height"])


def _samples(dataset: Path) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in read_jsonl(dataset / "samples.jsonl")}


def test_refs_point_at_the_annotation_of_their_target(dataset: Path, exported: Path) -> None:
    coco = COCO(str(exported / "instances.json"))
    samples = _samples(dataset)
    refs = json.loads((exported / "refs.json").read_text(encoding="utf-8"))
    multi = json.loads((exported / "refs_multi.json").read_text(encoding="utf-8"))
    seen = [s["sample_id"] for r in refs + multi for s in r["sentences"]]
    assert sorted(seen) == sorted(samples)  # every kept sample once
    assert len({r["ann_id"] for r in refs}) == len(refs)  # one ref per annotation
    assert multi, "the two polyps give multi-target samples"
    for ref in refs:
        ann = coco.loadAnns([ref["ann_id"]])[0]
        assert ann["image_id"] == ref["image_id"]
        assert ref["split"] == "all"
        for sentence in ref["sentences"]:
            sample = samples[sentence["sample_id"]]
            assert sentence["sent"] == sample["query"]
            assert sentence["tokens"] and " ".join(sentence["tokens"]) in \
                " ".join(sample["query"].lower().replace(",", " ").replace(".", " ").split())
            x1, y1, x2, y2 = sample["targets"][0]["box"]
            assert ann["bbox"] == [x1, y1, x2 - x1, y2 - y1]
            assert coco.loadImgs([ann["image_id"]])[0]["file_name"] == sample["image"]
    for ref in multi:
        sample = samples[ref["sentences"][0]["sample_id"]]
        boxes = sorted(coco.loadAnns([a])[0]["bbox"] for a in ref["ann_ids"])
        want = sorted([t["box"][0], t["box"][1], t["box"][2] - t["box"][0],
                       t["box"][3] - t["box"][1]] for t in sample["targets"])
        assert boxes == want and len(boxes) > 1


def test_export_of_a_folder_that_is_not_a_dataset_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", str(tmp_path), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "samples.jsonl is missing" in result.output


def test_refs_carry_the_split_and_a_stale_split_file_is_refused(
        dataset: Path, tmp_path: Path) -> None:
    import shutil

    ds = tmp_path / "ds"
    shutil.copytree(dataset, ds)
    runner = CliRunner()
    assert runner.invoke(app, ["split", str(ds), "--ratios", "1,0,1"]).exit_code == 0
    by_sample = json.loads((ds / "splits.json").read_text())["samples"]
    assert sorted(set(by_sample.values())) == ["test", "train"]  # one scan each
    result = runner.invoke(app, ["export", str(ds), "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    refs = json.loads((tmp_path / "c" / "refs.json").read_text())
    multi = json.loads((tmp_path / "c" / "refs_multi.json").read_text())
    for ref in refs + multi:
        assert {by_sample[s["sample_id"]] for s in ref["sentences"]} == {ref["split"]}
    only = runner.invoke(app, ["export", str(ds), "--out", str(tmp_path / "t"), "--split", "test"])
    assert only.exit_code == 0, only.output
    images = json.loads((tmp_path / "t" / "instances.json").read_text())["images"]
    assert {i["case"] for i in images} == {"scan1"} or {i["case"] for i in images} == {"scan0"}
    first = next(iter(by_sample))
    del by_sample[first]
    d = json.loads((ds / "splits.json").read_text())
    d["samples"] = by_sample
    (ds / "splits.json").write_text(json.dumps(d))
    stale = runner.invoke(app, ["export", str(ds), "--out", str(tmp_path / "s")])
    assert stale.exit_code == 2 and "run `medground split` again" in stale.output
