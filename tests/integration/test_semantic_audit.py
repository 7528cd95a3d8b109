"""The semantic audit (benchmarks/semantic_audit.py): its reader of count and side claims is
checked on hand-written queries, and every generated failure class builds with no false claim
in a kept sample."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from medground.testing import semantic_scenes
from medground.testing.semantic_scenes import Truth

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "semantic_audit.py"


def _audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("semantic_audit", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["semantic_audit"] = module
    spec.loader.exec_module(module)
    return module


audit = _audit()


@pytest.mark.parametrize(("query", "claims"), [
    ("show both kidneys", [("kidney", 2)]),
    ("the two visible renal structures", [("kidney", 2), ("structure", 2)]),
    ("all three lesions in this slice", [("lesion", 3), ("lesion", -2)]),
    ("the larger edema", [("edema", -2)]),
    ("the smallest of the four nuclei", [("nucleus", 4), ("nucleus", -2)]),
    ("the lesion in the upper left", []),
])
def test_count_claims(query: str, claims: list[tuple[str, int]]) -> None:
    assert sorted(audit.count_claims(query)) == sorted(claims)


def _sample(query: str, labels: list[str], case: str = "c", task: str = "single",
            modality: str = "CT") -> dict[str, object]:
    return {"query": query, "case": case, "plane": "axial", "slice": 3, "task": task,
            "modality": modality, "targets": [{"label": label} for label in labels]}


def test_audit_flags_each_false_claim() -> None:
    truth = Truth(counts={("c", "axial", 3): {"lesion": 2, "edema": 1}},
                  side={"cyst": "left"}, no_patient_side={"crop"}, no_patient_frame={"raw"},
                  forbidden_targets={"kidney"}, modality={"c": "CT", "crop": "CT", "raw": "CT"})
    ok = [_sample("the larger of the two lesions", ["lesion"]),
          _sample("the cyst on the patient's left side", ["cyst"]),
          _sample("the edema", ["edema"])]
    for s in ok:
        assert audit.audit_sample(s, truth) == []
    false = [_sample("all three lesions", ["lesion"] * 3, task="multi"),
             _sample("the smaller edema", ["edema"]),
             _sample("the cyst on the patient's right side", ["cyst"]),
             _sample("the lesion on the patient's left", ["lesion"], case="crop"),
             _sample("the lesion anterior to the liver", ["lesion"], case="raw"),
             _sample("the kidney", ["kidney"]),
             _sample("the hyperintense lesion", ["lesion"]),
             _sample("the lesion", ["lesion"], modality="MR")]
    for s in false:
        assert audit.audit_sample(s, truth), s["query"]


@pytest.mark.slow
@pytest.mark.parametrize("writer", semantic_scenes.ALL, ids=lambda w: w.__name__)
def test_generated_failure_classes_keep_no_false_claim(writer: object, tmp_path: Path) -> None:
    assert callable(writer)
    for scene in writer(tmp_path / "data"):
        result = audit.run_set(scene, tmp_path / "out" / scene.name.replace("/", "_"))
        assert result["kept"] > 0, scene.name
        assert result["false"] == [], scene.name
        assert result["missing"] == [], scene.name
