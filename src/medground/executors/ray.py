"""Ray executor: the local executor's per-case work as Ray tasks, on one machine or a cluster.

What stays the local executor's (executors/local.py): ``prepare`` decides what is left to do;
each case runs through the same worker functions (``_init_worker`` builds the pipeline once
per worker process, ``_run_chunk`` runs cases through ``Pipeline.run_case`` and writes each
one's shard, its completion marker, atomically); the driver merges the shards in source
order. So the dataset is byte-identical whatever ran where, and a build interrupted under one
executor resumes under the other. A VLM build sends ``cases_at_once`` cases per task, run in
threads as a local worker runs them, so the server stays busy without a process per case.

What Ray adds: each task declares what its cases need, one CPU (a case runs on one core) and
the memory estimated from its files' headers (case_size.py, capped at the largest node's), so
that a node runs as many cases together as its memory holds. Ray retries a task whose worker
died (a lost node); a case whose worker died again is one fatal error record
(``WORKER_DIED``), as an exception of the case would be, and the build goes on.

Every machine must see the data and ``OUT`` at the same paths (a shared file system): workers
read the case files and write images and shards into ``OUT``. The VLM request cache is the
build's one SQLite file for the workers on the driver's machine; workers on other machines
keep one per machine, seeded from it and merged back into it (ray_cache.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from medground.config import BuildConfig
from medground.errors import ConfigError
from medground.executors import local, ray_cache
from medground.executors.case_size import WORKER_BASE_BYTES, case_memory
from medground.llm.session import default_cache
from medground.pipeline import CaseResult, discard
from medground.sinks.files import atomic_write_bytes, dumps, safe_name
from medground.sources import make_source
from medground.sources.base import CaseRef

INSTALL = "pip install 'medground[ray]'"
#: how often the driver merges other machines' VLM answers into the build's cache
MERGE_EVERY_S = 300.0
#: Ray's retries of a task whose worker process or node died (never of a case's own error:
#: ``run_case`` records those)
TASK_RETRIES = 2

RunCases = Callable[[BuildConfig, Path, list[CaseRef], int, Callable[[str, str], None]], None]


class MissingExtra(ConfigError):
    """An optional dependency is not installed; the message names the command installing it."""

    code = "MISSING_EXTRA"


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError as exc:
        raise MissingExtra(f"--executor ray needs Ray, the `ray` extra (MISSING_EXTRA): "
                           f"{INSTALL}") from exc
    return ray


def runner(address: str | None, workers: int) -> RunCases:
    """``run_cases`` of a Ray build, checked before anything is written: Ray is installed,
    and ``--workers`` is not given (the cluster's CPUs and memory decide what runs at once)."""
    import_ray()
    if workers > 1:
        raise ConfigError("--workers is for the local executor: with --executor ray, as many "
                          "cases run at once as the cluster's CPUs and memory allow")
    return partial(run_cases, address=address)


@dataclass(frozen=True)
class WorkerPlan:
    """What every task of a run needs besides its cases (sent to the workers)."""

    out: str  # absolute: a worker's current folder is not the driver's
    driver_host: str
    main_cache: str | None  # the build's VLM request cache (absolute); None: no VLM
    host_cache_root: str | None  # where other machines keep theirs (None: their temp folder)
    snapshot: str | None  # the main cache as it was when the run started, for other machines
    run_id: str

    def host_cache(self, host: str) -> Path | None:
        """The cache file of machine ``host`` when it is not the driver's, else None."""
        if self.main_cache is None or host == self.driver_host:
            return None
        root = Path(self.host_cache_root or tempfile.gettempdir())
        return ray_cache.host_cache(root, Path(self.main_cache), host)


def _host() -> str:
    return socket.gethostname()


def _driver_host() -> str:
    """The machine whose processes share the main cache file (a test pretends otherwise)."""
    return socket.gethostname()


def _host_cache_root() -> str | None:
    return None


# --- worker side -------------------------------------------------------------------------
_CONFIG: str | None = None  # the configuration the worker process's pipeline was built for


def _run_group(cfg: BuildConfig, refs: list[CaseRef], plan: WorkerPlan) -> list[tuple[str, str]]:
    """A task: cases through the local executor's worker functions (a Ray worker process runs
    one task at a time and is reused across tasks, so the pipeline is built once)."""
    global _CONFIG
    if cfg.vlm is not None and plan.main_cache is not None:
        cache = plan.host_cache(_host())
        if cache is not None:
            ray_cache.open_host_cache(cache, Path(plan.snapshot) if plan.snapshot else None,
                                      plan.run_id)
        cfg = cfg.model_copy(update={"vlm": cfg.vlm.model_copy(
            update={"cache": str(cache or plan.main_cache)})})
    key = cfg.model_dump_json()
    if key != _CONFIG or local._PIPELINE is None:
        if local._PIPELINE is not None:
            local._PIPELINE.teardown()
        local._init_worker(cfg)
        local.one_blas_thread()  # for the Ray worker's life, as a pool worker's
        _CONFIG = key
    return local._run_chunk(refs, Path(plan.out))


def _drain_host(plan: WorkerPlan) -> tuple[list[tuple[str, str]], int]:
    cache = plan.host_cache(_host())
    return ray_cache.drain(cache) if cache is not None else ([], 0)


def _ack_host(plan: WorkerPlan, upto: int) -> None:
    cache = plan.host_cache(_host())
    if cache is not None:
        ray_cache.ack(cache, upto)


# --- driver side -------------------------------------------------------------------------
def run_cases(cfg: BuildConfig, out: Path, todo: list[CaseRef], workers: int,
              on_done: Callable[[str, str], None], *, address: str | None = None) -> None:
    """Run ``todo`` as Ray tasks, connecting to ``address`` (None: the cluster in
    ``RAY_ADDRESS``, else a new local instance) unless this process is connected already; a
    connection made here is closed at the end. ``workers`` is not used (see :func:`runner`)."""
    if not todo:  # nothing left: a finished build resumes without a cluster
        return
    ray = import_ray()
    connected, new_instance = _connect(ray, address)
    try:
        _Run(ray, cfg, out, owns_cluster=new_instance).run(todo, on_done)
    finally:
        if connected:
            ray.shutdown()


def _connect(ray: ModuleType, address: str | None) -> tuple[bool, bool]:
    """Whether this call connected (so the run disconnects at the end), and whether it
    started a new local Ray instance (which the run may shut down to stop its workers)."""
    if ray.is_initialized():  # a notebook or a test connected this process already
        return False, False
    options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
    # "local": a new instance, never one that /tmp/ray/ray_current_cluster happens to name
    # (Ray's default), which may be another user's or gone; ``--address auto`` asks for it
    address = address or os.environ.get("RAY_ADDRESS") or "local"
    new_instance = address == "local"
    if new_instance:
        options["include_dashboard"] = False  # a throw-away local instance
    try:
        with _sigint_blocked():
            ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = "a new local instance" if new_instance else address
        raise ConfigError(f"cannot connect to the Ray cluster ({where}): {exc}") from exc
    return True, new_instance


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT blocked while a local Ray instance starts: its processes (GCS, raylet, and the
    workers these start) inherit the mask. A terminal's Ctrl-C goes to its whole process
    group, which includes them; unblocked, it could kill the raylet under the driver before
    the driver cancels its tasks (a crash instead of exit 130 and a clean resume)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _Run:
    """One run of a build on the cluster: submission, results, Ctrl-C, cache merges."""

    def __init__(self, ray: ModuleType, cfg: BuildConfig, out: Path, owns_cluster: bool) -> None:
        self.ray, self.cfg, self.out, self.owns_cluster = ray, cfg, out, owns_cluster
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        self.node_memory = int(max((float(n["Resources"].get("memory", 0)) for n in nodes),
                                   default=0.0))
        main = _main_cache(cfg, out)
        driver = _driver_host()
        self.other_hosts = bool({n["NodeManagerHostname"] for n in nodes} - {driver})
        snap: Path | None = None
        if main is not None and self.other_hosts:
            snap = out.absolute() / local.STATE / "ray" / "cache-seed.sqlite"
            ray_cache.snapshot(main, snap)
        self.plan = WorkerPlan(out=str(out.absolute()), driver_host=driver,
                               main_cache=str(main) if main else None,
                               host_cache_root=_host_cache_root(),
                               snapshot=str(snap) if snap else None, run_id=uuid.uuid4().hex)
        self.cfg_ref = ray.put(cfg)
        self.task = ray.remote(_run_group)

    def run(self, todo: list[CaseRef], on_done: Callable[[str, str], None]) -> None:
        groups = task_groups(todo, local.cases_at_once(self.cfg), self.node_memory)
        retry: deque[tuple[list[CaseRef], int]] = deque()  # of a task whose worker died
        # a bounded queue: Ctrl-C cancels little, the driver holds few references
        limit = max(2 * int(self.ray.cluster_resources().get("CPU", 1)), 4)
        pending: dict[Any, list[CaseRef]] = {}
        merged = time.monotonic()
        try:
            while True:
                while len(pending) < limit and (task := (
                        retry.popleft() if retry else next(groups, None))) is not None:
                    pending[self._submit(*task)] = task[0]
                if not pending:
                    break
                done, _ = self.ray.wait(list(pending), num_returns=1, timeout=MERGE_EVERY_S)
                for ref in done:
                    group = pending.pop(ref)
                    for case, status in self._results(ref, group, retry):
                        on_done(case, status)
                if self.other_hosts and time.monotonic() - merged > MERGE_EVERY_S:
                    self._merge_caches()
                    merged = time.monotonic()
        except BaseException:  # Ctrl-C (or a failure): stop now, keep the finished shards
            self._cancel(list(pending))
            if not self.owns_cluster:  # (one started here has no other machine)
                with contextlib.suppress(Exception):  # what is not merged now is next run
                    self._merge_caches()
            raise
        else:
            self._merge_caches()
        finally:
            if self.plan.snapshot:
                Path(self.plan.snapshot).unlink(missing_ok=True)
                with contextlib.suppress(OSError):  # only when empty
                    Path(self.plan.snapshot).parent.rmdir()

    def _submit(self, group: list[CaseRef], memory: int) -> Any:
        if self.node_memory:
            memory = min(memory, self.node_memory)  # else no node would ever take it
        return self.task.options(
            num_cpus=1, memory=memory, max_retries=TASK_RETRIES, retry_exceptions=False,
            name=f"medground:{group[0].case_id}",
        ).remote(self.cfg_ref, group, self.plan)

    def _results(self, ref: Any, group: list[CaseRef],
                 retry: deque[tuple[list[CaseRef], int]]) -> list[tuple[str, str]]:
        """The finished cases of a task. A task whose worker died (after Ray's retries) is
        tried again case by case; a single case whose worker died is recorded as failed."""
        exceptions = self.ray.exceptions
        try:
            finished: list[tuple[str, str]] = self.ray.get(ref)
            return finished
        except exceptions.RayTaskError:  # a bug outside the case's guard: stop, as locally
            raise
        except exceptions.RayError as exc:
            if len(group) > 1:
                retry.extend(([case], group_memory([case])) for case in group)
                return []
            return [self._worker_died(group[0], exc)]

    def _worker_died(self, ref: CaseRef, exc: BaseException) -> tuple[str, str]:
        """One fatal error record for the case, its shard written like a worker's, its image
        folder removed (a worker killed mid-case may have left images)."""
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        memory = case_memory(path for _, path in ref.files) // 2**20
        shard = local.shard_path(self.out, ref.case_id)
        message = (f"the Ray worker building this case died {TASK_RETRIES + 1} times "
                   f"({type(exc).__name__}: {first}); the case declared {memory} MiB of memory. "
                   f"A resume skips it: delete {shard.relative_to(self.out).as_posix()} to try "
                   "it again")
        try:
            source = make_source(self.cfg)
            shown, text = source.display_file(ref, ref.files[0][1]), source.redact(ref, message)
        except Exception:  # never lose the record; never show what could not be redacted
            shown, text = ref.case_id, "WORKER_DIED (the message could not be redacted)"
        result = CaseResult(case=ref.case_id, status="failed", errors=[{
            "case": ref.case_id, "file": shown, "code": "WORKER_DIED", "message": text,
            "fatal": True}])
        result.counts["cases_failed"] += 1
        discard(self.out / "images" / safe_name(ref.case_id), self.out / local.STATE / "trash")
        atomic_write_bytes(shard, (dumps(result.to_dict()) + "\n").encode())
        return ref.case_id, "failed"

    def _cancel(self, pending: list[Any]) -> None:
        """Stop the running tasks (a case without a shard runs again on resume), then remove
        the files they were writing. A Ray instance started for this build is shut down,
        which stops its workers at once. On a cluster the tasks are cancelled without
        ``force``: Ray raises KeyboardInterrupt in each (ray 2.60's force-cancel of a task
        finishing at that moment can crash the driver: "Tried to complete task that was not
        pending"); a task whose cases run in threads stops once those cases end."""
        if self.owns_cluster:
            self.ray.shutdown()
        else:
            for ref in pending:
                with contextlib.suppress(Exception):
                    self.ray.cancel(ref, force=False)
            if pending:
                with contextlib.suppress(Exception):
                    self.ray.wait(pending, num_returns=len(pending), timeout=30)
        local._remove_partial_writes(self.out)

    def _merge_caches(self) -> None:
        """Every other machine's new VLM answers into the build's cache, in batches, each
        acknowledged once stored."""
        if self.plan.main_cache is None or not self.other_hosts:
            return
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        nodes: dict[str, str] = {}
        for node in self.ray.nodes():
            if node.get("Alive"):
                nodes.setdefault(node["NodeManagerHostname"], node["NodeID"])
        drain, ack = self.ray.remote(_drain_host), self.ray.remote(_ack_host)
        for host, node_id in sorted(nodes.items()):
            if host == self.plan.driver_host:
                continue
            pin = {"num_cpus": 0,
                   "scheduling_strategy": NodeAffinitySchedulingStrategy(node_id, soft=False)}
            while True:
                rows, upto = self.ray.get(drain.options(**pin).remote(self.plan))
                if not rows:
                    break
                ray_cache.absorb(Path(self.plan.main_cache), rows)
                self.ray.get(ack.options(**pin).remote(self.plan, upto))


def group_memory(group: list[CaseRef]) -> int:
    """Memory a task needs for cases open together in one worker process: one process, the
    working memory of each case (case_size.py)."""
    return case_memory(path for ref in group for _, path in ref.files)


def task_groups(refs: Iterable[CaseRef], at_once: int,
                capacity: int) -> Iterator[tuple[list[CaseRef], int]]:
    """``refs`` in order, cut into the cases of each task with the memory it needs: at most
    ``at_once`` cases, and only as many as fit together in ``capacity`` bytes (the largest
    node's memory; 0: unknown, no limit). A case heavier than that is a task of its own. Lazy:
    a case's headers are read when its task is about to be submitted."""
    group: list[CaseRef] = []
    memory = WORKER_BASE_BYTES
    for ref in refs:
        need = case_memory(path for _, path in ref.files) - WORKER_BASE_BYTES
        if group and (len(group) >= at_once or (capacity and memory + need > capacity)):
            yield group, memory
            group, memory = [], WORKER_BASE_BYTES
        group.append(ref)
        memory += need
    if group:
        yield group, memory


def _main_cache(cfg: BuildConfig, out: Path) -> Path | None:
    """The build's VLM request cache, absolute (a worker's current folder is not ours)."""
    if not cfg.uses_vlm or cfg.vlm is None:
        return None
    return Path(cfg.vlm.cache).absolute() if cfg.vlm.cache else default_cache(out.absolute())
