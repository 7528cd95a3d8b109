"""Several files replaced together: a kill at any point leaves the old set or the new one."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from medground.sinks.swap import JOURNAL, Swap, recover, swap_dir

OLD = {"samples.jsonl": "old samples\n", "rejects.jsonl": "old rejects\n",
       "manifest.json": "{\"v\": 1}\n"}
NEW = {"samples.jsonl": "new samples\n", "rejects.jsonl": "new rejects\n",
       "manifest.json": "{\"v\": 2}\n"}


def _dataset(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, text in OLD.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _state(root: Path) -> dict[str, str]:
    return {name: (root / name).read_text() for name in OLD}


def _swap(root: Path) -> None:
    with Swap(root) as swap:
        for name in ("samples.jsonl", "rejects.jsonl"):
            with swap.open(name) as fh:
                fh.write(NEW[name])
        swap.write_text("manifest.json", NEW["manifest.json"])


def _killed_at(monkeypatch: pytest.MonkeyPatch, fn: str, k: int) -> Callable[[], int]:
    """Make the k-th call of ``os.<fn>`` raise SystemExit (nothing after it runs: no
    cleanup reaches the disk that a real kill would not); returns the call counter."""
    real = getattr(os, fn)
    calls = [0]

    def patched(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == k:
            raise SystemExit(f"killed at {fn} #{k}")
        return real(*args, **kwargs)

    monkeypatch.setattr(os, fn, patched)
    return lambda: calls[0]


def test_a_swap_replaces_every_file_and_leaves_nothing_behind(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    _swap(root)
    assert _state(root) == NEW
    assert not swap_dir(root).exists()
    assert recover(root) is None


def _calls(fn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    root = _dataset(tmp_path / f"count-{fn}")
    with monkeypatch.context() as m:
        count = _killed_at(m, fn, 0)
        _swap(root)
        return count()


@pytest.mark.parametrize("fn", ["replace", "fsync", "unlink", "rmdir"])
def test_a_kill_at_any_step_leaves_old_or_new(fn: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    n = _calls(fn, tmp_path, monkeypatch)
    assert n >= 1
    outcomes = []
    for k in range(1, n + 1):
        root = _dataset(tmp_path / f"{fn}-{k}")
        with monkeypatch.context() as m:
            _killed_at(m, fn, k)
            with pytest.raises(SystemExit):
                _swap(root)
        done = recover(root)
        state = _state(root)
        assert state in (OLD, NEW), (fn, k, state)
        assert not swap_dir(root).exists()
        outcomes.append((state == NEW, done))
        _swap(root)  # and the next writer proceeds normally
        assert _state(root) == NEW
    if fn == "replace":  # #1-3 stage the files, #4 the journal (the commit point), the renames
        assert [new for new, _ in outcomes] == [False, False, False, False, True, True, True]
        # while staging, the exception dropped the staged files; a failed commit leaves them
        # to be rolled back; once the journal is there, recovery completes the swap
        assert [done for _, done in outcomes] == [None] * 3 + ["rolled back"] + ["completed"] * 3


def test_recovery_killed_half_way_is_recovered(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = _dataset(tmp_path)
    with monkeypatch.context() as m:
        _killed_at(m, "replace", 6)  # the journal is written, one file renamed
        with pytest.raises(SystemExit):
            _swap(root)
    assert (swap_dir(root) / JOURNAL).exists()
    with monkeypatch.context() as m:
        _killed_at(m, "replace", 2)  # recovery renames one more, then dies
        with pytest.raises(SystemExit):
            recover(root)
    assert recover(root) == "completed"
    assert _state(root) == NEW


def test_an_error_before_the_commit_drops_the_staged_files(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    with pytest.raises(RuntimeError), Swap(root) as swap:
        swap.write_text("samples.jsonl", "new")
        raise RuntimeError("the manifest could not be built")
    assert _state(root) == OLD and not swap_dir(root).exists()


def test_files_staged_by_a_killed_writer_are_rolled_back(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    swap = Swap(root)  # killed before its commit: neither commit() nor abort() runs
    swap.write_text("samples.jsonl", NEW["samples.jsonl"])
    with swap.open("rejects.jsonl") as fh:
        fh.write("half of the new rej")
    assert recover(root) == "rolled back"
    assert _state(root) == OLD and not swap_dir(root).exists()


def test_names_stay_in_the_dataset_folder(tmp_path: Path) -> None:
    swap = Swap(tmp_path)
    for name in ("../escape.jsonl", "images/x.png", JOURNAL, ""):
        with pytest.raises(ValueError):
            swap.write_text(name, "x")
