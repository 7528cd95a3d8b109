"""The Ray executor on a local Ray with 2 CPUs: the local executor's bytes (samples, rejects,
errors, views, manifest, images and the shards themselves), Ctrl-C then a resume that ends in
the same bytes, one VLM request cache shared by the workers (and merged back from other
machines), and the install command when Ray is missing."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from conftest import read_jsonl, tree_bytes
from medground.build import build
from medground.cli import app
from medground.config import BuildConfig, load_config, parse_config
from medground.demo.phantom import write_phantom_dataset
from medground.demo.run import demo_config
from medground.errors import ConfigError
from medground.executors import ray as ray_executor
from medground.executors.case_size import WORK_PER_DECODED_BYTE, WORKER_BASE_BYTES
from medground.executors.local import STATE, shard_path
from medground.sources.base import CaseRef
from medground.testing.scripted_server import Reply, ScriptedServer

RUN_CLI = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
           "from medground.cli import app; sys.argv[0] = 'medground'; app()")
FAILING = "phantom_002"


@pytest.fixture(scope="module")
def ray_session() -> Iterator[ModuleType]:
    """One local Ray for the module; the executor uses a connection it finds open."""
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level=logging.WARNING)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def phantom(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildConfig, Path]:
    """4 phantom cases, one with a truncated label file, and their local build."""
    root = write_phantom_dataset(tmp_path_factory.mktemp("ray") / "data", n_cases=4, seed=5)
    label = root / "labelsTr" / f"{FAILING}.nii.gz"
    label.write_bytes(label.read_bytes()[:2000])
    cfg = demo_config(root, planes=("axial",))
    reference = root.parent / "local"
    build(cfg, reference)
    return cfg, reference


def shards(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / STATE / "shards").glob("*.json"))}


@pytest.mark.slow
def test_ray_build_is_the_local_build_byte_for_byte(
        ray_session: ModuleType, phantom: tuple[BuildConfig, Path], tmp_path: Path) -> None:
    cfg, reference = phantom
    manifest = build(cfg, tmp_path / "out", executor="ray")
    expected, got = tree_bytes(reference), tree_bytes(tmp_path / "out")
    assert sorted(got) == sorted(expected)
    assert [k for k in expected if got[k] != expected[k]] == []
    assert len([k for k in got if k.endswith(".png")]) >= 9
    assert shards(tmp_path / "out") == shards(reference)  # the shards themselves too
    # the failing case is one fatal error record, as locally; the others are built
    assert manifest["failed_cases"] == [FAILING]
    errors = read_jsonl(tmp_path / "out" / "errors.jsonl")
    assert [(e["case"], e["code"], e["fatal"]) for e in errors] == [
        (FAILING, "CORRUPT_FILE", True)]


@pytest.mark.slow
def test_interrupted_ray_build_resumes_to_the_same_bytes(
        ray_session: ModuleType, phantom: tuple[BuildConfig, Path], tmp_path: Path) -> None:
    """Ctrl-C in the driver (here: raised when the first case is reported) cancels the
    cases still running; the finished ones keep their shards and the rerun does the rest."""
    cfg, reference = phantom
    out = tmp_path / "out"

    def interrupt(case: str, status: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt, match="of 4 cases finished"):
        build(cfg, out, executor="ray", on_done=interrupt)
    finished = {case for case in ("phantom_000", "phantom_001", FAILING, "phantom_003")
                if shard_path(out, case).exists()}
    assert 1 <= len(finished) < 4
    assert not (out / "samples.jsonl").exists() and not list(out.rglob(".*.tmp"))
    done: list[str] = []
    build(cfg, out, executor="ray", on_done=lambda case, status: done.append(case))
    assert sorted(done + sorted(finished)) == ["phantom_000", "phantom_001", FAILING,
                                               "phantom_003"]
    assert tree_bytes(out) == tree_bytes(reference)


@pytest.fixture(scope="module")
def discs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """24 small 2D cases as a config file, and their local build."""
    base = tmp_path_factory.mktemp("discs")
    (base / "data" / "images").mkdir(parents=True)
    (base / "data" / "masks").mkdir()
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[:80, :80]
    for i in range(24):
        disc = (yy - 25 - i) ** 2 + (xx - 50 + i) ** 2 <= 12 ** 2
        image = rng.normal(70, 9, (80, 80))
        image[disc] += 110
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(
            base / "data" / "images" / f"d{i:02d}.png")
        Image.fromarray((disc * 255).astype(np.uint8)).save(base / "data" / "masks" / f"d{i:02d}.png")
    config = base / "cfg.yaml"
    config.write_text("source:\n  type: folder2d\n  root: data\n  images: images/*.png\n"
                      "  masks: masks/{stem}.png\n  mask_mode: binary\n  label: polyp\n"
                      "  modality: endoscopy\n")
    build(load_config(config), base / "local")
    return config, base / "local"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups")
def test_ctrl_c_of_the_command_exits_130_and_the_rerun_resumes(
        ray_session: ModuleType, discs: tuple[Path, Path], tmp_path: Path) -> None:
    """SIGINT to the whole process group, as a terminal sends it: the build (which starts
    its own Ray) stops with 130 and says how to resume; resuming gives the local bytes."""
    config, reference = discs
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "build", str(config), "--out", str(out),
         "--executor", "ray"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own Ray, not this module's
        env={**{k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}, "COLUMNS": "200"})
    try:
        deadline = time.monotonic() + 120
        while not any((out / STATE / "shards").glob("*.json")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no shard within 120 s"
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Check failed" not in err
    assert f"medground build {config} --out {out} --executor ray" in err
    assert not list(out.rglob(".*.tmp"))
    build(load_config(config), out, executor="ray")
    assert tree_bytes(out) == tree_bytes(reference)


# --- the VLM request cache -----------------------------------------------------------------
def answers(i: int, body: dict[str, Any]) -> Reply:
    if "Write " in json.dumps(body["messages"]):
        return Reply(kind="json", content=json.dumps({"queries": ["Find the polyp."]}))
    return Reply(kind="json", content=json.dumps({"supported": True, "unique": True,
                                                  "reason": "clear"}))


def vlm_config(config: Path, server: ScriptedServer, cache: Path) -> BuildConfig:
    cfg = load_config(config)
    return parse_config({
        **cfg.model_dump(mode="json", exclude={"vlm", "queries", "verify"}),
        "queries": {"synthesizer": "vlm", "per_target": 1},
        "verify": {"stages": ["format", "geometry", "priors", "judge", "vlm_judge"]},
        "vlm": {"base_url": server.base_url, "model": "scripted", "max_retries": 0,
                "cases_in_flight": 3, "cache": str(cache)},
    }, base_dir=config.parent)


def outputs(out: Path) -> dict[str, bytes]:
    """The dataset without the manifest, which names the cache file."""
    return {k: v for k, v in tree_bytes(out).items() if k != "manifest.json"}


@pytest.mark.slow
def test_ray_workers_share_one_request_cache(
        ray_session: ModuleType, discs: tuple[Path, Path], tmp_path: Path) -> None:
    config, _ = discs
    with ScriptedServer(answers) as server:
        build(vlm_config(config, server, tmp_path / "local.sqlite"), tmp_path / "local")
        asked = len(server.requests)
        first = build(vlm_config(config, server, tmp_path / "ray.sqlite"), tmp_path / "a",
                      executor="ray")
        assert len(server.requests) == 2 * asked and first["vlm"]["requests"] == asked == 48
        again = build(vlm_config(config, server, tmp_path / "ray.sqlite"), tmp_path / "b",
                      executor="ray")
        assert len(server.requests) == 2 * asked  # every answer came from the cache
    assert again["vlm"]["requests"] == 0 and again["vlm"]["cache_hits"] == asked
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b") == outputs(tmp_path / "local")


@pytest.mark.slow
def test_answers_from_other_machines_are_merged_back(
        ray_session: ModuleType, discs: tuple[Path, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers on another machine than the driver's keep their own cache; the driver merges
    it into the build's. A second machine, with an empty cache of its own, is seeded from
    the build's and asks nothing. (The driver pretends to run elsewhere.)"""
    config, _ = discs
    main = tmp_path / "main.sqlite"
    monkeypatch.setattr(ray_executor, "_driver_host", lambda: "the-driver's-machine")
    with ScriptedServer(answers) as server:
        monkeypatch.setattr(ray_executor, "_host_cache_root", lambda: str(tmp_path / "m1"))
        build(vlm_config(config, server, main), tmp_path / "a", executor="ray")
        asked = len(server.requests)
        (machine,) = (tmp_path / "m1").rglob("vlm.sqlite")
        with sqlite3.connect(machine) as conn:
            assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == asked
            assert conn.execute("SELECT COUNT(*) FROM pending").fetchone()[0] == 0  # merged
        with sqlite3.connect(main) as conn:
            assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == asked == 48
        monkeypatch.setattr(ray_executor, "_host_cache_root", lambda: str(tmp_path / "m2"))
        second = build(vlm_config(config, server, main), tmp_path / "b", executor="ray")
        assert len(server.requests) == asked and second["vlm"]["cache_hits"] == asked
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")
    assert not (tmp_path / "b" / STATE / "ray").exists()  # the seed snapshot is removed


# --- without a cluster ---------------------------------------------------------------------
def test_missing_ray_names_the_install_command(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    cfg = demo_config(tmp_path / "data")
    with pytest.raises(ConfigError, match=r"pip install 'medground\[ray\]'") as caught:
        build(cfg, tmp_path / "out", executor="ray")
    assert getattr(caught.value, "code", None) == "MISSING_EXTRA"
    assert not (tmp_path / "out").exists()  # checked before anything is written
    config = tmp_path / "cfg.yaml"
    config.write_text("source:\n  type: nifti\n  root: data\n  dataset_json: dataset.json\n")
    result = CliRunner().invoke(app, ["build", str(config), "--out", str(tmp_path / "out"),
                                      "--executor", "ray"])
    assert result.exit_code == 2
    assert "MISSING_EXTRA" in result.output and "pip install 'medground[ray]'" in result.output


@pytest.mark.parametrize(("executor", "address", "workers", "message"), [
    ("ray", None, 2, "--workers is for the local executor"),
    ("local", "auto", 1, "--address names a Ray cluster"),
    ("dask", None, 1, "unknown executor 'dask'"),
])
def test_options_that_do_not_go_together(tmp_path: Path, executor: str, address: str | None,
                                         workers: int, message: str) -> None:
    pytest.importorskip("ray")
    with pytest.raises(ConfigError, match=message):
        build(demo_config(tmp_path / "data"), tmp_path / "out", workers=workers,
              executor=executor, address=address)
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux /proc")
def test_processes_started_for_a_local_ray_do_not_get_the_terminals_ctrl_c() -> None:
    """What the Ctrl-C test relies on: a child started while the instance starts (the GCS,
    the raylet) inherits SIGINT blocked, and the driver gets its own mask back after."""
    def blocked() -> int:
        status = subprocess.run(["cat", "/proc/self/status"], capture_output=True, text=True,
                                check=True).stdout
        mask = next(line for line in status.splitlines() if line.startswith("SigBlk:"))
        return int(mask.split()[1], 16) & (1 << (signal.SIGINT - 1))

    before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    with ray_executor._sigint_blocked():
        assert blocked()
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == before
    if signal.SIGINT not in before:
        assert not blocked()


MIB = 2**20


@pytest.mark.parametrize(("sizes", "at_once", "capacity", "expected"), [
    ([1, 1, 1, 1], 1, 0, [[0], [1], [2], [3]]),  # an offline build: a case per task
    ([1, 1, 1, 1], 3, 0, [[0, 1, 2], [3]]),  # a VLM build: cases_in_flight per task
    ([1, 1, 1, 1], 3, 2.5, [[0, 1], [2, 3]]),  # the third does not fit
    ([1, 5, 1, 1], 3, 2.5, [[0], [1], [2, 3]]),  # a heavy case alone
    ([5], 3, 2.5, [[0]]),  # heavier than any node: still run
], ids=["offline", "vlm", "memory", "heavy", "too-heavy"])
def test_tasks_hold_what_fits_in_a_node(tmp_path: Path, sizes: list[int], at_once: int,
                                        capacity: float, expected: list[list[int]]) -> None:
    """A case of 1 MiB on disk (an unknown format: its decoded size) needs one unit,
    WORK_PER_DECODED_BYTE MiB; a node holds one worker process and ``capacity`` units."""
    unit = WORK_PER_DECODED_BYTE * MIB
    refs = []
    for i, mib in enumerate(sizes):
        (tmp_path / f"{i}.raw").write_bytes(bytes(mib * MIB))
        refs.append(CaseRef(str(i), (("image", str(tmp_path / f"{i}.raw")),)))
    node = WORKER_BASE_BYTES + int(capacity * unit) if capacity else 0
    got = list(ray_executor.task_groups(refs, at_once, node))
    assert [[int(r.case_id) for r in group] for group, _ in got] == expected
    for group, memory in got:
        assert memory == WORKER_BASE_BYTES + sum(sizes[int(r.case_id)] * unit for r in group)
        assert memory == ray_executor.group_memory(group)


class _Died(Exception):
    pass


class _TaskError(_Died):
    pass


def test_a_case_whose_worker_keeps_dying_is_one_error_record(tmp_path: Path) -> None:
    """Ray has retried already: a group is tried again case by case; a single case becomes
    a failed shard with one fatal WORKER_DIED record, its images removed."""
    cfg = parse_config({"source": {"type": "folder2d", "root": str(tmp_path),
                                   "images": "*.png", "masks": "{stem}.png"}}, base_dir=tmp_path)
    fake = SimpleNamespace(exceptions=SimpleNamespace(RayError=_Died, RayTaskError=_TaskError))

    def get(ref: Any) -> Any:
        raise _Died("The worker died unexpectedly while executing this task.\nmore")

    fake.get = get
    run = ray_executor._Run.__new__(ray_executor._Run)
    run.ray, run.cfg, run.out = fake, cfg, tmp_path / "out"
    a, b = CaseRef("a", (("image", str(tmp_path / "a.png")),)), CaseRef("b", (("image", "b"),))
    queue: deque[tuple[list[CaseRef], int]] = deque()
    assert run._results(object(), [a, b], queue) == []
    assert list(queue) == [([a], WORKER_BASE_BYTES), ([b], WORKER_BASE_BYTES)]  # no files
    (run.out / "images" / "a").mkdir(parents=True)
    (run.out / "images" / "a" / "half.png").write_bytes(b"")
    assert run._results(object(), [a], queue) == [("a", "failed")]
    shard = json.loads(shard_path(run.out, "a").read_text())
    assert shard["status"] == "failed" and shard["counts"] == {"cases_failed": 1}
    (error,) = shard["errors"]
    assert error["code"] == "WORKER_DIED" and error["fatal"] and error["file"] == "a.png"
    assert "_Died: The worker died unexpectedly while executing this task." in error["message"]
    assert not (run.out / "images" / "a").exists()

    def bug(ref: Any) -> Any:
        raise _TaskError("a bug outside the case's guard")

    fake.get = bug
    with pytest.raises(_TaskError):
        run._results(object(), [b], queue)
