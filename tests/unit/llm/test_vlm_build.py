"""Builds whose queries and judging come from a VLM (a scripted OpenAI-compatible server):
every sample ends kept or rejected with a reason; a killed build resumes without repeating
any answered request."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import read_jsonl, read_manifest
from medground.build import build
from medground.config import parse_config
from medground.demo.phantom import write_phantom_dataset
from medground.testing.scripted_server import Reply, ScriptedServer


def _text(body: dict[str, Any]) -> str:
    return json.dumps(body["messages"])


def good(i: int, body: dict[str, Any]) -> Reply:
    text = _text(body)
    if "Write " in text:  # synthesis: name the target from the facts
        name = json.loads(text.split("Facts (JSON): ")[1].split("\\n")[0].replace('\\"', '"'))[
            "target"]["name"]
        return Reply(kind="json", content=json.dumps({"queries": [f"Find the {name}."]}))
    return Reply(kind="json", content=json.dumps({"supported": True, "unique": True,
                                                  "reason": "clear"}))


def config(root: Path, server: ScriptedServer, **vlm: Any) -> Any:
    return parse_config({
        "name": "vlm", "source": {"type": "nifti", "root": str(root), "dataset_json": "dataset.json"},
        "slicing": {"planes": ["axial"]},
        "queries": {"synthesizer": "vlm", "per_target": 1},
        "verify": {"stages": ["format", "geometry", "priors", "judge", "vlm_judge"]},
        "vlm": {"base_url": server.base_url, "model": "scripted", "max_retries": 1,
                "backoff_base": 0.01, "price_per_million": {"prompt": 1.0, "completion": 2.0},
                **vlm},
    }, base_dir=root)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_phantom_dataset(tmp_path_factory.mktemp("vlm") / "data", n_cases=2, seed=3,
                                 orientations=("RAS",))


def test_vlm_queries_are_verified_and_accounted(data: Path, tmp_path: Path) -> None:
    with ScriptedServer(good) as server:
        m = build(config(data, server), tmp_path / "out")
    kept, rejected = read_jsonl(tmp_path / "out" / "samples.jsonl"), read_jsonl(
        tmp_path / "out" / "rejects.jsonl")
    assert kept and all(s["provenance"]["synthesizer"] == "vlm:scripted" for s in kept)
    assert all(s["provenance"]["raw"] and s["verdicts"][-1]["stage"] == "vlm_judge" for s in kept)
    # "Find the lesion." cannot single out one of several lesions: verification rejects it
    # (as the same words for two targets of one image, or as ambiguous)
    assert any(r["verdicts"][-1]["reason"] in ("QUERY_DUPLICATE_IN_IMAGE", "AMBIGUOUS_QUERY")
               and r["query"] == "Find the lesion." for r in rejected)
    assert m["funnel"]["synthesized"] == len(kept) + len(rejected)
    usage = m["vlm"]
    assert usage["requests"] == len(server.requests) > 0
    assert usage["cost_usd"] == pytest.approx(
        (usage["prompt_tokens"] * 1.0 + usage["completion_tokens"] * 2.0) / 1e6)


def _liver_with(claims: list[dict[str, Any]]) -> Any:
    """A synthesizer that says where the liver is and states the given claims with it."""
    def script(i: int, body: dict[str, Any]) -> Reply:
        if "Write " in _text(body) and '\\"name\\": \\"liver\\"' in _text(body).split(
                "distractors")[-1]:
            return Reply(kind="json", content=json.dumps({"queries": [
                {"text": "Find the liver on the patient's right side.", "claims": claims}]}))
        return good(i, body)
    return script


@pytest.mark.parametrize(("claims", "reason"), [
    ([{"kind": "side", "value": "right", "frame": "patient"}], None),
    ([{"kind": "side", "value": "left", "frame": "patient"}], "CLAIMS_MISMATCH"),
    ([], "CLAIMS_MISMATCH"),  # a claim the model did not list
    ([{"kind": "side", "value": "sideways", "frame": "patient"}], "VLM_CLAIMS_INVALID"),
], ids=["stated", "contradicted", "unstated", "invalid"])
def test_stated_claims_must_be_the_texts(data: Path, tmp_path: Path,
                                         claims: list[dict[str, Any]], reason: str | None) -> None:
    with ScriptedServer(_liver_with(claims)) as server:
        build(config(data, server), tmp_path / "out")
    rows = read_jsonl(tmp_path / "out" / "samples.jsonl") + read_jsonl(
        tmp_path / "out" / "rejects.jsonl")
    liver = [r for r in rows if r["query"] == "Find the liver on the patient's right side."]
    assert liver
    for r in liver:
        failure = next((v for v in r["verdicts"] if not v["passed"]), None)
        assert (failure["reason"] if failure else None) == reason, r["verdicts"]


@pytest.mark.parametrize(("script", "stage", "reason"), [
    (lambda i, b: Reply(kind="text", content="Sure! Here are queries: none."), "synth",
     "VLM_OUTPUT_MALFORMED"),
    (lambda i, b: Reply(kind="status", status=400), "synth", "VLM_REQUEST_FAILED"),
    (lambda i, b: Reply(kind="malformed"), "synth", "VLM_REQUEST_FAILED"),
    (lambda i, b: Reply(kind="status", status=500), "synth", "VLM_REQUEST_FAILED"),
    (lambda i, b: Reply(kind="drop"), "synth", "VLM_REQUEST_FAILED"),
    (lambda i, b: good(i, b) if "Write " in _text(b) else Reply(kind="status", status=503),
     "vlm_judge", "VLM_JUDGE_UNAVAILABLE"),
    (lambda i, b: good(i, b) if "Write " in _text(b) else Reply(
        kind="json", content='{"supported": false, "unique": true, "reason": "empty box"}'),
     "vlm_judge", "VLM_JUDGE_UNSUPPORTED"),
    (lambda i, b: good(i, b) if "Write " in _text(b) else Reply(kind="text", content="yes"),
     "vlm_judge", "VLM_JUDGE_MALFORMED"),
], ids=["prose", "http-400", "broken-json", "http-500", "dropped", "judge-503", "judge-no",
        "judge-prose"])
def test_faults_end_as_counted_rejects(data: Path, tmp_path: Path, script: Any, stage: str,
                                       reason: str) -> None:
    with ScriptedServer(script) as server:
        m = build(config(data, server), tmp_path / "out")
    rejected = read_jsonl(tmp_path / "out" / "rejects.jsonl")
    reasons = [(r["verdicts"][-1]["stage"], r["verdicts"][-1]["reason"]) for r in rejected]
    assert (stage, reason) in reasons
    assert m["funnel"]["synthesized"] == len(rejected) + len(read_jsonl(
        tmp_path / "out" / "samples.jsonl"))
    assert read_manifest(tmp_path / "out")["counts"][f"rejected/{stage}/{reason}"] >= 1


_RUN = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from test_vlm_build import config
from medground.build import build
class S: base_url = sys.argv[2]
build(config(Path(sys.argv[1]), S, max_in_flight=1), Path(sys.argv[4]))
"""


def test_killed_build_resumes_without_repeating_answered_requests(data: Path,
                                                                  tmp_path: Path) -> None:
    stall = {"at": 6}

    def script(i: int, body: dict[str, Any]) -> Reply:
        reply = good(i, body)
        if i == stall["at"]:
            reply.delay = 60.0  # the build is killed while it waits for this answer
        return reply

    out = tmp_path / "out"
    with ScriptedServer(script) as server:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        proc = subprocess.Popen([sys.executable, "-c", _RUN, str(data), server.base_url,
                                 str(Path(__file__).parent), str(out)], env=env)
        try:
            deadline = time.monotonic() + 60
            while len(server.requests) <= stall["at"] and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(server.requests) > stall["at"], "the build never reached the stall"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        answered = [_text(b) for b in server.requests[: stall["at"]]]
        stall["at"] = -1
        first_run = len(server.requests)
        build(config(data, server, max_in_flight=1), out)
        again = [_text(b) for b in server.requests[first_run:]]
    assert not set(answered) & set(again)  # nothing answered before is asked again
    assert read_manifest(out)["funnel"]["synthesized"] > 0


def test_workers_share_one_cache(data: Path, tmp_path: Path) -> None:
    """Two worker processes write the same SQLite cache; a second build into another folder,
    pointed at that cache, sends no request at all. The judge also gets a close-up."""
    cache = tmp_path / "shared.sqlite"
    with ScriptedServer(good) as server:
        first = build(config(data, server, cache=str(cache), judge_crop=True), tmp_path / "a",
                      workers=2)
        sent = len(server.requests)
        second = build(config(data, server, cache=str(cache), judge_crop=True), tmp_path / "b",
                       workers=2)
        assert len(server.requests) == sent > 0
    assert second["vlm"]["requests"] == 0 and second["vlm"]["cache_hits"] == sent
    assert first["vlm"]["requests"] == sent
    judge = [b for b in server.requests if "close-up" in _text(b)]
    assert judge and all(_text(b).count("data:image/png") == 2 for b in judge)
    # answers from the cache give the same dataset, byte for byte
    for name in ("samples.jsonl", "rejects.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
