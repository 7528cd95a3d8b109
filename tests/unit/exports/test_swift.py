"""The ms-swift export without ms-swift: placeholders matching the objects, the hand-drawn boxes
in PNG pixels unchanged, images linked, splits. The real loader and template read the same export
in tests/frameworks/test_swift.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import read_jsonl
from medground.errors import ConfigError
from medground.exports import ExportOptions
from medground.exports.swift import export
from medground.sinks.files import atomic_write_jsonl
from medground.splits import SplitPlan, Splits, write_splits
from medground.testing.scenes import SceneBuilder
from medground.types import Sample

#: boxes drawn by hand: label, x1, y1, x2, y2 (x2 / y2 exclusive edges)
LIVER, SPLEEN, CYST = ("liver", 100, 200, 400, 500), ("spleen", 600, 100, 900, 300), \
    ("cyst", 10, 10, 20, 20)


def make_dataset(root: Path) -> tuple[Path, list[Sample]]:
    big = SceneBuilder(width=1000, height=700, name="big")
    liver, spleen = big.rect(*LIVER), big.rect(*SPLEEN)
    small = SceneBuilder(width=84, height=56, name="small")
    cyst = small.rect(*CYST)
    big.write(root)
    small.write(root)
    samples = [big.sample("Where is the liver?", [liver]),
               big.sample("Outline both organs.", [liver, spleen]),
               small.sample("Find the cyst.", [cyst])]
    for s in samples:
        s.patient_id = f"anon-{s.case}"
    s.targets[0].name = "simple cyst"
    atomic_write_jsonl(root / "samples.jsonl", (s.to_dict() for s in samples))
    return root, samples


def test_records(tmp_path: Path) -> None:
    root, samples = make_dataset(tmp_path / "data")
    out = tmp_path / "out"
    done = export(root, out, ExportOptions())
    assert done.main_file == out / "all.jsonl"
    assert done.counts == {"samples": 3, "images": 2, "split_all": 3}
    rows = read_jsonl(out / "all.jsonl")
    assert [r["id"] for r in rows] == [s.id for s in samples]
    assert rows[0]["objects"] == {"ref": ["liver"], "bbox": [[100, 200, 400, 500]],
                                  "bbox_type": "real"}
    assert rows[1]["objects"] == {"ref": ["liver", "spleen"],
                                  "bbox": [[100, 200, 400, 500], [600, 100, 900, 300]],
                                  "bbox_type": "real"}
    assert rows[2]["objects"]["ref"] == ["simple cyst"]  # the name, when a target has one
    assert rows[1]["messages"] == [
        {"role": "user", "content": "<image>Outline both organs."},
        {"role": "assistant", "content": "<ref-object><bbox>\n<ref-object><bbox>"}]
    for row in rows:
        assert row["split"] == "all"
        assert row["messages"][0]["content"].count("<image>") == len(row["images"]) == 1
        assert row["messages"][1]["content"].count("<bbox>") == len(row["objects"]["bbox"])
        image = row["images"][0]
        assert (out / image).stat().st_ino == (root / image).stat().st_ino  # unchanged, linked


def test_splits(tmp_path: Path) -> None:
    root, samples = make_dataset(tmp_path / "data")
    write_splits(root, Splits(by_sample={s.id: "train" if s.case == "big" else "test"
                                         for s in samples}, plan=SplitPlan()), samples)
    out = tmp_path / "out"
    done = export(root, out, ExportOptions())
    assert done.main_file == out / "train.jsonl"
    assert [r["split"] for r in read_jsonl(out / "train.jsonl")] == ["train", "train"]
    assert [r["split"] for r in read_jsonl(out / "test.jsonl")] == ["test"]
    only = tmp_path / "only"
    export(root, only, ExportOptions(splits=("test",)))
    assert sorted(p.name for p in only.glob("*.jsonl")) == ["test.jsonl"]
    with pytest.raises(ConfigError, match="unknown split"):
        export(root, only, ExportOptions(splits=("holdout",)))


def test_refuses_a_patient_in_two_splits(tmp_path: Path) -> None:
    root, samples = make_dataset(tmp_path / "data")
    write_splits(root, Splits(by_sample={s.id: "test" if s.task == "multi" else "train"
                                         for s in samples}, plan=SplitPlan()), samples)
    with pytest.raises(ConfigError, match="both train and test"):
        export(root, tmp_path / "out", ExportOptions())
