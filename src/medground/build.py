"""``medground build``: source -> cases -> shards -> dataset files."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medground.config import BuildConfig
from medground.errors import CaseError, ConfigError
from medground.executors.local import prepare, run_cases, shard_path
from medground.manifest import Merge
from medground.sources import make_source
from medground.sources.base import CaseRef, Source


def discover(cfg: BuildConfig) -> list[CaseRef]:
    """Case references of the configured source; a source-level problem is a ConfigError."""
    return _source_and_refs(cfg)[1]


def _source_and_refs(cfg: BuildConfig) -> tuple[Source, list[CaseRef]]:
    """The source and its cases. A root that is not a folder, a pattern that matches nothing
    or a source with no case at all is a configuration error naming the path and the pattern."""
    root = cfg.source.root
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        raise ConfigError(f"source.root {root} {what} (relative paths are relative to the "
                          "config file)")
    try:
        source = make_source(cfg)
        refs = source.case_refs()
    except CaseError as exc:
        raise ConfigError(f"source: {exc}") from exc
    except (NotImplementedError, ValueError) as exc:  # pathlib: an absolute or bad glob
        raise ConfigError(f"source: {what_is_searched(cfg)}: {exc}") from exc
    if not refs:
        raise ConfigError(f"source: 0 cases: {what_is_searched(cfg)}")
    return source, refs


def what_is_searched(cfg: BuildConfig) -> str:
    """Where the source looks for cases, in words, for a message about finding none."""
    src, root = cfg.source, cfg.source.root
    images = getattr(src, "images", None)
    dataset_json = getattr(src, "dataset_json", None)
    if src.pairs:
        return f"`pairs` lists {len(src.pairs)} cases (root {root})"
    if images:
        return f"no file matches `images: {images}` under {root}"
    if dataset_json:
        return (f"{root / dataset_json} lists no `training` cases and no file matches "
                f"labelsTr/*<file_ending> under {root}")
    if src.pairs is not None:
        return f"`pairs` is empty (root {root})"
    return f"no `images` pattern, `pairs` or `dataset_json` is given (root {root})"


def build(
    cfg: BuildConfig,
    out: Path,
    workers: int = 1,
    overwrite: bool = False,
    on_start: Callable[[int, int], None] | None = None,
    on_done: Callable[[str, str], None] | None = None,
    executor: str = "local",
    address: str | None = None,
) -> dict[str, Any]:
    """Build (or finish building) a dataset into ``out``; returns the manifest.

    ``on_start(total, already_done)`` and ``on_done(case, status)`` drive progress display.
    ``executor`` is ``local`` (a process pool of ``workers``) or ``ray`` (Ray tasks on the
    cluster at ``address``; executors/ray.py): the same shards, the same bytes.
    """
    run = _executor(executor, address, workers)  # a missing extra is a config error too
    source, refs = _source_and_refs(cfg)  # before creating ``out``: a config error writes nothing
    out.mkdir(parents=True, exist_ok=True)
    plan = prepare(cfg, out, refs, overwrite, source.display_file)
    if on_start is not None:
        on_start(len(plan.refs), len(plan.refs) - len(plan.todo))
    merging = Merge(cfg, out, plan)  # the dataset files, written as cases finish

    def done(case: str, status: str) -> None:
        if on_done is not None:
            on_done(case, status)
        merging.add_ready()

    try:
        merging.add_ready()  # the cases a resumed build has already
        run(cfg, out, plan.todo, workers, done)
    except KeyboardInterrupt:
        merging.abort()
        finished = sum(shard_path(out, ref.case_id).exists() for ref in plan.refs)
        raise BuildInterrupted(out, finished, len(plan.refs)) from None
    except BaseException:
        merging.abort()
        raise
    manifest = merging.finish()
    manifest["resumed_cases"] = len(plan.refs) - len(plan.todo)  # not written: run-specific
    return manifest


def _executor(name: str, address: str | None, workers: int) -> Callable[
        [BuildConfig, Path, list[CaseRef], int, Callable[[str, str], None]], None]:
    """The ``run_cases`` of the named executor; Ray is imported only when asked for."""
    if name == "ray":
        from medground.executors import ray as ray_executor

        return ray_executor.runner(address, workers)
    if name != "local":
        raise ConfigError(f"unknown executor {name!r}: use local or ray")
    if address is not None:
        raise ConfigError("--address names a Ray cluster: it needs --executor ray")
    return run_cases


class BuildInterrupted(KeyboardInterrupt):
    """Ctrl-C during a build: the cases finished so far are kept (their shards), a re-run of
    the same command resumes. A KeyboardInterrupt, so that code which only knows that still
    sees an interruption."""

    def __init__(self, out: Path, finished: int, total: int) -> None:
        super().__init__(f"interrupted: {finished} of {total} cases finished in {out}")
        self.out, self.finished, self.total = out, finished, total


@dataclass
class ErrorSummary:
    """What errors.jsonl holds: how many records, how many fatal, and the first few."""

    records: int = 0
    fatal: int = 0
    by_code: Counter[str] = field(default_factory=Counter)
    first_fatal: list[tuple[str, str]] = field(default_factory=list)  # (case, code)
    first_other: list[tuple[str, str]] = field(default_factory=list)


def summarize_errors(path: Path, first: int = 5) -> ErrorSummary:
    """Read ``errors.jsonl`` line by line (it may be large); an unreadable line counts as a
    record of its own (``UNREADABLE_RECORD``)."""
    summary = ErrorSummary()
    if not path.is_file():
        return summary
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                case, code, fatal = str(record["case"]), str(record["code"]), bool(record["fatal"])
            except (ValueError, KeyError, TypeError):
                case, code, fatal = "?", "UNREADABLE_RECORD", False
            summary.records += 1
            summary.by_code[code] += 1
            summary.fatal += fatal
            kept = summary.first_fatal if fatal else summary.first_other
            if len(kept) < first:
                kept.append((case, code))
    return summary
