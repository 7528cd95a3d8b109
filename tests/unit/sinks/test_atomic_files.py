"""The one atomic writer: streamed into a temporary file, fsynced, renamed, folder fsynced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from medground.sinks import atomic_write_bytes, atomic_write_jsonl, atomic_writer


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "samples.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_writer(target) as fh:
        fh.write("half of the new")
        raise RuntimeError("killed")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["samples.jsonl"]


def test_the_new_file_appears_whole_and_durably(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[bool] = []  # True for a folder
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    target = tmp_path / "out" / "rows.jsonl"
    n = atomic_write_jsonl(target, ({"i": i, "q": "é"} for i in range(3)))
    assert n == 3
    assert target.read_bytes() == '{"i":0,"q":"é"}\n{"i":1,"q":"é"}\n{"i":2,"q":"é"}\n'.encode()
    assert synced == [False, True]  # the file, then its folder (the rename)
    assert [p.name for p in target.parent.iterdir()] == ["rows.jsonl"]


def test_files_get_the_usual_mode_not_a_private_one(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "a.png", b"x")
        with atomic_writer(tmp_path / "b.json") as fh:
            fh.write("{}")
    finally:
        os.umask(old)
    for name in ("a.png", "b.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_place_file_links_replaces_stale_files_and_copies_across_file_systems(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from medground.sinks import files

    src = tmp_path / "a.png"
    src.write_bytes(b"new image")
    dst = tmp_path / "out" / "a.png"
    dst.parent.mkdir()
    dst.write_bytes(b"stale image of an earlier export")
    files.place_file(src, dst)
    assert dst.read_bytes() == b"new image" and dst.samefile(src)
    files.place_file(src, dst)  # already there: nothing to do
    assert dst.samefile(src)

    def no_link(a: object, b: object) -> None:
        raise OSError("cross-device link")

    monkeypatch.setattr(files.os, "link", no_link)
    other = tmp_path / "out2" / "a.png"
    files.place_file(src, other)
    assert other.read_bytes() == b"new image" and not other.samefile(src)
    assert not list(other.parent.glob("*.tmp*")), "the copy left a temporary file"
