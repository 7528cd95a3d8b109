"""Claim: a TotalSegmentator-sized CT builds in <= 10 s on one core, with peak RSS <= 4x the
volume's raw bytes, and 2 workers build 4 such volumes >= 1.8x faster than one (issue 12).

Writes ``medground.testing.big_ct`` volumes (default 512 x 512 x 300 int16, 0.8 x 0.8 x 1.5 mm,
RAS, 100 labels, 11 % foreground) as an MSD folder, then runs the whole offline build
(``medground.build.build``; axial and coronal planes, defaults otherwise), each build in a
fresh process:

1. one volume, ``workers=1``: seconds and peak RSS (the build process's own high-water mark,
   VmHWM, and the process tree's summed RSS sampled from /proc every 20 ms);
2. four volumes with ``workers=1`` and ``workers=2``, alternately, ``--repeat`` times each
   (default 2): seconds and peak RSS of every run, the speed-up of the fastest of each
   (timeit's rule: the slower runs measure the shared host's other load, which a build on
   both cores feels more than one on a single core), and whether both give byte-identical
   samples.jsonl / views.jsonl;
3. the single-volume build under cProfile (timed in CPU seconds): where the time goes
   (loading, views, regions, cues, synthesis, checks, PNGs); cProfile adds overhead, so read
   the shares.

The per-volume verdict uses the build's CPU seconds (its wall time on a quiet core; the wall
time is printed too): other work on a shared machine inflates wall times, not CPU time.

Raw bytes are the image's plus the label map's as stored (int16 + uint8 here: 3 bytes a voxel).
The issue's baseline is 73 s and 2.35 GB for one volume; ``--baseline-src DIR`` also runs step 1
with an older source tree (e.g. ``git archive HEAD src | tar -x -C DIR``) and prints the ratios
measured in this run, and whether its outputs are byte-identical (or, across a change of
PNG encoding, the same records and pixels).

    .venv/bin/python benchmarks/build_volume.py [--shape 512 512 300] [--labels 100]
        [--skip-workers] [--skip-profile] [--baseline-src /tmp/before/src] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from medground.testing.big_ct import write_big_ct

CHILD = """
import cProfile, json, resource, sys, time
from pathlib import Path
from medground.build import build
from medground.config import parse_config
data, out, workers, profile = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
# big_ct_config's config, spelled out so that an older source tree (--baseline-src) runs it too
cfg = parse_config({"name": "medground-big-ct", "slicing": {"planes": ["axial", "coronal"]},
                    "source": {"type": "nifti", "root": str(data), "dataset_json": "dataset.json"}},
                   base_dir=data)
prof = cProfile.Profile(time.process_time) if profile else None  # CPU time: others' load
t0, c0 = time.perf_counter(), time.process_time()
if prof is not None:
    prof.enable()
manifest = build(cfg, out, workers=workers)
if prof is not None:
    prof.disable()
    prof.dump_stats(profile)
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
children = resource.getrusage(resource.RUSAGE_CHILDREN)
counts = manifest["counts"]
# VmHWM: this process's own peak; ru_maxrss would carry the launching process's peak over exec
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu + children.ru_utime + children.ru_stime,
                  "self_mib": hwm / 1024,
                  "views": counts.get("views", 0), "kept": counts.get("kept", 0),
                  "failed": counts.get("cases_failed", 0)}))
"""

#: the interpreter with every stage imported: the floor of any build's RSS
IMPORTS = """
import medground.build, medground.pipeline, medground.stages.verify, medground.sources.volumes
print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024)
"""

#: profile rows: (what, module path suffix, function name); cumulative seconds of each
PHASES = (
    ("loading (read + canonical)", "sources/volumes.py", "load"),
    ("  of which NIfTI read", "io/nifti.py", "load_nifti"),
    ("  of which canonical + checks", "sources/volumes.py", "make_volume_case"),
    ("views (slices, windows, layers)", "stages/views.py", "volume_views"),
    ("  of which 3D instances", "stages/views.py", "volume_instances"),
    ("  of which midline", "stages/views.py", "volume_midline"),
    ("parents (hierarchy)", "stages/hierarchy.py", "resolve"),
    ("regions (extract_regions)", "stages/regions.py", "extract_regions"),
    ("cues (region_cues)", "stages/cues.py", "region_cues"),
    ("synthesis", "synth/template.py", "synthesize"),
    ("checks (all verification)", "stages/base.py", "__call__"),
    ("  of which format", "verify/format.py", "check"),
    ("  of which geometry", "verify/geometry.py", "check"),
    ("  of which priors", "verify/priors.py", "check"),
    ("  of which image judge", "verify/judge.py", "check"),
    ("view records (RLE)", "pipeline.py", "view_record"),
    ("PNG encode", "sinks/files.py", "png_bytes"),
    ("merge (shards into the dataset files)", "medground/manifest.py", "add_ready"),
)


def rss_tree_mib(pid: int) -> dict[int, float]:
    """VmRSS (MiB) of ``pid`` and each of its descendants now; processes gone are left out."""
    rss, todo = {}, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as fh:
                rss[p] = next((int(line.split()[1]) for line in fh
                               if line.startswith("VmRSS")), 0) / 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return rss


def run_build(data: Path, out: Path, workers: int, src: Path | None = None,
              profile: Path | None = None) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(src)) if src else None
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(data), str(out), str(workers),
                             str(profile or "")], stdout=subprocess.PIPE, text=True, env=env)
    tree, each = [0.0], {}  # peak of the summed RSS, and of each process (sampled)
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            now = rss_tree_mib(proc.pid)
            tree[0] = max(tree[0], sum(now.values()))
            for p, mib in now.items():
                each[p] = max(each.get(p, 0.0), mib)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"build of {data} failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    result["tree_mib"] = tree[0]
    result["worker_mib"] = max((mib for p, mib in each.items() if p != proc.pid), default=0.0)
    return result


def same_outputs(a: Path, b: Path, pixels: bool = False) -> bool:
    """The same JSONL bytes and the same PNG files, byte for byte, or with ``pixels``, pixel
    for pixel (a build of another version may encode its PNGs differently: 331bdf9 changed
    the zlib strategy)."""
    names = ("samples.jsonl", "views.jsonl", "rejects.jsonl")
    if any((a / n).read_bytes() != (b / n).read_bytes() for n in names):
        return False
    pngs = sorted(p.relative_to(a) for p in (a / "images").rglob("*.png"))
    if pngs != sorted(p.relative_to(b) for p in (b / "images").rglob("*.png")):
        return False
    return all(_same_png(a / p, b / p, pixels) for p in pngs)


def _same_png(x: Path, y: Path, pixels: bool) -> bool:
    if not pixels:
        return x.read_bytes() == y.read_bytes()
    with Image.open(x) as p, Image.open(y) as q:
        return p.mode == q.mode and np.array_equal(np.asarray(p), np.asarray(q))


def one_volume_folder(four: Path, one: Path) -> Path:
    """The first case of ``four`` as a folder of its own (hard links, no second write)."""
    meta = json.loads((four / "dataset.json").read_text())
    meta["training"], meta["numTraining"] = meta["training"][:1], 1
    for sub in ("imagesTr", "labelsTr"):
        (one / sub).mkdir(parents=True)
        name = Path(meta["training"][0]["image"]).name
        os.link(four / sub / name, one / sub / name)
    (one / "dataset.json").write_text(json.dumps(meta, indent=2) + "\n")
    return one


def profile_rows(path: Path) -> list[tuple[str, float]]:
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    rows = []
    for what, suffix, name in PHASES:
        seconds = sum(v[3] for (file, _, func), v in stats.items()
                      if func == name and file.replace(os.sep, "/").endswith(suffix))
        rows.append((what, seconds))
    return rows


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def line(label: str, r: dict[str, Any]) -> str:
    return (f"{label:34s} {r['seconds']:7.2f} s wall, {r['cpu_seconds']:7.2f} s CPU  peak RSS "
            f"{r['self_mib']:6.0f} MiB (build process), {r['tree_mib']:6.0f} MiB (process "
            f"tree)  views {r['views']}, kept {r['kept']}, failed {r['failed']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", type=int, nargs=3, default=(512, 512, 300))
    ap.add_argument("--labels", type=int, default=100)
    ap.add_argument("--skip-workers", action="store_true", help="only the one-volume build")
    ap.add_argument("--skip-profile", action="store_true")
    ap.add_argument("--baseline-src", type=Path, help="an older src/ to compare step 1 with")
    ap.add_argument("--keep", type=Path, help="keep the data and outputs here")
    ap.add_argument("--repeat", type=int, default=2,
                    help="builds of the 4 volumes per worker count (the fastest counts)")
    args = ap.parse_args()
    shape = (args.shape[0], args.shape[1], args.shape[2])
    work = args.keep or Path(tempfile.mkdtemp(prefix="medground-build-volume-"))
    try:
        t0 = time.perf_counter()
        four = write_big_ct(work / "data4", n_volumes=1 if args.skip_workers else 4,
                            shape=shape, n_labels=args.labels)
        one = one_volume_folder(four, work / "data1")
        raw_mib = shape[0] * shape[1] * shape[2] * 3 / 2**20  # int16 image + uint8 labels
        print(f"volume {shape[0]}x{shape[1]}x{shape[2]}, {args.labels} labels: raw image + "
              f"labels {raw_mib:.0f} MiB; data written in {time.perf_counter() - t0:.1f} s")
        single = run_build(one, work / "out1", 1)
        print(line("1 volume, workers 1:", single))
        if args.baseline_src:
            base = run_build(one, work / "out1-baseline", 1, src=args.baseline_src)
            print(line("1 volume, workers 1 (baseline):", base))
            print(f"  vs baseline: CPU time {base['cpu_seconds'] / single['cpu_seconds']:.2f}x "
                  f"less, wall {base['seconds'] / single['seconds']:.2f}x, peak "
                  f"RSS {base['self_mib'] / single['self_mib']:.2f}x smaller; outputs "
                  f"byte-identical: {same_outputs(work / 'out1', work / 'out1-baseline')}, "
                  "same records and pixels: "
                  f"{same_outputs(work / 'out1', work / 'out1-baseline', pixels=True)}")
        print("  (issue's baseline: 73 s, 2.35 GB on its machine)")
        # CPU seconds of the one-process build: its wall time on a quiet core, and robust to
        # the other load of a shared machine (the wall time is printed above)
        print(f"per-volume time {single['cpu_seconds']:.1f} s CPU on one core (target <= 10 s): "
              f"{verdict(single['cpu_seconds'] <= 10.0)}")
        ratio = single["self_mib"] / raw_mib
        floor = float(subprocess.run([sys.executable, "-c", IMPORTS], check=True, text=True,
                                     capture_output=True).stdout)
        print(f"peak RSS {ratio:.2f}x raw bytes (target <= 4x): {verdict(ratio <= 4.0)}  "
              f"(the interpreter with medground imported holds {floor:.0f} MiB of it: "
              f"{(single['self_mib'] - floor) / raw_mib:.2f}x raw above that)")
        if not args.skip_workers:
            # the two settings alternately, ``--repeat`` times each, the fastest of each
            # compared (timeit's rule: slower runs are the shared host's other load, and a
            # build on both cores loses more to it than one on a single core)
            runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
            for k in range(args.repeat):
                for workers in (1, 2):
                    shutil.rmtree(work / f"out4-w{workers}", ignore_errors=True)
                    runs[workers].append(run_build(four, work / f"out4-w{workers}", workers))
                    print(line(f"4 volumes, workers {workers} (run {k + 1}):",
                               runs[workers][-1]))
            w1, w2 = (min(runs[w], key=lambda r: r["seconds"]) for w in (1, 2))
            speedup = w1["seconds"] / w2["seconds"]
            same = same_outputs(work / "out4-w1", work / "out4-w2")
            print(f"fastest of {args.repeat}: {w1['seconds']:.2f} s with 1 worker, "
                  f"{w2['seconds']:.2f} s with 2")
            print(f"2 workers {speedup:.2f}x one (target >= 1.8x): {verdict(speedup >= 1.8)}; "
                  f"byte-identical outputs: {same}")
            per_worker = w2["worker_mib"] / raw_mib
            print(f"  peak RSS of a worker {w2['worker_mib']:.0f} MiB = {per_worker:.2f}x raw "
                  f"bytes (sampled; target <= 4x): {verdict(per_worker <= 4.0)}")
        if not args.skip_profile:
            prof = work / "build.prof"
            profiled = run_build(one, work / "out1-profile", 1, profile=prof)
            total = profiled["cpu_seconds"]
            print(f"CPU profile of the 1-volume build ({total:.1f} s CPU under cProfile):")
            for what, seconds in profile_rows(prof):
                print(f"  {what:34s} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
