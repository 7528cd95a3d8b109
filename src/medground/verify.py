"""``medground verify DATASET``: run verification stages again on a built dataset.

The stages to re-run default to those the build ran (from the manifest). Every sample (kept or
rejected before) is judged from scratch by them, against the view regions stored in
``views.jsonl``. A stage that cannot run here, the VLM judge without a server, is not undone:
its earlier verdicts are kept, in pipeline order, and the report says how many. A line that is
not a readable record stays in the rejects as ``SCHEMA_INVALID``. samples.jsonl and
rejects.jsonl are rewritten atomically in their previous order, and the manifest gets the new
counts and funnel.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medground.config import ALL_STAGES, VLMConfig
from medground.errors import ConfigError
from medground.funnel import Funnel
from medground.manifest import dumps_pretty
from medground.sinks.files import atomic_write_bytes, dumps
from medground.stages.verify import make_checks
from medground.types import Sample, Verdict, ViewRecord

#: where each stage stands in a sample's verdict list
ORDER = ("synth", "format", "geometry", "priors", "judge", "vlm_judge")


@dataclass
class Outcome:
    funnel: dict[str, Any]
    rerun: list[str]
    kept: Counter[str] = field(default_factory=Counter)  # earlier verdicts kept, by stage
    unreadable: int = 0


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [line for line in fh if line.strip()]


def _views(root: Path) -> dict[str, ViewRecord]:
    out = {}
    for line in _lines(root / "views.jsonl"):
        view = ViewRecord.from_dict(json.loads(line))
        out[view.image] = view
    return out


def _build_config(root: Path) -> dict[str, Any]:
    """The config the build of ``root`` recorded in its manifest ({} if there is none)."""
    path = root / "manifest.json"
    if not path.exists():
        return {}
    config: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")).get("config") or {}
    return config


def build_stages(root: Path) -> list[str]:
    """The stages the build of ``root`` ran (every offline one if unknown)."""
    stages = (_build_config(root).get("verify") or {}).get("stages")
    return list(stages) if stages else list(ALL_STAGES)


def build_vlm(root: Path) -> VLMConfig | None:
    """The build's ``vlm`` section, if it had one."""
    vlm = _build_config(root).get("vlm")
    return VLMConfig.model_validate(vlm) if vlm else None


def verify_dataset(root: Path, stages: Sequence[str] | None = None,
                   vlm: VLMConfig | None = None) -> Outcome:
    """Re-verify ``root`` in place with ``stages`` (default: the build's). ``vlm`` lets the
    VLM judge run again; without it, its earlier verdicts are kept."""
    if not (root / "samples.jsonl").exists():
        raise ConfigError(f"{root}: no samples.jsonl (is this a medground dataset?)")
    wanted = list(stages) if stages is not None else build_stages(root)
    unknown = [s for s in wanted if s not in ORDER[1:]]
    if unknown:
        raise ValueError(f"unknown verification stage(s): {', '.join(unknown)}")
    rerun = [s for s in wanted if s != "vlm_judge" or vlm is not None]
    views = _views(root)  # parsed once: every check shares the view records
    checks = {c.name: c.bind(root, views) for c in make_checks(rerun, vlm)}
    samples: list[Sample] = []
    earlier: dict[int, dict[str, Verdict]] = {}
    rejected_raw: list[dict[str, Any]] = []
    unreadable = 0
    for line in _lines(root / "samples.jsonl") + _lines(root / "rejects.jsonl"):
        try:
            record = json.loads(line)
            sample = Sample.from_dict(record)
        except (KeyError, TypeError, ValueError) as exc:  # kept as a reject, never dropped
            unreadable += 1
            rejected_raw.append(_unreadable(line, exc))
            continue
        earlier[id(sample)] = {v.stage: v for v in sample.verdicts}
        sample.verdicts = []
        samples.append(sample)
    by_image: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_image[s.image].append(s)  # duplicates are judged within an image
    kept: Counter[str] = Counter()
    for check in checks.values():
        check.setup()
    try:
        for stage in ORDER:
            if stage in checks:
                for batch in by_image.values():
                    checks[stage](batch)
                continue
            for s in samples:  # a stage not re-run here: its verdict stands
                old = earlier[id(s)].get(stage)
                if old is not None and s.passed:
                    s.verdicts.append(old)
                    kept[stage] += 1
    finally:
        for check in checks.values():
            check.teardown()
    stages_seen = [s for s in ORDER if s in checks or kept[s]]
    funnel = Funnel(stages_seen)
    kept_rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for s in samples:
        row = s.to_dict()
        funnel.add(row["verdicts"])
        (kept_rows if s.passed else rejected).append(row)
    for row in rejected_raw:
        funnel.add(row["verdicts"])
        rejected.append(row)
    for name, rows in (("samples.jsonl", kept_rows), ("rejects.jsonl", rejected)):
        atomic_write_bytes(root / name, "".join(dumps(row) + "\n" for row in rows).encode())
    _update_manifest(root, funnel)
    return Outcome(funnel=funnel.to_dict(), rerun=list(checks), kept=kept,
                   unreadable=unreadable)


def _unreadable(line: str, exc: Exception) -> dict[str, Any]:
    """A line that is no sample record: kept whole, rejected with the reason."""
    try:
        record: dict[str, Any] = json.loads(line)
        if not isinstance(record, dict):
            record = {"raw": line.rstrip("\n")}
    except ValueError:
        record = {"raw": line.rstrip("\n")}
    record["verdicts"] = [{"stage": "format", "passed": False, "reason": "SCHEMA_INVALID",
                           "detail": f"{type(exc).__name__}: {exc}"[:300]}]
    return record


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
    atomic_write_bytes(path, dumps_pretty(manifest).encode())
