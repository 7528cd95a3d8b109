"""``medground build``: source -> cases -> shards -> dataset files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from medground.config import BuildConfig
from medground.errors import CaseError, ConfigError
from medground.executors.local import prepare, run_cases
from medground.llm.session import prepare_cache
from medground.manifest import merge
from medground.sources import make_source
from medground.sources.base import CaseRef


def discover(cfg: BuildConfig) -> list[CaseRef]:
    """Case references of the configured source; a source-level problem is a ConfigError."""
    try:
        return make_source(cfg).case_refs()
    except CaseError as exc:
        raise ConfigError(f"source: {exc}") from exc


def build(
    cfg: BuildConfig,
    out: Path,
    workers: int = 1,
    overwrite: bool = False,
    on_start: Callable[[int, int], None] | None = None,
    on_done: Callable[[str, str], None] | None = None,
) -> dict[str, Any]:
    """Build (or finish building) a dataset into ``out``; returns the manifest.

    ``on_start(total, already_done)`` and ``on_done(case, status)`` drive progress display.
    """
    out.mkdir(parents=True, exist_ok=True)
    refs = discover(cfg)
    plan = prepare(cfg, out, refs, overwrite)
    if on_start is not None:
        on_start(len(plan.refs), len(plan.refs) - len(plan.todo))
    if cfg.vlm is not None and plan.todo:
        prepare_cache(cfg.vlm, out)
    run_cases(cfg, out, plan.todo, workers, on_done or (lambda case, status: None))
    manifest = merge(cfg, out, plan)
    manifest["resumed_cases"] = len(plan.refs) - len(plan.todo)  # not written: run-specific
    return manifest
