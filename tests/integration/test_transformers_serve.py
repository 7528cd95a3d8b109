"""End to end against a real OpenAI-compatible server: ``transformers serve`` on 127.0.0.1 serving
a tiny, randomly initialised LLaVA built offline, asked about a PNG through the ``openai`` client.

Needs the optional ``vlm-test`` tools (torch CPU wheel first, then ``transformers[serving]`` and
``tokenizers``; never torchvision) and skips without them. The answer is nonsense by design.
"""

from __future__ import annotations

import base64
import io
import json
import socket
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

QUESTION = "Where is the liver in this image?"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _png_data_url() -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (48, 40), (20, 20, 20))
    ImageDraw.Draw(image).ellipse((10, 8, 30, 26), fill=(220, 60, 60))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server by its PID: SIGTERM, then SIGKILL if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_tiny_llava_answers_an_image_question(tmp_path: Path) -> None:
    reason = "needs the vlm-test tools: torch (CPU wheel), transformers[serving], tokenizers"
    pytest.importorskip("torch", reason=reason)
    pytest.importorskip("transformers", reason=reason)
    pytest.importorskip("tokenizers", reason=reason)
    pytest.importorskip("fastapi", reason=reason)
    pytest.importorskip("uvicorn", reason=reason)
    openai = pytest.importorskip("openai")

    from medground.testing.tiny_llava import build_tiny_llava, serve, served_model_id, wait_ready

    t0 = time.monotonic()
    folder = build_tiny_llava(tmp_path / "tiny-llava")
    t_build = time.monotonic() - t0

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        t0 = time.monotonic()
        proc = serve(folder, port, hf_home=tmp_path / "hf-home", log=log)
        try:
            try:
                models = wait_ready(base_url, timeout=180.0, proc=proc)
            except (RuntimeError, TimeoutError) as exc:
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
                pytest.fail(f"{exc}\n--- server log ---\n{tail}")
            t_start = time.monotonic() - t0
            assert models.get("object") == "list"

            client = openai.OpenAI(base_url=base_url, api_key="x", timeout=120.0, max_retries=0)
            t0 = time.monotonic()
            try:
                completion = client.chat.completions.create(
                    model=served_model_id(folder),
                    messages=[
                        {
                            "role": "user",
                            "content": [
                                {"type": "image_url", "image_url": {"url": _png_data_url()}},
                                {"type": "text", "text": QUESTION},
                            ],
                        }
                    ],
                    max_tokens=8,
                )
            except openai.APIError as exc:
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
                pytest.fail(f"request failed: {exc!r}\n--- server log ---\n{tail}")
            t_request = time.monotonic() - t0
        finally:
            _stop(proc)

    assert completion.choices, completion
    answer = completion.choices[0].message.content
    assert isinstance(answer, str)  # nonsense from random weights, but a string
    assert completion.choices[0].finish_reason in ("stop", "length")
    if completion.usage is not None:
        # 16 <image> placeholders (4 x 4 patches) alone exceed this; the answer is <= max_tokens
        assert completion.usage.prompt_tokens > 16
        assert 0 <= completion.usage.completion_tokens <= 8
        assert completion.usage.total_tokens == (
            completion.usage.prompt_tokens + completion.usage.completion_tokens
        )
    print(
        f"\ntiny LLaVA: build {t_build:.2f} s, server ready {t_start:.2f} s, "
        f"request {t_request:.2f} s, answer {answer!r}, usage {completion.usage}"
    )


def test_demo_phantom_builds_through_tiny_llava(tmp_path: Path) -> None:
    """The demo phantom built end to end with VLM synthesis and the VLM judge through the tiny
    LLaVA: its answers are nonsense, so every sample must end rejected with a reason, counted."""
    reason = "needs the vlm-test tools: torch (CPU wheel), transformers[serving], tokenizers"
    for module in ("torch", "transformers", "tokenizers", "fastapi", "uvicorn"):
        pytest.importorskip(module, reason=reason)
    from medground.build import build
    from medground.config import parse_config
    from medground.demo.phantom import write_phantom_dataset
    from medground.testing.tiny_llava import build_tiny_llava, serve, served_model_id, wait_ready

    folder = build_tiny_llava(tmp_path / "tiny-llava")
    data = write_phantom_dataset(tmp_path / "data", n_cases=1, seed=0, orientations=("LPS",))
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = serve(folder, port, hf_home=tmp_path / "hf-home", log=log)
        try:
            wait_ready(base_url, timeout=180.0, proc=proc)
            cfg = parse_config({
                "name": "tiny-llava-demo",
                "source": {"type": "nifti", "root": str(data), "dataset_json": "dataset.json"},
                "slicing": {"planes": ["axial"]},
                "queries": {"synthesizer": "vlm"},
                "verify": {"stages": ["format", "geometry", "priors", "judge", "vlm_judge"]},
                "vlm": {"base_url": base_url, "model": served_model_id(folder), "max_tokens": 16,
                        "structured_output": False, "max_in_flight": 2, "max_retries": 1,
                        "backoff_base": 0.05},
            }, base_dir=tmp_path)
            manifest = build(cfg, tmp_path / "out")
        finally:
            _stop(proc)
    funnel = manifest["funnel"]
    rejected = [json.loads(line) for line in
                (tmp_path / "out" / "rejects.jsonl").read_text().splitlines()]
    kept = (tmp_path / "out" / "samples.jsonl").read_text().splitlines()
    assert funnel["synthesized"] > 5 and funnel["synthesized"] == len(rejected) + len(kept)
    assert all(r["verdicts"] and not r["verdicts"][-1]["passed"] for r in rejected)
    assert len(rejected) >= 0.9 * funnel["synthesized"], funnel  # nonsense does not pass
    assert manifest["vlm"]["requests"] > 5 and manifest["vlm"]["errors"] == 0
    reasons = {r["verdicts"][-1]["reason"] for r in rejected}
    assert reasons, "rejects carry reasons"
    print(f"\ntiny LLaVA demo build: {funnel['synthesized']} samples, reasons {sorted(reasons)}")
