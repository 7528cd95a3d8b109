"""Claim: hostile inputs cost no more memory than good ones; absurd sizes are refused before
anything is allocated, 10^5 components are bounded, and every hostile case gives its error.

Writes the hostile corpus (medground.testing.hostile), then, for each source kind, builds in
fresh processes (a) the whole corpus and (b) its good cases alone (the baseline: the same build
without the hostile files), and prints the peak resident memory of each and their ratio, and
every hostile case with the error code it produced. A reader that allocated a declared
20000 x 20000 PNG, a 65535^2 DICOM slice or 10^18 NIfTI voxels, or kept one full-size mask per
component, would show a ratio far above 1.

    .venv/bin/python benchmarks/hostile_corpus.py
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from medground.testing.hostile import Corpus, write_corpus

CHILD = """
import json, resource, sys, time
from pathlib import Path
from medground.build import build
from medground.config import parse_config
raw, base, out = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]), Path(sys.argv[3])
t0 = time.perf_counter()
manifest = build(parse_config(raw, base_dir=base), out)
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": time.perf_counter() - t0, "peak_mib": peak_kib / 1024,
                  "kept": manifest["counts"]["kept"]}))
"""


def _good_only(corpus: Corpus, kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The same build over the good cases of ``kind`` only."""
    good = {c.case for c in corpus.good(kind)}
    raw = copy.deepcopy(raw)
    source = raw["source"]
    if "pairs" in source:
        source["pairs"] = [p for p in source["pairs"] if p["case"] in good]
        return raw
    root = Path(source["root"])
    dataset = json.loads((root / source["dataset_json"]).read_text(encoding="utf-8"))

    def case_of(entry: dict[str, str]) -> str:
        name = Path(entry["image"]).name
        for ext in (".nii.gz", ".seg.nrrd", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd"):
            if name.endswith(ext):
                return name[: -len(ext)]
        return name

    dataset["training"] = [e for e in dataset["training"] if case_of(e) in good]
    (root / "good_only.json").write_text(json.dumps(dataset), encoding="utf-8")
    source["dataset_json"] = "good_only.json"
    return raw


def _measure(raw: dict[str, Any], base: Path, out: Path) -> dict[str, float]:
    spec = out.with_suffix(".json")
    spec.write_text(json.dumps(raw), encoding="utf-8")
    res = subprocess.run([sys.executable, "-c", CHILD, str(spec), str(base), str(out)],
                         check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(res.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(Path(tmp) / "corpus")
        worst = 0.0
        rows: list[str] = []
        for kind, raw in corpus.configs.items():
            full = _measure(raw, corpus.root, Path(tmp) / f"full-{kind}")
            good = _measure(_good_only(corpus, kind, raw), corpus.root, Path(tmp) / f"good-{kind}")
            ratio = full["peak_mib"] / good["peak_mib"]
            worst = max(worst, ratio)
            print(f"{kind:9s}: {len(corpus.hostile(kind)):2d} hostile + "
                  f"{len(corpus.good(kind))} good cases: peak RSS {full['peak_mib']:6.1f} MiB "
                  f"({full['seconds']:.1f} s); good cases alone {good['peak_mib']:6.1f} MiB; "
                  f"ratio {ratio:.2f}x; samples {int(full['kept'])} vs {int(good['kept'])}")
            errors: dict[str, list[str]] = {}
            for line in (Path(tmp) / f"full-{kind}" / "errors.jsonl").read_text(
                    encoding="utf-8").splitlines():
                record = json.loads(line)
                errors.setdefault(record["case"], []).append(record["code"])
            for case in corpus.hostile(kind):
                got = ",".join(errors.get(case.case, ["(none)"]))
                mark = "" if got == case.code else f"   <-- expected {case.code}"
                rows.append(f"  {kind:9s} {case.case:22s} {got:20s} {case.what}{mark}")
        print("\nhostile case                      error code           what")
        print("\n".join(rows))
        print(f"\nworst peak-memory ratio, corpus vs its good cases alone: {worst:.2f}x")


if __name__ == "__main__":
    main()
