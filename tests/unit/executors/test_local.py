"""The local executor with a VLM: cases kept open together in threads (and in worker
processes), per-case usage that does not mix between threads, resume across pace settings."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from conftest import read_jsonl, read_manifest, tree_bytes
from medground.build import build
from medground.config import BuildConfig, parse_config
from medground.errors import ConfigError
from medground.executors.local import cases_at_once, config_hash, shard_path
from medground.testing.scripted_server import Reply, ScriptedServer

N_CASES = 8


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2D cases with one bright disc each: one synthesis and one judge request per case."""
    root = tmp_path_factory.mktemp("executor") / "data"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[:96, :96]
    for i in range(N_CASES):
        disc = (yy - 30 - 4 * i) ** 2 + (xx - 60 + 3 * i) ** 2 <= 14 ** 2
        image = rng.normal(80, 10, (96, 96, 3))
        image[disc] += 100
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(root / f"images/{i}.png")
        Image.fromarray((disc * 255).astype(np.uint8)).save(root / f"masks/{i}.png")
    return root


def config(root: Path, server: ScriptedServer, **vlm: Any) -> BuildConfig:
    return parse_config({
        "name": "ex", "source": {"type": "folder2d", "root": str(root), "images": "images/*.png",
                                 "masks": "masks/{stem}.png", "mask_mode": "binary",
                                 "label": "polyp", "modality": "endoscopy"},
        "queries": {"synthesizer": "vlm", "per_target": 1},
        "verify": {"stages": ["format", "geometry", "priors", "judge", "vlm_judge"]},
        "vlm": {"base_url": server.base_url, "model": "scripted", "max_retries": 0, **vlm},
    }, base_dir=root)


def answers(synth_together: int = 1) -> Any:
    """Good answers; synthesis requests wait until ``synth_together`` of them are held by the
    server at once, which only cases open at the same time can do (else: HTTP 500)."""
    barrier = threading.Barrier(synth_together) if synth_together > 1 else None

    def script(i: int, body: dict[str, Any]) -> Reply:
        if "Write " in json.dumps(body["messages"]):
            if barrier is not None:
                barrier.wait(timeout=10)
            return Reply(kind="json", content=json.dumps({"queries": ["Find the polyp."]}))
        return Reply(kind="json", content=json.dumps({"supported": True, "unique": True,
                                                      "reason": "clear"}))
    return script


def outputs(out: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree_bytes(out).items() if k.endswith((".jsonl", ".png"))}


def test_open_cases_default_and_offline_builds() -> None:
    with ScriptedServer() as s:
        assert cases_at_once(config(Path("."), s)) == 12  # 1.5 x max_in_flight's default (8)
        assert cases_at_once(config(Path("."), s, max_in_flight=100)) == 48
        assert cases_at_once(config(Path("."), s, cases_in_flight=3)) == 3
        volumes = config(Path("."), s, max_in_flight=100).model_copy(update={
            "source": parse_config({"source": {"type": "nifti", "root": ".",
                                               "images": "*.nii.gz", "labels": "{case}.nii.gz"}},
                                   base_dir=Path(".")).source})
        # a volume case sends all its views' requests: two, fewer when memory is short
        assert cases_at_once(volumes) == 2
    offline = parse_config({"source": {"type": "folder2d", "root": ".", "images": "*.png",
                                       "masks": "{stem}.png"}}, base_dir=Path("."))
    assert cases_at_once(offline) == 1  # CPU-bound stages: no threads


@pytest.mark.parametrize("workers", [1, 2])
def test_cases_are_open_together_and_the_dataset_does_not_change(data: Path, tmp_path: Path,
                                                                 workers: int) -> None:
    with ScriptedServer(answers()) as s:
        one_by_one = build(config(data, s, cases_in_flight=1), tmp_path / "one")
    with ScriptedServer(answers(synth_together=4)) as s:
        together = build(config(data, s, cases_in_flight=4, max_in_flight=8),
                         tmp_path / "four", workers=workers)
        assert s.peak_in_flight >= 4 and len(s.requests) == 2 * N_CASES
    assert together["counts"]["kept"] == one_by_one["counts"]["kept"] == N_CASES
    assert outputs(tmp_path / "four") == outputs(tmp_path / "one")


def test_usage_is_counted_per_case_while_cases_share_a_client(data: Path,
                                                              tmp_path: Path) -> None:
    with ScriptedServer(answers(synth_together=4)) as s:
        manifest = build(config(data, s, cases_in_flight=4), tmp_path / "out")
        sent = len(s.requests)
    for sample in read_jsonl(tmp_path / "out" / "samples.jsonl"):
        shard = json.loads(shard_path(tmp_path / "out", sample["case"]).read_text())
        assert shard["counts"]["vlm/requests"] == 2  # its own synthesis and judge, no other's
    assert manifest["vlm"]["requests"] == sent == 2 * N_CASES


def test_resume_with_other_pace_settings(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with ScriptedServer(answers()) as s:
        first = config(data, s, max_in_flight=2)
        build(first, out)
    with ScriptedServer(answers()) as s2:  # another port, another pace: same dataset
        again = config(data, s2, max_in_flight=16, cases_in_flight=8, requests_per_minute=600)
        assert config_hash(again) == config_hash(first)
        build(again, out)
        assert len(s2.requests) == 0  # every case was already done
        other_model = config(data, s2, model="another")
        assert config_hash(other_model) != config_hash(first)
        with pytest.raises(ConfigError, match="different configuration"):
            build(other_model, out)
    assert read_manifest(out)["counts"]["kept"] == N_CASES
