"""Claim: a VLM build keeps the server busy even when each case has only a request or two.

A 2D data set (Kvasir-like: one image, one lesion per case) gives the VLM one synthesis and
one judge request per case, one after the other. Run one case at a time, a build keeps a
single request in flight whatever ``max_in_flight`` says. The executor therefore keeps
``vlm.cases_in_flight`` cases open per worker.

Against the scripted OpenAI-compatible server with a fixed latency (200 ms), this builds N
synthetic cases with VLM synthesis and the VLM judge, ``max_in_flight: 16``, one worker, and
reports the requests per second as a share of the ideal (max_in_flight / latency), for the
baseline (``cases_in_flight: 1``, the behaviour before) and the default. Target: the default
reaches >= 60 % of ideal and >= 5x the baseline; both builds give byte-identical datasets.

    .venv/bin/python benchmarks/vlm_build_concurrency.py [--cases 96] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from medground.build import build
from medground.config import VLMConfig, parse_config
from medground.testing.scripted_server import Reply, ScriptedServer


def write_cases(root: Path, n: int, seed: int = 0) -> Path:
    """n RGB images with one bright disc each on a textured background, and binary masks."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    yy, xx = np.mgrid[:192, :192]
    for i in range(n):
        cy, cx, r = rng.integers(50, 142), rng.integers(50, 142), rng.integers(18, 34)
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        image = rng.normal(90, 12, (192, 192, 3))
        image[disc] += 90
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(root / "images" / f"{i:04d}.png")
        Image.fromarray((disc * 255).astype(np.uint8)).save(root / "masks" / f"{i:04d}.png")
    return root


def answer(i: int, body: dict[str, Any]) -> Reply:
    text = json.dumps(body["messages"])
    if "Write " in text:  # synthesis
        return Reply(kind="json", content=json.dumps({"queries": ["Find the polyp."]}))
    return Reply(kind="json", content=json.dumps({"supported": True, "unique": True,
                                                  "reason": "clear"}))


def config(root: Path, base_url: str, cases_in_flight: int | None) -> Any:
    return parse_config({
        "name": "bench", "source": {"type": "folder2d", "root": str(root),
                                    "images": "images/*.png", "masks": "masks/{stem}.png",
                                    "mask_mode": "binary", "label": "polyp",
                                    "modality": "endoscopy"},
        "queries": {"synthesizer": "vlm", "per_target": 1},
        "verify": {"stages": ["format", "geometry", "priors", "judge", "vlm_judge"]},
        "vlm": {"base_url": base_url, "model": "scripted", "max_in_flight": 16,
                "cases_in_flight": cases_in_flight},
    }, base_dir=root)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=96)
    ap.add_argument("--latency", type=float, default=0.2)
    args = ap.parse_args()
    default = VLMConfig(base_url="http://unused", model="m", max_in_flight=16).open_cases(False)
    with tempfile.TemporaryDirectory() as tmp, \
            ScriptedServer(answer, latency=args.latency) as server:
        data = write_cases(Path(tmp) / "data", args.cases)
        ideal = 16 / args.latency
        print(f"{args.cases} cases, {args.latency * 1000:.0f} ms latency, max_in_flight 16 "
              f"(ideal {ideal:.0f} req/s), 1 worker")
        print(f"{'cases_in_flight':>15s} {'requests':>8s} {'seconds':>8s} {'req/s':>7s} "
              f"{'of ideal':>9s} {'kept':>5s}")
        rate: dict[str, float] = {}
        outputs: dict[str, bytes] = {}
        for name, k in (("baseline", 1), ("default", None)):
            out = Path(tmp) / f"out-{name}"
            sent = len(server.requests)
            t0 = time.perf_counter()
            manifest = build(config(data, server.base_url, k), out)
            seconds = time.perf_counter() - t0
            n = len(server.requests) - sent
            rate[name] = n / seconds
            outputs[name] = (out / "samples.jsonl").read_bytes() + \
                (out / "rejects.jsonl").read_bytes()
            label = f"{k or default} ({name})"
            print(f"{label:>15s} {n:>8d} {seconds:>8.2f} {rate[name]:>7.1f} "
                  f"{rate[name] / ideal:>8.1%} {manifest['counts']['kept']:>5d}")
    share, speedup = rate["default"] / ideal, rate["default"] / rate["baseline"]
    same = outputs["baseline"] == outputs["default"]
    met = share >= 0.60 and speedup >= 5 and same
    print(f"default, {default} cases in flight: {share:.1%} of ideal, {speedup:.1f}x the "
          f"baseline, datasets {'identical' if same else 'DIFFERENT'}")
    print(f"target >= 60% of ideal, >= 5x the baseline, identical output: "
          f"{'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
