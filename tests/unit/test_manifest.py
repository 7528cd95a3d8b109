"""manifest.Merge: the dataset files written from shards in source order as cases finish,
swapped in together at the end; an aborted merge leaves the previous dataset."""

from __future__ import annotations

import json
from pathlib import Path

from medground.config import parse_config
from medground.executors.local import Plan, shard_path
from medground.manifest import Merge
from medground.sinks.files import atomic_write_bytes, dumps
from medground.sinks.swap import swap_dir
from medground.sources.base import CaseRef

CFG = parse_config({"name": "t", "source": {"type": "folder2d", "root": ".",
                                            "images": "*.png", "masks": "{stem}.png"},
                    "verify": {"stages": ["format"]}}, base_dir=Path("."))
FILES = ("samples.jsonl", "rejects.jsonl", "errors.jsonl", "views.jsonl")


def _refs(n: int) -> list[CaseRef]:
    return [CaseRef(case_id=f"c{i}", files=(("image", f"c{i}.png"),)) for i in range(n)]


def _shard(out: Path, case: str, samples: int) -> None:
    passed = {"stage": "format", "passed": True, "reason": None}
    record = {
        "case": case, "status": "ok",
        "samples": [{"id": f"{case}-{k}", "verdicts": [passed]} for k in range(samples)],
        "rejects": [{"id": f"{case}-r", "verdicts": [{"stage": "format", "passed": False,
                                                      "reason": "EMPTY"}]}],
        "errors": [], "views": [{"image": f"{case}.png"}], "counts": {"kept": samples},
    }
    atomic_write_bytes(shard_path(out, case), (dumps(record) + "\n").encode())


def _ids(out: Path, name: str) -> list[str]:
    return [json.loads(line).get("id") or json.loads(line)["image"]
            for line in (out / name).read_text(encoding="utf-8").splitlines()]


def test_shards_finishing_out_of_order_are_written_in_source_order(tmp_path: Path) -> None:
    refs = _refs(3)
    merging = Merge(CFG, tmp_path, Plan(refs=refs, discovery_errors=[], todo=refs))
    _shard(tmp_path, "c2", 1)
    merging.add_ready()
    assert merging.merged == 0  # c0 and c1 come first
    _shard(tmp_path, "c0", 2)
    merging.add_ready()
    assert merging.merged == 1
    _shard(tmp_path, "c1", 1)
    merging.add_ready()
    assert merging.merged == 3
    manifest = merging.finish()
    assert _ids(tmp_path, "samples.jsonl") == ["c0-0", "c0-1", "c1-0", "c2-0"]
    assert _ids(tmp_path, "rejects.jsonl") == ["c0-r", "c1-r", "c2-r"]
    assert _ids(tmp_path, "views.jsonl") == ["c0.png", "c1.png", "c2.png"]
    assert manifest["counts"]["kept"] == 4
    assert manifest["funnel"]["stages"] == [
        {"stage": "format", "entered": 7, "passed": 4, "rejected": {"EMPTY": 3}}]
    assert not swap_dir(tmp_path).exists()


def test_a_merge_made_as_cases_finish_equals_one_made_at_the_end(tmp_path: Path) -> None:
    refs = _refs(4)
    plan = Plan(refs=refs, discovery_errors=[{"case": "dup", "code": "DUPLICATE_CASE"}],
                todo=refs)
    early = tmp_path / "early"
    late = tmp_path / "late"
    merging = Merge(CFG, early, plan)
    for i in (1, 0, 3, 2):
        _shard(early, f"c{i}", i)
        _shard(late, f"c{i}", i)
        merging.add_ready()
    merging.finish()
    Merge(CFG, late, plan).finish()
    for name in (*FILES, "manifest.json"):
        assert (early / name).read_bytes() == (late / name).read_bytes(), name


def test_an_aborted_merge_leaves_the_previous_dataset(tmp_path: Path) -> None:
    refs = _refs(2)
    plan = Plan(refs=refs, discovery_errors=[], todo=refs)
    for ref in refs:
        _shard(tmp_path, ref.case_id, 1)
    Merge(CFG, tmp_path, plan).finish()
    before = {name: (tmp_path / name).read_bytes() for name in (*FILES, "manifest.json")}
    _shard(tmp_path, "c0", 5)  # a new build of c0, merged, then the build stops
    merging = Merge(CFG, tmp_path, plan)
    merging.add_ready()
    assert merging.merged == 2
    merging.abort()
    assert {name: (tmp_path / name).read_bytes() for name in before} == before
    assert not swap_dir(tmp_path).exists()  # nothing staged is left behind


def test_a_missing_shard_is_named_and_nothing_is_swapped_in(tmp_path: Path) -> None:
    refs = _refs(2)
    _shard(tmp_path, "c0", 1)
    merging = Merge(CFG, tmp_path, Plan(refs=refs, discovery_errors=[], todo=refs))
    try:
        merging.finish()
    except FileNotFoundError as exc:
        assert "'c1'" in str(exc)
    else:
        raise AssertionError("a missing shard must fail the merge")
    assert not (tmp_path / "samples.jsonl").exists()
    assert not swap_dir(tmp_path).exists()
