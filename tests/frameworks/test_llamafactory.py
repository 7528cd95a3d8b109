"""LLaMA-Factory 0.9.5 reads the llamafactory export with its own ``get_dataset``: every record is
tokenized (LLaMA-Factory only logs records it skips, so the row count is asserted), the image its
mm_plugin hands to the Qwen image processor has the exported size, which the processor keeps
(its patch grid times the patch size is that size), and the answer in the tokenized labels
decodes to the canonical boxes scaled to that size within the answer format's rounding.

The tokenizer is built offline and the processor is a stand-in holding transformers'
``Qwen2VLImageProcessorPil`` (the torchvision-free one), configured as Qwen2.5-VL's and
Qwen3-VL's checkpoints configure it. Runs in .venv-frameworks (``make test-frameworks``).
"""

from __future__ import annotations

import importlib.util
import json
import re
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from medground.dataset import read_samples

pytestmark = pytest.mark.skipif(importlib.util.find_spec("llamafactory") is None,
                                reason="LLaMA-Factory is not installed (use .venv-frameworks)")

#: written sizes worked out by hand in tests/unit/exports/test_llamafactory.py (image_max_pixels
#: 768 * 768, LLaMA-Factory's default)
SIZES = {"qwen2.5-vl": {"big": (896, 616), "mid": (84, 84), "thin": (28, 308)},
         "qwen3-vl": {"big": (896, 640), "mid": (288, 256), "thin": (96, 864)}}
#: answer format -> (LLaMA-Factory template, image processor settings of the model's checkpoint)
MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "qwen2.5-vl": ("qwen2_vl", {}),  # patch 14, merge 2: the processor's defaults
    "qwen3-vl": ("qwen3_vl", {"patch_size": 16,
                              "size": {"shortest_edge": 65536, "longest_edge": 16777216}}),
}


class Processor:
    """What LLaMA-Factory needs of a processor: the image processor, the tokenizer and the
    attributes its ``patch_processor`` sets; the Qwen3-VL plugin reads ``merge_size`` of a video
    processor (these tests have no videos)."""

    def __init__(self, image_processor: Any, tokenizer: Any) -> None:
        self.image_processor = image_processor
        self.tokenizer = tokenizer
        self.video_processor = types.SimpleNamespace(merge_size=2)


def _recording(settings: dict[str, Any]) -> Any:
    """A Qwen2VLImageProcessorPil that records each image it is given and the patch grid it
    makes of it."""
    from transformers.models.qwen2_vl import Qwen2VLImageProcessorPil

    class Recording(Qwen2VLImageProcessorPil):  # type: ignore[misc]
        def __init__(self, **settings: Any) -> None:
            super().__init__(**settings)
            self.seen: list[tuple[tuple[int, int], list[int]]] = []

        def __call__(self, images: Any, *args: Any, **kwargs: Any) -> Any:
            out = super().__call__(images, *args, **kwargs)
            for image, grid in zip(images, out["image_grid_thw"].tolist(), strict=True):
                self.seen.append((image.size, grid))
            return out

    return Recording(**settings)


Loaded = tuple[list[dict[str, Any]], list[tuple[tuple[int, int], list[int]]], Any]


@pytest.fixture
def load(stand_ins: Callable[..., Any], qwen_tokenizer: Callable[..., Any], tmp_path: Path
         ) -> Callable[[Path, str, str], Loaded]:
    """LLaMA-Factory's own loading of dataset ``name`` from ``folder``: the tokenized rows, what
    the image processor was given, and the tokenizer."""
    with stand_ins("torchaudio"):  # mm_plugin imports torchaudio at import time
        import llamafactory.data  # noqa: F401

    def load(folder: Path, name: str, fmt: str) -> Loaded:
        return _get_dataset(folder, name, fmt, qwen_tokenizer(first_special_id=256), tmp_path)

    return load


def _get_dataset(folder: Path, name: str, fmt: str, tokenizer: Any, tmp: Path) -> Loaded:
    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.hparams import DataArguments, ModelArguments
    from llamafactory.model.patcher import patch_processor
    from transformers import Seq2SeqTrainingArguments

    template_name, settings = MODELS[fmt]
    data_args = DataArguments(dataset_dir=str(folder), dataset=name, template=template_name,
                              cutoff_len=8192, overwrite_cache=True)
    model_args = ModelArguments(model_name_or_path=str(tmp))
    training_args = Seq2SeqTrainingArguments(output_dir=str(tmp / "out"), do_train=True,
                                             report_to=[])
    template = get_template_and_fix_tokenizer(tokenizer, data_args)
    processor = Processor(_recording(settings), tokenizer)
    patch_processor(processor, tokenizer, model_args)  # type: ignore[arg-type]
    module = get_dataset(template, model_args, data_args, training_args, stage="sft",
                         tokenizer=tokenizer, processor=processor)
    rows = list(module["train_dataset"])
    return rows, processor.image_processor.seen, tokenizer


def answer_boxes(row: dict[str, Any], tokenizer: Any) -> list[list[int]]:
    """The boxes of the JSON answer in a row's labels (the tokens trained on)."""
    text = tokenizer.decode([t for t in row["labels"] if t >= 0])
    found = re.search(r"\[\{.*\}\]", text, re.DOTALL)
    assert found, text
    return [obj["bbox_2d"] for obj in json.loads(found.group(0))]


def _check_boxes(fmt: str, got: list[list[int]], want: list[tuple[int, ...]],
                 png: tuple[int, int], seen: tuple[int, int]) -> None:
    """``got`` (the answer) against the canonical ``want`` boxes on the ``png``-sized image,
    both in pixels of the ``seen`` image: Qwen2.5-VL's are already (0.5 px of rounding), Qwen3-VL's
    are 0-1000 (``width / 2000`` px)."""
    (pw, ph), (w, h) = png, seen
    assert len(got) == len(want)
    for box, canonical in zip(got, want, strict=True):
        scaled = [canonical[0] * w / pw, canonical[1] * h / ph, canonical[2] * w / pw,
                  canonical[3] * h / ph]
        if fmt == "qwen2.5-vl":
            back, tol = [float(v) for v in box], (0.5, 0.5)
        else:
            back = [box[0] / 1000 * w, box[1] / 1000 * h, box[2] / 1000 * w, box[3] / 1000 * h]
            tol = (w / 2000, h / 2000)
        for i in range(4):
            assert abs(back[i] - scaled[i]) <= tol[i % 2] + 1e-9, (box, canonical, seen)


@pytest.mark.parametrize("fmt", sorted(MODELS))
def test_scenes(load: Callable[[Path, str, str], Loaded], medground: Callable[..., str],
                scenes: Path, scene_specs: dict[str, Any], tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "export"
    medground("export", str(scenes), "--format", "llamafactory", "--out", str(out),
              "--answer-format", fmt)
    records = [json.loads(line) for line in (out / "all.jsonl").read_text().splitlines()]
    rows, seen, tokenizer = load(out, "medground_all", fmt)

    assert len(rows) == len(records) == 5  # big: liver, spleen, both; mid; thin
    patch = MODELS[fmt][1].get("patch_size", 14)
    assert len(seen) == len(rows)
    for record, row, (size, grid) in zip(records, rows, seen, strict=True):
        case = Path(record["images"][0]).stem
        assert row["images"][0].endswith(record["images"][0])
        assert size == SIZES[fmt][case]  # what LLaMA-Factory handed to the processor
        with Image.open(out / record["images"][0]) as im:
            assert im.size == size  # the exported PNG, unchanged by LLaMA-Factory
        assert (grid[2] * patch, grid[1] * patch) == size  # and by the processor
        w, h, rects = scene_specs[case]
        wanted = [r[1:] for r in rects if f"the {r[0]}?" in record["messages"][0]["content"]] \
            or [r[1:] for r in rects]
        _check_boxes(fmt, answer_boxes(row, tokenizer), wanted, (w, h), size)
    # by hand: liver (100, 200, 400, 500) on 1000 x 700 written at 896 x 616 -> 89.6 -> 90,
    # 176, 358.4 -> 358, 440; Qwen3-VL 0-1000: 100, 285.7 -> 286, 400, 714.3 -> 714
    first = {"qwen2.5-vl": [[90, 176, 358, 440]], "qwen3-vl": [[100, 286, 400, 714]]}[fmt]
    assert answer_boxes(rows[0], tokenizer) == first


def test_demo_splits(load: Callable[[Path, str, str], Loaded], medground: Callable[..., str],
                     demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    medground("export", str(demo), "--format", "llamafactory", "--out", str(out))
    samples = {s.id: s for s in read_samples(demo)}
    splits = json.loads((demo / "splits.json").read_text())["samples"]
    info = json.loads((out / "dataset_info.json").read_text())
    assert sorted(info) == ["medground_test", "medground_train"]
    for split in ("train", "test"):
        records = [json.loads(x) for x in (out / f"{split}.jsonl").read_text().splitlines()]
        rows, seen, tokenizer = load(out, f"medground_{split}", "qwen2.5-vl")
        assert len(rows) == len(records) == sum(v == split for v in splits.values())
        assert any(len(samples[r["id"]].targets) > 1 for r in records)  # multi-target ones too
        for record, row, (size, grid) in zip(records, rows, seen, strict=True):
            sample = samples[record["id"]]
            assert record["split"] == split
            with Image.open(out / sample.image) as im:
                assert im.size == size
            assert (grid[2] * 14, grid[1] * 14) == size
            _check_boxes("qwen2.5-vl", answer_boxes(row, tokenizer),
                         [t.box for t in sample.targets], (sample.width, sample.height), size)
