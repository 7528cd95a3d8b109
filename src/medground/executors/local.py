"""Local executor: a process pool over cases, one atomic shard per finished case.

A shard (``.medground/shards/<key>.json``) is the completion marker of its case: a re-run
into the same output folder skips every case whose shard exists. Outputs are merged from the
shards in source order, so the result does not depend on worker count or timing.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import threading
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

from threadpoolctl import threadpool_limits

from medground.config import BuildConfig
from medground.errors import ConfigError
from medground.executors import resume
from medground.executors.case_size import WORK_PER_DECODED_BYTE, decoded_bytes
from medground.executors.resume import PACE_ONLY  # noqa: F401  (re-exported)
from medground.llm.turns import taking_turns
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


def one_blas_thread() -> threadpool_limits:
    """BLAS (numpy's matmul, used on a view's small canvases) held to one thread, in this
    process until the returned limit is undone (it is a context manager). An executor runs a
    case per core already; OpenBLAS's threads on such small products spin and burn CPU for
    no speed (1.4x the CPU time of one thread for the same wall time on this machine) and
    take the other workers' cores."""
    return threadpool_limits(limits=1, user_api="blas")


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


def _run_taking_turns(ref: CaseRef, out: Path, turns: threading.Semaphore) -> tuple[str, str]:
    """``_run_one`` in one of ``turns``, given up while the case waits for VLM answers."""
    with taking_turns(turns):
        return _run_one(ref, out)


def _bounded(pool: Executor, fn: Callable[[_A], _T], items: Iterable[_A], limit: int,
             weigh: Callable[[_A], int] | None = None, budget: int | None = None
             ) -> Iterator[_T]:
    """``fn`` over ``items`` in ``pool``, at most ``limit`` submitted and not yet collected
    (so memory stays flat), and with ``weigh``, only while their weights fit in ``budget``
    together (one item at a time always runs, whatever it weighs); results in completion
    order. When the caller stops early (an exception, Ctrl-C, a closed generator), what has
    not started yet is cancelled."""
    pending: dict[Future[_T], int] = {}
    try:
        for item in items:
            weight = weigh(item) if weigh is not None else 0
            while pending and (len(pending) >= limit or (
                    budget is not None and sum(pending.values()) + weight > budget)):
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    del pending[f]
                yield from (f.result() for f in done)
            pending[pool.submit(fn, item)] = weight
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                del pending[f]
            yield from (f.result() for f in done)
    finally:
        for f in pending:
            f.cancel()


#: case threads of a worker that do offline work at once (llm/turns.py): one holds the
#: interpreter while the other's PNG codec, zlib or SQLite work (which release it) runs. On
#: the 2D benchmark (24 open cases, 16 requests in flight, 200 ms answers): 62 requests/s
#: with every thread at once, 61 with 1 turn, 69 with 2, 69 with 3
CPU_TURNS = 2


def _run_many(refs: Iterable[CaseRef], out: Path, at_once: int,
              budget: int | None = None) -> Iterator[tuple[str, str]]:
    """Run cases in this worker, ``at_once`` of them open together in threads (a VLM build
    waits on the server, not the CPU), and with ``budget``, only as many as their estimated
    memory fits in; yields each finished case."""
    if at_once <= 1:
        for ref in refs:
            yield _run_one(ref, out)
        return
    weigh = case_weight if budget is not None else None
    turns = threading.Semaphore(CPU_TURNS)
    with ThreadPoolExecutor(at_once, thread_name_prefix="medground-case") as threads:
        yield from _bounded(threads, partial(_run_taking_turns, out=out, turns=turns), refs,
                            at_once, weigh, budget)


def _run_chunk(refs: list[CaseRef], out: Path) -> list[tuple[str, str]]:
    return list(_run_many(refs, out, len(refs)))


def cases_at_once(cfg: BuildConfig) -> int:
    """Cases a worker keeps open together at most: ``vlm.cases_in_flight`` (or its default)
    when a VLM is used, else 1 (the offline stages are CPU-bound: processes, not threads,
    spread them). The memory budget may allow fewer (:func:`memory_groups`)."""
    if not cfg.uses_vlm or cfg.vlm is None:
        return 1
    return cfg.vlm.open_cases(volumes=cfg.source.type != "folder2d")


# --- how many cases fit in memory ----------------------------------------------------------
#: share of the machine's memory the open cases of a build may use by default
MEMORY_SHARE = 0.5
#: assumed when the machine's memory cannot be read (no sysconf, no /proc)
UNKNOWN_MEMORY = 8 * 2**30
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
_MEMINFO = "/proc/meminfo"


def _number_in(path: str, field: str | None = None) -> int | None:
    """The integer in a /proc or /sys file (``field``: the line it starts; kB in meminfo)."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    if field is not None:
        line = next((ln for ln in text.splitlines() if ln.startswith(field)), "")
        words = line.split()
        return int(words[1]) * 1024 if len(words) > 1 and words[1].isdigit() else None
    text = text.strip()
    return int(text) if text.isdigit() else None  # cgroup v2 says "max" when unlimited


def machine_memory() -> int:
    """Bytes of memory this machine has, or its container's limit when that is lower (cgroup
    v2 or v1; a machine with 256 GB may run the build in a 4 GB container)."""
    total = 0
    with contextlib.suppress(AttributeError, OSError, ValueError):  # Windows: no sysconf
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if total <= 0:
        total = _number_in(_MEMINFO, "MemTotal:") or UNKNOWN_MEMORY
    limits = [n for n in (_number_in(p) for p in _CGROUP_LIMITS) if n]
    return min([total, *limits])


def memory_budget(cfg: BuildConfig) -> int:
    """Bytes the open cases of the build may use together: ``vlm.memory_budget`` (the CLI's
    ``--memory-budget``), else :data:`MEMORY_SHARE` of :func:`machine_memory`."""
    given = cfg.vlm.memory_budget if cfg.vlm is not None else None
    return given or int(MEMORY_SHARE * machine_memory())


def case_weight(ref: CaseRef) -> int:
    """Memory one open case needs, estimated from its files' headers before it is loaded
    (executors/case_size.py: the decoded bytes times the working copies a case makes)."""
    return WORK_PER_DECODED_BYTE * sum(decoded_bytes(path) for _, path in ref.files)


def memory_groups(refs: Iterable[CaseRef], at_once: int,
                  budget: int) -> Iterator[list[CaseRef]]:
    """``refs`` in order, cut into groups of at most ``at_once`` cases whose
    :func:`case_weight` fits in ``budget`` together; a case heavier than the budget is a
    group of its own (it runs alone, never not at all)."""
    group: list[CaseRef] = []
    used = 0
    for ref in refs:
        weight = case_weight(ref) if at_once > 1 else 0
        if group and (len(group) >= at_once or used + weight > budget):
            yield group
            group, used = [], 0
        group.append(ref)
        used += weight
    if group:
        yield group


def run_cases(
    cfg: BuildConfig, out: Path, todo: list[CaseRef], workers: int,
    on_done: Callable[[str, str], None],
) -> None:
    """Process cases, a bounded number in flight so memory stays flat.

    One worker runs in this process; several are a process pool, each given chunks of up to
    ``cases_at_once`` cases at a time and at most two chunks queued per worker. With several
    cases open per worker (a VLM build), those open together fit in the memory budget: the
    whole of it in one worker, a share of it per worker of a pool.
    """
    at_once = cases_at_once(cfg)
    budget = memory_budget(cfg) if at_once > 1 else None
    if workers <= 1:
        _init_worker(cfg)
        try:
            with one_blas_thread():
                for case, status in _run_many(todo, out, at_once, budget):
                    on_done(case, status)
        finally:
            if _PIPELINE is not None:
                _PIPELINE.teardown()
        return
    ctx = multiprocessing.get_context("spawn")
    chunks = memory_groups(todo, at_once, (budget or 0) // workers)
    before = set(multiprocessing.active_children())
    pool = _QuietPool(workers, mp_context=ctx, initializer=_init_pool_worker, initargs=(cfg,))
    try:
        for finished in _bounded(pool, partial(_run_chunk, out=out), chunks, 2 * workers):
            for case, status in finished:
                on_done(case, status)
    except BaseException:  # Ctrl-C (or a failure): stop now, keep the finished shards
        pool.shutdown(wait=False, cancel_futures=True)
        _stop_workers(set(multiprocessing.active_children()) - before)
        # with its workers gone the pool's manager thread ends (the pool is broken); wait for
        # it, or it closes its wakeup pipe while the interpreter's exit hook writes to it
        # (CPython 3.11: "OSError: Bad file descriptor" printed at exit)
        pool.shutdown(wait=True)
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
    one_blas_thread()  # for the worker's life
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
