"""medground verify: re-judges a dataset in place; nothing is lost; the funnel adds up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import read_jsonl, read_manifest
from medground.build import build
from medground.cli import app
from medground.demo.phantom import write_phantom_dataset
from medground.demo.run import demo_config


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    root = write_phantom_dataset(tmp_path / "data", n_cases=2, seed=2, orientations=("RAS",))
    out = tmp_path / "out"
    build(demo_config(root, planes=("axial",)), out)
    return out


def _funnel_adds_up(funnel: dict, kept: int, rejected: int) -> None:
    assert funnel["synthesized"] == kept + rejected
    assert funnel["kept"] == kept
    entered = funnel["synthesized"]
    for stage in funnel["stages"]:
        assert stage["entered"] == entered  # everything that passed the stage before
        assert stage["entered"] == stage["passed"] + sum(stage["rejected"].values())
        entered = stage["passed"]
    assert entered == kept


def test_build_funnel_adds_up(dataset: Path) -> None:
    m = read_manifest(dataset)
    kept, rejected = read_jsonl(dataset / "samples.jsonl"), read_jsonl(dataset / "rejects.jsonl")
    _funnel_adds_up(m["funnel"], len(kept), len(rejected))
    assert [s["stage"] for s in m["funnel"]["stages"]] == ["format", "geometry", "priors", "judge"]
    assert m["counts"]["synthesized"] == len(kept) + len(rejected)


def test_verify_is_idempotent_on_a_fresh_build(dataset: Path) -> None:
    before = {n: (dataset / n).read_bytes() for n in ("samples.jsonl", "rejects.jsonl")}
    result = CliRunner().invoke(app, ["verify", str(dataset)])
    assert result.exit_code == 0, result.output
    assert "judge" in result.output and "kept" in result.output
    assert {n: (dataset / n).read_bytes() for n in before} == before


def test_verify_catches_edits_and_keeps_everything(dataset: Path) -> None:
    rows = read_jsonl(dataset / "samples.jsonl")
    total = len(rows) + len(read_jsonl(dataset / "rejects.jsonl"))
    rows[0]["query"] = "Find the liver at (10, 20)."
    rows[1]["targets"][0]["box"][0] += 3
    del rows[2]["targets"]  # malformed: kept as a reject with SCHEMA_INVALID
    (dataset / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = CliRunner().invoke(app, ["verify", str(dataset), "--stages", "format,geometry"])
    assert result.exit_code == 0, result.output
    kept, rejected = read_jsonl(dataset / "samples.jsonl"), read_jsonl(dataset / "rejects.jsonl")
    assert len(kept) + len(rejected) == total  # nothing lost, nothing duplicated
    assert len({r["id"] for r in kept + rejected}) == total
    reasons = {r["id"]: r["verdicts"][-1]["reason"] for r in rejected}
    assert reasons[rows[0]["id"]] == "QUERY_LEAKS_COORDINATES"
    assert reasons[rows[1]["id"]] == "MASK_BOX_MISMATCH"
    assert reasons[rows[2]["id"]] == "SCHEMA_INVALID"
    m = read_manifest(dataset)
    _funnel_adds_up(m["funnel"], len(kept), len(rejected))
    assert [s["stage"] for s in m["funnel"]["stages"]] == ["format", "geometry"]
    assert m["counts"]["rejected/format/QUERY_LEAKS_COORDINATES"] == 1


def test_verify_rejects_unknown_stage(dataset: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(dataset), "--stages", "format,vibes"])
    assert result.exit_code == 2 and "vibes" in result.output
