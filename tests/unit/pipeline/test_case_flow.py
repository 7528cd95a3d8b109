"""A case's VLM requests go out together (pipeline.py, CaseFlow): those of several views at
once, judge requests while later views are still being synthesized, with the same dataset
as one request at a time; a case that fails with requests outstanding withdraws them and
its usage is still counted in full."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import read_jsonl, tree_bytes
from medground.build import build
from medground.config import BuildConfig, parse_config
from medground.demo.phantom import write_phantom_dataset
from medground.stages.verify.format import FormatCheck
from medground.testing.scripted_server import Reply, ScriptedServer
from medground.types import Sample


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_phantom_dataset(tmp_path_factory.mktemp("flow") / "data", n_cases=2, seed=4,
                                 orientations=("RAS", "LPS"))


def _text(body: dict[str, Any]) -> str:
    return json.dumps(body["messages"])


def answer(i: int, body: dict[str, Any]) -> Reply:
    """Synthesis names the target; the judge's verdict depends on the query only."""
    text = _text(body)
    if "Write " in text:
        facts = json.loads(text.split("Facts (JSON): ")[1].split("\\n")[0].replace('\\"', '"'))
        return Reply(kind="json", content=json.dumps(
            {"queries": [f"Find the {facts['target']['name']}."]}), delay=0.05)
    return Reply(kind="json", content=json.dumps(
        {"supported": "lesion" not in text, "unique": True, "reason": "scripted"}), delay=0.05)


def config(root: Path, server: ScriptedServer, **vlm: Any) -> BuildConfig:
    return parse_config({
        "name": "flow", "source": {"type": "nifti", "root": str(root),
                                   "dataset_json": "dataset.json"},
        "slicing": {"planes": ["axial", "coronal"]},
        "queries": {"synthesizer": "vlm", "per_target": 1},
        "verify": {"stages": ["format", "geometry", "priors", "judge", "vlm_judge"]},
        "vlm": {"base_url": server.base_url, "model": "scripted", "max_retries": 0, **vlm},
    }, base_dir=root)


def dataset(out: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree_bytes(out).items() if k != "manifest.json"}


def test_a_cases_requests_are_in_flight_together(data: Path, tmp_path: Path) -> None:
    with ScriptedServer(answer) as one:
        build(config(data, one, max_in_flight=1, cases_in_flight=1), tmp_path / "one")
    with ScriptedServer(answer) as many:
        manifest = build(config(data, many, max_in_flight=32, cases_in_flight=1),
                         tmp_path / "many")
    # one view's synthesis batch has one request per target on it
    per_view = Counter(s["image"] for s in read_jsonl(tmp_path / "one" / "samples.jsonl")
                       + read_jsonl(tmp_path / "one" / "rejects.jsonl"))
    assert one.peak_in_flight == 1
    assert many.peak_in_flight > max(per_view.values())  # several views' requests at once
    order = ["judge" if "Query: " in _text(b) else "synth" for b in many.requests]
    first_judge = order.index("judge")
    assert "synth" in order[first_judge:]  # judged while later views were synthesized
    assert len(many.requests) == len(one.requests) == manifest["vlm"]["requests"]
    assert dataset(tmp_path / "many") == dataset(tmp_path / "one")


def test_a_case_failing_with_requests_outstanding(data: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The format check raises on the fourth view of phantom_001, while requests of its other
    views are queued: one error record, nothing else of the case, the other case as built
    alone, and the manifest accounts for every request the server got: answered ones as
    ``requests``, those the case gave up on the wire as ``withdrawn`` (the server may or
    may not have had them)."""
    with ScriptedServer(answer) as s:
        reference = build(config(data, s, max_in_flight=2, cases_in_flight=1),
                          tmp_path / "ref")
    assert reference["cases"]["with_samples"] == 2
    calls = Counter[str]()
    check = FormatCheck.__call__

    def failing(self: FormatCheck, batch: list[Sample]) -> list[Sample]:
        if batch and batch[0].case == "phantom_001":
            calls[batch[0].case] += 1
            if calls[batch[0].case] == 4:
                raise RuntimeError("injected")
        return check(self, batch)

    monkeypatch.setattr(FormatCheck, "__call__", failing)
    with ScriptedServer(answer) as s:
        manifest = build(config(data, s, max_in_flight=2, cases_in_flight=1), tmp_path / "out")
        sent = len(s.requests)
    [error] = read_jsonl(tmp_path / "out" / "errors.jsonl")
    assert error["case"] == "phantom_001" and error["code"] == "INTERNAL_ERROR"
    assert manifest["failed_cases"] == ["phantom_001"]
    for name in ("samples.jsonl", "rejects.jsonl", "views.jsonl"):
        assert read_jsonl(tmp_path / "out" / name) == [
            r for r in read_jsonl(tmp_path / "ref" / name) if r["case"] == "phantom_000"]
    assert not (tmp_path / "out" / "images" / "phantom_001").exists()
    usage = manifest["vlm"]
    assert usage["requests"] <= sent <= usage["requests"] + usage["withdrawn"]
    assert sent < reference["vlm"]["requests"] and reference["vlm"]["withdrawn"] == 0
