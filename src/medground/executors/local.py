"""Local executor: a process pool over cases, one atomic shard per finished case.

A shard (``.medground/shards/<key>.json``) is the completion marker of its case: a re-run
into the same output folder skips every case whose shard exists. Outputs are merged from the
shards in source order, so the result does not depend on worker count or timing.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import multiprocessing
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medground.config import BuildConfig
from medground.errors import ConfigError
from medground.pipeline import Pipeline
from medground.sinks.files import atomic_write_bytes, dumps
from medground.sources.base import CaseRef

STATE = ".medground"
OUTPUTS = ("samples.jsonl", "rejects.jsonl", "errors.jsonl", "manifest.json")


def config_hash(cfg: BuildConfig) -> str:
    return hashlib.sha256(cfg.model_dump_json().encode()).hexdigest()


def shard_path(out: Path, case_id: str) -> Path:
    key = hashlib.sha256(case_id.encode()).hexdigest()[:24]
    return out / STATE / "shards" / f"{key}.json"


@dataclass
class Plan:
    refs: list[CaseRef]  # unique cases, in source order
    discovery_errors: list[dict[str, Any]]
    todo: list[CaseRef]


def prepare(cfg: BuildConfig, out: Path, refs: list[CaseRef], overwrite: bool) -> Plan:
    """Check the output folder belongs to this config, find duplicates and finished cases."""
    state = out / STATE
    run_file = state / "run.json"
    digest = config_hash(cfg)
    if overwrite:
        for name in (*OUTPUTS, "images", STATE):
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    elif run_file.exists():
        previous = json.loads(run_file.read_text(encoding="utf-8")).get("config_hash")
        if previous != digest:
            raise ConfigError(
                f"{out} holds a build made with a different configuration; "
                "use --overwrite to replace it, or choose another --out"
            )
    atomic_write_bytes(run_file, (dumps({"config_hash": digest}) + "\n").encode())
    unique: list[CaseRef] = []
    errors: list[dict[str, Any]] = []
    first_file: dict[str, str] = {}
    for ref in refs:
        if ref.case_id in first_file:
            errors.append({
                "case": ref.case_id, "file": ref.files[0][1], "code": "DUPLICATE_CASE",
                "message": f"case id {ref.case_id!r} also comes from {first_file[ref.case_id]}; "
                           "this one is skipped (give cases distinct names)",
                "fatal": True,
            })
            continue
        first_file[ref.case_id] = ref.files[0][1]
        unique.append(ref)
    todo = [r for r in unique if not shard_path(out, r.case_id).exists()]
    return Plan(refs=unique, discovery_errors=errors, todo=todo)


# --- worker side -------------------------------------------------------------------------
_PIPELINE: Pipeline | None = None


def _init_worker(cfg: BuildConfig) -> None:
    global _PIPELINE
    _PIPELINE = Pipeline.build(cfg)
    _PIPELINE.setup()
    atexit.register(_PIPELINE.teardown)


def _run_one(ref: CaseRef, out: Path) -> tuple[str, str]:
    assert _PIPELINE is not None, "worker not initialised"
    result = _PIPELINE.run_case(ref, out)
    atomic_write_bytes(shard_path(out, ref.case_id), (dumps(result.to_dict()) + "\n").encode())
    return ref.case_id, result.status


def run_cases(
    cfg: BuildConfig, out: Path, todo: list[CaseRef], workers: int,
    on_done: Callable[[str, str], None],
) -> None:
    """Process cases, at most ``2 * workers`` in flight so memory stays flat."""
    if workers <= 1:
        _init_worker(cfg)
        try:
            for ref in todo:
                on_done(*_run_one(ref, out))
        finally:
            if _PIPELINE is not None:
                _PIPELINE.teardown()
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(cfg,)) as pool:
        pending: set[Future[tuple[str, str]]] = set()
        queue = iter(todo)
        for ref in queue:
            pending.add(pool.submit(_run_one, ref, out))
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    on_done(*f.result())
        for f in _as_completed(pending):
            on_done(*f.result())


def _as_completed(pending: set[Future[tuple[str, str]]]) -> Iterator[Future[tuple[str, str]]]:
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        yield from done


def iter_shards(out: Path, refs: list[CaseRef]) -> Iterator[dict[str, Any]]:
    for ref in refs:
        path = shard_path(out, ref.case_id)
        yield json.loads(path.read_text(encoding="utf-8"))
