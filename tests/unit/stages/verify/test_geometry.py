"""GeometryCheck on a real phantom build: clean samples pass; each mutation fails with its code."""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medground.build import build
from medground.demo.phantom import write_phantom_dataset
from medground.demo.run import demo_config
from medground.geometry import rle
from medground.stages.verify.corruptions import (
    ambiguous,
    wrong_name,
    wrong_ordinal,
    wrong_shape,
    wrong_side,
    wrong_size,
    wrong_vertical,
)
from medground.stages.verify.geometry import REASONS, GeometryCheck
from medground.types import Sample

Rec = dict[str, Any]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Rec]]:
    tmp = tmp_path_factory.mktemp("geo")
    root = write_phantom_dataset(tmp / "data", n_cases=2, seed=1, orientations=("LPS", "RAS"))
    out = tmp / "out"
    cfg = demo_config(root, planes=("axial",))
    build(cfg.model_copy(update={"verify": cfg.verify.model_copy(update={"stages": ["format"]})}),
          out)
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    return out, rows


def run(root: Path, rec: Rec) -> Sample:
    s = Sample.from_dict(rec)
    s.verdicts = []
    GeometryCheck().bind(root)([s])
    return s


def pick(rows: list[Rec], task: str, label: str | None = None,
         pred: Callable[[Rec], bool] = lambda r: True) -> Rec:
    for r in rows:
        if r["task"] == task and (label is None or r["targets"][0]["label"] == label) and pred(r):
            return r
    raise LookupError(f"no {task} sample for {label}")


def test_clean_samples_pass(built: tuple[Path, list[Rec]]) -> None:
    root, rows = built
    failures = [(r["query"], run(root, r).first_failure) for r in rows]
    assert len(rows) > 50
    assert [f for f in failures if f[1] is not None] == []


def _count_word(rec: Rec) -> Rec:
    out = copy.deepcopy(rec)
    out["query"] = re.sub(r"\b(both|two)\b", "three", rec["query"], count=1)
    return out


def _insert(word: str) -> Callable[[Rec], Rec]:
    def f(rec: Rec) -> Rec:
        out = copy.deepcopy(rec)
        name = rec["targets"][0]["name"]
        out["query"] = re.sub(rf"\b{re.escape(name)}\b", f"{word} {name}", rec["query"], count=1)
        if out["query"] == rec["query"]:
            out["query"] = f"Find the {word} {name}."
        return out
    return f


def _relation(rec: Rec) -> Rec:
    out = copy.deepcopy(rec)
    out["query"] = f"Find the {rec['targets'][0]['name']} within the spleen."
    return out


def _flip_frame(rec: Rec) -> Rec:
    out = copy.deepcopy(rec)
    out["frame"] = {"left": "L", "right": "R", "top": "A", "bottom": "P"}
    return out


def _tiny(rec: Rec) -> Rec:
    out = copy.deepcopy(rec)
    mask = np.zeros((rec["height"], rec["width"]), bool)
    x, y = (int(v) for v in rec["targets"][0]["centroid"])
    mask[y:y + 2, x:x + 2] = True
    out["targets"][0].update(box=[x, y, x + 2, y + 2], mask_rle=rle.encode(mask))
    return out


def _corners(rec: Rec) -> Rec:
    out = copy.deepcopy(rec)
    h, w = rec["height"], rec["width"]
    mask = np.zeros((h, w), bool)
    mask[:12, :12] = mask[-12:, -12:] = True
    out["targets"][0].update(box=[0, 0, w, h], mask_rle=rle.encode(mask))
    return out


def _lesion_dis(r: Rec) -> bool:
    return len([d for d in r["distractors"] if d["label"] == "lesion"]) >= 1


CASES: list[tuple[str, str, str | None, Callable[[Rec], Rec | None], Callable[[Rec], bool]]] = [
    ("BOX_TOO_SMALL", "single", "liver", _tiny, lambda r: True),
    ("BOX_COVERS_IMAGE", "single", "liver", _corners, lambda r: True),
    ("LATERALITY_CONTRADICTS_AFFINE", "disambiguation", "kidney_left", _flip_frame,
     lambda r: True),
    ("TARGET_NOT_NAMED", "single", "liver",
     lambda r: wrong_name(r, random.Random(0), Path(), Path()), lambda r: True),
    ("COUNT_WORD_CONTRADICTS", "multi", None, _count_word,
     lambda r: len(r["targets"]) == 2 and bool(re.search(r"\b(both|two)\b", r["query"]))),
    ("SIDE_WORD_CONTRADICTS", "single", "liver",
     lambda r: wrong_side(r, random.Random(0), Path(), Path()), lambda r: True),
    ("POSITION_WORD_CONTRADICTS", "single", "spleen",
     lambda r: wrong_vertical(r, random.Random(0), Path(), Path()), lambda r: True),
    ("SHAPE_WORD_CONTRADICTS", "disambiguation", "lesion",
     lambda r: wrong_shape(r, random.Random(0), Path(), Path()), _lesion_dis),
    ("INTENSITY_WORD_CONTRADICTS", "disambiguation", "lesion", _insert("hyperdense"),
     _lesion_dis),
    ("SIZE_WORD_CONTRADICTS", "disambiguation", "lesion",
     lambda r: wrong_size(r, random.Random(0), Path(), Path()), _lesion_dis),
    ("ORDINAL_WORD_CONTRADICTS", "disambiguation", "lesion",
     lambda r: wrong_ordinal(r, random.Random(0), Path(), Path()),
     lambda r: _lesion_dis(r) and not re.search(r"larg|small|bigg|lesser", r["query"])),
    ("RELATIVE_WITHOUT_COMPARISON", "single", "liver", _insert("largest"), lambda r: True),
    ("RELATION_CONTRADICTS", "single", "aorta", _relation, lambda r: True),
    ("AMBIGUOUS_QUERY", "disambiguation", "lesion",
     lambda r: ambiguous(r, random.Random(0), Path(), Path()), _lesion_dis),
]


def test_every_reason_has_a_case() -> None:
    assert {c[0] for c in CASES} == set(REASONS)


@pytest.mark.parametrize(("reason", "task", "label", "mutate", "pred"), CASES,
                         ids=[c[0] for c in CASES])
def test_mutation_fails_with_its_reason(
    built: tuple[Path, list[Rec]], reason: str, task: str, label: str | None,
    mutate: Callable[[Rec], Rec | None], pred: Callable[[Rec], bool],
) -> None:
    root, rows = built
    rec = pick(rows, task, label, pred)
    assert run(root, rec).passed
    bad = mutate(rec)
    assert bad is not None
    failure = run(root, bad).first_failure
    assert failure is not None and failure.reason == reason, (bad["query"], failure)
