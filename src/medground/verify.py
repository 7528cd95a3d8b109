"""``medground verify DATASET``: run the verification stages again on a built dataset.

Every sample (kept or rejected before) is judged from scratch by the chosen stages; verdicts of
other stages are dropped. samples.jsonl and rejects.jsonl are rewritten atomically in their
previous order, and the manifest gets the new counts and funnel.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from medground.errors import ConfigError
from medground.funnel import Funnel
from medground.manifest import dumps_pretty
from medground.sinks.files import dumps
from medground.stages.verify import make_checks
from medground.types import Sample


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def verify_dataset(root: Path, stages: Sequence[str]) -> dict[str, Any]:
    """Re-verify ``root`` in place; returns the funnel."""
    if not (root / "samples.jsonl").exists():
        raise ConfigError(f"{root}: no samples.jsonl (is this a medground dataset?)")
    checks = [c.bind(root) for c in make_checks(stages)]
    records = _read(root / "samples.jsonl") + _read(root / "rejects.jsonl")
    samples: list[Sample] = []
    malformed: list[dict[str, Any]] = []
    for r in records:
        try:
            s = Sample.from_dict(r)
        except (KeyError, TypeError, ValueError) as exc:  # kept as a reject, never dropped
            r["verdicts"] = [{"stage": "format", "passed": False, "reason": "SCHEMA_INVALID",
                              "detail": f"{type(exc).__name__}: {exc}"}]
            malformed.append(r)
            continue
        s.verdicts = []
        samples.append(s)
    by_image: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_image[s.image].append(s)  # duplicates are judged within an image
    for check in checks:
        check.setup()
    try:
        for batch in by_image.values():
            for check in checks:
                check(batch)
    finally:
        for check in checks:
            check.teardown()
    funnel = Funnel([c.name for c in checks])
    kept: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for s in samples:
        record = s.to_dict()
        funnel.add(record["verdicts"])
        (kept if s.passed else rejected).append(record)
    for record in malformed:
        funnel.add(record["verdicts"])
        rejected.append(record)
    for name, rows in (("samples.jsonl", kept), ("rejects.jsonl", rejected)):
        tmp = root / f".{name}.tmp"
        with tmp.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(dumps(row) + "\n")
        os.replace(tmp, root / name)
    _update_manifest(root, funnel)
    return funnel.to_dict()


def _update_manifest(root: Path, funnel: Funnel) -> None:
    path = root / "manifest.json"
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    counts = {k: v for k, v in manifest.get("counts", {}).items()
              if not k.startswith("rejected")}
    counts["kept"] = funnel.kept
    counts["rejected"] = funnel.synthesized - funnel.kept
    for stage in funnel.stages:
        for reason, n in funnel.rejected[stage].items():
            counts[f"rejected/{stage}/{reason}"] = n
    manifest["counts"] = dict(sorted(counts.items()))
    manifest["funnel"] = funnel.to_dict()
    path.write_text(dumps_pretty(manifest), encoding="utf-8")
