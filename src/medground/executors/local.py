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
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from medground.config import BuildConfig
from medground.errors import ConfigError
from medground.executors import resume
from medground.executors.resume import PACE_ONLY  # noqa: F401  (re-exported)
from medground.pipeline import Pipeline
from medground.sinks.files import atomic_write_bytes, dumps
from medground.sinks.swap import recover
from medground.sources.base import CaseRef

STATE = ".medground"
OUTPUTS = ("samples.jsonl", "rejects.jsonl", "errors.jsonl", "views.jsonl", "manifest.json")




_A = TypeVar("_A")
_T = TypeVar("_T")


def config_hash(cfg: BuildConfig) -> str:
    """What a resumed build must share with the one it continues (executors/resume.py): the
    config without its pace-only settings, the files it names, the medground and prompt
    versions."""
    return resume.key(resume.inputs(cfg))


def shard_path(out: Path, case_id: str) -> Path:
    key = hashlib.sha256(case_id.encode()).hexdigest()[:24]
    return out / STATE / "shards" / f"{key}.json"


@dataclass
class Plan:
    refs: list[CaseRef]  # unique cases, in source order
    discovery_errors: list[dict[str, Any]]
    todo: list[CaseRef]


def prepare(cfg: BuildConfig, out: Path, refs: list[CaseRef], overwrite: bool,
            display: Callable[[CaseRef, str], str]) -> Plan:
    """Check the output folder belongs to this config, find duplicates and finished cases.
    ``display`` names a case's file in error records (the source's ``display_file``)."""
    state = out / STATE
    run_file = state / "run.json"
    recorded = resume.inputs(cfg)
    digest = resume.key(recorded)
    if overwrite:
        for name in (*OUTPUTS, "images", STATE):
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    else:
        recover(out)  # a merge killed half-way: finish or undo it (sinks/swap.py)
        if run_file.exists():
            _same_build(out, json.loads(run_file.read_text(encoding="utf-8")), recorded, digest)
    atomic_write_bytes(run_file, (dumps({"config_hash": digest, "inputs": recorded})
                                  + "\n").encode())
    unique: list[CaseRef] = []
    errors: list[dict[str, Any]] = []
    first_file: dict[str, str] = {}
    for ref in refs:
        if ref.case_id in first_file:
            errors.append({
                "case": ref.case_id, "file": display(ref, ref.files[0][1]),
                "code": "DUPLICATE_CASE",
                "message": f"case id {ref.case_id!r} also comes from {first_file[ref.case_id]}; "
                           "this one is skipped (give cases distinct names)",
                "fatal": True,
            })
            continue
        first_file[ref.case_id] = display(ref, ref.files[0][1])
        unique.append(ref)
    todo = [r for r in unique if not shard_path(out, r.case_id).exists()]
    return Plan(refs=unique, discovery_errors=errors, todo=todo)


def _same_build(out: Path, previous: dict[str, Any], recorded: dict[str, str],
                digest: str) -> None:
    """Refuse to resume into ``out`` when an input of its build has changed, naming it."""
    if previous.get("config_hash") == digest:
        return
    if isinstance(previous.get("inputs"), dict):
        what = resume.changes(previous["inputs"], recorded) or ["its inputs differ"]
    else:
        what = ["it was made by an earlier medground that did not record its inputs"]
    raise ConfigError(
        f"{out} holds a build made with a different configuration: {'; '.join(what)}. "
        "Resuming would mix the two: use --overwrite to replace it, or choose another --out"
    )


# --- worker side -------------------------------------------------------------------------
_PIPELINE: Pipeline | None = None


def _init_worker(cfg: BuildConfig) -> None:
    global _PIPELINE
    _PIPELINE = Pipeline.build(cfg)
    _PIPELINE.setup()
    atexit.register(_PIPELINE.teardown)


def _run_one(ref: CaseRef, out: Path) -> tuple[str, str]:
    """One case, then its shard (the completion marker). ``run_case`` turns any exception
    of the case into a failed result, so a bad case never stops the others."""
    assert _PIPELINE is not None, "worker not initialised"
    result = _PIPELINE.run_case(ref, out)
    atomic_write_bytes(shard_path(out, ref.case_id), (dumps(result.to_dict()) + "\n").encode())
    return ref.case_id, result.status


def _bounded(pool: Executor, fn: Callable[[_A], _T], items: Iterable[_A],
             limit: int) -> Iterator[_T]:
    """``fn`` over ``items`` in ``pool``, at most ``limit`` submitted and not yet collected
    (so memory stays flat); results in completion order. When the caller stops early (an
    exception, Ctrl-C, a closed generator), what has not started yet is cancelled."""
    pending: set[Future[_T]] = set()
    try:
        for item in items:
            pending.add(pool.submit(fn, item))
            if len(pending) >= limit:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (f.result() for f in done)
    finally:
        for f in pending:
            f.cancel()


def _run_many(refs: Iterable[CaseRef], out: Path, at_once: int) -> Iterator[tuple[str, str]]:
    """Run cases in this worker, ``at_once`` of them open together in threads (a VLM build
    waits on the server, not the CPU); yields each finished case."""
    if at_once <= 1:
        for ref in refs:
            yield _run_one(ref, out)
        return
    with ThreadPoolExecutor(at_once, thread_name_prefix="medground-case") as threads:
        yield from _bounded(threads, partial(_run_one, out=out), refs, at_once)


def _run_chunk(refs: list[CaseRef], out: Path) -> list[tuple[str, str]]:
    return list(_run_many(refs, out, len(refs)))


def cases_at_once(cfg: BuildConfig) -> int:
    """Cases a worker keeps open together: ``vlm.cases_in_flight`` when a VLM is used, else 1
    (the offline stages are CPU-bound: processes, not threads, spread them)."""
    if not cfg.uses_vlm or cfg.vlm is None:
        return 1
    return cfg.vlm.open_cases(volumes=cfg.source.type != "folder2d")


def run_cases(
    cfg: BuildConfig, out: Path, todo: list[CaseRef], workers: int,
    on_done: Callable[[str, str], None],
) -> None:
    """Process cases, a bounded number in flight so memory stays flat.

    One worker runs in this process; several are a process pool, each given chunks of
    ``cases_at_once`` cases at a time and at most two chunks queued per worker.
    """
    at_once = cases_at_once(cfg)
    if workers <= 1:
        _init_worker(cfg)
        try:
            for case, status in _run_many(todo, out, at_once):
                on_done(case, status)
        finally:
            if _PIPELINE is not None:
                _PIPELINE.teardown()
        return
    ctx = multiprocessing.get_context("spawn")
    chunks = (todo[i:i + at_once] for i in range(0, len(todo), at_once))
    before = set(multiprocessing.active_children())
    pool = _QuietPool(workers, mp_context=ctx, initializer=_init_pool_worker, initargs=(cfg,))
    try:
        for finished in _bounded(pool, partial(_run_chunk, out=out), chunks, 2 * workers):
            for case, status in finished:
                on_done(case, status)
    except BaseException:  # Ctrl-C (or a failure): stop now, keep the finished shards
        pool.shutdown(wait=False, cancel_futures=True)
        _stop_workers(set(multiprocessing.active_children()) - before)
        _remove_partial_writes(out)
        raise
    pool.shutdown(wait=True)


# --- Ctrl-C with a process pool ------------------------------------------------------------
# A terminal sends SIGINT to every process of the group. The workers ignore it, so that none
# prints a traceback; the main process gets the KeyboardInterrupt, cancels the pending chunks
# and terminates the workers. A case that was running has no shard (shards are renamed into
# place whole) and runs again on resume.

class _QuietPool(ProcessPoolExecutor):
    """Worker processes are started (on submit) with SIGINT blocked, so that a Ctrl-C while
    one is still importing cannot reach it before ``_init_pool_worker`` ignores it; the main
    process gets the signal as soon as the submit returns."""

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
            return super().submit(fn, *args, **kwargs)
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _init_pool_worker(cfg: BuildConfig) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process stops the pool
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _init_worker(cfg)


def _stop_workers(processes: Iterable[multiprocessing.process.BaseProcess]) -> None:
    procs = list(processes)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()


def _remove_partial_writes(out: Path) -> None:
    """Temporary files a terminated worker left beside images and shards (``.<name>.*.tmp``,
    sinks/files.py); the files they were to replace are intact."""
    for folder in (out / "images", out / STATE / "shards"):
        if folder.is_dir():
            for tmp in folder.rglob(".*.tmp"):
                tmp.unlink(missing_ok=True)


def iter_shards(out: Path, refs: list[CaseRef]) -> Iterator[dict[str, Any]]:
    for ref in refs:
        path = shard_path(out, ref.case_id)
        yield json.loads(path.read_text(encoding="utf-8"))
