"""``medground build``: source -> cases -> shards -> dataset files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from medground.config import BuildConfig
from medground.errors import CaseError, ConfigError
from medground.executors.local import prepare, run_cases
from medground.manifest import merge
from medground.sources import make_source
from medground.sources.base import CaseRef, Source


def discover(cfg: BuildConfig) -> list[CaseRef]:
    """Case references of the configured source; a source-level problem is a ConfigError."""
    return _source_and_refs(cfg)[1]


def _source_and_refs(cfg: BuildConfig) -> tuple[Source, list[CaseRef]]:
    try:
        source = make_source(cfg)
        return source, source.case_refs()
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
    source, refs = _source_and_refs(cfg)
    plan = prepare(cfg, out, refs, overwrite, source.display_file)
    if on_start is not None:
        on_start(len(plan.refs), len(plan.refs) - len(plan.todo))
    run_cases(cfg, out, plan.todo, workers, on_done or (lambda case, status: None))
    manifest = merge(cfg, out, plan)
    manifest["resumed_cases"] = len(plan.refs) - len(plan.todo)  # not written: run-specific
    return manifest
