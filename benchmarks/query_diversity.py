"""Claim: template queries are varied. Measured on the demo phantom build (or any dataset).

Prints the distinct-query ratio (unique queries / queries) and distinct-2 (distinct word bigrams
/ all word bigrams), per task and over every kept query, and over fixed-size samples of 200
queries (mean and minimum over 20 seeded random samples). Distinct-n falls as a corpus grows, so
it is compared at a fixed size; the target (issue 3) is distinct >= 0.9 and distinct-2 >= 0.3
across 200 queries. The full-build figures are printed too, for the record.

    .venv/bin/python benchmarks/query_diversity.py            # builds the demo into a temp dir
    .venv/bin/python benchmarks/query_diversity.py OUT_DIR    # an existing build
"""

from __future__ import annotations

import itertools
import json
import random
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

SAMPLE = 200
RUNS = 20


def diversity(queries: list[str]) -> tuple[float, float, int]:
    """(distinct query ratio, distinct-2, number of bigrams)."""
    if not queries:
        return 0.0, 0.0, 0
    bigrams = []
    for q in queries:
        words = re.findall(r"[a-z0-9'\-]+", q.lower())
        bigrams += list(itertools.pairwise(words))
    return len(set(queries)) / len(queries), len(set(bigrams)) / max(1, len(bigrams)), len(bigrams)


def main() -> None:
    if len(sys.argv) > 1:
        out = Path(sys.argv[1])
    else:
        from medground.build import build
        from medground.demo.run import prepare_demo

        out = Path(tempfile.mkdtemp(prefix="medground-diversity-"))
        build(prepare_demo(out), out)
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    by_task: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        by_task[r["task"]].append(r["query"])
    print(f"dataset: {out}")
    print(f"{'task':16s} {'queries':>8s} {'distinct':>9s} {'distinct-2':>11s}")
    for task, qs in sorted(by_task.items()):
        d, d2, _ = diversity(qs)
        print(f"{task:16s} {len(qs):8d} {d:9.3f} {d2:11.3f}")
    all_q = [r["query"] for r in rows]
    d, d2, nb = diversity(all_q)
    print(f"{'all (full build)':16s} {len(all_q):8d} {d:9.3f} {d2:11.3f}   ({nb} bigrams)")
    if len(all_q) < SAMPLE:
        print(f"fewer than {SAMPLE} queries: no fixed-size measurement")
        return
    runs = [diversity(random.Random(seed).sample(all_q, SAMPLE)) for seed in range(RUNS)]
    mean_d = sum(r[0] for r in runs) / RUNS
    mean_d2 = sum(r[1] for r in runs) / RUNS
    min_d, min_d2 = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"{SAMPLE} queries x {RUNS} samples: distinct mean {mean_d:.3f} (min {min_d:.3f}), "
          f"distinct-2 mean {mean_d2:.3f} (min {min_d2:.3f})")
    ok = min_d >= 0.9 and min_d2 >= 0.3
    print(f"target distinct >= 0.9 and distinct-2 >= 0.3 across {SAMPLE} queries "
          f"(every sample): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
