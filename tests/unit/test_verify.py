"""medground verify: re-judges a dataset in place; nothing is lost; the funnel adds up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import read_jsonl, read_manifest
from medground.build import build
from medground.cli import app
from medground.demo.phantom import write_phantom_dataset
from medground.demo.run import demo_config
from medground.testing.scripted_server import Reply, ScriptedServer


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
    rows[3]["targets"][0]["box"] = [1.5, 2, 30, 40]
    del rows[4]["targets"][0]["mask_rle"]["counts"]
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
    details = {r["id"]: r["verdicts"][-1]["detail"] for r in rejected}
    assert reasons[rows[3]["id"]] == "SCHEMA_INVALID" and "four integers" in details[rows[3]["id"]]
    assert reasons[rows[4]["id"]] == "SCHEMA_INVALID" and "counts" in details[rows[4]["id"]]
    m = read_manifest(dataset)
    _funnel_adds_up(m["funnel"], len(kept), len(rejected))
    # priors and judge were not run again: their build verdicts stand, in pipeline order
    assert [s["stage"] for s in m["funnel"]["stages"]] == ["format", "geometry", "priors",
                                                             "judge"]
    assert "kept" in result.output and "earlier judge verdicts" in result.output
    assert m["counts"]["rejected/format/QUERY_LEAKS_COORDINATES"] == 1


def _with_vlm_judge(dataset: Path, passed: bool) -> dict[str, Any]:
    """Give every sample a vlm_judge verdict as a build with that stage would; the first one
    fails. Returns the failing record."""
    rows = read_jsonl(dataset / "samples.jsonl")
    for i, r in enumerate(rows):
        ok = passed or i > 0
        r["verdicts"].append({"stage": "vlm_judge", "passed": ok,
                              "reason": "OK" if ok else "VLM_JUDGE_UNSUPPORTED", "detail": ""})
    (dataset / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[1:]))
    (dataset / "rejects.jsonl").write_text(
        (dataset / "rejects.jsonl").read_text() + json.dumps(rows[0]) + "\n")
    return rows[0]


def test_verify_keeps_the_verdicts_of_a_stage_it_cannot_run(dataset: Path) -> None:
    """Without a server the VLM judge's rejects stay rejects (they used to move back into
    samples.jsonl), and the output says how many verdicts were kept."""
    failing = _with_vlm_judge(dataset, passed=False)
    result = CliRunner().invoke(app, ["verify", str(dataset)])
    assert result.exit_code == 0, result.output
    rejected = {r["id"]: r for r in read_jsonl(dataset / "rejects.jsonl")}
    assert rejected[failing["id"]]["verdicts"][-1]["reason"] == "VLM_JUDGE_UNSUPPORTED"
    assert all(r["verdicts"][-1]["stage"] == "vlm_judge"
               for r in read_jsonl(dataset / "samples.jsonl"))
    assert "earlier vlm_judge verdicts (give --vlm-base-url" in result.output


def test_verify_runs_the_vlm_judge_again_when_given_a_server(dataset: Path) -> None:
    failing = _with_vlm_judge(dataset, passed=False)
    answer = Reply(kind="json", content=json.dumps({"supported": True, "unique": True,
                                                     "reason": "fits"}))
    with ScriptedServer(lambda i, body: answer) as server:
        result = CliRunner().invoke(app, [
            "verify", str(dataset), "--stages", "format,geometry,priors,judge,vlm_judge",
            "--vlm-base-url", server.base_url, "--vlm-model", "judge-1"])
    assert result.exit_code == 0, result.output
    kept = {r["id"]: r for r in read_jsonl(dataset / "samples.jsonl")}
    assert kept[failing["id"]]["verdicts"][-1] == {"stage": "vlm_judge", "passed": True,
                                                    "reason": "OK", "detail": "fits"}
    assert len(server.requests) == len(kept)


def test_unreadable_lines_become_schema_invalid_rejects(dataset: Path) -> None:
    lines = (dataset / "samples.jsonl").read_text().splitlines()
    total = len(lines) + len(read_jsonl(dataset / "rejects.jsonl"))
    lines[3] = lines[3][: len(lines[3]) // 2]  # a truncated line
    (dataset / "samples.jsonl").write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(app, ["verify", str(dataset)])
    assert result.exit_code == 0, result.output
    rejected = read_jsonl(dataset / "rejects.jsonl")
    assert len(read_jsonl(dataset / "samples.jsonl")) + len(rejected) == total
    bad = [r for r in rejected if r["verdicts"][-1]["reason"] == "SCHEMA_INVALID"]
    assert len(bad) == 1 and bad[0]["raw"] == lines[3]
    assert "1 unreadable lines" in result.output


def test_verify_without_stored_views_says_so(dataset: Path) -> None:
    (dataset / "views.jsonl").unlink()
    CliRunner().invoke(app, ["verify", str(dataset), "--stages", "geometry"])
    rejected = read_jsonl(dataset / "rejects.jsonl")
    assert rejected and all(r["verdicts"][-1]["reason"] in ("VIEW_REGIONS_MISSING",
                                                            "NO_IMAGE_EVIDENCE")
                            for r in rejected)


def test_verify_rejects_unknown_stage(dataset: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(dataset), "--stages", "format,vibes"])
    assert result.exit_code == 2 and "vibes" in result.output
