"""medground verify on a damaged or half-written dataset: killed at any point it leaves the old
dataset or the new one (the next reader settles it), and damaged records are rejects, not crashes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import read_jsonl
from medground.build import build
from medground.cli import app
from medground.config import BuildConfig
from medground.demo.phantom import write_phantom_dataset
from medground.demo.run import demo_config
from medground.sinks.swap import recover, swap_dir
from medground.verify import verify_dataset

FILES = ("samples.jsonl", "rejects.jsonl", "manifest.json")
STAGES = ["format", "geometry", "priors", "judge"]

#: verify in a child process that SIGKILLs itself on the k-th call of os.<fn> (k = 0: never),
#: then prints how many calls there were
KILLER = r"""
import json, os, signal, sys
from pathlib import Path
from medground.verify import verify_dataset
root, fn, k = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
real, calls = getattr(os, fn), [0]
def patched(*args, **kwargs):
    calls[0] += 1
    if calls[0] == k:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)
setattr(os, fn, patched)
verify_dataset(root, json.loads(sys.argv[4]))
print(calls[0])
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> BuildConfig:
    root = write_phantom_dataset(tmp_path_factory.mktemp("crash") / "data", n_cases=2, seed=2,
                                 orientations=("RAS",))
    return demo_config(root, planes=("axial",))


@pytest.fixture(scope="module")
def built(config: BuildConfig, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("crash") / "out"
    build(config, out)
    return out


@pytest.fixture()
def dataset(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built, tmp_path / "ds"))


def _edited(built: Path, tmp: Path) -> Path:
    """A copy that verify will change: samples, rejects and manifest all differ after it."""
    out = Path(shutil.copytree(built, tmp))
    rows = read_jsonl(out / "samples.jsonl")
    rows[0]["targets"][0]["box"][0] += 3  # now a MASK_BOX_MISMATCH reject
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (out / "samples.jsonl").write_text(text + text.splitlines()[1][:90] + "\n")  # torn line
    return out


def _state(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in FILES}


def _start(root: Path, fn: str, k: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", KILLER, str(root), fn, str(k),
                             json.dumps(STAGES)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_kill_at_any_point_leaves_the_old_or_the_new_dataset(built: Path,
                                                               tmp_path: Path) -> None:
    reference = _edited(built, tmp_path / "reference")
    old = _state(reference)
    counts = {}
    for fn in ("replace", "fsync", "unlink"):  # renames, durability points, the journal's end
        child = _start(reference if fn == "replace" else _edited(built, tmp_path / fn), fn, 0)
        stdout, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr
        counts[fn] = int(stdout.split()[-1])
    new = _state(reference)
    assert all(old[n] != new[n] for n in FILES)
    assert counts["replace"] >= 4 and counts["fsync"] >= 4 and counts["unlink"] >= 1
    runs = {(fn, k): _edited(built, tmp_path / f"{fn}-{k}")
            for fn, n in counts.items() for k in range(1, n + 1)}
    children = {key: _start(root, *key) for key, root in runs.items()}  # all at once
    seen = set()
    for key, child in children.items():
        child.communicate(timeout=300)
        assert child.returncode == -9, key  # it was killed, not finished
        root = runs[key]
        recover(root)  # what every reader does first
        state = _state(root)
        assert state in (old, new), key
        assert not swap_dir(root).exists()
        seen.add("new" if state == new else "old")
    assert seen == {"old", "new"}  # kills on both sides of the commit point
    # a later verify completes the work: the same dataset as an uninterrupted run
    for key in (("replace", 1), ("replace", counts["replace"])):
        verify_dataset(runs[key], STAGES)
        assert _state(runs[key]) == new


def test_a_reader_settles_a_swap_cut_short(built: Path, tmp_path: Path) -> None:
    root = _edited(built, tmp_path / "ds")
    old = _state(root)
    child = _start(root, "replace", 0)
    child.communicate(timeout=120)
    new = _state(root)
    for name, data in old.items():  # staged new files and a journal, one rename done
        (root / name).write_bytes(data)
    (swap_dir(root)).mkdir(parents=True)
    for name in FILES[1:]:
        (swap_dir(root) / name).write_bytes(new[name])
    (root / FILES[0]).write_bytes(new[FILES[0]])
    (swap_dir(root) / "journal.json").write_text(json.dumps({"files": list(FILES)}))
    result = CliRunner().invoke(app, ["verify", str(root), "--stages", ",".join(STAGES)])
    assert result.exit_code == 0, result.output
    assert _state(root) == new and not swap_dir(root).exists()


def test_a_merge_killed_at_any_rename_leaves_one_build(config: BuildConfig, built: Path,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    names = ("samples.jsonl", "rejects.jsonl", "errors.jsonl", "views.jsonl", "manifest.json")
    new = {n: (built / n).read_bytes() for n in names}
    old = {n: f"previous {n}\n".encode() for n in names}
    real = os.replace
    for k in range(1, 13):  # run.json, 5 staged files, the journal, 5 renames
        out = Path(shutil.copytree(built, tmp_path / str(k)))
        for n, data in old.items():
            (out / n).write_bytes(data)
        calls = [0]

        def replace(*args: Any, k: int = k, calls: list[int] = calls) -> None:
            calls[0] += 1
            if calls[0] == k:
                raise SystemExit(f"killed at rename {k}")
            real(*args)

        with monkeypatch.context() as m:
            m.setattr(os, "replace", replace)
            with pytest.raises(SystemExit):
                build(config, out)
        recover(out)
        state = {n: (out / n).read_bytes() for n in names}
        assert state == (new if k > 7 else old), k
        build(config, out)  # the resumed build finishes the merge
        assert {n: (out / n).read_bytes() for n in names} == new


def test_a_line_cut_inside_a_character_is_a_schema_invalid_reject(dataset: Path) -> None:
    total = len(read_jsonl(dataset / "samples.jsonl")) + len(read_jsonl(dataset / "rejects.jsonl"))
    torn = '{"id": "x", "query": "Find the lesion near the café'.encode()[:-1]
    with (dataset / "samples.jsonl").open("ab") as fh:
        fh.write(torn + b"\n")
    result = CliRunner().invoke(app, ["verify", str(dataset)])
    assert result.exit_code == 0, result.output
    rejected = read_jsonl(dataset / "rejects.jsonl")
    assert len(read_jsonl(dataset / "samples.jsonl")) + len(rejected) == total + 1
    bad = [r for r in rejected if r["verdicts"][-1]["reason"] == "SCHEMA_INVALID"]
    assert len(bad) == 1 and bad[0]["raw"].startswith('{"id": "x", "query": "Find the lesion')
    assert "UnicodeDecodeError" in bad[0]["verdicts"][-1]["detail"]
    assert "1 unreadable lines" in result.output


def _view_lines(dataset: Path) -> list[dict]:
    return read_jsonl(dataset / "views.jsonl")


def _write_views(dataset: Path, views: list[dict]) -> None:
    (dataset / "views.jsonl").write_text("".join(json.dumps(v) + "\n" for v in views))


@pytest.mark.parametrize("stages", ["geometry", "format,geometry,priors,judge"])
def test_a_view_record_without_mask_rle_is_a_schema_invalid_reject(dataset: Path,
                                                                   stages: str) -> None:
    views = _view_lines(dataset)
    for region in views[0]["regions"]:
        del region["mask_rle"]
    _write_views(dataset, views)
    on_image = [s["id"] for s in read_jsonl(dataset / "samples.jsonl")
                if s["image"] == views[0]["image"]]
    assert on_image
    result = CliRunner().invoke(app, ["verify", str(dataset), "--stages", stages])
    assert result.exit_code == 0, result.output
    reasons = {r["id"]: r["verdicts"][-1] for r in read_jsonl(dataset / "rejects.jsonl")}
    for sid in on_image:
        assert reasons[sid]["reason"] == "SCHEMA_INVALID"
        assert "views.jsonl line 1" in reasons[sid]["detail"]
        assert "mask_rle" in reasons[sid]["detail"]
    assert "1 unreadable views.jsonl lines" in result.output


def test_a_record_a_stage_cannot_read_is_its_schema_invalid_reject(dataset: Path) -> None:
    views = _view_lines(dataset)
    views[0]["regions"][0]["mask_rle"]["size"] = ["a", "b"]  # a record, an undecodable mask
    _write_views(dataset, views)
    samples = read_jsonl(dataset / "samples.jsonl")
    on_image = {s["id"] for s in samples if s["image"] == views[0]["image"]}
    result = CliRunner().invoke(app, ["verify", str(dataset), "--stages", "geometry"])
    assert result.exit_code == 0, result.output
    rejected = {r["id"]: r["verdicts"][-1] for r in read_jsonl(dataset / "rejects.jsonl")}
    assert on_image <= set(rejected)
    assert {rejected[i]["stage"] for i in on_image} == {"geometry"}
    assert {rejected[i]["reason"] for i in on_image} == {"SCHEMA_INVALID"}
    kept = read_jsonl(dataset / "samples.jsonl")
    assert kept and not on_image & {s["id"] for s in kept}  # the other images: judged as usual
