"""Claim: verification catches injected defects and keeps clean samples (issues 4 and 8).

Builds the demo phantom and every example of ../shared/data (skipped when absent), then:
- clean: the share of synthesized samples that verification rejected (target <= 1 %);
- for each defect of medground.testing.corruptions (words swapped in the raw text, false
  phrases written from the injector's own measurements, masks moved with their boxes; nothing
  there imports the checker or a synthesizer), injects it into every clean kept sample it
  applies to and runs every offline stage on the copy (target >= 99 % caught per defect),
  twice: as the synthesizer left it (its stated claims must match the text) and with the
  stated claims removed, so that only the reader and the re-measurement can catch it.

    .venv/bin/python benchmarks/verification.py [--max-per-dataset 400] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from medground.build import build
from medground.config import load_config
from medground.demo.run import prepare_demo
from medground.testing.corruptions import DEFECTS
from medground.testing.scenes import verify
from medground.types import Sample, ViewRecord

PROJECT = Path(__file__).resolve().parents[1]
STAGES = ("format", "geometry", "priors", "judge")


def samples_root() -> Path | None:
    env = os.environ.get("MEDGROUND_SAMPLES")
    root = Path(env) if env else PROJECT.parent / "shared" / "data"
    return root if root.is_dir() else None


def build_all(out: Path) -> dict[str, Path]:
    roots = {"demo": out / "demo"}
    build(prepare_demo(roots["demo"]), roots["demo"])
    if samples_root() is None:
        print("../shared/data not found: only the demo phantom is used", file=sys.stderr)
        return roots
    for cfg in sorted((PROJECT / "examples").glob("*.yaml")):
        if cfg.stem.endswith("_vlm"):  # needs a VLM server
            continue
        roots[cfg.stem] = out / cfg.stem
        build(load_config(cfg), roots[cfg.stem])
    return roots


def caught_by(record: dict[str, Any], view: dict[str, Any], root: Path) -> str | None:
    """The stage/reason that rejects the record, or None when every stage passes it."""
    sample = Sample.from_dict(record)
    verify([sample], root, [ViewRecord.from_dict({**view, "image": sample.image})], STAGES)
    failure = sample.first_failure
    return f"{failure.stage}/{failure.reason}" if failure else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-per-dataset", type=int, default=400,
                    help="clean samples per dataset to corrupt (seeded sample)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="medground-verification-"))
    roots = build_all(out)

    print("clean samples (built with all offline stages)")
    print(f"{'dataset':26s} {'synthesized':>11s} {'rejected':>9s} {'share':>7s}  reasons")
    tot_syn = tot_rej = 0
    for name, root in roots.items():
        funnel = json.loads((root / "manifest.json").read_text())["funnel"]
        syn, kept = funnel["synthesized"], funnel["kept"]
        reasons = Counter({f"{st['stage']}/{r}": n for st in funnel["stages"]
                           for r, n in st["rejected"].items()})
        tot_syn, tot_rej = tot_syn + syn, tot_rej + syn - kept
        share = (syn - kept) / max(1, syn)
        print(f"{name:26s} {syn:11d} {syn - kept:9d} {share:7.1%}  "
              f"{', '.join(f'{k} {v}' for k, v in reasons.most_common(3))}")
    print(f"{'all':26s} {tot_syn:11d} {tot_rej:9d} {tot_rej / max(1, tot_syn):7.1%}")

    applied: Counter[str] = Counter()
    caught = {"as built": Counter[str](), "claims removed": Counter[str]()}
    reasons_by: dict[str, Counter[str]] = defaultdict(Counter)
    missed: dict[str, list[str]] = defaultdict(list)
    for name, root in roots.items():
        rows = [json.loads(line) for line in (root / "samples.jsonl").read_text().splitlines()]
        views = {v["image"]: v for v in
                 map(json.loads, (root / "views.jsonl").read_text().splitlines())}
        rng = random.Random(f"verification:{name}")
        rows = rng.sample(rows, min(len(rows), args.max_per_dataset))
        for defect, inject in DEFECTS.items():
            for rec in rows:
                view = views[rec["image"]]
                bad = inject(rec, view, random.Random(f"{defect}:{rec['id']}"), root,
                             out / "scratch")
                if bad is None:
                    continue
                applied[defect] += 1
                for mode in caught:
                    record = bad if mode == "as built" else {**bad, "claims": None}
                    reason = caught_by(record, view, root)
                    if reason:
                        caught[mode][defect] += 1
                        if mode == "claims removed":
                            reasons_by[defect][reason] += 1
                    elif len(missed[defect]) < 3:
                        missed[defect].append(f"{mode}, {name}: {bad['query']!r}")

    print("\ninjected defects (all offline stages)")
    print(f"{'defect':16s} {'applied':>8s} {'as built':>9s} {'no claims':>10s}  "
          "caught by (claims removed)")
    worst = 1.0
    for defect in DEFECTS:
        n = applied[defect]
        shares = [caught[m][defect] / n if n else float("nan") for m in caught]
        worst = min([worst, *shares]) if n else worst
        top = ", ".join(f"{r} {k}" for r, k in reasons_by[defect].most_common(2))
        print(f"{defect:16s} {n:8d} {shares[0]:9.1%} {shares[1]:10.1%}  {top}")
        for m in missed[defect]:
            print(f"{'':16s} missed: {m}")
    clean_share = tot_rej / max(1, tot_syn)
    ok = worst >= 0.99 and clean_share <= 0.01
    print(f"\nworst defect catch rate {worst:.1%} (target >= 99%), clean rejection "
          f"{clean_share:.1%} (target <= 1%): {'met' if ok else 'NOT met'}")
    print(f"datasets in {out}")


if __name__ == "__main__":
    main()
