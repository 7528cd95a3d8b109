"""Scores of `medground eval` against hand-worked values and a textbook implementation written
here (IoU by counting pixels on a raster, never by box arithmetic)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from conftest import read_jsonl
from medground.build import build
from medground.cli import app
from medground.config import parse_config
from medground.eval import metrics


@pytest.mark.parametrize("a, b, expected", [
    ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),
    ([0, 0, 10, 10], [5, 0, 15, 10], 50 / 150),
    ([0, 0, 10, 10], [0, 0, 5, 10], 0.5),
    ([0, 0, 10, 10], [10, 0, 20, 10], 0.0),  # touching edges: exclusive x2, no overlap
    ([0, 0, 10, 10], [20, 20, 30, 30], 0.0),
    ([0, 0, 0, 10], [0, 0, 0, 10], 0.0),  # empty boxes
    ([0.5, 0, 2.5, 1], [1.5, 0, 3.5, 1], 1 / 3),
])
def test_iou_hand_worked(a: list[float], b: list[float], expected: float) -> None:
    assert metrics.iou(a, b) == pytest.approx(expected)


@pytest.mark.parametrize("pred, target, inside", [
    ([0, 0, 4, 4], [0, 0, 10, 10], True), ([8, 8, 12, 12], [0, 0, 10, 10], False),
    ([18, 0, 22, 2], [0, 0, 20, 10], False),  # centre x = 20 = x2: outside (exclusive edge)
])
def test_centre_inside(pred: list[float], target: list[float], inside: bool) -> None:
    assert metrics.centre_inside(pred, target) is inside


def test_hungarian_matches_one_to_one_whatever_the_order() -> None:
    targets = [[0, 0, 10, 10], [20, 20, 30, 30]]
    assert metrics.hungarian([[20, 20, 30, 30], [0, 0, 10, 10]], targets).hits == 2
    # one prediction covering both targets matches at most one of them, and not at 0.5 here
    assert metrics.hungarian([[0, 0, 30, 30]], targets) == metrics.Match(0, 1, 2)
    assert metrics.prf([metrics.Match(1, 2, 2)]) == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


def _raster_iou(a: list[float], b: list[float], shape: tuple[int, int]) -> float:
    """Textbook IoU of integer boxes: count the pixels of their masks."""
    ma, mb = np.zeros(shape, bool), np.zeros(shape, bool)
    ma[int(a[1]):int(a[3]), int(a[0]):int(a[2])] = True
    mb[int(b[1]):int(b[3]), int(b[0]):int(b[2])] = True
    union = (ma | mb).sum()
    return float((ma & mb).sum() / union) if union else 0.0


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("eval")
    (root / "images").mkdir()
    (root / "masks").mkdir()
    for n in range(6):
        mask = np.zeros((60, 80), np.uint8)
        mask[10 + n:30 + n, 12 + 3 * n:40 + 3 * n] = 1
        image = np.random.default_rng(n).integers(10, 50, (60, 80)).astype(np.uint8)
        image[mask > 0] = 210
        Image.fromarray(image).save(root / "images" / f"im{n}.png")
        Image.fromarray(mask * 255).save(root / "masks" / f"im{n}.png")
    build(parse_config({"name": "ev", "source": {
        "type": "folder2d", "root": str(root), "images": "images/*.png",
        "masks": "masks/{stem}.png", "mask_mode": "binary", "label": "polyp",
        "modality": "endoscopy"}}, base_dir=root), root / "ds")
    return root / "ds"


def test_scores_equal_the_textbook_ones(dataset: Path, tmp_path: Path) -> None:
    samples = [s for s in read_jsonl(dataset / "samples.jsonl") if len(s["targets"]) == 1]
    assert len(samples) >= 6
    lines, ious, centres = [], [], []
    for k, s in enumerate(samples):
        x1, y1, x2, y2 = s["targets"][0]["box"]
        if k == 0:  # answered without a box: counted apart, not a zero box
            lines.append({"id": s["id"], "boxes_px": [], "error": None})
            continue
        if k == 1:  # the request failed
            lines.append({"id": s["id"], "boxes_px": [], "error": "HTTP 500"})
            continue
        if k == 2:  # no prediction at all
            continue
        shift = 3 * (k - 3)  # 0, 3, 6, ... pixels to the right
        pred = [x1 + shift, y1, x2 + shift, y2]
        # a second box after the first: only the first is scored
        lines.append({"id": s["id"], "boxes_px": [pred, [x1, y1, x2, y2]], "error": None})
        ious.append(_raster_iou(pred, [x1, y1, x2, y2], (s["height"], s["width"] + 64)))
        centres.append(x1 <= (pred[0] + pred[2]) / 2 < x2)
    path = tmp_path / "preds.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(path), "--dataset", str(dataset)])
    assert result.exit_code == 0, result.output
    got = json.loads((tmp_path / "preds.eval.json").read_text(encoding="utf-8"))
    c = got["counts"]
    assert (c["unparsed"], c["request_errors"]) == (1, 1)
    assert c["missing"] == 1 + (len(read_jsonl(dataset / "samples.jsonl")) - len(samples)) - \
        c["multi_scored"]
    assert c["scored"] == len(ious)
    for t in metrics.THRESHOLDS:
        assert got["single"][f"acc@{t}"] == pytest.approx(np.mean(np.array(ious) >= t))
    assert got["single"]["miou"] == pytest.approx(np.mean(ious))
    assert got["single"]["center_acc"] == pytest.approx(np.mean(centres))
    low, high = got["single_ci95"]["miou"]
    assert low <= np.mean(ious) <= high and low < high
    assert got["by"]["label"]["polyp"]["n"] == len(ious)
    assert (tmp_path / "preds.eval.md").read_text(encoding="utf-8").startswith("| group |")
