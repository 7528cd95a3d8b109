"""examples/kvasir_seg_vlm.yaml builds Kvasir-SEG with VLM synthesis and the VLM judge; here the
server is the scripted one (only the base_url is changed), answering like a well-behaved VLM."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, read_jsonl
from medground.build import build
from medground.config import load_config
from medground.testing.scripted_server import Reply, ScriptedServer

pytestmark = pytest.mark.integration


def answer(i: int, body: dict[str, Any]) -> Reply:
    text = json.dumps(body["messages"])
    if "Write " in text:
        facts = json.loads(text.split("Facts (JSON): ")[1].split("\\n")[0].replace('\\"', '"'))
        n = len(facts["distractors"])
        which = "the larger polyp" if n and facts["target"]["area_px"] > max(
            d["area_px"] for d in facts["distractors"]) else (
            "the smaller polyp" if n else "the polyp")
        return Reply(kind="json", content=json.dumps(
            {"queries": [f"Find {which}.", f"Where is {which}?"]}))
    return Reply(kind="json", content='{"supported": true, "unique": true, "reason": "ok"}')


def test_vlm_example_builds(shared_data: Path, tmp_path: Path) -> None:
    cfg = load_config(EXAMPLES / "kvasir_seg_vlm.yaml")
    assert cfg.vlm is not None and cfg.vlm.base_url == "http://127.0.0.1:8000/v1"
    with ScriptedServer(answer) as server:
        cfg = cfg.model_copy(update={"vlm": cfg.vlm.model_copy(update={"base_url": server.base_url})})
        manifest = build(cfg, tmp_path / "out")
        requests = len(server.requests)
        build(cfg, tmp_path / "again")  # a fresh output folder: its own cache, same answers
    kept = read_jsonl(tmp_path / "out" / "samples.jsonl")
    assert len(kept) >= 8 and {s["task"] for s in kept} >= {"single", "disambiguation"}
    assert all(s["provenance"]["synthesizer"].startswith("vlm:") for s in kept)
    assert manifest["vlm"]["requests"] == requests > 0
    two = [s["query"] for s in kept if s["case"] == "cju0roawvklrq0799vmjorwfv"]
    assert any("larger" in q for q in two) and any("smaller" in q for q in two)
