"""Malformed VLM answers among good ones (HTTP 200 with a null message, no choices, a null
content, prose where JSON is asked for, JSON off the schema): each rejects its own sample with
a stable reason and a detail naming the problem; the other answers of the batch are kept and
the build goes on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from conftest import read_jsonl, read_manifest
from medground.build import build
from medground.config import BuildConfig, parse_config
from medground.llm.client import ClientConfig, VLMClient
from medground.testing.scripted_server import Reply, ScriptedServer


def _body(content: Any = None, message: Any = "absent", choices: Any = "absent") -> Reply:
    msg = {"role": "assistant", "content": content} if message == "absent" else message
    ch = [{"index": 0, "message": msg, "finish_reason": "stop"}] if choices == "absent" \
        else choices
    return Reply(kind="body", body={"id": "x", "object": "chat.completion", "created": 0,
                                    "model": "scripted", "choices": ch})


#: bad answer -> (its problem as the client or the parser reports it, judge reason, synth reason)
BAD: dict[str, tuple[Reply, str, str, str]] = {
    "null-message": (_body(message=None), "choices[0].message is null",
                     "VLM_JUDGE_UNAVAILABLE", "VLM_REQUEST_FAILED"),
    "null-choice": (_body(choices=[None]), "choices[0].message is null",
                    "VLM_JUDGE_UNAVAILABLE", "VLM_REQUEST_FAILED"),
    "no-choices": (Reply(kind="empty_choices"), "no choices",
                   "VLM_JUDGE_UNAVAILABLE", "VLM_REQUEST_FAILED"),
    "content-number": (_body(content=42), "content is a int, not text",
                       "VLM_JUDGE_UNAVAILABLE", "VLM_REQUEST_FAILED"),
    "null-content": (_body(content=None), "message content is null",
                     "VLM_JUDGE_MALFORMED", "VLM_OUTPUT_MALFORMED"),
    "prose": (Reply(content="Looks right to me."), "no JSON object",
              "VLM_JUDGE_MALFORMED", "VLM_OUTPUT_MALFORMED"),
    "off-schema": (Reply(kind="json", content='{"supported": "maybe", "queries": 3}'),
                   "JSON does not match the schema", "VLM_JUDGE_MALFORMED",
                   "VLM_OUTPUT_MALFORMED"),
    "deep-json": (Reply(content="[" * 100_000), "no JSON object",
                  "VLM_JUDGE_MALFORMED", "VLM_OUTPUT_MALFORMED"),
}


def test_the_client_answers_every_request_of_a_batch() -> None:
    """Bad answers at every other position: each is its own Completion; before, a null
    message raised AttributeError out of ``run`` and the whole batch was lost."""
    bad = list(BAD.values())

    def script(i: int, body: dict[str, Any]) -> Reply:
        n = int(body["messages"][0]["content"])
        return bad[n // 2][0] if n % 2 else Reply(content=f"good {n}")

    requests = [{"messages": [{"role": "user", "content": str(n)}], "prompt_version": "t"}
                for n in range(2 * len(bad))]
    with ScriptedServer(script) as s, VLMClient(ClientConfig(
            base_urls=(s.base_url,), model="m", max_retries=1, backoff_base=0.01)) as c:
        answers = c.run(requests)
    assert len(answers) == len(requests)
    for n, answer in enumerate(answers):
        if n % 2 == 0:
            assert answer.text == f"good {n}" and answer.error is None
            continue
        reply, problem, judge_reason, _ = bad[n // 2]
        if judge_reason == "VLM_JUDGE_UNAVAILABLE":  # an envelope with nothing to read
            assert answer.text is None and answer.error is not None and problem in answer.error
            assert answer.attempts == 2  # retried once, like a dropped connection
        else:  # an answer whose text the caller cannot use: no error, its text as sent
            assert answer.error is None and answer.text == (
                reply.body["choices"][0]["message"]["content"] if reply.kind == "body"
                else reply.content)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2D cases, each with a large and a small polyp (two targets: two synthesis requests
    in one batch)."""
    root = tmp_path_factory.mktemp("bad_answers") / "data"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[:96, :96]
    for i in range(3):
        large = (yy - 30 - 3 * i) ** 2 + (xx - 30) ** 2 <= 14 ** 2
        small = (yy - 68) ** 2 + (xx - 66 + 2 * i) ** 2 <= 8 ** 2
        image = rng.normal(80, 10, (96, 96, 3))
        image[large | small] += 100
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(root / f"images/{i}.png")
        Image.fromarray(((large | small) * 255).astype(np.uint8)).save(root / f"masks/{i}.png")
    return root


def config(root: Path, server: ScriptedServer) -> BuildConfig:
    return parse_config({
        "name": "bad", "source": {"type": "folder2d", "root": str(root),
                                  "images": "images/*.png", "masks": "masks/{stem}.png",
                                  "mask_mode": "binary", "label": "polyp",
                                  "modality": "endoscopy"},
        "queries": {"synthesizer": "vlm", "per_target": 3},
        "verify": {"stages": ["format", "vlm_judge"]},
        "vlm": {"base_url": server.base_url, "model": "scripted", "max_retries": 0},
    }, base_dir=root)


def _text(body: dict[str, Any]) -> str:
    return json.dumps(body["messages"])


def _is_large(body: dict[str, Any]) -> bool:
    facts = json.loads(_text(body).split("Facts (JSON): ")[1].split("\\n")[0].replace('\\"', '"'))
    return bool(facts["target"]["area_px"] > 400)


QUERIES = {True: ["Find the larger polyp.", "Locate the bigger polyp.", "Mark the larger polyp."],
           False: ["Find the smaller polyp.", "Locate the little polyp.",
                   "Mark the smaller polyp."]}
JUDGED_BAD = "Locate the "  # the judge answers badly for these queries


def _script(bad: Reply, where: str) -> Any:
    def script(i: int, body: dict[str, Any]) -> Reply:
        if "Write " in _text(body):
            if where == "synth" and _is_large(body):
                return bad
            return Reply(kind="json", content=json.dumps({"queries": QUERIES[_is_large(body)]}))
        if where == "judge" and JUDGED_BAD in _text(body):
            return bad
        return Reply(kind="json", content=json.dumps({"supported": True, "unique": True,
                                                      "reason": "clear"}))
    return script


def _verdict(record: dict[str, Any]) -> dict[str, Any]:
    return next(v for v in record["verdicts"] if not v["passed"])


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_judge_answer_rejects_its_sample_only(data: Path, tmp_path: Path,
                                                    kind: str) -> None:
    bad, problem, reason, _ = BAD[kind]
    out = tmp_path / "out"
    with ScriptedServer(_script(bad, "judge")) as server:
        manifest = build(config(data, server), out)
    assert read_jsonl(out / "errors.jsonl") == [] and manifest["cases"]["failed"] == 0
    kept, rejected = read_jsonl(out / "samples.jsonl"), read_jsonl(out / "rejects.jsonl")
    judged_bad = [r for r in rejected if r["query"].startswith(JUDGED_BAD)]
    assert len(judged_bad) == 6  # both targets of the three cases
    for r in judged_bad:
        v = _verdict(r)
        assert (v["stage"], v["reason"]) == ("vlm_judge", reason) and problem in v["detail"]
    # the other answers of the same batches are kept
    assert {s["query"] for s in kept} == {q for qs in QUERIES.values() for q in qs
                                         if not q.startswith(JUDGED_BAD)}
    assert len(kept) == 12 and len(rejected) == 6
    counts = read_manifest(out)["counts"]
    assert counts[f"rejected/vlm_judge/{reason}"] == 6


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_synthesis_answer_is_a_reject_of_its_target_only(data: Path, tmp_path: Path,
                                                               kind: str) -> None:
    bad, problem, _, reason = BAD[kind]
    out = tmp_path / "out"
    with ScriptedServer(_script(bad, "synth")) as server:
        manifest = build(config(data, server), out)
    assert read_jsonl(out / "errors.jsonl") == [] and manifest["cases"]["failed"] == 0
    rows = read_jsonl(out / "samples.jsonl") + read_jsonl(out / "rejects.jsonl")
    synth_failed = [r for r in rows if _verdict_or_none(r, "synth")]
    assert len(synth_failed) == 3  # the large polyp of each case: one record each
    for r in synth_failed:
        v = _verdict(r)
        assert v["reason"] == reason and problem in v["detail"], v
        assert r["targets"][0]["area"] > 400
    # the small polyp's answer, in the same batch, went on to be judged
    others = [r for r in rows if r not in synth_failed]
    assert len(others) == 9 and all(r["targets"][0]["area"] < 400 for r in others)
    assert all(r["verdicts"][-1]["stage"] in ("format", "vlm_judge") for r in others)
    assert manifest["counts"][f"rejected/synth/{reason}"] == 3


def _verdict_or_none(record: dict[str, Any], stage: str) -> bool:
    return any(not v["passed"] and v["stage"] == stage for v in record["verdicts"])
