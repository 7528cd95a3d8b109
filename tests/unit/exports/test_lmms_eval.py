"""The lmms-eval task folder without lmms-eval: the YAML parses with lmms-eval's ``!function``
tags pointing at functions utils.py has, the data (read back with Hugging Face ``datasets``, the
loader lmms-eval uses) holds exactly the test split with absolute paths, utils.py imports no
medground, and its parser and metrics give hand-worked values.

lmms-eval's own run of the task is tests/frameworks/test_lmms_eval.py."""

from __future__ import annotations

import ast
import importlib.util
import json
import math
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import yaml
from PIL import Image
from typer.testing import CliRunner

from medground.build import build
from medground.cli import app
from medground.config import parse_config
from medground.errors import ConfigError
from medground.eval.boxes import BOX_FORMATS, input_size
from medground.eval.predict import _record
from medground.exports import ExportOptions
from medground.exports.lmms_eval import export_task
from medground.llm.client import Completion

# two scans of different sizes, two polyps (label 1) and a lesion (label 2) each
SIZES = {"scan0": (96, 80), "scan1": (64, 48)}
SQUARES = [(1, slice(5, 15), slice(8, 20)), (1, slice(30, 40), slice(40, 56)),
           (2, slice(20, 26), slice(25, 35))]
#: Qwen2.5-VL's input size, by hand: each side rounded to a multiple of 28 (96 -> 84, 80 -> 84,
#: 64 -> 56, 48 -> 56); 56 x 56 is exactly the minimum pixel budget, so it stays
SENT = {(96, 80): (84, 84), (64, 48): (56, 56)}
METRICS = {"acc@0.1", "acc@0.3", "acc@0.5", "acc@0.7", "acc@0.9", "miou", "center_acc",
           "scored", "multi_scored", "unparsed", "coverage", "multi_precision", "multi_recall",
           "multi_f1"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lmms")
    (root / "images").mkdir()
    (root / "masks").mkdir()
    for n, (stem, (w, h)) in enumerate(SIZES.items()):
        labels = np.zeros((h, w), np.uint8)
        image = np.random.default_rng(n).integers(20, 60, (h, w)).astype(np.uint8)
        for (label, rows, cols) in SQUARES:
            labels[rows, cols] = label
            image[rows, cols] = 200
        Image.fromarray(image).save(root / "images" / f"{stem}.png")
        Image.fromarray(labels).save(root / "masks" / f"{stem}.png")
    cfg = parse_config({
        "name": "lmms", "source": {"type": "folder2d", "root": str(root),
                                   "images": "images/*.png", "masks": "masks/{stem}.png",
                                   "mask_mode": "label_map", "modality": "endoscopy",
                                   "label_names": {1: "polyp", 2: "lesion"}},
        "regions": {"split": ["polyp"]}}, base_dir=root)
    build(cfg, root / "ds")
    result = CliRunner().invoke(app, ["split", str(root / "ds"), "--ratios", "1,0,1"])
    assert result.exit_code == 0, result.output
    return root / "ds"


def _split_of(dataset: Path) -> dict[str, str]:
    by_sample: dict[str, str] = json.loads((dataset / "splits.json").read_text())["samples"]
    return by_sample


def _samples(dataset: Path) -> dict[str, dict[str, Any]]:
    lines = (dataset / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    return {d["id"]: d for d in map(json.loads, lines) if d}


class _Loader(yaml.SafeLoader):
    """lmms-eval's YAML: ``!function utils.name`` nodes kept as the name."""


_Loader.add_constructor("!function",
                        lambda loader, node: ("function", loader.construct_scalar(node)))


def _read(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    import datasets

    config: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    files = config["dataset_kwargs"]["data_files"]
    rows = datasets.load_dataset(config["dataset_path"], data_files=files,
                                 cache_dir=str(path.parent / ".hf-cache"))[config["test_split"]]
    return config, list(rows)


def _utils(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"lmms_utils_{id(folder)}", folder / "utils.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def exported(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("task") / "lmms"
    result = CliRunner().invoke(app, ["export", str(dataset), "--out", str(out), "--format",
                                      "lmms-eval"])
    assert result.exit_code == 0, result.output
    assert "split test" in result.output
    return out


def test_the_yaml_names_the_task_its_absolute_data_and_functions_utils_has(
        dataset: Path, exported: Path) -> None:
    yamls = list(exported.glob("*.yaml"))
    assert [p.name for p in yamls] == ["medground_ds.yaml"]  # named after the dataset folder
    config, rows = _read(yamls[0])
    assert config["task"] == "medground_ds"
    assert config["output_type"] == "generate_until"
    data = Path(config["dataset_kwargs"]["data_files"][config["test_split"]])
    assert data.is_absolute() and data.is_file() and data.parent == exported.resolve()
    assert {m["metric"] for m in config["metric_list"]} == METRICS
    utils = _utils(exported)
    functions = [config[k] for k in ("doc_to_visual", "doc_to_text", "process_results")]
    functions += [m["aggregation"] for m in config["metric_list"]]
    for kind, name in functions:
        module, _, attr = name.partition(".")
        assert kind == "function" and module == "utils" and callable(getattr(utils, attr))
    assert set(utils.process_results(rows[0], ["[1, 2, 3, 4]"])) == METRICS
    assert config["metadata"]["box_format"] == "qwen2.5-vl"


def test_the_rows_are_the_test_split_with_absolute_image_paths(
        dataset: Path, exported: Path) -> None:
    _, rows = _read(exported / "medground_ds.yaml")
    by_split = _split_of(dataset)
    samples = _samples(dataset)
    assert sorted(r["id"] for r in rows) == sorted(i for i, s in by_split.items() if s == "test")
    assert 0 < len(rows) < len(samples)
    for row in rows:
        sample = samples[row["id"]]
        image = Path(row["image"])
        assert image.is_absolute() and image.is_relative_to(exported.resolve())
        with Image.open(image) as a, Image.open(dataset / sample["image"]) as b:
            assert a.size == (row["width"], row["height"]) == (sample["width"], sample["height"])
            assert np.array_equal(np.asarray(a), np.asarray(b))
        assert (row["sent_width"], row["sent_height"]) == SENT[(row["width"], row["height"])]
        assert row["targets"] == [t["box"] for t in sample["targets"]]
        assert row["query"] == sample["query"] and f'"{sample["query"]}"' in row["prompt"]
        # the prompt asks for absolute pixels of the image as it is sent
        w, h = row["sent_width"], row["sent_height"]
        assert f"The image is {w} pixels wide and {h} pixels high" in row["prompt"]
    assert any(len(r["targets"]) > 1 for r in rows)


def test_utils_py_imports_no_medground_and_sends_the_resized_image(exported: Path) -> None:
    tree = ast.parse((exported / "utils.py").read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported and not any(m.split(".")[0] == "medground" for m in imported)
    _, rows = _read(exported / "medground_ds.yaml")
    utils = _utils(exported)
    (image,) = utils.doc_to_visual(rows[0])
    assert image.size == SENT[(rows[0]["width"], rows[0]["height"])] and image.mode == "RGB"
    text = utils.doc_to_text(rows[0], {"pre_prompt": "<pre>", "post_prompt": "<post>"})
    assert text == f"<pre>{rows[0]['prompt']}<post>"


def test_splits_option_unsplit_dataset_and_stale_splits(dataset: Path, tmp_path: Path) -> None:
    by_split = _split_of(dataset)
    train = export_task(dataset, tmp_path / "train", ExportOptions(splits=("train",)))
    config, rows = _read(train.main_file)
    assert config["test_split"] == "train"
    assert sorted(r["id"] for r in rows) == sorted(i for i, s in by_split.items() if s == "train")
    unsplit = tmp_path / "unsplit"
    shutil.copytree(dataset, unsplit)
    (unsplit / "splits.json").unlink()
    whole = export_task(unsplit, tmp_path / "whole", ExportOptions(), task="whole_set")
    assert "no splits" in whole.summary and whole.main_file.name == "whole_set.yaml"
    config, rows = _read(whole.main_file)
    assert config["test_split"] == "test"  # the whole set evaluated as its test split
    assert sorted(r["id"] for r in rows) == sorted(_samples(dataset))
    d = json.loads((dataset / "splits.json").read_text())
    first = next(i for i, s in by_split.items() if s == "test")
    other = next(s["patient_id"] for i, s in _samples(dataset).items() if i == first)
    twin = next(i for i, s in _samples(dataset).items()
                if s["patient_id"] == other and i != first)
    d["samples"][twin] = "train"  # the patient now in both splits
    (unsplit / "splits.json").write_text(json.dumps(d))
    with pytest.raises(ConfigError, match="both"):
        export_task(unsplit, tmp_path / "stale", ExportOptions())
    with pytest.raises(ConfigError, match="answer format"):
        export_task(dataset, tmp_path / "bad", ExportOptions(answer_format="yolo"))


# ---- utils.py's parser and metrics on hand-worked boxes ---------------------------------------


def _doc(fmt: str, size: tuple[int, int], sent: tuple[int, int],
         targets: list[list[int]]) -> dict[str, Any]:
    return {"id": "x", "box_format": fmt, "width": size[0], "height": size[1],
            "sent_width": sent[0], "sent_height": sent[1], "targets": targets}


@pytest.fixture(scope="module")
def utils(exported: Path) -> ModuleType:
    return _utils(exported)


@pytest.mark.parametrize(("fmt", "size", "sent", "answer", "pixels"), [
    # absolute pixels on the 84 x 84 image sent for a 96 x 80 PNG: x * 96/84, y * 80/84
    ("qwen2.5-vl", (96, 80), (84, 84), '[{"bbox_2d": [21, 42, 42, 84]}]', [24, 40, 48, 80]),
    # clipped to the image, corners ordered
    ("qwen2.5-vl", (100, 100), (100, 100), "[120, 30, -5, 10]", [0, 10, 100, 30]),
    ("qwen2-vl", (200, 100), (200, 100), "<|box_start|>(500,250),(750,1000)<|box_end|>",
     [100, 25, 150, 100]),
    ("internvl-999", (200, 100), (200, 100), "<box>[[0, 0, 999, 999]]</box>", [0, 0, 200, 100]),
    ("normalized", (200, 100), (200, 100), "x1=0.25, y1=0.5, x2=0.5, y2=1", [50, 50, 100, 100]),
])
def test_answers_parse_in_the_chosen_convention(utils: ModuleType, fmt: str,
                                                size: tuple[int, int], sent: tuple[int, int],
                                                answer: str, pixels: list[int]) -> None:
    assert utils.answer_boxes(answer, _doc(fmt, size, sent, [])) == [pytest.approx(pixels)]


def test_single_target_scores_the_first_box_and_counts_unparsed_apart(utils: ModuleType) -> None:
    doc = _doc("qwen2.5-vl", (100, 100), (100, 100), [[10, 10, 30, 30]])
    exact = utils.process_results(doc, ['{"bbox_2d": [10, 10, 30, 30]}'])["miou"]
    # shifted by 10 px: intersection 10 x 20 = 200, union 400 + 400 - 200 = 600 -> IoU 1/3;
    # its centre (30, 20) sits on the exclusive right edge, so outside
    shifted = utils.process_results(doc, ["[20, 10, 40, 30] and [10, 10, 30, 30]"])["miou"]
    none = utils.process_results(doc, ["I cannot see it."])["miou"]
    assert (exact["iou"], exact["centre"]) == (1.0, True)
    assert (shifted["iou"], shifted["centre"]) == (pytest.approx(1 / 3), False)
    assert none["kind"] == "unparsed" and none["boxes_px"] == []
    records = [exact, shifted, none]
    want = {"acc_01": 1.0, "acc_03": 1.0, "acc_05": 0.5, "acc_07": 0.5, "acc_09": 0.5,
            "miou": 2 / 3, "center_acc": 0.5, "scored": 2, "multi_scored": 0, "unparsed": 1,
            "coverage": 2 / 3}
    assert {k: getattr(utils, k)(records) for k in want} == pytest.approx(want)
    assert math.isnan(utils.miou([none])) and math.isnan(utils.multi_f1(records))


def test_multi_target_hungarian_precision_recall_f1(utils: ModuleType) -> None:
    doc = _doc("qwen2.5-vl", (100, 100), (100, 100), [[0, 0, 10, 10], [20, 20, 30, 30]])
    # both targets found (in the other order) and one extra box: 2 hits of 3 predicted
    a = utils.score(doc, "[20, 20, 30, 30], [0, 0, 10, 10], [50, 50, 60, 60]")
    # the upper half of target 1 (IoU 50/100 = 0.5 counts) and a box inside it (IoU 40/100,
    # and only one of the two may match it): 1 hit of 2 predicted
    b = utils.score(doc, "[0, 0, 10, 5] [0, 0, 10, 4]")
    assert (a["hits"], a["predicted"], a["targets"]) == (2, 3, 2)
    assert (b["hits"], b["predicted"], b["targets"]) == (1, 2, 2)
    # 3 hits, 5 predicted, 4 targets: P 0.6, R 0.75, F1 2 * 0.45 / 1.35 = 2/3
    records = [a, b, utils.score(doc, "nothing")]
    assert utils.multi_precision(records) == pytest.approx(0.6)
    assert utils.multi_recall(records) == pytest.approx(0.75)
    assert utils.multi_f1(records) == pytest.approx(2 / 3)
    assert utils.multi_scored(records) == 2 and utils.unparsed(records) == 1
    assert math.isnan(utils.miou(records))


#: answers in every style medground's parser reads, and some it must not
STYLES = ['[{"bbox_2d": [12, 30.5, 70, 64], "label": "a"}, {"bbox_2d": [1, 2, 3, 4]}]',
          "```json\n[[0.1, 0.2, 0.55, 0.9]]\n```",
          "<box>[[100, 200, 800, 999], [5, 5, 9, 9]]</box>",
          "<|box_start|>(250,100),(750,600)<|box_end|>", "from (3, 4) to (40, 50)",
          '{"x1": 5, "y1": 6, "x2": 50, "y2": 60}', "[1200, -4, 30, 2000]", "[12, 30, 70]",
          "no box here", ""]


@pytest.mark.parametrize("fmt", BOX_FORMATS)
def test_utils_reads_answers_as_medground_predict_records_them(utils: ModuleType,
                                                               fmt: str) -> None:
    """utils.py carries its own copy of eval/boxes.py's parser (it may not import medground):
    this fails when one of them changes without the other."""
    assert set(utils.BOX_FORMATS) == set(BOX_FORMATS)
    for size in [(96, 80), (64, 48), (2000, 1500)]:
        sent = input_size(fmt, *size)
        doc = _doc(fmt, size, sent, [])
        for text in STYLES:
            record = _record({"id": "x", "query": "q"}, fmt, Completion(text=text), None,
                             (size, sent))
            assert utils.answer_boxes(text, doc) == record["boxes_px"], (text, size)
