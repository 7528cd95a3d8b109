"""Cases in threads write what a sequential build writes, byte for byte: the template
synthesizer with the VLM judge (a scripted server with deterministic answers), 16 cases in
flight, ten times over."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from conftest import tree_bytes
from medground.build import build
from medground.config import BuildConfig, parse_config
from medground.stages.synth import grammar
from medground.testing.scripted_server import Reply, ScriptedServer

N_CASES = 16
RUNS = 10
#: manifest fields that describe the run, not the dataset: the one setting the builds differ
#: in, as the manifest's copy of the config records it
RUN_SPECIFIC = (("config", "vlm", "cases_in_flight"),)


@pytest.fixture
def few_sentence_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    """A handful of sentence forms instead of some two thousand: queries of a view collide
    often, so the synthesizer's per-view duplicate avoidance (the state once kept on the
    shared instance) decides on every view."""
    monkeypatch.setattr(grammar, "SINGLE_WRAPPERS", grammar.SINGLE_WRAPPERS[:4])
    monkeypatch.setattr(grammar, "MULTI_WRAPPERS", grammar.MULTI_WRAPPERS[:4])


@pytest.fixture
def switch_often() -> Iterator[None]:
    """Threads switch every few microseconds instead of every 5 ms, so that a race between
    cases (state shared on a stage) shows up in a few small builds."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small 2D cases with three to five lesions of different sizes each: single,
    disambiguation and multi queries, several per view, all written in one call."""
    root = tmp_path_factory.mktemp("threads") / "data"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(11)
    yy, xx = np.mgrid[:80, :80]
    for i in range(N_CASES):
        mask = np.zeros((80, 80), bool)
        for k in range(3 + i % 3):
            cy, cx = 14 + 17 * (k % 3) + i % 5, 16 + 22 * (k // 3) + (7 * i) % 11
            mask |= (yy - cy) ** 2 + (xx - cx) ** 2 <= (4 + (k * 3 + i) % 6) ** 2
        image = rng.normal(70, 9, (80, 80))
        image[mask] += 110
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(
            root / f"images/{i:02d}.png")
        Image.fromarray(mask.astype(np.uint8) * 255).save(root / f"masks/{i:02d}.png")
    return root


def judge(i: int, body: dict[str, Any]) -> Reply:
    """The same verdict for the same query, whenever it comes: some unsupported."""
    query = re.search(r"Query: (.*?)\\n", json.dumps(body["messages"]))
    digest = hashlib.sha256((query.group(1) if query else "").encode()).digest()
    return Reply(kind="json", content=json.dumps({
        "supported": digest[0] % 5 != 0, "unique": digest[1] % 7 != 0, "reason": "scripted"}))


def config(root: Path, server: ScriptedServer, cases_in_flight: int) -> BuildConfig:
    return parse_config({
        "name": "threads", "source": {"type": "folder2d", "root": str(root),
                                      "images": "images/*.png", "masks": "masks/{stem}.png",
                                      "mask_mode": "binary", "label": "lesion",
                                      "modality": "CT"},
        "queries": {"synthesizer": "template", "per_target": 2},
        "verify": {"stages": ["format", "geometry", "priors", "judge", "vlm_judge"]},
        "vlm": {"base_url": server.base_url, "model": "scripted", "max_retries": 0,
                "max_in_flight": 16, "cases_in_flight": cases_in_flight},
    }, base_dir=root)


def outputs(out: Path) -> dict[str, bytes]:
    files = tree_bytes(out)
    manifest = json.loads(files.pop("manifest.json"))
    for *parents, key in RUN_SPECIFIC:
        node = manifest
        for name in parents:
            node = node[name]
        del node[key]
    files["manifest.json"] = json.dumps(manifest, sort_keys=True).encode()
    return files


@pytest.mark.slow
@pytest.mark.usefixtures("switch_often", "few_sentence_forms")
def test_threaded_builds_are_byte_identical_to_the_sequential_one(data: Path,
                                                                 tmp_path: Path) -> None:
    with ScriptedServer(judge) as server:
        build(config(data, server, 1), tmp_path / "sequential")
        reference = outputs(tmp_path / "sequential")
        assert sum(k.endswith(".png") for k in reference) == N_CASES
        for name in ("samples.jsonl", "rejects.jsonl"):
            assert reference[name].count(b"\n") > N_CASES  # several samples per view
        assert b'"vlm_judge"' in reference["rejects.jsonl"]  # the judge does reject some
        for run in range(RUNS):
            out = tmp_path / f"threads-{run}"
            build(config(data, server, 16), out)
            got = outputs(out)
            differing = sorted(k for k in reference.keys() | got.keys()
                               if reference.get(k) != got.get(k))
            assert not differing, f"run {run}: {differing}"
