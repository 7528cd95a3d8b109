"""Claim: template queries are varied. Measured on the demo phantom build (or any dataset).

Prints the distinct-query ratio (unique queries / queries) and distinct-2 (distinct word bigrams
/ all word bigrams) over every kept query, per task and overall. Targets (issue 3): distinct
ratio >= 0.9 and distinct-2 >= 0.3 across >= 200 queries.

    .venv/bin/python benchmarks/query_diversity.py            # builds the demo into a temp dir
    .venv/bin/python benchmarks/query_diversity.py OUT_DIR    # an existing build
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path


def diversity(queries: list[str]) -> tuple[float, float, int]:
    """(distinct query ratio, distinct-2, number of bigrams)."""
    if not queries:
        return 0.0, 0.0, 0
    bigrams = []
    for q in queries:
        words = re.findall(r"[a-z0-9'\-]+", q.lower())
        bigrams += list(zip(words, words[1:], strict=False))
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
    print(f"{'all':16s} {len(all_q):8d} {d:9.3f} {d2:11.3f}   ({nb} bigrams)")
    ok = len(all_q) >= 200 and d >= 0.9 and d2 >= 0.3
    print(f"target distinct >= 0.9 and distinct-2 >= 0.3 over >= 200 queries: "
          f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
