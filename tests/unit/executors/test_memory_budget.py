"""How many cases a worker keeps open: as many as their estimated memory fits in the budget
(``--memory-budget``, default a share of the machine's memory, a container's limit counted),
never fewer than one; the dataset does not depend on it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pytest

from conftest import tree_bytes
from medground.build import build
from medground.config import BuildConfig, parse_config
from medground.demo.phantom import write_phantom_dataset
from medground.executors import local
from medground.executors.case_size import WORK_PER_DECODED_BYTE
from medground.pipeline import Pipeline
from medground.sources.base import CaseRef
from medground.testing.scripted_server import Reply, ScriptedServer


def _refs(weights: list[int], monkeypatch: pytest.MonkeyPatch) -> list[CaseRef]:
    """Cases named a, b, c, ... weighing ``weights`` (no files are read)."""
    refs = [CaseRef(chr(97 + i), (("image", f"{chr(97 + i)}.nii.gz"),))
            for i in range(len(weights))]
    table = {r.case_id: w for r, w in zip(refs, weights, strict=True)}
    monkeypatch.setattr(local, "case_weight", lambda ref: table[ref.case_id])
    return refs


@pytest.mark.parametrize(("weights", "at_once", "budget", "groups"), [
    ([4, 4, 4, 4], 3, 10, ["ab", "cd"]),  # 4 + 4 + 4 = 12 > 10
    ([1, 1, 1], 2, 100, ["ab", "c"]),  # the count bounds too
    ([3, 20, 3], 4, 10, ["a", "b", "c"]),  # heavier than the budget: alone, but it runs
    ([5, 5, 5], 4, 10, ["ab", "c"]),  # exactly the budget fits
    ([9, 9], 1, 1, ["a", "b"]),  # one at a time: weights do not matter
], ids=["budget", "count", "heavy-alone", "exact-fit", "one-at-a-time"])
def test_memory_groups(monkeypatch: pytest.MonkeyPatch, weights: list[int], at_once: int,
                       budget: int, groups: list[str]) -> None:
    refs = _refs(weights, monkeypatch)
    got = ["".join(r.case_id for r in g) for g in local.memory_groups(refs, at_once, budget)]
    assert got == groups


def test_open_cases_never_weigh_more_than_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Items start as soon as they fit beside the running ones; one heavier than the whole
    budget runs alone; results come back for every item."""
    weights = {"a": 3, "b": 3, "c": 3, "d": 9, "e": 1, "f": 1, "g": 2}
    running: dict[str, int] = {}
    seen: list[dict[str, int]] = []
    lock = threading.Lock()

    def work(name: str) -> str:
        with lock:
            running[name] = weights[name]
            seen.append(dict(running))
        time.sleep(0.05)
        with lock:
            del running[name]
        return name

    with ThreadPoolExecutor(4) as pool:
        done = list(local._bounded(pool, work, list(weights), 4, weights.__getitem__, 6))
    assert sorted(done) == sorted(weights)
    assert all(sum(s.values()) <= 6 or list(s) == ["d"] for s in seen), seen
    assert {"a": 3, "b": 3} in seen  # two fit together, a third waits
    assert {"d": 9} in seen


@pytest.fixture
def memory_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    files = {"v2": tmp_path / "memory.max", "v1": tmp_path / "limit_in_bytes",
             "meminfo": tmp_path / "meminfo"}
    monkeypatch.setattr(local, "_CGROUP_LIMITS", (str(files["v2"]), str(files["v1"])))
    monkeypatch.setattr(local, "_MEMINFO", str(files["meminfo"]))
    yield files


@pytest.mark.parametrize(("v2", "v1", "expected"), [
    (None, None, 16 * 2**30),  # no container: the machine
    ("max\n", None, 16 * 2**30),  # cgroup v2 without a limit
    ("4294967296\n", None, 4 * 2**30),  # a 4 GiB container
    (None, "9223372036854771712\n", 16 * 2**30),  # cgroup v1 "unlimited"
    (None, "2147483648\n", 2 * 2**30),
], ids=["machine", "v2-max", "v2-limit", "v1-unlimited", "v1-limit"])
def test_machine_memory_counts_a_container_limit(
        memory_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, v2: str | None,
        v1: str | None, expected: int) -> None:
    sizes = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 16 * 2**30 // 4096}
    monkeypatch.setattr(local.os, "sysconf", sizes.__getitem__)
    for key, text in (("v2", v2), ("v1", v1)):
        if text is not None:
            memory_files[key].write_text(text)
    assert local.machine_memory() == expected


def test_machine_memory_without_sysconf_reads_meminfo(memory_files: dict[str, Path],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sysconf(name: str) -> int:
        raise ValueError(name)

    monkeypatch.setattr(local.os, "sysconf", no_sysconf)
    memory_files["meminfo"].write_text("MemFree:  1000 kB\nMemTotal:  2048 kB\n")
    assert local.machine_memory() == 2048 * 1024
    memory_files["meminfo"].unlink()
    assert local.machine_memory() == local.UNKNOWN_MEMORY


def test_case_weight_comes_from_the_headers(tmp_path: Path) -> None:
    image, label = tmp_path / "img.nii.gz", tmp_path / "lab.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros((10, 20, 30), np.int16), np.eye(4)), str(image))
    nib.save(nib.Nifti1Image(np.zeros((10, 20, 30), np.uint8), np.eye(4)), str(label))
    ref = CaseRef("c", (("image", str(image)), ("label", str(label))))
    assert local.case_weight(ref) == WORK_PER_DECODED_BYTE * (6000 * 2 + 6000)


def _answer(i: int, body: dict[str, Any]) -> Reply:
    if "Write " in json.dumps(body["messages"]):
        return Reply(kind="json", content=json.dumps({"queries": ["Find the organ."]}))
    return Reply(kind="json", content=json.dumps({"supported": True, "unique": True,
                                                  "reason": "clear"}))


def _config(root: Path, server: ScriptedServer, **vlm: Any) -> BuildConfig:
    return parse_config({
        "name": "budget", "source": {"type": "nifti", "root": str(root),
                                     "dataset_json": "dataset.json"},
        "slicing": {"planes": ["axial"]},
        "queries": {"synthesizer": "vlm", "per_target": 1},
        "verify": {"stages": ["format", "vlm_judge"]},
        "vlm": {"base_url": server.base_url, "model": "scripted", "max_retries": 0, **vlm},
    }, base_dir=root)


def test_memory_budget_decides_how_many_volumes_are_open(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Four phantom volumes of ~0.9 MB each (weight ~9 MB), up to four open at once: a budget
    of two weights opens two at a time, one of 1 byte one at a time, the default (half the
    machine's memory) all four; without cases_in_flight, two; the same dataset each time."""
    data = write_phantom_dataset(tmp_path / "data", n_cases=4, seed=1, orientations=("RAS",))
    weight = local.case_weight(CaseRef("x", (
        ("image", str(data / "imagesTr/phantom_000.nii.gz")),
        ("label", str(data / "labelsTr/phantom_000.nii.gz")))))
    assert weight == WORK_PER_DECODED_BYTE * 96 * 80 * 40 * 3  # int16 image + uint8 labels
    open_now, most = [0], [0]
    lock = threading.Lock()
    run_case = Pipeline.run_case

    def counted(self: Pipeline, ref: CaseRef, out: Path) -> Any:
        with lock:
            open_now[0] += 1
            most[0] = max(most[0], open_now[0])
        try:
            time.sleep(0.2)  # so that cases allowed together do overlap
            return run_case(self, ref, out)
        finally:
            with lock:
                open_now[0] -= 1

    monkeypatch.setattr(Pipeline, "run_case", counted)
    outputs = {}
    with ScriptedServer(_answer) as server:
        for name, budget, at_once, expected in (
                ("tiny", 1, 4, 1), ("two", 2 * weight + 1, 4, 2), ("default", None, 4, 4),
                ("volume-default", None, None, 2)):
            most[0] = 0
            build(_config(data, server, memory_budget=budget, cases_in_flight=at_once),
                  tmp_path / name)
            assert most[0] == expected, name
            outputs[name] = {k: v for k, v in tree_bytes(tmp_path / name).items()
                             if k != "manifest.json"}
    assert outputs["tiny"] == outputs["two"] == outputs["default"] == outputs["volume-default"]


def test_the_budget_is_neither_in_the_manifest_nor_in_the_resume_key(tmp_path: Path) -> None:
    with ScriptedServer(_answer) as server:
        small = _config(tmp_path, server, memory_budget="512M")
        assert small.vlm is not None and small.vlm.memory_budget == 512 * 2**20
        assert local.memory_budget(small) == 512 * 2**20
        default = _config(tmp_path, server)
        assert local.config_hash(small) == local.config_hash(default)
        assert "memory_budget" not in small.model_dump()["vlm"]
        assert local.memory_budget(default) == int(local.MEMORY_SHARE * local.machine_memory())
