"""``medground verify DATASET``: run verification stages again on a built dataset.

The stages to re-run default to those the build ran (from the manifest). Every sample (kept or
rejected before) is judged from scratch by them, against the view regions stored in
``views.jsonl``. A stage that cannot run here, the VLM judge without a server, is not undone:
its earlier verdicts are kept, in pipeline order, and the report says how many. A line that is
not a readable record (cut short, not UTF-8, a missing or mistyped field, a field a stage
cannot read) stays in the rejects as ``SCHEMA_INVALID``, never a crash; so do the samples of
an image whose ``views.jsonl`` record is unreadable.

samples.jsonl, rejects.jsonl and manifest.json are replaced together, in their previous order:
the three new files are staged whole, a journal commits them and they are renamed into place
(:mod:`medground.sinks.swap`). A kill at any moment leaves the old dataset or the new one; the
next command that reads the dataset (verify, build, predict) completes or undoes a swap that
was cut short.
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
from medground.sinks.files import write_jsonl
from medground.sinks.swap import Swap, recover
from medground.stages.base import Check
from medground.stages.verify import make_checks
from medground.types import Sample, Verdict, ViewRecord

#: where each stage stands in a sample's verdict list
ORDER = ("synth", "format", "geometry", "priors", "judge", "vlm_judge")


@dataclass
class Outcome:
    funnel: dict[str, Any]
    rerun: list[str]
    kept: Counter[str] = field(default_factory=Counter)  # earlier verdicts kept, by stage
    unreadable: int = 0  # lines of samples.jsonl / rejects.jsonl that are no sample record
    unreadable_views: int = 0  # lines of views.jsonl that are no view record


SCHEMA = "SCHEMA_INVALID"

#: what reading a damaged record raises; anything else is a bug and is not hidden
READ_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError)


@dataclass
class Line:
    """One non-blank line of a JSONL file; ``error`` when its bytes are not UTF-8."""

    text: str
    error: str | None = None


def _lines(path: Path) -> list[Line]:
    """The lines of ``path``, each decoded on its own: a line cut inside a character (a torn
    write) is one unreadable line, not an unreadable file."""
    if not path.exists():
        return []
    out = []
    with path.open("rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                out.append(Line(raw.decode("utf-8")))
            except UnicodeDecodeError as exc:
                out.append(Line(raw.decode("utf-8", errors="replace"),
                                f"{type(exc).__name__}: {exc}"))
    return out


def _views(root: Path) -> tuple[dict[str, ViewRecord], dict[str, str], int]:
    """The readable view records by image, why the record of an image is unreadable (when it
    still names its image), and how many lines are unreadable."""
    out: dict[str, ViewRecord] = {}
    broken: dict[str, str] = {}
    unreadable = 0
    for i, line in enumerate(_lines(root / "views.jsonl"), 1):
        record: Any = None
        try:
            if line.error is not None:
                raise ValueError(line.error)
            record = json.loads(line.text)
            view = ViewRecord.from_dict(record)
        except READ_ERRORS as exc:
            unreadable += 1
            image = record.get("image") if isinstance(record, dict) else None
            if isinstance(image, str):
                broken[image] = (f"views.jsonl line {i} (this image's regions) is unreadable: "
                                 f"{type(exc).__name__}: {exc}")[:300]
            continue
        out[view.image] = view
    return out, broken, unreadable


def _build_config(root: Path) -> dict[str, Any]:
    """The config the build of ``root`` recorded in its manifest ({} if there is none)."""
    recover(root)  # a swap cut short: settle it before reading
    path = root / "manifest.json"
    if not path.exists():
        return {}
    try:
        config: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")).get("config") or {}
    except (OSError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path}: unreadable manifest ({exc})") from exc
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
    recover(root)  # a verify or merge killed half-way: finish or undo it first
    if not (root / "samples.jsonl").exists():
        raise ConfigError(f"{root}: no samples.jsonl (is this a medground dataset?)")
    wanted = list(stages) if stages is not None else build_stages(root)
    unknown = [s for s in wanted if s not in ORDER[1:]]
    if unknown:
        raise ValueError(f"unknown verification stage(s): {', '.join(unknown)}")
    rerun = [s for s in wanted if s != "vlm_judge" or vlm is not None]
    views, broken_views, unreadable_views = _views(root)  # parsed once, shared by the checks
    checks = {c.name: c.bind(root, views) for c in make_checks(rerun, vlm)}
    samples: list[Sample] = []
    earlier: dict[int, dict[str, Verdict]] = {}
    rejected_raw: list[dict[str, Any]] = []
    unreadable = 0
    for line in _lines(root / "samples.jsonl") + _lines(root / "rejects.jsonl"):
        try:
            if line.error is not None:
                raise ValueError(line.error)
            sample = Sample.from_dict(json.loads(line.text))
        except READ_ERRORS as exc:  # kept as a reject, never dropped
            unreadable += 1
            rejected_raw.append(_unreadable(line.text, exc, parse=line.error is None))
            continue
        earlier[id(sample)] = {v.stage: v for v in sample.verdicts}
        sample.verdicts = []
        if sample.image in broken_views:  # its regions are lost: it cannot be verified
            sample.verdicts.append(Verdict("format", False, SCHEMA,
                                           broken_views[sample.image]))
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
                    _judge(checks[stage], batch)
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
    with Swap(root) as swap:  # all three files or none (sinks/swap.py)
        for name, rows in (("samples.jsonl", kept_rows), ("rejects.jsonl", rejected)):
            with swap.open(name) as fh:
                write_jsonl(fh, rows)
        swap.write_text("manifest.json", _updated_manifest(root, funnel))
    return Outcome(funnel=funnel.to_dict(), rerun=list(checks), kept=kept,
                   unreadable=unreadable, unreadable_views=unreadable_views)


def _judge(check: Check, batch: list[Sample]) -> None:
    """``check`` over one image's samples; when a record is damaged in a way the check cannot
    read, each sample is judged alone and the unreadable ones are ``SCHEMA_INVALID`` rejects
    of that stage, the others judged as usual."""
    marks = [len(s.verdicts) for s in batch]
    try:
        check(batch)
        return
    except READ_ERRORS:
        for s, n in zip(batch, marks, strict=True):
            del s.verdicts[n:]
    for s, n in zip(batch, marks, strict=True):
        try:
            check([s])
        except READ_ERRORS as exc:
            del s.verdicts[n:]
            s.verdicts.append(Verdict(check.name, False, SCHEMA,
                                      f"{check.name} cannot read the record: "
                                      f"{type(exc).__name__}: {exc}"[:300]))


def _unreadable(line: str, exc: Exception, parse: bool = True) -> dict[str, Any]:
    """A line that is no sample record: kept whole, rejected with the reason."""
    record: dict[str, Any] = {"raw": line.rstrip("\n")}
    if parse:
        try:
            parsed = json.loads(line)
            if isinstance(parsed, dict):
                record = parsed
        except ValueError:
            pass
    verdicts = record.get("verdicts")
    if ("raw" in record and isinstance(verdicts, list) and len(verdicts) == 1
            and isinstance(verdicts[0], dict) and verdicts[0].get("reason") == SCHEMA):
        return record  # an unreadable line an earlier verify kept: it stays as it was
    record["verdicts"] = [{"stage": "format", "passed": False, "reason": SCHEMA,
                           "detail": f"{type(exc).__name__}: {exc}"[:300]}]
    return record


def _updated_manifest(root: Path, funnel: Funnel) -> str:
    """The manifest's text with the new counts and funnel (a fresh one if it has none)."""
    path = root / "manifest.json"
    manifest: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ConfigError(f"{path}: unreadable manifest ({exc})") from exc
        manifest = loaded if isinstance(loaded, dict) else {}
    counts = {k: v for k, v in manifest.get("counts", {}).items()
              if not k.startswith("rejected")}
    counts["kept"] = funnel.kept
    counts["rejected"] = funnel.synthesized - funnel.kept
    for stage in funnel.stages:
        for reason, n in funnel.rejected[stage].items():
            counts[f"rejected/{stage}/{reason}"] = n
    manifest["counts"] = dict(sorted(counts.items()))
    manifest["funnel"] = funnel.to_dict()
    return dumps_pretty(manifest)
