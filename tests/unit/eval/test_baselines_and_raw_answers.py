"""`medground eval` on a split dataset written by hand: train-split baselines with boxes worked
out by hand, raw answers parsed per box convention, the split chosen and broken down."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medground.cli import app
from medground.splits import SplitPlan, make_splits, write_splits
from medground.types import Sample, Target

RLE = {"size": [1, 1], "counts": "0"}


def sample(sid: str, patient: str, label: str, box: tuple[int, int, int, int],
           w: int = 100, h: int = 50) -> Sample:
    return Sample(id=sid, image=f"images/{sid}.png", width=w, height=h, source="s",
                  case=patient, patient_id=patient, modality="CT", plane="axial", slice=0,
                  task="single", query="q",
                  targets=[Target(label=label, instance=0, box=box, mask_rle=RLE)])


# train: two livers and two kidneys on 100 x 50 images (relative boxes worked out by hand)
TRAIN = [sample("t1", "A", "liver", (0, 0, 40, 20)), sample("t2", "A", "liver", (20, 10, 60, 30)),
         sample("t3", "B", "kidney", (60, 20, 80, 40)), sample("t4", "B", "kidney", (70, 30, 90, 50))]
# test: a liver, a kidney and a spleen (absent from train) on a 200 x 100 image
TEST = [sample("x1", "C", "liver", (20, 10, 100, 50), 200, 100),
        sample("x2", "C", "kidney", (130, 50, 170, 90), 200, 100),
        sample("x3", "C", "spleen", (0, 0, 20, 20), 200, 100)]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    samples = TRAIN + TEST
    with (tmp_path / "samples.jsonl").open("w") as fh:
        for s in samples:
            fh.write(json.dumps(s.to_dict()) + "\n")
    splits = make_splits(samples, SplitPlan(seed=0, ratios=(1, 0, 1)))
    # A and B in train, C in test: force it by hand if the shuffle dealt otherwise
    by = {s.id: ("test" if s.patient_id == "C" else "train") for s in samples}
    write_splits(tmp_path, type(splits)(by_sample=by, plan=splits.plan), samples)
    return tmp_path


def _eval(dataset: Path, preds: list[dict[str, object]], *args: str) -> dict[str, object]:
    path = dataset / "preds.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in preds))
    result = CliRunner().invoke(app, ["eval", str(path), "--dataset", str(dataset), *args])
    assert result.exit_code == 0, result.output
    assert "baseline: mean box per label" in result.output
    out: dict[str, object] = json.loads(path.with_suffix(".eval.json").read_text())
    return out


def test_baselines_fitted_on_train_scored_on_test(dataset: Path) -> None:
    got = _eval(dataset, [{"id": s.id, "boxes_px": [list(s.targets[0].box)]} for s in TEST])
    assert got["split"] == "test" and got["counts"]["samples"] == 3  # type: ignore[index]
    base = got["baselines"]
    assert base["fitted_samples"] == 4  # type: ignore[index]
    # mean relative liver box: x (0+.2)/2=.1 .. (.4+.6)/2=.5, y (0+.2)/2=.1 .. (.4+.6)/2=.5
    # on 200 x 100: [20, 10, 100, 50] = x1 exactly -> IoU 1
    # mean kidney: x .65 .. .85, y .5 .. .9 -> [130, 50, 170, 90] = x2 exactly -> IoU 1
    # spleen absent from train: overall mean x .375 .. .675, y .3 .. .7 -> [75, 30, 135, 70],
    # no overlap with [0, 0, 20, 20] -> IoU 0
    per_label = base["mean_box_per_label"]  # type: ignore[index]
    assert per_label["miou"] == pytest.approx(2 / 3)
    assert per_label["acc@0.9"] == pytest.approx(2 / 3)
    assert per_label["fallbacks"] == 1
    # whole image 200 x 100 = 20000 px; target areas 3200, 1600, 400
    whole = base["whole_image"]  # type: ignore[index]
    assert whole["miou"] == pytest.approx((3200 + 1600 + 400) / 20000 / 3)
    # its centre (100, 50) is on the liver box's exclusive corner, outside the other two
    assert whole["center_acc"] == 0.0
    # centre box: overall mean size .3 x .4 -> 60 x 40 px, centred: [70, 30, 130, 70];
    # liver [20,10,100,50]: overlap x 70..100 (30) y 30..50 (20) = 600; union 2400+3200-600
    centre = base["centre_box"]  # type: ignore[index]
    kidney = 0.0  # [130,50,170,90] touches x = 130 only: no overlap
    assert centre["miou"] == pytest.approx((600 / 5000 + kidney + 0.0) / 3)
    assert got["single"]["miou"] == pytest.approx(1.0)  # type: ignore[index]
    assert set(got["by"]["split"]) == {"test"}  # type: ignore[index]


def test_train_split_is_scored_when_asked(dataset: Path) -> None:
    got = _eval(dataset, [{"id": s.id, "boxes_px": [list(s.targets[0].box)]} for s in TRAIN],
                "--split", "train")
    assert got["counts"]["samples"] == 4 and got["counts"]["missing"] == 0  # type: ignore[index]


@pytest.mark.parametrize("fmt, text, expected", [
    # qwen2-vl 0-1000 on 200 x 100: x * 0.2, y * 0.1
    ("qwen2-vl", "<|box_start|>(100,100),(500,500)<|box_end|>", [20, 10, 100, 50]),
    ("internvl", "<ref>liver</ref><box>[[100, 100, 500, 500]]</box>", [20, 10, 100, 50]),
    # qwen2.5-vl: absolute pixels of the smart-resized 196 x 112 input (round(200/28)=7 x 28,
    # round(100/28)=4 x 28): x * 200/196, y * 100/112
    ("qwen2.5-vl", '[{"bbox_2d": [98, 56, 196, 112], "label": "liver"}]', [100, 50, 200, 100]),
    ("normalized", "[0.1, 0.1, 0.5, 0.5]", [20, 10, 100, 50]),
])
def test_raw_answers_are_parsed_in_their_convention(dataset: Path, fmt: str, text: str,
                                                    expected: list[float]) -> None:
    target = TEST[0].targets[0].box
    preds = [{"id": "x1", "answer": text}, {"id": "x2", "answer": "I cannot tell."}]
    got = _eval(dataset, preds, "--box-format", fmt)
    inter = (max(0, min(expected[2], target[2]) - max(expected[0], target[0]))
             * max(0, min(expected[3], target[3]) - max(expected[1], target[1])))
    area = (expected[2] - expected[0]) * (expected[3] - expected[1])
    union = area + 80 * 40 - inter
    c = got["counts"]
    assert (c["scored"], c["unparsed"], c["missing"]) == (1, 1, 1)  # type: ignore[index]
    assert got["single"]["miou"] == pytest.approx(inter / union)  # type: ignore[index]


def test_raw_answers_without_a_box_format_are_a_clear_error(dataset: Path) -> None:
    path = dataset / "raw.jsonl"
    path.write_text(json.dumps({"id": "x1", "answer": "[1, 2, 3, 4]"}) + "\n")
    result = CliRunner().invoke(app, ["eval", str(path), "--dataset", str(dataset)])
    assert result.exit_code == 2 and "--box-format" in result.output
    result = CliRunner().invoke(app, ["eval", str(path), "--dataset", str(dataset),
                                      "--split", "val"])
    assert result.exit_code == 2 and "no split 'val'" in " ".join(result.output.split())


def test_nothing_scored_is_a_dash_not_a_zero(dataset: Path) -> None:
    path = dataset / "none.jsonl"
    path.write_text("")
    result = CliRunner().invoke(app, ["eval", str(path), "--dataset", str(dataset)])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("| model"))
    assert row == "| model (test) | 0 | " + " | ".join(["-"] * 7) + " |"
