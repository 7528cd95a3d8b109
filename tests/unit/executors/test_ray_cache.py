"""Per-machine VLM caches of a Ray build: seeded from the build's cache once per run, their
new answers drained into it and acknowledged, nothing lost when a step is repeated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from medground.executors import ray_cache
from medground.llm.cache import RequestCache


def answers(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, answer FROM answers").fetchall())


def pending(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM pending").fetchone()[0])


def test_a_machine_cache_per_build_and_machine(tmp_path: Path) -> None:
    a = ray_cache.host_cache(tmp_path, Path("/out/a/vlm.sqlite"), "node-1")
    assert a == ray_cache.host_cache(tmp_path, Path("/out/a/vlm.sqlite"), "node-1")
    assert a != ray_cache.host_cache(tmp_path, Path("/out/a/vlm.sqlite"), "node-2")
    assert a != ray_cache.host_cache(tmp_path, Path("/out/b/vlm.sqlite"), "node-1")
    assert a.parent.parent == tmp_path / "medground-ray"


def test_seed_use_drain_ack(tmp_path: Path) -> None:
    main = tmp_path / "main.sqlite"
    cache = RequestCache(main)
    cache.put("k1", {"text": "one"})
    cache.put("k2", {"text": "two"})
    cache.close()
    snap = tmp_path / "out" / "seed.sqlite"
    ray_cache.snapshot(main, snap)
    with sqlite3.connect(snap) as conn:  # one file, readable through a network file system
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"

    host = tmp_path / "node" / "vlm.sqlite"
    ray_cache.open_host_cache(host, snap, "run-1")
    assert answers(host) == answers(main) and pending(host) == 0  # known: nothing to merge
    worker = RequestCache(host)  # what a worker's client writes
    worker.put("k3", {"text": "three"})
    worker.put("k1", {"text": "changed"})  # a known key keeps its answer
    worker.close()
    assert pending(host) == 1

    rows, upto = ray_cache.drain(host)
    assert [k for k, _ in rows] == ["k3"] and upto > 0
    assert ray_cache.drain(host) == (rows, upto)  # not acknowledged yet: drained again
    assert ray_cache.absorb(main, rows) == 1
    assert ray_cache.absorb(main, rows) == 0  # a repeated merge adds nothing
    ray_cache.ack(host, upto)
    assert ray_cache.drain(host) == ([], 0)
    assert set(answers(main)) == {"k1", "k2", "k3"}
    assert answers(main)["k1"] == answers(host)["k1"]  # the first answer stays


def test_seeded_once_per_run(tmp_path: Path) -> None:
    main, snap, host = tmp_path / "main.sqlite", tmp_path / "seed.sqlite", tmp_path / "h.sqlite"
    cache = RequestCache(main)
    cache.put("k1", {"text": "one"})
    ray_cache.snapshot(main, snap)
    ray_cache.open_host_cache(host, snap, "run-1")
    cache.put("k2", {"text": "two"})
    cache.close()
    ray_cache.snapshot(main, snap)
    ray_cache.open_host_cache(host, snap, "run-1")  # another worker of the same run
    assert set(answers(host)) == {"k1"}
    ray_cache.open_host_cache(host, snap, "run-2")  # the next run seeds again
    assert set(answers(host)) == {"k1", "k2"} and pending(host) == 0
    assert [p.name for p in tmp_path.glob("seeded-*")] == ["seeded-run-2"]


def test_nothing_to_drain_without_a_machine_cache(tmp_path: Path) -> None:
    assert ray_cache.drain(tmp_path / "absent.sqlite") == ([], 0)
    ray_cache.open_host_cache(tmp_path / "fresh.sqlite", None, "run")  # no snapshot: empty
    assert answers(tmp_path / "fresh.sqlite") == {} and ray_cache.drain(
        tmp_path / "fresh.sqlite") == ([], 0)
