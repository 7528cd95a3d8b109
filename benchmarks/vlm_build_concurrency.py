"""Claim: a VLM build keeps the server busy, for 2D images and for volumes alike.

Two sources, each built with VLM synthesis and the VLM judge against a scripted
OpenAI-compatible server with a fixed latency (200 ms), ``max_in_flight: 16``, one worker:

- ``2d``: Kvasir-like cases, one image and one lesion each: one synthesis and one judge
  request per case, one after the other, so only cases open together (``cases_in_flight``)
  keep requests in flight;
- ``volumes``: the demo phantom (``medground demo``'s data, axial and coronal views): dozens
  of requests per case, which go out as soon as each view is ready (synthesis) and each
  sample has passed the offline checks (judge), the cases open together chosen by the memory
  budget.

For each it prints the requests per second, the most requests the server held at once and
the mean it held over the build, and the rate as a share of the ideal (max_in_flight /
latency = 80 requests/s), and checks that the dataset is byte for byte the one a sequential
build writes (one case and one request at a time, against the same script without latency).
A warm-up build of other cases of the same kind runs first (imports, the spelling
dictionary); the sequential reference runs after the measured build, so that no cache of the
measured cases' own queries is warm when it is timed.
The build's CPU time per request is printed too: a build whose offline stages need more CPU
per request than the server's latency / max_in_flight cannot reach the ideal in one process
whatever its scheduling (the ``cpu ceiling`` column). Target: >= 80 % of ideal for both,
with identical datasets.

The server runs in a process of its own, as a real one would: in the build's process its
threads would compete with the build for the interpreter.

    .venv/bin/python benchmarks/vlm_build_concurrency.py [--only 2d|volumes] [--cases-2d 96]
        [--cases-volumes 8] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from medground.build import build
from medground.config import BuildConfig, parse_config
from medground.demo.phantom import write_phantom_dataset
from medground.demo.run import DEMO_ORIENTATIONS, demo_config
from medground.testing.scripted_server import Reply, ScriptedServer

MAX_IN_FLIGHT = 16
TARGET = 0.80
STAGES = ["format", "geometry", "priors", "judge", "vlm_judge"]


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
    """Synthesis names the target from the facts it is given; the judge says yes."""
    text = json.dumps(body["messages"])
    if "Write " in text:  # synthesis
        facts = json.loads(text.split("Facts (JSON): ")[1].split("\\n")[0].replace('\\"', '"'))
        return Reply(kind="json", content=json.dumps(
            {"queries": [f"Find the {facts['target']['name']}."]}))
    return Reply(kind="json", content=json.dumps({"supported": True, "unique": True,
                                                  "reason": "clear"}))


def config(root: Path, base_url: str, cases_in_flight: int | None,
           max_in_flight: int = MAX_IN_FLIGHT) -> BuildConfig:
    """The 2D source's build (kept under this name: other benchmarks import it)."""
    return parse_config({
        "name": "bench", "source": {"type": "folder2d", "root": str(root),
                                    "images": "images/*.png", "masks": "masks/{stem}.png",
                                    "mask_mode": "binary", "label": "polyp",
                                    "modality": "endoscopy"},
        "queries": {"synthesizer": "vlm", "per_target": 1},
        "verify": {"stages": STAGES},
        "vlm": {"base_url": base_url, "model": "scripted", "max_in_flight": max_in_flight,
                "cases_in_flight": cases_in_flight},
    }, base_dir=root)


def volume_config(root: Path, base_url: str, cases_in_flight: int | None,
                  max_in_flight: int = MAX_IN_FLIGHT) -> BuildConfig:
    """The demo's build (axial and coronal, two queries asked per target) with a VLM."""
    raw = json.loads(demo_config(root).model_dump_json())
    raw["queries"]["synthesizer"] = "vlm"
    raw["verify"]["stages"] = STAGES
    raw["vlm"] = {"base_url": base_url, "model": "scripted", "max_in_flight": max_in_flight,
                  "cases_in_flight": cases_in_flight}
    return parse_config(raw, base_dir=root)


# --- the server, in a process of its own ---------------------------------------------------
def _serve(conn: Connection, latency: float) -> None:
    """Answer ``answer``'s script; between "start" and "stop", sample how many requests are
    held (every 2 ms) and report (requests, most held at once, mean held)."""
    with ScriptedServer(answer, latency=latency) as server:
        conn.send(server.base_url)
        while (command := conn.recv()) != "quit":
            assert command == "start"
            first, server.peak_in_flight = len(server.requests), server.in_flight
            samples: list[int] = []
            stop = threading.Event()

            def sample(out: list[int] = samples, done: threading.Event = stop) -> None:
                while not done.wait(0.002):
                    out.append(server.in_flight)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            conn.recv()  # "stop"
            stop.set()
            sampler.join()
            conn.send((len(server.requests) - first, server.peak_in_flight,
                       float(np.mean(samples)) if samples else 0.0))


class Server:
    """A scripted server process; ``measure`` brackets one build."""

    def __init__(self, latency: float) -> None:
        self.conn, child = multiprocessing.get_context("spawn").Pipe()
        self.proc = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(child, latency), daemon=True)
        self.proc.start()
        self.base_url: str = self.conn.recv()

    def start(self) -> None:
        self.conn.send("start")

    def stop(self) -> tuple[int, int, float]:
        self.conn.send("stop")
        requests, peak, mean = self.conn.recv()
        return int(requests), int(peak), float(mean)

    def close(self) -> None:
        self.conn.send("quit")
        self.proc.join(10)


def dataset(out: Path) -> dict[str, bytes]:
    """Every file of the dataset (not the resume state), and the manifest's counts: the rest
    of the manifest records the run's own settings (server URL, cases_in_flight)."""
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
             if p.is_file() and ".medground" not in p.parts and p.name != "manifest.json"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files["manifest counts"] = json.dumps([manifest["counts"], manifest["funnel"]]).encode()
    return files


def run(name: str, make: Any, data: Path, warm: Path, tmp: Path, latency: float,
        quick: Server, slow: Server) -> bool:
    """A warm-up build of other cases of the same kind (imports, the dictionary: what a long
    build pays once), the default build against ``slow``, then the sequential reference;
    print the row. The reference comes last so that nothing of the measured cases (their
    queries' cached normalisations, say) is warm before the measured build."""
    build(make(warm, quick.base_url, None), tmp / f"{name}-warm-up")
    out = tmp / f"{name}-default"
    slow.start()
    t0, c0 = time.perf_counter(), time.process_time()
    manifest = build(make(data, slow.base_url, None), out)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    requests, peak, mean = slow.stop()
    build(make(data, quick.base_url, 1, max_in_flight=1), tmp / f"{name}-sequential")
    ideal = MAX_IN_FLIGHT / latency
    rate = requests / seconds
    same = dataset(out) == dataset(tmp / f"{name}-sequential")
    ceiling = requests / cpu / ideal  # the share of ideal the build's CPU time allows
    met = rate / ideal >= TARGET and same
    print(f"{name:>8s} {manifest['cases']['total']:>5d} {requests:>8d} {seconds:>7.2f} "
          f"{rate:>6.1f} {peak:>5d} {mean:>5.1f} {rate / ideal:>8.1%} "
          f"{1000 * cpu / requests:>6.1f} {ceiling:>7.0%} {'yes' if same else 'NO':>9s} "
          f"{'PASS' if met else 'FAIL'}")
    return met


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["2d", "volumes"])
    ap.add_argument("--cases-2d", type=int, default=96)
    ap.add_argument("--cases-volumes", type=int, default=8)
    ap.add_argument("--latency", type=float, default=0.2)
    args = ap.parse_args()
    ideal = MAX_IN_FLIGHT / args.latency
    quick, slow = Server(0.0), Server(args.latency)
    verdicts: dict[str, bool] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp_dir:
            tmp = Path(tmp_dir)
            print(f"{args.latency * 1000:.0f} ms latency, max_in_flight {MAX_IN_FLIGHT} "
                  f"(ideal {ideal:.0f} req/s), 1 worker, default cases_in_flight and memory "
                  "budget; reference: a sequential build (1 case, 1 request at a time)")
            print(f"{'source':>8s} {'cases':>5s} {'requests':>8s} {'seconds':>7s} "
                  f"{'req/s':>6s} {'max':>5s} {'mean':>5s} {'of ideal':>8s} "
                  f"{'cpu ms/req':>6s} {'ceiling':>7s} {'identical':>9s} verdict")
            if args.only in (None, "2d"):
                data = write_cases(tmp / "data-2d", args.cases_2d)
                warm = write_cases(tmp / "warm-2d", 4, seed=1)
                verdicts["2d"] = run("2d", config, data, warm, tmp, args.latency, quick, slow)
            if args.only in (None, "volumes"):
                data = write_phantom_dataset(tmp / "data-volumes", n_cases=args.cases_volumes,
                                             seed=0, orientations=DEMO_ORIENTATIONS)
                warm = write_phantom_dataset(tmp / "warm-volumes", n_cases=1, seed=7,
                                             orientations=DEMO_ORIENTATIONS)
                verdicts["volumes"] = run("volumes", volume_config, data, warm, tmp,
                                          args.latency, quick, slow)
    finally:
        quick.close()
        slow.close()
    print(f"target >= {TARGET:.0%} of ideal with the sequential build's bytes, for "
          f"{' and '.join(verdicts)}: {'PASS' if all(verdicts.values()) else 'FAIL'}")


if __name__ == "__main__":
    main()
