"""Every injected defect type is caught on the demo phantom, and clean samples are kept.

A small, fixed version of benchmarks/verification.py (which also covers ../shared/data). The
defects (medground.testing.corruptions) import neither the verifier nor a synthesizer."""

from __future__ import annotations

import ast
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import medground.testing.corruptions as corruptions
from medground.build import build
from medground.demo.phantom import write_phantom_dataset
from medground.demo.run import demo_config
from medground.testing.corruptions import DEFECTS
from medground.testing.scenes import verify
from medground.types import Sample, ViewRecord

PER_DEFECT = 40
STAGES = ("format", "geometry", "priors", "judge")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]], dict,
                                                            dict[str, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("corrupt")
    root = write_phantom_dataset(tmp / "data", n_cases=3, seed=7)
    out = tmp / "out"
    build(demo_config(root, planes=("axial", "coronal")), out)
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    views = {v["image"]: v for v in map(json.loads, (out / "views.jsonl").read_text().splitlines())}
    return out, rows, json.loads((out / "manifest.json").read_text())["funnel"], views


def test_defects_import_no_checker_and_no_synthesizer() -> None:
    tree = ast.parse(Path(corruptions.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    bad = [m for m in imported if m.startswith(("medground.stages", "medground.claims"))]
    assert bad == []


def test_clean_samples_are_kept(demo: tuple[Path, list, dict, dict]) -> None:
    _, _, funnel, _ = demo
    assert funnel["synthesized"] > 100
    assert funnel["kept"] >= 0.99 * funnel["synthesized"]


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_defect_is_caught(demo: tuple[Path, list, dict, dict], defect: str,
                          tmp_path: Path) -> None:
    root, rows, _, views = demo
    rng = random.Random(defect)
    caught, applied = Counter[str](), 0
    for rec in rng.sample(rows, len(rows)):
        view = views[rec["image"]]
        bad = DEFECTS[defect](rec, view, random.Random(rec["id"]), root, tmp_path)
        if bad is None:
            continue
        sample = Sample.from_dict(bad)
        record = ViewRecord.from_dict({**view, "image": sample.image})
        verify([sample], root, [record], STAGES)
        applied += 1
        failure = sample.first_failure
        caught[f"{failure.stage}/{failure.reason}" if failure else "MISSED"] += 1
        if applied == PER_DEFECT:
            break
    assert applied >= 10, f"{defect} applied to only {applied} samples"
    assert caught["MISSED"] <= 0.01 * applied, caught
