"""Merge finished shards into the dataset files and describe the run in manifest.json."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from medground import __version__
from medground.config import BuildConfig
from medground.executors.local import Plan, shard_path
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


class MergeAborted(Exception):
    """Raised into the staged files' writers so that they discard what they hold."""


_KINDS = (("samples", "samples.jsonl"), ("rejects", "rejects.jsonl"),
          ("errors", "errors.jsonl"), ("views", "views.jsonl"))


class Merge:
    """The dataset files written from the shards in source order, while the build runs.

    Each finished shard whose earlier cases have all finished is appended to the staged
    JSONL files at once (:meth:`add_ready`, called as cases finish), so that with workers in
    other processes the main process merges while they compute instead of after them; the
    files and the manifest are swapped in together at :meth:`finish` (sinks/swap.py), and an
    interrupted build leaves the previous merge (:meth:`abort`, or the next run's recovery
    after a kill). The files are the same bytes as a merge made after the build."""

    def __init__(self, cfg: BuildConfig, out: Path, plan: Plan) -> None:
        self.cfg, self.out, self.plan = cfg, out, plan
        self.counts: Counter[str] = Counter()
        self.funnel = Funnel(list(cfg.verify.stages))
        self.status: dict[str, list[str]] = {"ok": [], "empty": [], "failed": []}
        self.merged = 0  # plan.refs[:merged] are in the staged files
        self._stack = ExitStack()
        # the four JSONL files and the manifest are staged, then swapped in together: a kill
        # leaves the previous merge or this one, never a mix
        self.swap = Swap(out)
        try:
            self._handles = {name: self._stack.enter_context(self.swap.open(name))
                             for _, name in _KINDS}
        except BaseException:
            self.abort()
            raise
        for err in plan.discovery_errors:
            self._handles["errors.jsonl"].write(dumps(err) + "\n")

    def add_ready(self) -> None:
        """Append the shards of the next cases in source order that have finished."""
        refs = self.plan.refs
        while self.merged < len(refs):
            try:
                text = shard_path(self.out, refs[self.merged].case_id).read_text(encoding="utf-8")
            except FileNotFoundError:  # not finished yet
                return
            self._add(json.loads(text))
            self.merged += 1

    def _add(self, shard: dict[str, Any]) -> None:
        self.status[shard["status"]].append(shard["case"])
        self.counts.update(shard["counts"])
        for key, name in _KINDS:
            handle = self._handles[name]
            for record in shard.get(key, []):
                handle.write(dumps(record) + "\n")
                if key in ("samples", "rejects"):
                    self.funnel.add(record["verdicts"])

    def abort(self) -> None:
        """Drop what was staged: the dataset files stay those of the previous merge."""
        stop = MergeAborted("the build stopped before its merge was complete")
        with contextlib.suppress(MergeAborted):  # the staged files' writers discard them
            self._stack.__exit__(MergeAborted, stop, None)
        self.swap.abort()

    def finish(self) -> dict[str, Any]:
        """Merge the rest (every case must have its shard), write the manifest, swap the
        files in; returns the manifest."""
        try:
            self.add_ready()
            if self.merged < len(self.plan.refs):
                missing = shard_path(self.out, self.plan.refs[self.merged].case_id)
                raise FileNotFoundError(f"{missing}: the shard of case "
                                        f"{self.plan.refs[self.merged].case_id!r} is missing")
            self._stack.close()  # the staged JSONL files are complete
        except BaseException:
            self.abort()
            raise
        return self._manifest()

    def _manifest(self) -> dict[str, Any]:
        cfg, plan, counts, status, funnel, swap = (self.cfg, self.plan, self.counts,
                                                   self.status, self.funnel, self.swap)
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
