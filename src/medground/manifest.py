"""Merge finished shards into the dataset files and describe the run in manifest.json."""

from __future__ import annotations

import importlib.metadata
import json
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from medground import __version__
from medground.config import BuildConfig
from medground.executors.local import Plan, iter_shards
from medground.funnel import Funnel
from medground.sinks.files import dumps
from medground.sinks.swap import Swap

BOX_CONVENTION = (
    "pixel xyxy on the saved PNG; x to the right, y down; x1,y1 inclusive, x2,y2 exclusive "
    "(pixel edges), so width = x2 - x1"
)

#: counts every manifest has, 0 included, so that a reader needs no ``.get(key, 0)``: the
#: cases by outcome and the funnel from views to kept and rejected samples
FUNNEL_COUNTS = ("cases_ok", "cases_empty", "cases_failed", "views", "regions", "images",
                 "synthesized", "kept", "rejected")

_LIBS = ("numpy", "scipy", "nibabel", "pydicom", "pillow", "pycocotools", "pydantic")


def versions() -> dict[str, str]:
    out = {"medground": __version__}
    for lib in _LIBS:
        try:
            out[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            out[lib] = "absent"
    return out


def merge(cfg: BuildConfig, out: Path, plan: Plan) -> dict[str, Any]:
    """Write samples/rejects/errors JSONL from the shards (source order) and the manifest."""
    counts: Counter[str] = Counter()
    funnel = Funnel(list(cfg.verify.stages))
    status: dict[str, list[str]] = {"ok": [], "empty": [], "failed": []}
    names = ("samples.jsonl", "rejects.jsonl", "errors.jsonl", "views.jsonl")
    # the four JSONL files and the manifest are staged, then swapped in together
    # (sinks/swap.py): a kill leaves the previous merge or this one, never a mix
    swap = Swap(out)
    with ExitStack() as stack:
        stack.push(swap.abort_on_error)
        handles = {name: stack.enter_context(swap.open(name)) for name in names}
        for err in plan.discovery_errors:
            handles["errors.jsonl"].write(dumps(err) + "\n")
        for shard in iter_shards(out, plan.refs):
            status[shard["status"]].append(shard["case"])
            counts.update(shard["counts"])
            for key, name in (("samples", "samples.jsonl"), ("rejects", "rejects.jsonl"),
                              ("errors", "errors.jsonl"), ("views", "views.jsonl")):
                for record in shard.get(key, []):
                    handles[name].write(dumps(record) + "\n")
                    if key in ("samples", "rejects"):
                        funnel.add(record["verdicts"])
    counts["cases_duplicate"] = len(plan.discovery_errors)
    for key in FUNNEL_COUNTS:  # present (0) even when nothing got that far
        counts[key] += 0
    manifest = {
        "name": cfg.dataset_name,
        "medground_version": __version__,
        "versions": versions(),
        "box_convention": BOX_CONVENTION,
        "cases": {
            "total": len(plan.refs) + len(plan.discovery_errors),
            "with_samples": len(status["ok"]),
            "empty": len(status["empty"]),
            "failed": len(status["failed"]),
            "duplicate": len(plan.discovery_errors),
        },
        "empty_cases": status["empty"],
        "failed_cases": status["failed"],
        "counts": dict(sorted(counts.items())),
        "funnel": funnel.to_dict(),
        "structures": structure_rules(counts),
        "vlm": vlm_usage(cfg, counts),
        "files": {
            "samples": "samples.jsonl",
            "rejects": "rejects.jsonl",
            "errors": "errors.jsonl",
            "views": "views.jsonl",
            "images": "images/",
        },
        "config": public_config(cfg),
    }
    with swap:  # commits: every file at once
        swap.write_text("manifest.json", dumps_pretty(manifest))
    return manifest


def structure_rules(counts: Counter[str]) -> dict[str, dict[str, int]]:
    """Per label, what the split rule decided and why (``split/countable_name``,
    ``whole/anatomy_name``, ...; stages/structure.py), counted over 2D images or volume cases,
    and how often the label was a parent left out (stages/hierarchy.py)."""
    out: dict[str, dict[str, int]] = {}
    for key, n in sorted(counts.items()):
        if key.startswith("split_rule/"):
            label, decision, reason = key[len("split_rule/"):].rsplit("/", 2)
            out.setdefault(label, {})[f"{decision}/{reason}"] = n
        elif key.startswith("hierarchy/parent/"):
            out.setdefault(key[len("hierarchy/parent/"):], {})["parent_left_out"] = n
    return out


def vlm_usage(cfg: BuildConfig, counts: Counter[str]) -> dict[str, Any] | None:
    """Requests, cache hits, tokens and (with a price table) the cost of the run."""
    if cfg.vlm is None:
        return None
    usage = {k: int(counts.get(f"vlm/{k}", 0)) for k in
             ("requests", "withdrawn", "cache_hits", "retries", "errors", "prompt_tokens",
              "completion_tokens")}
    prices = cfg.vlm.price_per_million
    cost = None
    if prices:
        cost = round(usage["prompt_tokens"] * prices.get("prompt", 0.0) / 1e6
                     + usage["completion_tokens"] * prices.get("completion", 0.0) / 1e6, 6)
    return {"model": cfg.vlm.model, **usage, "cost_usd": cost}


def dumps_pretty(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def public_config(cfg: BuildConfig) -> dict[str, Any]:
    """The config as recorded in the manifest; DICOM series paths are redacted because
    exported folders are often named after the patient."""
    data: dict[str, Any] = cfg.model_dump(mode="json")
    if data["source"].get("type") == "dicom":
        for pair in data["source"]["pairs"]:
            pair["series"] = "<redacted>"
            pair["label"] = "<redacted>"
    return data
