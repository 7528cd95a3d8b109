"""Claim: a build streams over cases, so peak memory does not grow with the number of cases.

Builds the phantom data set with N and 4N cases in fresh processes and prints the peak resident
memory and the peak Python heap allocated during the build (tracemalloc; in the main process, so
use --workers 1 for it to cover the stages), and their ratios (baseline: the N-case build). A build that kept every case's
samples or views in memory would grow about 4x; a streaming one stays near 1.0x.

    .venv/bin/python benchmarks/build_memory.py [--cases 6] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time, tracemalloc
from pathlib import Path
from medground.build import build
from medground.demo.run import prepare_demo
out, n, workers = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
cfg = prepare_demo(out, n_cases=n)
tracemalloc.start()
t0 = time.perf_counter()
manifest = build(cfg, out, workers=workers)
elapsed = time.perf_counter() - t0
traced_peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
child_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"cases": n, "seconds": elapsed, "peak_mib": max(peak_kib, child_kib) / 1024,
                  "traced_mib": traced_peak / 2**20,
                  "samples": manifest["counts"]["kept"]}))
"""


def measure(n: int, workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run([sys.executable, "-c", CHILD, str(Path(tmp) / "out"), str(n),
                              str(workers)], check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(res.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=6)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    small = measure(args.cases, args.workers)
    large = measure(4 * args.cases, args.workers)
    for r in (small, large):
        print(f"{int(r['cases']):4d} cases: {int(r['samples']):5d} samples, "
              f"peak RSS {r['peak_mib']:7.1f} MiB, peak Python heap during build "
              f"{r['traced_mib']:6.2f} MiB, {r['seconds']:6.2f} s")
    rss = large["peak_mib"] / small["peak_mib"]
    heap = large["traced_mib"] / small["traced_mib"]
    print(f"peak RSS ratio ({4 * args.cases} vs {args.cases} cases): {rss:.2f}x")
    print(f"peak build-heap ratio ({4 * args.cases} vs {args.cases} cases): {heap:.2f}x "
          f"(cases ratio 4.00x; streaming target <= 1.2x)")


if __name__ == "__main__":
    main()
