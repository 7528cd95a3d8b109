"""ms-swift 4.6.0 reads the swift export with its own ``load_dataset`` and renders it with the
``qwen2_5_vl`` template's ``encode``: every record loads, and the ``<ref-object>`` / ``<bbox>``
placeholders become Qwen's grounding tokens with the canonical pixel boxes rescaled by the
template's own rule, worked out by hand here.

That rule (``Template.normalize_bbox`` with Qwen2.5-VL's ``norm_bbox = "none"``): the template
first smart-resizes the image (qwen_vl_utils ``fetch_image``: sides to the nearest multiple of 28,
pixels within [4, 16384] * 28 * 28), then writes each coordinate as
``int(round(x / png_width * resized_width))``, Python's round, so halves go to the even integer.

The model meta comes from a local config.json (no weights), the tokenizer is built offline, and
the processor is a stand-in holding transformers' ``Qwen2VLImageProcessorPil``. Runs in
.venv-frameworks (``make test-frameworks``).
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from medground.dataset import read_samples

pytestmark = pytest.mark.skipif(importlib.util.find_spec("swift") is None,
                                reason="ms-swift is not installed (use .venv-frameworks)")

_BOX = re.compile(r"<\|object_ref_start\|>(.*?)<\|object_ref_end\|>"
                  r"<\|box_start\|>\((\d+),(\d+)\),\((\d+),(\d+)\)<\|box_end\|>")

# By hand, the scenes of the scenes fixture (conftest.SCENES). Smart resize: big 1000 x 700 ->
# 36 * 28 = 1008 x 25 * 28 = 700; mid 96 x 80 -> 84 x 84; thin 20 x 300 -> 28 x 11 * 28 = 308
# (8624 pixels, within the budget). Boxes:
#   liver (100, 200, 400, 500): 100.8 -> 101, 200, 403.2 -> 403, 500
#   spleen (600, 100, 900, 300): 604.8 -> 605, 100, 907.2 -> 907, 300
#   kidney (30, 50, 40, 59) * (84/96, 84/80): 26.25 -> 26, 52.5 -> 52 (half to even), 35,
#     61.95 -> 62
#   aorta (5, 100, 15, 200) * (28/20, 308/300): 7, 102.67 -> 103, 21, 205.33 -> 205
RENDERED = {
    "Where is the liver?": [("liver", (101, 200, 403, 500))],
    "Where is the spleen?": [("spleen", (605, 100, 907, 300))],
    "Outline both organs.": [("liver", (101, 200, 403, 500)), ("spleen", (605, 100, 907, 300))],
    "Where is the kidney?": [("kidney", (26, 52, 35, 62))],
    "Where is the aorta?": [("aorta", (7, 103, 21, 205))],
}
RESIZED = {"big": (1008, 700), "mid": (84, 84), "thin": (28, 308)}


class Processor:
    """What the template needs of a processor: the image processor, the tokenizer, and the model
    info / meta that ms-swift's get_processor would attach."""

    def __init__(self, image_processor: Any, tokenizer: Any, info: Any, meta: Any) -> None:
        self.image_processor, self.tokenizer = image_processor, tokenizer
        self.model_info, self.model_meta = info, meta


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, stand_ins: Callable[..., Any],
             qwen_tokenizer: Callable[..., Any]) -> Any:
    """The qwen2_5_vl template in training mode, over a model folder holding only config.json."""
    from swift.model import get_model_info_meta
    from swift.template import get_template
    from transformers import Qwen2_5_VLConfig
    from transformers.models.qwen2_vl import Qwen2VLImageProcessorPil

    with stand_ins("torchvision"):  # qwen_vl_utils imports torchvision at import time only
        import qwen_vl_utils  # noqa: F401

    model_dir = tmp_path_factory.mktemp("qwen2_5_vl")
    Qwen2_5_VLConfig().save_pretrained(model_dir)  # the config of the 7B model, no weights
    info, meta = get_model_info_meta(str(model_dir), model_type="qwen2_5_vl")
    processor = Processor(Qwen2VLImageProcessorPil(), qwen_tokenizer(), info, meta)
    tpl = get_template(processor, template_type="qwen2_5_vl")
    tpl.set_mode("train")
    return tpl


def _load(jsonl: Path) -> Any:
    from swift.dataset import load_dataset

    train, _ = load_dataset([str(jsonl)], split_dataset_ratio=0.0)
    return train


def _render(template: Any, row: dict[str, Any]) -> tuple[str, list[int]]:
    """The encoded text (with its trained part) and the image's patch grid (t, h, w)."""
    encoded = template.encode(row)
    text = template.tokenizer.decode(encoded["input_ids"])
    trained = template.tokenizer.decode([t for t in encoded["labels"] if t >= 0])
    assert _BOX.findall(trained) == _BOX.findall(text) != []  # the boxes are the trained answer
    return text, encoded["image_grid_thw"][0].tolist()


def test_scenes(template: Any, medground: Callable[..., str], scenes: Path, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "export"
    monkeypatch.setenv("ROOT_IMAGE_DIR", str(out))  # where ms-swift resolves relative paths
    medground("export", str(scenes), "--format", "swift", "--out", str(out))
    records = [json.loads(line) for line in (out / "all.jsonl").read_text().splitlines()]
    rows = _load(out / "all.jsonl")
    assert len(rows) == len(records) == 5
    for record, row in zip(records, rows, strict=True):
        assert row["objects"]["bbox"] == record["objects"]["bbox"]
        text, grid = _render(template, row)
        query = record["messages"][0]["content"].removeprefix("<image>")
        got = [(ref, tuple(int(v) for v in box)) for ref, *box in _BOX.findall(text)]
        assert got == RENDERED[query]
        case = Path(record["images"][0]).stem
        assert (grid[2] * 14, grid[1] * 14) == RESIZED[case]  # the size the boxes were scaled to


def test_demo_splits(template: Any, medground: Callable[..., str], demo: Path, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "export"
    monkeypatch.setenv("ROOT_IMAGE_DIR", str(out))
    medground("export", str(demo), "--format", "swift", "--out", str(out))
    samples = {s.id: s for s in read_samples(demo)}
    splits = json.loads((demo / "splits.json").read_text())["samples"]
    for split in ("train", "test"):
        records = [json.loads(x) for x in (out / f"{split}.jsonl").read_text().splitlines()]
        rows = _load(out / f"{split}.jsonl")
        assert len(rows) == len(records) == sum(v == split for v in splits.values())
        assert any(len(r["objects"]["bbox"]) > 1 for r in records)  # multi-target ones too
        for record, row in zip(records, rows, strict=True):
            sample = samples[record["id"]]
            assert record["split"] == split
            text, grid = _render(template, row)
            w, h = grid[2] * 14, grid[1] * 14
            # the rule of the module docstring (in its order of operations), on the canonical boxes
            want = [(t.name or t.label.replace("_", " "),
                     (round(t.box[0] / sample.width * w), round(t.box[1] / sample.height * h),
                      round(t.box[2] / sample.width * w), round(t.box[3] / sample.height * h)))
                    for t in sample.targets]
            got = [(ref, tuple(int(v) for v in box)) for ref, *box in _BOX.findall(text)]
            assert got == want
