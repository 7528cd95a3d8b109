"""The LLaMA-Factory export without LLaMA-Factory: images written at sizes worked out by hand
from its resize rule and the processors', answers that decode (with this test's own parser) to
the hand-drawn boxes on those pixels, dataset_info.json, splits. The real loader reads the same
export in tests/frameworks/test_llamafactory.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PIL import Image

from conftest import read_jsonl
from medground.errors import ConfigError
from medground.exports import ExportOptions
from medground.exports.llamafactory import export
from medground.sinks.files import atomic_write_jsonl
from medground.splits import SplitPlan, Splits, write_splits
from medground.testing.scenes import SceneBuilder
from medground.types import Sample

#: scene name -> (width, height, rectangles as label, x1, y1, x2, y2)
SCENES = {
    "big": (1000, 700, [("liver", 100, 200, 400, 500), ("spleen", 600, 100, 900, 300)]),
    "mid": (96, 80, [("kidney", 30, 48, 40, 60)]),
    "thin": (20, 300, [("aorta", 5, 100, 15, 200)]),
    "ready": (84, 56, [("cyst", 10, 10, 20, 20)]),
}

# Written sizes by hand, LLaMA-Factory's image_max_pixels 768 * 768 = 589824 first:
# big 1000 x 700 = 700000 pixels is over: * sqrt(589824 / 700000) = 0.91794 -> int 917 x 642.
#   qwen2.5-vl: multiples of 28 -> 924 x 644 = 595056, over the budget again, so rounded down:
#   896 x 616. qwen3-vl: multiples of 32 -> 928 x 640 = 593920, over: down to 896 x 640.
#   InternVL: LLaMA-Factory's 917 x 642 as it is.
# mid 96 x 80: qwen2.5-vl 84 x 84; qwen3-vl 96 x 64 is under its 65536 minimum, so
#   * sqrt(65536 / 7680) = 2.921 and up to multiples of 32: 288 x 256.
# thin 20 x 300: the Qwen2-VL plugin widens a side under 28 -> 28 x 300; qwen2.5-vl 28 x 308;
#   qwen3-vl 32 x 288 is under 65536: * sqrt(65536 / 8400) = 2.793 -> 96 x 864.
# ready 84 x 56: already multiples of 28; qwen3-vl * sqrt(65536 / 4704) = 3.733 -> 320 x 224.
SIZES = {
    "qwen2.5-vl": {"big": (896, 616), "mid": (84, 84), "thin": (28, 308), "ready": (84, 56)},
    "qwen2-vl": {"big": (896, 616), "mid": (84, 84), "thin": (28, 308), "ready": (84, 56)},
    "qwen3-vl": {"big": (896, 640), "mid": (288, 256), "thin": (96, 864), "ready": (320, 224)},
    "internvl": {"big": (917, 642), "mid": (96, 80), "thin": (20, 300), "ready": (84, 56)},
}


def make_dataset(root: Path) -> tuple[Path, list[Sample]]:
    samples = []
    for name, (w, h, rects) in SCENES.items():
        scene = SceneBuilder(width=w, height=h, name=name)
        shapes = [scene.rect(label, x1, y1, x2, y2) for label, x1, y1, x2, y2 in rects]
        scene.write(root)
        for shape in shapes:
            samples.append(scene.sample(f"Where is the {shape.label}?", [shape]))
        if len(shapes) > 1:
            samples.append(scene.sample("Outline both organs.", shapes))
    for s in samples:
        s.patient_id = f"anon-{s.case}"
    atomic_write_jsonl(root / "samples.jsonl", (s.to_dict() for s in samples))
    return root, samples


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Sample]]:
    return make_dataset(tmp_path_factory.mktemp("lf-data"))


def _pixels(text: str) -> list[list[float]]:
    """Qwen2.5-VL JSON boxes: already pixels of the written image (its input size)."""
    return [[float(v) for v in obj["bbox_2d"]] for obj in json.loads(text)]


@pytest.mark.parametrize("fmt", sorted(SIZES))
def test_images_at_the_size_the_model_sees(dataset: tuple[Path, list[Sample]], tmp_path: Path,
                                           fmt: str) -> None:
    root, _ = dataset
    done = export(root, tmp_path, ExportOptions(answer_format=fmt))
    for name, size in SIZES[fmt].items():
        with Image.open(tmp_path / "images" / f"{name}.png") as im:
            assert im.size == size, name
    assert done.counts["images"] == 4
    assert done.counts["resized"] == sum(
        size != SCENES[n][:2] for n, size in SIZES[fmt].items())


def test_records_and_exact_boxes(dataset: tuple[Path, list[Sample]], tmp_path: Path) -> None:
    root, samples = dataset
    done = export(root, tmp_path, ExportOptions())
    assert done.main_file == tmp_path / "dataset_info.json"
    rows = read_jsonl(tmp_path / "all.jsonl")
    assert [r["id"] for r in rows] == [s.id for s in samples]
    for row, s in zip(rows, samples, strict=True):
        assert row["split"] == "all"
        assert row["images"] == [f"images/{s.case}.png"]
        user, assistant = row["messages"]
        assert user == {"role": "user", "content": f"<image>{s.query}"}
        assert assistant["role"] == "assistant"
        w, h = SIZES["qwen2.5-vl"][s.case]
        sx, sy = w / SCENES[s.case][0], h / SCENES[s.case][1]
        drawn = [r for r in SCENES[s.case][2] if r[0] in {t.label for t in s.targets}]
        got = _pixels(assistant["content"])
        assert len(got) == len(drawn)
        for (_, x1, y1, x2, y2), box in zip(drawn, got, strict=True):
            want = [x1 * sx, y1 * sy, x2 * sx, y2 * sy]
            assert all(abs(a - b) <= 0.5 for a, b in zip(box, want, strict=True)), (box, want)
    # big: liver x1 100 * 896/1000 = 89.6 -> 90, y1 200 * 616/700 = 176 (worked by hand)
    assert _pixels(rows[0]["messages"][1]["content"])[0] == [90, 176, 358, 440]
    # an image already at its size is the dataset's file, hard-linked
    assert (tmp_path / "images/ready.png").stat().st_ino == (root / "images/ready.png").stat().st_ino


def test_dataset_info(dataset: tuple[Path, list[Sample]], tmp_path: Path) -> None:
    export(dataset[0], tmp_path, ExportOptions(answer_format="internvl"))
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    assert info == {"medground_all": {
        "file_name": "all.jsonl", "formatting": "sharegpt",
        "columns": {"messages": "messages", "images": "images"},
        "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                 "assistant_tag": "assistant", "system_tag": "system"}}}
    first = read_jsonl(tmp_path / "all.jsonl")[0]["messages"][1]["content"]
    # InternVL on 917 x 642: relative to it, 100/1000 of the width -> 100, 200/700 -> 286
    assert re.fullmatch(r"<ref>liver</ref><box>\[\[100, 286, 400, 714\]\]</box>", first)


def _split(root: Path, samples: list[Sample], of: dict[str, str]) -> None:
    write_splits(root, Splits(by_sample={s.id: of[s.case] for s in samples}, plan=SplitPlan()),
                 samples)


def test_splits(tmp_path: Path) -> None:
    root, samples = make_dataset(tmp_path / "data")
    _split(root, samples, {"big": "train", "mid": "train", "thin": "val", "ready": "test"})
    out = tmp_path / "out"
    done = export(root, out, ExportOptions())
    assert done.counts == {"samples": 6, "images": 4, "resized": 3, "split_train": 4,
                           "split_val": 1, "split_test": 1}
    for split, cases in (("train", {"big", "mid"}), ("val", {"thin"}), ("test", {"ready"})):
        rows = read_jsonl(out / f"{split}.jsonl")
        assert {r["split"] for r in rows} == {split}
        assert {r["images"][0] for r in rows} == {f"images/{c}.png" for c in cases}
    assert sorted(json.loads((out / "dataset_info.json").read_text())) == [
        "medground_test", "medground_train", "medground_val"]

    only = tmp_path / "only"
    export(root, only, ExportOptions(splits=("test",)))
    assert sorted(p.name for p in only.glob("*.jsonl")) == ["test.jsonl"]
    assert list(json.loads((only / "dataset_info.json").read_text())) == ["medground_test"]
    assert sorted(p.name for p in (only / "images").iterdir()) == ["ready.png"]


def test_refuses_a_patient_in_two_splits_and_unknown_formats(tmp_path: Path) -> None:
    root, samples = make_dataset(tmp_path / "data")
    # the two "big" samples share a patient: one in train, the other in test
    of = {s.id: "train" for s in samples}
    of[next(s.id for s in samples if s.case == "big" and s.task == "multi")] = "test"
    write_splits(root, Splits(by_sample=of, plan=SplitPlan()), samples)
    with pytest.raises(ConfigError, match="both train and test"):
        export(root, tmp_path / "out", ExportOptions())
    with pytest.raises(ConfigError, match="no LLaMA-Factory template"):
        export(root, tmp_path / "out", ExportOptions(answer_format="normalized"))


def test_sizes_at_the_edges_of_the_rules(tmp_path: Path) -> None:
    from medground.exports.resize import trained_size

    # 300 x 3 = 900 pixels, under image_min_pixels 1024: LLaMA-Factory scales up by
    # sqrt(1024 / 900) and truncates, 320 x 3 = 960, still under, so the next load would scale
    # again: 330, 335, ... until 340 x 3 = 1020, where 340 * sqrt(1024 / 1020) = 340.67 -> 340
    assert trained_size("internvl", 300, 3, 768 * 768) == (340, 3)
    # Qwen3-VL needs at least 65536 pixels, more than a 60000-pixel budget allows
    root, _ = make_dataset(tmp_path / "data")
    with pytest.raises(ConfigError, match="raise --image-max-pixels"):
        export(root, tmp_path / "out", ExportOptions(answer_format="qwen3-vl",
                                                     image_max_pixels=60000))
