"""Every injected defect type is caught on the demo phantom, and clean samples are kept.

A small, fixed version of benchmarks/verification.py (which also covers ../shared/data)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from medground.build import build
from medground.demo.phantom import write_phantom_dataset
from medground.demo.run import demo_config
from medground.stages.verify import make_checks
from medground.stages.verify.corruptions import DEFECTS
from medground.types import Sample

PER_DEFECT = 40


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]], dict]:
    tmp = tmp_path_factory.mktemp("corrupt")
    root = write_phantom_dataset(tmp / "data", n_cases=3, seed=7)
    out = tmp / "out"
    build(demo_config(root, planes=("axial", "coronal")), out)
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    return out, rows, json.loads((out / "manifest.json").read_text())["funnel"]


def test_clean_samples_are_kept(demo: tuple[Path, list, dict]) -> None:
    _, _, funnel = demo
    assert funnel["synthesized"] > 100
    assert funnel["kept"] >= 0.98 * funnel["synthesized"]


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_defect_is_caught(demo: tuple[Path, list, dict], defect: str, tmp_path: Path) -> None:
    root, rows, _ = demo
    rng = random.Random(defect)
    caught, applied = Counter[str](), 0
    for rec in rng.sample(rows, len(rows)):
        bad = DEFECTS[defect](rec, random.Random(rec["id"]), root, tmp_path)
        if bad is None:
            continue
        s = Sample.from_dict(bad)
        s.verdicts = []
        for check in make_checks(["format", "geometry", "priors", "judge"]):
            check.bind(root)([s])
        applied += 1
        failure = s.first_failure
        caught[f"{failure.stage}/{failure.reason}" if failure else "MISSED"] += 1
        if applied == PER_DEFECT:
            break
    assert applied >= 10, f"{defect} applied to only {applied} samples"
    assert caught["MISSED"] <= 0.02 * applied, caught
