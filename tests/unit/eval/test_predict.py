"""predict_dataset and ``medground predict`` against a scripted OpenAI-compatible server."""

from __future__ import annotations

import base64
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from conftest import read_jsonl
from medground.build import build
from medground.cli import app
from medground.demo.phantom import write_phantom_dataset
from medground.demo.run import demo_config
from medground.eval.boxes import BOX_FORMATS, from_pixels
from medground.eval.predict import PROMPT_VERSION, predict_dataset
from medground.llm.cache import RequestCache
from medground.llm.client import ClientConfig
from medground.testing.scripted_server import Reply, ScriptedServer

Script = Callable[[int, dict[str, Any]], Reply]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("predict")
    write_phantom_dataset(tmp / "data", n_cases=1, seed=0)
    out = tmp / "ds"
    build(demo_config(tmp / "data", planes=("axial",)), out)
    samples = read_jsonl(out / "samples.jsonl")
    assert len(samples) >= 10 and len({s["query"] for s in samples}) == len(samples)
    return out


def _parts(body: dict[str, Any]) -> tuple[str, Image.Image]:
    [message] = body["messages"]
    image = next(p for p in message["content"] if p["type"] == "image_url")
    text = next(p for p in message["content"] if p["type"] == "text")["text"]
    url = image["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    png = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert png.format == "PNG"
    return text, png


def _query(text: str) -> str:
    return text.split('Request: "', 1)[1].split('"\n', 1)[0]


def _write(fmt: str, boxes: list[tuple[float, ...]]) -> str:
    """A box answer as the model family writes it, wrapped in some prose."""
    if fmt in ("qwen2.5-vl", "qwen3-vl"):
        items = [{"bbox_2d": [int(v) for v in b], "label": "target"} for b in boxes]
        return "Here it is:\n```json\n" + json.dumps(items, indent=2) + "\n```"
    if fmt == "qwen2-vl":
        return "".join(f"<|object_ref_start|>target<|object_ref_end|><|box_start|>"
                       f"({b[0]:.0f},{b[1]:.0f}),({b[2]:.0f},{b[3]:.0f})<|box_end|>" for b in boxes)
    if fmt.startswith("internvl"):
        inner = ", ".join(f"[{b[0]:.0f}, {b[1]:.0f}, {b[2]:.0f}, {b[3]:.0f}]" for b in boxes)
        return f"<ref>target</ref><box>[{inner}]</box>"
    return "The answer is " + json.dumps([list(b) for b in boxes]) + "."


def oracle(dataset: Path, fmt: str, special: dict[str, Reply] | None = None) -> Script:
    """Answers each request with the true boxes in ``fmt``, computed from the request itself
    (the query in the prompt, the size of the image as sent); ``special`` overrides by query."""
    samples = {s["query"]: s for s in read_jsonl(dataset / "samples.jsonl")}

    def script(_i: int, body: dict[str, Any]) -> Reply:
        text, png = _parts(body)
        sample = samples[_query(text)]
        if special and sample["query"] in special:
            return special[sample["query"]]
        (sw, sh), w, h = png.size, sample["width"], sample["height"]
        boxes = [from_pixels((x1 * sw / w, y1 * sh / h, x2 * sw / w, y2 * sh / h), fmt, sw, sh)
                 for x1, y1, x2, y2 in (t["box"] for t in sample["targets"])]
        return Reply(content=_write(fmt, boxes), prompt_tokens=100, completion_tokens=20)

    return script


def cfg(*urls: str, **kw: Any) -> ClientConfig:
    return ClientConfig(base_urls=urls, model="m", backoff_base=0.01, **kw)


def run(dataset: Path, tmp: Path, server: ScriptedServer, fmt: str, **kw: Any) -> dict[str, Any]:
    cache = RequestCache(tmp / "cache.sqlite")
    try:
        return predict_dataset(dataset, tmp / "pred.jsonl", cfg(server.base_url), fmt, cache, **kw)
    finally:
        cache.close()


@pytest.mark.parametrize("fmt", BOX_FORMATS)
def test_every_format_recovers_the_targets(dataset: Path, tmp_path: Path, fmt: str) -> None:
    samples = read_jsonl(dataset / "samples.jsonl")
    with ScriptedServer(oracle(dataset, fmt)) as server:
        summary = run(dataset, tmp_path, server, fmt)
        first = read_jsonl(tmp_path / "pred.jsonl")
        n = len(samples)
        assert summary == {"n": n, "parsed": n, "failed_parse": 0, "request_errors": 0,
                           "prompt_tokens": 100 * n, "completion_tokens": 20 * n, "cached": 0}
        assert len(server.requests) == n
        assert [r["id"] for r in first] == [s["id"] for s in samples]
        for rec, sample in zip(first, samples, strict=True):
            assert rec["query"] == sample["query"] and rec["box_format"] == fmt
            assert rec["parse_ok"] and rec["error"] is None and rec["raw"]
            want = [t["box"] for t in sample["targets"]]
            assert len(rec["boxes_px"]) == len(want)
            for got, box in zip(rec["boxes_px"], want, strict=True):
                assert got == pytest.approx(box, abs=0.6)  # within the format's quantization
            assert rec["usage"] == {"prompt_tokens": 100, "completion_tokens": 20, "cached": False}

        # the same run again is answered from the cache: no new request
        again = run(dataset, tmp_path, server, fmt)
        assert len(server.requests) == n
        assert again["cached"] == n and again["parsed"] == n
        second = read_jsonl(tmp_path / "pred.jsonl")
        assert [r["boxes_px"] for r in second] == [r["boxes_px"] for r in first]
        assert all(r["usage"]["cached"] for r in second)


@pytest.mark.parametrize(("fmt", "sent", "needle"), [
    ("qwen2.5-vl", [84, 84], "84 pixels wide and 84 pixels high"),
    ("qwen2-vl", [96, 80], "<|box_start|>(x1,y1),(x2,y2)<|box_end|>"),
    ("qwen3-vl", [96, 80], "integers from 0 to 1000"),
    ("internvl", [96, 80], "integers from 0 to 1000"),
    ("internvl-999", [96, 80], "integers from 0 to 999"),
    ("normalized", [96, 80], "decimal numbers from 0 to 1"),
])
def test_requests(dataset: Path, tmp_path: Path, fmt: str, sent: list[int], needle: str) -> None:
    with ScriptedServer(oracle(dataset, fmt)) as server:
        run(dataset, tmp_path, server, fmt, limit=3)
    assert len(server.requests) == 3
    body = server.requests[0]
    text, png = _parts(body)
    assert needle in text and list(png.size) == sent
    assert "prompt_version" not in body and body["model"] == "m" and body["temperature"] == 0
    [rec, *_] = read_jsonl(tmp_path / "pred.jsonl")
    assert rec["image_size_sent"] == sent
    assert PROMPT_VERSION == "predict-v1"


def test_failures_are_recorded_not_dropped(dataset: Path, tmp_path: Path) -> None:
    samples = read_jsonl(dataset / "samples.jsonl")[:10]
    chatty, rejected = samples[2]["query"], samples[5]["query"]
    special = {chatty: Reply(content="I am sorry, I cannot locate that structure [no box]."),
               rejected: Reply(kind="status", status=400)}
    with ScriptedServer(oracle(dataset, "qwen3-vl", special)) as server:
        summary = run(dataset, tmp_path, server, "qwen3-vl", limit=10)
        recs = read_jsonl(tmp_path / "pred.jsonl")
        assert summary["n"] == 10 and summary["parsed"] == 8
        assert summary["failed_parse"] == 1 and summary["request_errors"] == 1
        assert [r["id"] for r in recs] == [s["id"] for s in samples]
        bad = recs[2]
        assert bad["raw"].startswith("I am sorry") and bad["error"] is None
        assert not bad["parse_ok"] and bad["boxes_px"] == []
        err = recs[5]
        assert err["raw"] is None and "400" in err["error"]
        assert not err["parse_ok"] and err["boxes_px"] == []
        assert err["usage"] == {"prompt_tokens": 0, "completion_tokens": 0, "cached": False}
        assert len(server.requests) == 10

        # errors are not cached: a second run asks again for that one sample only
        again = run(dataset, tmp_path, server, "qwen3-vl", limit=10)
        assert len(server.requests) == 11
        assert again["cached"] == 9 and again["request_errors"] == 1 and again["failed_parse"] == 1


def test_bad_arguments(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown box format"):
        predict_dataset(dataset, tmp_path / "p.jsonl", cfg("http://127.0.0.1:9/v1"), "xyxy", None)
    with pytest.raises(FileNotFoundError, match=r"samples\.jsonl"):
        predict_dataset(tmp_path, tmp_path / "p.jsonl", cfg("http://127.0.0.1:9/v1"), "internvl",
                        None)


def test_cli(dataset: Path, tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    shutil.copytree(dataset, ds)
    runner = CliRunner()
    with ScriptedServer(oracle(ds, "internvl")) as a, ScriptedServer(oracle(ds, "internvl")) as b:
        args = ["predict", str(ds), "--base-url", a.base_url, "--base-url", b.base_url,
                "--model", "org/model-7b", "--box-format", "internvl", "--limit", "12",
                "--max-in-flight", "4"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        out = ds / "predictions-org_model-7b.jsonl"
        assert result.stdout.strip().splitlines()[-1] == str(out)
        assert "parsed" in result.stderr and "12" in result.stderr
        recs = read_jsonl(out)
        assert len(recs) == 12 and all(r["parse_ok"] for r in recs)
        assert len(a.requests) + len(b.requests) == 12
        assert (ds / ".medground" / "vlm.sqlite").is_file()

        explicit = tmp_path / "elsewhere" / "p.jsonl"
        result = runner.invoke(app, [*args, "--out", str(explicit),
                                     "--cache", str(tmp_path / "c.sqlite")])
        assert result.exit_code == 0, result.output
        assert len(read_jsonl(explicit)) == 12 and (tmp_path / "c.sqlite").is_file()
        assert len(a.requests) + len(b.requests) == 24  # a new cache: asked again

    bad = runner.invoke(app, ["predict", str(ds), "--base-url", "http://x/v1", "--model", "m",
                              "--box-format", "yolo"])
    assert bad.exit_code == 2 and "yolo" in bad.output
    missing = runner.invoke(app, ["predict", str(tmp_path / "nowhere"), "--base-url",
                                  "http://x/v1", "--model", "m", "--box-format", "normalized"])
    assert missing.exit_code == 2 and "samples.jsonl" in missing.output
